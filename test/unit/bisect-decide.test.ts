import { describe, expect, it } from 'vitest';
import { checkEnds, classify, decideStep, pool, type Rule } from '../../src/bisect/decide.js';
import type { Measurement } from '../../src/bisect/metric.js';

const timed = (value: number, half: number): Measurement => ({ value, ci: [value - half, value + half], kind: 'emulated-ns' });
const exact = (value: number): Measurement => ({ value, ci: [value, value], kind: 'instructions' });
const costRule: Rule = { threshold: 10, badAbove: true, origin: 'given' };
const savingRule: Rule = { threshold: 5, badAbove: false, origin: 'given' };

describe('classify', () => {
  it('a timed figure is good or bad only when its whole interval is on one side', () => {
    expect(classify(timed(8, 1), costRule, false)).toBe('good');
    expect(classify(timed(12, 1), costRule, false)).toBe('bad');
    expect(classify(timed(9.5, 1), costRule, false)).toBe('undecided');
  });
  it('an exact figure decides on its value; a saving is bad below the threshold', () => {
    expect(classify({ value: 10.01, ci: [9, 11] }, costRule, true)).toBe('bad');
    expect(classify({ value: 4, ci: [4, 4] }, savingRule, true)).toBe('bad');
    expect(classify({ value: 6, ci: [6, 6] }, savingRule, true)).toBe('good');
  });
});

describe('decideStep', () => {
  it('one exact measurement decides, even right next to the threshold', () => {
    expect(decideStep([exact(10.5)], costRule)).toMatchObject({ verdict: 'bad', atCap: false, pooled: { runs: 1 } });
  });
  it('a straddling timed figure asks for another run, then is decided once the pooled interval clears', () => {
    const first = decideStep([timed(11, 2)], costRule, 5);
    expect(first?.verdict).toBeUndefined();
    const more = decideStep([timed(11, 2), timed(11.1, 2), timed(10.9, 2), timed(11, 2), timed(11, 2)], costRule, 10);
    expect(more?.verdict).toBe('bad');
    expect(more?.pooled.ci[0]).toBeGreaterThan(10);
  });
  it('at the repeat cap a still straddling figure is decided on its mean, and says so', () => {
    const runs = [timed(9.7, 3), timed(10.2, 3), timed(9.8, 3)];
    expect(decideStep(runs.slice(0, 2), costRule, 3)?.verdict).toBeUndefined();
    expect(decideStep(runs, costRule, 3)).toMatchObject({ verdict: 'good', atCap: true });
  });
  it('no run yet: nothing to decide', () => {
    expect(decideStep([], costRule)).toBeUndefined();
  });
});

describe('pool', () => {
  it('keeps a single run as it is and widens to the spread between runs', () => {
    expect(pool([timed(5, 1)])).toEqual({ value: 5, ci: [4, 6], runs: 1 });
    const p = pool([timed(5, 0.01), timed(7, 0.01)])!;
    expect(p.value).toBe(6);
    // Tight fits, but the two boots disagree by 2: the interval reflects that, not the fits.
    expect(p.ci[1] - p.ci[0]).toBeGreaterThan(2);
  });
});

describe('checkEnds (BISECT_CHECK)', () => {
  it('without a threshold: the midpoint, bad on the side of the bad end', () => {
    expect(checkEnds([timed(5, 1)], [timed(15, 1)], { metric: 'direct' })).toEqual({
      ok: true,
      rule: { threshold: 10, badAbove: true, origin: 'midpoint' },
    });
    // A saving that shrank: bad is below.
    expect(checkEnds([timed(12, 1)], [timed(2, 1)], { metric: 'saving' })).toMatchObject({
      ok: true,
      rule: { threshold: 7, badAbove: false },
    });
  });
  it('overlapping ends ask for more runs, and stop with a clear message at the cap', () => {
    expect(checkEnds([timed(5, 2)], [timed(6, 2)], { metric: 'direct', cap: 3 })).toMatchObject({ ok: false, retry: true });
    const r = checkEnds([timed(5, 2), timed(5, 2), timed(5, 2)], [timed(6, 2), timed(6, 2), timed(6, 2)], { metric: 'direct', cap: 3 });
    expect(r).toMatchObject({ ok: false, retry: false });
    expect(!r.ok && r.message).toMatch(/cannot be told apart after 3 run\(s\) each/);
  });
  it('with a threshold: a good end that is bad, or a bad end that is good, stops the bisection', () => {
    const r = checkEnds([exact(12)], [exact(8)], { metric: 'direct', threshold: 10 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/the good end is not good.*the bad end is not bad/);
    expect(checkEnds([exact(8)], [exact(12)], { metric: 'direct', threshold: 10 })).toEqual({
      ok: true,
      rule: { threshold: 10, badAbove: true, origin: 'given' },
    });
  });
});
