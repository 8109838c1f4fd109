// The slope's standard error without assuming that every depth is equally noisy. A deeper chain runs
// longer, so it collects more interrupts, cache misses and neighbours' noise: the residuals grow with
// depth, and the classical OLS error (one pooled variance) is then too small. HC3 (MacKinnon & White
// 1985; Long & Ervin 2000 recommend it for small samples like our 33 depths) weighs each squared
// residual by its own leverage instead (docs/measurement.md, "From samples to cost per tail call").
import { tCritical, CONFIDENCE, type LinearFit } from './stats.js';

/**
 * HC3 standard error of the OLS slope of y on x: √(Σ (xᵢ − x̄)² eᵢ² / (1 − hᵢ)²) / Sxx, with leverage
 * hᵢ = 1/n + (xᵢ − x̄)² / Sxx. A point of leverage 1 is fitted exactly (eᵢ = 0) and adds nothing.
 */
export function hc3SlopeSe(xs: readonly number[], ys: readonly number[], fit: Pick<LinearFit, 'slope' | 'intercept'>): number {
  const n = xs.length;
  const xMean = xs.reduce((a, b) => a + b, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - xMean) ** 2, 0);
  let meat = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - xMean;
    const e = (ys[i] as number) - (fit.intercept + fit.slope * (xs[i] as number));
    const h = 1 / n + (dx * dx) / sxx;
    if (e !== 0) meat += (dx * dx * e * e) / (1 - h) ** 2;
  }
  return Math.sqrt(meat) / sxx;
}

/** The fit with its slope error and interval from HC3 (t quantile with the fit's n − 2 degrees of freedom). */
export function withRobustSlope(fit: LinearFit, xs: readonly number[], ys: readonly number[], confidence: number = CONFIDENCE): LinearFit {
  const slopeSe = hc3SlopeSe(xs, ys, fit);
  const t = tCritical(fit.df, confidence);
  return { ...fit, slopeSe, slopeCi: [fit.slope - t * slopeSe, fit.slope + t * slopeSe] };
}
