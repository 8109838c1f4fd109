// A suite's InRelease: a clear-signed list of the suite's index files with their SHA256. The signature
// (checked with gpgv against Debian's keyring) vouches for the Packages index, whose SHA256 fields in
// turn vouch for every .deb. Only the text gpgv itself outputs as verified is ever parsed: whatever
// else the file holds (text around the signed part, a second message) cannot reach the parser.
import { access } from 'node:fs/promises';
import { execCommand } from '../../util/exec.js';
import { err, ok, type Result } from '../../util/result.js';

const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** gpgv checks one small file: seconds would mean something is wrong. */
const GPGV_TIMEOUT_MS = 30_000;

interface ReleaseFile {
  suite?: string;
  codename?: string;
  date?: string;
  /** The raw Valid-Until field: after it, the archive no longer vouches for this index. */
  validUntil?: string;
  /** path relative to dists/<suite>/ → sha256 and size */
  sha256: Map<string, { sha256: string; size: number }>;
}

/** Parse a Release text: what gpgv output as verified, or (--allow-unsigned only) the plain Release file. */
export function parseRelease(text: string): ReleaseFile {
  const out: ReleaseFile = { sha256: new Map() };
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith(' ')) {
      if (section !== 'SHA256') continue;
      const [hash, size, name] = line.trim().split(/\s+/);
      if (hash && size && name) out.sha256.set(name, { sha256: hash, size: Number(size) });
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    section = m[1] ?? '';
    const value = m[2] ?? '';
    if (section === 'Suite') out.suite = value;
    else if (section === 'Codename') out.codename = value;
    else if (section === 'Date') out.date = value;
    else if (section === 'Valid-Until') out.validUntil = value;
  }
  return out;
}

export type SignatureCheck = { checked: true; signer: string } | { checked: false; why: string };

const GPGV_MISSING = 'gpgv is not installed (apt-get install gpgv)';

async function keyringMissing(keyring: string): Promise<string | undefined> {
  const found = await access(keyring).then(
    () => true,
    () => false,
  );
  if (found) return undefined;
  return keyring === DEBIAN_KEYRING
    ? `keyring ${keyring} not found (apt-get install debian-archive-keyring)`
    : `keyring ${keyring} not found`;
}

/** What is missing to verify InRelease here (gpgv, the keyring), each with what to install; undefined when nothing. */
export async function signatureToolsMissing(keyring: string = DEBIAN_KEYRING, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const probe = await execCommand('gpgv', ['--version'], { env, timeoutMs: GPGV_TIMEOUT_MS });
  const missing = [probe.ok || probe.error.spawnError === undefined ? undefined : GPGV_MISSING, await keyringMissing(keyring)];
  const text = missing.filter((m) => m !== undefined).join('; ');
  return text === '' ? undefined : text;
}

interface VerifiedRelease {
  /** The signed text exactly as gpgv output it after checking the signature (dash-escaping undone). */
  text: string;
  signer: string;
}

/**
 * Verify a clear-signed InRelease with gpgv and return only the text gpgv vouches for. Anything short
 * of a good signature from the keyring (no gpgv, no keyring, a bad or unknown signature) is an error:
 * whether --allow-unsigned lets a run go on without a check is decided before, never here.
 */
export async function verifyInRelease(
  file: string,
  opts: { signal?: AbortSignal; keyring?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Result<VerifiedRelease, string>> {
  const keyring = opts.keyring ?? DEBIAN_KEYRING;
  const noKeyring = await keyringMissing(keyring);
  if (noKeyring !== undefined) return err(`cannot check the InRelease signature: ${noKeyring}`);
  // --status-fd: machine-readable GOODSIG lines (the human ones are translated); --output -: the
  // verified plaintext on stdout.
  const res = await execCommand('gpgv', ['--status-fd', '2', '--keyring', keyring, '--output', '-', file], {
    signal: opts.signal,
    env: opts.env,
    timeoutMs: GPGV_TIMEOUT_MS,
  });
  if (!res.ok) {
    if (res.error.spawnError !== undefined) return err(`cannot check the InRelease signature: ${GPGV_MISSING}`);
    return err(`InRelease signature check failed: ${res.error.stderrTail}`);
  }
  const good = /^\[GNUPG:\] GOODSIG [0-9A-F]+ (.+)$/m.exec(res.value.stderr);
  if (good === null) return err(`InRelease signature check failed: gpgv reported no good signature`);
  return ok({ text: res.value.stdout, signer: good[1] ?? 'a key of the keyring' });
}

/** "Sat, 01 Nov 2025 09:00:00 UTC": RFC 2822 as Debian writes it; undefined when not a date. */
function releaseDate(value: string): number | undefined {
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Is this the index that was asked for, and does the archive still vouch for it? An old, validly
 * signed index replayed by a mirror (another suite's, or one past its Valid-Until) is refused.
 */
export function checkRelease(
  release: ReleaseFile,
  opts: { suite: string; url: string; allowExpired: boolean; now?: number },
): Result<void, string> {
  const names = [release.suite, release.codename].filter((n): n is string => n !== undefined);
  if (!names.includes(opts.suite)) {
    return err(
      `${opts.url} is the index of ${names.length > 0 ? names.join('/') : 'an unnamed suite'}, not of "${opts.suite}" (Suite and Codename both differ): the mirror serves the wrong or a replayed index`,
    );
  }
  if (release.validUntil !== undefined) {
    const until = releaseDate(release.validUntil);
    if (until === undefined) return err(`${opts.url}: Valid-Until "${release.validUntil}" is not a date`);
    if (until < (opts.now ?? Date.now()) && !opts.allowExpired) {
      return err(
        `${opts.url} expired on ${release.validUntil} (Valid-Until): the mirror may be stale or replaying an old index; for an archived suite (snapshot.debian.org, archive.debian.org) set "allowExpiredIndex": true on the kernel's source`,
      );
    }
  }
  return ok(undefined);
}
