// A suite's InRelease: a clear-signed list of the suite's index files with their SHA256. The signature
// (checked with gpgv against Debian's keyring when both exist) vouches for the Packages index, whose
// SHA256 fields in turn vouch for every .deb.
import { access } from 'node:fs/promises';
import { run } from '../../util/exec.js';
import { err, ok, type Result } from '../../util/result.js';

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** gpgv checks one small file: seconds would mean something is wrong. */
const GPGV_TIMEOUT_MS = 30_000;

export interface ReleaseFile {
  suite?: string;
  codename?: string;
  date?: string;
  /** path relative to dists/<suite>/ → sha256 and size */
  sha256: Map<string, { sha256: string; size: number }>;
}

/** The signed text of a clear-signed message (dash-escaping undone), or the whole text when unsigned. */
export function clearSignedBody(text: string): string {
  const begin = text.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin < 0) return text;
  const afterHeaders = text.indexOf('\n\n', begin);
  const sig = text.indexOf('\n-----BEGIN PGP SIGNATURE-----', afterHeaders);
  const body = text.slice(afterHeaders + 2, sig < 0 ? undefined : sig);
  return body
    .split('\n')
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n');
}

export function parseRelease(text: string): ReleaseFile {
  const body = clearSignedBody(text);
  const out: ReleaseFile = { sha256: new Map() };
  let section = '';
  for (const line of body.split('\n')) {
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
  }
  return out;
}

export type SignatureCheck = { checked: true; signer: string } | { checked: false; why: string };

/**
 * Verify InRelease with gpgv. Unavailable tools or keyring → not checked (said so in the output);
 * a bad signature → error, the index is not used.
 */
export async function verifyInRelease(file: string, signal?: AbortSignal, keyring: string = DEBIAN_KEYRING): Promise<Result<SignatureCheck, string>> {
  try {
    await access(keyring);
  } catch {
    return ok({ checked: false, why: `keyring ${keyring} not found (apt-get install debian-archive-keyring)` });
  }
  const res = await run('gpgv', ['--keyring', keyring, file], { signal, timeoutMs: GPGV_TIMEOUT_MS });
  if (!res.ok) {
    if (res.error.spawnError !== undefined) return ok({ checked: false, why: 'gpgv not installed (apt-get install gpgv)' });
    return err(`InRelease signature check failed: ${res.error.stderrTail}`);
  }
  const signer = /Good signature from "([^"]+)"/.exec(res.value.stderr)?.[1] ?? 'a Debian archive key';
  return ok({ checked: true, signer });
}
