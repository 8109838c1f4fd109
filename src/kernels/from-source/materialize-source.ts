// Put a pristine kernel source into an empty folder, from what identifies it: a tarball or Debian's
// linux-source .deb (downloaded into the blob cache, SHA256-checked) or a local git tree (a --shared
// clone: no copy of the objects, the user's tree is never modified).
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { extractDeb } from '../../util/archive.js';
import { execCommand } from '../../util/exec.js';
import { err, ok, type Result } from '../../util/result.js';
import { fetchBlob } from '../blob.js';
import type { KernelCache } from '../cache.js';
import { git } from './git.js';
import type { SourceIdentity } from './keys.js';

/** Unpacking a 140 MB .tar.xz of 80k files takes about half a minute here; allow a slow disk. */
const UNTAR_TIMEOUT_MS = 20 * 60_000;

interface MaterializeContext {
  cache: KernelCache;
  signal?: AbortSignal;
  onDownload?: (received: number, total: number | undefined) => void;
}

/** GNU tar (not node-tar): 80k files, and it reads xz/gz/zst by itself. The top folder is dropped. */
async function untarSource(tarball: string, dest: string, signal?: AbortSignal): Promise<Result<void, string>> {
  const r = await execCommand(
    'tar',
    ['-x', '-f', tarball, '-C', dest, '--strip-components=1', '--no-same-owner', '--no-same-permissions'],
    {
      signal,
      timeoutMs: UNTAR_TIMEOUT_MS,
    },
  );
  return r.ok ? ok(undefined) : err(r.error.message);
}

export async function materializeSource(source: SourceIdentity, dest: string, ctx: MaterializeContext): Promise<Result<void, string>> {
  if (source.kind === 'git') {
    const r = await git(path.dirname(dest), ['clone', '-q', '--shared', '--no-checkout', source.tree, dest], { signal: ctx.signal });
    return r.ok ? ok(undefined) : err(r.error.message);
  }
  const blob = await fetchBlob(
    ctx.cache,
    { url: source.url, sha256: source.sha256, name: source.kind === 'deb' ? source.package : path.basename(source.url) },
    { signal: ctx.signal ?? new AbortController().signal, onProgress: ctx.onDownload },
  );
  if (!blob.ok) return blob;
  if (source.kind === 'tarball') return untarSource(blob.value.path, dest, ctx.signal);

  // linux-source-X_*.deb → usr/src/linux-source-X.tar.xz (plus docs we do not need).
  const unpacked = await ctx.cache.tempDir('linux-source-deb');
  try {
    const work = path.join(unpacked, 'work');
    const root = path.join(unpacked, 'root');
    await mkdir(work, { recursive: true });
    await mkdir(root, { recursive: true });
    const x = await extractDeb(blob.value.path, root, work, ctx.signal);
    if (!x.ok) return x;
    const names = await readdir(path.join(root, 'usr', 'src')).catch(() => [] as string[]);
    const tarball = names.find((n) => /^linux-source-.*\.tar(\.(xz|gz|bz2|zst))?$/.test(n));
    if (tarball === undefined)
      return err(`${source.package}: no usr/src/linux-source-*.tar.* in the package (has ${names.join(', ') || 'nothing'})`);
    return await untarSource(path.join(root, 'usr', 'src', tarball), dest, ctx.signal);
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}
