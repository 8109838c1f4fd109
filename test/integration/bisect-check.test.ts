// `tailmatrix check` and `tailmatrix bisect` through the real CLI, without a kernel build: a real
// Debian kernel booted under TCG for the good/bad exit codes, and a git tree whose Makefile fails
// (real make, real failure) for the skip code and for a bisection that must stop at its ends.
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { startCli } from '../support/run-cli.js';
import { documentedBisectRun, PREFIX_VARIABLE, projectWithTailmatrix, THRESHOLD_VARIABLE } from '../support/documented-bisect.js';
import { testKernel } from './qemu-kernels.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-bisect-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The repo's own 6.1 kernel entry (and its lock, so nothing is resolved again), a short sweep.
const matrixFile = path.join(work, 'matrix.json');
const repoMatrix = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'matrix.json'), 'utf8')) as { kernels: { id: string }[] };
writeFileSync(
  matrixFile,
  JSON.stringify({
    kernels: repoMatrix.kernels.filter((k) => k.id === '6.1-cloud'),
    boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 8, samples: 3, repeat: 2000 } }],
    runner: { backend: 'qemu', accel: 'tcg', timeoutSec: 600 },
  }),
);
copyFileSync(path.join(PACKAGE_ROOT, 'matrix.lock.json'), path.join(work, 'matrix.lock.json'));

/**
 * A git tree of three commits that `make` refuses at once: every build of it fails. `kernel: true` gives it
 * what a kernel tree has at its top (Makefile VERSION/PATCHLEVEL lines, Kconfig, kernel/bpf/), so that the
 * build is tried and fails (a commit that does not build); without, it is not a kernel tree at all.
 */
function brokenTree(name: string, kernel: boolean): { dir: string; first: string; second: string; third: string } {
  const dir = path.join(work, name);
  const g = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  mkdirSync(path.join(dir, kernel ? 'kernel/bpf' : ''), { recursive: true });
  g('init', '-q', '-b', 'main');
  const version = kernel ? 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n' : '';
  writeFileSync(path.join(dir, 'Makefile'), `${version}%:\n\t@echo "this tree does not build" >&2; exit 2\n`);
  if (kernel) {
    writeFileSync(path.join(dir, 'Kconfig'), 'mainmenu "not really"\n');
    writeFileSync(path.join(dir, 'kernel', 'bpf', 'core.c'), '#error no\n');
  }
  g('add', '.');
  g('commit', '-q', '-m', 'first');
  const first = g('rev-parse', 'HEAD');
  const commit = (file: string, subject: string) => {
    writeFileSync(path.join(dir, file), `${subject}\n`);
    g('add', file);
    g('commit', '-q', '-m', subject);
    return g('rev-parse', 'HEAD');
  };
  const second = commit('README', 'second');
  return { dir, first, second, third: commit('NOTES', 'third') };
}

/** Builds of the broken trees fail before anything else is needed: their state goes to a scratch cache, not the shared one. */
const scratchCache = { TAILMATRIX_CACHE: path.join(work, 'cache') };

const snapshot = (dir: string) =>
  ['status --porcelain --ignored', 'rev-parse HEAD', 'for-each-ref']
    .map((c) => execFileSync('git', c.split(' '), { cwd: dir, encoding: 'utf8' }))
    .join('---');

describe('tailmatrix check: git bisect run exit codes', () => {
  it('0 when the direct cost is under the threshold, 1 when the saving is below it (real TCG boots)', async () => {
    const good = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'direct', '--threshold', '1000', '--matrix', matrixFile]);
    expect(good.exitCode, good.all).toBe(0);
    expect(good.stdout).toMatch(/^good: direct \d+\.\d+ \[[-\d.]+, [-\d.]+\] instructions after 1 run\(s\); bad is above 1000/);
    const bad = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'saving', '--threshold', '1000', '--matrix', matrixFile]);
    expect(bad.exitCode, bad.all).toBe(1);
    expect(bad.stdout).toMatch(/^bad: saving .* bad is below 1000/);
  });

  it('125 (skip) for a kernel tree that does not build, naming the build log; 128 (abort) for bad options', async () => {
    const t = brokenTree('check-tree', true);
    const skip = await startCli(['check', '--tree', t.dir, '--metric', 'direct', '--threshold', '10', '--matrix', matrixFile], {
      env: scratchCache,
    });
    expect(skip.exitCode, skip.all).toBe(125);
    expect(skip.stdout).toMatch(/^skip: .*build failed.*\(log: \/\S+\.log\)/);
    const badOption = await startCli([
      'check',
      '--kernel',
      '6.1-cloud',
      '--metric',
      'direct',
      '--threshold',
      'fast',
      '--matrix',
      matrixFile,
    ]);
    expect(badOption.exitCode).toBe(128);
    expect(badOption.stderr).toContain('--threshold fast: expected a number');
    const noThreshold = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'direct', '--matrix', matrixFile]);
    expect(noThreshold.exitCode).toBe(128);
  });

  it('128 (abort) for a tree that is not a kernel tree, an invalid matrix (with its reasons) and a --kernel file that is no kernel image', async () => {
    const t = brokenTree('not-kernel', false);
    const notKernel = await startCli(['check', '--tree', t.dir, '--metric', 'direct', '--threshold', '10', '--matrix', matrixFile], {
      env: scratchCache,
    });
    expect(notKernel.exitCode, notKernel.all).toBe(128);
    expect(notKernel.stderr).toMatch(
      /is not a Linux kernel tree \(its Makefile has no "VERSION =" \/ "PATCHLEVEL =" lines; no top-level Kconfig; no kernel\/bpf\/\)/,
    );
    const badMatrix = path.join(work, 'bad-matrix.json');
    writeFileSync(badMatrix, JSON.stringify({ kernels: [], boots: [{ name: 'b' }], benchmarks: [{ name: 't', type: 'test-run' }] }));
    const invalid = await startCli(['check', '--tree', t.dir, '--metric', 'direct', '--threshold', '10', '--matrix', badMatrix]);
    expect(invalid.exitCode).toBe(128);
    expect(invalid.stderr).toMatch(/bad-matrix\.json is not a valid matrix:\n\s+bad-matrix\.json: kernels: /);
    const notImage = await startCli([
      'check',
      '--kernel',
      path.join(t.dir, 'Makefile'),
      '--metric',
      'direct',
      '--threshold',
      '10',
      '--matrix',
      matrixFile,
    ]);
    expect(notImage.exitCode, notImage.all).toBe(128);
    expect(notImage.stderr).toMatch(/Makefile is not an x86 bzImage: no x86 boot header/);
  });

  it('--kernel PATH: a bzImage the user has, booted in place, without a matrix.json (the built-in default)', async () => {
    const k = await testKernel('oldest');
    const cwd = mkdtempSync(path.join(work, 'no-matrix-'));
    const r = await startCli(['check', '--kernel', k.vmlinuz, '--metric', 'direct', '--threshold', '1000', '--accel', 'tcg'], { cwd });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toContain('no --matrix and no matrix.json here: the built-in default (boot retpoline, benchmark test-run)');
    expect(r.stdout).toMatch(/^good: direct \d+\.\d+ \[[-\d.]+, [-\d.]+\] instructions after 1 run\(s\); bad is above 1000/);
  });

  it("docs/bisect.md's `git bisect run` line, run verbatim from a tree with no matrix.json: a tree that is not a kernel tree stops the bisection", async () => {
    const line = documentedBisectRun();
    expect(line).toMatch(new RegExp(`^git bisect run npx --prefix "\\$${PREFIX_VARIABLE}" tailmatrix check --tree \\. `));
    const t = brokenTree('bisect-run-tree', false);
    const prefix = projectWithTailmatrix(mkdtempSync(path.join(work, 'project-')));
    const g = (...args: string[]) => execFileSync('git', args, { cwd: t.dir, encoding: 'utf8' });
    g('bisect', 'start', t.third, t.first);
    const r = await execa('bash', ['-c', line], {
      cwd: t.dir,
      env: { ...scratchCache, [PREFIX_VARIABLE]: prefix, [THRESHOLD_VARIABLE]: '10', CI: 'true' },
      reject: false,
      all: true,
    });
    g('bisect', 'reset');
    expect(r.exitCode, r.all).not.toBe(0);
    // git names check's exit code; check names the tree and why it stopped.
    expect(r.all).toMatch(/exit code 128/);
    expect(r.all).toContain('no --matrix and no matrix.json here: the built-in default');
    expect(r.all).toMatch(/is not a Linux kernel tree .*every commit would fail to build \(exit 128: stops git bisect run\)/);
  });
});

describe('tailmatrix bisect: ends that cannot be tested', () => {
  it('stops with a clear message when the good end does not build, and leaves the tree as it was', async () => {
    const t = brokenTree('bisect-tree', true);
    const before = snapshot(t.dir);
    const r = await startCli(
      [
        'bisect',
        '--tree',
        t.dir,
        '--good',
        t.first,
        '--bad',
        t.second,
        '--metric',
        'direct',
        '--matrix',
        matrixFile,
        '--results',
        path.join(work, 'results'),
      ],
      { env: scratchCache },
    );
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`stopped: the good end ${t.first.slice(0, 12)} cannot be tested: build failed`));
    expect(snapshot(t.dir)).toBe(before);
    const again = await startCli(
      [
        'bisect',
        '--tree',
        t.dir,
        '--good',
        t.second,
        '--bad',
        t.first,
        '--metric',
        'direct',
        '--matrix',
        matrixFile,
        '--results',
        path.join(work, 'results2'),
      ],
      { env: scratchCache },
    );
    expect(again.exitCode).toBe(64);
    expect(again.stderr).toContain('is not an ancestor of --bad');
  });

  it('refuses a tree that is not a kernel tree before building anything (exit 64)', async () => {
    const t = brokenTree('bisect-not-kernel', false);
    const r = await startCli(
      [
        'bisect',
        '--tree',
        t.dir,
        '--good',
        t.first,
        '--bad',
        t.third,
        '--metric',
        'direct',
        '--matrix',
        matrixFile,
        '--results',
        path.join(work, 'results3'),
      ],
      { env: scratchCache },
    );
    expect(r.exitCode, r.all).toBe(64);
    expect(r.stderr).toMatch(new RegExp(`at ${t.first.slice(0, 12)} is not a Linux kernel tree`));
    expect(r.all).not.toMatch(/build: /);
  });
});
