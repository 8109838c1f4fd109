// All loaded cells → one Summary (baseline attached separately by compare-baseline.ts).
import type { CellResult } from '../results/cell-result.js';
import { TOOL_VERSION } from '../util/version.js';
import { analyseCell } from './analyse-cell.js';
import { SUMMARY_VERSION, type CellSummary, type Summary } from './summary-schema.js';

function order(a: CellSummary, b: CellSummary): number {
  return (
    a.benchmark.name.localeCompare(b.benchmark.name) ||
    a.kernel.id.localeCompare(b.kernel.id, undefined, { numeric: true }) ||
    a.boot.name.localeCompare(b.boot.name) ||
    a.runId.localeCompare(b.runId) ||
    a.cellId.localeCompare(b.cellId)
  );
}

export function analyse(cells: readonly CellResult[]): Summary {
  const summaries = cells.map(analyseCell).sort(order);
  // The same kernel/boot/benchmark from two runs (e.g. KVM and TCG merged): keep both, told apart by run.
  const counts = new Map<string, number>();
  for (const s of summaries) counts.set(s.key, (counts.get(s.key) ?? 0) + 1);
  for (const s of summaries) if ((counts.get(s.key) ?? 0) > 1) s.key = `${s.key}@${s.runId}`;
  const failed = summaries.filter((s) => s.status !== 'ok').length;
  return {
    summaryVersion: SUMMARY_VERSION,
    tool: { name: 'tailmatrix', version: TOOL_VERSION },
    runs: [...new Set(summaries.map((s) => s.runId))].sort(),
    totals: {
      cells: summaries.length,
      ok: summaries.length - failed,
      failed,
      emulated: summaries.filter((s) => s.emulated).length,
    },
    cells: summaries,
    baseline: null,
  };
}
