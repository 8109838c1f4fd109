// Offline re-analysis: kept host test-run cells (e.g. `npm run bench:curve -- --keep`) read under other
// honest estimator and design choices for the per-regime costs, against issue 18's targets (each regime's
// interval half-width ≤ 0.5 ns, run-to-run SD ≤ 0.3 ns). No new measurement: the same samples each time.
//
//   npx tsx bench/curve-designs.ts DIR...   (every cells/*test-run.json below each DIR is one run)
//
// Designs, each on the knee the tool finds (median profile, hardware-curve.ts):
// - per-depth estimate: the median (the tool's) or the fewest ns (a sample can only be inflated?);
// - regimes split at the knee (the tool's), or with the knee's bootstrap range and the depth before it
//   left out of both regimes (depths next to a knee can be bimodal).
// It also prints why the intervals are as wide as they are: the scatter of the per-depth estimates around
// each regime's line against the per-depth estimate's own interval.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { samplesByDepth } from '../src/analysis/analyse-variant.js';
import { analyseCurve } from '../src/analysis/hardware-curve.js';
import { withRobustSlope } from '../src/analysis/robust-fit.js';
import { linearFit, median } from '../src/analysis/stats.js';
import { cellResult, type CellResult } from '../src/results/cell-result.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: npx tsx bench/curve-designs.ts DIR... (directories holding kept run directories)');

function cellFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return cellFiles(p);
    return path.basename(dir) === 'cells' && name.endsWith('test-run.json') ? [p] : [];
  });
}

const cells: CellResult[] = dirs.flatMap((d) => cellFiles(d).sort()).map((f) => cellResult.parse(JSON.parse(readFileSync(f, 'utf8'))));
const f2 = (x: number) => x.toFixed(2);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const ESTIMATORS = { median, fewest: (xs: readonly number[]) => Math.min(...xs) } as const;

interface Cost {
  slope: number;
  half: number;
}

/** The regime's OLS slope with its HC3 interval (as the tool reports it); null with fewer than 3 depths. */
function cost(
  depths: readonly number[],
  byDepth: ReadonlyMap<number, readonly number[]>,
  est: (xs: readonly number[]) => number,
): Cost | null {
  const xs = [...depths];
  const ys = xs.map((d) => est(byDepth.get(d) as readonly number[]));
  const f = xs.length >= 3 ? linearFit(xs, ys) : null;
  if (!f) return null;
  const r = withRobustSlope(f, xs, ys);
  return { slope: r.slope, half: (r.slopeCi[1] - r.slopeCi[0]) / 2 };
}

console.log(`${cells.length} host test-run cells · hardware ns · ${cells[0]?.fingerprint?.cpuModel ?? 'unknown CPU'}`);
for (const variant of ['direct', 'indirect'] as const) {
  const table = new Map<string, { below: Cost[]; above: Cost[] }>();
  const scatter: { resSd: number; ciHalf: number }[] = [];
  let knees = 0;
  for (const c of cells) {
    const v = c.variants.find((x) => x.variant === variant);
    if (!v) continue;
    const { byDepth } = samplesByDepth(v, 'hardware-ns');
    const curve = analyseCurve(byDepth);
    for (const r of curve?.regimes ?? []) {
      const pts = curve!.profile.filter((p) => p.depth >= r.fromDepth && p.depth <= r.toDepth);
      const res = pts.map((p) => p.estimate - (r.intercept + r.slope * p.depth));
      scatter.push({
        resSd: Math.sqrt(res.reduce((a, x) => a + x * x, 0) / Math.max(1, res.length - 2)),
        ciHalf: median(pts.map((p) => (p.ci ? (p.ci[1] - p.ci[0]) / 2 : 0))),
      });
    }
    if (!curve?.knee) continue;
    knees++;
    const depths = [...byDepth.keys()].sort((a, b) => a - b);
    const k = curve.knee.depth;
    const [kLo, kHi] = curve.knee.ci;
    const splits = {
      'split at the knee': [depths.filter((d) => d < k), depths.filter((d) => d >= k)],
      'knee range left out': [depths.filter((d) => d < kLo - 1), depths.filter((d) => d > kHi)],
    } as const;
    for (const [ename, est] of Object.entries(ESTIMATORS))
      for (const [sname, [lo, hi]] of Object.entries(splits)) {
        const row = table.get(`${ename}, ${sname}`) ?? { below: [], above: [] };
        table.set(`${ename}, ${sname}`, row);
        const b = cost(lo, byDepth, est);
        const a = cost(hi, byDepth, est);
        if (b) row.below.push(b);
        if (a) row.above.push(a);
      }
  }
  console.log(`\n== ${variant}: a knee in ${knees} of ${cells.length} runs ==`);
  const text = (xs: readonly Cost[]) =>
    xs.length === 0
      ? 'no run'
      : `${f2(mean(xs.map((x) => x.slope)))} ns/call, half-width median ${f2(median(xs.map((x) => x.half)))} ` +
        `(${f2(Math.min(...xs.map((x) => x.half)))}–${f2(Math.max(...xs.map((x) => x.half)))}), run-to-run SD ${xs.length > 1 ? f2(sd(xs.map((x) => x.slope))) : 'n/a'} (${xs.length} runs)`;
  for (const [design, r] of table) console.log(`${design}: below the knee ${text(r.below)} · from the knee on ${text(r.above)}`);
  if (scatter.length > 0) {
    const range = (xs: readonly number[]) =>
      `median ${xs.length > 0 ? median(xs).toFixed(1) : '—'} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
    console.log(
      `over ${scatter.length} regimes of all runs: the per-depth medians scatter around their regime's line by ${range(scatter.map((x) => x.resSd))} ns (residual SD), ` +
        `a median's own 95 % half-width is ${range(scatter.map((x) => x.ciHalf))} ns`,
    );
  }
}
