// Small, exact statistics for the depth sweep: median and ordinary least squares with a Student-t
// interval. No general library returns the standard errors of an OLS fit, so the fit is written out
// here (tested against scipy); the t quantile, which is hard to get right, comes from stdlib.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Two-sided 95 % intervals everywhere in the report. */
export const CONFIDENCE = 0.95;

export type Interval = readonly [low: number, high: number];

export interface LinearFit {
  /** Number of (x, y) points fitted. */
  n: number;
  /** Degrees of freedom of the residuals (n - 2). */
  df: number;
  slope: number;
  slopeSe: number;
  slopeCi: Interval;
  intercept: number;
  interceptSe: number;
  /** Coefficient of determination; 1 when every y is equal and fitted exactly. */
  r2: number;
  /** Residual standard deviation (root of SSE / df). */
  residualSd: number;
}

/** The Student-t quantile for a two-sided interval at `confidence` with `df` degrees of freedom. */
export function tCritical(df: number, confidence: number = CONFIDENCE): number {
  if (!(df > 0)) throw new Error(`tCritical: df must be > 0, got ${df}`);
  return tQuantile(1 - (1 - confidence) / 2, df);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1); NaN with fewer than 2 values. */
export function sampleSd(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, x) => a + (x - m) ** 2, 0) / (values.length - 1));
}

/** The value at quantile `q` of ascending `sorted` (nearest rank): a bootstrap interval's ends. */
export function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i] as number;
}

/** Fewest points that leave one residual degree of freedom, so an interval exists. */
export const MIN_FIT_POINTS = 3;

/** Ordinary least squares y = intercept + slope·x; null when there are too few distinct points. */
export function linearFit(xs: readonly number[], ys: readonly number[], confidence: number = CONFIDENCE): LinearFit | null {
  if (xs.length !== ys.length) throw new Error('linearFit: xs and ys differ in length');
  const n = xs.length;
  if (n < MIN_FIT_POINTS) return null;
  const xMean = xs.reduce((a, b) => a + b, 0) / n;
  const yMean = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - xMean;
    const dy = (ys[i] as number) - yMean;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null; // all x equal: no slope to speak of
  const slope = sxy / sxx;
  const intercept = yMean - slope * xMean;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = (ys[i] as number) - (intercept + slope * (xs[i] as number));
    sse += r * r;
  }
  const df = n - 2;
  const s2 = sse / df;
  const slopeSe = Math.sqrt(s2 / sxx);
  const interceptSe = Math.sqrt(s2 * (1 / n + (xMean * xMean) / sxx));
  const t = tCritical(df, confidence);
  return {
    n,
    df,
    slope,
    slopeSe,
    slopeCi: [slope - t * slopeSe, slope + t * slopeSe],
    intercept,
    interceptSe,
    r2: syy === 0 ? 1 : 1 - sse / syy,
    residualSd: Math.sqrt(s2),
  };
}

export function intervalsOverlap(a: Interval, b: Interval): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

/** An estimate with its standard error and the degrees of freedom behind it. */
export interface Estimate {
  value: number;
  se: number;
  df: number;
}

interface Difference {
  value: number;
  se: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  ci: Interval;
}

/** b − a for two independent estimates, with a Welch–Satterthwaite t interval. */
export function difference(a: Estimate, b: Estimate, confidence: number = CONFIDENCE): Difference {
  const va = a.se * a.se;
  const vb = b.se * b.se;
  const value = b.value - a.value;
  const se = Math.sqrt(va + vb);
  const denom = (va * va) / a.df + (vb * vb) / b.df;
  // Both exact (no noise at all): any df gives a zero-width interval; keep the smaller one.
  const df = denom === 0 ? Math.min(a.df, b.df) : ((va + vb) * (va + vb)) / denom;
  const t = tCritical(df, confidence);
  return { value, se, df, ci: [value - t * se, value + t * se] };
}

interface Ratio {
  value: number;
  /** Fieller interval; null when the denominator's own interval reaches zero (the ratio is unbounded). */
  ci: Interval | null;
  df: number;
}

/**
 * num / den for two independent estimates with Fieller's interval: unlike the delta method it stays
 * honest when the denominator is small next to its error (a direct jump of ~2 ns ± 1 ns).
 */
export function ratio(num: Estimate, den: Estimate, confidence: number = CONFIDENCE): Ratio {
  const value = num.value / den.value;
  const vn = num.se * num.se;
  const vd = den.se * den.se;
  const denomDf = (vn * vn) / num.df + (vd * vd) / den.df;
  const df = denomDf === 0 ? Math.min(num.df, den.df) : ((vn + vd) * (vn + vd)) / denomDf;
  const t = tCritical(df, confidence);
  const t2 = t * t;
  const a = den.value * den.value - t2 * vd;
  if (!(a > 0)) return { value, ci: null, df };
  const disc = vn * den.value * den.value + vd * num.value * num.value - t2 * vn * vd;
  const half = (t * Math.sqrt(Math.max(disc, 0))) / a;
  const centre = (num.value * den.value) / a;
  return { value, ci: [centre - half, centre + half], df };
}
