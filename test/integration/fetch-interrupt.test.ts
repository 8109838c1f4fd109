// Ctrl-C during `tailmatrix fetch`: the real CLI in a child process, a slow local server, SIGINT
// mid-download → exit 130, no temp file and nothing half-written in the cache.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const BODY = Buffer.alloc(4 * 1024 * 1024, 7);
let server: http.Server;
let base: string;
let sent = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    let off = 0;
    const t = setInterval(() => {
      if (res.destroyed || off >= BODY.length) return clearInterval(t);
      res.write(BODY.subarray(off, off + 16384));
      off += 16384;
      sent = off;
    }, 10);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('SIGINT mid-download exits 130 and leaves no temp files', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-int-'));
  const cache = path.join(dir, 'cache');
  const matrixFile = path.join(dir, 'matrix.json');
  const sha = createHash('sha256').update(BODY).digest('hex');
  await writeFile(
    matrixFile,
    JSON.stringify({
      kernels: [{ id: 'slow', source: { type: 'url', url: `${base}/slow.deb`, sha256: sha } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    }),
  );
  const script = `import { main } from ${JSON.stringify(path.join(PACKAGE_ROOT, 'src/cli/main.ts'))}; process.exitCode = await main(['node', 'tailmatrix', 'fetch', '--verbose', '-m', ${JSON.stringify(matrixFile)}]);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, TAILMATRIX_CACHE: cache, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += String(c)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Wait until the download is well under way (some bytes out, far from done).
  const started = Date.now();
  while (sent < 256 * 1024 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
  expect(sent).toBeGreaterThanOrEqual(256 * 1024);
  expect(sent).toBeLessThan(BODY.length);
  child.kill('SIGINT');
  const code = await exited;
  expect(code, stderr).toBe(EXIT.interrupted);
  expect(await readdir(path.join(cache, 'tmp'))).toEqual([]);
  const blobs = await readdir(path.join(cache, 'blobs', 'sha256')).catch(() => []);
  expect(blobs).toEqual([]);
});
