// A verified download into blobs/: present already → no network; otherwise download to a temp file,
// check its SHA256, rename into place. A mismatch leaves nothing in the cache.
import type { LockedFile } from '../matrix/lock.js';
import { downloadToFile, type DownloadOptions } from '../util/download.js';
import { err, ok, type Result } from '../util/result.js';
import type { KernelCache } from './cache.js';
import { pinnedGoneMessage, snapshotUrl } from './pinned-gone.js';

interface BlobFetch {
  path: string;
  /** Bytes received over the network (0 on a cache hit). */
  networkBytes: number;
}

export async function fetchBlob(
  cache: KernelCache,
  file: Pick<LockedFile, 'url' | 'sha256' | 'name' | 'size'>,
  opts: DownloadOptions & {
    signal: AbortSignal;
    /** matrix.json's snapshot archive base URL, tried when the pinned URL answers 404. */
    snapshot?: string;
    /** The lockfile entry (kernel id) pinning the file, named when it is gone. */
    lockEntry?: string;
  },
): Promise<Result<BlobFetch, string>> {
  const hit = await cache.lookupBlob(file.sha256, file.size, opts.signal);
  if (hit !== undefined) return ok({ path: hit, networkBytes: 0 });
  const release = await cache.lock(`blob-${file.sha256}`, { signal: opts.signal });
  try {
    const raced = await cache.lookupBlob(file.sha256, file.size, opts.signal);
    if (raced !== undefined) return ok({ path: raced, networkBytes: 0 });
    const tmp = await cache.tempFile(file.sha256.slice(0, 16));
    let got = await downloadToFile(file.url, tmp, opts);
    const tried = [file.url];
    const fallback = snapshotUrl(file.url, opts.snapshot);
    if (!got.ok && got.error.status === 404 && fallback !== undefined) {
      tried.push(fallback);
      got = await downloadToFile(fallback, tmp, opts);
    }
    if (!got.ok && got.error.status === 404) return err(pinnedGoneMessage(file, opts.lockEntry, tried));
    if (!got.ok) {
      const where = got.error.diskFull ? ` (kernel cache: ${cache.root}; free space there, or set TAILMATRIX_CACHE to a larger disk)` : '';
      return err(`${got.error.message}${where}`);
    }
    const put = await cache.putBlob(tmp, file.sha256, opts.signal);
    if (!put.ok) return err(`${file.name} (${file.url}): ${put.error}`);
    return ok({ path: put.value, networkBytes: got.value.networkBytes });
  } finally {
    await release();
  }
}
