// The sweep a cell really runs: the matrix's parameters, or, under instruction counting, the fewer
// samples and repetitions exact figures need. Both the agent's command line and the cell result are
// built from this one function, so the cell records the parameters that actually ran.
import type { Timing } from './timing.js';

/**
 * Under -icount a sample can differ from its twins only when a timer interrupt lands inside it, and an
 * interrupt only adds instructions: the median of three survives one such sample at a depth.
 */
export const ICOUNT_SAMPLES = 3;

/**
 * BPF_PROG_TEST_RUN reports duration = ⌊total guest ns / repeat⌋ (a u32). Under -icount total guest ns =
 * instructions × 2^shift, so with repeat 1 nothing is truncated at any shift: duration / 2^shift is the
 * exact instruction count of one run. A larger repeat buys nothing (the figure is already exact, and
 * the fixed cost of the call lands in the intercept either way) and costs exactness: the timed window
 * grows with it, and so does the chance that a timer interrupt (every 4 ms of guest time = 4·10⁶ / 2^shift
 * instructions at HZ=250) lands inside it. Measured (bench/icount-shift.ts, docs/measurement.md):
 * repeat 2^shift left per-depth figures off whole instructions and differing between runs from shift 2.
 */
export const ICOUNT_REPEAT = 1;

/**
 * Any BPF_PROG_TEST_RUN sweep (Benchmarks 1 and 3): only its samples, repeat and loads change. Loads
 * are at most one per sample, as the agent runs them; under -icount one: an instruction count does not
 * depend on where the JIT put the code.
 */
export function sweepParams<P extends { samples: number; repeat: number; loads: number }>(params: P, timing: Timing): P {
  if (timing.mode === 'icount') return { ...params, samples: ICOUNT_SAMPLES, repeat: ICOUNT_REPEAT, loads: 1 };
  return { ...params, loads: Math.min(params.loads, params.samples) };
}

/**
 * The agent's flags for such a sweep (bpf/PROTOCOL.md), shared by the drivers of Benchmarks 1 and 3: the
 * depths, samples, repeat and loads, then the benchmark's own flags, then the seed when one is fixed.
 */
export function sweepArgs(
  p: { maxDepth: number; samples: number; repeat: number; loads: number; seed?: number | undefined },
  own: readonly string[],
): string[] {
  return [
    '--max-depth',
    String(p.maxDepth),
    '--samples',
    String(p.samples),
    '--repeat',
    String(p.repeat),
    '--loads',
    String(p.loads),
    ...own,
    ...(p.seed !== undefined ? ['--seed', String(p.seed)] : []),
  ];
}
