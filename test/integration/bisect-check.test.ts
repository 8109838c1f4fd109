// `tailmatrix check` and `tailmatrix bisect` through the real CLI, without a kernel build: a real
// Debian kernel booted under TCG for the good/bad exit codes, and a git tree whose Makefile fails
// (real make, real failure) for the skip code and for a bisection that must stop at its ends.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { startCli } from '../support/run-cli.js';

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

/** A git tree of two commits that `make` refuses at once: every build of it fails. */
function brokenTree(name: string): { dir: string; first: string; second: string } {
  const dir = path.join(work, name);
  const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  execFileSync('mkdir', ['-p', dir]);
  g('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'Makefile'), '%:\n\t@echo "this tree does not build" >&2; exit 2\n');
  g('add', 'Makefile');
  g('commit', '-q', '-m', 'first');
  const first = g('rev-parse', 'HEAD');
  writeFileSync(path.join(dir, 'README'), 'x\n');
  g('add', 'README');
  g('commit', '-q', '-m', 'second');
  return { dir, first, second: g('rev-parse', 'HEAD') };
}

/** Builds of the broken trees fail before anything else is needed: their state goes to a scratch cache, not the shared one. */
const scratchCache = { TAILMATRIX_CACHE: path.join(work, 'cache') };

const snapshot = (dir: string) => ['status --porcelain --ignored', 'rev-parse HEAD', 'for-each-ref'].map((c) => execFileSync('git', c.split(' '), { cwd: dir, encoding: 'utf8' })).join('---');

describe('tailmatrix check: git bisect run exit codes', () => {
  it('0 when the direct cost is under the threshold, 1 when the saving is below it (real TCG boots)', async () => {
    const good = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'direct', '--threshold', '1000', '--matrix', matrixFile]);
    expect(good.exitCode, good.all).toBe(0);
    expect(good.stdout).toMatch(/^good: direct \d+\.\d+ \[[-\d.]+, [-\d.]+\] instructions after 1 run\(s\); bad is above 1000/);
    const bad = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'saving', '--threshold', '1000', '--matrix', matrixFile]);
    expect(bad.exitCode, bad.all).toBe(1);
    expect(bad.stdout).toMatch(/^bad: saving .* bad is below 1000/);
  });

  it('125 (skip) for a tree that does not build; 128 (abort) for bad options', async () => {
    const t = brokenTree('check-tree');
    const skip = await startCli(['check', '--tree', t.dir, '--metric', 'direct', '--threshold', '10', '--matrix', matrixFile], { env: scratchCache });
    expect(skip.exitCode, skip.all).toBe(125);
    expect(skip.stdout).toMatch(/^skip: .*build failed/);
    const badOption = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'direct', '--threshold', 'fast', '--matrix', matrixFile]);
    expect(badOption.exitCode).toBe(128);
    expect(badOption.stderr).toContain('--threshold fast: expected a number');
    const noThreshold = await startCli(['check', '--kernel', '6.1-cloud', '--metric', 'direct', '--matrix', matrixFile]);
    expect(noThreshold.exitCode).toBe(128);
  });
});

describe('tailmatrix bisect: ends that cannot be tested', () => {
  it('stops with a clear message when the good end does not build, and leaves the tree as it was', async () => {
    const t = brokenTree('bisect-tree');
    const before = snapshot(t.dir);
    const r = await startCli(['bisect', '--tree', t.dir, '--good', t.first, '--bad', t.second, '--metric', 'direct', '--matrix', matrixFile, '--results', path.join(work, 'results')], { env: scratchCache });
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`stopped: the good end ${t.first.slice(0, 12)} cannot be tested: build failed`));
    expect(snapshot(t.dir)).toBe(before);
    const again = await startCli(['bisect', '--tree', t.dir, '--good', t.second, '--bad', t.first, '--metric', 'direct', '--matrix', matrixFile, '--results', path.join(work, 'results2')], { env: scratchCache });
    expect(again.exitCode).toBe(64);
    expect(again.stderr).toContain('is not an ancestor of --bad');
  });
});
