// A cell's run spec, with its effective sweep resolved once: the benchmark as it really runs under its
// timing (fewer samples and repetitions under instruction counting, src/measure/sweep-params.ts).
// Everything after reads `spec.benchmark` as it is: the agent's command line, the check that the sweep
// is complete, the cell result's recorded parameters. `run` and `bisect` both build specs here.
import { sweepBenchmark } from '../measure/sweep-params.js';
import type { CellRunSpec } from '../vm/types.js';

type CellSpec = Omit<CellRunSpec, 'workDir'>;

/** The spec with `benchmark` replaced by the sweep that runs under `timing`. */
export function cellRunSpec<S extends CellSpec>(s: S): S {
  return { ...s, benchmark: sweepBenchmark(s.benchmark, s.timing) };
}
