// `cache verify`: every entry of the cache checked against what was recorded when it was verified —
// blobs against the SHA256 they are named by, extracted kernels against the size and SHA256 of every
// file (kernel.json). Broken entries are listed with the reason, and can be removed (pinned or not).
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KernelCache } from './cache.js';
import { sha256File } from '../util/sha256-file.js';
import { readExtracted } from './extracted.js';

export interface BrokenEntry {
  kind: 'blobs' | 'kernels';
  key: string;
  path: string;
  why: string;
}

interface VerifyReport {
  checked: number;
  broken: BrokenEntry[];
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).then(
    (n) => n.sort(),
    () => [],
  );
}

export async function verifyCache(cache: KernelCache, signal?: AbortSignal): Promise<VerifyReport> {
  const broken: BrokenEntry[] = [];
  let checked = 0;
  const blobs = path.join(cache.root, 'blobs', 'sha256');
  for (const key of await names(blobs)) {
    checked += 1;
    const p = path.join(blobs, key);
    const st = await stat(p).catch(() => undefined);
    const got = st?.isFile() ? await sha256File(p, signal) : undefined;
    if (got !== key)
      broken.push({ kind: 'blobs', key, path: p, why: got === undefined ? 'not a regular file' : `hashes to sha256 ${got}` });
  }
  const kernels = path.join(cache.root, 'kernels');
  for (const key of await names(kernels)) {
    checked += 1;
    const p = path.join(kernels, key);
    const k = await readExtracted(key, p, signal);
    if (!k.ok)
      broken.push({ kind: 'kernels', key, path: p, why: k.error.replace(`${p}: `, '').replace(/; `tailmatrix cache verify.*$/, '') });
  }
  return { checked, broken };
}

/** Remove the broken entries (blobs are downloaded again, kernels unpacked again, on the next use). */
export async function removeBroken(cache: KernelCache, broken: readonly BrokenEntry[]): Promise<void> {
  for (const b of broken) {
    if (b.kind === 'kernels') await cache.discard('kernels', b.key);
    else await rm(b.path, { force: true });
  }
}
