// Number and label formatting shared by the writers, so every format says the same thing. Every
// figure leaves here with its unit attached: cells of different kinds can sit in one report, never
// in one column, axis or comparison without saying what they are.
import type { CellSummary, FitSummary, VariantSummary } from '../analysis/summary-schema.js';
import { byKind, EMULATED_NOTE, INSTRUCTIONS_NOTE, KIND_NOTE, summaryKind, UNIT_TEXT, unitOf, type FigureUnit } from '../analysis/units.js';

/** Two decimals: the fits resolve tenths of a ns at best; more digits would be noise. */
const DECIMALS = 2;

export const num = (x: number, d: number = DECIMALS): string => x.toFixed(d);

/** The unit of a summary cell's figures (older summaries: ns). */
export const cellUnit = (c: Pick<CellSummary, 'figureKind' | 'emulated'>): FigureUnit => unitOf(summaryKind(c));

/** "2.31 ± 0.12" from a symmetric t interval. */
export function pm(value: number, ci: readonly [number, number]): string {
  return `${num(value)} ± ${num((ci[1] - ci[0]) / 2)}`;
}

export const interval = (ci: readonly [number, number] | null, d: number = DECIMALS): string =>
  ci ? `[${num(ci[0], d)}, ${num(ci[1], d)}]` : '[unbounded]';

/** "2.31 ± 0.12 ns/call", "11.00 ± 0.00 instr/call". */
export function slopeText(fit: FitSummary | null | undefined, unit: FigureUnit): string {
  return fit ? `${pm(fit.slope, fit.slopeCi)} ${UNIT_TEXT[unit].perCall}` : '—';
}

/** The direct variant's number is only a direct-jump cost when the JIT proved it emitted one. */
export function directCaveat(v: VariantSummary | null): string | null {
  if (!v || v.mechanism === 'direct-jump') return null;
  return `not a direct jump (${v.mechanism ?? 'no JIT evidence'})`;
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
  if (!c.comparison) return '—';
  const k = c.comparison;
  const unit = UNIT_TEXT[k.unit ?? cellUnit(c)].short;
  return `${pm(k.savingNs, k.savingCi)} ${unit}${k.savingPct === null ? '' : ` (${num(k.savingPct, 1)} %)`}`;
}

/** A signed change with its unit and share: "+1.00 instr (+9.1 %)". */
export function deltaText(delta: number, pct: number, unit: FigureUnit): string {
  return `${delta >= 0 ? '+' : ''}${num(delta)} ${UNIT_TEXT[unit].short} (${pct >= 0 ? '+' : ''}${num(pct, 1)} %)`;
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

/** The header of a per-kind cell table: the unit is in the column names and in every value. */
export function cellTableHeader(unit: FigureUnit): string[] {
  const per = UNIT_TEXT[unit].perCall;
  return ['kernel', 'boot', 'spectre_v2', `direct ${per} (95 % CI)`, 'direct JIT', `indirect ${per} (95 % CI)`, 'indirect JIT', 'saving (direct vs indirect)', 'accelerator'];
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
        `${num(f.slope)} ${interval(f.slopeCi)} ${u.perCall}`,
        v.tailFit ? `${num(v.tailFit.slope)} ${interval(v.tailFit.slopeCi)} ${u.perCall}` : '—',
        `${num(f.intercept, 1)} ± ${num(f.interceptSe, 1)} ${u.short}`,
        f.r2.toFixed(4),
        `${f.n}${v.invalidSamples > 0 ? ` (${v.invalidSamples} bad samples left out)` : ''}`,
      ]);
    }
  }
  return rows;
}

export const FIT_DETAIL_HEADER = ['cell', 'variant', 'per call [95 % CI]', 'depths ≥ 4 only', 'intercept', 'R²', 'depths'];

/** What the per-call figure is, for the line under each table. */
export function methodNote(unit: FigureUnit): string {
  const what =
    unit === 'instructions'
      ? 'fewest instructions per repetition (the `duration` divided by 2^shift; an interrupt in the timed window can only add instructions)'
      : 'median `duration`';
  return `${UNIT_TEXT[unit].perCall}: slope of an ordinary least-squares fit of the per-depth ${what} against chain depth; ± is the half-width of its 95 % Student-t interval, from the heteroscedasticity-robust (HC3) standard error.`;
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

/** The gate rule in one sentence, for the baseline sections. */
export function gateText(g: { thresholdNs: number; thresholdInstructions?: number; thresholdPct: number }): string {
  return (
    `a slope regresses when it rises by more than ${g.thresholdNs} ns (${g.thresholdInstructions ?? 0} instr for instruction counts) ` +
    `and more than ${g.thresholdPct} % and its 95 % interval no longer overlaps the baseline's; only figures of the same kind are compared`
  );
}

/** A baseline pair's slope with its unit: "11.00 [11.00, 11.00] instr/call". */
export function baselineSlopeText(slope: number, ci: readonly [number, number], unit: FigureUnit | undefined): string {
  return `${num(slope)} ${interval(ci)} ${UNIT_TEXT[unit ?? 'ns'].perCall}`;
}
