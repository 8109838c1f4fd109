// The README's promise, checked: on a fresh Debian 12 and a fresh Debian 13 (minimal debootstrap roots,
// nothing but apt and the host's Node copied in), the packed tool installs, `tailmatrix setup` installs
// the host tools by the distribution's names (Debian 13: virtme-ng from the archive; Debian 12: the
// signature-checked trixie fallback), doctor finds everything, and a one-kernel matrix runs one real cell
// to a report. In the Debian 12 root also the repository's own quick start for the tests,
// `bash scripts/install-deps.sh && npm ci && npm test`, on the unit project. In the Debian 13 root also
// `tailmatrix setup --with-arm64` (the aarch64 cross toolchain, arm64 libraries through multiarch, QEMU's
// aarch64 system emulator, an arm64 busybox) and one arm64 cell (trixie's cloud-arm64, a two-depth sweep):
// the agent is cross-built there from the package's bpf/ sources (trixie's cross gcc gives it a payload key of
// its own, so the shared cache does not stand in for it). Wall times are printed.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summary as summarySchema } from '../../src/analysis/summary-schema.js';
import { fetchKernels } from '../../src/kernels/index.js';
import { matrix as matrixSchema } from '../../src/matrix/schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { packTarball } from '../support/pack.js';
import { KERNEL_ID, writeOneKernelProject } from '../support/one-kernel-project.js';
import { freshRoot, type DebianRoot } from './debian-root.js';

let work: string;
let tarball: string;
const roots: DebianRoot[] = [];
const timings: string[] = [];

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await f();
  } finally {
    timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

/** Mount points still under `dir` (never delete a tree that still reaches into the host's files). */
async function mountsUnder(dir: string): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'tm-fresh-'));
  tarball = await packTarball(work);
}, 600_000);

afterAll(async () => {
  for (const r of roots) await r.unmount();
  const left = await mountsUnder(work);
  if (left.length > 0) throw new Error(`still mounted, ${work} kept: ${left.join(', ')}`);
  await rm(work, { recursive: true, force: true });
  process.stdout.write(`fresh-machine wall times (shared, loaded machine): ${timings.join(', ')}\n`);
}, 600_000);

async function runOneCell(root: DebianRoot): Promise<void> {
  const project = path.join(root.dir, 'project');
  await execa('mkdir', ['-p', project]);
  await writeOneKernelProject(project);
  await execa('cp', [tarball, path.join(root.dir, 'tmp', 'tailmatrix.tgz')]);
  await timed(`${root.suite}: npm install <tarball>`, () =>
    root.exec('cd /project && npm init -y >/dev/null && npm install --no-audit --no-fund /tmp/tailmatrix.tgz'),
  );
  const setup = await timed(`${root.suite}: tailmatrix setup`, () => root.exec('cd /project && npx tailmatrix setup'));
  expect(setup).toContain(`setup: detected Debian GNU/Linux ${root.suite === 'bookworm' ? '12 (bookworm)' : '13 (trixie)'}`);
  expect(setup).toContain('setup: apt-get install ');
  if (root.suite === 'bookworm') expect(setup).toMatch(/install-vng: installed into \/opt\/tailmatrix\/virtme-ng: virtme-ng/);
  else expect(setup).toMatch(/virtme-ng|virtiofsd/);
  // Idempotent: a second run finds everything and calls apt not at all.
  const again = await root.exec('cd /project && npx tailmatrix setup');
  expect(again).toMatch(/setup: all \d+ apt packages present/);

  const doctor = await root.exec('cd /project && npx tailmatrix doctor');
  expect(doctor).toContain('all required tools found');
  expect(doctor).toMatch(/found +vng \(virtme-ng\)/);

  await timed(`${root.suite}: one cell`, () =>
    root.exec('cd /project && npx tailmatrix run --frozen-lockfile --results results', { timeoutMs: 1_200_000 }),
  );
  const [runId] = await readdir(path.join(project, 'results'));
  const summary = summarySchema.parse(JSON.parse(await readFile(path.join(project, 'results', runId!, 'summary.json'), 'utf8')));
  expect(summary.cells.map((c) => [c.key, c.status, c.kernel.release])).toEqual([
    [`${KERNEL_ID}/retpoline/test-run`, 'ok', '6.1.0-50-cloud-amd64'],
  ]);
  expect(await readFile(path.join(project, 'results', runId!, 'report.md'), 'utf8')).toContain(
    `| ${KERNEL_ID} (6.1.0-50-cloud-amd64) | retpoline |`,
  );
}

/** `setup --with-arm64`, then one arm64 cell: one kernel, one boot, two depths (the extra cost kept small). */
async function oneArm64Cell(root: DebianRoot): Promise<void> {
  const setup = await timed(`${root.suite}: tailmatrix setup --with-arm64`, () =>
    root.exec('cd /project && npx tailmatrix setup --with-arm64'),
  );
  expect(setup).toContain('setup: apt-get install ');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format field, not a template
  expect(await root.exec("dpkg-query -W -f='${Status}' gcc-aarch64-linux-gnu qemu-system-arm")).toBe(
    'install ok installedinstall ok installed',
  );
  const matrix = {
    kernels: [{ id: '6.12-cloud-arm64', arch: 'arm64', source: { type: 'debian', suite: 'trixie', package: 'linux-image-cloud-arm64' } }],
    boots: [{ name: 'default' }],
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 2, samples: 3, repeat: 1 } }],
    runner: { backend: 'qemu', accel: 'auto', timeoutSec: 600 },
  };
  const matrixFile = path.join(root.dir, 'project', 'arm64.json');
  await writeFile(matrixFile, `${JSON.stringify(matrix, null, 2)}\n`);
  // Pinned from the host, as the amd64 project's lock entry is (one-kernel-project.ts): the kernel is then taken
  // from the shared cache, and the root downloads no Debian index (its Node would not trust a TLS-inspecting
  // proxy's certificate, which the host's npm configuration handles).
  const pinned = await fetchKernels({ matrix: matrixSchema.parse(matrix), matrixFile });
  if (!pinned.ok) throw new Error(pinned.error.map((e) => e.message).join('; '));
  await timed(`${root.suite}: one arm64 cell`, () =>
    root.exec('cd /project && npx tailmatrix run -m arm64.json --frozen-lockfile --results results-arm64', { timeoutMs: 1_200_000 }),
  );
  const [runId] = await readdir(path.join(root.dir, 'project', 'results-arm64'));
  const summary = summarySchema.parse(
    JSON.parse(await readFile(path.join(root.dir, 'project', 'results-arm64', runId!, 'summary.json'), 'utf8')),
  );
  expect(summary.cells.map((c) => [c.key, c.status])).toEqual([['6.12-cloud-arm64/default/test-run', 'ok']]);
  expect(summary.cells[0]?.kernel.release).toMatch(/^6\.12\.\d+\+deb13-cloud-arm64$/);
}

describe('a fresh machine', () => {
  it('Debian 12: setup, a one-kernel matrix, and the README test command on the unit project', async () => {
    const root = await timed('bookworm: root', () => freshRoot('bookworm', work));
    roots.push(root);
    timings.push(`bookworm: root ${root.cached ? 'from cache' : 'debootstrapped'}`);
    try {
      await runOneCell(root);
      // The repository's checkout, as a clone has it (tracked and new files, no node_modules, no dist).
      const files = await execa('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: PACKAGE_ROOT });
      const list = files.stdout.split('\0').filter((f) => f !== '' && f !== 'node_modules');
      await execa('tar', ['-C', PACKAGE_ROOT, '-cf', path.join(work, 'repo.tar'), ...list]);
      await execa('mkdir', ['-p', path.join(root.dir, 'repo')]);
      await execa('tar', ['-C', path.join(root.dir, 'repo'), '-xf', path.join(work, 'repo.tar')]);
      const out = await timed('bookworm: README test command (unit project)', () =>
        root.exec('cd /repo && bash scripts/install-deps.sh && npm ci --no-audit --no-fund && npm test -- --project unit', {
          timeoutMs: 2_400_000,
        }),
      );
      expect(out).toMatch(/Tests: \d+ passed, 0 failed/);
    } finally {
      await root.unmount();
    }
  });

  it('Debian 13: setup (virtme-ng from the archive) and a one-kernel matrix', async () => {
    const root = await timed('trixie: root', () => freshRoot('trixie', work));
    roots.push(root);
    timings.push(`trixie: root ${root.cached ? 'from cache' : 'debootstrapped'}`);
    try {
      await runOneCell(root);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format field, not a template
      expect(await root.exec("dpkg-query -W -f='${Status}' virtme-ng virtiofsd")).toBe('install ok installedinstall ok installed');
      await oneArm64Cell(root);
    } finally {
      await root.unmount();
    }
  });
});
