// Resolving Debian's linux-source-X through a suite's Packages index, served by a local HTTP server
// laid out like the archive (dists/<suite>/main/binary-amd64/Packages.xz).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePackages, resolveDebianSource } from '../../src/kernels/from-source/debian-source.js';
import { makeArgs } from '../../src/kernels/from-source/make.js';
import { runOrThrow } from '../../src/util/exec.js';

// Bookworm's main index really lists two linux-source-6.1 versions (a point release and its update).
const PACKAGES = `Package: linux-source-6.1
Version: 6.1.170-3
Architecture: all
Filename: pool/main/l/linux/linux-source-6.1_6.1.170-3_all.deb
Size: 139047704
SHA256: ${'1'.repeat(64)}
Description: Linux kernel source for version 6.1 with Debian patches

Package: linux-source-6.1
Version: 6.1.176-1
Architecture: all
Filename: pool/main/l/linux/linux-source-6.1_6.1.176-1_all.deb
Size: 139131140
SHA256: ${'2'.repeat(64)}
Description: Linux kernel source for version 6.1 with Debian patches
 continuation line: ignored

Package: linux-source
Version: 6.1.176-1
Filename: pool/main/l/linux/linux-source_6.1.176-1_all.deb
SHA256: ${'3'.repeat(64)}
`;

let server: http.Server;
let mirror: string;
const requests: string[] = [];

beforeAll(async () => {
  const xz = await runOrThrow('xz', ['-c'], { input: PACKAGES, binary: true });
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/debian/dists/bookworm/main/binary-amd64/Packages.xz') res.end(Buffer.from(xz.stdoutBytes!));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`;
});
afterAll(() => {
  server?.close();
});

describe('linux-source from a Packages index', () => {
  it('parses stanzas and keeps single-line fields', () => {
    const s = parsePackages(PACKAGES);
    expect(s.map((x) => `${x.Package} ${x.Version}`)).toEqual(['linux-source-6.1 6.1.170-3', 'linux-source-6.1 6.1.176-1', 'linux-source 6.1.176-1']);
  });

  it('picks the newest version and gives its URL and SHA256', async () => {
    const r = await resolveDebianSource({ suite: 'bookworm', package: 'linux-source-6.1', mirror: `${mirror}/` });
    expect(r).toEqual({
      ok: true,
      value: {
        package: 'linux-source-6.1',
        version: '6.1.176-1',
        url: `${mirror}/pool/main/l/linux/linux-source-6.1_6.1.176-1_all.deb`,
        sha256: '2'.repeat(64),
        size: 139131140,
      },
    });
    expect(requests).toContain('/debian/dists/bookworm/main/binary-amd64/Packages.xz');
  });

  it('an unknown package or suite is the matrix at fault', async () => {
    const pkg = await resolveDebianSource({ suite: 'bookworm', package: 'linux-source-4.19', mirror });
    expect(pkg).toEqual({ ok: false, error: { badInput: true, message: 'bookworm has no package "linux-source-4.19" (e.g. linux-source-6.1 in bookworm)' } });
    const suite = await resolveDebianSource({ suite: 'bookwrom', package: 'linux-source-6.1', mirror });
    expect(suite.ok).toBe(false);
    expect(!suite.ok && typeof suite.error !== 'string' && suite.error.badInput).toBe(true);
  });
});

describe('make command line', () => {
  it('builds out of tree for x86_64 with the chosen compiler and job count', () => {
    expect(makeArgs({ srcTree: '/c/src/tree', objDir: '/c/objs/x', jobs: 2, cc: 'ccache gcc' }, ['all'])).toEqual([
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
});
