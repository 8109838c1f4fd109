// The exact gate on real kernels: Debian's linux-source-6.1 built by the project's build engine, once
// as it is and once with test/fixtures/patches/one-more-tail-call-insn.patch (one `nop` more on both x86
// JIT tail-call paths), each booted under TCG with instruction counting, with the real agent and sweep.
// The patched kernel crosses the gate by exactly one instruction per tail call on both variants; two
// runs of the unpatched kernel never cross it (exact counts: no statistics, no false alarm).
// Slow: the builds are incremental from the shared object directory (a cold one takes an hour).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import type { Summary } from '../../src/analysis/summary-schema.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { gate as gateSchema, type Matrix } from '../../src/matrix/schema.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { summaryVerdict } from '../../src/engine/verdict.js';
import { assembleCellResult } from '../../src/cells/assemble.js';
import { cellRunSpec } from '../../src/cells/cell-spec.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import { testPayload } from '../integration/qemu-kernels.js';
import { buildLinux61, ONE_MORE_INSN_PATCH } from './linux-6.1.js';

const BUILD_TIMEOUT_MS = 3 * 60 * 60_000;
const GATE = gateSchema.parse({});
const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

let matrix: Matrix;
const kernels: Record<'base' | 'patched', FetchedKernel | undefined> = { base: undefined, patched: undefined };

beforeAll(async () => {
  const loaded = await loadMatrix(path.join(PACKAGE_ROOT, 'matrix.json'));
  if (!loaded.ok) throw new Error(loaded.error.join('\n'));
  matrix = loaded.value.matrix;
  // One id for both builds: the same matrix entry, measured before and after a change to its source.
  for (const [which, patches] of [
    ['base', []],
    ['patched', [ONE_MORE_INSN_PATCH]],
  ] as const) {
    const r = await buildLinux61('linux-6.1', patches);
    if (!r.ok) throw new Error(`building linux-6.1 (${which}): ${typeof r.error === 'string' ? r.error : r.error.message}`);
    kernels[which] = r.value.kernel;
  }
}, BUILD_TIMEOUT_MS);

/** The default matrix's sweep in the retpoline boot, under -icount, as `tailmatrix run` assembles it. */
async function icountCell(kernel: FetchedKernel, runId: string): Promise<CellResult> {
  const boot = matrix.boots.find((b) => b.name === 'retpoline')!;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-gate-exact-'));
  workDirs.push(workDir);
  const spec = cellRunSpec({
    cellId: `${kernel.id}__${boot.name}__test-run`,
    kernel,
    boot,
    benchmark: matrix.benchmarks[0]!,
    runner: { ...matrix.runner, backend: 'qemu' as const, accel: 'tcg' as const, timeoutSec: 1800 },
    accel: 'tcg' as const,
    timing: { mode: 'icount' as const, shift: ICOUNT_SHIFT },
    payload: await testPayload(),
    workDir,
  });
  const startedAt = new Date();
  const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: () => undefined });
  const result = await assembleCellResult({ runId, spec, backend: 'qemu', outcome, startedAt, finishedAt: new Date() });
  expect(result.status, `${runId}: ${result.message ?? ''}\n${result.consoleTail.join('\n')}`).toBe('ok');
  return result;
}

describe('exact gate: linux-6.1 with one more instruction per tail call', () => {
  let base1: Summary;
  let base2: Summary;
  let patched: Summary;

  it(
    'boots the unpatched kernel twice and the patched one once, all cells exact instruction counts',
    async () => {
      // -icount figures do not mind a neighbour: two guests at once on the 2 cores.
      const [a, p] = await Promise.all([icountCell(kernels.base!, 'base-1'), icountCell(kernels.patched!, 'patched')]);
      const b = await icountCell(kernels.base!, 'base-2');
      base1 = analyse([a]);
      base2 = analyse([b]);
      patched = analyse([p]);
      for (const s of [base1, base2, patched]) {
        const c = s.cells[0]!;
        expect(c).toMatchObject({ figureKind: 'instructions', unit: 'instructions', key: 'linux-6.1/retpoline/test-run' });
        expect(c.direct?.mechanism).toBe('direct-jump');
        expect(c.indirect?.mechanism).toBe('retpoline-thunk');
        console.log(`${c.runId}: direct ${c.direct?.fit?.slope} instr/call, indirect ${c.indirect?.fit?.slope} instr/call`);
      }
    },
    60 * 60_000,
  );

  it('two runs of the same kernel never cross the gate: every figure identical', () => {
    const b = compareWithBaseline(base2, base1, 'base-1', GATE);
    expect(b.comparisons.map((k) => [k.variant, k.status, k.method, k.deltaNs])).toEqual([
      ['direct', 'ok', 'exact', 0],
      ['indirect', 'ok', 'exact', 0],
    ]);
    expect(b.problems).toEqual([]);
    expect(exitCodeOf(summaryVerdict({ ...base2, baseline: b }))).toBe(EXIT.ok);
  });

  it('the patched kernel crosses it by exactly one instruction per tail call, on both variants', () => {
    const b = compareWithBaseline(patched, base1, 'base-1', GATE);
    expect(b.comparisons.map((k) => [k.variant, k.status, k.method, k.unit, k.deltaNs])).toEqual([
      ['direct', 'regression', 'exact', 'instructions', 1],
      ['indirect', 'regression', 'exact', 'instructions', 1],
    ]);
    const gated = { ...patched, baseline: b };
    expect(exitCodeOf(summaryVerdict(gated))).toBe(EXIT.regression);
    const md = renderMarkdown(gated);
    expect(md).toContain('**2 regression(s) in 2 comparison(s).**');
    expect(md).toMatch(
      /\| linux-6\.1\/retpoline\/test-run \| indirect slope \| instructions \| \d+\.\d\d \[[\d., ]+\] instr\/call \(1 replicate, 95 % CI\) \| \d+\.\d\d \[[\d., ]+\] instr\/call \(1 replicate, 95 % CI\) \| \+1\.00 instr \(\+\d+\.\d %\) \| exact count \| ❌ regression \|/,
    );
    // A gate that asks for two instructions lets the one-instruction rise through.
    expect(compareWithBaseline(patched, base1, 'base-1', gateSchema.parse({ instructions: 2 })).regressions).toBe(0);
  });
});
