// `fetch` and `lock` as a library function: the matrix's kernels into the cache (or only resolved into the
// lock), the fetch's events passed on, its failures as an Outcome (the mapping `run` and `build` use too).
// The work is src/kernels/ (fetchAll); this step adds the verdict.
import { fetchAll, type FetchReport } from '../kernels/index.js';
import type { FetchEvent } from '../kernels/fetch-events.js';
import type { Matrix } from '../matrix/schema.js';
import { fromKernelFailures, OK, type Outcome } from './outcome.js';

export type { FetchEvent };

interface FetchInput {
  matrix: Matrix;
  matrixFile: string;
  /** `--kernel` values; all of the matrix when empty. */
  kernelIds: readonly string[];
  frozenLockfile?: boolean;
  /** `lock`: resolve moving names again and write the lock, download nothing. */
  lockOnly?: boolean;
  /** Go on with an unverified Debian index when gpgv or the keyring is missing (recorded in the lock). */
  allowUnsigned?: boolean;
}

interface Fetched {
  outcome: Outcome;
  report: FetchReport;
}

/** Ctrl-C (the signal) aborts downloads; their temp files are removed on the way out. */
export async function fetchMatrix(input: FetchInput, io: { emit?: (e: FetchEvent) => void; signal?: AbortSignal } = {}): Promise<Fetched> {
  const report = await fetchAll(
    {
      matrix: input.matrix,
      matrixFile: input.matrixFile,
      kernelIds: input.kernelIds,
      frozenLockfile: input.frozenLockfile,
      refreshLock: input.lockOnly,
      resolveOnly: input.lockOnly,
      allowUnsigned: input.allowUnsigned,
      signal: io.signal,
    },
    io.emit,
  );
  if (io.signal?.aborted)
    return { report, outcome: { kind: 'interrupted', message: 'partial downloads removed; run the same command again' } };
  return { report, outcome: report.failures.length > 0 ? fromKernelFailures(report.failures) : OK };
}
