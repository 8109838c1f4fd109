// The gate's verdict over a summary: a regression, failed or missing cells, figures that cannot be
// compared, or ok.
import type { Summary } from '../analysis/summary-schema.js';
import { isFailedStatus } from '../results/cell-result.js';
import { problemsBeyondCells } from '../report/format.js';
import { OK, type Outcome } from './outcome.js';

/**
 * A regression beats failed cells (a regression is a finding, a failed cell a missing one); both beat
 * "not comparable", which is never a pass either: the baseline says nothing about this machine.
 */
export function summaryVerdict(s: Summary): Outcome {
  const regressions = s.baseline?.regressions ?? 0;
  if (regressions > 0) return { kind: 'regression', regressions };
  const failed = s.cells.filter((c) => isFailedStatus(c.status)).map((c) => c.cellId);
  // Failed cells of the current run are listed above already; the baseline's and missing ones by key.
  const problems = (s.baseline ? problemsBeyondCells(s.baseline) : []).map(
    (p) => `${p.key}${p.figure ? ` ${p.figure}` : ''}: ${p.problem}`,
  );
  if (failed.length > 0 || problems.length > 0) return { kind: 'cell-failures', cells: [...failed, ...problems] };
  const notComparable = (s.baseline?.comparisons ?? []).filter((c) => c.status === 'not-comparable').map((c) => `${c.key} ${c.variant}`);
  if (notComparable.length > 0) return { kind: 'not-comparable', pairs: notComparable };
  return OK;
}
