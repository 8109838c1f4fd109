import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDepends, parsePackages, resolveKernelPackages } from '../../src/kernels/debian/packages.js';
import { compareVersions } from '../../src/kernels/debian/version.js';
import { parseRelease, verifyInRelease } from '../../src/kernels/debian/release.js';
import { closest, editDistance } from '../../src/kernels/closest.js';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'debian', name);

describe('Packages index', () => {
  it('parses Depends with alternatives, versions and arch qualifiers down to names', () => {
    expect(parseDepends('kmod, linux-base (>= 4.3~), initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, libc6:any [amd64]')).toEqual([
      ['kmod'],
      ['linux-base'],
      ['initramfs-tools', 'linux-initramfs-tool'],
      ['libc6'],
    ]);
  });

  it('follows a meta package to the image package (bookworm)', async () => {
    const index = parsePackages(await readFile(fixture('Packages.bookworm'), 'utf8'));
    const r = resolveKernelPackages(index, 'linux-image-cloud-amd64', 'bookworm');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.holder.name).toBe('linux-image-6.1.0-50-cloud-amd64');
    expect(r.value.holder.version).toBe('6.1.176-1');
    expect(r.value.files.map((f) => f.name)).toEqual(['linux-image-6.1.0-50-cloud-amd64']);
    expect(r.value.holder.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.value.holder.filename).toMatch(/^pool\/main\/l\/linux-signed-amd64\/linux-image-6\.1\.0-50-cloud-amd64_6\.1\.176-1_amd64\.deb$/);
  });

  it("follows sid's empty image package to linux-binary, linux-modules and linux-base of the same ABI", async () => {
    const index = parsePackages(await readFile(fixture('Packages.sid'), 'utf8'));
    const r = resolveKernelPackages(index, 'linux-image-cloud-amd64', 'sid');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.holder.name).toBe('linux-binary-7.2.13+deb14-cloud-amd64');
    expect(r.value.files.map((f) => f.name).sort()).toEqual([
      'linux-base-7.2.13+deb14-cloud-amd64',
      'linux-binary-7.2.13+deb14-cloud-amd64',
      'linux-image-7.2.13+deb14-cloud-amd64',
      'linux-modules-7.2.13+deb14-cloud-amd64',
    ]);
    // Not the generic flavour's packages, and nothing outside the kernel (kmod, initramfs-tools).
    expect(r.value.files.some((f) => !f.name.includes('cloud'))).toBe(false);
  });

  it('an exact package resolves to itself', async () => {
    const index = parsePackages(await readFile(fixture('Packages.bookworm'), 'utf8'));
    const r = resolveKernelPackages(index, 'linux-image-6.1.0-50-amd64', 'bookworm');
    expect(r.ok && r.value.files.map((f) => f.name)).toEqual(['linux-image-6.1.0-50-amd64']);
  });

  it('an unknown package names itself and the closest candidates', async () => {
    const index = parsePackages(await readFile(fixture('Packages.bookworm'), 'utf8'));
    const r = resolveKernelPackages(index, 'linux-image-clod-amd64', 'bookworm main');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain('"linux-image-clod-amd64" is not in bookworm main');
    expect(r.error).toMatch(/closest: linux-image-cloud-amd64/);
  });

  it('a meta package that leads to no kernel image is an error, not an empty download', async () => {
    const index = parsePackages(await readFile(fixture('Packages.bookworm'), 'utf8'));
    const r = resolveKernelPackages(index, 'linux-headers-cloud-amd64', 'bookworm');
    expect(r.ok).toBe(false);
  });
});

describe('Debian versions', () => {
  it('orders as dpkg does', () => {
    expect(compareVersions('6.1.176-1', '6.1.158-1')).toBe(1);
    expect(compareVersions('6.1~rc1-1', '6.1-1')).toBe(-1);
    expect(compareVersions('1:5.0-1', '6.0-1')).toBe(1);
    expect(compareVersions('6.12.117-1', '6.12.117-1')).toBe(0);
    expect(compareVersions('6.12.9-1', '6.12.10-1')).toBe(-1);
    expect(compareVersions('5.10.223-1', '5.10.223-1+deb11u1')).toBe(-1);
  });
});

describe('InRelease', () => {
  it("lists each index's SHA256 and size from the signed text", async () => {
    const rel = parseRelease(await readFile(fixture('InRelease.bullseye'), 'utf8'));
    expect(rel.codename).toBe('bullseye');
    const packages = rel.sha256.get('main/binary-amd64/Packages.xz');
    expect(packages?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(packages?.size).toBeGreaterThan(1_000_000);
  });

  it('gpgv accepts the real signature and rejects a tampered copy', async () => {
    const good = await verifyInRelease(fixture('InRelease.bullseye'));
    expect(good.ok).toBe(true);
    if (!good.ok) return;
    // Without gpgv or the keyring the check is skipped and says why; on this project's machines both exist.
    if (!good.value.checked) return expect(good.value.why).toMatch(/install/);
    expect(good.value.signer).toMatch(/Debian/);
    const text = await readFile(fixture('InRelease.bullseye'), 'utf8');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-inrelease-'));
    const forged = path.join(dir, 'InRelease');
    await writeFile(forged, text.replace(/Packages\.xz/, 'Packages.gz'));
    const bad = await verifyInRelease(forged);
    expect(bad.ok).toBe(false);
  });

  it('a missing keyring means "not checked", said so', async () => {
    const r = await verifyInRelease(fixture('InRelease.bullseye'), undefined, '/nonexistent/keyring.gpg');
    expect(r).toEqual({ ok: true, value: { checked: false, why: expect.stringContaining('keyring') } });
  });
});

describe('closest names', () => {
  it('edit distance', () => {
    expect(editDistance('bookworm', 'bookwrom')).toBe(2);
    expect(editDistance('sid', 'sid')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
  it('suggests near misses only, nearest first', () => {
    expect(closest('bookwrom', ['bullseye', 'bookworm', 'bookworm-backports', 'trixie', 'sid'])).toEqual(['bookworm']);
    expect(closest('zzzzzzzz', ['bookworm', 'trixie'])).toEqual([]);
  });
});
