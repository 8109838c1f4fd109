// `check` / `bisect` from a kernel tree: which matrix they use, and the kernel-tree test that stops a
// bisection of the wrong folder (real files and a real git repository in a temp dir).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN, BUILT_IN_MATRIX, loadCheckMatrix } from '../../src/bisect/default-matrix.js';
import { notKernelCommit, notKernelWorkTree } from '../../src/bisect/kernel-tree.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-check-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the matrix of check and bisect', () => {
  it('is the built-in default where there is no matrix.json and no --matrix: the package matrix first boot, benchmark and runner', async () => {
    const empty = mkdtempSync(path.join(dir, 'tree-'));
    const r = await loadCheckMatrix(undefined, empty);
    expect(r.ok && r.value.builtIn).toBe(true);
    expect(r.ok && r.value.file).toBe(BUILT_IN);
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'matrix.json'), 'utf8')) as typeof BUILT_IN_MATRIX;
    expect(BUILT_IN_MATRIX.boots[0]).toEqual(pkg.boots[0]);
    expect(BUILT_IN_MATRIX.benchmarks[0]).toEqual(pkg.benchmarks[0]);
    expect(BUILT_IN_MATRIX.runner).toEqual(pkg.runner);
  });

  it('is ./matrix.json when there is one, and --matrix over both; an invalid one is refused with every reason', async () => {
    const here = mkdtempSync(path.join(dir, 'here-'));
    writeFileSync(path.join(here, 'matrix.json'), JSON.stringify({ ...BUILT_IN_MATRIX, boots: [{ name: 'mine' }] }));
    const local = await loadCheckMatrix(undefined, here);
    expect(local.ok && [local.value.builtIn, local.value.matrix.boots[0]?.name]).toEqual([false, 'mine']);
    const bad = path.join(here, 'bad.json');
    writeFileSync(bad, JSON.stringify({ kernels: [], boots: [], benchmarks: [{ name: 't', type: 'nope' }] }));
    const r = await loadCheckMatrix(bad, here);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error[0]).toBe(`${bad} is not a valid matrix:`);
    expect(!r.ok && r.error.slice(1).join('\n')).toMatch(/bad\.json: kernels: .*\n.*bad\.json: boots: /);
  });
});

describe('is this a kernel tree', () => {
  const tree = path.join(dir, 'kernel-like');
  const g = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: tree, encoding: 'utf8' }).trim();

  it('a tree with a versioned Makefile, Kconfig and kernel/bpf/ is one, on disk and at a commit; an ordinary project is not, with what it lacks', async () => {
    mkdirSync(path.join(tree, 'kernel', 'bpf'), { recursive: true });
    writeFileSync(path.join(tree, 'Makefile'), 'all:\n\ttrue\n');
    g('init', '-q');
    g('add', '.');
    g('commit', '-q', '-m', 'not yet');
    const before = g('rev-parse', 'HEAD');
    // kernel/bpf/ is on disk (empty, so not in the commit).
    expect(await notKernelWorkTree(tree)).toBe(
      `${tree} is not a Linux kernel tree (its Makefile has no "VERSION =" / "PATCHLEVEL =" lines; no top-level Kconfig): every commit would fail to build`,
    );
    writeFileSync(path.join(tree, 'Makefile'), '# SPDX\nVERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n');
    writeFileSync(path.join(tree, 'Kconfig'), 'mainmenu "Linux"\n');
    writeFileSync(path.join(tree, 'kernel', 'bpf', 'core.c'), '\n');
    // On disk it is one now (uncommitted changes count for check --tree); the commit is not yet.
    expect(await notKernelWorkTree(tree)).toBeUndefined();
    expect(await notKernelCommit(tree, before)).toMatch(
      /at [0-9a-f]{12} is not a Linux kernel tree \(its Makefile has no "VERSION =".*no top-level Kconfig; no kernel\/bpf\/\)/,
    );
    g('add', '.');
    g('commit', '-q', '-m', 'kernel');
    expect(await notKernelCommit(tree, g('rev-parse', 'HEAD'))).toBeUndefined();
  });
});
