// Every cell's summary → one Summary (baseline attached separately by compare-baseline.ts). Each cell is
// summarised by its benchmark type's analysis, chosen by its driver (src/benchmarks/analyse.ts `analyse`).
import { isFailedStatus } from '../results/cell-result.js';
import { TOOL_VERSION } from '../util/version.js';
import { cellKey } from './analyse-cell.js';
import { attachTestRunAgreement } from './analyse-traffic.js';
import { seriesIn } from './compare-baseline.js';
import { strayReplicates, strayWarning } from './machine-shift.js';
import { retpolinePrices } from './retpoline-price.js';
import { byListThenName, type MatrixOrder } from './matrix-order.js';
import { SUMMARY_VERSION, type CellSummary, type Summary } from './summary-schema.js';
import { summaryKind } from './units.js';

const NO_ORDER: MatrixOrder = { kernels: [], boots: [], benchmarks: [] };

function compareCells(o: MatrixOrder) {
  return (a: CellSummary, b: CellSummary): number =>
    byListThenName(o.benchmarks, a.benchmark.name, b.benchmark.name) ||
    byListThenName(o.kernels, a.kernel.id, b.kernel.id) ||
    byListThenName(o.boots, a.boot.name, b.boot.name) ||
    a.runId.localeCompare(b.runId) ||
    a.cellId.localeCompare(b.cellId);
}

/** Renames the summaries whose key others share when they differ in `part` (their run, their replicate). */
function disambiguate(summaries: CellSummary[], part: (s: CellSummary) => string, rename: (s: CellSummary) => string): void {
  const parts = new Map<string, Set<string>>();
  for (const s of summaries) parts.set(s.key, (parts.get(s.key) ?? new Set()).add(part(s)));
  for (const s of summaries) if ((parts.get(s.key)?.size ?? 0) > 1) s.key = rename(s);
}

/** Warns on each hardware replicate that ran in another state of the machine than most replicates of its cell. */
function warnStrayReplicates(summaries: readonly CellSummary[]): void {
  const groups = new Map<string, CellSummary[]>();
  for (const s of summaries) {
    if (s.status !== 'ok' || summaryKind(s) !== 'hardware-ns') continue;
    const k = cellKey(s);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const cells of groups.values()) for (const r of strayReplicates(cells, seriesIn(cells)).stray) r.cell.warnings.push(strayWarning(r));
}

/**
 * `summaries`: one a cell, each already analysed (and sorted here, in place); `order`: the matrix order
 * from run.json (see matrix-order.ts); without it, natural name order.
 */
export function summarise(summaries: CellSummary[], order: MatrixOrder = NO_ORDER): Summary {
  summaries.sort(compareCells(order));
  attachTestRunAgreement(summaries);
  // The same kernel/boot/benchmark from two runs (e.g. KVM and TCG merged) or several replicates of one:
  // keep them all, told apart by run and then by replicate (the gate groups them by their fields, not key).
  disambiguate(
    summaries,
    (s) => s.runId,
    (s) => `${s.key}@${s.runId}`,
  );
  disambiguate(
    summaries,
    (s) => String(s.replicate ?? 0),
    (s) => `${s.key}#r${s.replicate ?? 0}`,
  );
  warnStrayReplicates(summaries);
  // Skipped cells (not runnable here, e.g. a running-kernel cell without root) are neither ok nor failed.
  const skipped = summaries.filter((s) => s.status === 'skipped').length;
  const failed = summaries.filter((s) => isFailedStatus(s.status)).length;
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
