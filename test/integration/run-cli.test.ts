// `tailmatrix run` end to end, as a user runs it: a real Debian kernel under TCG through the hermetic
// QEMU backend, real cell files and reports, Ctrl-C in the middle, --resume, --dry-run, bad input.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { cellResult } from '../../src/results/cell-result.js';
import { startCli } from '../support/run-cli.js';

const KERNEL = { id: '5.10-cloud', source: { type: 'debian', suite: 'bullseye', package: 'linux-image-cloud-amd64' } };

let dir: string;
let tmp: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-run-cli-'));
  tmp = path.join(dir, 'tmp');
  await execa('mkdir', ['-p', tmp]);
  const matrix = {
    kernels: [KERNEL],
    boots: [
      { name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' },
      { name: 'off', cmdline: 'spectre_v2=off' },
    ],
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 4, samples: 3, repeat: 200 } }],
    runner: { backend: 'qemu', accel: 'auto', timeoutSec: 300, parallel: 1 },
  };
  await writeFile(path.join(dir, 'matrix.json'), JSON.stringify(matrix, null, 2));
  // Same source as the project's matrix, so its lock entry pins the same package (no index download).
  await copyFile(path.join(PACKAGE_ROOT, 'matrix.lock.json'), path.join(dir, 'matrix.lock.json'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => startCli(args, { env: { TMPDIR: tmp } });
const runArgs = () => ['run', '-m', path.join(dir, 'matrix.json'), '--results', path.join(dir, 'results')];

async function runDirs(): Promise<string[]> {
  return existsSync(path.join(dir, 'results')) ? (await readdir(path.join(dir, 'results'))).sort() : [];
}

/** QEMU processes that belong to this test: their files live under our TMPDIR. */
async function ourQemus(): Promise<string> {
  const ps = await execa('pgrep', ['-af', `qemu-system.*${tmp}`], { reject: false });
  return ps.stdout.trim();
}

describe('tailmatrix run', () => {
  it('rejects a malformed matrix with every error and its path, exit 64', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ kernels: [{ id: 'x', source: { type: 'url', url: 'nope', sha256: 'abc' } }], boots: [], benchmarks: [] }),
    );
    const res = await cli('run', '-m', bad);
    expect(res.exitCode).toBe(EXIT.badInput);
    expect(res.all).toContain('kernels[0].source.url');
    expect(res.all).toContain('kernels[0].source.sha256');
    expect(res.all).toContain('boots');
  });

  it('--dry-run prints the exact QEMU command of every cell and boots nothing', async () => {
    const res = await cli(...runArgs(), '--dry-run', '--accel', 'tcg');
    expect(res.exitCode).toBe(0);
    const commands = res.stdout.split('\n').filter((l) => l.startsWith('qemu-system-x86_64 '));
    expect(commands).toHaveLength(2);
    expect(commands[0]).toContain('spectre_v2=retpoline,generic');
    expect(commands[1]).toContain('spectre_v2=off');
    expect(commands.every((c) => c.includes('-accel tcg'))).toBe(true);
    // timing auto under TCG: exact instruction counts, with the sweep derived for them.
    expect(commands.every((c) => c.includes('-icount shift=3,sleep=off'))).toBe(true);
    expect(res.stdout).toContain("TM_AGENT_ARGS='--max-depth 4 --samples 3 --repeat 1 ");
    const timed = await cli(...runArgs(), '--dry-run', '--accel', 'tcg', '--timing', 'timed');
    expect(timed.exitCode).toBe(0);
    const timedCommands = timed.stdout.split('\n').filter((l) => l.startsWith('qemu-system-x86_64 '));
    expect(timedCommands).toHaveLength(2);
    expect(timedCommands.some((c) => c.includes('-icount'))).toBe(false);
    expect(timed.stdout).toContain("TM_AGENT_ARGS='--max-depth 4 --samples 3 --repeat 200 ");
    expect(await runDirs()).toEqual([]);
  });

  it('--dry-run with a kernel image given by path leaves no result folder behind for `report results/*` to trip on', async () => {
    const fetched = await cli('fetch', '-m', path.join(dir, 'matrix.json'));
    expect(fetched.exitCode, fetched.all).toBe(0);
    const vmlinuz = fetched.stdout.trim().split('\t')[2]!;
    expect(existsSync(vmlinuz)).toBe(true);
    const res = await cli(...runArgs(), '--dry-run', '-q', '--accel', 'tcg', '--kernel', vmlinuz, '--boot', 'off');
    expect(res.exitCode, res.all).toBe(0);
    expect(res.stdout).toContain(`-kernel ${vmlinuz}`);
    // --arch says what the image is: an x86 bzImage given as arm64 is refused before anything boots, saying what it is.
    const wrong = await cli(...runArgs(), '--dry-run', '--accel', 'tcg', '--kernel', vmlinuz, '--arch', 'arm64', '--boot', 'off');
    expect(wrong.exitCode, wrong.all).toBe(EXIT.badInput);
    expect(wrong.all).toMatch(
      /is not an arm64 Image: an x86 bzImage: give the kernel `"arch": "amd64"` \(the default; run: `--arch amd64`\)/,
    );
    expect(wrong.all).not.toContain('qemu-system-aarch64 ');
    expect(await runDirs()).toEqual([]);
  });

  it('--kernel ID=PATH names the user kernel in the cells; -j/--jobs is cells at once; --make-jobs without --tree is refused', async () => {
    const fetched = await cli('fetch', '-m', path.join(dir, 'matrix.json'));
    expect(fetched.exitCode, fetched.all).toBe(0);
    const vmlinuz = fetched.stdout.trim().split('\t')[2]!;
    const res = await cli(
      ...runArgs(),
      '--dry-run',
      '-q',
      '--accel',
      'tcg',
      '-j',
      '1',
      '--kernel',
      `mine=${vmlinuz}`,
      '--compare-with',
      '5.10-cloud',
      '--boot',
      'off',
    );
    expect(res.exitCode, res.all).toBe(0);
    // Each cell's commands under its id ("# <cell id>"): the user's kernel under the id it was given.
    expect(
      res.stdout
        .split('\n')
        .filter((l) => /^# [^ ]+$/.test(l))
        .sort(),
    ).toEqual(['# 5.10-cloud__off__test-run', '# mine__off__test-run']);
    expect(res.stdout).toContain(`-kernel ${vmlinuz}`);
    const clash = await cli(...runArgs(), '--dry-run', '--kernel', `5.10-cloud=${vmlinuz}`, '--compare-with', '5.10-cloud');
    expect(clash.exitCode).toBe(EXIT.badInput);
    expect(clash.all).toContain('the id "5.10-cloud" is already a kernel of the matrix');
    const jobs = await cli(...runArgs(), '--dry-run', '--make-jobs', '4');
    expect(jobs.exitCode).toBe(EXIT.badInput);
    expect(jobs.all).toContain('--make-jobs needs --tree');
    expect(await runDirs()).toEqual([]);
  });

  it('plan --json lists the cells with their kernel, boot, command line and benchmark', async () => {
    const res = await cli('plan', '--json', '-m', path.join(dir, 'matrix.json'));
    expect(res.exitCode).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([
      {
        id: '5.10-cloud__retpoline__test-run',
        kernel: '5.10-cloud',
        boot: 'retpoline',
        cmdline: 'spectre_v2=retpoline,generic',
        bench: 'test-run',
        replicate: 0,
      },
      { id: '5.10-cloud__off__test-run', kernel: '5.10-cloud', boot: 'off', cmdline: 'spectre_v2=off', bench: 'test-run', replicate: 0 },
    ]);
  });

  it('Ctrl-C mid-run keeps the finished cell, leaves no QEMU, and --resume runs only what is missing', async () => {
    // -q: no progress, but the run directory on stdout (scripts need it even when the run is interrupted).
    const child = cli(...runArgs(), '-q');
    // Wait for the first cell file, then interrupt while the second cell is booting.
    const started = Date.now();
    let cells: string[] = [];
    while (Date.now() - started < 600_000) {
      const [run] = await runDirs();
      const cellDir = run ? path.join(dir, 'results', run, 'cells') : '';
      // Finished cell files only: writeFileAtomic's temp file (.name.tmp-…) sits there while it syncs.
      cells = cellDir && existsSync(cellDir) ? (await readdir(cellDir)).filter((n) => !n.startsWith('.')) : [];
      if (cells.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(cells).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3_000));
    child.kill('SIGINT');
    const res = await child;
    expect(res.exitCode).toBe(EXIT.interrupted);
    expect(res.all).toMatch(/--resume \S+/);
    expect(await ourQemus()).toBe('');

    const [runId] = await runDirs();
    const runDir = path.join(dir, 'results', runId!);
    expect(res.stdout.trim()).toBe(runDir);
    const meta = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
    expect(await readdir(path.join(runDir, 'cells'))).toEqual(cells);
    const first = cellResult.parse(JSON.parse(await readFile(path.join(runDir, 'cells', cells[0]!), 'utf8')));
    expect(first.status).toBe('ok');
    // Probed by booting: KVM is broken on this kind of machine, so the run says TCG and why.
    expect(meta.accelerator).toBe('tcg');
    expect(first.emulated).toBe(true);

    const resumed = await cli(...runArgs(), '--resume', runId!, '--json');
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.all).toContain('1 already done');
    // Plain progress (CI): output lines name their cell, a finished cell its time, the step done/total.
    expect(resumed.stderr).toMatch(/\[OUTPUT\] 5\.10-cloud__(off|retpoline)__test-run: /);
    expect(resumed.stderr).toMatch(/\[COMPLETED\] 5\.10-cloud__(off|retpoline)__test-run: .*\(\d+ s\)/);
    expect(resumed.stderr).toMatch(/\[COMPLETED\] Run cells.*: 1\/1 done/);
    expect(resumed.stderr.split('\n')[0]).toMatch(/^Preparing the run/);
    // --json: stdout is one JSON document with the run directory, the verdict and the cells this invocation ran.
    expect(JSON.parse(resumed.stdout)).toEqual({
      runDir,
      runId,
      verdict: 'ok',
      exitCode: 0,
      cells: [
        {
          id: cells[0] === '5.10-cloud__off__test-run.json' ? '5.10-cloud__retpoline__test-run' : '5.10-cloud__off__test-run',
          kernel: '5.10-cloud',
          status: 'ok',
        },
      ],
      planned: ['5.10-cloud__retpoline__test-run', '5.10-cloud__off__test-run'],
    });
    const after = (await readdir(path.join(runDir, 'cells'))).sort();
    expect(after).toEqual(['5.10-cloud__off__test-run.json', '5.10-cloud__retpoline__test-run.json']);
    // The first cell was not rerun: same file, same start time.
    const again = cellResult.parse(JSON.parse(await readFile(path.join(runDir, 'cells', cells[0]!), 'utf8')));
    expect(again.startedAt).toBe(first.startedAt);
    for (const f of ['report.md', 'report.html', 'summary.json', 'junit.xml']) expect(existsSync(path.join(runDir, f))).toBe(true);

    for (const name of after) {
      const cell = cellResult.parse(JSON.parse(await readFile(path.join(runDir, 'cells', name), 'utf8')));
      expect(cell.status).toBe('ok');
      const direct = cell.variants.find((v) => v.variant === 'direct');
      const indirect = cell.variants.find((v) => v.variant === 'indirect');
      expect(direct?.jit?.mechanism).toBe('direct-jump');
      expect(indirect?.jit?.mechanism).not.toBe('direct-jump');
      expect(direct?.samples.every((s) => s.retval === s.depth)).toBe(true);
      expect(cell.fingerprint?.release).toMatch(/^5\.10\./);
      // The guest has no /proc/config.gz: the host filled the config from the package's config file.
      expect(cell.fingerprint?.config.CONFIG_RETPOLINE).toBe('y');
    }
    const report = await readFile(path.join(runDir, 'report.md'), 'utf8');
    expect(report).toContain('emulated');
  });
});
