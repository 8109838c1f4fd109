// The loads of a hardware cell compared with one another. The agent spreads a cell's samples over fresh
// loads of the chains (--loads), taken one after another over seconds; a machine that changes in that
// time shows as loads that disagree. Seen on the development host (a cloud VM, AMD EPYC): for a few
// minutes every depth ran 18–35 % slower and the knees moved from depth 18 to 9 (direct) and 9 to 4
// (indirect); one cell caught the change at its 14th load (docs/measurement.md, "When the machine changes
// under a cell"). No steal or busy share was recorded: only the timings show it, so only they can tell.
import { figureKindOf, type CellResult, type Sample } from '../results/cell-result.js';
import { withoutContaminated } from '../results/contamination.js';
import { median } from './stats.js';

/**
 * How far a load's cost at the shallowest depths may sit from the median load's before it counts as
 * another state of the machine. Over 27 idle host cells (10 and 20 loads) one variant's load strayed by
 * up to 13 %, but never both variants' at once, in one direction; the change that moved the knees was
 * 18–35 % in both.
 */
export const LOAD_SHIFT = 0.1;

/** Depths 0..3: below every knee the segmented model can place (MIN_SEGMENT_POINTS), so a load's regime does not enter. */
export const SHALLOW_DEPTHS = 4;

/** Fewest loads for a median load to stand for the cell. */
const MIN_LOADS = 4;

interface ShiftedLoad {
  load: number;
  /** The load's shallow cost over the median load's, − 1, per series (the same sign in all). */
  shift: number[];
}

/**
 * Loads whose every series (the variants, or strategies) ran at the shallowest depths more than LOAD_SHIFT
 * away from the median load, all in one direction. Needs ≥ 2 series: one series' stray load is not told
 * from a machine's change. Series are without their switched-out samples; samples without a load give none.
 */
export function shiftedLoads(series: readonly (readonly Sample[])[]): ShiftedLoad[] {
  if (series.length < 2) return [];
  const perSeries = series.map(shallowRatios);
  const loads = [...new Set(perSeries.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  if (loads.length < MIN_LOADS || perSeries.some((m) => m.size < MIN_LOADS)) return [];
  const shifts = perSeries.map((m) => {
    const mid = median([...m.values()]);
    return new Map([...m].map(([load, r]) => [load, r / mid - 1]));
  });
  const out: ShiftedLoad[] = [];
  for (const load of loads) {
    const shift = shifts.map((m) => m.get(load));
    if (shift.some((s) => s === undefined)) continue;
    const s = shift as number[];
    if (s.every((x) => x > LOAD_SHIFT) || s.every((x) => x < -LOAD_SHIFT)) out.push({ load, shift: s });
  }
  return out;
}

/** Per load: the median over its shallow samples of each one's figure against the depth's median over all loads. */
function shallowRatios(samples: readonly Sample[]): Map<number, number> {
  const byDepth = new Map<number, number[]>();
  for (const s of samples)
    if (s.load !== undefined && s.depth < SHALLOW_DEPTHS) byDepth.set(s.depth, [...(byDepth.get(s.depth) ?? []), s.durationNs]);
  const mid = new Map([...byDepth].map(([d, xs]) => [d, median(xs)]));
  const ratios = new Map<number, number[]>();
  for (const s of samples) {
    const m = s.load !== undefined ? mid.get(s.depth) : undefined;
    if (m === undefined || m <= 0) continue;
    ratios.set(s.load!, [...(ratios.get(s.load!) ?? []), s.durationNs / m]);
  }
  return new Map([...ratios].map(([load, rs]) => [load, median(rs)]));
}

/** A cell's loads and the ones left out as another state of the machine (hardware cells with loads). */
interface LoadCheck {
  /** Loads the samples came from. */
  loads: number;
  leftOut: ShiftedLoad[];
}

/**
 * A hardware cell without the samples of its shifted loads, every variant and strategy alike, and what
 * was left out; null check where there is nothing to compare (not hardware ns, no loads recorded).
 */
export function withoutShiftedLoads(c: CellResult): { cell: CellResult; check: LoadCheck | null } {
  if (figureKindOf(c) !== 'hardware-ns') return { cell: c, check: null };
  const series = [...c.variants, ...(c.strategies ?? []).filter((s) => s.status !== 'unsupported')].map(
    (v) => withoutContaminated(v).samples,
  );
  const loads = new Set(series.flat().flatMap((s) => (s.load !== undefined ? [s.load] : []))).size;
  if (loads < 2) return { cell: c, check: null };
  const leftOut = shiftedLoads(series);
  const out = new Set(leftOut.map((l) => l.load));
  const keep = <T extends { samples: Sample[] }>(v: T): T => ({
    ...v,
    samples: v.samples.filter((s) => s.load === undefined || !out.has(s.load)),
  });
  const cell =
    out.size === 0 ? c : { ...c, variants: c.variants.map(keep), ...(c.strategies ? { strategies: c.strategies.map(keep) } : {}) };
  return { cell, check: { loads, leftOut } };
}

/** "13–19" from [13, 14, …, 19]; "2, 5–6" where they break. */
function ranges(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === (xs[j] as number) + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}–${xs[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** More than this share of the loads left out and the rest may not stand for the cell either. */
const MANY_LEFT_OUT = 0.25;

/** The cell's warning when loads were left out. */
export function loadShiftWarning(check: LoadCheck | null): string[] {
  if (!check || check.leftOut.length === 0) return [];
  const n = check.leftOut.length;
  const pcts = check.leftOut.flatMap((l) => l.shift.map((s) => Math.abs(100 * s)));
  // Each left-out load moved one way in every series (shiftedLoads): its first series says which.
  const slower = check.leftOut.filter((l) => (l.shift[0] as number) > 0).length;
  const way = slower === n ? 'slower' : slower === 0 ? 'faster' : 'slower or faster';
  return [
    `${n} of ${check.loads} loads of the chains (load ${ranges(check.leftOut.map((l) => l.load))}, counted from 0) ran ` +
      `${Math.min(...pcts).toFixed(0)}–${Math.max(...pcts).toFixed(0)} % ${way} at depths 0–${SHALLOW_DEPTHS - 1} than the median load, in every series: ` +
      `the machine changed during the cell (docs/measurement.md, "When the machine changes under a cell"); they are left out of its figures` +
      (n > MANY_LEFT_OUT * check.loads ? `, which rest on the other ${check.loads - n}: measure again on a quieter machine` : ''),
  ];
}
