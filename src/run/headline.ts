// The one line a finished cell shows in the progress display.
import { analyseCell } from '../analysis/analyse-cell.js';
import { analyseTraffic } from '../analysis/analyse-traffic.js';
import { UNIT_TEXT, unitOf } from '../analysis/units.js';
import { figureKindOf, type CellResult } from '../results/cell-result.js';

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

/** "direct 22.0 instr/call [direct-jump]": a variant's slope and the jump the JIT was seen to emit. */
function variantPart(name: string, fit: { slope: number } | null | undefined, mechanism: string | null | undefined, perCall: string): string {
  return fit ? `${name} ${fit.slope.toFixed(1)} ${perCall} [${mechanism ?? 'no JIT evidence'}]` : `${name} n/a`;
}

/** A traffic cell: its first method's slopes (the report has every method). */
function trafficPart(result: CellResult, perCall: string): string {
  const m = analyseTraffic(result).summary?.methods[0];
  if (!m) return 'no traffic figures';
  const of = (name: 'direct' | 'indirect') => {
    const v = m.variants.find((x) => x.variant === name);
    return variantPart(name, v?.fit, v?.mechanism, perCall);
  };
  return `under traffic (${m.method}) · ${of('direct')} · ${of('indirect')}`;
}

export function headline(result: CellResult): string {
  const secs = `${(result.wallMs / 1000).toFixed(1)} s`;
  if (result.status !== 'ok') return `${result.status}: ${result.message ?? 'see the console tail in the cell file'} (${secs})`;
  const perCall = UNIT_TEXT[unitOf(figureKindOf(result))].perCall;
  if (result.benchmark.type === 'traffic') return `ok · ${trafficPart(result, perCall)} (${modeLabel(result)}, ${secs})`;
  const s = analyseCell(result);
  return `ok · ${variantPart('direct', s.direct?.fit, s.direct?.mechanism, perCall)} · ${variantPart('indirect', s.indirect?.fit, s.indirect?.mechanism, perCall)} (${modeLabel(result)}, ${secs})`;
}
