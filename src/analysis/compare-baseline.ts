// The regression gate: cell by cell (matched on kernel/boot/benchmark), variant by variant.
import type { Gate } from '../matrix/schema.js';
import { variant as variantEnum } from '../results/cell-result.js';
import { intervalsOverlap } from './stats.js';
import type { BaselineComparison, BaselineSummary, Summary } from './summary-schema.js';
import { summaryKind, unitOf } from './units.js';
import type { FigureKind } from '../results/cell-result.js';

/**
 * A slope regressed when it rose by more than gate.thresholdNs (gate.thresholdInstructions for
 * instruction counts) AND by more than gate.thresholdPct
 * AND its interval no longer overlaps the baseline's: the thresholds keep tiny real changes quiet,
 * the interval test keeps noise quiet.
 */
export function isRegression(
  base: { slope: number; ci: readonly [number, number] },
  cur: { slope: number; ci: readonly [number, number] },
  gate: Gate,
  kind: FigureKind = 'hardware-ns',
): boolean {
  const delta = cur.slope - base.slope;
  const pct = base.slope > 0 ? (100 * delta) / base.slope : Number.POSITIVE_INFINITY;
  const threshold = kind === 'instructions' ? gate.thresholdInstructions : gate.thresholdNs;
  return delta > threshold && pct > gate.thresholdPct && !intervalsOverlap(base.ci, cur.ci);
}

export function compareWithBaseline(current: Summary, baseline: Summary, source: string, gate: Gate): BaselineSummary {
  const base = new Map(baseline.cells.map((c) => [c.key, c]));
  const comparisons: BaselineComparison[] = [];
  for (const cur of current.cells) {
    const b = base.get(cur.key);
    if (!b) continue;
    for (const v of variantEnum.options) {
      const cf = cur[v]?.fit;
      const bf = b[v]?.fit;
      if (!cf || !bf) continue;
      // Instructions, emulated ns and hardware ns measure different things: never compared. Emulated and
      // hardware timings under different accelerators would gate on noise.
      const kind = summaryKind(cur);
      const baseKind = summaryKind(b);
      const note =
        kind !== baseKind
          ? `figure kind changed (${baseKind} → ${kind}), not compared`
          : cur.accelerator !== b.accelerator
            ? `accelerator changed (${b.accelerator} → ${cur.accelerator}), not compared`
            : null;
      const deltaNs = cf.slope - bf.slope;
      comparisons.push({
        key: cur.key,
        variant: v,
        figureKind: kind,
        unit: unitOf(kind),
        baselineSlope: bf.slope,
        baselineCi: bf.slopeCi,
        currentSlope: cf.slope,
        currentCi: cf.slopeCi,
        deltaNs,
        deltaPct: bf.slope !== 0 ? (100 * deltaNs) / bf.slope : 0,
        regression: note === null && isRegression({ slope: bf.slope, ci: bf.slopeCi }, { slope: cf.slope, ci: cf.slopeCi }, gate, kind),
        note,
      });
    }
  }
  const currentKeys = new Set(current.cells.map((c) => c.key));
  return {
    source,
    gate: { thresholdNs: gate.thresholdNs, thresholdInstructions: gate.thresholdInstructions, thresholdPct: gate.thresholdPct },
    comparisons,
    regressions: comparisons.filter((c) => c.regression).length,
    missing: baseline.cells.map((c) => c.key).filter((k) => !currentKeys.has(k)),
  };
}
