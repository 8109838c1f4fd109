// `debian` source: a suite + package (exact or meta) from a Debian archive, resolved through the suite's
// signed index and fetched as verified .debs.
import { extractDeb } from '../../util/archive.js';
import { err, ok } from '../../util/result.js';
import { loadSuiteIndex, mirrorOf } from '../debian/suite.js';
import { resolveKernelPackages } from '../debian/packages.js';
import { fetchFilesAndMaterialize, filesKey } from '../fetch-files.js';
import { badInput, type KernelSourceDriver } from '../source.js';

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
    if (!pkgs.ok) return err(badInput(pkgs.error));
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
    return fetchFilesAndMaterialize(kernel.id, filesKey('deb', resolved.files), origin, resolved.files, extractDeb, ctx);
  },
};
