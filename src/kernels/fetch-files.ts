// Kernels made of downloadable files (Debian .debs, a url's file, OCI layers): every file into the blob
// cache (SHA256-checked, cache hits cost nothing), then all unpacked into one kernel directory.
import { createHash } from 'node:crypto';
import type { LockedFile } from '../matrix/lock.js';
import { err, ok, type Result } from '../util/result.js';
import { fetchBlob } from './blob.js';
import { materializeKernel, readExtracted } from './extracted.js';
import type { SourceContext } from './source.js';
import type { DriverKernel } from './types.js';

/** Content address of a kernel made of several files: the hash of their hashes, in lock order. */
export function filesKey(prefix: string, files: readonly Pick<LockedFile, 'sha256'>[]): string {
  return `${prefix}-${createHash('sha256')
    .update(files.map((f) => f.sha256).join('\n'))
    .digest('hex')}`;
}

/** Unpack one downloaded file into the kernel's root (tmp is scratch space inside the same entry). */
type Unpack = (blob: string, root: string, tmp: string, signal: AbortSignal) => Promise<Result<void, string>>;

/**
 * Download every file, then unpack them in order into one kernel directory keyed by `key`. Progress
 * counts network bytes only, so a cached kernel reports 0.
 */
export async function fetchFilesAndMaterialize(
  id: string,
  key: string,
  origin: string,
  files: readonly LockedFile[],
  unpack: Unpack,
  ctx: SourceContext,
  /** Sent with every download (an OCI registry's bearer token). */
  headers?: Record<string, string>,
): Promise<Result<DriverKernel, string>> {
  const cache = ctx.cache;
  const done = await cache.lookup('kernels', key);
  if (done !== undefined) {
    const k = await readExtracted(id, done, ctx.signal);
    if (k.ok) return k;
    // Bit rot or tampering (a restored CI cache): unpack again from the downloads, which are verified
    // against the lockfile's SHA256 before use.
    ctx.log(`${k.error.replace(/; `tailmatrix cache verify.*$/, '')}: unpacking it again from the verified downloads`);
    await cache.discard('kernels', key);
  }
  const total = files.reduce((s, f) => s + (f.size ?? 0), 0) || undefined;
  let base = 0;
  const blobs: string[] = [];
  for (const f of files) {
    const got = await fetchBlob(cache, f, {
      signal: ctx.signal,
      headers,
      onProgress: (n) => ctx.onProgress({ transferred: base + n, total, phase: `download ${f.name}` }),
      onRetry: (attempt, why) => ctx.log(`${f.name}: attempt ${attempt} failed (${why}), retrying`),
      snapshot: ctx.snapshot,
      lockEntry: id,
    });
    if (!got.ok) return err(got.error);
    base += got.value.networkBytes;
    ctx.onProgress({ transferred: base, total, phase: `downloaded ${f.name}` });
    blobs.push(got.value.path);
  }
  ctx.onProgress({ transferred: base, total, phase: 'extract' });
  const made = await materializeKernel(
    cache,
    key,
    origin,
    async (root, tmp) => {
      for (const b of blobs) {
        const r = await unpack(b, root, tmp, ctx.signal);
        if (!r.ok) return r;
      }
      return ok(undefined);
    },
    ctx.signal,
  );
  if (!made.ok) return err(made.error);
  return readExtracted(id, made.value);
}
