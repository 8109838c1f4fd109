// `bisect` as library functions: the matrix it measures with, then the search. The search, the builds and
// the cells live in src/bisect/; these are the entry the CLI (and any other caller) uses.
import { loadCheckMatrix, type CheckMatrix } from '../bisect/default-matrix.js';
import { runBisect, type BisectEvent, type BisectOptions } from '../bisect/run-bisect.js';
import type { BisectOutcome } from '../bisect/outcome.js';
import type { Result } from '../util/result.js';

export type { BisectEvent, BisectOptions, BisectOutcome, CheckMatrix };

/** --matrix FILE when given; else ./matrix.json when there is one; else the built-in default. Errors name the file. */
export async function loadBisectMatrix(file: string | undefined): Promise<Result<CheckMatrix, string[]>> {
  return loadCheckMatrix(file);
}

/** Build, boot and measure commits of good..bad until the first bad one is found (or the search stops). */
export async function bisect(opts: BisectOptions): Promise<Result<BisectOutcome, { message: string; badInput: boolean }>> {
  return runBisect(opts);
}
