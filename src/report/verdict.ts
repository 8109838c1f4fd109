// The gate's verdict over a summary: a regression, failed cells, or ok.
import type { Summary } from '../analysis/summary-schema.js';
import { OK, type Outcome } from '../run/outcome.js';

/** A regression beats failed cells: a regression is a finding, a failed cell a missing one. */
export function summaryVerdict(s: Summary): Outcome {
  const regressions = s.baseline?.regressions ?? 0;
  if (regressions > 0) return { kind: 'regression', regressions };
  const failed = s.cells.filter((c) => c.status !== 'ok' && c.status !== 'skipped').map((c) => c.cellId);
  if (failed.length > 0) return { kind: 'cell-failures', cells: failed };
  return OK;
}
