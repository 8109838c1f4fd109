// A cell's run spec, with its benchmark resolved once by its driver (src/benchmarks/registry.ts): the
// sweep as it really runs under its timing (fewer samples and repetitions under instruction counting,
// src/measure/sweep-params.ts) and what the guest needs for it. Everything after reads `spec.benchmark`
// and `spec.needs` as they are: the agent's command line, the check that the sweep is complete, the cell
// result's recorded parameters. `run` and `bisect` both build specs here.
import { resolveBenchmark } from '../benchmarks/registry.js';
import type { CellRunSpec } from '../vm/types.js';

type CellSpec = Omit<CellRunSpec, 'workDir' | 'needs'>;

/** The spec with `benchmark` replaced by the sweep that runs under `timing`, and that sweep's needs. */
export function cellRunSpec<S extends CellSpec>(s: S): S & Pick<CellRunSpec, 'needs'> {
  return { ...s, ...resolveBenchmark(s.benchmark, s.timing) };
}
