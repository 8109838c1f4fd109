// The sweep a cell really runs: the matrix's parameters, or, under instruction counting, the fewer
// samples and repetitions exact figures need. Both the agent's command line and the cell result are
// built from this one function, so the cell records the parameters that actually ran.
import type { Benchmark, TestRunParams } from '../matrix/schema.js';
import type { Timing } from '../vm/timing.js';

/**
 * Under -icount a sample can differ from its twins only when a timer interrupt lands inside it, and an
 * interrupt only adds instructions: the median of three survives one such sample at a depth.
 */
export const ICOUNT_SAMPLES = 3;

/**
 * BPF_PROG_TEST_RUN reports duration = ⌊total guest ns / repeat⌋ (a u32). Under -icount total guest ns =
 * instructions × 2^shift, so with repeat = 2^shift the division is exact: duration is the total
 * instruction count of the 2^shift repetitions, i.e. per repetition duration / 2^shift instructions with
 * nothing truncated. A larger repeat would only truncate (and let more timer interrupts in); a smaller
 * one amortises the fixed cost of the call less, for nothing.
 */
export function icountRepeat(shift: number): number {
  return 2 ** shift;
}

export function sweepParams(params: TestRunParams, timing: Timing): TestRunParams {
  if (timing.mode !== 'icount') return params;
  return { ...params, samples: ICOUNT_SAMPLES, repeat: icountRepeat(timing.shift) };
}

export function sweepBenchmark(b: Benchmark, timing: Timing): Benchmark {
  return { ...b, params: sweepParams(b.params, timing) };
}
