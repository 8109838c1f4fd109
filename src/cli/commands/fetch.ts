// `tailmatrix fetch` and `lock`: the kernels of the matrix into the cache (or only resolved into the lock),
// shown from the fetch's events; failures become the exit code the way every command maps them.
import { Command } from 'commander';
import { withMatrixKernelOptions, withProgressOptions } from '../options.js';
import type { DefineCommand } from './define.js';
import { finishWith } from '../exit-codes.js';
import { abortOnSigint } from '../sigint.js';
import type { FetchEvent } from '../../engine/fetch.js';

/** The cache is shared between projects: it learns this one's lockfile, so `cache prune` elsewhere keeps its kernels. */
export async function registerWithCache(matrixFile: string): Promise<void> {
  const { registerWithCache: register } = await import('../../engine/cache.js');
  const warning = await register(matrixFile);
  if (warning !== undefined) process.stderr.write(`warning: ${warning}\n`);
}

export interface FetchCommandOptions {
  matrix: string;
  kernel: string[];
  frozenLockfile?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** `lock`: resolve moving names again and write the lock, download nothing. */
  lockOnly?: boolean;
  /** Go on with an unverified Debian index when gpgv or the keyring is missing (recorded in the lock). */
  allowUnsigned?: boolean;
}

/** Shared by `fetch` and `lock`. Ctrl-C aborts downloads (temp files are removed on the way out). */
export async function runFetch(opts: FetchCommandOptions): Promise<number> {
  // Loaded here, not at the top: `--help` must not pay for the fetchers, listr2 and zod (bench/help-time.ts).
  const [{ Listr }, { loadMatrixOrThrow }, { listrOptions }, { EventFeed }, { fetchTasks }, { fetchMatrix }, { formatBytes, formatRate }] =
    await Promise.all([
      import('listr2'),
      import('../load-matrix-or-throw.js'),
      import('../renderer.js'),
      import('../views/feed.js'),
      import('../views/fetch-view.js'),
      import('../../engine/fetch.js'),
      import('../../util/format-bytes.js'),
    ]);
  const loaded = await loadMatrixOrThrow(opts.matrix);
  await registerWithCache(loaded.file);
  const { signal, unwire } = abortOnSigint('interrupted: removing partial downloads');
  const feed = new EventFeed<FetchEvent>();
  const started = Date.now();
  const fetching = fetchMatrix(
    {
      matrix: loaded.matrix,
      matrixFile: loaded.file,
      kernelIds: opts.kernel,
      frozenLockfile: opts.frozenLockfile,
      lockOnly: opts.lockOnly,
      allowUnsigned: opts.allowUnsigned,
    },
    { emit: feed.emit, signal },
  ).finally(() => feed.close());
  const view = new Listr(
    fetchTasks(feed, (e) => e),
    {
      ...(listrOptions({ quiet: opts.quiet, verbose: opts.verbose, env: process.env, stream: process.stderr }) as object),
      exitOnError: false,
    } as never,
  );
  let fetched: Awaited<typeof fetching>;
  try {
    await view.run();
    fetched = await fetching;
  } finally {
    unwire();
  }
  const { report, outcome } = fetched;
  const ms = Date.now() - started;
  // A refusal before any kernel was tried (bad --kernel, frozen lock) needs no transfer summary.
  if (!opts.quiet && !report.refused) {
    const what = opts.lockOnly ? 'resolved' : 'fetched';
    const selected = report.kernels.size + report.failures.length;
    process.stderr.write(
      `${what} ${report.kernels.size}/${selected} kernel(s); transferred ${formatBytes(report.transferredBytes)} (${report.transferredBytes} bytes) in ${(ms / 1000).toFixed(1)} s (${formatRate(report.transferredBytes, ms)})\n`,
    );
  }
  if (!opts.lockOnly && !opts.quiet) {
    for (const k of report.kernels.values()) process.stdout.write(`${k.id}\t${k.release ?? '?'}\t${k.vmlinuz}\n`);
  }
  return finishWith(outcome);
}

export const defineFetchCommand: DefineCommand = (setExit) =>
  withProgressOptions(
    withMatrixKernelOptions(
      new Command('fetch').description('download, verify and unpack the matrix kernels into the cache (pinned by matrix.lock.json)'),
    ),
  )
    .option('--frozen-lockfile', 'fail when matrix.lock.json does not pin every kernel (CI)')
    .action(async (opts: FetchCommandOptions) => {
      setExit(await runFetch(opts));
    });
