import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMatrix } from '../../src/matrix/load.js';
import { prepareRun } from '../../src/cells/prepare.js';
import { cellFile, runFile } from '../../src/results/layout.js';
import { loadResultDirs, readRunDir } from '../../src/results/load.js';
import { FIXTURE_ROOT, KVM_RUN } from '../fixtures/results/generate.js';

const REAL_RUN = path.join(FIXTURE_ROOT, 'real', '2026-11-26T01-38-33Z-36d45f');
const A_CELL = '6.1-cloud--retpoline--test-run';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-results-load-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of a committed run, with its run.json and one cell file edited. */
// biome-ignore lint/suspicious/noExplicitAny: the edits corrupt parsed JSON on purpose; no schema type can hold what they write
async function editedRun(name: string, editMeta: (m: Record<string, any>) => void, editCell?: (c: Record<string, any>) => void) {
  const dir = path.join(tmp, name);
  await cp(path.join(FIXTURE_ROOT, KVM_RUN), dir, { recursive: true });
  const meta = JSON.parse(await readFile(runFile(dir), 'utf8'));
  editMeta(meta);
  await writeFile(runFile(dir), JSON.stringify(meta));
  if (editCell) {
    const cell = JSON.parse(await readFile(cellFile(dir, A_CELL), 'utf8'));
    editCell(cell);
    await writeFile(cellFile(dir, A_CELL), JSON.stringify(cell));
  }
  return dir;
}

describe('run.json', () => {
  it('validates every run.json written so far: without a lock (generated fixtures) and with one (a real run)', async () => {
    const loaded = await loadResultDirs([FIXTURE_ROOT, path.dirname(REAL_RUN)]);
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.value.runs.map((r) => [r.meta.runId, r.meta.backend, r.meta.lock === undefined])).toEqual([
      ['20261125-221004-kvm', 'vng', true],
      ['20261126-010512-tcg', 'qemu', true],
      ['2026-11-26T01-38-33Z-36d45f', 'qemu', false],
    ]);
    const real = loaded.value.runs[2]!.meta;
    expect(real.matrix.kernels.map((k) => k.id)).toContain('6.1-cloud');
    expect(real.lock?.lockfileVersion).toBe(1);
  });

  it('a bad run.json is bad input naming the file and each field', async () => {
    const dir = await editedRun('bad-meta', (m) => {
      m.status = 'paused';
      delete m.host.cores;
      m.matrix.kernels[0].source.suite = 7;
    });
    const loaded = await loadResultDirs([dir]);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toContain(`${runFile(dir)}: not a tailmatrix run.json:`);
    expect(loaded.error).toMatch(/^ {2}status: /m);
    expect(loaded.error).toMatch(/^ {2}host\.cores: /m);
    expect(loaded.error).toMatch(/^ {2}matrix\.kernels\[0\]\.source\.suite: /m);
  });

  it('lists every bad file at once, not only the first', async () => {
    const dir = await editedRun(
      'bad-both',
      (m) => {
        m.version = 2;
      },
      (c) => {
        c.status = 'fine';
      },
    );
    const loaded = await loadResultDirs([dir]);
    expect(!loaded.ok && loaded.error).toContain(`${runFile(dir)}: not a tailmatrix run.json:\n  version: `);
    expect(!loaded.ok && loaded.error).toContain(`${cellFile(dir, A_CELL)}: not a cell result:\n  status: `);
  });
});

describe('readRunDir', () => {
  it('returns the good files typed and each bad one as a problem', async () => {
    const dir = await editedRun(
      'one-bad-cell',
      () => undefined,
      (c) => {
        c.variants[0].samples[0].durationNs = 'fast';
      },
    );
    await writeFile(path.join(dir, 'cells', 'torn.json'), '{"version": 1, "cellId"');
    const read = await readRunDir(dir);
    expect(read.run?.meta.runId).toBe(KVM_RUN);
    expect(read.cells).toHaveLength(3);
    expect(read.problems.map((p) => p.file)).toEqual([cellFile(dir, A_CELL), path.join(dir, 'cells', 'torn.json')]);
    expect(read.problems[0]!.message).toContain('variants[0].samples[0].durationNs');
    expect(read.problems[1]!.message).toMatch(/not valid JSON/);
  });

  it('a run stopped before its first cell has no cells and no problem', async () => {
    const dir = path.join(tmp, 'no-cells-yet');
    await mkdir(dir, { recursive: true });
    expect(await readRunDir(dir)).toEqual({ cells: [], problems: [] });
  });
});

describe('--resume through the loader', () => {
  const matrix = (() => {
    const m = parseMatrix({
      kernels: [{ id: 'ref', source: { type: 'local', path: '/boot/vmlinuz-ref' } }],
      boots: [
        { name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' },
        { name: 'off', cmdline: 'mitigations=off' },
      ],
      benchmarks: [{ name: 'test-run', type: 'test-run' }],
    });
    if (!m.ok) throw new Error(m.error.join('\n'));
    return m.value;
  })();

  it('counts valid cell files as done, reruns invalid ones, and refuses a bad run.json by field', async () => {
    const root = path.join(tmp, 'resume');
    const runDir = path.join(root, 'r1');
    // As run.json is first written: before the backend and accelerator are chosen.
    const meta = {
      ...JSON.parse(await readFile(runFile(path.join(FIXTURE_ROOT, KVM_RUN)), 'utf8')),
      runId: 'r1',
      status: 'interrupted',
      finishedAt: undefined,
      backend: 'auto',
      accelerator: 'auto',
      acceleratorReason: 'not probed yet',
      matrixFile: path.join(root, 'matrix.json'),
      matrix,
      cells: ['ref__retpoline__test-run', 'ref__off__test-run'],
    };
    await mkdir(path.join(runDir, 'cells'), { recursive: true });
    await writeFile(runFile(runDir), JSON.stringify(meta));
    const fixtureCell = JSON.parse(await readFile(cellFile(path.join(FIXTURE_ROOT, KVM_RUN), A_CELL), 'utf8'));
    await writeFile(
      cellFile(runDir, 'ref__retpoline__test-run'),
      JSON.stringify({ ...fixtureCell, runId: 'r1', cellId: 'ref__retpoline__test-run' }),
    );
    await writeFile(
      cellFile(runDir, 'ref__off__test-run'),
      JSON.stringify({ ...fixtureCell, cellId: 'ref__off__test-run', status: 'half-done' }),
    );
    const request = {
      matrix,
      matrixFile: meta.matrixFile,
      kernelArgs: [],
      boots: [],
      benches: [],
      patches: [],
      compareWith: [],
      resultsRoot: root,
      resume: 'r1',
    };
    const resumed = await prepareRun(request);
    expect(resumed.ok && [...resumed.value.done]).toEqual(['ref__retpoline__test-run']);

    await writeFile(runFile(runDir), JSON.stringify({ ...meta, cells: 'all of them' }));
    const refused = await prepareRun(request);
    expect(!refused.ok && refused.error[0]).toContain(`--resume r1: ${runFile(runDir)}: not a tailmatrix run.json:\n  cells: `);
  });
});
