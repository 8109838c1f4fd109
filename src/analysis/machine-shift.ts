// Whether a hardware cell's machine, rather than its kernel, looks changed since the baseline: every
// series slower (or faster) at the shallowest depths by more than a load may stray within a cell. The gate
// keeps its verdict (a kernel can slow BPF_PROG_TEST_RUN itself) and says so beside it
// (docs/measurement.md, "When the machine changes under a cell").
import { LOAD_SHIFT, SHALLOW_DEPTHS } from './load-states.js';
import { median } from './stats.js';
import type { CellSummary, DepthPoint } from './summary-schema.js';

type Series = 'direct' | 'indirect' | `strategy:${string}`;

function pointsOf(c: CellSummary, s: Series): readonly DepthPoint[] {
  if (s === 'direct' || s === 'indirect') return c[s]?.points ?? [];
  return c.strategies?.find((x) => `strategy:${x.strategy}` === s)?.points ?? [];
}

/** A side's shallow cost of one series: over its replicates, the median of each one's mean over depths 0..3. */
function shallow(cells: readonly CellSummary[], s: Series): number | null {
  const means = cells.flatMap((c) => {
    const ps = pointsOf(c, s).filter((p) => p.depth < SHALLOW_DEPTHS);
    return ps.length === SHALLOW_DEPTHS ? [ps.reduce((a, p) => a + p.medianNs, 0) / ps.length] : [];
  });
  return means.length > 0 ? median(means) : null;
}

/** The note for a hardware cell's comparisons when every series moved one way at depths 0–3; null otherwise. */
export function machineShiftNote(base: readonly CellSummary[], cur: readonly CellSummary[], series: readonly Series[]): string | null {
  const shifts = series.flatMap((s) => {
    const b = shallow(base, s);
    const c = shallow(cur, s);
    return b !== null && c !== null && b > 0 ? [c / b - 1] : [];
  });
  if (shifts.length < 2) return null;
  const up = shifts.every((x) => x > LOAD_SHIFT);
  if (!up && !shifts.every((x) => x < -LOAD_SHIFT)) return null;
  const pcts = shifts.map((x) => Math.abs(100 * x));
  return (
    `every series ran ${Math.min(...pcts).toFixed(0)}–${Math.max(...pcts).toFixed(0)} % ${up ? 'slower' : 'faster'} at depths 0–${SHALLOW_DEPTHS - 1} than in the baseline: ` +
    'the machine may have changed rather than the kernel (docs/measurement.md, "When the machine changes under a cell")'
  );
}
