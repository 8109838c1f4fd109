// Lockfile rot against a real local node:http mirror that stops serving a pinned .deb (as Debian's pool
// drops superseded packages), with and without a snapshot archive that still has it.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelCache } from '../../src/kernels/cache.js';
import { fetchBlob } from '../../src/kernels/blob.js';
import { snapshotUrl } from '../../src/kernels/pinned-gone.js';

const DEB = Buffer.from('!<arch>\npretend this is linux-image-6.1.0-9-cloud-amd64');
const SHA = createHash('sha256').update(DEB).digest('hex');
const POOL = '/pool/main/l/linux-signed-amd64/linux-image-6.1.0-9-cloud-amd64_6.1.27-1_amd64.deb';
let mirrorServes = true;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const serve = (url === `/debian${POOL}` && mirrorServes) || url === `/snapshot/archive/debian/20230601T000000Z${POOL}`;
    res.writeHead(serve ? 200 : 404, serve ? { 'content-length': DEB.length } : {});
    res.end(serve ? DEB : undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const pinned = () => ({
  name: 'linux-image-6.1.0-9-cloud-amd64',
  version: '6.1.27-1',
  url: `${base}/debian${POOL}`,
  sha256: SHA,
  size: DEB.length,
});
const fresh = async () => new KernelCache(await mkdtemp(path.join(os.tmpdir(), 'tm-rot-')));
const signal = new AbortController().signal;

describe('a pinned file gone from the mirror', () => {
  it('maps a pool URL onto the snapshot archive, and nothing else', () => {
    expect(
      snapshotUrl('https://deb.debian.org/debian/pool/main/l/x.deb', 'https://snapshot.debian.org/archive/debian/20230601T000000Z/'),
    ).toBe('https://snapshot.debian.org/archive/debian/20230601T000000Z/pool/main/l/x.deb');
    expect(snapshotUrl('https://example.org/kernels/bzImage', 'https://snapshot.debian.org/archive/debian/1')).toBeUndefined();
    expect(snapshotUrl('https://deb.debian.org/debian/pool/main/l/x.deb', undefined)).toBeUndefined();
  });

  it('without a snapshot: fails naming the file, its lock entry and `tailmatrix lock`, nothing in the cache', async () => {
    const before = await fetchBlob(await fresh(), pinned(), { signal, lockEntry: '6.1-cloud' });
    expect(before.ok).toBe(true);
    mirrorServes = false;
    const cache = await fresh();
    const r = await fetchBlob(cache, pinned(), { signal, lockEntry: '6.1-cloud' });
    expect(r.ok).toBe(false);
    const message = r.ok ? '' : r.error;
    expect(message).toContain(
      `the pinned file linux-image-6.1.0-9-cloud-amd64 6.1.27-1 (sha256 ${SHA}) is gone (HTTP 404 from ${base}/debian${POOL})`,
    );
    expect(message).toContain('matrix.lock.json → kernels["6.1-cloud"]');
    expect(message).toContain('`tailmatrix lock --kernel 6.1-cloud`');
    expect(message).toContain('set "snapshot" in matrix.json');
    expect(await cache.list()).toEqual([]);
    expect(await readdir(path.join(cache.root, 'tmp'))).toEqual([]);
  });

  it('with a snapshot in matrix.json: the same verified bytes come from the archive', async () => {
    mirrorServes = false;
    const cache = await fresh();
    const r = await fetchBlob(cache, pinned(), {
      signal,
      lockEntry: '6.1-cloud',
      snapshot: `${base}/snapshot/archive/debian/20230601T000000Z`,
    });
    expect(r.ok && r.value.path).toBe(cache.blobPath(SHA));
    const gone = await fetchBlob(await fresh(), pinned(), {
      signal,
      lockEntry: '6.1-cloud',
      snapshot: `${base}/snapshot/archive/debian/19990101T000000Z`,
    });
    expect(!gone.ok && gone.error).toContain(`and from ${base}/snapshot/archive/debian/19990101T000000Z${POOL}`);
  });
});
