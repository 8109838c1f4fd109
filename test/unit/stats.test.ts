import { describe, expect, it } from 'vitest';
import { difference, intervalsOverlap, linearFit, median, ratio, tCritical } from '../../src/analysis/stats.js';
import { prng } from '../fixtures/results/generate.js';

// Expected values computed independently with scipy 1.17 (stats.t.ppf, stats.linregress) and, for
// Fieller's interval, by brute force over a fine grid of ratios; see the comments at each use.
describe('tCritical', () => {
  it.each([
    [1, 12.706204736174694],
    [2, 4.302652729749462],
    [5, 2.5705818356363146],
    [10, 2.228138851986274],
    [30, 2.0422724563012378],
    [100, 1.9839715185235518],
  ])('t(0.975, %i) matches scipy', (df, expected) => {
    expect(tCritical(df)).toBeCloseTo(expected, 10);
  });

  it('rejects a fit with no degrees of freedom (a bug, not an input)', () => {
    expect(() => tCritical(0)).toThrow(/df must be > 0/);
  });
});

describe('median', () => {
  it('takes the middle of an odd list and the mean of the middle pair of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 100])).toBe(3.5);
    expect(median([7])).toBe(7);
  });
});

describe('linearFit', () => {
  const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ys = [30.1, 33.0, 35.2, 38.9, 41.0, 43.7, 47.2, 49.1, 52.3, 54.8];

  it('agrees with scipy.stats.linregress on a fixed data set', () => {
    const f = linearFit(xs, ys);
    expect(f).not.toBeNull();
    expect(f!.slope).toBeCloseTo(2.754545454545455, 12);
    expect(f!.intercept).toBeCloseTo(30.134545454545453, 12);
    expect(f!.r2).toBeCloseTo(0.9984837875034568, 12);
    expect(f!.slopeSe).toBeCloseTo(0.037950235647157694, 12);
    expect(f!.interceptSe).toBeCloseTo(0.2025988178438654, 12);
    expect(f!.slopeCi[0]).toBeCloseTo(2.6670320542111368, 10);
    expect(f!.slopeCi[1]).toBeCloseTo(2.842058854879773, 10);
    expect(f!.df).toBe(8);
  });

  it('recovers an exact line with a zero-width interval', () => {
    const f = linearFit([0, 1, 2, 3], [5, 7, 9, 11])!;
    expect(f.slope).toBe(2);
    expect(f.intercept).toBe(5);
    expect(f.r2).toBe(1);
    expect(f.slopeCi[1] - f.slopeCi[0]).toBeCloseTo(0, 12);
  });

  it('returns null when there is no slope to fit', () => {
    expect(linearFit([1, 2], [3, 4])).toBeNull();
    expect(linearFit([3, 3, 3], [1, 2, 3])).toBeNull();
  });

  it('covers the true slope of noisy synthetic lines about 95 % of the time', () => {
    // 400 sweeps of 33 depths, slope 3.2 ns, intercept 40 ns, Gaussian noise sd 1.5 ns.
    const rand = prng(7);
    const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
    const depths = Array.from({ length: 33 }, (_, i) => i);
    const trials = 400;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const f = linearFit(
        depths,
        depths.map((d) => 40 + 3.2 * d + 1.5 * gauss()),
      )!;
      if (f.slopeCi[0] <= 3.2 && 3.2 <= f.slopeCi[1]) covered++;
    }
    // Binomial(400, 0.95): mean 380, sd ≈ 4.4; 365..395 is beyond 3 sd on both sides.
    expect(covered).toBeGreaterThanOrEqual(365);
    expect(covered).toBeLessThanOrEqual(395);
  });
});

describe('difference and ratio of independent slopes', () => {
  const direct = { value: 2.4, se: 0.05, df: 31 };
  const indirect = { value: 17.8, se: 0.3, df: 31 };

  it('gives the Welch–Satterthwaite interval of the difference (scipy)', () => {
    const d = difference(direct, indirect);
    expect(d.value).toBeCloseTo(15.4, 12);
    expect(d.df).toBeCloseTo(32.720894371626834, 9);
    expect(d.ci[0]).toBeCloseTo(14.78102575742741, 9);
    expect(d.ci[1]).toBeCloseTo(16.01897424257259, 9);
  });

  it("gives Fieller's interval of the ratio (grid search: 7.02496 .. 7.8350875)", () => {
    const r = ratio(indirect, direct);
    expect(r.value).toBeCloseTo(17.8 / 2.4, 12);
    expect(r.ci![0]).toBeCloseTo(7.02496, 4);
    expect(r.ci![1]).toBeCloseTo(7.8350875, 4);
  });

  it('calls the ratio unbounded when the denominator could be zero', () => {
    expect(ratio(indirect, { value: 0.3, se: 0.4, df: 31 }).ci).toBeNull();
  });

  it('tells overlapping intervals from separate ones', () => {
    expect(intervalsOverlap([1, 2], [2, 3])).toBe(true);
    expect(intervalsOverlap([1, 2], [2.01, 3])).toBe(false);
  });
});
