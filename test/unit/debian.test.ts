import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDepends, parsePackages, resolveKernelPackages } from '../../src/kernels/debian/packages.js';
import { compareVersions } from '../../src/kernels/debian/version.js';
import { checkRelease, parseRelease, signatureToolsMissing, verifyInRelease } from '../../src/kernels/debian/release.js';
import { closest, editDistance } from '../../src/kernels/closest.js';
import { SIGNED_FIXTURES, TEST_KEYRING } from '../support/debian-mirror.js';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'debian', name);

describe('Packages index', () => {
  it('parses Depends with alternatives, versions and arch qualifiers down to names', () => {
    expect(parseDepends('kmod, linux-base (>= 4.3~), initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, libc6:any [amd64]')).toEqual(
      [['kmod'], ['linux-base'], ['initramfs-tools', 'linux-initramfs-tool'], ['libc6']],
    );
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
    expect(r.value.holder.filename).toMatch(
      /^pool\/main\/l\/linux-signed-amd64\/linux-image-6\.1\.0-50-cloud-amd64_6\.1\.176-1_amd64\.deb$/,
    );
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
  it("lists each index's SHA256 and size from the text gpgv verified (Debian's real signature)", async () => {
    const v = await verifyInRelease(fixture('InRelease.bullseye'));
    if (!v.ok) throw new Error(`gpgv and debian-archive-keyring are needed here (apt-get install gpgv debian-archive-keyring): ${v.error}`);
    expect(v.value.signer).toMatch(/Debian/);
    const rel = parseRelease(v.value.text);
    expect(rel.codename).toBe('bullseye');
    expect(rel.suite).toBe('oldoldstable');
    const packages = rel.sha256.get('main/binary-amd64/Packages.xz');
    expect(packages?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(packages?.size).toBeGreaterThan(1_000_000);
  });

  it('rejects a copy tampered after signing, and one signed by a key outside the keyring', async () => {
    const tampered = await verifyInRelease(path.join(SIGNED_FIXTURES, 'tampered/dists/bookworm/InRelease'), { keyring: TEST_KEYRING });
    expect(tampered).toEqual({ ok: false, error: expect.stringMatching(/^InRelease signature check failed: .*BAD signature/s) });
    const foreign = await verifyInRelease(fixture('InRelease.bullseye'), { keyring: TEST_KEYRING });
    expect(foreign).toEqual({ ok: false, error: expect.stringMatching(/^InRelease signature check failed/) });
  });

  it('only the signed part reaches the parser: text around it (a forged SHA256) is dropped', async () => {
    const signed = await readFile(path.join(SIGNED_FIXTURES, 'valid/dists/bookworm/InRelease'), 'utf8');
    const forgedLine = ` ${'7'.repeat(64)} 476 main/binary-amd64/Packages.xz`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-inrelease-'));
    try {
      const file = path.join(dir, 'InRelease');
      await writeFile(file, `Codename: sid\nSHA256:\n${forgedLine}\n\n${signed}SHA256:\n${forgedLine}\n`);
      const v = await verifyInRelease(file, { keyring: TEST_KEYRING });
      if (!v.ok) throw new Error(v.error);
      expect(v.value.text).not.toContain('7'.repeat(64));
      const rel = parseRelease(v.value.text);
      expect(rel.codename).toBe('bookworm');
      expect(rel.sha256.get('main/binary-amd64/Packages.xz')?.sha256).toBe(
        'e657365a6bb0d71786274558e0699a6925189ed1cce947a1b700b6f5480ae160',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing keyring or gpgv is an error naming what to install, never "not checked"', async () => {
    expect(await verifyInRelease(fixture('InRelease.bullseye'), { keyring: '/nonexistent/keyring.gpg' })).toEqual({
      ok: false,
      error: 'cannot check the InRelease signature: keyring /nonexistent/keyring.gpg not found',
    });
    const noGpgv = { ...process.env, PATH: '/nonexistent' };
    expect(await verifyInRelease(fixture('InRelease.bullseye'), { env: noGpgv })).toEqual({
      ok: false,
      error: 'cannot check the InRelease signature: gpgv is not installed (apt-get install gpgv)',
    });
    expect(await signatureToolsMissing(undefined, noGpgv)).toBe('gpgv is not installed (apt-get install gpgv)');
    expect(await signatureToolsMissing('/nonexistent/keyring.gpg', noGpgv)).toBe(
      'gpgv is not installed (apt-get install gpgv); keyring /nonexistent/keyring.gpg not found',
    );
    expect(await signatureToolsMissing()).toBeUndefined();
  });
});

describe('InRelease: the index asked for, still valid', () => {
  const url = 'http://mirror/dists/x/InRelease';
  const release = (fields: Partial<ReturnType<typeof parseRelease>>) => ({ ...parseRelease(''), ...fields });
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('matches the requested name against Suite or Codename (bookworm, oldstable; sid, unstable)', () => {
    const bookworm = release({ suite: 'oldstable', codename: 'bookworm' });
    expect(checkRelease(bookworm, { suite: 'bookworm', url, allowExpired: false, now }).ok).toBe(true);
    expect(checkRelease(bookworm, { suite: 'oldstable', url, allowExpired: false, now }).ok).toBe(true);
    expect(checkRelease(release({ suite: 'unstable', codename: 'sid' }), { suite: 'sid', url, allowExpired: false, now }).ok).toBe(true);
  });

  it("refuses another suite's index (a replay) naming both", () => {
    expect(
      checkRelease(release({ suite: 'oldoldstable', codename: 'bullseye' }), { suite: 'bookworm', url, allowExpired: false, now }),
    ).toEqual({
      ok: false,
      error: `${url} is the index of oldoldstable/bullseye, not of "bookworm" (Suite and Codename both differ): the mirror serves the wrong or a replayed index`,
    });
  });

  it('refuses an index past Valid-Until unless allowed (archived suites), and a Valid-Until that is no date', () => {
    const old = release({ codename: 'bookworm', validUntil: 'Mon, 01 Jan 2024 00:00:00 UTC' });
    const r = checkRelease(old, { suite: 'bookworm', url, allowExpired: false, now });
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/expired on Mon, 01 Jan 2024 00:00:00 UTC \(Valid-Until\).*"allowExpiredIndex": true/),
    });
    expect(checkRelease(old, { suite: 'bookworm', url, allowExpired: true, now }).ok).toBe(true);
    expect(
      checkRelease(release({ codename: 'bookworm', validUntil: 'Fri, 31 Dec 2099 00:00:00 UTC' }), {
        suite: 'bookworm',
        url,
        allowExpired: false,
        now,
      }).ok,
    ).toBe(true);
    expect(
      checkRelease(release({ codename: 'bookworm', validUntil: 'soon' }), { suite: 'bookworm', url, allowExpired: true, now }).ok,
    ).toBe(false);
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
