// The reusable build state (source work trees, object directories, logs) lives in build/ next to the
// content-addressed entries and is not one of them: `cache prune` should call this too. A directory is
// "used" when a build touched it (compile.ts sets its mtime), and is removed only under the same lock
// a build takes, so a running build never loses its tree.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KernelCache } from '../cache.js';
import { buildRoot } from './compile.js';

export interface BuildStateEntry {
  kind: 'sources' | 'objs' | 'logs';
  path: string;
  lastUsed: Date;
}

export async function listBuildState(cache: KernelCache): Promise<BuildStateEntry[]> {
  const out: BuildStateEntry[] = [];
  for (const kind of ['sources', 'objs', 'logs'] as const) {
    const dir = path.join(buildRoot(cache), kind);
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      const p = path.join(dir, name);
      const st = await stat(p).catch(() => undefined);
      if (st !== undefined) out.push({ kind, path: p, lastUsed: st.mtime });
    }
  }
  return out;
}

/** Remove build state not used since `olderThan` (everything when undefined). Returns what went. */
export async function pruneBuildState(cache: KernelCache, olderThan?: Date): Promise<BuildStateEntry[]> {
  const removed: BuildStateEntry[] = [];
  for (const e of await listBuildState(cache)) {
    if (olderThan !== undefined && e.lastUsed >= olderThan) continue;
    // Work tree "tar-xxxx" and object dirs "tar-xxxx-<base>-<cc>" share the lock of their work tree.
    const tree = path.basename(e.path).match(/^(tar|git)-[0-9a-f]{16}/)?.[0];
    const release = tree !== undefined ? await cache.lock(`build-${tree}`) : undefined;
    try {
      await rm(e.path, { recursive: true, force: true });
    } finally {
      await release?.();
    }
    removed.push(e);
  }
  return removed;
}
