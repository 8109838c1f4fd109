// How one gated figure is decided, baseline values against current values (one per replicate), by kind
// (docs/measurement.md, "The regression gate"): exact counts need no statistics; timed figures need the
// spread between replicates, which only separate boots show (one run's slope interval holds none of it).
import type { Gate } from '../matrix/schema.js';
import { difference, mean, median, sampleSd, tCritical } from './stats.js';
import type { GateMethod } from './summary-schema.js';
import { hodgesLehmann, smallestPValue, U_TEST_MAX_TOTAL, uTestGreater } from './u-test.js';

export interface Judgement {
  regression: boolean;
  method: GateMethod;
  pValue: number | null;
  /** The rise, in the figure's unit. */
  delta: number;
  /** The rise as a share of the baseline median; null when that median is not positive. */
  deltaPct: number | null;
  /** What the decision rests on, when the reader must know (null: the method says it all). */
  note: string | null;
}

const pctOf = (delta: number, base: number): number | null => (base > 0 ? (100 * delta) / base : null);

/** A share that cannot be computed (a baseline of 0 or less) does not hold a rise back. */
const pctReached = (pct: number | null, threshold: number): boolean => pct === null || pct >= threshold;

/** A slope fitted to whole counts carries float rounding (seen: a rise of 1.000000000000007): far below this. */
const EXACT_TOLERANCE = 1e-9;

/** Instruction counts are exact: a rise of at least gate.instructions per tail call is real, whatever its size. */
export function judgeExact(base: readonly number[], cur: readonly number[], gate: Gate): Judgement {
  const b = median(base);
  const raw = median(cur) - b;
  const delta = Math.abs(raw - Math.round(raw)) < EXACT_TOLERANCE ? Math.round(raw) : raw;
  const spread = (xs: readonly number[]) => Math.max(...xs) - Math.min(...xs);
  // Replicates of an exact count agree; when they do not, an interrupt inside a timed window moved one.
  const note = spread(base) > 0 || spread(cur) > 0 ? 'replicates disagree (an interrupt can add instructions): medians compared' : null;
  return { regression: delta >= gate.instructions, method: 'exact', pValue: null, delta, deltaPct: pctOf(delta, b), note };
}

/**
 * The minimum effect a rise must reach (both `>=`): gate.thresholdNs and gate.thresholdPct where a test
 * across replicates also decides, the larger gate.aloneNs and gate.alonePct where it alone decides (too
 * few replicates: nothing else guards against one boot's scatter). `ns: false` for the unitless ratio.
 */
function bigEnough(delta: number, deltaPct: number | null, gate: Gate, tested: boolean, ns: boolean): boolean {
  const [minNs, minPct] = tested ? [gate.thresholdNs, gate.thresholdPct] : [gate.aloneNs, gate.alonePct];
  return (!ns || delta >= minNs) && pctReached(deltaPct, minPct);
}

/**
 * Timed figures: with enough replicates, a one-sided U test at gate.alpha AND the minimum effect
 * (gate.thresholdNs for slopes, none in ns for the unitless ratio, and gate.thresholdPct); with too few
 * for the test to ever reach alpha (one replicate a side, or e.g. 2 against 2), the larger minimum
 * effect (gate.aloneNs, gate.alonePct) alone, and the note says so.
 */
export function judgeTimed(base: readonly number[], cur: readonly number[], gate: Gate, ns: boolean): Judgement {
  const delta = hodgesLehmann(cur, base);
  const deltaPct = pctOf(delta, median(base));
  const smallest = smallestPValue(cur.length, base.length);
  if (base.length + cur.length <= U_TEST_MAX_TOTAL && smallest <= gate.alpha) {
    const t = uTestGreater(cur, base);
    const regression = bigEnough(delta, deltaPct, gate, true, ns) && t.pValue <= gate.alpha;
    return { regression, method: 'u-test', pValue: t.pValue, delta, deltaPct, note: null };
  }
  const why =
    base.length === 1 && cur.length === 1
      ? 'one replicate a side: no spread between boots is known, decided on the minimum effect alone (run with --replicates N)'
      : base.length + cur.length > U_TEST_MAX_TOTAL
        ? `more than ${U_TEST_MAX_TOTAL} replicates: decided on the minimum effect alone`
        : `${base.length} vs ${cur.length} replicates: the U test cannot reach p ≤ ${gate.alpha} (smallest p = ${smallest.toFixed(3)}), decided on the minimum effect alone`;
  return { regression: bigEnough(delta, deltaPct, gate, false, ns), method: 'thresholds', pValue: null, delta, deltaPct, note: why };
}

/**
 * One regime of a hardware curve, across replicates: a one-sided Welch t test of current against baseline
 * (pooled df where the sides have as many replicates) at alpha / figures (Bonferroni over the cell's regime
 * figures, so the cell's false-alarm rate stays at alpha) AND the minimum effect. A t test rather than the
 * U test: with 4 replicates a side the U test's smallest p (1/70) cannot pass alpha / 4, while regime costs
 * scatter little between boots and close to normally (bench/gate-power.ts measures both rates on real
 * streams).
 */
export function judgeRegime(base: readonly number[], cur: readonly number[], gate: Gate, figures: number): Judgement {
  const bm = median(base);
  const delta = median(cur) - bm;
  const deltaPct = pctOf(delta, bm);
  if (base.length < 2 || cur.length < 2) {
    return {
      regression: bigEnough(delta, deltaPct, gate, false, true),
      method: 'thresholds',
      pValue: null,
      delta,
      deltaPct,
      note: 'fewer than 2 replicates a side: decided on the minimum effect alone (run with --replicates N)',
    };
  }
  // Each side's mean with its standard error; the difference's df by Welch–Satterthwaite (stats.ts).
  const side = (xs: readonly number[]) => ({
    value: mean(xs),
    se: sampleSd(xs) / Math.sqrt(xs.length),
    df: xs.length - 1,
  });
  const d = difference(side(base), side(cur));
  const se = d.se;
  const diff = d.value;
  // As many replicates a side (the usual gate): Welch's statistic is Student's, whose pooled df holds the
  // level even where the sides' variances differ; Welch–Satterthwaite's smaller df there only cost power
  // (bench/gate-power.ts: direct upper regime 87 → 91 % at 4 replicates, false alarms 0.7 → 0.8 %). Also
  // where neither side has spread and Welch's df is undefined (t is 0 or ∞ anyway).
  const pooled = se === 0 || base.length === cur.length;
  const df = pooled ? base.length + cur.length - 2 : d.df;
  const level = gate.alpha / Math.max(1, figures);
  // One-sided: the critical value of a two-sided interval at confidence 1 − 2·level.
  const critical = tCritical(df, 1 - 2 * level);
  const t = se === 0 ? (diff > 0 ? Infinity : 0) : diff / se;
  const significant = t >= critical;
  return {
    regression: bigEnough(delta, deltaPct, gate, true, true) && significant,
    method: 'welch-t',
    pValue: null,
    delta,
    deltaPct,
    note: `Welch t = ${Number.isFinite(t) ? t.toFixed(2) : '∞'} against ${critical.toFixed(2)} (one-sided, alpha ${gate.alpha} / ${figures} regime figure(s), df ${df.toFixed(1)}${pooled ? ' pooled' : ''})`,
  };
}
