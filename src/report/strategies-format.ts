// Benchmark 3 (strategies) in words and table rows, shared by the Markdown, HTML and JUnit writers so every
// format says the same thing. One table per cell (kernel and boot) within one figure kind, strategies ranked
// by their cost per transfer; every figure carries its unit, and no table or chart mixes kinds.
import type { CellSummary, StrategySummary } from '../analysis/summary-schema.js';
import { UNIT_TEXT, type FigureUnit } from '../analysis/units.js';
import type { FigureKind } from '../results/cell-result.js';
import { interval, pm } from './format.js';

export const isStrategiesBenchmark = (cells: readonly CellSummary[]): boolean => cells.some((c) => c.benchmark.type === 'strategies');

/** A heading for one figure kind's strategy tables. */
export const STRATEGY_KIND_TITLE: Record<FigureKind, string> = {
  instructions: 'Strategies, exact instruction counts (TCG with -icount): instructions per transfer',
  'hardware-ns': 'Strategies, hardware timing: ns per transfer',
  'emulated-ns': 'Strategies, plain TCG: emulated ns per transfer (relative only)',
};

const perTransfer = (unit: FigureUnit): string => `${UNIT_TEXT[unit].short}/transfer`;

/** The figure a strategy is ranked and charted by: its slope over all depths (a hardware knee is shown, not ranked by). */
export const strategyCost = (s: StrategySummary): number | null => (s.status === 'ready' && s.fit ? s.fit.slope : null);

/** Ready strategies with a figure, cheapest first; then ready ones without a figure; then the unsupported, in the agent's order. */
export function rankedStrategies(c: CellSummary): StrategySummary[] {
  const all = c.strategies ?? [];
  const costed = all.filter((s) => strategyCost(s) !== null).sort((a, b) => strategyCost(a)! - strategyCost(b)!);
  return [
    ...costed,
    ...all.filter((s) => s.status === 'ready' && strategyCost(s) === null),
    ...all.filter((s) => s.status === 'unsupported'),
  ];
}

/** "17.00", "1.10 ± 0.02", or a hardware curve's regimes "1.1 → 8.2 (knee at depth 18)". */
function strategyCostText(s: StrategySummary, unit: FigureUnit): string {
  const c = s.curve;
  if (c?.model === 'segmented' && c.knee)
    return `${c.regimes.map((r) => pm(r.slope, r.slopeCi)).join(' → ')} ${perTransfer(unit)} (knee at depth ${c.knee.depth})`;
  return s.fit ? `${pm(s.fit.slope, s.fit.slopeCi)} ${perTransfer(unit)}` : '—';
}

/** The proof in a few words: the transfer and how much of the images was checked. */
function proofText(s: StrategySummary): string {
  const p = s.proof;
  if (!p) return s.status === 'ready' ? 'no JIT images' : '—';
  if (p.mechanism === 'unproven') return `unproven${p.note ? `: ${p.note}` : ''}`;
  const body =
    p.bodyDifferences.length > 0
      ? `⚠ ${p.bodyDifferences.length} function(s) differ in the body`
      : `${p.bodies} function(s) run the shared body`;
  return `${p.mechanism} (${p.transfers.length} site(s); ${body})`;
}

/** The interval of the figure shown: each regime's where a hardware curve has a knee, else the slope's. */
function ciText(s: StrategySummary): string {
  const c = s.curve;
  if (c?.model === 'segmented' && c.knee) return c.regimes.map((r) => interval(r.slopeCi)).join(' → ');
  return s.fit ? interval(s.fit.slopeCi) : '—';
}

export function strategyTableHeader(unit: FigureUnit): string[] {
  return ['rank', 'strategy', `cost (${perTransfer(unit)})`, '95 % CI', 'R²', 'proof (JIT images)', 'depths (limit)'];
}

/** Columns holding numbers (right-aligned). */
export const STRATEGY_NUMERIC_COLUMNS: readonly number[] = [0, 2, 3, 4];

interface StrategyRow {
  strategy: StrategySummary;
  cols: string[];
}

export function strategyRows(c: CellSummary): StrategyRow[] {
  const unit: FigureUnit = c.unit ?? 'ns';
  let rank = 0;
  return rankedStrategies(c).map((s) => {
    if (s.status === 'unsupported')
      return {
        strategy: s,
        cols: ['—', s.strategy, `unsupported: ${s.reason ?? 'no reason given'}`, '—', '—', '—', `needs ${s.needs || '?'}`],
      };
    const costed = strategyCost(s) !== null;
    return {
      strategy: s,
      cols: [
        costed ? String(++rank) : '—',
        s.strategy,
        strategyCostText(s, unit),
        ciText(s),
        s.fit ? s.fit.r2.toFixed(4) : '—',
        proofText(s),
        `0–${s.maxDepth} (${s.limit})`,
      ],
    };
  });
}

export function strategyNote(unit: FigureUnit): string {
  return (
    `Cost per transfer = OLS slope of the ${unit === 'instructions' ? 'fewest instructions' : 'median duration'} per run against depth (one transfer per level); ranked by the slope over all depths, ` +
    'also where a hardware curve has a knee (then each regime is shown). ' +
    'Every strategy runs the same body per level (proven from its JIT images), so the figures differ only by the transfer and the frame around it. ' +
    'Unsupported: the kernel lacks the strategy or the verifier refused it, with its reason.'
  );
}

/** One JUnit line per strategy: its figure, fit and proof, or why it is unsupported. */
export function strategyLine(s: StrategySummary, unit: FigureUnit): string {
  if (s.status === 'unsupported') return `${s.strategy}: unsupported (${s.reason ?? 'no reason given'})`;
  const whole = s.wholeNumber === null ? '' : s.wholeNumber ? ', whole number' : ', NOT a whole number';
  return `${s.strategy}: ${strategyCostText(s, unit)}${s.fit ? `, R² ${s.fit.r2.toFixed(4)}` : ''}${whole}, depths 0–${s.maxDepth} (${s.limit}), proof ${proofText(s)}`;
}

/**
 * "What this run found" for a strategies cell: the cheapest and the dearest transfer, in the cell's kind and
 * unit, and how many strategies the kernel lacks.
 */
export function strategyFinding(c: CellSummary, kindTitle: string): string | null {
  const ranked = rankedStrategies(c).filter((s) => strategyCost(s) !== null);
  if (ranked.length === 0) return null;
  const unit: FigureUnit = c.unit ?? 'ns';
  const lo = ranked[0]!;
  const hi = ranked[ranked.length - 1]!;
  const unsupported = (c.strategies ?? []).filter((s) => s.status === 'unsupported').map((s) => s.strategy);
  return (
    `${kindTitle} on ${c.kernel.id} / ${c.boot.name}: of ${ranked.length} strategies measured, ${lo.strategy} is the cheapest transfer ` +
    `(${strategyCostText(lo, unit)}) and ${hi.strategy} the dearest (${strategyCostText(hi, unit)})` +
    `${unsupported.length > 0 ? `; unsupported here: ${unsupported.join(', ')}` : ''}.`
  );
}
