// Which cache entries a lockfile still needs: `cache prune` keeps them by default.
import type { LockFile } from '../matrix/lock.js';
import type { KernelCache } from './cache.js';
import { filesKey } from './fetch-files.js';

/** Kernel-dir prefix per source type: the same keys the drivers use (see filesKey callers). */
const PREFIX = { debian: 'deb', url: 'url', oci: 'oci' } as const;

export function referencedPaths(lock: LockFile, cache: KernelCache): Set<string> {
  const keep = new Set<string>();
  for (const { resolved } of Object.values(lock.kernels)) {
    if (resolved.type === 'debian' || resolved.type === 'url' || resolved.type === 'oci') {
      for (const f of resolved.files) keep.add(cache.blobPath(f.sha256));
      keep.add(cache.entryPath('kernels', filesKey(PREFIX[resolved.type], resolved.files)));
    }
  }
  return keep;
}

/** Built kernels are named by their inputs hash (by convention `build-<inputsHash>`): kept when locked. */
export function isLockedBuild(lock: LockFile, key: string): boolean {
  return Object.values(lock.kernels).some((e) => e.resolved.type === 'build' && key.includes(e.resolved.inputsHash));
}
