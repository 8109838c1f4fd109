// Fetch every kernel of a matrix into the cache, honouring the lockfile: one session reads the lock,
// fetches the kernels concurrently and writes the lock once, telling what happens as FetchEvents.
import { setMaxListeners } from 'node:events';
import type { Kernel, Matrix } from '../matrix/schema.js';
import {
  lockMismatches,
  lockPathFor,
  pinnedEntry,
  readLock,
  sourceHash,
  writeLock,
  type LockFile,
  type ResolvedKernel,
} from '../matrix/lock.js';
import { stableJson } from '../util/stable-json.js';
import { err, ok, type Result } from '../util/result.js';
import { imageFormat } from './image-format.js';
import { KernelCache } from './cache.js';
import { driverFor } from './registry.js';
import { failureMessage, isBadInput, type FetchProgress, type SourceContext, type SourceFailure } from './source.js';
import type { FetchedKernel } from './types.js';
import type { FetchEvent } from './fetch-events.js';

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
  /** --allow-unsigned: go on with an unverified Debian index when gpgv or the keyring is missing. */
  allowUnsigned?: boolean;
  /** make's parallel jobs for kernels built from source (`--make-jobs`); default the cores available. */
  makeJobs?: number;
  cache?: KernelCache;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  log?: (kernelId: string, line: string) => void;
  onProgress?: (kernelId: string, p: FetchProgress) => void;
}

interface FetchContext {
  kernels: Map<string, FetchedKernel>;
  /** Bytes received over the network during this run, all kernels together. */
  transferredBytes: number;
}

/** What one fetch came to: the kernels that arrived, and every failure (kernels that did not). */
export interface FetchReport extends FetchSummary {
  failures: KernelFailure[];
  /** The fetch was refused before any kernel was tried (unknown --kernel id, frozen lock mismatch). */
  refused: boolean;
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
class FetchSession {
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

  async fetchOne(
    kernel: Kernel,
    onProgress: (p: FetchProgress) => void,
    log: (line: string) => void,
  ): Promise<Result<FetchedKernel, KernelFailure>> {
    if (this.lock === undefined) throw new Error('FetchSession.open() must run first');
    const fail = (f: SourceFailure): Result<never, KernelFailure> =>
      err({ kernelId: kernel.id, message: `${kernel.id}: ${failureMessage(f)}`, badInput: isBadInput(f) });
    const ctx: SourceContext = {
      cache: this.cache,
      signal: this.signal,
      matrixDir: this.opts.matrixFile === '' ? process.cwd() : dirOf(this.opts.matrixFile),
      env: this.opts.env ?? process.env,
      allowUnsigned: this.opts.allowUnsigned === true,
      ...(this.opts.makeJobs !== undefined ? { makeJobs: this.opts.makeJobs } : {}),
      onProgress,
      log,
      snapshot: this.opts.matrix.snapshot,
    };
    const driver = driverFor(kernel);
    let resolveBytes = 0;
    let entry = this.opts.refreshLock ? undefined : pinnedEntry(this.lock, kernel);
    if (entry === undefined) {
      if (this.opts.frozenLockfile) return fail({ badInput: true, message: 'not pinned by the lockfile (--frozen-lockfile)' });
      // Index bytes (InRelease, Packages) count towards this kernel's transfer, before the .debs.
      const resolved = await driver.resolve({
        ...ctx,
        onProgress: (p) => {
          resolveBytes = p.transferred;
          onProgress(p);
        },
      });
      if (!resolved.ok) return fail(resolved.error);
      const previous = this.lock.kernels[kernel.id];
      entry = { sourceHash: sourceHash(kernel.source, kernel.arch), resolved: resolved.value, resolvedAt: new Date().toISOString() };
      // Key order differs between a parsed lock (schema order) and a fresh resolve: compare sorted.
      if (
        previous === undefined ||
        stableJson(previous.resolved) !== stableJson(entry.resolved) ||
        previous.sourceHash !== entry.sourceHash
      ) {
        this.lock.kernels[kernel.id] = entry;
        this.lockChanged = true;
        log(`locked ${describeResolved(entry.resolved)}`);
      }
    } else {
      log(`pinned by lockfile: ${describeResolved(entry.resolved)}`);
    }
    if (this.opts.resolveOnly) {
      return ok({ id: kernel.id, arch: kernel.arch, sha256: '', dir: '', vmlinuz: '', origin: describeResolved(entry.resolved) });
    }
    const fetched = await driver.fetch(entry.resolved, {
      ...ctx,
      onProgress: (p) =>
        onProgress({ ...p, transferred: resolveBytes + p.transferred, total: p.total !== undefined ? resolveBytes + p.total : undefined }),
    });
    if (!fetched.ok) return fail(fetched.error);
    // An image of another architecture (a single-platform OCI image, a url, a mislabelled package) would
    // hang or die in QEMU with little said: checked here, naming what it is. amd64 images are booted as
    // they come, as before kernels had an arch (a wrong one still fails the boot with its console tail).
    if (kernel.arch !== 'amd64' && kernel.source.type !== 'local') {
      const format = await imageFormat(fetched.value.vmlinuz, kernel.arch);
      if (!format.ok) return fail({ badInput: true, message: `arch "${kernel.arch}": ${format.error}` });
    }
    return ok({ ...fetched.value, arch: kernel.arch });
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

function selectKernels(m: Matrix, ids: readonly string[] | undefined): Kernel[] {
  if (ids === undefined || ids.length === 0) return m.kernels;
  return m.kernels.filter((k) => ids.includes(k.id));
}

function describeResolved(r: ResolvedKernel): string {
  switch (r.type) {
    case 'debian':
      return `debian:${r.suite}/${r.package} ${r.version}${r.requested !== r.package ? ` (from ${r.requested})` : ''}`;
    case 'url':
      return `url:${r.files[0]?.url ?? '?'}`;
    case 'oci':
      return `oci:${r.image}@${r.digest}`;
    case 'local':
      return 'local';
    case 'running':
      return 'running';
    case 'build':
      return `build:${r.inputsHash.slice(0, 12)}`;
  }
}

/**
 * Fetch the selected kernels concurrently (downloads overlap; the cache's locks keep them apart) and
 * report every failure; the kernels that did arrive are returned too, so a run can go on with them.
 */
export async function fetchAll(opts: FetchOptions, emit: (e: FetchEvent) => void = () => undefined): Promise<FetchReport> {
  const session = new FetchSession(opts);
  const report: FetchReport = {
    kernels: new Map(),
    transferredBytes: 0,
    failures: [],
    refused: false,
    lockChanged: false,
    lockFile: session.lockFile,
  };
  const opened = await session.open();
  if (!opened.ok) {
    emit({ type: 'fetch-refused', messages: opened.error.map((f) => f.message) });
    return { ...report, failures: opened.error, refused: true };
  }
  emit({ type: 'fetch-start', lockFile: session.lockFile, kernelIds: session.kernels.map((k) => k.id) });
  const arrived = new Map<string, FetchedKernel>();
  await Promise.all(
    session.kernels.map(async (k) => {
      const started = Date.now();
      let transferred = 0;
      let extractFrom: number | undefined;
      const res = await session.fetchOne(
        k,
        (progress) => {
          transferred = progress.transferred;
          if (progress.phase === 'extract') extractFrom ??= Date.now();
          emit({ type: 'kernel-progress', kernelId: k.id, progress, elapsedMs: Date.now() - started });
        },
        (line) => emit({ type: 'kernel-log', kernelId: k.id, line }),
      );
      report.transferredBytes += transferred;
      if (!res.ok) {
        report.failures.push(res.error);
        emit({ type: 'kernel-failed', kernelId: k.id, message: res.error.message });
        return;
      }
      arrived.set(k.id, res.value);
      const ms = Date.now() - started;
      emit({
        type: 'kernel-done',
        kernelId: k.id,
        kernel: res.value,
        transferred,
        ms,
        extractMs: extractFrom === undefined ? undefined : Date.now() - extractFrom,
      });
    }),
  );
  // Matrix order, whatever order the concurrent fetches finished in.
  for (const k of session.kernels) {
    const got = arrived.get(k.id);
    if (got !== undefined) report.kernels.set(k.id, got);
  }
  await session.close();
  emit({ type: 'lock-written', lockFile: session.lockFile, changed: session.lockChanged });
  return { ...report, lockChanged: session.lockChanged };
}

/** For tests and scripts: every kernel or the failures. */
export async function fetchKernels(opts: FetchOptions): Promise<Result<FetchSummary, KernelFailure[]>> {
  const r = await fetchAll(opts, (e) => {
    if (e.type === 'kernel-log') opts.log?.(e.kernelId, e.line);
    else if (e.type === 'kernel-progress') opts.onProgress?.(e.kernelId, e.progress);
  });
  if (r.failures.length > 0) return err(r.failures);
  return ok({ kernels: r.kernels, transferredBytes: r.transferredBytes, lockChanged: r.lockChanged, lockFile: r.lockFile });
}
