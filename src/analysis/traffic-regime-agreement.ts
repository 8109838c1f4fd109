// Traffic against Benchmark 1 regime by regime. On hardware Benchmark 1's cost is often two lines with a
// knee (hardware-curve.ts); one traffic slope over all depths against one of them compares an average of
// two regimes (and a step) with neither. Each Benchmark 1 regime is compared with the traffic's cost over
// the same depths instead (docs/measurement.md, "Agreement with Benchmark 1").
import { linearFit, ratio, type Estimate } from './stats.js';
import { toFitSummary } from './analyse-variant.js';
import type { HardwareCurve, RegimeCost, TrafficAgreement, TrafficPoint } from './summary-schema.js';
import type { Variant } from '../results/cell-result.js';

/**
 * A traffic regime stands for a Benchmark 1 regime (its own slope is compared, the traffic's headline
 * figure) when the two nearly coincide: at least this share of the traffic regime's depths lie inside
 * the Benchmark 1 regime, and at least this share of the traffic depths inside the Benchmark 1 regime
 * lie in the traffic regime. Otherwise the traffic depths inside the Benchmark 1 regime are fitted
 * afresh, never across the traffic's own knee.
 */
export const REGIME_OVERLAP = 2 / 3;

/** Fewest traffic depths a fit inside a regime needs (a slope with one degree of freedom). */
const MIN_DEPTHS = 3;

/** What the comparison reads of one traffic variant: its counted depths (mean per packet) and its curve. */
interface TrafficSide {
  variant: Variant;
  points: readonly (TrafficPoint & { perPacket: number })[];
  curve: HardwareCurve | undefined;
}

const regimeEstimate = (r: { slope: number; slopeSe: number; df: number }): Estimate => ({ value: r.slope, se: r.slopeSe, df: r.df });

/** Traffic's cost over Benchmark 1's as a ratio with its interval: they agree when the interval holds 1. */
export function ratioAgreement(variant: Variant, testRunCellId: string, traffic: Estimate, testRun: Estimate): TrafficAgreement {
  const r = ratio(traffic, testRun);
  const ratioCi = Number.isFinite(r.value) && r.ci ? ([r.ci[0], r.ci[1]] as [number, number]) : null;
  return {
    variant,
    testRunCellId,
    testRunSlope: testRun.value,
    ratio: Number.isFinite(r.value) ? r.value : null,
    ratioCi,
    agrees: ratioCi ? ratioCi[0] <= 1 && 1 <= ratioCi[1] : null,
  };
}

const inRange = (d: number, r: { fromDepth: number; toDepth: number }) => d >= r.fromDepth && d <= r.toDepth;

/** The traffic's side of one comparison: a traffic regime, or a fit of the depths inside a Benchmark 1 regime. */
interface TrafficFigure {
  source: 'fit' | 'regime';
  fromDepth: number;
  toDepth: number;
  n: number;
  slope: number;
  slopeSe: number;
  slopeCi: readonly [number, number];
  df: number;
}

function compared(variant: Variant, testRunCellId: string, b1: RegimeCost, t: TrafficFigure): TrafficAgreement {
  const shown = {
    source: t.source,
    fromDepth: t.fromDepth,
    toDepth: t.toDepth,
    n: t.n,
    slope: t.slope,
    slopeCi: [t.slopeCi[0], t.slopeCi[1]] as [number, number],
  };
  return {
    ...ratioAgreement(variant, testRunCellId, regimeEstimate(t), regimeEstimate(b1)),
    regime: { regime: b1.regime, fromDepth: b1.fromDepth, toDepth: b1.toDepth, traffic: shown, notCompared: null },
  };
}

function notCompared(variant: Variant, testRunCellId: string, b1: RegimeCost, why: string): TrafficAgreement {
  return {
    variant,
    testRunCellId,
    testRunSlope: b1.slope,
    ratio: null,
    ratioCi: null,
    agrees: null,
    regime: { regime: b1.regime, fromDepth: b1.fromDepth, toDepth: b1.toDepth, traffic: null, notCompared: why },
  };
}

/** The traffic's figure for one Benchmark 1 regime: a traffic regime that nearly coincides with it, else a fit of its depths. */
function againstRegime(t: TrafficSide, b1: RegimeCost, testRunCellId: string): TrafficAgreement {
  const inside = t.points.filter((p) => inRange(p.depth, b1));
  if (inside.length < MIN_DEPTHS) {
    const listed = inside.length > 0 ? ` (${inside.map((p) => p.depth).join(', ')})` : '';
    return notCompared(t.variant, testRunCellId, b1, `${inside.length} traffic depth(s) inside${listed}: a slope needs ${MIN_DEPTHS}`);
  }
  let depths = inside;
  if (t.curve?.model === 'segmented') {
    const own = t.curve.regimes.map((r) => ({ r, hits: inside.filter((p) => inRange(p.depth, r)) }));
    for (const { r, hits } of own) {
      if (hits.length >= REGIME_OVERLAP * r.n && hits.length >= REGIME_OVERLAP * inside.length) {
        return compared(t.variant, testRunCellId, b1, { source: 'regime', ...r });
      }
    }
    // A line over both sides of the traffic's own knee would hold its step: the side with more depths (the
    // lower on a tie) is fitted.
    const [lower, upper] = own as [(typeof own)[0], (typeof own)[0]];
    depths = upper.hits.length > lower.hits.length ? upper.hits : lower.hits;
    if (depths.length < MIN_DEPTHS) {
      return notCompared(
        t.variant,
        testRunCellId,
        b1,
        `${inside.length} traffic depth(s) inside, ${lower.hits.length} below and ${upper.hits.length} from the traffic's own knee at depth ${t.curve.knee?.depth}: fewer than ${MIN_DEPTHS} on one side`,
      );
    }
  }
  const f = linearFit(
    depths.map((p) => p.depth),
    depths.map((p) => p.perPacket),
  );
  if (!f) return notCompared(t.variant, testRunCellId, b1, 'the traffic depths inside give no slope');
  const s = toFitSummary(f);
  return compared(t.variant, testRunCellId, b1, {
    source: 'fit',
    fromDepth: depths[0]!.depth,
    toDepth: depths[depths.length - 1]!.depth,
    n: s.n,
    slope: s.slope,
    slopeSe: s.slopeSe,
    slopeCi: s.slopeCi,
    df: s.df,
  });
}

/**
 * The per-regime agreements of one traffic variant with Benchmark 1's curve, or null where both are one
 * line (then the single slopes are compared, as for exact and emulated cells):
 * - Benchmark 1 segmented: each of its regimes against the traffic over the same depths (againstRegime);
 * - Benchmark 1 one tested line, the traffic segmented: each traffic regime against that line.
 */
export function regimeAgreements(t: TrafficSide, b1: HardwareCurve | undefined, testRunCellId: string): TrafficAgreement[] | null {
  if (!b1) return null;
  if (b1.model === 'segmented') return b1.regimes.map((r) => againstRegime(t, r, testRunCellId));
  if (t.curve?.model !== 'segmented') return null;
  const line = b1.regimes[0] as RegimeCost;
  return t.curve.regimes.map((r) => {
    const a = compared(t.variant, testRunCellId, line, { source: 'regime', ...r });
    // Named by the traffic's regime: Benchmark 1 has only one.
    return { ...a, regime: { ...a.regime!, regime: r.regime, fromDepth: r.fromDepth, toDepth: r.toDepth } };
  });
}
