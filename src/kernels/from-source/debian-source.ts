// Debian's linux-source-X package: the kernel source tarball Debian builds from, reachable wherever
// Debian's archive is (kernel.org is not, here). Resolved through the suite's Packages index, which
// gives the .deb's path and SHA256; the download is then checked against that SHA256.
import { DEFAULT_DEBIAN_MIRROR } from '../../matrix/schema.js';
import { fetchBuffer } from '../../util/download.js';
import { run } from '../../util/exec.js';
import { err, ok, type Result } from '../../util/result.js';
import { badInput, type SourceFailure } from '../source.js';

/** linux-source is Architecture: all, and every binary-<arch> index lists it; amd64 is the one we read. */
const INDEX_ARCH = 'amd64';
/** Decompressing a ~10 MB Packages.xz takes a second; a minute means something is wrong. */
const XZ_TIMEOUT_MS = 60_000;

export interface DebianSourcePackage {
  package: string;
  version: string;
  url: string;
  sha256: string;
  size?: number;
}

export interface Stanza {
  [field: string]: string;
}

/** The stanzas of a Packages index (only single-line fields matter here). */
export function parsePackages(text: string): Stanza[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const s: Stanza = {};
      for (const line of block.split('\n')) {
        const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (m?.[1] !== undefined && m[2] !== undefined) s[m[1]] = m[2];
      }
      return s;
    })
    .filter((s) => s.Package !== undefined);
}

/** Debian version order, from dpkg itself (epochs, ~ and + rules are dpkg's to define). */
async function newer(a: string, b: string): Promise<boolean> {
  const r = await run('dpkg', ['--compare-versions', a, 'gt', b]);
  return r.ok;
}

export async function resolveDebianSource(
  opts: { suite: string; package: string; mirror?: string },
  signal?: AbortSignal,
): Promise<Result<DebianSourcePackage, SourceFailure>> {
  const mirror = (opts.mirror ?? DEFAULT_DEBIAN_MIRROR).replace(/\/+$/, '');
  const url = `${mirror}/dists/${opts.suite}/main/binary-${INDEX_ARCH}/Packages.xz`;
  const got = await fetchBuffer(url, { signal });
  if (!got.ok) return err(got.error.message);
  if (got.value.status === 404) return err(badInput(`${url}: not found (is "${opts.suite}" a suite of ${mirror}?)`));
  if (got.value.status !== 200) return err(`${url}: HTTP ${got.value.status}`);
  const xz = await run('xz', ['-dc'], { input: got.value.body, timeoutMs: XZ_TIMEOUT_MS, signal });
  if (!xz.ok) return err(`${url}: ${xz.error.message}`);
  let best: Stanza | undefined;
  for (const s of parsePackages(xz.value.stdout)) {
    if (s.Package !== opts.package || s.Version === undefined) continue;
    if (best === undefined || (await newer(s.Version, best.Version ?? ''))) best = s;
  }
  if (best === undefined) return err(badInput(`${opts.suite} has no package "${opts.package}" (e.g. linux-source-6.1 in bookworm)`));
  if (best.Filename === undefined || best.SHA256 === undefined || best.Version === undefined) {
    return err(`${url}: ${opts.package} has no Filename or SHA256 field`);
  }
  return ok({
    package: opts.package,
    version: best.Version,
    url: `${mirror}/${best.Filename}`,
    sha256: best.SHA256,
    size: best.Size !== undefined ? Number(best.Size) : undefined,
  });
}
