// The regression gate over two summaries: cells matched on kernel/boot/benchmark and figure kind, the
// cells sharing both being replicates (separate boots); each figure decided by src/analysis/gate-judge.ts.
// A pair whose sides ran different architectures (a kernel id reused for another arch) is never judged:
// an arm64 instruction count against an amd64 one is not a regression of anything.
// docs/measurement.md, "The regression gate".
import type { Gate, StrategyName } from '../matrix/schema.js';
import type { FigureKind } from '../results/cell-result.js';
import { cellKey } from './analyse-cell.js';
import { archOf } from './arch-groups.js';
import { machineShiftNote, strayNote, strayReplicates } from './machine-shift.js';
import { judgeExact, judgeRegime, judgeTimed, type Judgement } from './gate-judge.js';
import { regimeDepths } from './regime-ranges.js';
import { linearFit, mean, median, MIN_FIT_POINTS, sampleSd } from './stats.js';
import type {
  BaselineComparison,
  BaselineSummary,
  CellSummary,
  GateFigure,
  GateNewFigure,
  GateProblem,
  RegimeCost,
  ReplicateLeftOut,
  StrategySummary,
  Summary,
  VariantSummary,
} from './summary-schema.js';
import { summaryKind, UNIT_TEXT, unitOf } from './units.js';

interface Side {
  /** ok and failed cells by key, then by figure kind, in summary order. */
  groups: Map<string, Map<FigureKind, { ok: CellSummary[]; failed: CellSummary[] }>>;
  /** Keys with a skipped cell (not runnable there): neither missing nor failed. */
  skipped: Set<string>;
}

function sideOf(s: Summary): Side {
  const groups: Side['groups'] = new Map();
  const skipped = new Set<string>();
  for (const c of s.cells) {
    // From the fields, not `key`: analyse.ts may have suffixed that with a run id.
    const key = cellKey(c);
    if (c.status === 'skipped') {
      skipped.add(key);
      continue;
    }
    const byKind = groups.get(key) ?? new Map();
    groups.set(key, byKind);
    const kind = summaryKind(c);
    const g = byKind.get(kind) ?? { ok: [], failed: [] };
    byKind.set(kind, g);
    (c.status === 'ok' ? g.ok : g.failed).push(c);
  }
  return { groups, skipped };
}

/** A depth sweep of one cell: a variant of Benchmark 1 or a strategy of Benchmark 3. */
type Series = 'direct' | 'indirect' | `strategy:${StrategyName}`;

/** The figures of a whole sweep: a series' slope over all depths, or the ratio of the two variants. */
type SlopeFigure = Series | 'ratio';

type Values = { values: number[]; spread: [number, number] | null };

/** A series' sweep in one cell: a variant, or a strategy when it ran (an unsupported one has no sweep). */
function seriesOf(c: CellSummary, series: Series): VariantSummary | StrategySummary | undefined {
  if (series === 'direct' || series === 'indirect') return c[series] ?? undefined;
  return c.strategies?.find((s) => `strategy:${s.strategy}` === series && s.status === 'ready');
}

/** One value per replicate: a series' slope or the indirect/direct ratio; the spread shown next to it. */
function valuesOf(cells: readonly CellSummary[], figure: SlopeFigure): Values {
  const per = cells.flatMap((c) => {
    if (figure === 'ratio') {
      const d = c.direct?.fit?.slope;
      const i = c.indirect?.fit?.slope;
      return d !== undefined && i !== undefined && d > 0 ? [{ value: i / d, ci: c.comparison?.ratioCi ?? null }] : [];
    }
    const fit = seriesOf(c, figure)?.fit;
    return fit ? [{ value: fit.slope, ci: fit.slopeCi }] : [];
  });
  const values = per.map((p) => p.value);
  // One replicate: its own interval (which holds no boot-to-boot spread); several: their range.
  const spread: [number, number] | null =
    per.length === 1
      ? per[0]!.ci === null
        ? null
        : [per[0]!.ci[0], per[0]!.ci[1]]
      : per.length > 1
        ? [Math.min(...values), Math.max(...values)]
        : null;
  return { values, spread };
}

/** Why the two sides cannot be compared whatever their kind (another architecture), or null. */
function archMismatch(base: readonly CellSummary[], cur: readonly CellSummary[]): string | null {
  const arches = [[...new Set(base.map(archOf))], [...new Set(cur.map(archOf))]];
  if (arches[0]!.length > 1 || arches[1]!.length > 1) return 'replicates ran on different architectures';
  if (arches[0]![0] !== arches[1]![0]) return `architecture changed (${arches[0]![0]} → ${arches[1]![0]})`;
  return null;
}

/** Why timed cells cannot be compared (another accelerator or CPU model), or null. */
function timedMismatch(base: readonly CellSummary[], cur: readonly CellSummary[]): string | null {
  const set = (cells: readonly CellSummary[], f: (c: CellSummary) => string | null) => [...new Set(cells.map(f))];
  const accel = [set(base, (c) => c.accelerator), set(cur, (c) => c.accelerator)];
  if (accel[0]!.length > 1 || accel[1]!.length > 1) return 'replicates ran under different accelerators';
  if (accel[0]![0] !== accel[1]![0]) return `accelerator changed (${accel[0]![0]} → ${accel[1]![0]})`;
  const cpu = [set(base, (c) => c.cpuModel), set(cur, (c) => c.cpuModel)];
  if ([...cpu[0]!, ...cpu[1]!].includes(null)) return 'CPU model unknown on one side: hardware timings of unknown CPUs are not compared';
  if (cpu[0]!.length > 1 || cpu[1]!.length > 1) return 'replicates ran on different CPU models';
  if (cpu[0]![0] !== cpu[1]![0]) return `CPU model changed (${cpu[0]![0]} → ${cpu[1]![0]})`;
  return null;
}

function comparison(
  key: string,
  kind: FigureKind,
  figure: GateFigure,
  b: Values,
  c: Values,
  judged: Judgement | { note: string; notGated: boolean },
): BaselineComparison {
  const isJudged = 'regression' in judged;
  const bm = median(b.values);
  const delta = isJudged ? judged.delta : median(c.values) - bm;
  return {
    key,
    variant: figure,
    figureKind: kind,
    unit: figure === 'ratio' ? 'ratio' : unitOf(kind),
    status: isJudged ? (judged.regression ? 'regression' : 'ok') : judged.notGated ? 'not-gated' : 'not-comparable',
    method: isJudged ? judged.method : null,
    pValue: isJudged ? judged.pValue : null,
    baselineValues: b.values,
    currentValues: c.values,
    baselineSlope: bm,
    baselineCi: b.spread,
    currentSlope: median(c.values),
    currentCi: c.spread,
    deltaNs: delta,
    deltaPct: isJudged ? judged.deltaPct : bm > 0 ? (100 * delta) / bm : null,
    regression: isJudged && judged.regression,
    note: judged.note,
  };
}

const FIGURES: Record<FigureKind, readonly SlopeFigure[]> = {
  instructions: ['direct', 'indirect'],
  'hardware-ns': ['direct', 'indirect', 'ratio'],
  'emulated-ns': ['direct', 'indirect'],
};

/** A strategies cell's figures: every strategy either side reports (a side without its fit: see strategyChanges). */
function strategyFigures(cells: readonly CellSummary[]): `strategy:${StrategyName}`[] {
  const names: StrategyName[] = [];
  for (const c of cells) for (const s of c.strategies ?? []) if (!names.includes(s.strategy)) names.push(s.strategy);
  return names.map((n) => `strategy:${n}` as const);
}

/** The series whose regimes the gate may judge: a strategies cell's strategies, else the two variants. */
export function seriesIn(cells: readonly CellSummary[]): Series[] {
  const strategies = strategyFigures(cells);
  return strategies.length > 0 ? strategies : ['direct', 'indirect'];
}

/** Why a side has no figure for a strategy: unsupported (the verifier's or the kernel's reason), not swept, or no fit. */
function whyNoFigure(cells: readonly CellSummary[], figure: `strategy:${StrategyName}`): string {
  const name = figure.slice('strategy:'.length);
  const entry = (c: CellSummary) => c.strategies?.find((s) => s.strategy === name);
  const unsupported = cells.filter((c) => entry(c)?.status === 'unsupported');
  if (unsupported.length > 0) {
    const reasons = [...new Set(unsupported.map((c) => entry(c)!.reason ?? 'no reason given'))];
    return `unsupported in ${unsupported.map((c) => c.cellId).join(', ')}: ${reasons.join('; ')}`;
  }
  const ids = cells.map((c) => c.cellId).join(', ');
  if (cells.every((c) => entry(c) === undefined)) return `not swept in ${ids} (not among params.strategies)`;
  return `ready in ${ids} but without a fit (its cell warnings say why)`;
}

/**
 * Strategies with a figure on one side only, which comparePair cannot judge: one the baseline had and this
 * run lacks (unsupported now, no longer swept, or without a fit) fails the gate as a missing figure; one
 * supported now and not then is new, shown with nothing to compare it with.
 */
function strategyChanges(
  key: string,
  kind: FigureKind,
  base: readonly CellSummary[],
  cur: readonly CellSummary[],
): { lost: GateProblem[]; added: GateNewFigure[] } {
  const lost: GateProblem[] = [];
  const added: GateNewFigure[] = [];
  const unit = `${UNIT_TEXT[unitOf(kind)].short}/transfer`;
  const valueText = (v: Values) => `${median(v.values).toFixed(2)} ${unit}`;
  for (const figure of strategyFigures([...base, ...cur])) {
    const b = valuesOf(base, figure);
    const c = valuesOf(cur, figure);
    if (b.values.length > 0 && c.values.length === 0) {
      const detail = `${figure}: ${valueText(b)} in the baseline; now ${whyNoFigure(cur, figure)}`;
      lost.push({ key, figureKind: kind, problem: 'figure-missing-now', figure, detail });
    } else if (b.values.length === 0 && c.values.length > 0) {
      added.push({ key, figureKind: kind, figure, detail: `${figure}: ${valueText(c)} now; in the baseline ${whyNoFigure(base, figure)}` });
    }
  }
  return { lost, added };
}

/** Every figure of one key and kind present on both sides. */
function comparePair(
  key: string,
  kind: FigureKind,
  allBase: readonly CellSummary[],
  allCur: readonly CellSummary[],
  gate: Gate,
): BaselineComparison[] {
  const otherArch = archMismatch(allBase, allCur);
  const mismatch = otherArch ?? (kind === 'hardware-ns' ? timedMismatch(allBase, allCur) : null);
  const series = seriesIn([...allBase, ...allCur]);
  // A replicate in another state of the machine than the rest of its side is no sample of the kernel.
  const steady = (cells: readonly CellSummary[], side: ReplicateLeftOut['side']) => {
    const r = kind === 'hardware-ns' && mismatch === null ? strayReplicates(cells, series) : { kept: [...cells], stray: [] };
    return { kept: r.kept, leftOut: r.stray.map((x): ReplicateLeftOut => ({ side, key: x.cell.key, shiftPct: x.shiftPct })) };
  };
  const b0 = steady(allBase, 'baseline');
  const c0 = steady(allCur, 'current');
  const [base, cur] = [b0.kept, c0.kept];
  const leftOut = [...b0.leftOut, ...c0.leftOut];
  // Hardware with a knee in the baseline: gated per regime, since one slope over a knee hides a
  // regression confined to one regime and averages a moved knee away (a strategy's as a variant's).
  const regimes = kind === 'hardware-ns' ? baselineRegimes(base, series) : [];
  const notes = [strayNote(leftOut), kind === 'hardware-ns' && mismatch === null ? machineShiftNote(base, cur, series) : null].filter(
    (n) => n !== null,
  );
  const noted = (cs: BaselineComparison[]) =>
    cs.map((c) => ({
      ...c,
      ...(leftOut.length > 0 ? { leftOut } : {}),
      note: [c.note, ...notes].filter((n) => n !== null).join('; ') || null,
    }));
  if (regimes.length > 0) return noted(compareRegimes(key, regimes, base, cur, gate, mismatch));
  const out: BaselineComparison[] = [];
  // A strategies cell has no variants: each strategy's figure is gated by the same rule as a variant's slope.
  const strategies = strategyFigures([...base, ...cur]);
  for (const figure of strategies.length > 0 ? strategies : FIGURES[kind]) {
    const b = valuesOf(base, figure);
    const c = valuesOf(cur, figure);
    // No fit on a side: its cell warnings say why (a strategy's lost or new figure: strategyChanges).
    if (b.values.length === 0 || c.values.length === 0) continue;
    // Another architecture first: that is not comparable, even for figures that are never gated.
    const judged =
      otherArch === null && kind === 'emulated-ns'
        ? { note: 'emulated ns (plain TCG, relative only): shown, never gated', notGated: true }
        : mismatch !== null
          ? { note: `${mismatch}: not comparable`, notGated: false }
          : kind === 'instructions'
            ? judgeExact(b.values, c.values, gate)
            : judgeTimed(b.values, c.values, gate, figure !== 'ratio');
    out.push(comparison(key, kind, figure, b, c, judged));
  }
  return noted(out);
}

/** Depths left out on each side of the knees in a gated regime figure (see baselineRegimes). */
const KNEE_GUARD_DEPTHS = 1;

/**
 * The gated regime figures: per series (a variant, or a strategy of a strategies cell), the depths below
 * every baseline replicate's knee but the one just before it, and those after every knee (a depth at a
 * knee can be bimodal, its samples split between the regimes, so it belongs to neither). Empty when no
 * baseline replicate found a knee for any series: then the whole slopes are gated as before.
 */
export function baselineRegimes(base: readonly CellSummary[], series: readonly Series[] = seriesIn(base)): RegimeFigure[] {
  const out: RegimeFigure[] = [];
  const anyKnee = base.some((c) => series.some((s) => seriesOf(c, s)?.curve?.knee));
  if (!anyKnee) return [];
  for (const s of series) {
    const curves = base.map((c) => seriesOf(c, s)?.curve).filter((c) => c != null);
    if (curves.length === 0) continue;
    const depths = curves[0]!.profile.map((p) => p.depth);
    const lo = Math.min(...depths);
    const hi = Math.max(...depths);
    const knees = curves.flatMap((c) => (c.knee ? [c.knee] : []));
    // A series linear in most replicates: one regime, all depths (gated like the slope, per regime).
    if (knees.length * 2 <= curves.length) {
      out.push({ figure: s, series: s, depths: [lo, hi] });
      continue;
    }
    // A knee's bootstrap range counts as the knee: with samples spread over loads, the depths where some
    // loads are still below the knee and others already above lie inside it, and belong to neither regime.
    const { below, above } = regimeDepths(
      knees.flatMap((k) => [k.depth, ...k.ci]),
      lo,
      hi,
      KNEE_GUARD_DEPTHS,
    );
    for (const [figure, d] of [
      [`${s}:below-knee`, below],
      [`${s}:above-knee`, above],
    ] as const) {
      if (d[1] - d[0] + 1 >= MIN_FIT_POINTS) out.push({ figure, series: s, depths: d });
    }
  }
  return out;
}

export interface RegimeFigure {
  figure: GateFigure;
  /** The sweep the figure is read from. */
  series: Series;
  depths: [number, number];
}

/** The replicate's cost of the regime from its loads (load-regimes.ts), where its curve has one. */
function loadsRegime(c: CellSummary, r: RegimeFigure): RegimeCost | undefined {
  const name = r.figure.endsWith(':below-knee') ? 'below-knee' : r.figure.endsWith(':above-knee') ? 'above-knee' : null;
  return seriesOf(c, r.series)?.curve?.regimes.find((x) => x.regime === name && x.estimate === 'loads');
}

/** Every replicate on both sides has the regime's cost from its loads: then the gate compares those. */
export const regimeFromLoads = (cells: readonly CellSummary[], r: RegimeFigure): boolean =>
  cells.length > 0 && cells.every((c) => loadsRegime(c, r) !== undefined);

/**
 * One value per replicate: with `fromLoads` the regime's cost from the replicate's loads (each load's own
 * knee keeps the depths where loads split out), else the OLS slope of its per-depth medians over the
 * regime's depths. One method for both sides: a baseline from before the loads is compared line to line.
 */
export function regimeValues(cells: readonly CellSummary[], r: RegimeFigure, fromLoads: boolean = false): Values {
  const values = cells.flatMap((c) => {
    const own = fromLoads ? loadsRegime(c, r) : undefined;
    if (own) return [own.slope];
    // points hold the same per-depth medians as the curve's profile, in summaries written before curves too.
    const pts = (seriesOf(c, r.series)?.points ?? []).filter((p) => p.depth >= r.depths[0] && p.depth <= r.depths[1]);
    const f = linearFit(
      pts.map((p) => p.depth),
      pts.map((p) => p.medianNs),
    );
    return f ? [f.slope] : [];
  });
  return { values, spread: values.length > 0 ? [Math.min(...values), Math.max(...values)] : null };
}

/** Spread of replicate values relative to their size: what a rise must stand out from. */
function relativeSpread(xs: readonly number[]): number {
  const m = mean(xs);
  return m === 0 ? Infinity : sampleSd(xs) / Math.abs(m);
}

/**
 * Whether the baseline's replicates agree more closely on the regime's cost from their loads than on the
 * line through their profiles. Each figure wins somewhere: on the development host the loads' figure
 * above the direct knee (where loads split; CV 2.9 % against 5 %), the profile's below it (a straight
 * regime; 4.6 % against 7 %). Decided on the baseline alone, before the current side is looked at, so the
 * choice cannot favour or hide a regression; with one baseline replicate, the loads.
 */
function loadsSteadier(base: readonly CellSummary[], r: RegimeFigure): boolean {
  if (base.length < 2) return true;
  return relativeSpread(regimeValues(base, r, true).values) <= relativeSpread(regimeValues(base, r, false).values);
}

function compareRegimes(
  key: string,
  regimes: readonly RegimeFigure[],
  base: readonly CellSummary[],
  cur: readonly CellSummary[],
  gate: Gate,
  mismatch: string | null,
): BaselineComparison[] {
  return regimes.flatMap((r) => {
    const fromLoads = regimeFromLoads([...base, ...cur], r) && loadsSteadier(base, r);
    const b = regimeValues(base, r, fromLoads);
    const c = regimeValues(cur, r, fromLoads);
    if (b.values.length === 0 || c.values.length === 0) return [];
    const judged =
      mismatch !== null ? { note: `${mismatch}: not comparable`, notGated: false } : judgeRegime(b.values, c.values, gate, regimes.length);
    const k = comparison(key, 'hardware-ns', r.figure, b, c, judged);
    const how = fromLoads ? "each replicate's cost from its loads" : null;
    return [{ ...k, depths: r.depths, ...(how ? { note: k.note ? `${k.note}; ${how}` : how } : {}) }];
  });
}

const failedText = (cells: readonly CellSummary[]) =>
  cells.map((c) => `${c.cellId}: ${c.status}${c.message ? ` (${c.message})` : ''}`).join('; ');

export function compareWithBaseline(current: Summary, baseline: Summary, source: string, gate: Gate): BaselineSummary {
  const now = sideOf(current);
  const then = sideOf(baseline);
  const comparisons: BaselineComparison[] = [];
  const problems: GateProblem[] = [];
  const newFigures: GateNewFigure[] = [];
  const missing: string[] = [];
  for (const [key, kinds] of now.groups) {
    const baseKinds = then.groups.get(key);
    if (baseKinds === undefined) {
      if (!then.skipped.has(key))
        problems.push({ key, problem: 'missing-in-baseline', detail: 'measured now, not in the baseline: nothing to compare it with' });
      continue;
    }
    for (const [kind, g] of kinds) {
      if (g.failed.length > 0) problems.push({ key, figureKind: kind, problem: 'failed-now', detail: failedText(g.failed) });
      const b = baseKinds.get(kind);
      if (b === undefined) {
        // The same cell measured as another kind of figure (e.g. instructions then, emulated ns now).
        const was = [...baseKinds.keys()].join(', ');
        for (const figure of ['direct', 'indirect'] as const) {
          for (const [baseKind, bg] of baseKinds) {
            const cv = valuesOf(g.ok, figure);
            const bv = valuesOf(bg.ok, figure);
            if (cv.values.length === 0 || bv.values.length === 0) continue;
            // Each side keeps its own unit: 22 instructions then are not "22.00 ns/call".
            const otherArch = archMismatch(bg.ok, g.ok);
            const k = comparison(key, kind, figure, bv, cv, {
              note: `${otherArch ? `${otherArch}, ` : ''}figure kind changed (${was} → ${kind}): not comparable`,
              notGated: false,
            });
            comparisons.push({ ...k, baselineUnit: unitOf(baseKind), deltaPct: null });
          }
        }
        continue;
      }
      if (b.failed.length > 0) problems.push({ key, figureKind: kind, problem: 'failed-in-baseline', detail: failedText(b.failed) });
      if (g.ok.length > 0 && b.ok.length > 0) {
        comparisons.push(...comparePair(key, kind, b.ok, g.ok, gate));
        const changed = strategyChanges(key, kind, b.ok, g.ok);
        problems.push(...changed.lost);
        newFigures.push(...changed.added);
      }
    }
  }
  for (const key of then.groups.keys()) {
    if (now.groups.has(key) || now.skipped.has(key)) continue;
    missing.push(key);
    problems.push({ key, problem: 'missing-now', detail: 'in the baseline, not measured now' });
  }
  return {
    source,
    gate: {
      instructions: gate.instructions,
      thresholdNs: gate.thresholdNs,
      thresholdPct: gate.thresholdPct,
      aloneNs: gate.aloneNs,
      alonePct: gate.alonePct,
      alpha: gate.alpha,
    },
    comparisons,
    regressions: comparisons.filter((c) => c.regression).length,
    notComparable: comparisons.filter((c) => c.status === 'not-comparable').length,
    missing,
    problems,
    newFigures,
  };
}
