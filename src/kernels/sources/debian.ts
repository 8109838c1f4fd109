// `debian` source: a suite + package (exact or meta) from a Debian archive, resolved through the suite's
// signed index and fetched as verified .debs.
import { createHash } from 'node:crypto';
import { DEFAULT_DEBIAN_MIRROR } from '../../matrix/schema.js';
import type { LockedFile } from '../../matrix/lock.js';
import { extractDeb } from '../../util/archive.js';
import { err, ok, type Result } from '../../util/result.js';
import { fetchBlob } from '../blob.js';
import { loadSuiteIndex } from '../debian/suite.js';
import { resolveKernelPackages } from '../debian/packages.js';
import { materializeKernel, readExtracted } from '../extracted.js';
import type { KernelSourceDriver, SourceContext } from '../source.js';

export function mirrorOf(mirror: string | undefined): string {
  return (mirror ?? DEFAULT_DEBIAN_MIRROR).replace(/\/+$/, '');
}

/** Content address of a kernel made of several files: the hash of their hashes, in lock order. */
export function filesKey(prefix: string, files: readonly Pick<LockedFile, 'sha256'>[]): string {
  return `${prefix}-${createHash('sha256').update(files.map((f) => f.sha256).join('\n')).digest('hex')}`;
}

/**
 * Download every file (cache hits cost nothing), then unpack them into one kernel directory. Shared by
 * the url source. Progress counts network bytes only, so a cached kernel reports 0.
 */
export async function fetchFilesAndMaterialize(
  id: string,
  key: string,
  origin: string,
  files: readonly LockedFile[],
  unpack: (blob: string, root: string, tmp: string, signal: AbortSignal) => Promise<Result<void, string>>,
  ctx: SourceContext,
  /** Sent with every download (an OCI registry's bearer token). */
  headers?: Record<string, string>,
) {
  const cache = ctx.cache;
  const done = await cache.lookup('kernels', key);
  if (done !== undefined) return readExtracted(id, done);
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

export const debianSourceDriver: KernelSourceDriver<'debian'> = {
  type: 'debian',

  async resolve(kernel, ctx) {
    const s = kernel.source;
    const mirror = mirrorOf(s.mirror);
    // Bytes of earlier steps (InRelease) plus the current one (the Packages index).
    const steps = new Map<string, number>();
    const suite = await loadSuiteIndex(
      { mirror, suite: s.suite, component: s.component, arch: s.arch },
      {
        cache: ctx.cache,
        signal: ctx.signal,
        onBytes: (n, total, phase) => {
          steps.set(phase, n);
          ctx.onProgress({ transferred: [...steps.values()].reduce((a, b) => a + b, 0), total, phase });
        },
      },
    );
    if (!suite.ok) return suite;
    const sig = suite.value.signature;
    ctx.log(sig.checked ? `InRelease signature checked with gpgv: ${sig.signer}` : `InRelease signature NOT checked: ${sig.why}`);
    const pkgs = resolveKernelPackages(suite.value.index, s.package, suite.value.where);
    if (!pkgs.ok) return err({ badInput: true, message: pkgs.error });
    const { holder, files } = pkgs.value;
    return ok({
      type: 'debian',
      suite: s.suite,
      requested: s.package,
      package: holder.name,
      version: holder.version,
      signatureChecked: sig.checked,
      files: files.map((p) => ({ name: p.name, version: p.version, url: `${mirror}/${p.filename}`, sha256: p.sha256, size: p.size })),
    });
  },

  async fetch(kernel, resolved, ctx) {
    const origin = `debian:${resolved.suite}/${resolved.package} ${resolved.version}`;
    const res = await fetchFilesAndMaterialize(
      kernel.id,
      filesKey('deb', resolved.files),
      origin,
      resolved.files,
      (blob, root, tmp, signal) => extractDeb(blob, root, tmp, signal),
      ctx,
    );
    return res;
  },
};
