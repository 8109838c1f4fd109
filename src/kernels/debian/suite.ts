// Load a suite's Packages index: InRelease (signature checked when possible, kept for a short while in
// the cache), then Packages.xz verified against InRelease's SHA256 and kept as a blob. A run whose
// kernels are all pinned by the lockfile never gets here: that is what makes a second fetch offline.
import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_DEBIAN_MIRROR } from '../../matrix/schema.js';
import { fetchBuffer } from '../../util/download.js';
import { decompressTo } from '../../util/archive.js';
import { writeFileAtomic } from '../../util/fs.js';
import { err, ok, type Result } from '../../util/result.js';
import { fetchBlob } from '../blob.js';
import type { KernelCache } from '../cache.js';
import { closest } from '../closest.js';
import { badInput, type SourceFailure } from '../source.js';
import { parsePackages, type PackageIndex } from './packages.js';
import { parseRelease, verifyInRelease, type SignatureCheck } from './release.js';

/** A fetched InRelease is reused for this long: suites change a few times a day, a run takes minutes. */
export const INRELEASE_TTL_MS = 60 * 60 * 1000;

/** Suites and aliases Debian's archive has served; only used to suggest a fix for a typo. */
export const KNOWN_SUITES = [
  'bullseye', 'bullseye-backports', 'bullseye-updates', 'bookworm', 'bookworm-backports', 'bookworm-updates',
  'trixie', 'trixie-backports', 'trixie-updates', 'forky', 'sid', 'experimental',
  'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable',
];

/** The archive root without trailing slashes (URLs are built as `${mirror}/dists/…`, `${mirror}/pool/…`). */
export function mirrorOf(mirror: string | undefined): string {
  return (mirror ?? DEFAULT_DEBIAN_MIRROR).replace(/\/+$/, '');
}

export interface SuiteIndex {
  index: PackageIndex;
  signature: SignatureCheck;
  where: string;
}

export interface SuiteRequest {
  mirror: string;
  suite: string;
  component: string;
  arch: string;
  /** The keyring InRelease must be signed by (default: Debian's archive keyring). */
  keyring?: string;
}

export interface SuiteContext {
  cache: KernelCache;
  signal: AbortSignal;
  onBytes: (transferred: number, total: number | undefined, phase: string) => void;
}

function keyOf(r: SuiteRequest): string {
  return `inrelease-${createHash('sha256').update(`${r.mirror}\n${r.suite}`).digest('hex').slice(0, 32)}`;
}

async function freshInRelease(cache: KernelCache, r: SuiteRequest): Promise<string | undefined> {
  const p = cache.entryPath('indexes', keyOf(r));
  const st = await stat(p).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs < INRELEASE_TTL_MS ? p : undefined;
}

async function getInRelease(r: SuiteRequest, ctx: SuiteContext): Promise<Result<{ file: string; signature: SignatureCheck }, SourceFailure>> {
  const cached = await freshInRelease(ctx.cache, r);
  const url = `${r.mirror}/dists/${r.suite}/InRelease`;
  if (cached !== undefined) {
    const sig = await verifyInRelease(cached, ctx.signal, r.keyring);
    return sig.ok ? ok({ file: cached, signature: sig.value }) : err(sig.error);
  }
  const res = await fetchBuffer(url, { signal: ctx.signal });
  if (!res.ok) return err(res.error.message);
  if (res.value.status === 404) {
    const near = closest(r.suite, KNOWN_SUITES);
    return err(badInput(`unknown suite "${r.suite}" on ${r.mirror} (${url} not found)${near.length > 0 ? `; closest: ${near.join(', ')}` : ''}`));
  }
  if (res.value.status !== 200) return err(`${url}: HTTP ${res.value.status}`);
  ctx.onBytes(res.value.body.length, undefined, 'InRelease');
  // Check before it enters the cache: a forged InRelease must not stay around for an hour.
  const tmp = await ctx.cache.tempFile('InRelease');
  try {
    await writeFileAtomic(tmp, res.value.body);
    const sig = await verifyInRelease(tmp, ctx.signal, r.keyring);
    if (!sig.ok) return err(sig.error);
    const target = ctx.cache.entryPath('indexes', keyOf(r));
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
    return ok({ file: target, signature: sig.value });
  } finally {
    await rm(tmp, { force: true });
  }
}

const loaded = new Map<string, Promise<Result<SuiteIndex, SourceFailure>>>();

async function load(r: SuiteRequest, ctx: SuiteContext): Promise<Result<SuiteIndex, SourceFailure>> {
  const where = `${r.mirror} ${r.suite}/${r.component} (${r.arch})`;
  const rel = await getInRelease(r, ctx);
  if (!rel.ok) return rel;
  const release = parseRelease(await readFile(rel.value.file, 'utf8'));
  const name = `${r.component}/binary-${r.arch}/Packages.xz`;
  const entry = release.sha256.get(name);
  if (entry === undefined) return err(badInput(`${where}: InRelease lists no ${name} (unknown component or architecture?)`));
  let base = 0;
  const blob = await fetchBlob(
    ctx.cache,
    { name, url: `${r.mirror}/dists/${r.suite}/${name}`, sha256: entry.sha256 },
    { signal: ctx.signal, onProgress: (n) => ctx.onBytes(base + n, entry.size, `index ${r.suite}`) },
  );
  if (!blob.ok) return err(blob.error);
  base = blob.value.networkBytes;
  const plain = await ctx.cache.tempFile(`Packages-${r.suite}`);
  try {
    const dec = await decompressTo(blob.value.path, plain, ctx.signal);
    if (!dec.ok) return err(dec.error);
    // Only linux-* packages can lead to a kernel; keeping the rest would hold ~60 000 entries per suite
    // in memory for the whole run. Suggestions for a misspelt package come from these names too.
    const index = parsePackages(await readFile(plain, 'utf8'), (name) => name.startsWith('linux-'));
    return ok({ index, signature: rel.value.signature, where });
  } finally {
    await rm(plain, { force: true });
  }
}

/** Each suite is loaded at most once per process, however many kernels come from it. */
export function loadSuiteIndex(r: SuiteRequest, ctx: SuiteContext): Promise<Result<SuiteIndex, SourceFailure>> {
  const key = `${ctx.cache.root}\n${r.mirror}\n${r.suite}\n${r.component}\n${r.arch}\n${r.keyring ?? ''}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = load(r, ctx);
    loaded.set(key, p);
    // A failure (network, Ctrl-C) must not stick for the rest of the process.
    void p.then((res) => {
      if (!res.ok) loaded.delete(key);
    });
  }
  return p;
}
