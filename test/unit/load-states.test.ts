// The loads of a hardware cell compared with one another (src/analysis/load-states.ts), on two real host
// cells of 20 loads each (test/fixtures/isolation/README.md): one idle, one during which the machine changed.
import { describe, expect, it } from 'vitest';
import { analyseCell } from '../../src/analysis/analyse-cell.js';
import { summarise } from '../../src/analysis/analyse.js';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import { pairedSavingText } from '../../src/analysis/curve-text.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { shiftedLoads } from '../../src/analysis/load-states.js';
import { withLoads } from '../../src/measure/sample-loads.js';
import type { CellResult, Sample } from '../../src/results/cell-result.js';
import { hostCell, isolationStream as stream } from '../support/host-streams.js';

const IDLE = stream('host-6.18-epyc-native-20-loads.jsonl.gz');
const CHANGED = stream('host-6.18-epyc-native-machine-changed.jsonl.gz');
const SLOWER = stream('host-6.18-epyc-native-machine-slower.jsonl.gz');
const GATE = { instructions: 1, thresholdNs: 0, thresholdPct: 5, aloneNs: 1, alonePct: 10, alpha: 0.05 };

describe('which load a sample timed', () => {
  it('is replayed for a stream whose samples do not carry it: every load takes its share at every depth', () => {
    const cell = hostCell(IDLE);
    for (const v of cell.variants) {
      const clean = v.samples.filter((s) => !s.retaken);
      for (let d = 0; d <= 32; d++)
        expect(
          clean
            .filter((s) => s.depth === d)
            .map((s) => s.load)
            .sort((a, b) => a! - b!),
        ).toEqual(Array.from({ length: 20 }, (_, l) => l));
    }
  });

  it('shares unequal samples as the agent does (first loads one more) and gives a re-take its replacement`s load', () => {
    const s = (depth: number, retaken = false): Sample => ({
      depth,
      durationNs: 10,
      retval: depth,
      repeat: 1,
      retaken,
      contaminated: retaken,
    });
    // 5 samples over 2 loads: load 0 takes 3 at each depth, load 1 takes 2; a re-take at depth 1 in load 1.
    const series = [s(0), s(0), s(0), s(1), s(1), s(1), s(0), s(0), s(1, true), s(1), s(1)];
    expect(withLoads(series, 5, 2).map((x) => x.load)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // One load, or samples that carry their load: as they are.
    expect(withLoads(series, 5, 1).map((x) => x.load)).toEqual(series.map(() => undefined));
    const carried = series.map((x) => ({ ...x, load: 7 }));
    expect(withLoads(carried, 5, 2).map((x) => x.load)).toEqual(series.map(() => 7));
  });
});

describe('loads compared with one another', () => {
  it('an idle cell: no load left out, and each load`s own knee beside the cell`s', () => {
    const summary = analyseCell(hostCell(IDLE));
    expect(summary.loadCheck).toEqual({ loads: 20, leftOut: [] });
    expect(summary.warnings.join('\n')).not.toMatch(/loads of the chains/);
    const knees = summary.direct?.curve?.knee;
    expect(knees?.depth).toBe(18);
    expect(knees?.perLoad).toHaveLength(20);
    // Most loads put the direct knee at 18; a few later (the ramp where loads split).
    expect(knees!.perLoad!.filter((k) => k === 18).length).toBeGreaterThanOrEqual(12);
    expect(summary.indirect?.curve?.knee?.depth).toBe(9);
    expect(summary.warnings.join('\n')).toMatch(/the loads' own knees: 18 in \d+ of 20/);
  });

  it('a cell the machine changed under: the loads after the change are named, left out, and the figures are the other loads`', () => {
    const cell = hostCell(CHANGED);
    const summary = analyseCell(cell);
    const left = summary.loadCheck?.leftOut ?? [];
    expect(left.map((l) => l.load)).toEqual([13, 14, 15, 16, 17, 18, 19]);
    // Slower in both variants, by a fifth to a third.
    for (const l of left) for (const s of l.shift) expect(s).toBeGreaterThan(0.15);
    const w = summary.warnings.find((x) => x.includes('loads of the chains'));
    expect(w).toMatch(/^7 of 20 loads of the chains \(load 13–19, counted from 0\) ran \d+–\d+ % slower at depths 0–3/);
    expect(w).toMatch(/left out of its figures, which rest on the other 13: measure again/);
    // Left out, the figures are the first 13 loads': the knees where the idle cell has them.
    expect(summary.direct?.curve?.knee?.depth).toBe(18);
    expect(summary.indirect?.curve?.knee?.depth).toBe(9);
    expect(summary.direct?.curve?.knee?.perLoad).toHaveLength(13);
    // The counts of what the agent wrote stay whole.
    expect(summary.direct?.contamination?.checked).toBe(cell.variants[0]!.samples.length);
  });

  it('one series alone never leaves a load out: a stray load of one variant is not a machine that changed', () => {
    const cell = hostCell(CHANGED);
    expect(shiftedLoads([cell.variants[0]!.samples])).toEqual([]);
    expect(shiftedLoads(cell.variants.map((v) => v.samples)).map((l) => l.load)).toEqual([13, 14, 15, 16, 17, 18, 19]);
  });
});

describe('the gate beside a machine that changed between runs', () => {
  const summaryOf = (text: string) => summarise([analyseCell(hostCell(text))]);
  it('says so where every variant ran slower at depths 0–3 than in the baseline, and keeps its verdict', () => {
    const b = compareWithBaseline(summaryOf(SLOWER), summaryOf(IDLE), 'baseline', GATE);
    expect(b.comparisons.length).toBeGreaterThan(0);
    for (const c of b.comparisons)
      expect(c.note).toMatch(
        /every series ran \d+–\d+ % slower at depths 0–3 than in the baseline: the machine may have changed rather than the kernel/,
      );
    // The knees moved and every depth is slower: the gate still fails; the note tells the reader why it may.
    expect(b.regressions).toBeGreaterThan(0);
  });

  it('says nothing where the machine was the same (the changed cell without its left-out loads)', () => {
    const b = compareWithBaseline(summaryOf(CHANGED), summaryOf(IDLE), 'baseline', GATE);
    expect(b.comparisons.length).toBeGreaterThan(0);
    for (const c of b.comparisons) expect(c.note ?? '').not.toMatch(/machine may have changed/);
    // Both sides have every regime's cost from their loads: the gate compares those, and says so.
    const regimes = b.comparisons.filter((c) => c.variant.includes('knee'));
    expect(regimes.map((c) => c.variant).sort()).toEqual([
      'direct:above-knee',
      'direct:below-knee',
      'indirect:above-knee',
      'indirect:below-knee',
    ]);
    const ownCost = (key: 'direct' | 'indirect', regime: string, s: ReturnType<typeof summaryOf>) =>
      s.cells[0]![key]!.curve!.regimes.find((r) => r.regime === regime)!.slope;
    for (const c of regimes) {
      expect(c.note).toMatch(/each replicate's cost from its loads/);
      const [v, regime] = c.variant.split(':') as ['direct' | 'indirect', string];
      expect(c.baselineValues).toEqual([ownCost(v, regime, summaryOf(IDLE))]);
    }
  });
});

describe("a regime's cost from the loads", () => {
  const withoutLoads = (c: CellResult): CellResult => ({
    ...c,
    variants: c.variants.map((v) => ({ ...v, samples: v.samples.map(({ load: _, ...s }) => s) })),
  });
  const half = (ci: readonly [number, number]) => (ci[1] - ci[0]) / 2;

  it('is the median over loads of their own slopes, where each load is in the regime, and tighter than a line through the profile', () => {
    const cell = hostCell(IDLE);
    const loads = analyseCell(cell);
    const profile = analyseCell(withoutLoads(cell));
    for (const v of ['direct', 'indirect'] as const) {
      const a = loads[v]!.curve!;
      const b = profile[v]!.curve!;
      // The same knee and depths: only how each regime's cost is estimated differs.
      expect(a.knee?.depth).toBe(b.knee?.depth);
      expect(a.regimes.map((r) => [r.fromDepth, r.toDepth])).toEqual(b.regimes.map((r) => [r.fromDepth, r.toDepth]));
      for (const r of a.regimes) {
        expect(r).toMatchObject({ estimate: 'loads', loads: 20, df: 19 });
        expect(r.slopeCi[0]).toBeLessThanOrEqual(r.slope);
        expect(r.slopeCi[1]).toBeGreaterThanOrEqual(r.slope);
        // Issue 18's target on this idle cell: every regime's 95 % half-width within 0.5 ns.
        expect(half(r.slopeCi)).toBeLessThanOrEqual(0.5);
      }
      for (const r of b.regimes) expect(r.estimate).toBe('profile');
    }
    // Where loads split (the direct ramp after its knee) and where the profile bends (indirect depths 0–8),
    // the profile's line is loose; the loads are not.
    const above = (s: typeof loads) => s.direct!.curve!.regimes[1]!;
    const below = (s: typeof loads) => s.indirect!.curve!.regimes[0]!;
    expect(half(above(loads).slopeCi)).toBeLessThan(half(above(profile).slopeCi) / 2);
    expect(half(below(loads).slopeCi)).toBeLessThan(half(below(profile).slopeCi) / 2);
    expect(loads.warnings.join('\n')).toMatch(/each cost the median over 20 loads of the load's own slope/);
  });

  it('gives the saving per regime as the difference of the two variants` costs, its interval from resampling the loads together', () => {
    const cell = hostCell(IDLE);
    const loads = analyseCell(cell);
    const profile = analyseCell(withoutLoads(cell));
    const p = loads.pairedSaving!;
    expect(p.method).toBe('paired-loads');
    expect(profile.pairedSaving!.method).toBe('paired');
    const cost = (v: 'direct' | 'indirect', regime: string) => loads[v]!.curve!.regimes.find((r) => r.regime === regime)!.slope;
    expect(p.regimes.map((r) => r.regime)).toEqual(['below-knee', 'above-knee']);
    for (const r of p.regimes) {
      // Every load has both slopes on this idle cell: the saving is the difference of the reported costs.
      expect(r.loads).toBe(20);
      expect(r.savingNs).toBeCloseTo(cost('indirect', r.regime) - cost('direct', r.regime), 9);
      expect(r.savingCi[0]).toBeLessThanOrEqual(r.savingNs);
      expect(r.savingCi[1]).toBeGreaterThanOrEqual(r.savingNs);
      // Named by the depths where both variants are in the regime, as the per-depth pairing names them.
      const old = profile.pairedSaving!.regimes.find((x) => x.regime === r.regime)!;
      expect([r.fromDepth, r.toDepth]).toEqual([old.fromDepth, old.toDepth]);
    }
    // Below both knees the per-depth pairing mixes loads already past the indirect knee (depth 8): loose there.
    const below = (s: typeof loads) => s.pairedSaving!.regimes[0]!;
    expect(half(below(loads).savingCi)).toBeLessThan(half(below(profile).savingCi) / 2);
    expect(half(below(loads).savingCi)).toBeLessThanOrEqual(0.5);
    expect(pairedSavingText(p)).toMatch(/\[paired by load\]$/);
    // The line under the report's table says how such a row's figures were obtained.
    const md = renderMarkdown(summarise([loads]));
    expect(md).toContain('[paired by load]');
    expect(md).toMatch(
      /A row with a knee gives each regime's cost instead .*the median over loads of each load's own slope, ± the half-width of its 95 % bootstrap interval over the loads/,
    );
  });
});
