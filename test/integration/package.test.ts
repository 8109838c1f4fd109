// The package as a user gets it: `npm pack`'s tarball installed into a fresh project that holds only its
// own one-kernel matrix.json. Its `bin` must run from node_modules (no checkout, no tsx, no scripts/ of
// the repository), and plan, doctor, setup and one real cell (6.1 under QEMU) must work there, writing
// the lockfile's pin and the results into that project.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { summary as summarySchema } from '../../src/analysis/summary-schema.js';
import { packTarball } from '../support/pack.js';
import { KERNEL_ID, writeOneKernelProject } from '../support/one-kernel-project.js';

let project: string;
let tarball: string;
const timings: Record<string, number> = {};

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await f();
  } finally {
    timings[name] = Date.now() - started;
  }
}

/** `npx tailmatrix …` in the project, as its README says. */
const tailmatrix = (...args: string[]) =>
  execa('npx', ['--no-install', 'tailmatrix', ...args], { cwd: project, reject: false, all: true, env: { CI: 'true' } });

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tm-package-'));
  project = path.join(root, 'project');
  await execa('mkdir', ['-p', project]);
  tarball = await timed('npm pack', () => packTarball(root));
  await writeFile(path.join(project, 'package.json'), `${JSON.stringify({ name: 'uses-tailmatrix', private: true }, null, 2)}\n`);
  await writeOneKernelProject(project);
  await timed('npm install <tarball>', () => execa('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project }));
}, 900_000);

describe('the packed package, installed into a fresh project', () => {
  it('holds everything run, build, setup and the native backend read at run time, and no test or source file', async () => {
    const installed = path.join(project, 'node_modules', 'tailmatrix');
    for (const f of [
      'bin/tailmatrix.js',
      'dist/cli/main.js',
      'bpf/Makefile',
      'bpf/agent.c',
      'images/init',
      'kernels/configs/tailmatrix.config',
      'scripts/setup.sh',
      'scripts/install-vng.sh',
      'schemas/summary.schema.json',
      'matrix.schema.json',
    ]) {
      expect(existsSync(path.join(installed, f)), f).toBe(true);
    }
    for (const f of ['src', 'test', 'scripts/install-deps.sh', 'node_modules/.bin/tsx'])
      expect(existsSync(path.join(installed, f)), f).toBe(false);
  });

  it('plan lists the project’s own cell', async () => {
    const res = await tailmatrix('plan', '--github');
    expect(res.exitCode, res.all).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      include: [{ cell: `${KERNEL_ID}__retpoline__test-run`, kernel: KERNEL_ID, boot: 'retpoline', bench: 'test-run' }],
    });
  });

  it('doctor finds every required tool and points at setup for the rest', async () => {
    const res = await tailmatrix('doctor');
    expect(res.exitCode, res.all).toBe(0);
    expect(res.stdout).toContain('all required tools found');
    // the installed copy's setup is the shipped script, the same one scripts/install-deps.sh runs
    const setup = await tailmatrix('setup', '--dry-run');
    expect(setup.exitCode, setup.all).toBe(0);
    expect(setup.stdout).toMatch(/setup: detected .* \(ID=\w+, VERSION_ID=[\d.]+\)/);
  });

  it('runs one real cell and writes the report into the project', async () => {
    const res = await timed('run one cell', () => tailmatrix('run', '--frozen-lockfile', '--results', 'results'));
    expect(res.exitCode, res.all).toBe(0);
    const [runId] = await readdir(path.join(project, 'results'));
    const runDir = path.join(project, 'results', runId!);
    for (const f of ['report.md', 'report.html', 'summary.json', 'junit.xml']) expect(existsSync(path.join(runDir, f)), f).toBe(true);
    const summary = summarySchema.parse(JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8')));
    expect(summary.cells).toHaveLength(1);
    const [cell] = summary.cells;
    expect(cell?.status, cell?.message ?? '').toBe('ok');
    expect(cell?.kernel.release).toMatch(/^6\.1\.0-50-cloud-amd64$/);
    expect(await readFile(path.join(runDir, 'report.md'), 'utf8')).toContain(`| ${KERNEL_ID} (6.1.0-50-cloud-amd64) | amd64 | retpoline |`);
    process.stdout.write(
      `package test wall times (shared, loaded machine): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')}\n`,
    );
  });
});
