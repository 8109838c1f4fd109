// Debian's linux-source-X package (the kernel source tarball Debian builds from) for `build
// --debian-source`: looked up in the same signed suite index as the binary kernel packages, so its
// .deb's SHA256 is vouched for by InRelease's signature like theirs.
import { archProfile, type Arch } from '../../arch/index.js';
import { err, ok, type Result } from '../../util/result.js';
import { closest } from '../closest.js';
import { badInput, type SourceFailure } from '../source.js';
import { newest } from './packages.js';
import { loadSuiteIndex, mirrorOf, type SuiteContext, type SuiteIndex, type SuiteRequest } from './suite.js';

/** linux-source is Architecture: all, and every binary-<arch> index lists it; we read the build's (amd64 unless asked). */
const DEFAULT_INDEX_ARCH: Arch = 'amd64';
const INDEX_COMPONENT = 'main';

interface LinuxSourcePackage {
  package: string;
  version: string;
  url: string;
  sha256: string;
  size: number;
  signature: SuiteIndex['signature'];
}

export async function resolveLinuxSource(
  opts: { suite: string; package: string; mirror?: string; arch?: Arch } & Pick<
    SuiteRequest,
    'keyring' | 'allowUnsigned' | 'allowExpiredIndex'
  >,
  ctx: SuiteContext,
): Promise<Result<LinuxSourcePackage, SourceFailure>> {
  const mirror = mirrorOf(opts.mirror);
  const suite = await loadSuiteIndex(
    {
      mirror,
      suite: opts.suite,
      component: INDEX_COMPONENT,
      arch: archProfile(opts.arch ?? DEFAULT_INDEX_ARCH).debianArch,
      keyring: opts.keyring,
      allowUnsigned: opts.allowUnsigned,
      allowExpiredIndex: opts.allowExpiredIndex,
    },
    ctx,
  );
  if (!suite.ok) return suite;
  const { index, where, signature } = suite.value;
  const pkg = newest(index, opts.package);
  if (pkg === undefined) {
    const near = closest(
      opts.package,
      [...index.keys()].filter((n) => n.startsWith('linux-source')),
    );
    const hint = near.length > 0 ? `closest: ${near.join(', ')}` : `e.g. linux-source-6.1 in bookworm`;
    return err(badInput(`package "${opts.package}" is not in ${where} (${hint})`));
  }
  return ok({ package: pkg.name, version: pkg.version, url: `${mirror}/${pkg.filename}`, sha256: pkg.sha256, size: pkg.size, signature });
}
