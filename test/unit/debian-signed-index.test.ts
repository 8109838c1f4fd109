// Signatures fail closed, end to end through fetchKernels and the CLI: crafted suites signed by a test
// key (test/fixtures/debian/signed/, made by its make-fixtures.sh) served from a local node:http mirror.
// Needs gpgv (apt-get install gpgv); a missing gpgv is simulated by a PATH without it.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { KernelCache } from '../../src/kernels/cache.js';
import { fetchKernels, type FetchOptions } from '../../src/kernels/index.js';
import { debianOrigin } from '../../src/kernels/sources/debian.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { readLock } from '../../src/matrix/lock.js';
import { startTestMirror, TEST_KEYRING, type MirrorVariant, type TestMirror } from '../support/debian-mirror.js';
import { pathWithout } from '../support/path-without.js';
import { startCli } from '../support/run-cli.js';

let mirror: TestMirror;
let scratch: string;
/** A PATH that has everything this machine's PATH has, except gpgv. */
let pathWithoutGpgv: string;
let n = 0;

beforeAll(async () => {
  mirror = await startTestMirror();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-signed-'));
  pathWithoutGpgv = await pathWithout(['gpgv'], path.join(scratch, 'bin'));
});
afterAll(async () => {
  await mirror?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** A matrix dir of its own (lockfile, cache): loaded suites are kept per cache for the process. */
async function setup(variant: MirrorVariant, extra: Record<string, unknown> = {}) {
  const dir = path.join(scratch, `case-${++n}`);
  const matrixJson = {
    kernels: [
      {
        id: 'k',
        source: {
          type: 'debian',
          suite: 'bookworm',
          package: 'linux-image-cloud-amd64',
          mirror: mirror.url(variant),
          keyring: TEST_KEYRING,
          ...extra,
        },
      },
    ],
    boots: [{ name: 'b' }],
    benchmarks: [{ name: 't', type: 'test-run' }],
  };
  await mkdir(dir, { recursive: true });
  const matrixFile = path.join(dir, 'matrix.json');
  await writeFile(matrixFile, JSON.stringify(matrixJson));
  const m = parseMatrix(matrixJson);
  if (!m.ok) throw new Error(m.error.join('\n'));
  const cacheDir = path.join(dir, 'cache');
  const opts: FetchOptions = { matrix: m.value, matrixFile, cache: new KernelCache(cacheDir), resolveOnly: true };
  return { dir, matrixFile, cacheDir, opts, lockFile: path.join(dir, 'matrix.lock.json') };
}

const exists = (f: string) =>
  readFile(f).then(
    () => true,
    () => false,
  );

describe('a signed index', () => {
  it('resolves a meta package to the .deb the signed index vouches for, and says who signed', async () => {
    const c = await setup('valid');
    const log: string[] = [];
    const r = await fetchKernels({ ...c.opts, log: (_id, line) => log.push(line) });
    expect(r.ok).toBe(true);
    const lock = await readLock(c.lockFile);
    const entry = lock.ok ? lock.value.kernels.k?.resolved : undefined;
    expect(entry).toEqual({
      type: 'debian',
      suite: 'bookworm',
      requested: 'linux-image-cloud-amd64',
      package: 'linux-image-6.1.0-99-cloud-amd64',
      version: '6.1.176-1',
      signatureChecked: true,
      files: [
        {
          name: 'linux-image-6.1.0-99-cloud-amd64',
          version: '6.1.176-1',
          url: `${mirror.url('valid')}/pool/main/l/linux-signed-amd64/linux-image-6.1.0-99-cloud-amd64_6.1.176-1_amd64.deb`,
          sha256: '5'.repeat(64),
          size: 23456789,
        },
      ],
    });
    expect(log).toContain(
      'InRelease signature checked with gpgv: tailmatrix test archive key (never trust outside tests) <test@tailmatrix.invalid>',
    );
  });

  it('`lock` again with nothing new leaves the lockfile untouched', async () => {
    const c = await setup('valid');
    expect((await fetchKernels({ ...c.opts, refreshLock: true })).ok).toBe(true);
    const first = await stat(c.lockFile);
    const again = await fetchKernels({ ...c.opts, refreshLock: true });
    expect(again.ok && again.value.lockChanged).toBe(false);
    expect((await stat(c.lockFile)).mtimeMs).toBe(first.mtimeMs);
  });

  it('our cached InRelease tampered on disk: not blamed on the mirror, dropped and fetched again (checked again)', {
    timeout: 60_000,
  }, async () => {
    const c = await setup('valid');
    expect((await fetchKernels(c.opts)).ok).toBe(true);
    const [name] = await readdir(path.join(c.cacheDir, 'indexes'));
    const cached = path.join(c.cacheDir, 'indexes', name as string);
    const text = await readFile(cached, 'utf8');
    // One letter of the signed text (the first after the armour header's blank line) changed.
    const tampered = text.replace(/(Hash: \w+\n\n)(\w)/, (_m, head: string, c: string) => head + (c === 'X' ? 'Y' : 'X'));
    expect(tampered).not.toBe(text);
    await writeFile(cached, tampered);
    const fetchedBefore = mirror.requests.filter((r) => r === '/valid/dists/bookworm/InRelease').length;
    // Another process (a loaded suite is kept for the life of this one).
    const again = await startCli(['lock', '-m', c.matrixFile, '--kernel', 'k'], { env: { ...process.env, TAILMATRIX_CACHE: c.cacheDir } });
    expect(again.exitCode, again.all).toBe(0);
    expect(mirror.requests.filter((r) => r === '/valid/dists/bookworm/InRelease').length).toBe(fetchedBefore + 1);
    expect(await readFile(cached, 'utf8')).toBe(text);
  });

  it('tampered after signing: refused, Packages.xz never fetched, nothing locked', async () => {
    const c = await setup('tampered');
    const r = await fetchKernels(c.opts);
    expect(r).toEqual({
      ok: false,
      error: [
        {
          kernelId: 'k',
          badInput: false,
          message: expect.stringMatching(/^k: .*\/tampered\/dists\/bookworm\/InRelease: InRelease signature check failed/),
        },
      ],
    });
    expect(mirror.requests).not.toContain('/tampered/dists/bookworm/main/binary-amd64/Packages.xz');
    expect(await exists(c.lockFile)).toBe(false);
  });

  it("another suite's index served for bookworm (validly signed): refused, naming both", async () => {
    const c = await setup('wrong-codename');
    const r = await fetchKernels(c.opts);
    expect(r).toEqual({
      ok: false,
      error: [
        { kernelId: 'k', badInput: false, message: expect.stringContaining('is the index of oldoldstable/bullseye, not of "bookworm"') },
      ],
    });
    expect(await exists(c.lockFile)).toBe(false);
  });

  it('past Valid-Until: refused with the override named; accepted with "allowExpiredIndex": true', async () => {
    const c = await setup('expired');
    const r = await fetchKernels(c.opts);
    expect(r).toEqual({
      ok: false,
      error: [
        {
          kernelId: 'k',
          badInput: false,
          message: expect.stringMatching(/expired on Mon, 01 Jan 2024 00:00:00 UTC \(Valid-Until\).*"allowExpiredIndex": true/),
        },
      ],
    });
    expect(await exists(c.lockFile)).toBe(false);
    const archived = await setup('expired', { allowExpiredIndex: true });
    expect((await fetchKernels(archived.opts)).ok).toBe(true);
  });
});

describe('no gpgv', () => {
  it('is an error naming the package to install and --allow-unsigned; nothing is locked', async () => {
    const c = await setup('valid');
    const r = await fetchKernels({ ...c.opts, env: { ...process.env, PATH: pathWithoutGpgv } });
    expect(r).toEqual({
      ok: false,
      error: [
        {
          kernelId: 'k',
          badInput: false,
          message: expect.stringMatching(/gpgv is not installed \(apt-get install gpgv\); install it, or pass --allow-unsigned/),
        },
      ],
    });
    expect(await exists(c.lockFile)).toBe(false);
  });

  it('--allow-unsigned goes on, records it in the lock entry and the origin; a strict fetch then refuses the pin', async () => {
    const c = await setup('valid');
    const env = { ...process.env, PATH: pathWithoutGpgv };
    const before = mirror.requests.length;
    const r = await fetchKernels({ ...c.opts, env, allowUnsigned: true });
    expect(r.ok).toBe(true);
    // The plain Release, not InRelease picked apart by hand.
    expect(mirror.requests.slice(before)).toEqual(['/valid/dists/bookworm/Release', '/valid/dists/bookworm/main/binary-amd64/Packages.xz']);
    const lock = await readLock(c.lockFile);
    const entry = lock.ok ? lock.value.kernels.k?.resolved : undefined;
    expect(entry).toMatchObject({
      type: 'debian',
      signatureChecked: false,
      unsignedWhy: 'gpgv is not installed (apt-get install gpgv); allowed by --allow-unsigned',
    });
    // What run.json, the cell files and the reports show as the kernel's source once it is fetched.
    expect(entry?.type === 'debian' && debianOrigin(entry)).toBe(
      'debian:bookworm/linux-image-6.1.0-99-cloud-amd64 6.1.176-1 [index signature NOT checked: --allow-unsigned]',
    );
    // Fetching that pin without --allow-unsigned (gpgv back or not) refuses before any download.
    const strict = await fetchKernels({ ...c.opts, resolveOnly: false, frozenLockfile: true });
    expect(strict).toEqual({
      ok: false,
      error: [
        {
          kernelId: 'k',
          badInput: true,
          message: expect.stringMatching(
            /signature was not checked \(gpgv is not installed.*run `tailmatrix lock` where gpgv and debian-archive-keyring are installed, or pass --allow-unsigned/,
          ),
        },
      ],
    });
    expect(mirror.requests.some((u) => u.includes('/pool/'))).toBe(false);
  });

  it('`tailmatrix lock` and `fetch` exit 69 with the install hint and leave the lockfile as it was; `lock --allow-unsigned` goes on', async () => {
    const c = await setup('valid');
    // A lock from a good day: the failing re-resolve must not rewrite or empty it.
    expect((await fetchKernels(c.opts)).ok).toBe(true);
    const pinned = await readFile(c.lockFile, 'utf8');
    const pinnedStat = await stat(c.lockFile);
    const env = { PATH: pathWithoutGpgv, TAILMATRIX_CACHE: c.cacheDir };
    for (const cmd of ['lock', 'fetch']) {
      // `fetch` uses the pin; drop it so that it has to resolve too.
      if (cmd === 'fetch') await rm(c.lockFile);
      const res = await startCli([cmd, '-m', c.matrixFile, '--quiet'], { env });
      expect({ cmd, code: res.exitCode }).toEqual({ cmd, code: EXIT.unavailable });
      expect(res.all).toMatch(/gpgv is not installed \(apt-get install gpgv\); install it, or pass --allow-unsigned/);
      if (cmd === 'lock') {
        // Not rewritten at all (an atomic rewrite would give a new inode), not only the same text.
        const now = await stat(c.lockFile);
        expect({ text: await readFile(c.lockFile, 'utf8'), ino: now.ino, mtimeMs: now.mtimeMs }).toEqual({
          text: pinned,
          ino: pinnedStat.ino,
          mtimeMs: pinnedStat.mtimeMs,
        });
      } else expect(await exists(c.lockFile)).toBe(false);
    }
    const allowed = await startCli(['lock', '-m', c.matrixFile, '--quiet', '--allow-unsigned'], { env });
    expect(allowed.exitCode).toBe(EXIT.ok);
    const lock = await readLock(c.lockFile);
    expect(lock.ok && lock.value.kernels.k?.resolved).toMatchObject({
      signatureChecked: false,
      unsignedWhy: expect.stringContaining('apt-get install gpgv'),
    });
  }, 90_000);
});
