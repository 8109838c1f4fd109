// A strategies cell (Benchmark 3) → its summary: per strategy the same depth-sweep analysis as a variant of
// Benchmark 1 (./analyse-variant.ts analyseSeries), its proof, and whether an exact figure is whole.
import { figureKindOf, type CellResult, type FigureKind, type StrategyResult } from '../results/cell-result.js';
import { countContamination, withoutContaminated } from '../results/contamination.js';
import { analyseCell } from './analyse-cell.js';
import { analyseSeries } from './analyse-variant.js';
import { withoutShiftedLoads } from './load-states.js';
import type { CellSummary, FitSummary, StrategySummary } from './summary-schema.js';

/** Float rounding of a least-squares slope over whole counts (1e-12 seen) is far below this. */
const WHOLE_TOLERANCE = 1e-6;

/**
 * An exact figure is whole when the slope is a whole number of instructions and every depth lies on the
 * line: each level of the chain then ran the same instructions (an interrupt in a window would break it).
 */
function isWhole(fit: FitSummary | null, points: StrategySummary['points']): boolean {
  if (!fit) return false;
  const near = (x: number) => Math.abs(x - Math.round(x)) < WHOLE_TOLERANCE;
  return (
    near(fit.slope) &&
    near(fit.intercept) &&
    points.every((p) => Math.abs(p.medianNs - (fit.intercept + fit.slope * p.depth)) < WHOLE_TOLERANCE)
  );
}

/** `kept`: the strategy without the loads the machine changed under (load-states.ts); `s` as written, for its counts. */
function analyseStrategy(
  s: StrategyResult,
  kept: StrategyResult,
  kind: FigureKind,
  shift: number | undefined,
): { summary: StrategySummary; warnings: string[] } {
  const head = {
    strategy: s.strategy,
    status: s.status,
    reason: s.reason ?? null,
    maxDepth: s.maxDepth,
    limit: s.limit,
    needs: s.needs,
    mechanism: s.proof?.mechanism ?? null,
    proof: s.proof ?? null,
  };
  if (s.status === 'unsupported') {
    return { summary: { ...head, points: [], fit: null, tailFit: null, invalidSamples: 0, wholeNumber: null }, warnings: [] };
  }
  const proofDoubt = !s.proof
    ? 'no JIT images: which transfer ran is unproven'
    : s.proof.mechanism === 'unproven'
      ? `which transfer ran is unproven (${s.proof.note ?? 'no transfer recognised'})`
      : s.proof.bodyDifferences.length > 0
        ? `JIT images: ${s.proof.bodyDifferences.length} function(s) do not run the shared body, so more than the transfer differs (${s.proof.bodyDifferences[0]})`
        : undefined;
  const { figures, warnings } = analyseSeries(s.strategy, withoutContaminated(kept), kind, shift, proofDoubt);
  const counts = s.contamination ?? countContamination(s.samples);
  const wholeNumber = kind === 'instructions' ? isWhole(figures.fit, figures.points) : null;
  if (wholeNumber === false && figures.fit) {
    warnings.push(
      `${s.strategy}: ${figures.fit.slope.toFixed(3)} instructions per transfer is not a whole number with every depth on the line`,
    );
  }
  return { summary: { ...head, ...figures, ...(counts ? { contamination: counts } : {}), wholeNumber }, warnings };
}

export function analyseStrategiesCell(c: CellResult): CellSummary {
  // analyseCell checks the strategies' loads too (and says so); the strategies are analysed without the left-out ones.
  const base = analyseCell({ ...c, variants: [] });
  const kind = figureKindOf(c);
  const kept = withoutShiftedLoads(c).cell.strategies ?? [];
  const each = (c.strategies ?? []).map((s, i) => analyseStrategy(s, kept[i] ?? s, kind, c.icountShift));
  return {
    ...base,
    strategies: each.map((e) => e.summary),
    warnings: [...base.warnings, ...each.flatMap((e) => e.warnings)],
  };
}
