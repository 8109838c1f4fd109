// A regime's cost from the loads of the chains (Benchmarks 1 and 3 with --loads): each load has its own
// knee (on the development host the direct chain's at 18 in most loads, 21–24 in some), so at the depths
// where loads split, the per-depth median mixes the two regimes and a line through the profile bends with
// the mix. Here each load gives its own slope over the regime's depths where that load is in the regime
// (its own knee decides), and the regime's cost is the median over loads with a bootstrap interval over
// loads: the loads are the replicates. docs/measurement.md, "How precise a regime's cost is".
import { depthProfile } from './depth-profile.js';
import { bestKnee } from './segmented-fit.js';
import { linearFit, median, MIN_FIT_POINTS, quantile, sampleSd } from './stats.js';
import { mulberry32 as rng } from '../util/prng.js';

/** Fewest loads whose median stands for the regime; with fewer the profile's line is the figure. */
export const MIN_LOADS = 5;

/** Bootstrap resamples of the loads: enough for the 2.5th/97.5th percentiles of a median. */
const LOAD_BOOTSTRAP = 1000;

/** Fixed seed: the same samples give the same report. */
const LOAD_BOOTSTRAP_SEED = 0x10ad5;

/** One load's per-depth medians and its own knee (null when it has too few depths for one). */
export interface LoadFit {
  load: number;
  xs: number[];
  ys: number[];
  knee: number | null;
}

/** Each load's per-depth medians and own knee. */
export function loadFits(byLoad: ReadonlyMap<number, ReadonlyMap<number, readonly number[]>>): LoadFit[] {
  return [...byLoad].map(([load, byDepth]) => {
    const points = depthProfile(byDepth);
    const xs = points.map((p) => p.depth);
    const ys = points.map((p) => p.estimate);
    const k = bestKnee(xs, ys);
    return { load, xs, ys, knee: k ? (xs[k.index] as number) : null };
  });
}

/** Each load's samples by depth (samples without a load are left out). */
export function samplesByLoad(samples: readonly { load?: number; depth: number; figure: number }[]): Map<number, Map<number, number[]>> {
  const out = new Map<number, Map<number, number[]>>();
  for (const s of samples) {
    if (s.load === undefined) continue;
    const byDepth = out.get(s.load) ?? new Map<number, number[]>();
    byDepth.set(s.depth, [...(byDepth.get(s.depth) ?? []), s.figure]);
    out.set(s.load, byDepth);
  }
  return out;
}

interface LoadRegimeCost {
  slope: number;
  ci: [number, number];
  /** SD of the bootstrap medians. */
  se: number;
  /** Loads behind the median. */
  loads: number;
}

/** One regime of a curve whose knee is at `knee`: its side, and the depths [from, to] it spans. */
interface RegimeSpan {
  side: 'below' | 'above';
  knee: number;
  from: number;
  to: number;
}

/**
 * Per load (by its index), the OLS slope over the depths of the regime on the regime's side of both the
 * cell's knee and the load's own; loads with fewer than MIN_FIT_POINTS such depths have none.
 */
export function loadSlopes(fits: readonly LoadFit[], r: RegimeSpan): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of fits) {
    const own = f.knee ?? r.knee;
    const inRegime = (d: number) =>
      d >= r.from && d <= r.to && (r.side === 'below' ? d < Math.min(r.knee, own) : d >= Math.max(r.knee, own));
    const idx = f.xs.flatMap((d, i) => (inRegime(d) ? [i] : []));
    if (idx.length < MIN_FIT_POINTS) continue;
    const line = linearFit(
      idx.map((i) => f.xs[i] as number),
      idx.map((i) => f.ys[i] as number),
    );
    if (line) out.set(f.load, line.slope);
  }
  return out;
}

/**
 * `statistic` of the loads, and its 95 % percentile interval and SE over LOAD_BOOTSTRAP resamples of the
 * loads (indices into `loads`, drawn with replacement): one resampling for a regime's cost and for the
 * difference of two variants' costs, whose loads are resampled together.
 */
export function bootstrapLoads(
  loads: readonly number[],
  statistic: (picked: readonly number[]) => number,
): { value: number; ci: [number, number]; se: number } {
  const next = rng(LOAD_BOOTSTRAP_SEED);
  const draws = Array.from({ length: LOAD_BOOTSTRAP }, () =>
    statistic(Array.from({ length: loads.length }, () => loads[Math.floor(next() * loads.length)] as number)),
  ).sort((a, b) => a - b);
  return { value: statistic(loads), ci: [quantile(draws, 0.025), quantile(draws, 0.975)], se: sampleSd(draws) };
}

/**
 * The cost of a regime of a curve: the median over loads of their slopes (loadSlopes), its 95 % percentile
 * interval over bootstrap resamples of the loads. Null with fewer than MIN_LOADS loads with a slope.
 */
export function loadRegimeCost(fits: readonly LoadFit[], r: RegimeSpan): LoadRegimeCost | null {
  const slopes = loadSlopes(fits, r);
  if (slopes.size < MIN_LOADS) return null;
  const b = bootstrapLoads([...slopes.keys()], (picked) => median(picked.map((l) => slopes.get(l) as number)));
  return { slope: b.value, ci: b.ci, se: b.se, loads: slopes.size };
}
