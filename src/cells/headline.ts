// The one line a finished cell shows in the progress display.
import { analyseCell } from '../analysis/analyse-cell.js';
import { analyseTraffic } from '../analysis/analyse-traffic.js';
import { UNIT_TEXT, unitOf } from '../analysis/units.js';
import { figureKindOf, type CellResult } from '../results/cell-result.js';
import type { VariantSummary } from '../analysis/summary-schema.js';

/** How the figures were taken, next to the accelerator: "tcg, instruction counts (-icount shift=3)". */
function modeLabel(result: CellResult): string {
  switch (figureKindOf(result)) {
    case 'instructions':
      return `${result.accelerator}, exact instruction counts${result.icountShift !== undefined ? ` (-icount shift=${result.icountShift})` : ''}`;
    case 'emulated-ns':
      return `${result.accelerator}, emulated: relative only`;
    case 'hardware-ns':
      return result.backend === 'native' ? 'native, hardware ns' : result.accelerator;
  }
}

/**
 * "direct 22.0 instr/call [direct-jump]": a variant's slope and the jump the JIT was seen to emit; a hardware
 * chain with a knee gives its regimes ("1.1 → 8.2 ns/call (knee at depth 18)"), never one slope over both.
 */
function variantPart(name: string, v: Pick<VariantSummary, 'fit' | 'mechanism' | 'curve'> | null | undefined, perCall: string): string {
  const c = v?.curve;
  const cost =
    c?.model === 'segmented' && c.knee
      ? `${c.regimes.map((r) => r.slope.toFixed(1)).join(' → ')} ${perCall} (knee at depth ${c.knee.depth})`
      : v?.fit
        ? `${v.fit.slope.toFixed(1)} ${perCall}`
        : null;
  return cost === null ? `${name} n/a` : `${name} ${cost} [${v?.mechanism ?? 'no JIT evidence'}]`;
}

/** A traffic cell: its first method's slopes (the report has every method). */
function trafficPart(result: CellResult, perCall: string): string {
  const m = analyseTraffic(result).summary?.methods[0];
  if (!m) return 'no traffic figures';
  const of = (name: 'direct' | 'indirect') => {
    const v = m.variants.find((x) => x.variant === name);
    return variantPart(name, v, perCall);
  };
  return `under traffic (${m.method}) · ${of('direct')} · ${of('indirect')}`;
}

export function headline(result: CellResult): string {
  const secs = `${(result.wallMs / 1000).toFixed(1)} s`;
  if (result.status !== 'ok') return `${result.status}: ${result.message ?? 'see the console tail in the cell file'} (${secs})`;
  const perCall = UNIT_TEXT[unitOf(figureKindOf(result))].perCall;
  if (result.benchmark.type === 'traffic') return `ok · ${trafficPart(result, perCall)} (${modeLabel(result)}, ${secs})`;
  const s = analyseCell(result);
  return `ok · ${variantPart('direct', s.direct, perCall)} · ${variantPart('indirect', s.indirect, perCall)} (${modeLabel(result)}, ${secs})`;
}
