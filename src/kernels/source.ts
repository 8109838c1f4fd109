// What a kernel source is, as types only: the driver interface, its context and its failures. A leaf
// module (it imports nothing that imports it back): every driver imports it, the registry
// (./registry.ts) imports the drivers (debian, url, local, oci, build, running). resolve() turns a moving name into a lock entry; fetch() turns a
// lock entry into files in the cache.
import type { Kernel, KernelSource } from '../matrix/schema.js';
import type { ResolvedKernel } from '../matrix/lock.js';
import type { Result } from '../util/result.js';
import type { KernelCache } from './cache.js';
import type { DriverKernel } from './types.js';

/** Download progress of one kernel, for the progress line (bytes and rate). */
export interface FetchProgress {
  /** Bytes received over the network so far for this kernel (cache hits add nothing). */
  transferred: number;
  /** Bytes expected in total when known (from the lock or Content-Length). */
  total?: number;
  /** What is happening now: "download linux-image-… 12/35 MB", "extract", "verify". */
  phase: string;
}

export interface SourceContext {
  cache: KernelCache;
  /** Ctrl-C: aborting leaves no temp files behind. */
  signal: AbortSignal;
  /** Folder that relative paths in the matrix are resolved against (matrix.json's folder). */
  matrixDir: string;
  env: NodeJS.ProcessEnv;
  /**
   * --allow-unsigned: when gpgv or the keyring is missing, use a Debian index unverified (recorded in
   * the lock entry and the kernel's origin) instead of failing. A bad signature fails regardless.
   */
  allowUnsigned: boolean;
  /** make's parallel jobs for a kernel built from source; not a build input (the kernel is the same). */
  makeJobs?: number;
  onProgress: (p: FetchProgress) => void;
  /** Facts worth a line of output ("InRelease signature checked with gpgv"). */
  log: (line: string) => void;
  /** matrix.json's `snapshot`: where pinned files the mirror dropped are looked for (src/kernels/pinned-gone.ts). */
  snapshot?: string;
}

type SourceOf<T extends KernelSource['type']> = Extract<KernelSource, { type: T }>;
export type ResolvedOf<T extends ResolvedKernel['type']> = Extract<ResolvedKernel, { type: T }>;

/**
 * Why a source failed: a plain string is infrastructure (network, archive, disk: EXIT.unavailable);
 * a BadInput is the matrix's fault (unknown suite or package, missing local file: EXIT.badInput).
 */
export type SourceFailure = string | BadInput;
interface BadInput {
  badInput: true;
  message: string;
}
export const badInput = (message: string): BadInput => ({ badInput: true, message });
export const failureMessage = (f: SourceFailure): string => (typeof f === 'string' ? f : f.message);
export const isBadInput = (f: SourceFailure): f is BadInput => typeof f !== 'string';

export interface KernelSourceDriver<T extends KernelSource['type'] = KernelSource['type']> {
  readonly type: T;
  /** Resolve the matrix's (maybe moving) source to exactly what to fetch: the lock entry. */
  resolve(kernel: Kernel & { source: SourceOf<T> }, ctx: SourceContext): Promise<Result<ResolvedOf<T>, SourceFailure>>;
  /** Put the resolved kernel into the cache (no network when it is already there) and describe it. */
  fetch(
    kernel: Kernel & { source: SourceOf<T> },
    resolved: ResolvedOf<T>,
    ctx: SourceContext,
  ): Promise<Result<DriverKernel, SourceFailure>>;
}
