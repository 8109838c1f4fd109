// Tests that drive Benchmark 1 directly: its parameters, with a clear failure if a matrix hands them another type.
import type { Benchmark, TestRunParams } from '../../src/matrix/schema.js';

export function testRunParams(b: Benchmark): TestRunParams {
  if (b.type !== 'test-run') throw new Error(`benchmark ${b.name} is of type ${b.type}, not test-run`);
  return b.params;
}
