import { describe, expect, it } from 'vitest';
import { buildInputsHash, kernelCacheKey, objDirKey, workTreeKey, type BuildInputs } from '../../src/kernels/from-source/keys.js';

const base: BuildInputs = {
  source: {
    kind: 'deb',
    url: 'https://deb.debian.org/debian/pool/main/l/linux/linux-source-6.1_6.1.176-1_all.deb',
    sha256: '9'.repeat(64),
    package: 'linux-source-6.1',
    version: '6.1.176-1',
  },
  patches: [{ path: 'a.patch', sha256: 'a'.repeat(64) }],
  base: 'tinyconfig',
  fragments: [{ path: 'kernels/configs/tailmatrix.config', sha256: 'f'.repeat(64) }],
  compiler: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
};

describe('build inputs hash', () => {
  it('is the same for the same inputs, however the object was put together', () => {
    const copy = JSON.parse(JSON.stringify(base)) as BuildInputs;
    expect(buildInputsHash(copy)).toBe(buildInputsHash(base));
    expect(buildInputsHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(kernelCacheKey(buildInputsHash(base))).toBe(`build-${buildInputsHash(base)}`);
  });

  it('changes with every input that changes the kernel', () => {
    const variants: BuildInputs[] = [
      { ...base, source: { ...base.source, sha256: '8'.repeat(64) } as BuildInputs['source'] },
      { ...base, patches: [] },
      { ...base, patches: [{ path: 'a.patch', sha256: 'b'.repeat(64) }] },
      { ...base, patches: [...base.patches, { path: 'b.patch', sha256: 'b'.repeat(64) }] },
      { ...base, base: 'defconfig' },
      { ...base, fragments: [{ path: 'kernels/configs/tailmatrix.config', sha256: 'e'.repeat(64) }] },
      { ...base, fragments: [...base.fragments, { path: 'x.config', sha256: 'e'.repeat(64) }] },
      { ...base, compiler: 'gcc (Debian 12.2.0-14+deb12u2) 12.2.0' },
      { ...base, source: { kind: 'git', tree: '/src/linux', commit: 'c'.repeat(40) } },
      { ...base, source: { kind: 'git', tree: '/src/linux', commit: 'c'.repeat(40), diffSha256: 'd'.repeat(64) } },
    ];
    const hashes = new Set([buildInputsHash(base), ...variants.map(buildInputsHash)]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('depends on contents, not on where patches and fragments live or where a tarball was downloaded', () => {
    const moved: BuildInputs = {
      ...base,
      source: { ...base.source, url: 'http://mirror.example/linux-source-6.1_6.1.176-1_all.deb' } as BuildInputs['source'],
      patches: [{ path: '/elsewhere/a.patch', sha256: 'a'.repeat(64) }],
      fragments: [{ path: '/tmp/copy.config', sha256: 'f'.repeat(64) }],
    };
    expect(buildInputsHash(moved)).toBe(buildInputsHash(base));
  });

  it('an arm64 build has its own key; amd64 (the default, left out) keeps the hash it had before kernels had an arch', () => {
    expect(buildInputsHash({ ...base, arch: 'arm64' })).not.toBe(buildInputsHash(base));
    expect(buildInputsHash({ ...base, arch: undefined })).toBe(buildInputsHash(base));
  });

  it('order of patches matters (they apply in order)', () => {
    const two = { ...base, patches: [base.patches[0]!, { path: 'b.patch', sha256: 'b'.repeat(64) }] };
    const swapped = { ...two, patches: [...two.patches].reverse() };
    expect(buildInputsHash(two)).not.toBe(buildInputsHash(swapped));
  });
});

describe('reusable work tree and object dir keys', () => {
  it('ignore patches and fragments, so a patched rebuild reuses the same object dir', () => {
    const patched = { ...base, patches: [] };
    expect(objDirKey(patched.source, patched.base, patched.compiler)).toBe(objDirKey(base.source, base.base, base.compiler));
  });

  it('separate bases and compilers, and keep one work tree per git tree across commits', () => {
    expect(objDirKey(base.source, 'defconfig', base.compiler)).not.toBe(objDirKey(base.source, 'tinyconfig', base.compiler));
    expect(objDirKey(base.source, 'tinyconfig', 'clang 16')).not.toBe(objDirKey(base.source, 'tinyconfig', base.compiler));
    // One object directory per architecture (amd64's key is what it was before); the work tree is shared.
    expect(objDirKey(base.source, 'tinyconfig', base.compiler, 'amd64')).toBe(objDirKey(base.source, 'tinyconfig', base.compiler));
    expect(objDirKey(base.source, 'tinyconfig', base.compiler, 'arm64')).toBe(
      `${objDirKey(base.source, 'tinyconfig', base.compiler)}-arm64`,
    );
    const a = workTreeKey({ kind: 'git', tree: '/src/linux', commit: 'a'.repeat(40) });
    const b = workTreeKey({ kind: 'git', tree: '/src/linux', commit: 'b'.repeat(40) });
    expect(a).toBe(b);
    expect(workTreeKey({ kind: 'git', tree: '/src/other', commit: 'a'.repeat(40) })).not.toBe(a);
    expect(workTreeKey(base.source)).toBe(`tar-${'9'.repeat(16)}`);
  });
});
