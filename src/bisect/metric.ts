// The figure a bisection watches, read from one cell result: the direct or indirect cost of one tail
// call (slope of the depth sweep) or the saving (indirect − direct), with its 95 % interval and the
// unit its figure kind gives it (the analysis already reads instruction cells in instructions).
import { analyseCell, compareVariants } from '../analysis/analyse-cell.js';
import { analyseStrategiesCell } from '../analysis/analyse-strategies.js';
import { unitOf } from '../analysis/units.js';
import { figureKindOf, type CellResult, type FigureKind } from '../results/cell-result.js';
import { err, ok, type Result } from '../util/result.js';

import type { Metric } from './choices.js';
export { METRICS, isMetric, type Metric } from './choices.js';

export interface Measurement {
  value: number;
  /** 95 % interval of this one measurement. */
  ci: [number, number];
  kind: FigureKind;
}

/** Exact figures need no repeat: one run decides. */
export function isExact(kind: FigureKind): boolean {
  return kind === 'instructions';
}

/** The metric of one cell, or why it has none (the step then counts as a skip). */
export function measureCell(cell: CellResult, metric: Metric): Result<Measurement, string> {
  if (cell.status !== 'ok') return err(`cell ${cell.status}${cell.message !== undefined ? `: ${cell.message}` : ''}`);
  const kind = figureKindOf(cell);
  if (metric.startsWith('strategy:')) {
    // A strategies cell (Benchmark 3): the named strategy's cost per transfer, unsupported being no figure.
    const name = metric.slice('strategy:'.length);
    const st = analyseStrategiesCell(cell).strategies?.find((x) => x.strategy === name);
    if (!st) return err(`no strategy ${name} in the cell (is --bench a strategies benchmark that lists it?)`);
    if (st.status === 'unsupported') return err(`${name} is unsupported on this kernel: ${st.reason ?? 'no reason given'}`);
    if (!st.fit) return err(`no ${name} slope in the cell`);
    return ok({ value: st.fit.slope, ci: [st.fit.slopeCi[0], st.fit.slopeCi[1]], kind });
  }
  const s = analyseCell(cell);
  let value: number;
  let ci: readonly [number, number];
  if (metric === 'saving') {
    if (!s.direct?.fit || !s.indirect?.fit) return err('no saving: a variant has no fitted slope');
    // Not the report's (withheld unless both jumps are proven): a commit that turns the direct jump
    // indirect is exactly what a bisect over the saving has to see measured.
    const k = compareVariants(s.direct.fit, s.indirect.fit, unitOf(kind));
    value = k.savingNs;
    ci = k.savingCi;
  } else {
    const fit = (metric === 'direct' ? s.direct : s.indirect)?.fit;
    if (fit === null || fit === undefined) return err(`no ${metric} slope in the cell`);
    value = fit.slope;
    ci = fit.slopeCi;
  }
  return ok({ value, ci: [ci[0], ci[1]], kind });
}
