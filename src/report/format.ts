// Number and label formatting shared by the writers, so every format says the same thing. Every
// figure leaves here with its unit attached: cells of different kinds can sit in one report, never
// in one column, axis or comparison without saying what they are.
import { pairedSavingText, segmentedCostText } from '../analysis/curve-text.js';
import { mechanismMatches, mechanismPhrase } from '../analysis/mechanism-text.js';
import type {
  BaselineComparison,
  BaselineSummary,
  CellSummary,
  Comparison,
  FitSummary,
  GateNewFigure,
  GateProblem,
  RetpolinePrice,
  VariantSummary,
} from '../analysis/summary-schema.js';
import { byKind, EMULATED_NOTE, INSTRUCTIONS_NOTE, KIND_NOTE, summaryKind, UNIT_TEXT, unitOf, type FigureUnit } from '../analysis/units.js';
import { ONLY_MECHANISMS } from '../results/cell-result.js';
import { byArch, mixedArches } from '../analysis/arch-groups.js';
import type { Arch } from '../arch/index.js';

/** Two decimals: the fits resolve tenths of a ns at best; more digits would be noise. */
const DECIMALS = 2;

export const num = (x: number, d: number = DECIMALS): string => x.toFixed(d);

/** The unit of a summary cell's figures (older summaries: ns). */
export const cellUnit = (c: Pick<CellSummary, 'figureKind' | 'emulated'>): FigureUnit => unitOf(summaryKind(c));

/** "2.31 ± 0.12" from a symmetric t interval; an exact figure (an interval of width 0, e.g. instruction counts) alone: "± 0.00" would suggest a measurement error it does not have. */
export function pm(value: number, ci: readonly [number, number]): string {
  return ci[1] === ci[0] ? num(value) : `${num(value)} ± ${num((ci[1] - ci[0]) / 2)}`;
}

export const interval = (ci: readonly [number, number] | null, d: number = DECIMALS): string =>
  ci ? `[${num(ci[0], d)}, ${num(ci[1], d)}]` : '[unbounded]';

/** "2.31 ± 0.12 ns/call", "11.00 instr/call" (exact). */
function slopeText(fit: FitSummary | null | undefined, unit: FigureUnit): string {
  return fit ? `${pm(fit.slope, fit.slopeCi)} ${UNIT_TEXT[unit].perCall}` : '—';
}

/**
 * A variant's headline cost: on hardware with a knee, each regime's cost and the knee (no single slope:
 * docs/measurement.md, "The curve the hardware has"); otherwise the slope over all depths.
 */
export function variantCostText(v: Pick<VariantSummary, 'fit' | 'curve'> | null | undefined, unit: FigureUnit): string {
  const c = v?.curve;
  if (c?.model === 'segmented') return segmentedCostText(c, 'table', UNIT_TEXT.ns.perCall);
  return slopeText(v?.fit, unit);
}

/**
 * The direct variant's number is only a direct-jump cost when the JIT proved it emitted one; an
 * unavailable image proves nothing either way, so it is never called "not a direct jump".
 */
export function directCaveat(v: VariantSummary | null): string | null {
  if (!v || mechanismMatches('direct', v.mechanism)) return null;
  if (v.mechanism === 'no-jit') return 'no JIT: the interpreter ran it';
  if (v.mechanism === 'image-unavailable') return 'jump unproven: JIT image unavailable';
  if (v.mechanism !== null && ONLY_MECHANISMS.includes(v.mechanism))
    return `no direct tail call on this architecture (${v.mechanism}, as indirect)`;
  return `not a direct jump (${mechanismPhrase(v.mechanism)})`;
}

/** A variant's classification, with why there is no image when there is none (warnings say it too). */
export function mechanismWithReason(v: VariantSummary): string {
  return `${v.mechanism ?? 'unknown'}${v.mechanismReason ? ` (${v.mechanismReason})` : ''}`;
}

/** The accelerator and what its figures are: "tcg, -icount shift=3 (exact instruction counts …)". */
export function accelText(c: CellSummary): string {
  // The running kernel, on the host: no VM, hardware nanoseconds (src/vm/native.ts).
  if (c.backend === 'native') return 'native (running kernel): ns (hardware)';
  const kind = summaryKind(c);
  const how = kind === 'instructions' && c.icountShift != null ? `${c.accelerator}, -icount shift=${c.icountShift}` : c.accelerator;
  // The instruction-count statement is long: it heads the table and the report; the row names the kind.
  if (kind === 'instructions') return `${how} (exact instruction counts)`;
  return kind === 'hardware-ns' ? how : `${how} (${KIND_NOTE[kind]})`;
}

export function savingText(c: CellSummary): string {
  if (c.sameMechanism) return c.sameMechanism;
  if (!c.comparison) return c.withheldReason ? `withheld: ${c.withheldReason}` : '—';
  // Hardware: per regime, from the per-depth paired differences (or Welch, said in brackets).
  if (c.pairedSaving) return pairedSavingText(c.pairedSaving);
  return comparisonText(c.comparison, cellUnit(c));
}

/** "18.00 ± 0.20 ns (90.0 %)": what the direct jump saves, in the comparison's unit. */
export function comparisonText(k: Comparison, fallback: FigureUnit): string {
  const unit = UNIT_TEXT[k.unit ?? fallback].short;
  return `${pm(k.savingNs, k.savingCi)} ${unit}${k.savingPct === null ? '' : ` (${num(k.savingPct, 1)} %)`}`;
}

export function kernelText(c: CellSummary): string {
  return c.kernel.release && c.kernel.release !== c.kernel.id ? `${c.kernel.id} (${c.kernel.release})` : c.kernel.id;
}

export const cellTitle = (c: CellSummary): string => `${c.kernel.id} / ${c.boot.name} / ${c.benchmark.name}`;

/** Group cells by benchmark name, keeping the summary's order. */
export function byBenchmark(cells: readonly CellSummary[]): Map<string, CellSummary[]> {
  const m = new Map<string, CellSummary[]>();
  for (const c of cells) {
    const list = m.get(c.benchmark.name) ?? [];
    list.push(c);
    m.set(c.benchmark.name, list);
  }
  return m;
}

export function failureText(c: CellSummary): string {
  return `${c.status}${c.message ? `: ${c.message}` : ''}`;
}

/**
 * A table's cells split by architecture (amd64 first) when they hold more than one, each part titled;
 * one untitled part otherwise (the arch column says it). One table never lines up two architectures'
 * figures as if they were comparable.
 */
export function archParts<T extends { arch?: Arch }>(cells: readonly T[]): { arch: Arch | null; title: string | null; cells: T[] }[] {
  if (!mixedArches(cells)) return [{ arch: null, title: null, cells: [...cells] }];
  return [...byArch(cells)].map(([arch, of]) => ({ arch, title: `Architecture ${arch}`, cells: of }));
}

/** The header of a per-kind cell table: the unit is in the column names and in every value. */
export function cellTableHeader(unit: FigureUnit): string[] {
  const per = UNIT_TEXT[unit].perCall;
  return [
    'kernel',
    'arch',
    'boot',
    'spectre_v2',
    `direct ${per} (95 % CI)`,
    'direct JIT',
    `indirect ${per} (95 % CI)`,
    'indirect JIT',
    'saving (direct vs indirect)',
    'accelerator',
  ];
}

/** One row per fitted variant: what lies behind each per-call figure (for readers who doubt it). */
export function fitDetailRows(cells: readonly CellSummary[]): string[][] {
  const rows: string[][] = [];
  for (const c of cells) {
    const u = UNIT_TEXT[cellUnit(c)];
    for (const v of [c.direct, c.indirect]) {
      if (!v?.fit) continue;
      const f = v.fit;
      rows.push([
        c.key,
        v.variant,
        // Every row says what its figures are: a merged report holds emulated and hardware cells.
        `${summaryKind(c)}, ${c.accelerator}`,
        `${num(f.slope)} ${interval(f.slopeCi)} ${u.perCall}`,
        v.tailFit ? `${num(v.tailFit.slope)} ${interval(v.tailFit.slopeCi)} ${u.perCall}` : '—',
        `${num(f.intercept, 1)} ± ${num(f.interceptSe, 1)} ${u.short}`,
        f.r2.toFixed(4),
        `${f.n}${v.invalidSamples > 0 ? ` (${v.invalidSamples} bad samples left out)` : ''}${switchedOutText(v)}`,
      ]);
    }
  }
  return rows;
}

/**
 * The variant's switched-out calls, for its row: how many, how many the agent re-took, and how many it
 * had to keep (left out of the figure). Nothing for cells written before the check, or with none.
 */
function switchedOutText(v: Pick<VariantSummary, 'contamination'>): string {
  const c = v.contamination;
  if (!c || c.contaminated === 0) return '';
  return ` (${c.contaminated} of ${c.checked} calls switched out: ${c.retaken} re-taken${c.keptContaminated > 0 ? `, ${c.keptContaminated} kept and left out` : ''})`;
}

export const FIT_DETAIL_HEADER = ['cell', 'variant', 'figures', 'per call [95 % CI]', 'depths ≥ 4 only', 'intercept', 'R²', 'depths'];

/** What the per-call figures of one table's cells are, for the line under it (a knee's rows say how too). */
export function methodNote(cells: readonly CellSummary[]): string {
  const unit = cellUnit(cells[0]!);
  const what =
    unit === 'instructions'
      ? 'fewest instructions per repetition (the `duration` divided by 2^shift; an interrupt in the timed window can only add instructions)'
      : 'median `duration`';
  const line = `${UNIT_TEXT[unit].perCall}: slope of an ordinary least-squares fit of the per-depth ${what} against chain depth; ± is the half-width of its 95 % Student-t interval, from the heteroscedasticity-robust (HC3) standard error.`;
  const knees = cells.flatMap((c) => [c.direct?.curve, c.indirect?.curve]).filter((k) => k?.model === 'segmented');
  if (knees.length === 0) return line;
  const fromLoads = knees.some((k) => k?.regimes.some((r) => r.estimate === 'loads'));
  return (
    `${line} A row with a knee gives each regime's cost instead (below it → from it on): ` +
    (fromLoads
      ? "where the samples were spread over loads of the chains, the median over loads of each load's own slope, ± the half-width of its 95 % bootstrap interval over the loads; otherwise "
      : '') +
    "the same fit over the regime's depths. Its saving is per regime, marked with its pairing ([paired]: per depth; [paired by load]; [welch]: none)."
  );
}

/** The notices at the top of a report: what instruction counts and plain-TCG figures are (and are not). */
export function kindNotices(cells: readonly CellSummary[]): { level: 'note' | 'warning'; text: string }[] {
  const kinds = byKind(cells);
  const out: { level: 'note' | 'warning'; text: string }[] = [];
  const counted = kinds.get('instructions')?.length ?? 0;
  const timedTcg = kinds.get('emulated-ns')?.length ?? 0;
  if (counted > 0) {
    out.push({
      level: 'note',
      text: `${counted} cell(s) ran under TCG with instruction counting: ${INSTRUCTIONS_NOTE}. They compare kernels and jumps with each other in instructions, never with nanoseconds.`,
    });
  }
  if (timedTcg > 0) {
    out.push({
      level: 'warning',
      text: `${timedTcg} cell(s) ran under plain TCG software emulation (${EMULATED_NOTE}): no speculation is emulated, so their figures compare kernels and jumps with each other, never with hardware nanoseconds.`,
    });
  }
  return out;
}

export const RETPOLINE_PRICE_HEADER = [
  'kernel',
  'benchmark',
  'figures',
  'indirect through the retpoline',
  'indirect, plain jmp',
  "retpoline's own price (95 % CI)",
];

/** One row per kernel booted both ways: each side's indirect slope and their difference, with units. */
export function retpolinePriceRows(prices: readonly RetpolinePrice[]): string[][] {
  return prices.map((p) => {
    const per = UNIT_TEXT[p.unit].perCall;
    return [
      p.kernel.id,
      p.benchmark,
      `${p.figureKind} (${p.accelerator})`,
      `${num(p.retpoline.slope)} ${interval(p.retpoline.slopeCi)} ${per} (boot ${p.retpoline.boot}: ${p.retpoline.mechanism})`,
      `${num(p.plain.slope)} ${interval(p.plain.slopeCi)} ${per} (boot ${p.plain.boot}: ${p.plain.mechanism})`,
      `${num(p.price)} ${interval(p.priceCi)} ${per}`,
    ];
  });
}

/** Under the table: what the price is and is not. */
export const RETPOLINE_PRICE_NOTE =
  'indirect tail call at a boot whose JIT jumps through a retpoline minus the same kernel at a boot with a plain `jmp *reg`: the bounds checks are the same on both, so this is the jump alone. Boots are matched by the mechanism seen, within one kernel, accelerator and figure kind; under TCG the speculation a retpoline traps is not emulated.';

/** The gate rule, for the baseline sections: what decides each kind of figure. */
export function gateText(g: BaselineSummary['gate']): string {
  if (g.instructions === undefined) {
    // A summary written before the gate had kinds: its own rule, as it was applied.
    return `(older summary) a slope regressed when it rose by more than ${g.thresholdNs} ns (${g.thresholdInstructions ?? 0} instr) and more than ${g.thresholdPct} % and its interval no longer overlapped`;
  }
  return (
    `instruction counts regress when a slope rises by at least ${g.instructions} instr per call (exact, no statistics); ` +
    `hardware timings are compared only on the same accelerator and CPU model, and regress when the rise is at least ${g.thresholdNs} ns and ${g.thresholdPct} % ` +
    `(the indirect/direct ratio: ${g.thresholdPct} %) and a one-sided test across replicates (Mann-Whitney U across slopes; Welch t per regime of a curve with a knee) gives p ≤ ${g.alpha ?? 0.05}` +
    (g.aloneNs !== undefined ? `; with too few replicates for the test, when it is at least ${g.aloneNs} ns and ${g.alonePct} %; ` : '; ') +
    'emulated ns are never gated; failed or missing cells on either side fail the gate, as does a strategy figure the baseline had and this run lacks'
  );
}

/** Units of a gated figure: the slope units, or the unitless indirect/direct ratio. */
const GATE_UNIT: Record<'instructions' | 'ns' | 'ratio', { short: string; perCall: string }> = {
  ...UNIT_TEXT,
  ratio: { short: '×', perCall: '× (indirect/direct)' },
};

const gateUnitText = (k: Pick<BaselineComparison, 'unit'>) => GATE_UNIT[k.unit ?? 'ns'];

/** A side of a baseline pair: "2.61 [2.58, 2.66] ns/call (5 replicates, range)". */
function sideText(
  value: number,
  spread: readonly [number, number] | null,
  n: number | undefined,
  unit: BaselineComparison['unit'],
): string {
  const how = n === undefined ? '' : n === 1 ? ' (1 replicate, 95 % CI)' : ` (${n} replicates, range)`;
  return `${num(value)} ${interval(spread)} ${gateUnitText({ unit }).perCall}${how}`;
}

/** A baseline in another unit than now (the figure kind changed): no difference between the two is meaningful. */
const unitsDiffer = (k: BaselineComparison) => k.baselineUnit !== undefined && k.baselineUnit !== (k.unit ?? 'ns');

/** A signed rise of a gated figure with its unit and share: "+1.00 instr (+9.1 %)". */
function gateDeltaText(k: BaselineComparison): string {
  const pct = k.deltaPct === null ? '' : ` (${k.deltaPct >= 0 ? '+' : ''}${num(k.deltaPct, 1)} %)`;
  return `${k.deltaNs >= 0 ? '+' : ''}${num(k.deltaNs)} ${gateUnitText(k).short}${pct}`;
}

/** The status a comparison of an older summary had, when it carries none. */
export const comparisonStatusOf = (k: BaselineComparison) => k.status ?? (k.regression ? 'regression' : k.note ? 'not-comparable' : 'ok');

function methodText(k: BaselineComparison): string {
  if (k.method === 'exact') return 'exact count';
  if (k.method === 'u-test') return `U test, p = ${k.pValue === null || k.pValue === undefined ? '?' : k.pValue.toPrecision(2)}`;
  if (k.method === 'thresholds') return 'minimum effect only';
  if (k.method === 'welch-t') return 'Welch t per regime';
  return '—';
}

export const BASELINE_HEADER = ['cell', 'figure', 'kind', 'baseline', 'current', 'change', 'decided by', 'verdict'];

/** "tailcall-const cost per transfer", or in one regime: "tailcall-const above-knee cost per transfer, depths 18–32". */
function strategyFigureText(k: BaselineComparison): string {
  const [name, regime] = k.variant.slice('strategy:'.length).split(':');
  return regime === undefined ? `${name} cost per transfer` : `${name} ${regime} cost per transfer, depths ${k.depths?.join('–') ?? '?'}`;
}

/** One row per gated figure, the same in every format: each value with its unit and kind. */
export function baselineRow(k: BaselineComparison): string[] {
  return [
    k.key,
    k.variant === 'ratio'
      ? 'indirect/direct ratio'
      : k.variant.startsWith('strategy:')
        ? strategyFigureText(k)
        : k.variant.includes(':')
          ? `${k.variant.replace(':', ' ')} cost, depths ${k.depths?.join('–') ?? '?'}`
          : `${k.variant} slope`,
    k.figureKind ?? 'timed',
    sideText(k.baselineSlope, k.baselineCi, k.baselineValues?.length, k.baselineUnit ?? k.unit),
    sideText(k.currentSlope, k.currentCi, k.currentValues?.length, k.unit),
    unitsDiffer(k) ? '— (other units)' : gateDeltaText(k),
    methodText(k),
    `${comparisonStatusOf(k)}${k.note ? `: ${k.note}` : ''}`,
  ];
}

/** One gated figure in words, with its unit and kind: "indirect slope (hardware-ns) regression: … → …: +0.40 ns (+22.2 %), U test, p = 0.004". */
export function comparisonSentence(k: BaselineComparison): string {
  const r = baselineRow(k);
  return `${r[1]} (${r[2]}) ${comparisonStatusOf(k)}: ${r[3]} → ${r[4]}: ${r[5]}, ${r[6]}${k.note ? `; ${k.note}` : ''}`;
}

const PROBLEM_TEXT: Record<GateProblem['problem'], string> = {
  'failed-now': 'failed in this run',
  'failed-in-baseline': 'failed in the baseline',
  'missing-now': 'in the baseline, not measured now',
  'missing-in-baseline': 'measured now, missing in the baseline',
  'figure-missing-now': 'a figure in the baseline, none now',
};

/** The gate's problems not already told as cells: this run's failed cells are reported as themselves. */
export function problemsBeyondCells(b: BaselineSummary): GateProblem[] {
  return b.problems.filter((p) => p.problem !== 'failed-now');
}

/**
 * "6.1-cloud/retpoline/test-run (hardware-ns): failed in the baseline: c1: timeout"; a lost figure:
 * "…/strategies (instructions) strategy:loop: a figure in the baseline, none now: strategy:loop: 23.00 instr/transfer in the baseline; now unsupported in c2: <reason>".
 */
export function problemText(p: GateProblem): string {
  const told = p.problem.startsWith('failed') || p.problem === 'figure-missing-now';
  return `${p.key}${p.figureKind ? ` (${p.figureKind})` : ''}${p.figure ? ` ${p.figure}` : ''}: ${PROBLEM_TEXT[p.problem]}${told ? `: ${p.detail}` : ''}`;
}

/** "…/strategies (hardware-ns) strategy:gotox: new, not in the baseline (not a failure): strategy:gotox: 4.10 ns/transfer now; in the baseline unsupported in c9: …". */
export function newFigureText(n: GateNewFigure): string {
  return `${n.key} (${n.figureKind}) ${n.figure}: new, not in the baseline (not a failure): ${n.detail}`;
}

/** The heading of the gate's problem list in Markdown and HTML. */
export function problemsHeading(b: BaselineSummary): string {
  const figures = b.problems.some((p) => p.problem === 'figure-missing-now');
  return `Failed or missing cells${figures ? ' and figures' : ''} (each fails the gate):`;
}

/** The heading of the gate's list of new figures in Markdown and HTML. */
export const NEW_FIGURES_HEADING = 'New figures (not in the baseline: nothing to compare with, not a failure):';

/** The gate's outcome in one line: regressions, problems, not comparable. */
export function gateHeadline(b: BaselineSummary): string {
  const parts = [`${b.regressions === 0 ? 'no regression' : `${b.regressions} regression(s)`} in ${b.comparisons.length} comparison(s)`];
  if (b.notComparable > 0) parts.push(`${b.notComparable} not comparable (never a pass)`);
  const lost = b.problems.filter((p) => p.problem === 'figure-missing-now').length;
  const cells = b.problems.length - lost;
  if (cells > 0) parts.push(`${cells} failed or missing cell(s) (each fails the gate)`);
  if (lost > 0) parts.push(`${lost} figure(s) in the baseline missing now (each fails the gate)`);
  if (b.newFigures.length > 0) parts.push(`${b.newFigures.length} new figure(s) (not in the baseline, not a failure)`);
  return parts.join(', ');
}
