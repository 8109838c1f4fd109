// What the direct jump saves per tail call on hardware, per regime. The agent times both variants at one
// depth back to back (all of one variant's samples, then all of the other's, in a seeded order per depth),
// so the pairing unit is the depth: the two variants' samples there share the same minute of the machine.
// Within a depth the k-th samples are matched in time order (a convention, not a shared call). The slope
// of the per-depth median differences against depth is the saving, with drift between depths cancelled.
// Welch (two independent slopes) only where a depth cannot be paired (one variant lacks it, unequal counts).
// With the samples spread over loads of the chains, both variants of a load share that load's minutes and
// the regime costs come from the loads: then the load is the pairing unit (loadsPairedSaving).
import { bootstrapLoads, type LoadFit, loadSlopes, MIN_LOADS } from './load-regimes.js';
import { regimeDepths } from './regime-ranges.js';
import { withRobustSlope } from './robust-fit.js';
import { difference, linearFit, median, MIN_FIT_POINTS } from './stats.js';
import type { HardwareCurve, PairedSaving, RegimeName, RegimeSaving } from './summary-schema.js';

type SamplesByDepth = ReadonlyMap<number, readonly number[]>;

interface Range {
  regime: RegimeName;
  /** Inclusive depth bounds. */
  from: number;
  to: number;
}

/**
 * The stretches where both variants are in the same regime: all depths when both are linear; else below
 * both knees and from both knees on (depths between the two knees mix regimes and belong to neither).
 */
function commonRanges(direct: HardwareCurve, indirect: HardwareCurve, depths: readonly number[]): Range[] {
  const lo = depths[0] ?? 0;
  const hi = depths[depths.length - 1] ?? 0;
  const knees = [direct.knee?.depth, indirect.knee?.depth].filter((k): k is number => k !== undefined);
  if (knees.length === 0) return [{ regime: 'all', from: lo, to: hi }];
  const r = regimeDepths(knees, lo, hi);
  return [
    { regime: 'below-knee', from: r.below[0], to: r.below[1] },
    { regime: 'above-knee', from: r.above[0], to: r.above[1] },
  ];
}

/** Why the samples cannot be paired, or null when every depth has as many of each. */
function unpairableReason(direct: SamplesByDepth, indirect: SamplesByDepth): string | null {
  const depths = new Set([...direct.keys(), ...indirect.keys()]);
  for (const d of [...depths].sort((a, b) => a - b)) {
    const a = direct.get(d)?.length ?? 0;
    const b = indirect.get(d)?.length ?? 0;
    if (a !== b) return `depth ${d} has ${a} direct and ${b} indirect valid sample(s)`;
  }
  return null;
}

function fitRange(xs: number[], ys: number[]): { slope: number; ci: [number, number]; se: number; df: number } | null {
  const f = linearFit(xs, ys);
  if (!f) return null;
  const r = withRobustSlope(f, xs, ys);
  return { slope: r.slope, se: r.slopeSe, df: r.df, ci: [r.slopeCi[0], r.slopeCi[1]] };
}

/**
 * The saving per regime where both variants' regime costs come from their loads (load-regimes.ts): each
 * variant's cost over its own regime (the median over loads of the load's own slope, as the curve reports
 * it) and the difference, over the loads that have a slope in both variants; its interval from resampling
 * those loads, both variants of a load together (one load of the chains holds both, their samples
 * interleaved), so what a load shares between the variants cancels. The depths named are those where
 * both variants are in the regime, where the saving holds. Null where a curve has no knee, a regime's cost
 * is from the profile, or fewer than MIN_LOADS loads have both slopes: then pairedSaving.
 */
export function loadsPairedSaving(
  dFits: readonly LoadFit[],
  iFits: readonly LoadFit[],
  dCurve: HardwareCurve,
  iCurve: HardwareCurve,
): PairedSaving | null {
  if (!dCurve.knee || !iCurve.knee) return null;
  const depths = dCurve.profile.map((p) => p.depth).filter((d) => iCurve.profile.some((p) => p.depth === d));
  const regimes: RegimeSaving[] = [];
  for (const r of commonRanges(dCurve, iCurve, depths)) {
    const slopes = [dCurve, iCurve].map((c, k) => {
      const own = c.regimes.find((x) => x.regime === r.regime);
      if (own?.estimate !== 'loads' || !c.knee) return null;
      const span = {
        side: r.regime === 'below-knee' ? ('below' as const) : ('above' as const),
        knee: c.knee.depth,
        from: own.fromDepth,
        to: own.toDepth,
      };
      return loadSlopes(k === 0 ? dFits : iFits, span);
    });
    const [d, i] = slopes;
    if (!d || !i) return null;
    const both = [...d.keys()].filter((l) => i.has(l));
    const xs = depths.filter((x) => x >= r.from && x <= r.to);
    if (both.length < MIN_LOADS || xs.length < MIN_FIT_POINTS) return null;
    const b = bootstrapLoads(
      both,
      (picked) => median(picked.map((l) => i.get(l) as number)) - median(picked.map((l) => d.get(l) as number)),
    );
    regimes.push({
      regime: r.regime,
      fromDepth: xs[0] as number,
      toDepth: xs[xs.length - 1] as number,
      n: xs.length,
      savingNs: b.value,
      savingCi: b.ci,
      df: both.length - 1,
      loads: both.length,
    });
  }
  return {
    method: 'paired-loads',
    reason:
      "variants interleaved in each load of the chains: each variant's regime cost the median over loads of the load's own slope, the difference's interval from resampling the loads, both variants of a load together",
    regimes,
    notes: [],
  };
}

/** `notPairable`: why the design itself pairs nothing (traffic: one variant's windows after the other's). */
export function pairedSaving(
  direct: SamplesByDepth,
  indirect: SamplesByDepth,
  dCurve: HardwareCurve,
  iCurve: HardwareCurve,
  notPairable?: string,
): PairedSaving {
  const unpairable = notPairable ?? unpairableReason(direct, indirect);
  const depths = [...direct.keys()].filter((d) => indirect.has(d)).sort((a, b) => a - b);
  const regimes: RegimeSaving[] = [];
  const notes: string[] = [];
  for (const r of commonRanges(dCurve, iCurve, depths)) {
    const xs = depths.filter((d) => d >= r.from && d <= r.to);
    if (xs.length < MIN_FIT_POINTS) {
      notes.push(`${r.regime}: ${xs.length} depth(s) where both variants are in this regime, fewer than ${MIN_FIT_POINTS}: no saving`);
      continue;
    }
    const base = { regime: r.regime, fromDepth: xs[0] as number, toDepth: xs[xs.length - 1] as number, n: xs.length };
    if (unpairable === null) {
      // The k-th samples of the two variants at a depth, matched in time order (both taken in the same round at that depth).
      const ys = xs.map((d) => {
        const a = direct.get(d) as readonly number[];
        const b = indirect.get(d) as readonly number[];
        return median(b.map((v, k) => v - (a[k] as number)));
      });
      const f = fitRange(xs, ys);
      if (f) regimes.push({ ...base, savingNs: f.slope, savingCi: f.ci, df: f.df });
    } else {
      const med = (m: SamplesByDepth) => xs.map((d) => median(m.get(d) as readonly number[]));
      const a = fitRange(xs, med(direct));
      const b = fitRange(xs, med(indirect));
      if (a && b) {
        const diff = difference({ value: a.slope, se: a.se, df: a.df }, { value: b.slope, se: b.se, df: b.df });
        regimes.push({ ...base, savingNs: diff.value, savingCi: [diff.ci[0], diff.ci[1]], df: diff.df });
      }
    }
  }
  return {
    method: unpairable === null ? 'paired' : 'welch',
    reason:
      unpairable === null
        ? 'variants interleaved per depth in one boot: slope of the per-depth median paired difference'
        : `not pairable (${unpairable}): Welch difference of the two slopes`,
    regimes,
    notes,
  };
}
