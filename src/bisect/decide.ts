// Pure decisions of a bisection: the rule (threshold and which side is bad), a commit's verdict from
// its runs, whether to repeat a timed step, and the check of both ends before searching (as ktest's
// BISECT_CHECK does). Exact instruction figures decide in one run; timed figures repeat while the
// pooled interval straddles the threshold, up to a cap (as Chromium's Pinpoint repeats).
import { isExact, type Measurement } from './metric.js';
import type { Metric } from './metric.js';

export type Verdict = 'good' | 'bad' | 'skip';

export interface Rule {
  threshold: number;
  /** True when values above the threshold are bad (a cost that rose); false for a saving that fell. */
  badAbove: boolean;
  /** How the threshold was chosen, for the report. */
  origin: 'given' | 'midpoint';
}

import { DEFAULT_REPEAT_CAP } from './choices.js';
export { DEFAULT_REPEAT_CAP };
/** z for a 95 % normal interval of pooled runs. */
const Z95 = 1.96;

export interface Pooled {
  value: number;
  ci: [number, number];
  runs: number;
}

/**
 * Several runs of one commit as one estimate. The mean; its standard error is the larger of the
 * within-run one (the runs' fit intervals, combined) and the between-run one (boot-to-boot spread,
 * which a single fit cannot see). A single run keeps its own fit interval.
 */
export function pool(runs: readonly Measurement[]): Pooled | undefined {
  const n = runs.length;
  if (n === 0) return undefined;
  if (n === 1) return { value: runs[0]!.value, ci: [...runs[0]!.ci], runs: 1 };
  const mean = runs.reduce((a, r) => a + r.value, 0) / n;
  // Fit intervals are t intervals; reading them as ±1.96 se overstates se a little (conservative).
  const ses = runs.map((r) => (r.ci[1] - r.ci[0]) / (2 * Z95));
  const within = Math.sqrt(ses.reduce((a, s) => a + s * s, 0)) / n;
  const sd = Math.sqrt(runs.reduce((a, r) => a + (r.value - mean) ** 2, 0) / (n - 1));
  const se = Math.max(within, sd / Math.sqrt(n));
  return { value: mean, ci: [mean - Z95 * se, mean + Z95 * se], runs: n };
}

type Classification = 'good' | 'bad' | 'undecided';

/** Which side of the threshold: undecided while the interval (timed figures) reaches across it. */
export function classify(p: Pick<Pooled, 'value' | 'ci'>, rule: Rule, exact: boolean): Classification {
  const side = (x: number): 'good' | 'bad' => ((rule.badAbove ? x > rule.threshold : x < rule.threshold) ? 'bad' : 'good');
  if (exact) return side(p.value);
  const lo = side(p.ci[0]);
  const hi = side(p.ci[1]);
  return lo === hi ? lo : 'undecided';
}

interface StepDecision {
  /** undefined: measure again. */
  verdict?: 'good' | 'bad';
  /** Decided on the mean because the interval still straddled the threshold at the cap. */
  atCap: boolean;
  pooled: Pooled;
}

/** After each run of a commit: decided, or one more run. */
export function decideStep(runs: readonly Measurement[], rule: Rule, cap: number = DEFAULT_REPEAT_CAP): StepDecision | undefined {
  const pooled = pool(runs);
  if (pooled === undefined) return undefined;
  const exact = runs.every((r) => isExact(r.kind));
  const c = classify(pooled, rule, exact);
  if (c !== 'undecided') return { verdict: c, atCap: false, pooled };
  if (runs.length < cap) return { atCap: false, pooled };
  return { verdict: classify(pooled, rule, true) as 'good' | 'bad', atCap: true, pooled };
}

/** Which way the metric moves when tail calls get slower: costs rise, the saving falls. */
export function worseIsHigher(metric: Metric): boolean {
  return metric !== 'saving';
}

type EndsCheck =
  | { ok: true; rule: Rule }
  /** More runs of both ends could still separate them. */
  | { ok: false; retry: true; message: string }
  | { ok: false; retry: false; message: string };

/**
 * Both ends measured: the rule, or why bisecting makes no sense. With no threshold the rule is "closer
 * to bad than to good": the midpoint, bad on the side the bad end lies; the ends must be told apart.
 * With a threshold, the good end must be good and the bad end bad under it.
 */
export function checkEnds(
  good: readonly Measurement[],
  bad: readonly Measurement[],
  opts: { metric: Metric; threshold?: number; cap?: number },
): EndsCheck {
  const g = pool(good);
  const b = pool(bad);
  if (g === undefined || b === undefined) return { ok: false, retry: false, message: 'an end was not measured' };
  const exact = [...good, ...bad].every((r) => isExact(r.kind));
  const atCap = Math.min(good.length, bad.length) >= (opts.cap ?? DEFAULT_REPEAT_CAP);
  const fmt = (p: Pooled) => `${p.value.toFixed(2)} [${p.ci[0].toFixed(2)}, ${p.ci[1].toFixed(2)}]`;
  if (opts.threshold === undefined) {
    const apart = exact ? g.value !== b.value : g.ci[1] < b.ci[0] || b.ci[1] < g.ci[0];
    if (!apart) {
      if (!atCap) return { ok: false, retry: true, message: 'the ends overlap' };
      return {
        ok: false,
        retry: false,
        message: `the good end (${fmt(g)}) and the bad end (${fmt(b)}) cannot be told apart after ${Math.min(good.length, bad.length)} run(s) each: there is no regression to bisect on this metric, or pass --threshold`,
      };
    }
    return { ok: true, rule: { threshold: (g.value + b.value) / 2, badAbove: b.value > g.value, origin: 'midpoint' } };
  }
  const rule: Rule = { threshold: opts.threshold, badAbove: worseIsHigher(opts.metric), origin: 'given' };
  const cg = classify(g, rule, exact);
  const cb = classify(b, rule, exact);
  if ((cg === 'undecided' || cb === 'undecided') && !atCap) return { ok: false, retry: true, message: 'an end straddles the threshold' };
  const side = rule.badAbove ? 'above' : 'below';
  const problems: string[] = [];
  if (cg !== 'good') problems.push(`the good end is not good: ${fmt(g)} is not clearly on the good side of ${opts.threshold}`);
  if (cb !== 'bad') problems.push(`the bad end is not bad: ${fmt(b)} is not clearly ${side} ${opts.threshold}`);
  return problems.length === 0
    ? { ok: true, rule }
    : { ok: false, retry: false, message: `${problems.join('; ')} (bad is ${side} the threshold for ${opts.metric})` };
}
