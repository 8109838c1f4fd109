// The two-layer OCI attack of issue 19, served by a local registry (node:http on 127.0.0.1) and fetched
// with the real CLI (`tailmatrix fetch`): layer 1 holds `x -> <outside>`, which is allowed, and layer 2
// hides `x/secret` (overwriting a file outside) and `x/new` in a form a second tar reader would
// interpret differently — a GNU sparse (`S`) or unknown (`Z`) typeflag entry, or a PAX header over 1 MiB
// carrying `path=`. The archives are real tar bytes: GNU tar's own listing is asserted to see the hidden
// path, so each is the attack GNU tar would have carried out.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/run-cli.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One 512-byte ustar header with a valid checksum. */
function header(name: string, type: string, size: number, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0' + '00', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function body(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function tarOf(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

function file(name: string, data: string, type = '0'): Buffer {
  const d = Buffer.from(data);
  return Buffer.concat([header(name, type, d.length), body(d)]);
}

function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len += 1;
  return `${len}${rest}`;
}

/** A PAX header over 1 MiB (a huge comment) whose `path=` renames the next entry. */
function bigPax(hiddenPath: string): Buffer {
  const records = Buffer.from(paxRecord('comment', 'A'.repeat(1024 * 1024 + 10)) + paxRecord('path', hiddenPath));
  return Buffer.concat([header('PaxHeaders/harmless', 'x', records.length), body(records)]);
}

let server: http.Server;
let registry: string;
const manifests = new Map<string, Buffer>();
const blobs = new Map<string, Buffer>();

function image(tag: string, layers: Buffer[]): void {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  blobs.set(`sha256:${sha(config)}`, config);
  const descs = layers.map((l) => {
    const gz = gzipSync(l);
    blobs.set(`sha256:${sha(gz)}`, gz);
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(gz)}`, size: gz.length };
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: descs,
    }),
  );
  manifests.set(tag, manifest);
  manifests.set(`sha256:${sha(manifest)}`, manifest);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const m = /^\/v2\/evil\/kernel\/(manifests|blobs)\/(.+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const found = m ? (m[1] === 'manifests' ? manifests : blobs).get(m[2] as string) : undefined;
    if (found === undefined) {
      res.writeHead(404, { 'content-length': 0 });
      return res.end();
    }
    const headers: Record<string, string | number> = { 'content-length': found.length };
    if (m?.[1] === 'manifests') {
      headers['content-type'] = 'application/vnd.oci.image.manifest.v1+json';
      headers['docker-content-digest'] = `sha256:${sha(found)}`;
    }
    res.writeHead(200, headers);
    res.end(found);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A victim folder with one existing file, the image, and `tailmatrix fetch` of it into a fresh cache. */
async function attack(tag: string, hidden: (name: string) => Buffer) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-ociattack-'));
  const outside = path.join(dir, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret'), 'host file\n');
  const layer1 = tarOf(header('x', '2', 0, outside), file('boot/vmlinuz', 'not a kernel'));
  const layer2 = tarOf(hidden('x/secret'), hidden('x/new'));
  await writeFile(path.join(dir, 'layer2.tar'), layer2);
  // What GNU tar (the extractor before issue 19) makes of layer 2: the hidden paths.
  let gnuSees: string;
  try {
    gnuSees = execFileSync('tar', ['-tf', path.join(dir, 'layer2.tar')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    gnuSees = `tar failed: ${(e as Error).message}`;
  }
  image(tag, [layer1, layer2]);
  await writeFile(
    path.join(dir, 'matrix.json'),
    JSON.stringify({
      kernels: [{ id: 'evil', source: { type: 'oci', image: `${registry}/evil/kernel:${tag}` } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    }),
  );
  const cache = path.join(dir, 'cache');
  const r = await startCli(['fetch', '-m', path.join(dir, 'matrix.json')], { env: { ...process.env, TAILMATRIX_CACHE: cache } });
  return { r, outside, cache, gnuSees };
}

describe('two-layer OCI attack through `tailmatrix fetch`', { timeout: 120_000 }, () => {
  for (const [form, hidden] of [
    ['a GNU sparse (S) entry', (n: string) => file(n, 'owned\n', 'S')],
    ['an unknown GNU (Z) typeflag entry', (n: string) => file(n, 'owned\n', 'Z')],
    ['a PAX header over 1 MiB with path=', (n: string) => Buffer.concat([bigPax(n), file('harmless', 'owned\n')])],
  ] as const) {
    it(`layer 2 hiding x/secret and x/new as ${form}: fails closed, nothing written outside`, async () => {
      const { r, outside, cache, gnuSees } = await attack(form.replace(/[^a-z0-9]+/gi, '-'), hidden);
      expect(gnuSees).toContain('x/secret');
      expect(r.exitCode).toBe(69);
      expect(r.all).toMatch(/refusing archive/);
      expect(r.all).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
      expect((await readdir(outside)).sort()).toEqual(['secret']);
      expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('host file\n');
      // No kernel entered the cache.
      expect(await readdir(path.join(cache, 'kernels')).catch(() => [])).toEqual([]);
    });
  }

  it('a layer with a bad header checksum: a clean error (exit 69, the byte offset), no crash', async () => {
    const { r, outside } = await attack('bad-checksum', (n) => {
      const f = file(n, 'x');
      f[0] = (f[0] as number) ^ 0x01;
      return f;
    });
    expect(r.exitCode).toBe(69);
    expect(r.all).toMatch(/header at byte 0 has a bad checksum/);
    expect(r.all).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
    expect((await readdir(outside)).sort()).toEqual(['secret']);
  });
});
