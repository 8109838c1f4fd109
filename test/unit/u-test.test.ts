import { describe, expect, it } from 'vitest';
import { choose, hodgesLehmann, smallestPValue, U_TEST_MAX_TOTAL, uTestGreater } from '../../src/analysis/u-test.js';

// Expected values from scipy 1.17: stats.mannwhitneyu(x, y, alternative='greater', method='exact'),
// and for ties (which scipy's exact method does not handle) stats.permutation_test over the U
// statistic with every permutation (n_resamples=inf).
describe('uTestGreater', () => {
  it.each([
    [[3.7, 3.9, 4.1], [3.5, 3.6, 3.8], 8, 0.1],
    [[5, 6, 7, 8, 9], [1, 2, 3, 4, 4.5], 25, 0.003968253968253968],
    [[2.61, 2.65, 2.58, 2.7], [2.6, 2.63, 2.66, 2.59, 2.62], 11, 0.45238095238095244],
    [[1, 2], [3, 4], 0, 1],
    [[1, 2, 2, 3], [2, 2, 1, 0, 1], 15, 0.18253968253968253],
  ])('%j vs %j: U = %d, p = %d as scipy', (cur, base, u, p) => {
    const t = uTestGreater(cur, base);
    expect(t.u).toBe(u);
    expect(t.pValue).toBeCloseTo(p, 12);
    expect([t.current, t.baseline]).toEqual([cur.length, base.length]);
  });

  it('reaches its smallest p exactly when every current value is above every baseline value', () => {
    expect(uTestGreater([10, 11, 12, 13], [1, 2, 3, 4]).pValue).toBeCloseTo(smallestPValue(4, 4), 15);
    expect(smallestPValue(3, 3)).toBe(1 / 20);
    expect(smallestPValue(1, 9)).toBe(1 / 10);
    expect(choose(20, 10)).toBe(184756);
  });

  it('refuses an empty side or more values than it counts exactly', () => {
    expect(() => uTestGreater([], [1])).toThrow(/at least one value/);
    const many = Array.from({ length: U_TEST_MAX_TOTAL }, (_, i) => i);
    expect(() => uTestGreater(many, [1])).toThrow(/at most 100 values/);
  });
});

describe('hodgesLehmann', () => {
  it('is the median of the pairwise differences', () => {
    expect(hodgesLehmann([3], [1])).toBe(2);
    // differences: 1-0=1, 1-5=-4, 4-0=4, 4-5=-1 → median of [-4, -1, 1, 4] = 0
    expect(hodgesLehmann([1, 4], [0, 5])).toBe(0);
    expect(hodgesLehmann([11, 12, 13], [1, 2, 3])).toBe(10);
  });
});
