// Two straight lines with a step between them, the knee chosen by least squares. On some CPUs the cost of
// a chain of tail calls is not one line: a few ns per call up to some depth, a jump of tens of ns, then a
// steeper line (branch-predictor capacity in the test-run loop; docs/measurement.md, "The curve the
// hardware has"). One OLS line averages the two regimes and the step and describes neither.
import { withRobustSlope } from './robust-fit.js';
import { CONFIDENCE, difference, linearFit, type Interval, type LinearFit } from './stats.js';

/**
 * Fewest depths on each side of a knee. Three would leave a segment one residual degree of freedom, and
 * a 3-point segment at the deep end bends to fit the noisiest depths (seen: false knees at depth 29–30
 * of straight synthetic lines); four keeps a knee as early as depth 4 (this AMD host's indirect chain).
 */
const MIN_SEGMENT_POINTS = 4;

interface Segment {
  /** Depths [fromDepth, toDepth] the segment covers (inclusive, depths present in the data). */
  fromDepth: number;
  toDepth: number;
  n: number;
  slope: number;
  /**
   * HC3 standard error from the segment's own residuals (df = n − 2 of the segment): deeper chains are
   * noisier, so one variance pooled over both segments would misstate both.
   */
  slopeSe: number;
  slopeCi: Interval;
  df: number;
  intercept: number;
}

interface SegmentedFit {
  /** First depth of the upper segment. */
  knee: number;
  lower: Segment;
  upper: Segment;
  /** Upper line minus lower line, both at the knee depth: the jump the chain takes there. */
  step: number;
  stepSe: number;
  stepCi: Interval;
  sse: number;
  /** Residual degrees of freedom of the whole model: n − 4 (two lines). */
  df: number;
}

interface Line {
  fit: LinearFit;
  sse: number;
  xMean: number;
  sxx: number;
}

function line(xs: readonly number[], ys: readonly number[]): Line | null {
  const fit = linearFit(xs, ys);
  if (!fit) return null;
  const n = xs.length;
  const xMean = xs.reduce((a, b) => a + b, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - xMean) ** 2, 0);
  return { fit, sse: fit.residualSd ** 2 * fit.df, xMean, sxx };
}

/**
 * Residual sum of squares of one OLS line; Infinity when no line can be fitted. Written out rather than
 * through linearFit: the knee search and its bootstrap call it thousands of times and need no interval.
 */
export function lineSse(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 3) return Infinity;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const xm = sx / n;
  const ym = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - xm;
    const dy = (ys[i] as number) - ym;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return Infinity;
  return Math.max(syy - (sxy * sxy) / sxx, 0);
}

/**
 * The knee (a depth of `xs`, sorted ascending) whose two lines leave the least squared residual; null
 * with fewer than 2·MIN_SEGMENT_POINTS points. Ties go to the shallower knee, so the choice is stable.
 */
export function bestKnee(xs: readonly number[], ys: readonly number[]): { index: number; sse: number } | null {
  let best: { index: number; sse: number } | null = null;
  for (let i = MIN_SEGMENT_POINTS; i <= xs.length - MIN_SEGMENT_POINTS; i++) {
    const sse = lineSse(xs.slice(0, i), ys.slice(0, i)) + lineSse(xs.slice(i), ys.slice(i));
    if (Number.isFinite(sse) && (best === null || sse < best.sse)) best = { index: i, sse };
  }
  return best;
}

/** The two-segment fit with the knee at xs[index]; each segment's interval from its own residuals. */
export function segmentedAt(
  xs: readonly number[],
  ys: readonly number[],
  index: number,
  confidence: number = CONFIDENCE,
): SegmentedFit | null {
  const lo = line(xs.slice(0, index), ys.slice(0, index));
  const hi = line(xs.slice(index), ys.slice(index));
  if (!lo || !hi) return null;
  const n = xs.length;
  const df = n - 4;
  const sse = lo.sse + hi.sse;
  const seg = (l: Line, from: number, to: number, segXs: readonly number[], segYs: readonly number[]): Segment => {
    const r = withRobustSlope(l.fit, segXs, segYs, confidence);
    return {
      fromDepth: from,
      toDepth: to,
      n: l.fit.n,
      slope: r.slope,
      slopeSe: r.slopeSe,
      slopeCi: r.slopeCi,
      df: r.df,
      intercept: r.intercept,
    };
  };
  const knee = xs[index] as number;
  const at = (l: Line) => l.fit.intercept + l.fit.slope * knee;
  // Each line's prediction at the knee has variance s²·(1/n + (k − x̄)²/Sxx) with its own s²; the two
  // lines are fitted to disjoint points, so the variances add (Welch–Satterthwaite df for the interval).
  const predVar = (l: Line) => l.fit.residualSd ** 2 * (1 / l.fit.n + (knee - l.xMean) ** 2 / l.sxx);
  const step = difference(
    { value: at(lo), se: Math.sqrt(predVar(lo)), df: lo.fit.df },
    { value: at(hi), se: Math.sqrt(predVar(hi)), df: hi.fit.df },
    confidence,
  );
  return {
    knee,
    lower: seg(lo, xs[0] as number, xs[index - 1] as number, xs.slice(0, index), ys.slice(0, index)),
    upper: seg(hi, knee, xs[n - 1] as number, xs.slice(index), ys.slice(index)),
    step: step.value,
    stepSe: step.se,
    stepCi: step.ci,
    sse,
    df,
  };
}

/** Bayesian information criterion of a Gaussian least-squares model with k free parameters. */
export function bic(sse: number, n: number, k: number): number {
  // A perfect fit (exact data) has no log; a floor keeps the comparison finite and still ordered.
  return n * Math.log(Math.max(sse, 1e-12) / n) + k * Math.log(n);
}

/**
 * Parameters of each model for the information criterion: the line has 2; the segmented model 4
 * coefficients plus the knee, which was searched for and so is a parameter too.
 */
export const LINE_PARAMS = 2;
export const SEGMENTED_PARAMS = 5;

/** A slope change smaller than this share of the steeper slope is not a regime of its own. */
const MIN_SLOPE_CHANGE = 0.1;

/**
 * The two regimes really differ, statistically and in size: a step whose interval excludes 0 and that is
 * at least one tail call's cost (the steeper slope), or slopes whose intervals do not overlap and that
 * differ by at least MIN_SLOPE_CHANGE. A BIC win without either is a bend fitted to noise: the BIC assumes
 * one variance at every depth, deep depths are noisier, and very quiet data make a 1 ns wiggle
 * "significant" (seen on straight synthetic lines: a −1.1 ns step at depth 29 of slope 17.8 ns).
 */
export function regimesDiffer(s: SegmentedFit): boolean {
  const steeper = Math.max(Math.abs(s.lower.slope), Math.abs(s.upper.slope));
  const stepReal = (s.stepCi[0] > 0 || s.stepCi[1] < 0) && Math.abs(s.step) >= steeper;
  const slopesApart =
    (s.lower.slopeCi[1] < s.upper.slopeCi[0] || s.upper.slopeCi[1] < s.lower.slopeCi[0]) &&
    Math.abs(s.upper.slope - s.lower.slope) >= MIN_SLOPE_CHANGE * steeper;
  return stepReal || slopesApart;
}

/**
 * How much lower the segmented model's BIC must be before the data count as two regimes. 10 is "very
 * strong" evidence on the usual scale (Kass & Raftery 1995); bench and unit tests check that noisy
 * straight lines stay below it (test/unit/segmented-fit.test.ts).
 */
export const SEGMENTED_BIC_MARGIN = 10;
