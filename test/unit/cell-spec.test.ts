import { describe, expect, it } from 'vitest';
import { benchmark, runner } from '../../src/matrix/schema.js';
import { cellRunSpec } from '../../src/cells/cell-spec.js';
import { ICOUNT_REPEAT, ICOUNT_SAMPLES } from '../../src/measure/sweep-params.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import type { Timing } from '../../src/measure/timing.js';

// The sweep is resolved once, into the spec: what the agent is told is what the spec holds.
const spec = (b: ReturnType<typeof benchmark.parse>, timing: Timing) =>
  cellRunSpec({
    cellId: 'c',
    kernel: { id: 'k', vmlinuz: '/nonexistent' } as FetchedKernel,
    boot: { name: 'b', cmdline: '' },
    benchmark: b,
    runner: runner.parse({}),
    accel: 'tcg',
    timing,
    payload: { agent: '/nonexistent/agent', objDir: '/nonexistent', hash: 'f'.repeat(64) },
  });

describe('cellRunSpec', () => {
  const testRun = benchmark.parse({ name: 't', type: 'test-run', params: { samples: 10, repeat: 100, maxDepth: 8 } });

  it('under instruction counting the spec holds the fewer samples and repetitions, and the agent runs exactly those', () => {
    const s = spec(testRun, { mode: 'icount', shift: 3 });
    expect(s.benchmark.type === 'test-run' && [s.benchmark.params.samples, s.benchmark.params.repeat]).toEqual([
      ICOUNT_SAMPLES,
      ICOUNT_REPEAT,
    ]);
    expect(s.needs.agentArgs.slice(0, 6)).toEqual([
      '--max-depth',
      '8',
      '--samples',
      String(ICOUNT_SAMPLES),
      '--repeat',
      String(ICOUNT_REPEAT),
    ]);
    // Resolving twice changes nothing.
    expect(cellRunSpec(s).benchmark).toEqual(s.benchmark);
  });

  it("timed cells and traffic windows keep the matrix's parameters (loads at most one per sample)", () => {
    expect(spec(testRun, { mode: 'timed' }).benchmark).toEqual({ ...testRun, params: { ...testRun.params, loads: 10 } });
    const traffic = benchmark.parse({ name: 'tc', type: 'traffic' });
    expect(spec(traffic, { mode: 'icount', shift: 3 }).benchmark).toBe(traffic);
  });
});
