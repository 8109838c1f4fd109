// Number and label formatting shared by the writers, so every format says the same thing.
import { EMULATED_NOTE } from '../analysis/analyse-cell.js';
import type { CellSummary, FitSummary, VariantSummary } from '../analysis/summary-schema.js';

/** Two decimals: the fits resolve tenths of a ns at best; more digits would be noise. */
const DECIMALS = 2;

export const num = (x: number, d: number = DECIMALS): string => x.toFixed(d);

/** "2.31 ± 0.12" from a symmetric t interval. */
export function pm(value: number, ci: readonly [number, number]): string {
  return `${num(value)} ± ${num((ci[1] - ci[0]) / 2)}`;
}

export const interval = (ci: readonly [number, number] | null, d: number = DECIMALS): string =>
  ci ? `[${num(ci[0], d)}, ${num(ci[1], d)}]` : '[unbounded]';

export function slopeText(fit: FitSummary | null | undefined): string {
  return fit ? pm(fit.slope, fit.slopeCi) : '—';
}

/** The direct variant's number is only a direct-jump cost when the JIT proved it emitted one. */
export function directCaveat(v: VariantSummary | null): string | null {
  if (!v || v.mechanism === 'direct-jump') return null;
  return `not a direct jump (${v.mechanism ?? 'no JIT evidence'})`;
}

export function accelText(c: CellSummary): string {
  // The running kernel, on the host: no VM, hardware nanoseconds (src/vm/native.ts).
  if (c.backend === 'native') return 'native (running kernel): ns (hardware)';
  return c.emulated ? `${c.accelerator} (${EMULATED_NOTE})` : c.accelerator;
}

export function savingText(c: CellSummary): string {
  if (!c.comparison) return '—';
  const k = c.comparison;
  return `${pm(k.savingNs, k.savingCi)} ns${k.savingPct === null ? '' : ` (${num(k.savingPct, 1)} %)`}`;
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

/** One row per fitted variant: what lies behind each ns/call figure (for readers who doubt it). */
export function fitDetailRows(cells: readonly CellSummary[]): string[][] {
  const rows: string[][] = [];
  for (const c of cells) {
    for (const v of [c.direct, c.indirect]) {
      if (!v?.fit) continue;
      const f = v.fit;
      rows.push([
        c.key,
        v.variant,
        `${num(f.slope)} ${interval(f.slopeCi)}`,
        v.tailFit ? `${num(v.tailFit.slope)} ${interval(v.tailFit.slopeCi)}` : '—',
        `${num(f.intercept, 1)} ± ${num(f.interceptSe, 1)}`,
        f.r2.toFixed(4),
        `${f.n}${v.invalidSamples > 0 ? ` (${v.invalidSamples} bad samples left out)` : ''}`,
      ]);
    }
  }
  return rows;
}

export const FIT_DETAIL_HEADER = ['cell', 'variant', 'ns/call [95 % CI]', 'depths ≥ 4 only', 'intercept (ns)', 'R²', 'depths'];
