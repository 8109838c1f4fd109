// Benchmark: the timed gate's false-alarm rate and its power, on real hardware figures of this machine.
//
//   npx tsx bench/gate-power.ts [--measure 40] [--pool DIR] [--trials 1000] [--replicates 2,3,4,5,6,8,10] [--rise 10] [--rederive] [--unharden-host]
//
// Needs root: it measures the running kernel natively (`tailmatrix run --kernel host`, backend native,
// which restores the host's sysctls itself). Step 1 runs that cell --measure times, each a separate
// run (a separate agent process: the native counterpart of a separate boot), into --pool (kept, so a
// later call with --measure 0 reuses it). Step 2 resamples those measured replicates, cheaply: per
// trial, 2n distinct replicates drawn at random from the pool, n as the baseline and n as the current
// side, gated by the real gate (compareWithBaseline):
//   - A/A: both sides as measured. Any regression is a false alarm;
//   - detection: the current side's indirect slope raised by --rise % (so the ratio rises too). A
//     regression of the indirect slope or the ratio is a detection.
// Both with the default gate (a test and a minimum effect of 0 ns and 5 %; 1 ns and 10 % without a test)
// and with the test alone (minimum effect 0).
// Where the baseline's curve has a knee the gate judges each regime (compare-baseline.ts): then each
// regime of each variant is raised in turn (its per-depth medians tilted by --rise % of that replicate's
// own regime cost, later depths shifted by the same amount so the other regime keeps its slope), and the
// detection is that regime figure's regression; the table gives each regime's rate and the lowest.
// Where a replicate has a regime's cost from its loads (load-regimes.ts) the gate compares those, so the
// rise goes into its samples instead (every sample of the regime's depths, as in the cell's own curve,
// tilted the same way) and the cell is analysed again. --rederive derives the pool's cells again from their
// raw streams first (a pool measured before samples carried their load).
// The header names the pool's replicates in another state of the machine than most (machine-shift.ts):
// the gate leaves such a replicate out of a side where the rest of that side agree.
// Caveat: the pool's replicates come from one window of time on one machine; drift over days, which a
// real baseline also holds, is not in it. Timings taken while other work runs are inflated.
import { mkdir, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyseCell } from '../src/analysis/analyse-cell.js';
import {
  baselineRegimes,
  compareWithBaseline,
  regimeFromLoads,
  regimeValues,
  type RegimeFigure,
} from '../src/analysis/compare-baseline.js';
import { strayReplicates } from '../src/analysis/machine-shift.js';
import { rederiveLoaded } from '../src/cells/rederive.js';
import type { CellResult } from '../src/results/cell-result.js';
import { SUMMARY_VERSION, type CellSummary, type Summary } from '../src/analysis/summary-schema.js';
import { main } from '../src/cli/main.js';
import { gate as gateSchema, type Gate } from '../src/matrix/schema.js';
import { loadResultDirs } from '../src/results/load.js';
import { prng } from '../test/fixtures/results/generate.js';

const { values } = parseArgs({
  options: {
    measure: { type: 'string', default: '40' },
    pool: { type: 'string', default: path.join(os.tmpdir(), 'tailmatrix-gate-power') },
    matrix: { type: 'string', short: 'm', default: 'matrix.json' },
    trials: { type: 'string', default: '1000' },
    replicates: { type: 'string', default: '2,3,4,5,6,8,10' },
    rise: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'unharden-host': { type: 'boolean', default: false },
    rederive: { type: 'boolean', default: false },
  },
});

async function measure(n: number): Promise<void> {
  await mkdir(values.pool, { recursive: true });
  for (let i = 0; i < n; i++) {
    const code = await main([
      'node',
      'tailmatrix',
      'run',
      '-m',
      values.matrix,
      '--kernel',
      'host',
      '--results',
      values.pool,
      '--quiet',
      ...(values['unharden-host'] ? ['--unharden-host'] : []),
    ]);
    if (code !== 0) throw new Error(`run ${i + 1}/${n}: tailmatrix run exited ${code}`);
    process.stderr.write(`measured ${i + 1}/${n} (load ${os.loadavg()[0]!.toFixed(1)})\n`);
  }
}

/** Each pooled replicate's cell as measured, by run: what a rise in its samples is put into. */
const results = new Map<string, CellResult>();

async function pool(): Promise<CellSummary[]> {
  const dirs = (await readdir(values.pool)).map((d) => path.join(values.pool, d));
  const loaded = await loadResultDirs(dirs);
  if (!loaded.ok) throw new Error(loaded.error);
  const kept = values.rederive ? await rederiveLoaded(loaded.value.cells) : { ok: true as const, value: loaded.value.cells };
  if (!kept.ok) throw new Error(kept.error);
  for (const { cell } of kept.value) results.set(cell.runId, cell);
  const cells = kept.value
    .map(({ cell }) => analyseCell(cell))
    .filter((c) => c.status === 'ok' && c.figureKind === 'hardware-ns' && c.direct?.fit && c.indirect?.fit);
  if (cells.length < 4) throw new Error(`${values.pool}: ${cells.length} usable native cells; measure more (--measure N, as root)`);
  return cells;
}

const summaryOf = (cells: CellSummary[]): Summary => ({
  summaryVersion: SUMMARY_VERSION,
  tool: { name: 'tailmatrix', version: 'bench' },
  runs: [],
  totals: { cells: cells.length, ok: cells.length, failed: 0, skipped: 0, emulated: 0 },
  cells,
  notes: [],
  retpolinePrices: [],
  baseline: null,
});

/** The same cell with its indirect slope raised by `pct` %: what a real regression of the indirect jump does. */
function raised(c: CellSummary, pct: number): CellSummary {
  const f = c.indirect!.fit!;
  const k = 1 + pct / 100;
  return { ...c, indirect: { ...c.indirect!, fit: { ...f, slope: f.slope * k, slopeCi: [f.slopeCi[0] * k, f.slopeCi[1] * k] } } };
}

const raisedCache = new Map<string, CellSummary>();

/**
 * The same cell with one regime's cost per call raised by `pct` %: its per-depth medians tilted over the
 * regime's depths, or, where the gate reads the regime from the loads, every sample over the depths of the
 * cell's own regime (then analysed again, once per cell, regime and rise).
 */
function raisedRegime(c: CellSummary, r: RegimeFigure, pct: number): CellSummary {
  const variant = r.figure.startsWith('direct') ? 'direct' : 'indirect';
  const fromLoads = regimeFromLoads([c], r);
  const slope = regimeValues([c], r, fromLoads).values[0] ?? 0;
  const own = c[variant]?.curve?.regimes.find((x) => r.figure.endsWith(x.regime));
  const [from, to] = fromLoads && own ? [own.fromDepth, own.toDepth] : r.depths;
  const add = (d: number) => (pct / 100) * slope * (Math.min(d, to) - from);
  const result = results.get(c.runId);
  if (fromLoads && result) {
    const key = `${c.runId} ${r.figure} ${pct}`;
    const cached = raisedCache.get(key);
    if (cached) return cached;
    const raised = analyseCell({
      ...result,
      variants: result.variants.map((v) =>
        v.variant !== variant
          ? v
          : { ...v, samples: v.samples.map((s) => (s.depth < from ? s : { ...s, durationNs: s.durationNs + add(s.depth) })) },
      ),
    });
    raisedCache.set(key, raised);
    return raised;
  }
  const v = c[variant]!;
  return { ...c, [variant]: { ...v, points: v.points.map((p) => (p.depth < from ? p : { ...p, medianNs: p.medianNs + add(p.depth) })) } };
}

function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

interface Rates {
  /** A/A trials with a regression on any figure (direct, indirect, ratio, or the regime figures). */
  falseAlarm: number;
  /** A/A trials with a regression of the indirect slope: one test's own rate. */
  falseAlarmIndirect: number;
  /** The lowest detection rate over the raised figures (each regime, or the indirect slope). */
  detection: number;
  /** Per raised figure (regime figures where the baseline had a knee). */
  byFigure: Map<string, number>;
}

function rates(cells: readonly CellSummary[], n: number, gate: Gate, trials: number, rise: number, seed: number): Rates {
  const rnd = prng(seed);
  let alarms = 0;
  let indirectAlarms = 0;
  const hits = new Map<string, { hit: number; of: number }>();
  const count = (name: string, hit: boolean) => {
    const h = hits.get(name) ?? { hit: 0, of: 0 };
    hits.set(name, { hit: h.hit + (hit ? 1 : 0), of: h.of + 1 });
  };
  for (let t = 0; t < trials; t++) {
    const pick = shuffled(cells, rnd);
    const baseCells = pick.slice(0, n);
    const base = summaryOf(baseCells);
    const cur = pick.slice(n, 2 * n);
    const aa = compareWithBaseline(summaryOf(cur), base, 'A/A', gate).comparisons;
    if (aa.some((k) => k.regression)) alarms++;
    if (aa.some((k) => k.regression && k.variant.startsWith('indirect'))) indirectAlarms++;
    const regimes = baselineRegimes(baseCells);
    if (regimes.length === 0) {
      const hit = compareWithBaseline(summaryOf(cur.map((c) => raised(c, rise))), base, 'A/B', gate).comparisons;
      count(
        'indirect',
        hit.some((k) => k.regression && (k.variant === 'indirect' || k.variant === 'ratio')),
      );
      continue;
    }
    for (const r of regimes) {
      const hit = compareWithBaseline(summaryOf(cur.map((c) => raisedRegime(c, r, rise))), base, 'A/B', gate).comparisons;
      count(
        r.figure,
        hit.some((k) => k.regression && k.variant === r.figure),
      );
    }
  }
  const byFigure = new Map([...hits].map(([k, h]) => [k, h.hit / h.of]));
  return { falseAlarm: alarms / trials, falseAlarmIndirect: indirectAlarms / trials, detection: Math.min(...byFigure.values()), byFigure };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

const toMeasure = Number(values.measure);
if (toMeasure > 0) await measure(toMeasure);
const cells = await pool();
const knees = (v: 'direct' | 'indirect') => cells.map((c) => c[v]?.curve?.knee?.depth ?? '—').join(' ');
const trials = Number(values.trials);
const rise = Number(values.rise);
const defaults = gateSchema.parse({});
const settings: [string, Gate][] = [
  [
    `default gate (a test across replicates at p ≤ ${defaults.alpha}: U across slopes, Welch t per regime; minimum effect ${defaults.thresholdNs} ns and ${defaults.thresholdPct} %, without a test ${defaults.aloneNs} ns and ${defaults.alonePct} %)`,
    defaults,
  ],
  [`test alone (alpha ${defaults.alpha}, minimum effect 0)`, gateSchema.parse({ thresholdNs: 0, thresholdPct: 0 })],
];
const slopes = (v: 'direct' | 'indirect') => cells.map((c) => c[v]!.fit!.slope);
const range = (xs: number[]) => `${Math.min(...xs).toFixed(3)} … ${Math.max(...xs).toFixed(3)}`;
/** Coefficient of variation between replicates: what a +10 % rise must stand out from. */
function cv(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `${((100 * Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))) / m).toFixed(1)} %`;
}
console.log(
  `Native (running kernel ${os.release()}, ${os.cpus()[0]?.model ?? '?'}, ${os.availableParallelism()} cores, load now ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `pool: ${cells.length} replicate cells in ${values.pool}; direct slope ${range(slopes('direct'))} ns/call, indirect ${range(slopes('indirect'))} ns/call`,
);
const ratios = cells.map((c) => c.indirect!.fit!.slope / c.direct!.fit!.slope);
console.log(
  `spread between replicates (CV): direct ${cv(slopes('direct'))}, indirect ${cv(slopes('indirect'))}, indirect/direct ratio ${cv(ratios)}`,
);
console.log(`knee per replicate: direct ${knees('direct')}; indirect ${knees('indirect')}`);
// What the gate's replicate check (machine-shift.ts) would leave out of the whole pool taken as one side.
const { stray } = strayReplicates(cells, ['direct', 'indirect']);
console.log(
  `replicates in another state of the machine than most of the pool (left out of a side they are drawn into, where that side has a majority): ${
    stray.length === 0 ? 'none' : stray.map((r) => `#${cells.indexOf(r.cell) + 1}`).join(', ')
  }`,
);
console.log(
  `resampling: ${trials} trials per row, 2n distinct replicates drawn without replacement, n per side; injected rise: +${rise} % on each regime of the baseline's curve in turn (on the indirect slope where the baseline has no knee)`,
);
console.log('');
const sizes = values.replicates
  .split(',')
  .map(Number)
  .filter((n) => 2 * n <= cells.length);
for (const [label, gate] of settings) {
  console.log(`${label}:`);
  console.log(
    `| replicates per side | false alarms (A/A, any figure) | false alarms (A/A, indirect) | detection (+${rise} %), lowest | detection per raised figure | target |`,
  );
  console.log('| ---: | ---: | ---: | ---: | --- | --- |');
  for (const n of sizes) {
    const r = rates(cells, n, gate, trials, rise, Number(values.seed) + n);
    const meets = r.falseAlarm <= 0.05 && r.detection >= 0.9;
    const per = [...r.byFigure].map(([k, v]) => `${k} ${pct(v)}`).join(', ');
    console.log(
      `| ${n} | ${pct(r.falseAlarm)} | ${pct(r.falseAlarmIndirect)} | ${pct(r.detection)} | ${per} | ${meets ? 'meets ≤ 5 % / ≥ 90 %' : '—'} |`,
    );
  }
  console.log('');
}
