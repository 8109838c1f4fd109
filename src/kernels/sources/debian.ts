// `debian` source: a suite + package (exact or meta) from a Debian archive, resolved through the suite's
// signed index and fetched as verified .debs.
import path from 'node:path';
import { archProfile } from '../../arch/index.js';
import { extractDeb } from '../../util/archive.js';
import { err, ok } from '../../util/result.js';
import { loadSuiteIndex, mirrorOf } from '../debian/suite.js';
import { resolveKernelPackages } from '../debian/packages.js';
import { fetchFilesAndMaterialize, filesKey } from '../fetch-files.js';
import { refuseUnsignedPin, UNSIGNED_MARK } from '../debian/unsigned.js';
import { badInput, type KernelSourceDriver, type ResolvedOf } from '../source.js';

export function debianOrigin(r: ResolvedOf<'debian'>): string {
  return `debian:${r.suite}/${r.package} ${r.version}${r.signatureChecked ? '' : UNSIGNED_MARK}`;
}

export const debianSourceDriver: KernelSourceDriver<'debian'> = {
  type: 'debian',

  async resolve(kernel, ctx) {
    const s = kernel.source;
    const mirror = mirrorOf(s.mirror);
    // Bytes of earlier steps (InRelease) plus the current one (the Packages index).
    const steps = new Map<string, number>();
    const suite = await loadSuiteIndex(
      {
        mirror,
        suite: s.suite,
        component: s.component,
        arch: s.arch ?? archProfile(kernel.arch).debianArch,
        keyring: s.keyring !== undefined ? path.resolve(ctx.matrixDir, s.keyring) : undefined,
        allowUnsigned: ctx.allowUnsigned,
        allowExpiredIndex: s.allowExpiredIndex,
      },
      {
        cache: ctx.cache,
        signal: ctx.signal,
        env: ctx.env,
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
    if (!pkgs.ok) return err(badInput(pkgs.error));
    const { holder, files } = pkgs.value;
    return ok({
      type: 'debian',
      suite: s.suite,
      requested: s.package,
      package: holder.name,
      version: holder.version,
      signatureChecked: sig.checked,
      unsignedWhy: sig.checked ? undefined : sig.why,
      files: files.map((p) => ({ name: p.name, version: p.version, url: `${mirror}/${p.filename}`, sha256: p.sha256, size: p.size })),
    });
  },

  async fetch(kernel, resolved, ctx) {
    const refused = refuseUnsignedPin(resolved, ctx);
    if (refused !== undefined) return err(refused);
    const origin = debianOrigin(resolved);
    const got = await fetchFilesAndMaterialize(kernel.id, filesKey('deb', resolved.files), origin, resolved.files, extractDeb, ctx);
    // The cached manifest keeps the origin of whoever unpacked it first; this run's provenance is the lock entry's.
    return got.ok ? ok({ ...got.value, origin }) : got;
  },
};
