// One interface per kernel source (debian, url, local, oci, build), chosen by one function.
// resolve() turns a moving name into a lock entry; fetch() turns a lock entry into files in the cache.
import type { Kernel, KernelSource } from '../matrix/schema.js';
import type { ResolvedKernel } from '../matrix/lock.js';
import type { Result } from '../util/result.js';
import type { KernelCache } from './cache.js';
import type { FetchedKernel } from './types.js';
import { debianSourceDriver } from './sources/debian.js';
import { urlSourceDriver } from './sources/url.js';
import { localSourceDriver } from './sources/local.js';
import { ociSourceDriver } from './sources/oci.js';
import { buildSourceDriver } from './build/index.js';

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
  onProgress: (p: FetchProgress) => void;
  /** Facts worth a line of output ("InRelease signature checked with gpgv"). */
  log: (line: string) => void;
  /** matrix.json's `snapshot`: where pinned files the mirror dropped are looked for (src/kernels/pinned-gone.ts). */
  snapshot?: string;
}

export type SourceOf<T extends KernelSource['type']> = Extract<KernelSource, { type: T }>;
export type ResolvedOf<T extends ResolvedKernel['type']> = Extract<ResolvedKernel, { type: T }>;

/**
 * Why a source failed: a plain string is infrastructure (network, archive, disk: EXIT.unavailable);
 * a BadInput is the matrix's fault (unknown suite or package, missing local file: EXIT.badInput).
 */
export type SourceFailure = string | BadInput;
export interface BadInput {
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
  fetch(kernel: Kernel & { source: SourceOf<T> }, resolved: ResolvedOf<T>, ctx: SourceContext): Promise<Result<FetchedKernel, SourceFailure>>;
}

type DriverMap = { [T in KernelSource['type']]: KernelSourceDriver<T> };

const drivers: DriverMap = {
  debian: debianSourceDriver,
  url: urlSourceDriver,
  local: localSourceDriver,
  oci: ociSourceDriver,
  build: buildSourceDriver,
};

export function getSourceDriver<T extends KernelSource['type']>(type: T): KernelSourceDriver<T> {
  return drivers[type] as KernelSourceDriver<T>;
}
