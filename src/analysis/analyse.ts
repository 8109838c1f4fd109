// All loaded cells → one Summary (baseline attached separately by compare-baseline.ts).
import type { CellResult } from '../results/cell-result.js';
import { TOOL_VERSION } from '../util/version.js';
import { analyseCell } from './analyse-cell.js';
import { analyseTrafficCell, attachTestRunAgreement } from './analyse-traffic.js';
import { retpolinePrices } from './retpoline-price.js';
import { byListThenName, type MatrixOrder } from './matrix-order.js';
import { SUMMARY_VERSION, type CellSummary, type Summary } from './summary-schema.js';

const NO_ORDER: MatrixOrder = { kernels: [], boots: [], benchmarks: [] };

function compareCells(o: MatrixOrder) {
  return (a: CellSummary, b: CellSummary): number =>
    byListThenName(o.benchmarks, a.benchmark.name, b.benchmark.name) ||
    byListThenName(o.kernels, a.kernel.id, b.kernel.id) ||
    byListThenName(o.boots, a.boot.name, b.boot.name) ||
    a.runId.localeCompare(b.runId) ||
    a.cellId.localeCompare(b.cellId);
}

/** `order`: the matrix order from run.json (see matrix-order.ts); without it, natural name order. */
export function analyse(cells: readonly CellResult[], order: MatrixOrder = NO_ORDER): Summary {
  const summaries = cells.map((c) => (c.benchmark.type === 'traffic' ? analyseTrafficCell(c) : analyseCell(c))).sort(compareCells(order));
  attachTestRunAgreement(summaries);
  // The same kernel/boot/benchmark from two runs (e.g. KVM and TCG merged): keep both, told apart by run.
  const counts = new Map<string, number>();
  for (const s of summaries) counts.set(s.key, (counts.get(s.key) ?? 0) + 1);
  for (const s of summaries) if ((counts.get(s.key) ?? 0) > 1) s.key = `${s.key}@${s.runId}`;
  // Skipped cells (not runnable here, e.g. a running-kernel cell without root) are neither ok nor failed.
  const skipped = summaries.filter((s) => s.status === 'skipped').length;
  const failed = summaries.filter((s) => s.status !== 'ok' && s.status !== 'skipped').length;
  const byKind: Record<string, number> = {};
  for (const s of summaries) if (s.figureKind) byKind[s.figureKind] = (byKind[s.figureKind] ?? 0) + 1;
  return {
    summaryVersion: SUMMARY_VERSION,
    tool: { name: 'tailmatrix', version: TOOL_VERSION },
    runs: [...new Set(summaries.map((s) => s.runId))].sort(),
    totals: {
      cells: summaries.length,
      ok: summaries.filter((s) => s.status === 'ok').length,
      failed,
      skipped,
      emulated: summaries.filter((s) => s.emulated).length,
      byKind,
    },
    cells: summaries,
    notes: [],
    retpolinePrices: retpolinePrices(summaries),
    baseline: null,
  };
}
