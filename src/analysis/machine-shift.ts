// Hardware cells whose machine, rather than their kernel, looks changed: every series slower (or faster) at
// the shallowest depths by more than a load may stray within a cell (docs/measurement.md, "When the machine
// changes under a cell"). Between the gate's two sides the verdict is kept and the note said beside it (a
// kernel can slow BPF_PROG_TEST_RUN itself); within one side, a minority replicate in another state than the
// rest is left out, since a kernel's change moves every replicate of its side alike.
import { LOAD_SHIFT, SHALLOW_DEPTHS } from './load-states.js';
import { median } from './stats.js';
import type { CellSummary, DepthPoint, ReplicateLeftOut } from './summary-schema.js';

type Series = 'direct' | 'indirect' | `strategy:${string}`;

function pointsOf(c: CellSummary, s: Series): readonly DepthPoint[] {
  if (s === 'direct' || s === 'indirect') return c[s]?.points ?? [];
  return c.strategies?.find((x) => `strategy:${x.strategy}` === s)?.points ?? [];
}

/** A replicate's shallow cost of one series: the mean of its per-depth medians over depths 0..3; null without all four. */
function shallowCost(c: CellSummary, s: Series): number | null {
  const ps = pointsOf(c, s).filter((p) => p.depth < SHALLOW_DEPTHS);
  return ps.length === SHALLOW_DEPTHS ? ps.reduce((a, p) => a + p.medianNs, 0) / ps.length : null;
}

/** A side's shallow cost of one series: the median over its replicates. */
function shallow(cells: readonly CellSummary[], s: Series): number | null {
  const costs = cells.flatMap((c) => shallowCost(c, s) ?? []);
  return costs.length > 0 ? median(costs) : null;
}

/** Shifts of every series, as fractions; null unless there are ≥ 2 and all lie beyond LOAD_SHIFT one way. */
function oneWay(shifts: readonly number[]): 'slower' | 'faster' | null {
  if (shifts.length < 2) return null;
  if (shifts.every((x) => x > LOAD_SHIFT)) return 'slower';
  return shifts.every((x) => x < -LOAD_SHIFT) ? 'faster' : null;
}

const pctRange = (shifts: readonly number[]) => {
  const pcts = shifts.map((x) => Math.abs(100 * x));
  return `${Math.min(...pcts).toFixed(0)}–${Math.max(...pcts).toFixed(0)} %`;
};

const SEE = 'docs/measurement.md, "When the machine changes under a cell"';

/** The note for a hardware cell's comparisons when every series moved one way at depths 0–3; null otherwise. */
export function machineShiftNote(base: readonly CellSummary[], cur: readonly CellSummary[], series: readonly Series[]): string | null {
  const shifts = series.flatMap((s) => {
    const b = shallow(base, s);
    const c = shallow(cur, s);
    return b !== null && c !== null && b > 0 ? [c / b - 1] : [];
  });
  const way = oneWay(shifts);
  if (way === null) return null;
  return (
    `every series ran ${pctRange(shifts)} ${way} at depths 0–${SHALLOW_DEPTHS - 1} than in the baseline: ` +
    `the machine may have changed rather than the kernel (${SEE})`
  );
}

/** Fewest replicates a side needs before one can stand apart from the rest (with 2 the median lies between them). */
const MIN_REPLICATES = 3;

interface StrayReplicate {
  cell: CellSummary;
  /** Per series, its shallow cost against the median of the kept replicates', % (all beyond LOAD_SHIFT, one way). */
  shiftPct: number[];
}

/** Each series' shift of `c` against `ref`, as fractions; null unless both have every series' shallow cost. */
function shiftsAgainst(c: CellSummary, ref: readonly (number | null)[], series: readonly Series[]): number[] | null {
  const shifts = series.flatMap((s, i) => {
    const own = shallowCost(c, s);
    const r = ref[i];
    return own !== null && r != null && r > 0 ? [own / r - 1] : [];
  });
  return shifts.length === series.length ? shifts : null;
}

/**
 * One side's replicates without those that ran in another state of the machine than most of them. Two
 * replicates are in another state of each other where every series' shallow cost differs by more than
 * LOAD_SHIFT, one way; a replicate in the same state as more than half of the side (itself counted) is in
 * the side's usual state, and the others are left out. Where no replicate has such a majority (an even
 * split), which state is the usual one is unknown and all stay. On the development host 3 of 20 replicates
 * taken back to back ran 15–45 % slower at depths 0–3, their knees at 10 and 4 instead of 18 and 9.
 */
export function strayReplicates(
  cells: readonly CellSummary[],
  series: readonly Series[],
): { kept: CellSummary[]; stray: StrayReplicate[] } {
  const all = { kept: [...cells], stray: [] };
  if (cells.length < MIN_REPLICATES) return all;
  const costs = cells.map((c) => series.map((s) => shallowCost(c, s)));
  const apart = (a: number, b: number) => {
    const shifts = shiftsAgainst(cells[a]!, costs[b]!, series);
    return shifts !== null && oneWay(shifts) !== null;
  };
  const usual = cells.map((_, a) => 1 + cells.filter((_, b) => b !== a && !apart(a, b)).length > cells.length / 2);
  if (usual.every((u) => u) || !usual.some((u) => u)) return all;
  const kept = cells.filter((_, i) => usual[i]);
  // Against the kept replicates' median, as the report and the gate say it.
  const mids = series.map((s) => shallow(kept, s));
  const stray = cells.flatMap((c, i) => {
    const shifts = usual[i] ? null : shiftsAgainst(c, mids, series);
    return shifts ? [{ cell: c, shiftPct: shifts.map((x) => 100 * x) }] : [];
  });
  return { kept: cells.filter((c) => !stray.some((r) => r.cell === c)), stray };
}

const strayShift = (shiftPct: readonly number[]) => `${pctRange(shiftPct.map((x) => x / 100))} ${shiftPct[0]! > 0 ? 'slower' : 'faster'}`;

/** The warning on a replicate that ran in another state of the machine than most of its cell's replicates. */
export const strayWarning = (r: StrayReplicate): string =>
  `this replicate ran in another state of the machine than most replicates of its cell: every series ${strayShift(r.shiftPct)} ` +
  `at depths 0–${SHALLOW_DEPTHS - 1} than theirs, so its figures describe that state rather than the kernel; the gate leaves it out (${SEE})`;

/** The note naming the replicates left out of a comparison; null when none were. */
export function strayNote(leftOut: readonly ReplicateLeftOut[]): string | null {
  if (leftOut.length === 0) return null;
  const each = leftOut.map((r) => `${r.side} ${r.key} (${strayShift(r.shiftPct)})`);
  return (
    `left out as another state of the machine, every series at depths 0–${SHALLOW_DEPTHS - 1} against the rest of its side: ` +
    `${each.join(', ')} (${SEE})`
  );
}
