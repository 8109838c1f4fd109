// The runner killed from outside, as CI systems do it (GitHub: SIGINT, then SIGTERM, then SIGKILL): a
// real Debian kernel under TCG in the hermetic QEMU backend. SIGKILL runs no handler at all, so what
// stops QEMU there is the reaper (src/util/reaper.ts); SIGTERM is handled like Ctrl-C.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { ownerOf } from '../../src/util/work-dir.js';
import { startCli } from '../support/run-cli.js';

const KERNEL = { id: '5.10-cloud', source: { type: 'debian', suite: 'bullseye', package: 'linux-image-cloud-amd64' } };

let dir: string;
let tmp: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-runner-death-'));
  tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  const matrix = {
    kernels: [KERNEL],
    boots: [
      { name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' },
      { name: 'off', cmdline: 'spectre_v2=off' },
    ],
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 2, samples: 2, repeat: 100 } }],
    runner: { backend: 'qemu', accel: 'tcg', timeoutSec: 300, parallel: 1 },
  };
  await writeFile(path.join(dir, 'matrix.json'), JSON.stringify(matrix, null, 2));
  await copyFile(path.join(PACKAGE_ROOT, 'matrix.lock.json'), path.join(dir, 'matrix.lock.json'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => startCli(args, { env: { TMPDIR: tmp } });
const runArgs = () => ['run', '-m', path.join(dir, 'matrix.json'), '--results', path.join(dir, 'results')];

async function ourQemus(): Promise<string> {
  return (await execa('pgrep', ['-af', `qemu-system.*${tmp}`], { reject: false })).stdout.trim();
}

async function until(what: string, test: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await test()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

async function cellFiles(): Promise<string[]> {
  const runs = existsSync(path.join(dir, 'results')) ? await readdir(path.join(dir, 'results')) : [];
  const cells = runs[0] ? path.join(dir, 'results', runs[0], 'cells') : '';
  // Finished cell files only: writeFileAtomic's temp file (.name.tmp-…) sits there while it syncs.
  return cells && existsSync(cells) ? (await readdir(cells)).filter((n) => !n.startsWith('.')) : [];
}

describe('the runner killed from outside', () => {
  it("SIGKILL mid-cell: its QEMU is gone within seconds; the next run removes the dead run's work folder", async () => {
    const child = cli(...runArgs());
    await until('a QEMU of the run', async () => (await ourQemus()) !== '', 600_000);
    const leftBefore = (await readdir(tmp)).filter((n) => n.startsWith('tailmatrix-'));
    expect(leftBefore.some((n) => ownerOf(n) === child.pid)).toBe(true);
    child.kill('SIGKILL');
    const res = await child;
    expect(res.signal).toBe('SIGKILL');
    const goneMs = await until('QEMU gone after SIGKILL of the runner', async () => (await ourQemus()) === '', 5_000);
    console.log(`SIGKILL: QEMU gone ${goneMs} ms after the runner died`);
    // SIGKILL left the cell's work folder: nobody could remove it.
    expect((await readdir(tmp)).some((n) => ownerOf(n) === child.pid)).toBe(true);
    (globalThis as { deadRunner?: number }).deadRunner = child.pid;
  });

  it('SIGTERM mid-run: exit 130, the finished cell kept, the --resume line, no QEMU; --resume finishes', async () => {
    const dead = (globalThis as { deadRunner?: number }).deadRunner;
    await rm(path.join(dir, 'results'), { recursive: true, force: true });
    const child = cli(...runArgs());
    await until('the first cell file', async () => (await cellFiles()).length > 0, 600_000);
    // A later run noticed the work folder of the SIGKILLed one and removed it.
    expect((await readdir(tmp)).filter((n) => dead !== undefined && ownerOf(n) === dead)).toEqual([]);
    await until('the second cell booting', async () => (await ourQemus()) !== '', 120_000);
    const sent = Date.now();
    child.kill('SIGTERM');
    const res = await child;
    console.log(`SIGTERM: exit ${res.exitCode} after ${Date.now() - sent} ms`);
    expect(res.exitCode).toBe(EXIT.interrupted);
    const runId = /--resume ([\w-]+)/.exec(res.all ?? '')?.[1];
    expect(runId, res.all).toBeDefined();
    expect(await ourQemus()).toBe('');
    expect(await cellFiles()).toHaveLength(1);
    const resumed = await cli(...runArgs(), '--resume', runId!);
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.all).toContain('1 already done');
    expect((await cellFiles()).sort()).toEqual(['5.10-cloud__off__test-run.json', '5.10-cloud__retpoline__test-run.json']);
    expect((await readdir(tmp)).filter((n) => n.startsWith('tailmatrix-'))).toEqual([]);
  });
});
