// The one place that knows every benchmark driver: a benchmark type → its driver, typed over the matrix
// schema's union (src/matrix/schema.ts), so a new type does not compile until it has a driver here.
// Modelled on src/kernels/registry.ts: callers get the driver bound to their benchmark, never a cast.
import type { CellSummary } from '../analysis/summary-schema.js';
import type { Benchmark } from '../matrix/schema.js';
import type { Timing } from '../measure/timing.js';
import type { CellResult } from '../results/cell-result.js';
import type { BenchmarkNeeds } from '../vm/types.js';
import type { BenchmarkDriver, BenchmarkOf, BenchmarkType } from './driver.js';
import { strategiesDriver } from './strategies.js';
import { testRunDriver } from './test-run.js';
import { trafficDriver } from './traffic.js';

type DriverMap = { [T in BenchmarkType]: BenchmarkDriver<T> };

const drivers: DriverMap = {
  'test-run': testRunDriver,
  traffic: trafficDriver,
  strategies: strategiesDriver,
};

// Type predicates, not casts: each checks the one field that tells the members of the union apart.
const isOf = <T extends BenchmarkType>(b: Benchmark, type: T): b is BenchmarkOf<T> => b.type === type;
const isType = (t: string): t is BenchmarkType => Object.hasOwn(drivers, t);

function needsOf<T extends BenchmarkType>(type: T, b: Benchmark, timing: Timing): { benchmark: Benchmark; needs: BenchmarkNeeds } {
  const driver: BenchmarkDriver<T> = drivers[type];
  if (!isOf(b, type)) throw new Error(`benchmark ${b.name}: a ${b.type} benchmark bound to the ${type} driver`);
  const sweep = driver.underTiming(b, timing);
  return {
    benchmark: sweep,
    needs: {
      agentArgs: driver.agentArgs(sweep),
      modules: [...driver.modules],
      programs: () => driver.programs(),
      missing: (agent) => driver.missing(sweep, agent),
    },
  };
}

/**
 * The sweep that runs under `timing` and what the guest needs for it, resolved once for a cell's run
 * spec (src/cells/cell-spec.ts): src/vm/ reads these and never the benchmark type.
 */
export function resolveBenchmark(b: Benchmark, timing: Timing): { benchmark: Benchmark; needs: BenchmarkNeeds } {
  return needsOf(b.type, b, timing);
}

/**
 * A stored cell's driver. A result file names its type as a plain string (src/results/cell-result.ts);
 * one of a type this version does not know is read as Benchmark 1, as before the registry existed.
 */
function resultDriver(c: CellResult): Pick<BenchmarkDriver<BenchmarkType>, 'analyse' | 'headline'> {
  return drivers[isType(c.benchmark.type) ? c.benchmark.type : 'test-run'];
}

/** A cell result → its summary, by its benchmark type's analysis. */
export const analyseResult = (c: CellResult): CellSummary => resultDriver(c).analyse(c);

/** The figure part of an ok cell's progress line (src/cells/headline.ts). */
export const headlineFigures = (c: CellResult, perCall: string): string => resultDriver(c).headline(c, perCall);
