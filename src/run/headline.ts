// The one line a finished cell shows in the progress display.
import { analyseCell } from '../analysis/analyse-cell.js';
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

export function headline(result: CellResult): string {
  const secs = `${(result.wallMs / 1000).toFixed(1)} s`;
  if (result.status !== 'ok') return `${result.status}: ${result.message ?? 'see the console tail in the cell file'} (${secs})`;
  const s = analyseCell(result);
  const perCall = UNIT_TEXT[unitOf(figureKindOf(result))].perCall;
  const part = (name: string, v: typeof s.direct) =>
    v?.fit ? `${name} ${v.fit.slope.toFixed(1)} ${perCall} [${v.mechanism ?? 'no JIT evidence'}]` : `${name} n/a`;
  return `ok · ${part('direct', s.direct)} · ${part('indirect', s.indirect)} (${modeLabel(result)}, ${secs})`;
}
