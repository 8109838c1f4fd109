// `build --debian-source`: Debian's linux-source-X resolved through the same signed suite index as the
// binary kernel packages, served by a local HTTP server laid out like the archive.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelCache } from '../../src/kernels/cache.js';
import { resolveLinuxSource } from '../../src/kernels/debian/linux-source.js';
import { buildSourceDriver } from '../../src/kernels/from-source/index.js';
import { crossPrefix, makeArgs } from '../../src/kernels/from-source/make.js';
import type { SourceContext } from '../../src/kernels/source.js';
import { startTestMirror, TEST_KEYRING, type TestMirror } from '../support/debian-mirror.js';
import { pathWithout } from '../support/path-without.js';

let mirror: TestMirror;
let cacheDir: string;
let ctx: Parameters<typeof resolveLinuxSource>[1];

beforeAll(async () => {
  mirror = await startTestMirror();
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-linux-source-'));
  ctx = { cache: new KernelCache(cacheDir), signal: new AbortController().signal, onBytes: () => {} };
});
afterAll(async () => {
  await mirror?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('linux-source from the signed suite index', () => {
  it('picks the newest of two versions, with the URL and SHA256 the signed index vouches for', async () => {
    const r = await resolveLinuxSource(
      { suite: 'bookworm', package: 'linux-source-6.1', mirror: `${mirror.url('valid')}/`, keyring: TEST_KEYRING },
      ctx,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        package: 'linux-source-6.1',
        version: '6.1.176-1',
        url: `${mirror.url('valid')}/pool/main/l/linux/linux-source-6.1_6.1.176-1_all.deb`,
        sha256: '2'.repeat(64),
        size: 139131140,
        signature: { checked: true, signer: expect.stringContaining('tailmatrix test archive key') },
      },
    });
    // InRelease first (its signature vouches for Packages.xz), never an unsigned Packages.xz alone.
    const asked = mirror.requests.filter((u) => u.startsWith('/valid/'));
    expect(asked).toEqual(['/valid/dists/bookworm/InRelease', '/valid/dists/bookworm/main/binary-amd64/Packages.xz']);
  });

  it('an index whose signature does not verify is refused before any package is read', async () => {
    const r = await resolveLinuxSource(
      { suite: 'bookworm', package: 'linux-source-6.1', mirror: mirror.url('tampered'), keyring: TEST_KEYRING },
      ctx,
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/InRelease signature check failed/);
    expect(mirror.requests).not.toContain('/tampered/dists/bookworm/main/binary-amd64/Packages.xz');
  });

  it('an unknown package or suite is the matrix at fault, with the closest names', async () => {
    const pkg = await resolveLinuxSource(
      { suite: 'bookworm', package: 'linux-source-6.2', mirror: mirror.url('valid'), keyring: TEST_KEYRING },
      ctx,
    );
    expect(pkg).toEqual({
      ok: false,
      error: {
        badInput: true,
        message: expect.stringMatching(/^package "linux-source-6\.2" is not in .* bookworm\/main \(amd64\) \(closest: linux-source-6\.1/),
      },
    });
    const suite = await resolveLinuxSource(
      { suite: 'bookwrom', package: 'linux-source-6.1', mirror: mirror.url('valid'), keyring: TEST_KEYRING },
      ctx,
    );
    expect(suite).toEqual({
      ok: false,
      error: { badInput: true, message: expect.stringMatching(/^unknown suite "bookwrom" .*closest: bookworm/) },
    });
  });
});

describe('the build source driver with a linux-source package', () => {
  const kernel = (keyring = TEST_KEYRING) => ({
    id: 'src',
    arch: 'amd64' as const,
    source: {
      type: 'build' as const,
      debianSource: { suite: 'bookworm', package: 'linux-source-6.1', mirror: mirror.url('valid'), keyring },
      patches: [],
      base: 'tinyconfig' as const,
      fragments: [],
    },
  });
  const sourceCtx = async (env: NodeJS.ProcessEnv, allowUnsigned: boolean): Promise<SourceContext> => ({
    // A cache of its own: loaded suites are kept per cache for the process.
    cache: new KernelCache(await mkdtemp(path.join(cacheDir, 'c-'))),
    signal: new AbortController().signal,
    matrixDir: cacheDir,
    env,
    allowUnsigned,
    onProgress: () => {},
    log: () => {},
  });

  it('pins the signed .deb and records that its index was verified', async () => {
    const r = await buildSourceDriver.resolve(kernel(), await sourceCtx(process.env, false));
    expect(r.ok && r.value).toMatchObject({
      type: 'build',
      signatureChecked: true,
      source: { kind: 'deb', sha256: '2'.repeat(64), version: '6.1.176-1' },
    });
  });

  it('without gpgv: an error unless --allow-unsigned; an unsigned pin is refused by a strict fetch before any download', async () => {
    const env = { ...process.env, PATH: await pathWithout(['gpgv'], path.join(cacheDir, 'bin')) };
    const strict = await buildSourceDriver.resolve(kernel(), await sourceCtx(env, false));
    expect(strict).toEqual({
      ok: false,
      error: expect.stringMatching(/gpgv is not installed \(apt-get install gpgv\); install it, or pass --allow-unsigned/),
    });
    const allowed = await buildSourceDriver.resolve(kernel(), await sourceCtx(env, true));
    expect(allowed.ok && allowed.value).toMatchObject({
      signatureChecked: false,
      unsignedWhy: expect.stringContaining('apt-get install gpgv'),
      origin: expect.stringContaining('[index signature NOT checked: --allow-unsigned]'),
    });
    if (!allowed.ok) return;
    const before = mirror.requests.length;
    const fetched = await buildSourceDriver.fetch(kernel(), allowed.value, await sourceCtx(process.env, false));
    expect(fetched).toEqual({
      ok: false,
      error: {
        badInput: true,
        message: expect.stringMatching(/^the lock entry was resolved from a Debian index whose signature was not checked/),
      },
    });
    expect(mirror.requests.length).toBe(before);
  });

  it('a missing keyring the matrix names is bad input naming it, even under --allow-unsigned', async () => {
    const r = await buildSourceDriver.resolve(kernel('no-such-keyring.gpg'), await sourceCtx(process.env, false));
    expect(r).toEqual({
      ok: false,
      error: { badInput: true, message: `the source's "keyring": no file at ${path.join(cacheDir, 'no-such-keyring.gpg')}` },
    });
    // --allow-unsigned does not turn a misspelt keyring into an unchecked index.
    const allowed = await buildSourceDriver.resolve(kernel('no-such-keyring.gpg'), await sourceCtx(process.env, true));
    expect(allowed.ok).toBe(false);
  });
});

describe('make command line', () => {
  it('builds out of tree for x86_64 with the chosen compiler and job count', () => {
    expect(makeArgs({ srcTree: '/c/src/tree', objDir: '/c/objs/x', jobs: 2, cc: 'ccache gcc', arch: 'amd64' }, ['all'], 'amd64')).toEqual([
      '-C',
      '/c/src/tree',
      'O=/c/objs/x',
      'ARCH=x86_64',
      'LOCALVERSION=',
      'CC=ccache gcc',
      '-j2',
      'all',
    ]);
  });

  it("cross-compiles arm64 on an amd64 host with the profile's ARCH and CROSS_COMPILE, natively on an arm64 host", () => {
    const m = { srcTree: '/c/src/tree', objDir: '/c/objs/y', jobs: 2, cc: 'ccache aarch64-linux-gnu-gcc', arch: 'arm64' } as const;
    expect(makeArgs(m, ['all'], 'amd64')).toEqual([
      '-C',
      '/c/src/tree',
      'O=/c/objs/y',
      'ARCH=arm64',
      'CROSS_COMPILE=aarch64-linux-gnu-',
      'LOCALVERSION=',
      'CC=ccache aarch64-linux-gnu-gcc',
      '-j2',
      'all',
    ]);
    expect(makeArgs({ ...m, cc: 'gcc' }, ['all'], 'arm64')).not.toContainEqual(expect.stringMatching(/^CROSS_COMPILE=/));
    expect(crossPrefix('arm64', 'amd64')).toBe('aarch64-linux-gnu-');
    expect(crossPrefix('amd64', 'amd64')).toBe('');
    expect(crossPrefix('amd64', 'arm64')).toBe('x86_64-linux-gnu-');
  });
});
