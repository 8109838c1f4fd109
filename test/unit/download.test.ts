// Faults against a real local HTTP server: what a flaky mirror does, and what must (not) happen.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadToFile, fetchBuffer } from '../../src/util/download.js';
import { KernelCache } from '../../src/kernels/cache.js';
import { fetchBlob } from '../../src/kernels/blob.js';

const BODY = Buffer.alloc(300_000);
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 7919) % 251;
const SHA = createHash('sha256').update(BODY).digest('hex');
/** Tests must not wait for production backoff. */
const FAST = { backoffMs: 5 };

let server: http.Server;
let base: string;
const hits = new Map<string, number>();

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  const n = (hits.get(url) ?? 0) + 1;
  hits.set(url, n);
  switch (url) {
    case '/ok':
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
      return;
    case '/500-then-ok':
      if (n === 1) {
        res.writeHead(500);
        res.end('boom');
        return;
      }
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
      return;
    case '/always-503':
      res.writeHead(503);
      res.end();
      return;
    case '/404':
      res.writeHead(404);
      res.end();
      return;
    case '/cut-then-ok':
      // First attempt: half the body, then the connection is destroyed.
      res.writeHead(200, { 'content-length': BODY.length });
      if (n === 1) {
        res.write(BODY.subarray(0, BODY.length / 2), () => res.socket?.destroy());
        return;
      }
      res.end(BODY);
      return;
    case '/short':
      // Content-Length promises more than is sent; the server then closes the connection cleanly (FIN).
      res.writeHead(200, { 'content-length': BODY.length + 1000 });
      res.write(BODY, () => res.socket?.end());
      return;
    case '/stall':
      // Half the body, then silence with the connection open: a dead mirror that never closes.
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, BODY.length / 2));
      return;
    case '/slow': {
      res.writeHead(200, { 'content-length': BODY.length });
      let off = 0;
      const t = setInterval(() => {
        if (res.destroyed || off >= BODY.length) return clearInterval(t);
        res.write(BODY.subarray(off, off + 4096));
        off += 4096;
      }, 20);
      res.on('close', () => clearInterval(t));
      return;
    }
    default:
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  server = http.createServer(route);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => hits.clear());

async function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'tm-dl-'));
}

describe('downloadToFile', () => {
  it('delivers the exact bytes and their SHA256', async () => {
    const file = path.join(await tmp(), 'f');
    const r = await downloadToFile(`${base}/ok`, file, FAST);
    expect(r.ok && r.value.sha256).toBe(SHA);
    expect((await readFile(file)).equals(BODY)).toBe(true);
  });

  it('retries a 500 with backoff and then succeeds', async () => {
    const file = path.join(await tmp(), 'f');
    const retries: string[] = [];
    const r = await downloadToFile(`${base}/500-then-ok`, file, { ...FAST, onRetry: (_a, why) => retries.push(why) });
    expect(r.ok && r.value.attempts).toBe(2);
    expect(retries).toEqual(['HTTP 500 Internal Server Error']);
    expect(r.ok && r.value.sha256).toBe(SHA);
  });

  it('retries a connection cut mid-body and counts the wasted bytes', async () => {
    const file = path.join(await tmp(), 'f');
    const r = await downloadToFile(`${base}/cut-then-ok`, file, FAST);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.attempts).toBe(2);
    expect(r.value.sha256).toBe(SHA);
    expect(r.value.networkBytes).toBeGreaterThan(BODY.length);
  });

  it('a body shorter than Content-Length is never taken as complete', async () => {
    const dir = await tmp();
    const r = await downloadToFile(`${base}/short`, path.join(dir, 'f'), { ...FAST, attempts: 2 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.attempts).toBe(2);
    expect(r.error.message).toMatch(/after 2 attempts/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives up after the attempts with a clear error and no file', async () => {
    const dir = await tmp();
    const r = await downloadToFile(`${base}/always-503`, path.join(dir, 'f'), { ...FAST, attempts: 3 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.status).toBe(503);
    expect(r.error.message).toBe(`${base}/always-503: HTTP 503 Service Unavailable after 3 attempts`);
    expect(hits.get('/always-503')).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a download that stalls (connection open, no bytes) ends at the idle timeout, is retried, leaves no file', async () => {
    const dir = await tmp();
    const started = Date.now();
    const r = await downloadToFile(`${base}/stall`, path.join(dir, 'f'), { ...FAST, attempts: 2, idleTimeoutMs: 300 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/ETIMEDOUT.*after 2 attempts/);
    expect(hits.get('/stall')).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not retry a 404', async () => {
    const r = await downloadToFile(`${base}/404`, path.join(await tmp(), 'f'), FAST);
    expect(r.ok).toBe(false);
    expect(hits.get('/404')).toBe(1);
  });

  it('fetchBuffer returns 4xx answers to the caller', async () => {
    const r = await fetchBuffer(`${base}/404`, FAST);
    expect(r.ok && r.value.status).toBe(404);
  });
});

describe('fetchBlob into the cache', () => {
  it('verifies, stores under the SHA256, and a second fetch transfers nothing', async () => {
    const cache = new KernelCache(await tmp());
    const signal = new AbortController().signal;
    const first = await fetchBlob(cache, { name: 'x', url: `${base}/ok`, sha256: SHA }, { ...FAST, signal });
    expect(first.ok && first.value.networkBytes).toBe(BODY.length);
    expect(first.ok && first.value.path).toBe(cache.blobPath(SHA));
    const second = await fetchBlob(cache, { name: 'x', url: `${base}/ok`, sha256: SHA }, { ...FAST, signal });
    expect(second.ok && second.value.networkBytes).toBe(0);
    expect(hits.get('/ok')).toBe(1);
  });

  it('an empty lock file at locks/blob-<sha256>.lock (a crash between open and write) does not stop the fetch', async () => {
    const cache = new KernelCache(await tmp());
    await mkdir(path.join(cache.root, 'locks'), { recursive: true });
    await writeFile(path.join(cache.root, 'locks', `blob-${SHA}.lock`), '');
    const started = Date.now();
    const r = await fetchBlob(cache, { name: 'x', url: `${base}/ok`, sha256: SHA }, { ...FAST, signal: new AbortController().signal });
    expect(r.ok && r.value.path).toBe(cache.blobPath(SHA));
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a zero-length or short file under a blob name (left by a crash) is not trusted: removed and fetched again', async () => {
    const cache = new KernelCache(await tmp());
    const signal = new AbortController().signal;
    await mkdir(path.dirname(cache.blobPath(SHA)), { recursive: true });
    for (const leftover of [Buffer.alloc(0), BODY.subarray(0, 1000)]) {
      await writeFile(cache.blobPath(SHA), leftover);
      const r = await fetchBlob(cache, { name: 'x', url: `${base}/ok`, sha256: SHA }, { ...FAST, signal });
      expect(r.ok && r.value.networkBytes).toBe(BODY.length);
      expect((await readFile(cache.blobPath(SHA))).equals(BODY)).toBe(true);
    }
  });

  it('a checksum mismatch is an error and nothing enters the cache', async () => {
    const root = await tmp();
    const cache = new KernelCache(root);
    const wrong = 'a'.repeat(64);
    const r = await fetchBlob(cache, { name: 'x', url: `${base}/ok`, sha256: wrong }, { ...FAST, signal: new AbortController().signal });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/checksum mismatch: expected sha256 a{64}, got [0-9a-f]{64}/);
    expect(await cache.list()).toEqual([]);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('Ctrl-C (abort) mid-download leaves no temp file behind', async () => {
    const root = await tmp();
    const cache = new KernelCache(root);
    const ac = new AbortController();
    let seen = 0;
    const p = fetchBlob(
      cache,
      { name: 'x', url: `${base}/slow`, sha256: SHA },
      {
        ...FAST,
        signal: ac.signal,
        onProgress: (n) => {
          seen = n;
          if (n > 20_000) ac.abort();
        },
      },
    );
    const r = await p;
    expect(seen).toBeGreaterThan(20_000);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/canceled/);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    expect(await cache.list()).toEqual([]);
  });
});
