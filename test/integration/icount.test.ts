// Deterministic emulation end to end: real Debian kernels under TCG with instruction counting
// (-icount), the real agent and BPF objects through the qemu backend, the real analysis. The figures
// are exact, so the assertions are exact: the same cell twice gives the same instruction counts, every
// fit is a straight line, a direct jump costs fewer instructions than an indirect one, and the plain
// `jmp *reg` of spectre_v2=off fewer than the retpoline thunk, on every default kernel.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseCell } from '../../src/analysis/analyse-cell.js';
import type { CellSummary } from '../../src/analysis/summary-schema.js';
import { fetchKernels } from '../../src/kernels/index.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import type { Matrix } from '../../src/matrix/schema.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { assembleCellResult } from '../../src/cells/assemble.js';
import { cellRunSpec } from '../../src/cells/cell-spec.js';
import { RETPOLINE_THUNK_RUNS } from '../../src/report/sequence-format.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import type { CellRunSpec } from '../../src/vm/types.js';
import { testPayload } from './qemu-kernels.js';
import { testRunParams } from '../support/test-run.js';

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

let matrix: Matrix;
let kernels: Map<string, FetchedKernel>;
beforeAll(async () => {
  const loaded = await loadMatrix(path.join(PACKAGE_ROOT, 'matrix.json'));
  if (!loaded.ok) throw new Error(loaded.error.join('\n'));
  matrix = loaded.value.matrix;
  const res = await fetchKernels({ matrix, matrixFile: loaded.value.file });
  if (!res.ok) throw new Error(`fetching the default kernels failed: ${res.error.map((e) => e.message).join('; ')}`);
  kernels = res.value.kernels;
}, 600_000);

/** One cell of the default matrix (its real sweep) under instruction counting, analysed. */
async function icountCell(kernelId: string, bootName: string): Promise<{ result: CellResult; summary: CellSummary }> {
  const boot = matrix.boots.find((b) => b.name === bootName);
  if (!boot) throw new Error(`matrix.json has no boot ${bootName}`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-test-icount-'));
  workDirs.push(workDir);
  const spec: CellRunSpec = cellRunSpec({
    cellId: `${kernelId}__${bootName}`,
    kernel: kernels.get(kernelId)!,
    boot,
    benchmark: matrix.benchmarks[0]!,
    runner: { ...matrix.runner, backend: 'qemu', accel: 'tcg' },
    accel: 'tcg',
    timing: { mode: 'icount', shift: ICOUNT_SHIFT },
    payload: await testPayload(),
    workDir,
  });
  const startedAt = new Date();
  const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: () => undefined });
  const result = await assembleCellResult({ runId: 'icount-test', spec, backend: 'qemu', outcome, startedAt, finishedAt: new Date() });
  expect(result.status, `${spec.cellId}: ${result.message ?? ''}\n${result.consoleTail.join('\n')}`).toBe('ok');
  return { result, summary: analyseCell(result) };
}

/** Run cells two at a time: the machine's cores, and -icount figures do not mind neighbours. */
async function inPairs<T, R>(items: readonly T[], f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** The reported figures: per-depth instruction counts (median of the samples) and the fits. */
const figures = (s: CellSummary) => [s.direct, s.indirect].map((v) => ({ variant: v?.variant, points: v?.points, fit: v?.fit }));

function expectExactFits(s: CellSummary): void {
  for (const v of [s.direct, s.indirect]) {
    expect(v?.fit, `${s.key} ${v?.variant}`).toBeTruthy();
    expect(v!.fit!.r2, `${s.key} ${v!.variant} R²`).toBeGreaterThanOrEqual(0.999);
    // Identical programs at every depth: each tail call adds the same whole number of instructions.
    expect(Math.abs(v!.fit!.slope - Math.round(v!.fit!.slope)), `${s.key} ${v!.variant} slope ${v!.fit!.slope}`).toBeLessThan(1e-9);
  }
}

describe('instruction counting under TCG (qemu backend, default kernels)', () => {
  it('records what ran: figure kind, shift, the derived sweep, whole instructions per sample', async () => {
    // Covered on every cell below too; here the cell document itself.
    const { result } = await icountCell('6.1-cloud', 'retpoline');
    expect(result.figureKind).toBe('instructions');
    expect(result.icountShift).toBe(ICOUNT_SHIFT);
    expect(result.benchmark.params).toMatchObject({ samples: 3, repeat: 1, maxDepth: testRunParams(matrix.benchmarks[0]!).maxDepth });
    for (const v of result.variants) {
      for (const s of v.samples) {
        expect(Number.isInteger(s.instructions), `${v.variant} depth ${s.depth}: ${s.durationNs} ns`).toBe(true);
        // The guest clocksource's scaling may leave a reading 1 ns off; never more.
        expect(
          Math.abs(s.instructions! * 2 ** ICOUNT_SHIFT - s.durationNs),
          `${v.variant} depth ${s.depth}: ${s.durationNs} ns`,
        ).toBeLessThanOrEqual(1);
      }
    }
  }, 900_000);

  it('the same cell twice gives identical instruction figures, and every fit is exact (R² ≥ 0.999)', async () => {
    const [a, b] = await inPairs([1, 2], () => icountCell('5.10-cloud', 'retpoline'));
    expect(JSON.stringify(figures(a!.summary))).toBe(JSON.stringify(figures(b!.summary)));
    expect(a!.summary.direct!.points).toHaveLength(testRunParams(matrix.benchmarks[0]!).maxDepth + 1);
    expectExactFits(a!.summary);
    expectExactFits(b!.summary);
  }, 900_000);

  it('on every default kernel: direct < indirect, and plain jmp *reg (spectre_v2=off) < the retpoline thunk', async () => {
    // The emulated kernels of the default matrix; its running kernel is timed on hardware (native.test.ts).
    const ids = matrix.kernels.filter((k) => k.source.type !== 'running').map((k) => k.id);
    const pairs = ids.flatMap((id) => [
      { id, boot: 'retpoline' },
      { id, boot: 'mitigations-off' },
    ]);
    const cells = await inPairs(pairs, (p) => icountCell(p.id, p.boot));
    const rows: string[] = [];
    for (const id of ids) {
      const ret = cells[pairs.findIndex((p) => p.id === id && p.boot === 'retpoline')]!.summary;
      const off = cells[pairs.findIndex((p) => p.id === id && p.boot === 'mitigations-off')]!.summary;
      for (const s of [ret, off]) {
        expectExactFits(s);
        expect(s.warnings, s.key).toEqual([]);
        expect(s.direct!.mechanism, `${s.key} direct`).toBe('direct-jump');
        expect(s.direct!.fit!.slope, `${s.key}: direct < indirect`).toBeLessThan(s.indirect!.fit!.slope);
      }
      expect(ret.indirect!.mechanism, `${id} retpoline`).toBe('retpoline-thunk');
      expect(off.indirect!.mechanism, `${id} spectre_v2=off`).toBe('plain-indirect');
      expect(off.indirect!.fit!.slope, `${id}: jmp *reg < retpoline thunk`).toBeLessThan(ret.indirect!.fit!.slope);
      for (const [s, cell] of [
        [ret, cells[pairs.findIndex((p) => p.id === id && p.boot === 'retpoline')]!.result],
        [off, cells[pairs.findIndex((p) => p.id === id && p.boot === 'mitigations-off')]!.result],
      ] as const) {
        // The two chains are the same machine code outside the tail-call sequence, on all 34 programs …
        expect(cell.jitSymmetry, `${s.key}: ${JSON.stringify(cell.jitSymmetry?.differences)}`).toMatchObject({
          verdict: 'identical',
          programs: 34,
          programsDiffering: 0,
        });
        expect(s.withheldReason, s.key).toBeNull();
        // … so the exact saving is the two sequences' instructions, counted in the images: the instructions a
        // taken tail call runs in each, plus the retpoline thunk's call, mov %rcx,(%rsp) and ret.
        const [d, x] = (['direct', 'indirect'] as const).map((v) => cell.jitSymmetry!.sequences.find((q) => q.variant === v)!);
        const thunk = x!.mechanism === 'retpoline-thunk' ? RETPOLINE_THUNK_RUNS : 0;
        expect(
          s.indirect!.fit!.slope - s.direct!.fit!.slope,
          `${s.key}: ${d!.executed} direct, ${x!.executed} indirect in the image`,
        ).toBeCloseTo(x!.executed + thunk - d!.executed, 9);
      }
      rows.push(
        `${id}: direct ${ret.direct!.fit!.slope.toFixed(2)}/${off.direct!.fit!.slope.toFixed(2)}, indirect retpoline ${ret.indirect!.fit!.slope.toFixed(2)}, jmp *reg ${off.indirect!.fit!.slope.toFixed(2)} instr/call`,
      );
    }
    console.log(`[icount] instructions per tail call (shift ${ICOUNT_SHIFT}):\n${rows.join('\n')}`);
  }, 1_800_000);
});
