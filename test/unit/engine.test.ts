// The engine's own logic — event order, outcomes, resume bookkeeping — without QEMU: the backend here
// replays agent streams recorded from real Debian kernels (test/fixtures/jit) instead of booting them,
// because what is tested is the engine, not the VM. Kernels are local files; everything else is real
// (lockfile, cache, cell files, run.json, analysis, every report format).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tryLock } from '../../src/util/file-lock.js';
import { runMatrix, type RunDeps } from '../../src/engine/run.js';
import type { RunEvent } from '../../src/engine/events.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import type { Outcome } from '../../src/engine/outcome.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { ok } from '../../src/util/result.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { runMeta } from '../../src/results/run-meta.js';
import { readAgentStream } from '../../src/results/load.js';
import type { CellEnd, VmBackend } from '../../src/vm/types.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'jit', 'linux-6.1.176-cloud.retpoline-generic.jsonl');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The x86 boot protocol's setup header (0x55AA, "HdrS", protocol 2.15): what the local source checks. */
function setupHeader(): Buffer {
  const b = Buffer.alloc(0x400);
  b.writeUInt16LE(0xaa55, 0x1fe);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x020f, 0x206);
  return b;
}

/** The arm64 Image header's magic ("ARM\x64" at 0x38): what the local source checks for an arm64 kernel. */
function arm64Header(): Buffer {
  const b = Buffer.alloc(0x400);
  b.write('ARM\x64', 0x38, 'latin1');
  return b;
}

async function project(kernels: { id: string; missing?: boolean; arch?: 'arm64' }[]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-engine-'));
  dirs.push(dir);
  // Never booted (the backend replays), but `--kernel PATH` images are checked: an x86 setup header (or an
  // arm64 Image header), then the id.
  for (const k of kernels)
    if (!k.missing) {
      const header = k.arch === 'arm64' ? arm64Header() : setupHeader();
      await writeFile(path.join(dir, `${k.id}.img`), Buffer.concat([header, Buffer.from(`not a real kernel: ${k.id}`)]));
    }
  const matrix = {
    kernels: kernels.map((k) => ({ id: k.id, ...(k.arch ? { arch: k.arch } : {}), source: { type: 'local', path: `${k.id}.img` } })),
    boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
    benchmarks: [{ name: 'test-run', type: 'test-run' }],
  };
  await writeFile(path.join(dir, 'matrix.json'), JSON.stringify(matrix));
  return { dir, matrixFile: path.join(dir, 'matrix.json'), resultsRoot: path.join(dir, 'results') };
}

/** Replays a real agent stream per cell; `behave` can fail a cell or abort the run in the middle. */
function replayBackend(behave: (cellId: string) => 'ok' | 'panic' | 'abort' = () => 'ok', abort?: AbortController): VmBackend {
  return {
    name: 'qemu',
    check: async () => ok(undefined),
    describe: async (spec) => [`qemu-system-x86_64 -kernel ${spec.kernel.vmlinuz}`],
    runCell: async (spec, ctx): Promise<CellEnd> => {
      ctx.emit({ type: 'phase', phase: 'boot' });
      const what = behave(spec.cellId);
      if (what === 'abort') {
        abort?.abort();
        return { status: 'timeout', consoleTail: [], wallMs: 1 };
      }
      if (what === 'panic') return { status: 'panic', message: 'Kernel panic - not syncing', consoleTail: ['Kernel panic'], wallMs: 5 };
      ctx.emit({ type: 'phase', phase: 'measure' });
      return { status: 'ok', agent: parseAgentOutput(await readFile(FIXTURE, 'utf8')), consoleTail: [], wallMs: 10 };
    },
  };
}

function deps(backend: VmBackend): Partial<RunDeps> {
  return {
    ensurePayload: async () => ok({ agent: '/nonexistent/agent', objDir: '/nonexistent', hash: 'f'.repeat(64) }),
    probeAccelerator: async () => ok({ accel: 'tcg' as const, reason: 'TCG requested' }),
    pickBackend: async () => ok({ backend, reason: 'test' }),
  };
}

async function run(
  p: Awaited<ReturnType<typeof project>>,
  backend: VmBackend,
  extra: { resume?: string; signal?: AbortSignal; parallel?: number; replicates?: number } = {},
) {
  const events: RunEvent[] = [];
  const runner = { parallel: extra.parallel ?? 1, ...(extra.replicates !== undefined ? { replicates: extra.replicates } : {}) };
  const result = await runMatrix(
    { matrixFile: p.matrixFile, resultsRoot: p.resultsRoot, resume: extra.resume, runner },
    { emit: (e) => events.push(e), signal: extra.signal, deps: deps(backend) },
  );
  return { result, events };
}

/** Event types in order, repeats folded; per-kernel chatter (logs, bytes) left out: its order is the network's. */
const kinds = (events: RunEvent[]) =>
  events
    .filter((e) => !(e.type === 'fetch' && (e.event.type === 'kernel-log' || e.event.type === 'kernel-progress')))
    .map((e) => (e.type === 'fetch' ? `fetch:${e.event.type}` : e.type === 'cell' ? `cell:${e.event.type}` : e.type))
    .filter((t, i, all) => t !== all[i - 1]);

// Each run renders every report format (vega for HTML): seconds, not milliseconds, on a loaded machine.
describe('engine: runMatrix', { timeout: 120_000 }, () => {
  it('emits the steps in order, writes cells, run.json and reports, and ends ok', async () => {
    const p = await project([{ id: 'a' }, { id: 'b' }]);
    const { result, events } = await run(p, replayBackend());
    expect(result.outcome).toEqual({ kind: 'ok' });
    expect(kinds(events)).toEqual([
      'run-start',
      'fetch:fetch-start',
      'fetch:kernel-done',
      'fetch:lock-written',
      'payload',
      'backend',
      'cells-start',
      'cell-start',
      'cell:phase',
      'cell-end',
      'cell-start',
      'cell:phase',
      'cell-end',
      'reports',
      'run-end',
    ]);
    const runDir = result.run!.runDir;
    expect((await readdir(path.join(runDir, 'cells'))).sort()).toEqual(['a__retpoline__test-run.json', 'b__retpoline__test-run.json']);
    expect(JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')).status).toBe('complete');
    const reports = events.find((e) => e.type === 'reports');
    expect(reports?.type === 'reports' && reports.files.map((f) => path.basename(f))).toEqual([
      'report.md',
      'report.html',
      'summary.json',
      'junit.xml',
    ]);
  });

  it('a failed cell is a cell failure (exit 2); the other cell and the reports are still written', async () => {
    const p = await project([{ id: 'a' }, { id: 'b' }]);
    const { result, events } = await run(
      p,
      replayBackend((id) => (id.startsWith('a') ? 'panic' : 'ok')),
    );
    expect(result.outcome).toEqual({ kind: 'cell-failures', cells: ['a__retpoline__test-run'] });
    expect(exitCodeOf(result.outcome)).toBe(EXIT.cellFailures);
    expect(events.some((e) => e.type === 'reports')).toBe(true);
  });

  it('a kernel that cannot be fetched is bad input; its cells are not run, the others are', async () => {
    const p = await project([{ id: 'a' }, { id: 'gone', missing: true }]);
    const { result, events } = await run(p, replayBackend());
    expect(result.outcome.kind).toBe('bad-input');
    expect(result.outcome.kind === 'bad-input' && result.outcome.messages.join()).toMatch(/gone: source.path: no kernel image at/);
    expect(events.filter((e) => e.type === 'cell-not-run').map((e) => e.type === 'cell-not-run' && e.cellId)).toEqual([
      'gone__retpoline__test-run',
    ]);
    expect(events.filter((e) => e.type === 'cell-end')).toHaveLength(1);
  });

  it("the user's own kernel failing (--kernel PATH that is no bzImage) stops the run before any reference cell boots", async () => {
    const p = await project([{ id: 'ref' }]);
    const notImage = path.join(p.dir, 'vmlinux');
    await writeFile(notImage, Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(0x400)]));
    const booted: string[] = [];
    const events: RunEvent[] = [];
    const result = await runMatrix(
      { matrixFile: p.matrixFile, resultsRoot: p.resultsRoot, runner: { parallel: 1 }, kernelArgs: [notImage], compareWith: ['ref'] },
      {
        emit: (e) => events.push(e),
        deps: deps(
          replayBackend((id) => {
            booted.push(id);
            return 'ok';
          }),
        ),
      },
    );
    expect(result.outcome.kind).toBe('bad-input');
    expect(result.outcome.kind === 'bad-input' && result.outcome.messages.join()).toMatch(
      /vmlinux is not an x86 bzImage: an ELF file \(vmlinux\?\)/,
    );
    expect(booted).toEqual([]);
    expect(events.filter((e) => e.type === 'cell-end')).toHaveLength(0);
  });

  it('a run of two architectures records the target of each in run.json: arch, accelerator, timing, backend, each with why', async () => {
    const p = await project([{ id: 'x' }, { id: 'y', arch: 'arm64' }]);
    const { result } = await run(p, replayBackend());
    const meta = JSON.parse(await readFile(path.join(result.run!.runDir, 'run.json'), 'utf8'));
    expect(runMeta.safeParse(meta).success).toBe(true);
    expect(meta.targets).toEqual([
      {
        arch: 'amd64',
        archReason: "the kernel's (matrix.json), the host's own",
        accelerator: 'tcg',
        acceleratorReason: 'TCG requested',
        timing: { mode: 'icount', shift: 3 },
        timingReason: 'auto: instruction counting under TCG',
        backend: 'qemu',
        backendReason: 'test',
      },
      {
        arch: 'arm64',
        archReason: "the kernel's (matrix.json), emulated on this amd64 host",
        accelerator: 'tcg',
        acceleratorReason: "TCG: KVM runs only guests of the host's architecture (amd64); this kernel is arm64",
        timing: { mode: 'icount', shift: 3 },
        timingReason: 'auto: instruction counting under TCG',
        backend: 'qemu',
        // auto never hands another architecture's guest to vng, and says why (src/vm/target.ts).
        backendReason: expect.stringMatching(/^auto: qemu, since vng boots another architecture's kernel only with --root/),
      },
    ]);
    // The top-level fields keep the first target, their reasons naming its architecture.
    expect(meta.accelerator).toBe('tcg');
    expect(meta.acceleratorReason).toBe('amd64: TCG requested');
  });

  it('--kernel ID=PATH next to a reference: cells under that id, run.json names it, the report states patched minus reference', async () => {
    const p = await project([{ id: 'ref' }]);
    const image = path.join(p.dir, 'bzImage');
    await writeFile(image, Buffer.concat([setupHeader(), Buffer.from('the patched kernel')]));
    const result = await runMatrix(
      {
        matrixFile: p.matrixFile,
        resultsRoot: p.resultsRoot,
        runner: { parallel: 1 },
        kernelArgs: [`mine=${image}`],
        compareWith: ['ref'],
      },
      { emit: () => undefined, deps: deps(replayBackend()) },
    );
    expect(result.outcome).toEqual({ kind: 'ok' });
    const runDir = result.run!.runDir;
    expect((await readdir(path.join(runDir, 'cells'))).sort()).toEqual(['mine__retpoline__test-run.json', 'ref__retpoline__test-run.json']);
    expect(JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')).userKernels).toEqual(['mine']);
    // Both cells replay the same stream: the difference is 0 in each figure, in the figure's unit.
    const md = await readFile(path.join(runDir, 'report.md'), 'utf8');
    expect(md, md.slice(0, 1500)).toMatch(
      /: your kernel mine minus reference ref \(retpoline \/ test-run\): direct 0\.00 \[-?[\d.]+, [\d.]+\] (instr|ns)\/call, indirect 0\.00 \[-?[\d.]+, [\d.]+\] (instr|ns)\/call/,
    );
  });

  it('interrupted: keeps finished cells, marks run.json, and --resume runs only the missing cell', async () => {
    const p = await project([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const abort = new AbortController();
    const first = await run(
      p,
      replayBackend((id) => (id.startsWith('b') ? 'abort' : 'ok'), abort),
      { signal: abort.signal },
    );
    expect(first.result.outcome.kind).toBe('interrupted');
    expect(exitCodeOf(first.result.outcome)).toBe(EXIT.interrupted);
    expect(first.events.map((e) => e.type)).toContain('cell-interrupted');
    expect(first.events.some((e) => e.type === 'reports')).toBe(false);
    const runId = first.result.run!.runId;
    const runDir = first.result.run!.runDir;
    expect(JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')).status).toBe('interrupted');
    expect(await readdir(path.join(runDir, 'cells'))).toEqual(['a__retpoline__test-run.json']);
    // The hint names the matrix and the results folder: following it finds the run.
    const hint = first.result.outcome.kind === 'interrupted' ? first.result.outcome.message : '';
    expect(hint).toMatch(new RegExp(`continue with: tailmatrix run --resume ${runId} -m \\S+ --results \\S+$`));

    // While another process still runs it (holds its directory's lock), --resume is refused.
    const held = await tryLock(path.join(runDir, '.run'));
    const meanwhile = await run(p, replayBackend(), { resume: runId });
    await held?.();
    expect(meanwhile.result.outcome.kind).toBe('bad-input');
    expect(meanwhile.result.outcome.kind === 'bad-input' && meanwhile.result.outcome.messages.join()).toMatch(
      new RegExp(`run ${runId} is still running \\(host .* pid ${process.pid}`),
    );

    const ran: string[] = [];
    const second = await run(
      p,
      replayBackend((id) => {
        ran.push(id);
        return 'ok';
      }),
      { resume: runId },
    );
    const start = second.events[0];
    expect(start?.type === 'run-start' && { todo: start.todo, done: start.done }).toEqual({
      todo: ['b__retpoline__test-run', 'c__retpoline__test-run'],
      done: ['a__retpoline__test-run'],
    });
    expect(ran).toEqual(['b__retpoline__test-run', 'c__retpoline__test-run']);
    expect(second.result.outcome).toEqual({ kind: 'ok' });
    expect((await readdir(path.join(runDir, 'cells'))).sort()).toHaveLength(3);
    expect(JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')).status).toBe('complete');
  });

  it('replicates: each cell N times, round by round, unique ids, the index in the cell; --resume runs the missing replicates', async () => {
    const p = await project([{ id: 'a' }, { id: 'b' }]);
    const abort = new AbortController();
    const first = await run(
      p,
      replayBackend((id) => (id === 'b__retpoline__test-run__r0' ? 'abort' : 'ok'), abort),
      { signal: abort.signal, replicates: 2 },
    );
    expect(first.result.outcome.kind).toBe('interrupted');
    const runId = first.result.run!.runId;
    const runDir = first.result.run!.runDir;
    expect(await readdir(path.join(runDir, 'cells'))).toEqual(['a__retpoline__test-run__r0.json']);

    // No --replicates on resume: the run's own matrix (run.json) knows there are two.
    const ran: string[] = [];
    const second = await run(
      p,
      replayBackend((id) => {
        ran.push(id);
        return 'ok';
      }),
      { resume: runId },
    );
    expect(ran).toEqual(['b__retpoline__test-run__r0', 'a__retpoline__test-run__r1', 'b__retpoline__test-run__r1']);
    expect(second.result.outcome).toEqual({ kind: 'ok' });
    const cells = await Promise.all(
      (await readdir(path.join(runDir, 'cells')))
        .sort()
        .map(async (f) => JSON.parse(await readFile(path.join(runDir, 'cells', f), 'utf8')) as CellResult),
    );
    expect(cells.map((c) => [c.cellId, c.replicate, c.concurrentCells])).toEqual([
      ['a__retpoline__test-run__r0', 0, 1],
      ['a__retpoline__test-run__r1', 1, 1],
      ['b__retpoline__test-run__r0', 0, 1],
      ['b__retpoline__test-run__r1', 1, 1],
    ]);
    for (const c of cells) expect(await readAgentStream(runDir, c.cellId)).toMatchObject({ ok: true });
  });

  it('records in each cell how many cells ran at once (runner.parallel 2, both cells held until both started)', async () => {
    const p = await project([{ id: 'a' }, { id: 'b' }]);
    const inner = replayBackend();
    let started = 0;
    let release: () => void = () => undefined;
    const both = new Promise<void>((r) => (release = r));
    const held: VmBackend = {
      ...inner,
      runCell: async (spec, ctx) => {
        if (++started === 2) release();
        await both;
        return inner.runCell(spec, ctx);
      },
    };
    const { result } = await run(p, held, { parallel: 2 });
    expect(result.results.map((c) => c.concurrentCells)).toEqual([2, 2]);
  });

  it('a resumed run with nothing left writes the reports and ends ok without fetching', async () => {
    const p = await project([{ id: 'a' }]);
    const first = await run(p, replayBackend());
    const again = await run(
      p,
      replayBackend(() => {
        throw new Error('no cell may run');
      }),
      { resume: first.result.run!.runId },
    );
    expect(kinds(again.events)).toEqual(['run-start', 'reports', 'run-end']);
    expect(again.result.outcome).toEqual({ kind: 'ok' });
  });

  it('a malformed matrix is bad input naming the field, before anything starts', async () => {
    const p = await project([{ id: 'a' }]);
    await writeFile(
      p.matrixFile,
      JSON.stringify({ kernels: [{ id: 'a', source: { type: 'debian', suite: 'bookworm' } }], boots: [], benchmarks: [] }),
    );
    const { result, events } = await run(p, replayBackend());
    expect(result.outcome.kind).toBe('bad-input');
    expect(result.outcome.kind === 'bad-input' && result.outcome.messages.join('\n')).toMatch(/kernels\[0\]\.source\.package/);
    expect(events.map((e) => e.type)).toEqual(['run-end']);
  });
});

describe('exit codes: one mapping for every command', () => {
  it.each<[Outcome, number]>([
    [{ kind: 'ok' }, 0],
    [{ kind: 'regression', regressions: 1 }, 1],
    [{ kind: 'cell-failures', cells: ['x'] }, 2],
    [{ kind: 'bad-input', messages: [] }, 64],
    [{ kind: 'unavailable', messages: [] }, 69],
    [{ kind: 'interrupted', message: '' }, 130],
  ])('%j → %i', (o, code) => {
    expect(exitCodeOf(o)).toBe(code);
  });
});
