// `run`, `fetch` and `build` meet the same failure → the same exit code (one mapping, src/cli/exit-codes.ts).
// Real CLI processes; the failing server is a local node:http one that answers 404.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/run-cli.js';

let dir: string;
let server: http.Server;
let base: string;
const SHA = 'a'.repeat(64);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-exit-'));
  server = http.createServer((_req, res) => res.writeHead(404).end('gone'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function matrixWith(name: string, source: unknown): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(
    file,
    JSON.stringify({
      kernels: [{ id: 'k', source }],
      boots: [{ name: 'off', cmdline: 'spectre_v2=off' }],
      benchmarks: [{ name: 'test-run', type: 'test-run' }],
    }),
  );
  return file;
}

async function codes(matrix: string, build: string[]) {
  const cacheEnv = { TAILMATRIX_CACHE: path.join(dir, 'cache') };
  const [run, fetch, built] = await Promise.all([
    startCli(['run', '-m', matrix, '--results', path.join(dir, 'results'), '--accel', 'tcg'], { env: cacheEnv }),
    startCli(['fetch', '-m', matrix], { env: cacheEnv }),
    startCli(['build', ...build], { env: cacheEnv }),
  ]);
  return { run: run.exitCode, fetch: fetch.exitCode, build: built.exitCode, output: [run.all, fetch.all, built.all] };
}

describe('same failure, same exit code', () => {
  it('a kernel tree that does not exist is bad input (64) for run, fetch and build', async () => {
    const missing = path.join(dir, 'no-such-tree');
    const c = await codes(await matrixWith('tree', { type: 'build', tree: missing }), ['--tree', missing]);
    expect({ run: c.run, fetch: c.fetch, build: c.build }).toEqual({ run: 64, fetch: 64, build: 64 });
    for (const out of c.output) expect(out).toContain(missing);
  });

  it('a source server that answers 404 is unavailable infrastructure (69) for run, fetch and build', async () => {
    const url = `${base}/linux.tar.xz`;
    const c = await codes(await matrixWith('url', { type: 'url', url, sha256: SHA }), ['--tarball', url, '--sha256', SHA]);
    expect({ run: c.run, fetch: c.fetch, build: c.build }).toEqual({ run: 69, fetch: 69, build: 69 });
    for (const out of c.output) expect(out).toMatch(/404/);
  });
});
