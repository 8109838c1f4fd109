// Fetch every kernel of a matrix into the cache, honouring the lockfile. Two entry points over one
// session: fetchKernels() (a plain function for tests and scripts) and createFetchTasks() (listr2 tasks
// the `fetch` and `run` commands embed, one per kernel, with bytes and rate as task output).
import { setMaxListeners } from 'node:events';
import type { ListrTask, ListrTaskWrapper } from 'listr2';
import type { Kernel, Matrix } from '../matrix/schema.js';
import { lockMismatches, lockPathFor, pinnedEntry, readLock, sourceHash, writeLock, type LockFile, type ResolvedKernel } from '../matrix/lock.js';
import { err, ok, type Result } from '../util/result.js';
import { KernelCache } from './cache.js';
import { failureMessage, getSourceDriver, isBadInput, type FetchProgress, type KernelSourceDriver, type SourceContext, type SourceFailure } from './source.js';
import type { FetchedKernel } from './types.js';
import { formatBytes, formatRate } from './progress.js';

export interface FetchOptions {
  matrix: Matrix;
  /** matrix.json's path: relative paths and the default lockfile are next to it. */
  matrixFile: string;
  /** Default: matrix.lock.json next to matrixFile. */
  lockFile?: string;
  /** Only these kernel ids (all when absent or empty). */
  kernelIds?: readonly string[];
  /** CI: fail when the lock does not pin every selected kernel exactly as the matrix says. */
  frozenLockfile?: boolean;
  /** `tailmatrix lock`: resolve again even when pinned (refresh moving names). */
  refreshLock?: boolean;
  /** Resolve and write the lock only, download nothing. */
  resolveOnly?: boolean;
  cache?: KernelCache;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  log?: (kernelId: string, line: string) => void;
  onProgress?: (kernelId: string, p: FetchProgress) => void;
}

export interface FetchContext {
  kernels: Map<string, FetchedKernel>;
  /** Bytes received over the network during this run, all kernels together. */
  transferredBytes: number;
}

export interface KernelFailure {
  kernelId?: string;
  message: string;
  /** The matrix or lockfile is at fault (EXIT.badInput) rather than the network or the machine. */
  badInput: boolean;
}

export interface FetchSummary extends FetchContext {
  lockChanged: boolean;
  lockFile: string;
}

/** Shared state of one fetch run: the lock read once, updated by every kernel, written once. */
export class FetchSession {
  readonly lockFile: string;
  readonly cache: KernelCache;
  readonly signal: AbortSignal;
  lock: LockFile | undefined;
  lockChanged = false;
  readonly kernels: Kernel[];

  constructor(readonly opts: FetchOptions) {
    this.lockFile = opts.lockFile ?? lockPathFor(opts.matrixFile);
    this.cache = opts.cache ?? KernelCache.fromEnv(opts.env);
    this.signal = opts.signal ?? new AbortController().signal;
    // Every concurrent request listens on the one Ctrl-C signal: dozens of listeners are expected here.
    setMaxListeners(0, this.signal);
    this.kernels = selectKernels(opts.matrix, opts.kernelIds);
  }

  /** Read the lock and, when frozen, check it covers the selected kernels. */
  async open(): Promise<Result<void, KernelFailure[]>> {
    const unknown = (this.opts.kernelIds ?? []).filter((id) => !this.opts.matrix.kernels.some((k) => k.id === id));
    if (unknown.length > 0) {
      const known = this.opts.matrix.kernels.map((k) => k.id).join(', ');
      return err(unknown.map((id) => ({ message: `unknown kernel id "${id}" (matrix has: ${known})`, badInput: true })));
    }
    const read = await readLock(this.lockFile);
    if (!read.ok) return err(read.error.map((message) => ({ message, badInput: true })));
    this.lock = read.value;
    if (this.opts.frozenLockfile) {
      const problems = lockMismatches(read.value, this.kernels);
      if (problems.length > 0) {
        return err(problems.map((p) => ({ message: `--frozen-lockfile: ${p} (run \`tailmatrix lock\`)`, badInput: true })));
      }
    }
    return ok(undefined);
  }

  async fetchOne(kernel: Kernel, onProgress: (p: FetchProgress) => void, log: (line: string) => void): Promise<Result<FetchedKernel, KernelFailure>> {
    if (this.lock === undefined) throw new Error('FetchSession.open() must run first');
    const fail = (f: SourceFailure): Result<never, KernelFailure> =>
      err({ kernelId: kernel.id, message: `${kernel.id}: ${failureMessage(f)}`, badInput: isBadInput(f) });
    const ctx: SourceContext = {
      cache: this.cache,
      signal: this.signal,
      matrixDir: this.opts.matrixFile === '' ? process.cwd() : dirOf(this.opts.matrixFile),
      env: this.opts.env ?? process.env,
      onProgress,
      log,
      snapshot: this.opts.matrix.snapshot,
    };
    // The driver map is keyed by type; TypeScript cannot see that kernel.source and the driver agree.
    const driver = getSourceDriver(kernel.source.type) as unknown as KernelSourceDriver;
    let resolveBytes = 0;
    let entry = this.opts.refreshLock ? undefined : pinnedEntry(this.lock, kernel);
    if (entry === undefined) {
      if (this.opts.frozenLockfile) return fail({ badInput: true, message: 'not pinned by the lockfile (--frozen-lockfile)' });
      // Index bytes (InRelease, Packages) count towards this kernel's transfer, before the .debs.
      const resolved = await driver.resolve(kernel as never, {
        ...ctx,
        onProgress: (p) => {
          resolveBytes = p.transferred;
          onProgress(p);
        },
      });
      if (!resolved.ok) return fail(resolved.error);
      const previous = this.lock.kernels[kernel.id];
      entry = { sourceHash: sourceHash(kernel.source), resolved: resolved.value, resolvedAt: new Date().toISOString() };
      if (previous === undefined || JSON.stringify(previous.resolved) !== JSON.stringify(entry.resolved) || previous.sourceHash !== entry.sourceHash) {
        this.lock.kernels[kernel.id] = entry;
        this.lockChanged = true;
        log(`locked ${describeResolved(entry.resolved)}`);
      }
    } else {
      log(`pinned by lockfile: ${describeResolved(entry.resolved)}`);
    }
    if (this.opts.resolveOnly) {
      return ok({ id: kernel.id, sha256: '', dir: '', vmlinuz: '', origin: describeResolved(entry.resolved) });
    }
    const fetched = await driver.fetch(kernel as never, entry.resolved as never, {
      ...ctx,
      onProgress: (p) => onProgress({ ...p, transferred: resolveBytes + p.transferred, total: p.total !== undefined ? resolveBytes + p.total : undefined }),
    });
    return fetched.ok ? fetched : fail(fetched.error);
  }

  /** Write the lock when something changed (never under --frozen-lockfile). */
  async close(): Promise<void> {
    if (this.lock !== undefined && this.lockChanged && !this.opts.frozenLockfile) await writeLock(this.lockFile, this.lock);
  }
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : process.cwd()) : file.slice(0, i);
}

export function selectKernels(m: Matrix, ids: readonly string[] | undefined): Kernel[] {
  if (ids === undefined || ids.length === 0) return m.kernels;
  return m.kernels.filter((k) => ids.includes(k.id));
}

export function describeResolved(r: ResolvedKernel): string {
  switch (r.type) {
    case 'debian':
      return `debian:${r.suite}/${r.package} ${r.version}${r.requested !== r.package ? ` (from ${r.requested})` : ''}`;
    case 'url':
      return `url:${r.files[0]?.url ?? '?'}`;
    case 'oci':
      return `oci:${r.image}@${r.digest}`;
    case 'local':
      return 'local';
    case 'build':
      return `build:${r.inputsHash.slice(0, 12)}`;
  }
}

/** Plain function: fetch the selected kernels one after another; every failure is collected. */
export async function fetchKernels(opts: FetchOptions): Promise<Result<FetchSummary, KernelFailure[]>> {
  const session = new FetchSession(opts);
  const opened = await session.open();
  if (!opened.ok) return opened;
  const kernels = new Map<string, FetchedKernel>();
  const failures: KernelFailure[] = [];
  let transferredBytes = 0;
  for (const k of session.kernels) {
    let last = 0;
    const res = await session.fetchOne(
      k,
      (p) => {
        last = p.transferred;
        opts.onProgress?.(k.id, p);
      },
      (line) => opts.log?.(k.id, line),
    );
    transferredBytes += last;
    if (res.ok) kernels.set(k.id, res.value);
    else failures.push(res.error);
    if (session.signal.aborted) break;
  }
  await session.close();
  if (failures.length > 0) return err(failures);
  return ok({ kernels, transferredBytes, lockChanged: session.lockChanged, lockFile: session.lockFile });
}

/** Longer than any cache hit: a kernel that took this long without a download was built here. */
const BUILT_HERE_MS = 5_000;

/** Throttle for progress lines in non-TTY output: one line per kernel every few seconds is plenty. */
const PROGRESS_EVERY_MS = 1_000;

/**
 * listr2 tasks: read the lock, fetch each kernel (concurrently, each a subtask showing bytes and rate),
 * write the lock. A kernel's failure fails its task with a clear message; the caller decides whether to
 * stop (exitOnError) and reads `session.failures` for exit codes.
 */
export function createFetchTasks<C extends FetchContext>(
  opts: FetchOptions,
  session = new FetchSession(opts),
  failures: KernelFailure[] = [],
): ListrTask<C>[] {
  return [
    {
      title: 'Read lockfile',
      task: async (_ctx, task) => {
        const opened = await session.open();
        if (!opened.ok) {
          failures.push(...opened.error);
          throw new Error(opened.error.map((f) => f.message).join('\n'));
        }
        task.title = `Lockfile ${session.lockFile}`;
      },
    },
    {
      title: 'Fetch kernels',
      task: (_ctx, task) =>
        task.newListr(
          session.kernels.map((k) => ({
            title: k.id,
            task: async (ctx: C, sub: ListrTaskWrapper<C, never, never>) => {
              const started = Date.now();
              let lastShown = 0;
              let transferred = 0;
              let extractFrom: number | undefined;
              const res = await session.fetchOne(
                k,
                (p) => {
                  transferred = p.transferred;
                  if (p.phase === 'extract') extractFrom ??= Date.now();
                  const now = Date.now();
                  if (now - lastShown < PROGRESS_EVERY_MS) return;
                  lastShown = now;
                  const total = p.total !== undefined ? ` / ${formatBytes(p.total)}` : '';
                  // A build (or an extraction) moves no bytes over the network: its phase says it all.
                  sub.output =
                    p.transferred === 0 && p.total === undefined
                      ? p.phase
                      : `${p.phase}: ${formatBytes(p.transferred)}${total}, ${formatRate(p.transferred, now - started)}`;
                },
                (line) => {
                  sub.output = line;
                },
              );
              ctx.transferredBytes = (ctx.transferredBytes ?? 0) + transferred;
              if (!res.ok) {
                failures.push(res.error);
                throw new Error(res.error.message);
              }
              ctx.kernels.set(k.id, res.value);
              const end = Date.now();
              const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
              const timing =
                extractFrom !== undefined
                  ? `${formatBytes(transferred)} downloaded in ${secs(extractFrom - started)}, extracted in ${secs(end - extractFrom)}`
                  : transferred > 0
                    ? `${formatBytes(transferred)} in ${secs(end - started)}`
                    : // Nothing downloaded: a cache hit, or a kernel built here (which takes minutes).
                      end - started < BUILT_HERE_MS
                      ? 'cached, 0 bytes'
                      : `ready in ${secs(end - started)}, 0 bytes downloaded`;
              sub.title = `${k.id}: ${res.value.origin} (${timing})`;
            },
          })),
          { concurrent: true, exitOnError: false },
        ),
    },
    {
      title: 'Write lockfile',
      task: async (_ctx, task) => {
        await session.close();
        task.title = session.lockChanged ? `Lockfile updated: ${session.lockFile}` : 'Lockfile unchanged';
      },
    },
  ];
}
