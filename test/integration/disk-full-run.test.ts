// A full disk outside the download path (issue 19): the results on a small tmpfs (a real native cell
// on this host), and the temp dir where the initramfs is written on a small tmpfs (a real Debian kernel
// under TCG). Each ends with exit 69, the size needed and where, run.json `failed` (never `running`),
// no temp or partial files, no stack trace. Needs root (mount).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { readSettings, type Snapshot } from '../../src/vm/native-settings.js';
import { startCli } from '../support/run-cli.js';

let dir: string;
const mounts: string[] = [];
let found: Snapshot;

async function tmpfs(name: string, size: string): Promise<string> {
  const p = path.join(dir, name);
  await mkdir(p);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', p]);
  mounts.push(p);
  return p;
}

beforeAll(async () => {
  if (process.geteuid?.() !== 0) throw new Error('test/integration/disk-full-run.test.ts mounts tmpfs and must run as root');
  found = readSettings();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-diskfull-'));
});
afterAll(async () => {
  for (const m of mounts) execFileSync('umount', ['--lazy', m]);
  for (const [name, value] of Object.entries(found ?? {})) {
    const f = path.join('/proc/sys', ...name.split('.'));
    if (value !== null && readFileSync(f, 'utf8').trim() !== value) execFileSync('sh', ['-c', `echo ${value} > ${f}`]);
  }
  await rm(dir, { recursive: true, force: true });
});

/** Every file under `root`, relative. */
function filesUnder(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).sort();
}

function runJson(results: string): { status: string } {
  const [run] = readdirSync(results);
  return JSON.parse(readFileSync(path.join(results, run as string, 'run.json'), 'utf8'));
}

const noTrace = /\n\s+at .*\.(ts|js):\d+/;

describe('disk full outside the download path', { timeout: 600_000 }, () => {
  it('the results on a 48 KiB tmpfs, a real native cell: exit 69, where and how much, run.json failed, no temp files', async () => {
    const results = await tmpfs('results', '48k');
    const matrix = path.join(dir, 'native.json');
    await writeFile(
      matrix,
      JSON.stringify({
        kernels: [{ id: 'host', source: { type: 'running' } }],
        boots: [{ name: 'b' }],
        benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 8, samples: 5, repeat: 20_000 } }],
      }),
    );
    const r = await startCli(['run', '-m', matrix, '--results', results, '--unharden-host'], { env: { ...process.env } });
    expect(r.exitCode, r.all).toBe(69);
    expect(r.all).toMatch(new RegExp(`no space left on the disk of ${results}.* writing .*: \\d+\\.\\d+ MiB needed, \\d+\\.\\d+ MiB free`));
    expect(r.all).not.toMatch(noTrace);
    expect(runJson(results).status).toBe('failed');
    expect(filesUnder(results).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('the temp dir (the initramfs) on a 1 MiB tmpfs, a real Debian kernel under TCG: exit 69 before QEMU, run.json failed', async () => {
    const tmp = await tmpfs('tmp', '1m');
    const matrix = path.join(dir, 'vm.json');
    await writeFile(
      matrix,
      JSON.stringify({
        kernels: [{ id: '6.1-cloud', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
        boots: [{ name: 'b' }],
        benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 2, samples: 2, repeat: 100 } }],
        runner: { backend: 'qemu', accel: 'tcg', timeoutSec: 300 },
      }),
    );
    await copyFile(path.join(PACKAGE_ROOT, 'matrix.lock.json'), path.join(dir, 'vm.lock.json'));
    const results = path.join(dir, 'vm-results');
    const r = await startCli(['run', '-m', matrix, '--results', results], { env: { ...process.env, TMPDIR: tmp } });
    expect(r.exitCode, r.all).toBe(69);
    expect(r.all).toMatch(new RegExp(`no space left on the disk of ${tmp}.*: \\d+\\.\\d+ MiB needed, \\d+\\.\\d+ MiB free`));
    expect(r.all).not.toMatch(noTrace);
    expect(runJson(results).status).toBe('failed');
    expect(filesUnder(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
