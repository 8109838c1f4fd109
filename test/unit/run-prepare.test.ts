import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMatrix } from '../../src/matrix/load.js';
import { prepareRun, type RunRequest } from '../../src/cells/prepare.js';
import { writeRunMeta } from '../../src/results/store.js';

const matrix = (() => {
  const m = parseMatrix({
    kernels: [{ id: 'ref', source: { type: 'local', path: '/boot/vmlinuz-ref' } }],
    boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
    benchmarks: [{ name: 'test-run', type: 'test-run' }],
  });
  if (!m.ok) throw new Error(m.error.join('\n'));
  return m.value;
})();

const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function request(over: Partial<RunRequest> = {}): Promise<RunRequest> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-prepare-'));
  made.push(dir);
  return {
    matrix,
    matrixFile: path.join(dir, 'matrix.json'),
    kernelArgs: [],
    boots: [],
    benches: [],
    patches: [],
    compareWith: [],
    resultsRoot: path.join(dir, 'results'),
    ...over,
  };
}

describe('prepareRun', () => {
  it('runs every cell of the matrix in a new run directory', async () => {
    const r = await prepareRun(await request());
    expect(r.ok && r.value.cells.map((c) => c.id)).toEqual(['ref__retpoline__test-run']);
    expect(r.ok && r.value.resumed).toBe(false);
  });

  it('a path in --kernel runs that image, next to the --compare-with reference', async () => {
    const req = await request();
    const image = path.join(path.dirname(req.matrixFile), 'arch', 'bzImage');
    await mkdir(path.dirname(image), { recursive: true });
    await writeFile(image, 'not really a kernel');
    const r = await prepareRun({ ...req, kernelArgs: [image], compareWith: ['ref'] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const user = r.value.matrix.kernels.find((k) => k.source.type === 'local' && k.source.path === image);
    expect(user?.id).toBe('local-arch-bzImage');
    expect(r.value.cells.map((c) => c.kernel.id)).toEqual(['ref', 'local-arch-bzImage']);
    // The user's kernel is pinned in the run's own lockfile, not the project's.
    expect(r.value.lockFile).toBe(path.join(r.value.runDir, 'matrix.lock.json'));
  });

  it("--kernel PATH takes the image's architecture from its header, or the one --arch names", async () => {
    const req = await request();
    const dir = path.dirname(req.matrixFile);
    const arm = Buffer.alloc(0x1000);
    arm.writeBigUInt64LE(0x200000n, 16); // image size
    arm.writeBigUInt64LE(0xan, 24); // flags: little-endian, 4K pages
    arm.write('ARM\x64', 56, 'latin1');
    const x86 = Buffer.alloc(0x1000);
    x86.writeUInt16LE(0xaa55, 0x1fe);
    x86.write('HdrS', 0x202, 'latin1');
    x86.writeUInt16LE(0x020f, 0x206);
    await writeFile(path.join(dir, 'Image'), arm);
    await writeFile(path.join(dir, 'bzImage'), x86);
    await writeFile(path.join(dir, 'junk'), 'not really a kernel');
    const archOf = async (over: Partial<RunRequest>) => {
      const r = await prepareRun({ ...req, compareWith: ['ref'], ...over });
      if (!r.ok) throw new Error(r.error.join('\n'));
      return r.value.matrix.kernels.filter((k) => k.id !== 'ref').map((k) => `${k.id}:${k.arch}`);
    };
    expect(await archOf({ kernelArgs: [`a=${dir}/Image`, `b=${dir}/bzImage`, `c=${dir}/junk`] })).toEqual([
      'a:arm64',
      'b:amd64',
      'c:amd64',
    ]);
    // --arch is what the user says: an image of another format is then refused when fetched, saying what it is.
    expect(await archOf({ kernelArgs: [`a=${dir}/Image`], kernelArch: 'amd64' })).toEqual(['a:amd64']);
    // --tree with --arch arm64: a build kernel of that architecture (cross-compiled when fetched); without, amd64.
    const tree = await prepareRun({ ...req, tree: '/src/linux', kernelArch: 'arm64' });
    expect(tree.ok && tree.value.matrix.kernels.at(-1)).toMatchObject({ arch: 'arm64', source: { type: 'build', tree: '/src/linux' } });
    const amd = await prepareRun({ ...req, tree: '/src/linux' });
    expect(amd.ok && amd.value.matrix.kernels.at(-1)?.arch).toBe('amd64');
  });

  it('--tree becomes a build kernel with the project fragments and the patches', async () => {
    const req = await request();
    const r = await prepareRun({ ...req, tree: '/src/linux', patches: ['fix.patch'] });
    expect(r.ok).toBe(true);
    const k = r.ok ? r.value.matrix.kernels.at(-1) : undefined;
    expect(k?.source).toMatchObject({
      type: 'build',
      tree: '/src/linux',
      patches: [path.resolve('fix.patch')],
      fragments: ['kernels/configs/tailmatrix.config'],
    });
  });

  it("--tree takes build's --ref, --base and --fragment (fragments resolved from the working directory)", async () => {
    const req = await request();
    const r = await prepareRun({
      ...req,
      tree: '/src/linux',
      patches: [],
      treeBuild: { ref: 'v6.1', base: 'defconfig', fragments: ['my.config'] },
    });
    expect(r.ok && r.value.matrix.kernels.at(-1)?.source).toMatchObject({
      type: 'build',
      tree: '/src/linux',
      ref: 'v6.1',
      base: 'defconfig',
      fragments: [path.resolve('my.config')],
    });
    const without = await prepareRun({ ...req, treeBuild: { ref: 'v6.1', base: 'vng', fragments: ['x.config'] } });
    expect(!without.ok && without.error).toEqual(['--ref needs --tree', '--base needs --tree', '--fragment needs --tree']);
  });

  it('--kernel ID=PATH and --tree ID=DIR name the user kernels; a taken id is refused', async () => {
    const req = await request();
    const image = path.join(path.dirname(req.matrixFile), 'bzImage');
    await writeFile(image, 'not really a kernel');
    const r = await prepareRun({ ...req, kernelArgs: [`mine=${image}`], tree: 'patched=/src/linux', compareWith: ['ref'] });
    expect(r.ok && r.value.cells.map((c) => c.kernel.id)).toEqual(['ref', 'mine', 'patched']);
    expect(r.ok && r.value.userKernels).toEqual(['mine', 'patched']);
    expect(r.ok && r.value.matrix.kernels.find((k) => k.id === 'patched')?.source).toMatchObject({ type: 'build', tree: '/src/linux' });
    const clash = await prepareRun({ ...req, kernelArgs: [`ref=${image}`], tree: 'ref=/src/linux', compareWith: ['ref'] });
    expect(!clash.ok && clash.error).toEqual([
      `--kernel ref=${image}: the id "ref" is already a kernel of the matrix; choose another (ID=PATH)`,
      '--tree ref=/src/linux: the id "ref" is already a kernel of the matrix; choose another (ID=PATH)',
      '--compare-with needs a kernel path in --kernel or --tree',
    ]);
  });

  it("--tree --config FILE: the user's own .config is the base (resolved from the working directory); not with --base", async () => {
    const req = await request();
    const r = await prepareRun({ ...req, tree: '/src/linux', patches: [], treeBuild: { config: 'my.config', makeJobs: 3 } });
    expect(r.ok && r.value.matrix.kernels.at(-1)?.source).toMatchObject({
      type: 'build',
      base: 'tinyconfig',
      config: path.resolve('my.config'),
    });
    const both = await prepareRun({ ...req, tree: '/src/linux', patches: [], treeBuild: { config: 'my.config', base: 'defconfig' } });
    expect(!both.ok && both.error).toEqual(['--config FILE is the base config: give it or --base, not both']);
    const without = await prepareRun({ ...req, treeBuild: { config: 'my.config', makeJobs: 2 } });
    expect(!without.ok && without.error).toEqual(['--config needs --tree', '--make-jobs needs --tree']);
  });

  it('names every bad flag', async () => {
    const r = await prepareRun(await request({ kernelArgs: ['nope'], compareWith: ['ref'], patches: ['x.patch'] }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toEqual([
      '--kernel nope: neither a kernel id of the matrix (ref) nor a kernel image file',
      '--patch needs --tree',
      '--compare-with needs a kernel path in --kernel or --tree',
    ]);
  });

  it('--resume keeps the stored matrix and the cells already on disk', async () => {
    const req = await request();
    const runDir = path.join(req.resultsRoot, 'r1');
    await writeRunMeta(runDir, {
      version: 1,
      runId: 'r1',
      status: 'interrupted',
      startedAt: '2026-01-01T00:00:00.000Z',
      tool: { name: 'tailmatrix', version: '0' },
      host: { hostname: 'h', cpuModel: 'c', kernel: 'k', node: 'v20', cores: 2, memoryMiB: 1 },
      backend: 'qemu',
      accelerator: 'tcg',
      acceleratorReason: 'test',
      matrixFile: req.matrixFile,
      matrix,
      cells: ['ref__retpoline__test-run'],
    });
    const r = await prepareRun({ ...req, resume: 'r1' });
    expect(r.ok && [r.value.resumed, r.value.runDir, r.value.cells.length, r.value.done.size]).toEqual([true, runDir, 1, 0]);
    const missing = await prepareRun({ ...req, resume: 'r2' });
    expect(!missing.ok && missing.error[0]).toMatch(/--resume r2: no run.json/);
  });
});
