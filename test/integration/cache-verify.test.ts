// Verify before use (issue 19), in a real cache filled by the real CLI: two Debian kernels (6.1 and 6.12
// cloud images, served by a local node:http server as url sources) fetched into a fresh cache, then a
// flipped byte in a cached vmlinuz, 6.12's image swapped into 6.1's slot, and a corrupt kernel.json of
// a pinned entry. `fetch` re-extracts from the verified downloads and says so; `cache verify` finds each
// fault (exit 69), `--remove` removes the broken pinned entry.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { copyFile, open, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelCache } from '../../src/kernels/cache.js';
import { readExtracted } from '../../src/kernels/extracted.js';
import { startCli } from '../support/run-cli.js';

// linux-image-6.1.0-50-cloud-amd64 6.1.176-1 and linux-image-6.12.117+deb13-cloud-amd64 6.12.117-1 (Debian).
const DEBS = {
  '6.1': 'efe19f605b6f54a8352e68d85a629abb2d30b72a085faef603a9152590baa791',
  '6.12': 'e9893e5295d0549b8852611f12a4b8b5f6cc4b8128dcc2086b9847793b904ab7',
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: http.Server;
let dir: string;
let cacheDir: string;
const bodies = new Map<string, Buffer>();

async function debOf(sha256: string): Promise<Buffer> {
  // The shared cache holds them once any Debian test ran; fetched from the mirror otherwise.
  const shared = KernelCache.fromEnv().blobPath(sha256);
  try {
    return await readFile(shared);
  } catch {
    throw new Error(`${shared} is missing: run test/integration/fetch-debian.test.ts first (it fetches the 6.1 and 6.12 cloud kernels)`);
  }
}

beforeAll(async () => {
  for (const [v, s] of Object.entries(DEBS)) bodies.set(`/${v}.deb`, await debOf(s));
  server = http.createServer((req, res) => {
    const b = bodies.get(req.url ?? '');
    res.writeHead(b ? 200 : 404, { 'content-length': b?.length ?? 0 });
    res.end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'tm-verify-'));
  cacheDir = path.join(dir, 'cache');
  await writeFile(
    path.join(dir, 'matrix.json'),
    JSON.stringify({
      kernels: Object.entries(DEBS).map(([v, s]) => ({ id: v, source: { type: 'url', url: `${base}/${v}.deb`, sha256: s } })),
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    }),
  );
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const env = () => ({ ...process.env, TAILMATRIX_CACHE: cacheDir });
const cli = (...args: string[]) => startCli(args, { env: env() });
const fetch = () => cli('fetch', '-m', path.join(dir, 'matrix.json'));

/** The cache entry of kernel `v` (by its deb's hash), read with verification. */
async function entryOf(v: '6.1' | '6.12') {
  const cache = new KernelCache(cacheDir);
  for (const key of await readdir(path.join(cacheDir, 'kernels'))) {
    const manifest = JSON.parse(await readFile(path.join(cacheDir, 'kernels', key, 'kernel.json'), 'utf8')) as {
      origin: string;
      sha256: string;
      vmlinuz: string;
    };
    if (manifest.origin.includes(`/${v}.deb`)) return { key, dir: cache.entryPath('kernels', key), manifest };
  }
  throw new Error(`no entry for ${v}`);
}

describe('verify before use, in a real cache', { timeout: 600_000 }, () => {
  it('fetch fills it; `cache verify` finds nothing broken; verification cost measured', async () => {
    const r = await fetch();
    expect(r.exitCode, r.all).toBe(0);
    const v = await cli('cache', 'verify');
    expect(v.exitCode, v.all).toBe(0);
    expect(v.all).toMatch(/\d+ entries verified in .*, none broken/);
    for (const k of ['6.1', '6.12'] as const) {
      const e = await entryOf(k);
      const t0 = performance.now();
      const read = await readExtracted(k, e.dir);
      const ms = performance.now() - t0;
      expect(read.ok).toBe(true);
      const files = Object.keys((JSON.parse(await readFile(path.join(e.dir, 'kernel.json'), 'utf8')) as { files: object }).files).length;
      console.log(`verification of ${k} before use: ${files} files, ${ms.toFixed(0)} ms wall (this machine, shared and loaded)`);
    }
  });

  it('five bytes flipped in the cached 6.1 vmlinuz: `cache verify` exit 69 naming it; `fetch` re-extracts and says so', async () => {
    const e = await entryOf('6.1');
    const image = path.join(e.dir, 'root', e.manifest.vmlinuz);
    const fh = await open(image, 'r+');
    const bytes = Buffer.alloc(5);
    await fh.read(bytes, 0, 5, 100_000);
    for (let i = 0; i < 5; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
    await fh.write(bytes, 0, 5, 100_000);
    await fh.close();
    const v = await cli('cache', 'verify');
    expect(v.exitCode).toBe(69);
    expect(v.all).toContain(
      `broken kernels ${e.key}: the cached kernel does not match what was verified when it was unpacked (${e.manifest.vmlinuz} hashes to sha256`,
    );
    expect(v.all).toContain('`tailmatrix cache verify --remove` removes them, pinned or not');
    const r = await fetch();
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/does not match what was verified .*: unpacking it again from the verified downloads/);
    expect(sha(await readFile(image))).toBe(e.manifest.sha256);
  });

  it("6.12's image swapped into 6.1's slot: detected, the 6.1 image restored before use", async () => {
    const one = await entryOf('6.1');
    const twelve = await entryOf('6.12');
    await copyFile(path.join(twelve.dir, 'root', twelve.manifest.vmlinuz), path.join(one.dir, 'root', one.manifest.vmlinuz));
    const read = await readExtracted('6.1', one.dir);
    expect(!read.ok && read.error).toMatch(/has \d+ bytes, \d+ recorded|hashes to sha256/);
    const r = await fetch();
    expect(r.exitCode, r.all).toBe(0);
    expect(sha(await readFile(path.join(one.dir, 'root', one.manifest.vmlinuz)))).toBe(one.manifest.sha256);
    expect(one.manifest.sha256).not.toBe(twelve.manifest.sha256);
  });

  it('a corrupt kernel.json of a pinned entry: prune keeps it (pinned), `cache verify --remove` removes it, fetch unpacks it again', async () => {
    const e = await entryOf('6.12');
    await writeFile(path.join(e.dir, 'kernel.json'), '{"sha256": 1');
    const prune = await cli('cache', 'prune', '-m', path.join(dir, 'matrix.json'));
    expect(prune.exitCode, prune.all).toBe(0);
    expect(await readdir(path.join(cacheDir, 'kernels'))).toContain(e.key);
    const v = await cli('cache', 'verify', '--remove');
    expect(v.exitCode, v.all).toBe(0);
    expect(v.all).toContain(`broken kernels ${e.key}: unreadable kernel.json`);
    expect(v.all).toMatch(/1 of \d+ entries broken, removed/);
    expect(await readdir(path.join(cacheDir, 'kernels'))).not.toContain(e.key);
    const r = await fetch();
    expect(r.exitCode, r.all).toBe(0);
    expect((await cli('cache', 'verify')).exitCode).toBe(0);
  });
});
