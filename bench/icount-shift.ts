// Measurement behind ICOUNT_SHIFT (src/measure/timing.ts): for each -icount shift, a bare busybox boot to
// poweroff and full cells (the matrix's first boot configuration and benchmark, with the sweep
// parameters derived for instruction counting) of one real kernel, run twice: wall time, the fitted
// instructions per tail call, R², how far the per-depth figures are from whole instructions, and
// whether the two runs gave byte-identical figures.
//
//   npx tsx bench/icount-shift.ts [--kernel 6.1-cloud] [--shifts 0,1,2,3,4,5,6] [--runs 2] [-m matrix.json]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadMatrix } from '../src/matrix/load.js';
import { fetchKernels } from '../src/kernels/index.js';
import type { FetchedKernel } from '../src/kernels/types.js';
import { ensurePayload } from '../src/guest/payload.js';
import { qemuBackend } from '../src/vm/qemu.js';
import type { CellRunSpec } from '../src/vm/types.js';
import type { GuestPayload } from '../src/guest/payload.js';
import { assembleCellResult } from '../src/cells/assemble.js';
import { cellRunSpec } from '../src/cells/cell-spec.js';
import { analyseCell } from '../src/analysis/analyse-cell.js';
import type { VariantSummary } from '../src/analysis/summary-schema.js';
import { bareBoot } from './bare-boot.js';

const { values } = parseArgs({
  options: {
    matrix: { type: 'string', short: 'm', default: 'matrix.json' },
    kernel: { type: 'string', default: '6.1-cloud' },
    shifts: { type: 'string', default: '0,1,2,3,4,5,6' },
    runs: { type: 'string', default: '2' },
  },
});

const loaded = await loadMatrix(values.matrix);
if (!loaded.ok) throw new Error(loaded.error.join('\n'));
const { matrix, file } = loaded.value;
const fetched = await fetchKernels({ matrix, matrixFile: file, kernelIds: [values.kernel] });
if (!fetched.ok) throw new Error(fetched.error.map((e) => e.message).join('\n'));
const kernel = fetched.value.kernels.get(values.kernel)!;
const payload = await ensurePayload();
if (!payload.ok) throw new Error(payload.error);

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function cell(k: FetchedKernel, shift: number, pl: GuestPayload) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-bench-'));
  try {
    const spec: CellRunSpec = cellRunSpec({
      cellId: `shift-${shift}`,
      kernel: k,
      boot: matrix.boots[0]!,
      benchmark: matrix.benchmarks[0]!,
      runner: matrix.runner,
      accel: 'tcg',
      timing: { mode: 'icount', shift },
      payload: pl,
      workDir,
    });
    const startedAt = new Date();
    const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: () => undefined });
    const result = await assembleCellResult({ runId: 'bench', spec, backend: 'qemu', outcome, startedAt, finishedAt: new Date() });
    if (result.status !== 'ok') throw new Error(`shift ${shift}: ${result.status} ${result.message ?? ''}`);
    const raw = JSON.stringify(
      result.variants.map((v) =>
        [...v.samples].sort((a, b) => a.depth - b.depth || a.durationNs - b.durationNs).map((s) => s.instructions),
      ),
    );
    const summary = analyseCell(result);
    // The reported figures: per-depth medians and fits (a timer interrupt inside one raw sample moves
    // that sample, not the median of three).
    const figures = JSON.stringify([summary.direct, summary.indirect].map((v) => [v?.points, v?.fit]));
    return { wallMs: outcome.wallMs, summary, figures, raw };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Largest distance of a per-depth median from a whole number of instructions. */
const offWhole = (v: VariantSummary | null) => Math.max(0, ...(v?.points ?? []).map((p) => Math.abs(p.medianNs - Math.round(p.medianNs))));
const slope = (v: VariantSummary | null) => (v?.fit ? `${v.fit.slope.toFixed(3)} (R² ${v.fit.r2.toFixed(5)})` : 'n/a');

const bench = matrix.benchmarks[0]!;
console.log(
  `${values.kernel}, boot "${matrix.boots[0]!.name}", ${bench.name} maxDepth ${bench.type === 'test-run' ? bench.params.maxDepth : 'n/a (not a test run)'}, samples 3, repeat 1; ` +
    `TCG on ${os.cpus()[0]?.model ?? '?'} (${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log(
  '| shift | ns/instr | bare boot to poweroff | cell wall (each run) | direct instr/call | indirect instr/call | max off whole instr | figures identical | raw samples identical |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const shift of values.shifts.split(',').map(Number)) {
  const bare = await bareBoot(kernel, { memoryMiB: matrix.runner.memoryMiB, icountShift: shift, timeoutMs: 300_000 });
  const runs: Awaited<ReturnType<typeof cell>>[] = [];
  for (let i = 0; i < Number(values.runs); i++) runs.push(await cell(kernel, shift, payload.value));
  const first = runs[0]!.summary;
  const identical = runs.every((r) => r.figures === runs[0]!.figures);
  const rawIdentical = runs.every((r) => r.raw === runs[0]!.raw);
  console.log(
    `| ${shift} | ${2 ** shift} | ${secs(bare)} | ${runs.map((r) => secs(r.wallMs)).join(', ')} | ${slope(first.direct)} | ${slope(first.indirect)} | ` +
      `${Math.max(offWhole(first.direct), offWhole(first.indirect)).toFixed(3)} | ${identical ? 'yes' : 'NO'} | ${rawIdentical ? 'yes' : 'no'} |`,
  );
}
