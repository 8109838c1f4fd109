// The curve the hardware has: the knee search, the linearity test, the per-depth intervals and the paired
// saving, on data whose answer is known (docs/measurement.md, "The curve the hardware has").
import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../src/analysis/depth-profile.js';
import { analyseCurve } from '../../src/analysis/hardware-curve.js';
import { pairedSaving } from '../../src/analysis/paired-saving.js';
import { bestKnee, segmentedAt } from '../../src/analysis/segmented-fit.js';
import { prng } from '../fixtures/results/generate.js';

const DEPTHS = Array.from({ length: 33 }, (_, d) => d);

/** Two regimes: `lo` ns per call up to knee − 1, a step, then `hi` ns per call. */
const twoRegimes = (d: number, knee: number, lo: number, step: number, hi: number) =>
  d < knee ? 20 + lo * d : 20 + lo * knee + step + hi * (d - knee);

/** 10 samples per depth around `f(d)`, seeded noise of ±sd (uniform sum, close to normal). */
function samples(f: (d: number) => number, sd: number, seed: number): Map<number, number[]> {
  const rnd = prng(seed);
  const noise = () => sd * (rnd() + rnd() + rnd() + rnd() - 2) * Math.sqrt(3);
  return new Map(DEPTHS.map((d) => [d, Array.from({ length: 10 }, () => f(d) + noise())]));
}

describe('segmented fit', () => {
  it('finds the knee, both slopes and the step of exact two-regime data', () => {
    const ys = DEPTHS.map((d) => twoRegimes(d, 14, 1, 100, 7));
    const k = bestKnee(DEPTHS, ys)!;
    const s = segmentedAt(DEPTHS, ys, k.index)!;
    expect(s.knee).toBe(14);
    expect(s.lower.slope).toBeCloseTo(1, 9);
    expect(s.upper.slope).toBeCloseTo(7, 9);
    expect(s.step).toBeCloseTo(100, 9);
    expect([s.lower.fromDepth, s.lower.toDepth, s.upper.fromDepth, s.upper.toDepth]).toEqual([0, 13, 14, 32]);
  });
});

describe('analyseCurve', () => {
  it('reports two regimes, the knee with a bootstrap range that holds it, and no single slope as the headline', () => {
    const c = analyseCurve(samples((d) => twoRegimes(d, 15, 1, 100, 7), 1, 7))!;
    expect(c.model).toBe('segmented');
    expect(c.knee!.depth).toBe(15);
    expect(c.knee!.ci[0]).toBeLessThanOrEqual(15);
    expect(c.knee!.ci[1]).toBeGreaterThanOrEqual(15);
    expect(c.regimes.map((r) => r.regime)).toEqual(['below-knee', 'above-knee']);
    const [lo, hi] = c.regimes;
    expect(lo!.slopeCi[0]).toBeLessThan(1);
    expect(lo!.slopeCi[1]).toBeGreaterThan(1);
    expect(hi!.slopeCi[0]).toBeLessThan(7);
    expect(hi!.slopeCi[1]).toBeGreaterThan(7);
    expect(c.step!.ci[0]).toBeLessThan(100);
    expect(c.step!.ci[1]).toBeGreaterThan(100);
    expect(c.profile).toHaveLength(33);
  });

  it('keeps one line for noisy straight-line data (false knees in at most 5 % of 100 seeds)', () => {
    let knees = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const c = analyseCurve(samples((d) => 20 + 3 * d, 4, seed))!;
      if (c.model === 'segmented') knees++;
      else expect(c.regimes.map((r) => r.regime)).toEqual(['all']);
    }
    expect(knees).toBeLessThanOrEqual(5);
  });

  it('is reproducible: the same samples give the same knee range', () => {
    const s = samples((d) => twoRegimes(d, 10, 2, 60, 10), 5, 3);
    expect(analyseCurve(s)).toEqual(analyseCurve(s));
  });
});

describe('medianInterval', () => {
  it('is [2nd, 9th] of 10 samples (97.9 % coverage) and [min, max] of too few for 95 %', () => {
    expect(medianInterval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toEqual([2, 9]);
    expect(medianInterval([3, 1, 2])).toEqual([1, 3]);
  });
});

describe('pairedSaving', () => {
  it('cancels a drift both variants share at a depth, and says it paired', () => {
    const rnd = prng(11);
    // Each depth's round has its own offset (another process's burst), shared by the pair.
    const offset = new Map(DEPTHS.map((d) => [d, 50 * rnd()]));
    const direct = new Map(DEPTHS.map((d) => [d, Array.from({ length: 10 }, () => 20 + 2 * d + offset.get(d)!)]));
    const indirect = new Map(DEPTHS.map((d) => [d, Array.from({ length: 10 }, () => 20 + 12 * d + offset.get(d)!)]));
    const dc = analyseCurve(direct)!;
    const ic = analyseCurve(indirect)!;
    const p = pairedSaving(direct, indirect, dc, ic);
    expect(p.method).toBe('paired');
    expect(p.regimes).toHaveLength(1);
    expect(p.regimes[0]!.savingNs).toBeCloseTo(10, 9);
  });

  it('falls back to Welch when a depth has unequal sample counts, and says why', () => {
    const direct = new Map(DEPTHS.map((d) => [d, [20 + 2 * d, 21 + 2 * d, 19 + 2 * d]]));
    const indirect = new Map(DEPTHS.map((d) => [d, d === 5 ? [21 + 12 * d, 19 + 12 * d] : [20 + 12 * d, 21 + 12 * d, 19 + 12 * d]]));
    const p = pairedSaving(direct, indirect, analyseCurve(direct)!, analyseCurve(indirect)!);
    expect(p.method).toBe('welch');
    expect(p.reason).toMatch(/depth 5 has 3 direct and 2 indirect/);
    expect(p.regimes[0]!.savingNs).toBeCloseTo(10, 6);
  });

  it('gives a saving per regime from depths where both variants share one', () => {
    const direct = samples((d) => twoRegimes(d, 10, 2, 80, 10), 1, 5);
    const indirect = samples((d) => twoRegimes(d, 6, 15, 100, 30), 1, 6);
    const p = pairedSaving(direct, indirect, analyseCurve(direct)!, analyseCurve(indirect)!);
    expect(p.regimes.map((r) => [r.regime, r.fromDepth, r.toDepth])).toEqual([
      ['below-knee', 0, 5],
      ['above-knee', 10, 32],
    ]);
    expect(p.regimes[0]!.savingNs).toBeCloseTo(13, 0);
    expect(p.regimes[1]!.savingNs).toBeCloseTo(20, 0);
  });
});
