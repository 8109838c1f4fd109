// `cache` as library functions: list, prune and verify the kernel cache shared by every project of the
// user, judging what is pinned by every lockfile the cache knows (src/engine/cache-pins.ts). They print
// nothing: the CLI renders what they return.
import { KernelCache, type CacheEntry } from '../kernels/cache.js';
import { listBuildState, pruneBuildState, type BuildStateEntry } from '../kernels/from-source/prune.js';
import { removeBroken, verifyCache, type BrokenEntry } from '../kernels/verify-cache.js';
import { lockPathFor } from '../matrix/lock.js';
import { err, ok, type Result } from '../util/result.js';
import { knownLockfiles, pinsByPath, registerLockfileOrWarning, type Pin } from './cache-pins.js';

export type { CacheEntry, Pin };

/** Record the matrix's lockfile in the cache, so `cache prune` elsewhere keeps its kernels; a warning when it cannot. */
export async function registerWithCache(matrixFile: string): Promise<string | undefined> {
  return registerLockfileOrWarning(KernelCache.fromEnv(), lockPathFor(matrixFile));
}

export interface CacheListing {
  root: string;
  entries: CacheEntry[];
  /** Which kernel of which lockfile pins each entry, by entry path. */
  pins: Map<string, Pin[]>;
  /** The lockfiles read. */
  lockfiles: string[];
  /** Lockfiles that could not be read: their pins are not shown (prune refuses on them). */
  unreadable: string[];
  /** Build work trees, object directories and logs kept for incremental rebuilds. */
  buildState: BuildStateEntry[];
}

/** Every entry with what pins it; `matrixFile`'s lockfile is read besides the ones the cache knows. */
export async function listCache(matrixFile: string): Promise<CacheListing> {
  const cache = KernelCache.fromEnv();
  const entries = await cache.list();
  const locks = await knownLockfiles(cache, [lockPathFor(matrixFile)]);
  return {
    root: cache.root,
    entries,
    pins: pinsByPath(locks.ok ? locks.value : [], cache, entries),
    lockfiles: locks.ok ? locks.value.map((l) => l.file) : [],
    unreadable: locks.ok ? [] : locks.error,
    buildState: await listBuildState(cache),
  };
}

export interface PruneInput {
  matrixFile: string;
  /** Remove entries last used before this (pinned or not); build state too. */
  olderThan?: Date;
  /** Remove everything, whatever pins it; build state too. */
  all?: boolean;
  dryRun?: boolean;
}

export interface Pruned {
  /** Entries kept because a lockfile pins them, and what pins each. */
  kept: CacheEntry[];
  pins: Map<string, Pin[]>;
  /** Removed, or under dryRun those that would be. */
  removed: CacheEntry[];
  /** Entries a running tailmatrix process uses: kept. */
  inUse: CacheEntry[];
  /** Build state removed (only with olderThan or all, never under dryRun). */
  buildRemoved?: BuildStateEntry[];
}

/**
 * Remove what no known lockfile pins (default), what was unused since `olderThan`, or everything. The cache
 * is shared: what another project's lockfile pins is that project's, not garbage, so an unreadable
 * lockfile stops the default prune (the error lists them).
 */
export async function pruneCache(input: PruneInput): Promise<Result<Pruned, string[]>> {
  const cache = KernelCache.fromEnv();
  let pins = new Map<string, Pin[]>();
  if (input.olderThan === undefined && !input.all) {
    const locks = await knownLockfiles(cache, [lockPathFor(input.matrixFile)]);
    if (!locks.ok) return err(locks.error);
    pins = pinsByPath(locks.value, cache, await cache.list());
  }
  const all = await cache.list();
  const kept = all.filter((e) => pins.has(e.path));
  const keep = new Set(kept.map((e) => e.path));
  if (input.dryRun) {
    const doomed = all.filter((e) => !keep.has(e.path) && (input.olderThan === undefined || e.lastUsed < input.olderThan));
    return ok({ kept, pins, removed: doomed, inUse: [] });
  }
  const { removed, inUse } = await cache.prune({ keep, olderThan: input.olderThan });
  // Build work trees make rebuilds incremental: only an age limit or --all removes them.
  const buildRemoved = input.all || input.olderThan !== undefined ? await pruneBuildState(cache, input.olderThan) : undefined;
  return ok({ kept, pins, removed, inUse, buildRemoved });
}

export interface Verified {
  root: string;
  checked: number;
  broken: BrokenEntry[];
  /** The broken entries were removed (fetched or unpacked again on next use). */
  removed: boolean;
}

/** Every cached download and extracted kernel checked against the hashes recorded when it was verified. */
export async function verifyKernelCache(input: { remove?: boolean }): Promise<Verified> {
  const cache = KernelCache.fromEnv();
  const r = await verifyCache(cache);
  const remove = input.remove === true && r.broken.length > 0;
  if (remove) await removeBroken(cache, r.broken);
  return { root: cache.root, checked: r.checked, broken: r.broken, removed: remove };
}
