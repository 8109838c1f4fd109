// The per-depth profile of a hardware-timed variant: at each depth the median of its samples with a
// distribution-free 95 % interval. The profile, not a line through it, is what the hardware measured;
// the regime model (hardware-curve.ts) is fitted to it.
import { CONFIDENCE, median } from './stats.js';
import type { ProfilePoint } from './summary-schema.js';

/** P(Binomial(n, ½) ≤ k). */
function binomHalfCdf(n: number, k: number): number {
  let term = 0.5 ** n;
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * The order-statistic interval of a median: [x₍ⱼ₎, x₍ₙ₋ⱼ₊₁₎] with the largest j whose coverage is still at
 * least `confidence` (no distribution assumed: samples at one depth can be bimodal on hardware). With 10
 * samples that is [2nd, 9th] (97.9 %).
 */
export function medianInterval(values: readonly number[], confidence: number = CONFIDENCE): [number, number] {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) throw new Error('medianInterval of an empty list');
  let j = 0; // 0-based index of the lower bound
  // Coverage of [x₍ⱼ₎, x₍ₙ₋₁₋ⱼ₎] (0-based) is 1 − 2·P(B ≤ j): widen j while that stays ≥ confidence.
  while (j + 1 < n - 2 - j && binomHalfCdf(n, j + 1) <= (1 - confidence) / 2) j++;
  return [s[j] as number, s[n - 1 - j] as number];
}

/** Depths ascending, each with its samples' median and interval. */
export function depthProfile(byDepth: ReadonlyMap<number, readonly number[]>): ProfilePoint[] {
  return [...byDepth.entries()]
    .filter(([, v]) => v.length > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([depth, v]) => ({ depth, estimate: median(v), ci: medianInterval(v), samples: v.length }));
}
