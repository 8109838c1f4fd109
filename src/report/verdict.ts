// Outcomes read off results: the gate's verdict over a summary, and the cells of this run.
import type { Summary } from '../analysis/summary-schema.js';
import type { CellResult } from '../results/cell-result.js';
import { OK, type Outcome } from '../run/outcome.js';

/** A regression beats failed cells: a regression is a finding, a failed cell a missing one. */
export function summaryVerdict(s: Summary): Outcome {
  const regressions = s.baseline?.regressions ?? 0;
  if (regressions > 0) return { kind: 'regression', regressions };
  const failed = s.cells.filter((c) => c.status !== 'ok' && c.status !== 'skipped').map((c) => c.cellId);
  if (failed.length > 0) return { kind: 'cell-failures', cells: failed };
  return OK;
}

/** Cells of this run that did not produce a result; a skipped cell (not runnable here) is not one. */
export function cellOutcome(results: readonly CellResult[]): Outcome {
  const failed = results.filter((r) => r.status !== 'ok' && r.status !== 'skipped').map((r) => r.cellId);
  return failed.length > 0 ? { kind: 'cell-failures', cells: failed } : OK;
}
