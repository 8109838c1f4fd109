// The url and oci sources against local HTTP servers (ghcr.io is unreachable here), serving a real
// Debian kernel: its .deb as is, its image as a tarball and as a raw bzImage, and an OCI image built
// from it behind a registry that demands the anonymous Bearer token flow.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, copyFile, readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchKernels } from '../../src/kernels/index.js';
import { KernelCache } from '../../src/kernels/cache.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { readLock } from '../../src/matrix/lock.js';
import { parseMatrix } from '../../src/matrix/load.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let real: FetchedKernel;
let deb: Buffer;
let tarZst: Buffer;
let image: Buffer;
const blobs = new Map<string, Buffer>(); // digest → bytes (OCI)
const manifests = new Map<string, { type: string; body: Buffer }>(); // tag or digest → manifest
let server: http.Server;
let base: string;
let registry: string;
const TOKEN = 'anon-token-123';
const requests: string[] = [];
let scratch: string;

function addManifest(tag: string, type: string, value: unknown): string {
  const body = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${sha(body)}`;
  manifests.set(tag, { type, body });
  manifests.set(digest, { type, body });
  return digest;
}

function layer(bytes: Buffer, mediaType: string) {
  const digest = `sha256:${sha(bytes)}`;
  blobs.set(digest, bytes);
  return { mediaType, digest, size: bytes.length };
}

beforeAll(async () => {
  // The real kernel: bookworm's cloud image through the project's own fetcher (shared cache).
  const m = parseMatrix({
    kernels: [{ id: '6.1-cloud', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
    boots: [{ name: 'b' }],
    benchmarks: [{ name: 't', type: 'test-run' }],
  });
  if (!m.ok) throw new Error(m.error.join('\n'));
  scratch = mkdtempSync(path.join(os.tmpdir(), 'tm-sources-'));
  const got = await fetchKernels({ matrix: m.value, matrixFile: path.join(scratch, 'matrix.json') });
  if (!got.ok) throw new Error(got.error.map((e) => e.message).join('\n'));
  real = got.value.kernels.get('6.1-cloud') as FetchedKernel;
  const lock = await readLock(path.join(scratch, 'matrix.lock.json'));
  const entry = lock.ok ? lock.value.kernels['6.1-cloud']?.resolved : undefined;
  if (entry?.type !== 'debian' || entry.files[0] === undefined) throw new Error('no lock entry');
  deb = await readFile(KernelCache.fromEnv().blobPath(entry.files[0].sha256));
  image = await readFile(real.vmlinuz);

  // A tarball of boot/ + a couple of modules, zstd-compressed, made by GNU tar.
  const tree = path.join(scratch, 'tree');
  const rel = real.release as string;
  await mkdir(path.join(tree, 'boot'), { recursive: true });
  await copyFile(real.vmlinuz, path.join(tree, 'boot', `vmlinuz-${rel}`));
  await copyFile(real.config as string, path.join(tree, 'boot', `config-${rel}`));
  await mkdir(path.join(tree, 'lib/modules', rel), { recursive: true });
  await copyFile(path.join(real.modulesDir as string, 'modules.order'), path.join(tree, 'lib/modules', rel, 'modules.order'));
  execFileSync('tar', ['--zstd', '-cf', path.join(scratch, 'k.tar.zst'), '-C', tree, '.']);
  tarZst = await readFile(path.join(scratch, 'k.tar.zst'));

  // OCI: layer 1 = /boot/vmlinuz (gzip, cilium/ci-kernels' layout), layer 2 = modules (zstd).
  const l1dir = path.join(scratch, 'l1');
  await mkdir(path.join(l1dir, 'boot'), { recursive: true });
  await copyFile(real.vmlinuz, path.join(l1dir, 'boot', 'vmlinuz'));
  execFileSync('tar', ['-czf', path.join(scratch, 'l1.tgz'), '-C', l1dir, 'boot']);
  const l2dir = path.join(scratch, 'l2');
  await mkdir(path.join(l2dir, 'lib/modules', rel), { recursive: true });
  await copyFile(path.join(real.modulesDir as string, 'modules.order'), path.join(l2dir, 'lib/modules', rel, 'modules.order'));
  execFileSync('tar', ['--zstd', '-cf', path.join(scratch, 'l2.tzst'), '-C', l2dir, 'lib']);
  const config = layer(Buffer.from('{"architecture":"amd64","os":"linux"}'), 'application/vnd.oci.image.config.v1+json');
  const layers = [
    layer(await readFile(path.join(scratch, 'l1.tgz')), 'application/vnd.oci.image.layer.v1.tar+gzip'),
    layer(await readFile(path.join(scratch, 'l2.tzst')), 'application/vnd.oci.image.layer.v1.tar+zstd'),
  ];
  const amd64 = addManifest('amd64-only', 'application/vnd.oci.image.manifest.v1+json', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers,
  });
  const arm = addManifest('arm64-manifest', 'application/vnd.oci.image.manifest.v1+json', { schemaVersion: 2, config, layers: [] });
  addManifest('arm-only', 'application/vnd.oci.image.index.v1+json', {
    schemaVersion: 2,
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: arm, size: 1, platform: { os: 'linux', architecture: 'arm64' } },
    ],
  });
  addManifest('6.1', 'application/vnd.oci.image.index.v1+json', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: arm, size: 1, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amd64, size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  });
  // A tag whose layer digest does not match what the registry serves.
  const lying = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'b'.repeat(64)}`, size: 10 };
  blobs.set(lying.digest, Buffer.from('not the layer'));
  addManifest('tampered', 'application/vnd.oci.image.manifest.v1+json', { schemaVersion: 2, config, layers: [lying] });

  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${req.headers.authorization ? ' (auth)' : ''}`);
    const send = (status: number, body: Buffer | string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
      res.end(body);
    };
    if (url.pathname === '/k.deb') return send(200, deb);
    if (url.pathname === '/k.tar.zst') return send(200, tarZst);
    if (url.pathname === '/bzImage') return send(200, image);
    if (url.pathname === '/token') {
      if (url.searchParams.get('scope') !== 'repository:cilium/ci-kernels:pull' || url.searchParams.get('service') !== 'test-registry')
        return send(400, 'bad scope');
      return send(200, JSON.stringify({ token: TOKEN }), { 'content-type': 'application/json' });
    }
    const m = /^\/v2\/cilium\/ci-kernels\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (m) {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return send(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
          'www-authenticate': `Bearer realm="${base}/token",service="test-registry",scope="repository:cilium/ci-kernels:pull"`,
        });
      }
      if (m[1] === 'manifests') {
        const found = manifests.get(m[2] as string);
        return found
          ? send(200, found.body, { 'content-type': found.type, 'docker-content-digest': `sha256:${sha(found.body)}` })
          : send(404, '');
      }
      const blob = blobs.get(m[2] as string);
      return blob ? send(200, blob) : send(404, '');
    }
    send(404, '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  registry = base.replace('http://', '');
});

afterAll(() => new Promise<void>((r) => server?.close(() => r())));

async function fetchOne(source: Record<string, unknown>, cache: KernelCache) {
  const m = parseMatrix({ kernels: [{ id: 'k', source }], boots: [{ name: 'b' }], benchmarks: [{ name: 't', type: 'test-run' }] });
  if (!m.ok) throw new Error(m.error.join('\n'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-src-'));
  return fetchKernels({ matrix: m.value, matrixFile: path.join(dir, 'matrix.json'), cache });
}

const freshCache = () => new KernelCache(mkdtempSync(path.join(os.tmpdir(), 'tm-srccache-')));

describe('url source', () => {
  it('a .deb: extracted, and the same kernel as the debian source found', async () => {
    const r = await fetchOne({ type: 'url', url: `${base}/k.deb`, sha256: sha(deb) }, freshCache());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const k = r.value.kernels.get('k') as FetchedKernel;
    expect(k.sha256).toBe(real.sha256);
    expect(k.release).toBe(real.release);
    expect(r.value.transferredBytes).toBe(deb.length);
  });

  it('a .tar.zst: extracted, kernel, config and modules found', async () => {
    const r = await fetchOne({ type: 'url', url: `${base}/k.tar.zst`, sha256: sha(tarZst) }, freshCache());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const k = r.value.kernels.get('k') as FetchedKernel;
    expect(k.sha256).toBe(real.sha256);
    expect(k.modulesDir).toMatch(new RegExp(`/lib/modules/${(real.release as string).replace(/[+.]/g, '\\$&')}$`));
    expect(await readFile(k.config as string, 'utf8')).toBe(await readFile(real.config as string, 'utf8'));
  });

  it('a raw bzImage: taken as the kernel image', async () => {
    const r = await fetchOne({ type: 'url', url: `${base}/bzImage`, sha256: sha(image) }, freshCache());
    expect(r.ok && r.value.kernels.get('k')?.sha256).toBe(real.sha256);
  });

  it('a wrong sha256: an error naming both hashes, and nothing enters the cache', async () => {
    const cache = freshCache();
    const r = await fetchOne({ type: 'url', url: `${base}/k.deb`, sha256: 'c'.repeat(64) }, cache);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error[0]?.message).toMatch(new RegExp(`checksum mismatch: expected sha256 c{64}, got ${sha(deb)}`));
    expect(await cache.list()).toEqual([]);
    expect(await readdir(path.join(cache.root, 'tmp'))).toEqual([]);
  });
});

describe('oci source', () => {
  it('follows the token flow and the index to linux/amd64, verifies every blob, lays the layers out', async () => {
    const cache = freshCache();
    requests.length = 0;
    const r = await fetchOne({ type: 'oci', image: `${registry}/cilium/ci-kernels:6.1` }, cache);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const k = r.value.kernels.get('k') as FetchedKernel;
    expect(k.vmlinuz).toMatch(/\/root\/boot\/vmlinuz$/);
    expect(k.sha256).toBe(real.sha256);
    expect(k.release).toBe(real.release);
    expect(k.origin).toMatch(new RegExp(`^oci:${registry}/cilium/ci-kernels:6\\.1@sha256:[0-9a-f]{64}$`));
    expect(requests[0]).toBe('GET /v2/cilium/ci-kernels/manifests/6.1');
    expect(requests[1]).toBe('GET /token');
    expect(requests.filter((q) => q.includes('/blobs/')).every((q) => q.endsWith('(auth)'))).toBe(true);
    // Only the amd64 manifest's layers were pulled.
    expect(requests.filter((q) => q.includes('/blobs/'))).toHaveLength(2);
  });

  it('an index without linux/amd64 is an error that lists what it has', async () => {
    const r = await fetchOne({ type: 'oci', image: `${registry}/cilium/ci-kernels:arm-only` }, freshCache());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error[0]?.message).toMatch(/cilium\/ci-kernels:arm-only: no linux\/amd64 image in the index \(has linux\/arm64\)/);
  });

  it('a layer whose bytes do not match its digest: error, nothing in the cache', async () => {
    const cache = freshCache();
    const r = await fetchOne({ type: 'oci', image: `${registry}/cilium/ci-kernels:tampered` }, cache);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error[0]?.message).toMatch(/checksum mismatch/);
    expect((await cache.list()).filter((e) => e.kind !== 'indexes')).toEqual([]);
  });

  it('an unknown tag is reported as not found', async () => {
    const r = await fetchOne({ type: 'oci', image: `${registry}/cilium/ci-kernels:9.9` }, freshCache());
    expect(!r.ok && r.error[0]?.message).toMatch(/cilium\/ci-kernels:9\.9: not found/);
  });
});
