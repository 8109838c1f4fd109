// A full disk under the kernel cache: a real 1 MiB tmpfs mounted as the cache, a local node:http server
// sending a 3 MiB blob. Needs root (mount); fails, not skips, without it.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelCache } from '../../src/kernels/cache.js';
import { fetchBlob } from '../../src/kernels/blob.js';
import { writeFileAtomic } from '../../src/util/fs.js';

const BODY = Buffer.alloc(3 * 2 ** 20, 7);
const SHA = createHash('sha256').update(BODY).digest('hex');
let server: http.Server;
let base: string;
let hits = 0;
let mountpoint: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mountpoint = await mkdtemp(path.join(os.tmpdir(), 'tm-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountpoint]);
  } catch (e) {
    throw new Error(`this test mounts a 1 MiB tmpfs and needs root (mount -t tmpfs): ${(e as Error).message}`);
  }
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  // Lazy: this process still holds the cache's use locks (open lock files) until it exits.
  execFileSync('umount', ['--lazy', mountpoint]);
  await rm(mountpoint, { recursive: true, force: true });
});

describe('disk full', () => {
  it('a download that fills the cache disk fails at once (no retry), says what is needed and where, leaves nothing', async () => {
    const cache = new KernelCache(mountpoint);
    const started = Date.now();
    const r = await fetchBlob(
      cache,
      { name: 'big.deb', url: `${base}/big.deb`, sha256: SHA, size: BODY.length },
      { backoffMs: 5, signal: new AbortController().signal },
    );
    const ms = Date.now() - started;
    console.log(`disk full: detected after ${ms} ms, ${hits} request(s)`);
    expect(r.ok).toBe(false);
    expect(hits).toBe(1);
    const message = r.ok ? '' : r.error;
    console.log(`disk full: ${message}`);
    expect(message).toContain(`no space left on the disk of ${path.join(mountpoint, 'tmp')}: 3.0 MiB needed`);
    expect(message).toMatch(/MiB free after removing the partial file/);
    expect(message).toContain(`kernel cache: ${mountpoint}; free space there, or set TAILMATRIX_CACHE`);
    expect(await readdir(path.join(mountpoint, 'tmp'))).toEqual([]);
    expect(await cache.list()).toEqual([]);
  });

  it('writeFileAtomic on a full disk throws a disk-full error naming the place and the sizes, and leaves the old file and no temp file', async () => {
    const target = path.join(mountpoint, 'state.json');
    await writeFileAtomic(target, 'old');
    await expect(writeFileAtomic(target, Buffer.alloc(2 * 2 ** 20))).rejects.toThrow(
      new RegExp(`^no space left on the disk of ${mountpoint} writing state\\.json: 2\\.00 MiB needed, [\\d.]+ MiB free`),
    );
    expect(await readFile(target, 'utf8')).toBe('old');
    expect((await readdir(mountpoint)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await writeFile(target, '');
  });
});
