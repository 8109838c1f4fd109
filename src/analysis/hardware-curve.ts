// The cost curve of one hardware-timed variant: the per-depth profile, whether one line describes it
// (tested: BIC of a line against two lines with a step at a searched knee), and the cost per tail call
// in each regime (and the two regimes must differ: a real step or slopes apart). Exact and emulated cells never come here: instruction counts are exactly linear.
// Benchmark 1 gives samples per depth (median, bootstrap over samples); Benchmark 2 one window's mean per
// depth (residual bootstrap): one model for both, so both report a knee the same way. Where the samples
// came from at least 5 loads, each regime's cost is the loads' (load-regimes.ts).
import { depthProfile } from './depth-profile.js';
import { loadFits, loadRegimeCost, type LoadFit } from './load-regimes.js';
import { withRobustSlope } from './robust-fit.js';
import {
  bestKnee,
  bic,
  LINE_PARAMS,
  lineSse,
  regimesDiffer,
  segmentedAt,
  SEGMENTED_BIC_MARGIN,
  SEGMENTED_PARAMS,
} from './segmented-fit.js';
import { linearFit, median, quantile } from './stats.js';
import type { HardwareCurve, ProfilePoint, RegimeCost } from './summary-schema.js';
import { mulberry32 as rng } from '../util/prng.js';

/** Bootstrap resamples for the knee's interval: enough for its 2.5th/97.5th percentiles of a few depths. */
const KNEE_BOOTSTRAP = 200;

/** Fixed seed: the same samples give the same report (golden tests, reruns of `report`). */
const BOOTSTRAP_SEED = 0x7a11;

/** Knee depths over bootstrap resamples of every depth's samples (each depth keeps its sample count). */
function bootstrapKnees(depths: readonly number[], samples: readonly (readonly number[])[], times: number): number[] {
  const next = rng(BOOTSTRAP_SEED);
  const knees: number[] = [];
  for (let b = 0; b < times; b++) {
    const ys = samples.map((s) => median(Array.from({ length: s.length }, () => s[Math.floor(next() * s.length)] as number)));
    const k = bestKnee(depths, ys);
    if (k) knees.push(depths[k.index] as number);
  }
  return knees.sort((a, b) => a - b);
}

/**
 * Knee depths over residual-bootstrap resamples, for a profile with one estimate per depth (a traffic
 * window's mean per packet): each segment's residuals are redrawn onto its own fitted line (deeper depths
 * are noisier, so residuals stay within their segment) and the knee is searched again.
 */
function residualKnees(xs: readonly number[], ys: readonly number[], index: number, times: number): number[] {
  const fitted = (from: number, to: number) => {
    const f = linearFit(xs.slice(from, to), ys.slice(from, to));
    return xs.slice(from, to).map((x) => (f ? f.intercept + f.slope * x : 0));
  };
  const yHat = [...fitted(0, index), ...fitted(index, xs.length)];
  const resid = ys.map((y, i) => y - (yHat[i] as number));
  const next = rng(BOOTSTRAP_SEED);
  const knees: number[] = [];
  for (let b = 0; b < times; b++) {
    const draw = (lo: number, hi: number) => resid[lo + Math.floor(next() * (hi - lo))] as number;
    const yb = yHat.map((y, i) => y + (i < index ? draw(0, index) : draw(index, xs.length)));
    const k = bestKnee(xs, yb);
    if (k) knees.push(xs[k.index] as number);
  }
  return knees.sort((a, b) => a - b);
}

/**
 * The linearity test and the regimes of a per-depth profile; `knees` gives the knee's resampled depths
 * (how depends on what stands behind each estimate) once a knee is found.
 */
function curveOf(
  profile: readonly ProfilePoint[],
  knees: (xs: readonly number[], ys: readonly number[], index: number) => number[],
  loads: readonly LoadFit[] = [],
): HardwareCurve | null {
  const xs = profile.map((p) => p.depth);
  const ys = profile.map((p) => p.estimate);
  const line = linearFit(xs, ys);
  if (!line) return null;
  const n = xs.length;
  const lineBic = bic(lineSse(xs, ys), n, LINE_PARAMS);
  const best = bestKnee(xs, ys);
  const seg = best ? segmentedAt(xs, ys, best.index) : null;
  const segmentedBic = seg ? bic(seg.sse, n, SEGMENTED_PARAMS) : null;
  const linearity = { method: 'bic' as const, lineBic, segmentedBic, margin: SEGMENTED_BIC_MARGIN };
  const profileOut = profile.map((p) => ({
    depth: p.depth,
    estimate: p.estimate,
    ci: p.ci === null ? null : ([p.ci[0], p.ci[1]] as [number, number]),
    samples: p.samples,
  }));
  if (!best || !seg || segmentedBic === null || lineBic - segmentedBic < SEGMENTED_BIC_MARGIN || !regimesDiffer(seg)) {
    // One line: its slope with the heteroscedasticity-robust interval the exact path reports too.
    const f = withRobustSlope(line, xs, ys);
    const all: RegimeCost = {
      regime: 'all',
      fromDepth: xs[0] as number,
      toDepth: xs[n - 1] as number,
      n,
      slope: f.slope,
      intercept: f.intercept,
      slopeSe: f.slopeSe,
      slopeCi: [f.slopeCi[0], f.slopeCi[1]],
      df: f.df,
    };
    return { profile: profileOut, model: 'linear', linearity, knee: null, step: null, regimes: [all] };
  }
  const drawn = knees(xs, ys, best.index);
  const ownKnees = loads.flatMap((l) => (l.knee === null ? [] : [l.knee])).sort((a, b) => a - b);
  const regime = (name: 'below-knee' | 'above-knee', s: typeof seg.lower): RegimeCost => {
    const fromLoads = loadRegimeCost(loads, {
      side: name === 'below-knee' ? 'below' : 'above',
      knee: seg.knee,
      from: s.fromDepth,
      to: s.toDepth,
    });
    const line = {
      regime: name,
      fromDepth: s.fromDepth,
      toDepth: s.toDepth,
      n: s.n,
      slope: s.slope,
      intercept: s.intercept,
      slopeSe: s.slopeSe,
      slopeCi: [s.slopeCi[0], s.slopeCi[1]] as [number, number],
      df: s.df,
    };
    if (!fromLoads) return { ...line, estimate: 'profile' };
    // The line drawn with the loads' slope through the profile's centre over the regime.
    const inside = profile.filter((p) => p.depth >= s.fromDepth && p.depth <= s.toDepth);
    const mx = inside.reduce((a, p) => a + p.depth, 0) / inside.length;
    const my = inside.reduce((a, p) => a + p.estimate, 0) / inside.length;
    return {
      ...line,
      slope: fromLoads.slope,
      intercept: my - fromLoads.slope * mx,
      slopeSe: fromLoads.se,
      slopeCi: fromLoads.ci,
      df: fromLoads.loads - 1,
      estimate: 'loads',
      loads: fromLoads.loads,
    };
  };
  return {
    profile: profileOut,
    model: 'segmented',
    linearity,
    knee: {
      depth: seg.knee,
      ci: drawn.length > 0 ? [quantile(drawn, 0.025), quantile(drawn, 0.975)] : [seg.knee, seg.knee],
      bootstrap: drawn.length,
      ...(ownKnees.length > 1 ? { perLoad: ownKnees } : {}),
    },
    step: { value: seg.step, ci: [seg.stepCi[0], seg.stepCi[1]] },
    regimes: [regime('below-knee', seg.lower), regime('above-knee', seg.upper)],
  };
}

/**
 * The profile, the linearity test and the regimes of one variant's samples (ns, by depth); with the
 * samples of each load too (`byLoad`, Benchmark 1 and 3 with --loads), each load's own knee and each
 * regime's cost from the loads (load-regimes.ts).
 */
export function analyseCurve(
  byDepth: ReadonlyMap<number, readonly number[]>,
  byLoad: ReadonlyMap<number, ReadonlyMap<number, readonly number[]>> = new Map(),
): HardwareCurve | null {
  const profile = depthProfile(byDepth);
  return curveOf(
    profile,
    (xs) =>
      bootstrapKnees(
        xs,
        profile.map((p) => byDepth.get(p.depth) ?? []),
        KNEE_BOOTSTRAP,
      ),
    loadFits(byLoad),
  );
}

/**
 * The same for traffic windows: one mean per packet per depth (ns, hardware) over `packets` packets. The
 * methods record no per-packet spread: a depth's interval comes from the window's sub-windows where the
 * agent took them (sub-window-interval.ts; ci null otherwise), and the knee's range from the residuals
 * (residualKnees), as one estimate stands behind each depth either way.
 */
export function analyseWindowCurve(
  points: readonly { depth: number; mean: number; ci: readonly [number, number] | null; packets: number }[],
): HardwareCurve | null {
  const profile = [...points]
    .sort((a, b) => a.depth - b.depth)
    .map((p) => ({
      depth: p.depth,
      estimate: p.mean,
      ci: p.ci === null ? null : ([p.ci[0], p.ci[1]] as [number, number]),
      samples: p.packets,
    }));
  return curveOf(profile, (xs, ys, index) => residualKnees(xs, ys, index, KNEE_BOOTSTRAP));
}
