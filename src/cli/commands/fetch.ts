import { Command } from 'commander';
import { collectList } from '../options.js';
import { Listr } from 'listr2';
import type { DefineCommand } from './index.js';
import { loadMatrixOrThrow } from '../load-matrix-or-throw.js';
import { listrOptions } from '../renderer.js';
import { EXIT } from '../exit-codes.js';
import { createFetchTasks, FetchSession, type FetchContext, type KernelFailure } from '../../kernels/index.js';
import { formatBytes, formatRate } from '../../kernels/progress.js';


export const ALLOW_UNSIGNED_HELP = 'without gpgv or the Debian keyring, use Debian indexes unverified (recorded in the lockfile and the report)';

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

/** Ctrl-C aborts downloads (temp files are removed on the way out) instead of killing the process mid-write. */
import { abortOnSigint } from '../sigint.js';

/** Shared by `fetch` and `lock`: run the fetch tasks, print a summary, choose the exit code. */
export async function runFetch(opts: FetchCommandOptions): Promise<number> {
  const loaded = await loadMatrixOrThrow(opts.matrix);
  const { signal, unwire } = abortOnSigint('interrupted: removing partial downloads');
  const failures: KernelFailure[] = [];
  const fetchOpts = {
    matrix: loaded.matrix,
    matrixFile: loaded.file,
    kernelIds: opts.kernel,
    frozenLockfile: opts.frozenLockfile,
    refreshLock: opts.lockOnly,
    resolveOnly: opts.lockOnly,
    allowUnsigned: opts.allowUnsigned,
    signal,
  };
  const session = new FetchSession(fetchOpts);
  const ctx: FetchContext = { kernels: new Map(), transferredBytes: 0 };
  const started = Date.now();
  const tasks = new Listr<FetchContext>(createFetchTasks<FetchContext>(fetchOpts, session, failures),
    listrOptions({ quiet: opts.quiet, verbose: opts.verbose, env: process.env, stream: process.stderr }),
  );
  try {
    await tasks.run(ctx);
  } catch {
    // every failure is in `failures`, reported below
  } finally {
    unwire();
  }
  const ms = Date.now() - started;
  // A refusal before any kernel was tried (bad --kernel, frozen lock) needs no transfer summary.
  const refusedUpFront = failures.some((f) => f.kernelId === undefined);
  if (!opts.quiet && !refusedUpFront) {
    const what = opts.lockOnly ? 'resolved' : 'fetched';
    process.stderr.write(
      `${what} ${ctx.kernels.size}/${session.kernels.length} kernel(s); transferred ${formatBytes(ctx.transferredBytes)} (${ctx.transferredBytes} bytes) in ${(ms / 1000).toFixed(1)} s (${formatRate(ctx.transferredBytes, ms)})\n`,
    );
  }
  if (!opts.lockOnly && !opts.quiet) {
    for (const { id } of session.kernels) {
      const k = ctx.kernels.get(id);
      if (k !== undefined) process.stdout.write(`${k.id}\t${k.release ?? '?'}\t${k.vmlinuz}\n`);
    }
  }
  if (signal.aborted) return EXIT.interrupted;
  if (failures.length === 0) return EXIT.ok;
  for (const f of failures) process.stderr.write(`error: ${f.message}\n`);
  return failures.every((f) => f.badInput) ? EXIT.badInput : EXIT.unavailable;
}

export const defineFetchCommand: DefineCommand = (setExit) =>
  new Command('fetch')
    .description('download, verify and unpack the matrix kernels into the cache (pinned by matrix.lock.json)')
    .option('-m, --matrix <file>', 'matrix file', 'matrix.json')
    .option('--kernel <id>', 'only these kernels (repeatable, comma-separated)', collectList, [])
    .option('--frozen-lockfile', 'fail when matrix.lock.json does not pin every kernel (CI)')
    .option('--allow-unsigned', ALLOW_UNSIGNED_HELP)
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', 'plain line-by-line progress')
    .action(async (opts: FetchCommandOptions) => {
      setExit(await runFetch(opts));
    });
