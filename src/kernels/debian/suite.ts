// Load a suite's Packages index: InRelease (its signature checked with gpgv, kept for a short while in
// the cache), then Packages.xz verified against InRelease's SHA256 and kept as a blob. Fails closed: no
// gpgv or keyring is an error unless the caller allows an unsigned index (--allow-unsigned), and an
// index of another suite or past its Valid-Until is refused. A run whose kernels are all pinned by the
// lockfile never gets here: that is what makes a second fetch offline.
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
import { checkRelease, parseRelease, signatureToolsMissing, verifyInRelease, type SignatureCheck } from './release.js';

/** A fetched InRelease is reused for this long: suites change a few times a day, a run takes minutes. */
const INRELEASE_TTL_MS = 60 * 60 * 1000;

/** Suites and aliases Debian's archive has served; only used to suggest a fix for a typo. */
const KNOWN_SUITES = [
  'bullseye',
  'bullseye-backports',
  'bullseye-updates',
  'bookworm',
  'bookworm-backports',
  'bookworm-updates',
  'trixie',
  'trixie-backports',
  'trixie-updates',
  'forky',
  'sid',
  'experimental',
  'oldoldstable',
  'oldstable',
  'stable',
  'testing',
  'unstable',
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
  /** Go on without a signature check when gpgv or the keyring is missing (never past a bad signature). */
  allowUnsigned?: boolean;
  /** Accept an index past its Valid-Until: archived suites (snapshot.debian.org) are never re-signed. */
  allowExpiredIndex?: boolean;
}

export interface SuiteContext {
  cache: KernelCache;
  signal: AbortSignal;
  /** Where gpgv is looked up (PATH). */
  env?: NodeJS.ProcessEnv;
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

/** One file of dists/<suite>/: a 404 means the suite does not exist there (the matrix's fault). */
async function getDistsFile(r: SuiteRequest, name: string, ctx: SuiteContext): Promise<Result<Buffer, SourceFailure>> {
  const url = `${r.mirror}/dists/${r.suite}/${name}`;
  const res = await fetchBuffer(url, { signal: ctx.signal });
  if (!res.ok) return err(res.error.message);
  if (res.value.status === 404) {
    const near = closest(r.suite, KNOWN_SUITES);
    return err(
      badInput(`unknown suite "${r.suite}" on ${r.mirror} (${url} not found)${near.length > 0 ? `; closest: ${near.join(', ')}` : ''}`),
    );
  }
  if (res.value.status !== 200) return err(`${url}: HTTP ${res.value.status}`);
  ctx.onBytes(res.value.body.length, undefined, name);
  return ok(res.value.body);
}

interface ReleaseText {
  /** What gpgv output as verified, or the plain Release file when an unsigned index is allowed. */
  text: string;
  /** Where it came from, for messages. */
  url: string;
  signature: SignatureCheck;
}

async function verifiedInRelease(r: SuiteRequest, ctx: SuiteContext): Promise<Result<ReleaseText, SourceFailure>> {
  const verify = async (file: string): Promise<Result<ReleaseText, SourceFailure>> => {
    const v = await verifyInRelease(file, { signal: ctx.signal, keyring: r.keyring, env: ctx.env });
    const url = `${r.mirror}/dists/${r.suite}/InRelease`;
    return v.ok ? ok({ text: v.value.text, url, signature: { checked: true, signer: v.value.signer } }) : err(`${url}: ${v.error}`);
  };
  const cached = await freshInRelease(ctx.cache, r);
  if (cached !== undefined) {
    const fromCache = await verify(cached);
    if (fromCache.ok) return fromCache;
    // Our copy no longer verifies (changed on disk since it was checked, e.g. a restored CI cache):
    // the mirror is not to blame; drop it and fetch it again, which is checked like any fresh one.
    await rm(cached, { force: true });
  }
  const body = await getDistsFile(r, 'InRelease', ctx);
  if (!body.ok) return body;
  // Check before it enters the cache: a forged InRelease must not stay around for an hour.
  const tmp = await ctx.cache.tempFile('InRelease');
  try {
    await writeFileAtomic(tmp, body.value);
    const checked = await verify(tmp);
    if (!checked.ok) return checked;
    const target = ctx.cache.entryPath('indexes', keyOf(r));
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
    return checked;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function releaseText(r: SuiteRequest, ctx: SuiteContext): Promise<Result<ReleaseText, SourceFailure>> {
  // A keyring the matrix names is never skipped, not even under --allow-unsigned: a typo must not
  // quietly turn the check off.
  if (
    r.keyring !== undefined &&
    !(await stat(r.keyring).then(
      (st) => st.isFile(),
      () => false,
    ))
  ) {
    return err(badInput(`the source's "keyring": no file at ${r.keyring}`));
  }
  const missing = await signatureToolsMissing(r.keyring, ctx.env);
  if (missing === undefined) return verifiedInRelease(r, ctx);
  if (!r.allowUnsigned) {
    return err(
      `cannot check the signature of ${r.mirror}/dists/${r.suite}/InRelease: ${missing}; install it, or pass --allow-unsigned to use the index unverified`,
    );
  }
  // Nothing can be verified: read the plain Release rather than pick a signed file apart by hand.
  const body = await getDistsFile(r, 'Release', ctx);
  if (!body.ok) return body;
  return ok({
    text: body.value.toString('utf8'),
    url: `${r.mirror}/dists/${r.suite}/Release`,
    signature: { checked: false, why: `${missing}; allowed by --allow-unsigned` },
  });
}

const loaded = new Map<string, Promise<Result<SuiteIndex, SourceFailure>>>();

async function load(r: SuiteRequest, ctx: SuiteContext): Promise<Result<SuiteIndex, SourceFailure>> {
  const where = `${r.mirror} ${r.suite}/${r.component} (${r.arch})`;
  const rel = await releaseText(r, ctx);
  if (!rel.ok) return rel;
  const release = parseRelease(rel.value.text);
  const fits = checkRelease(release, { suite: r.suite, url: rel.value.url, allowExpired: r.allowExpiredIndex === true });
  if (!fits.ok) return fits;
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
  // The policy is part of the key: an index loaded under --allow-unsigned must not serve a strict caller.
  const key = JSON.stringify([
    ctx.cache.root,
    r.mirror,
    r.suite,
    r.component,
    r.arch,
    r.keyring,
    r.allowUnsigned === true,
    r.allowExpiredIndex === true,
  ]);
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
