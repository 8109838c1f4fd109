// The one line a finished cell shows in the progress display.
import { UNIT_TEXT, unitOf } from '../analysis/units.js';
import { figureKindOf, type CellResult } from '../results/cell-result.js';
import { headlineFigures } from '../benchmarks/registry.js';

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
  const perCall = UNIT_TEXT[unitOf(figureKindOf(result))].perCall;
  // The figures are the benchmark driver's (src/benchmarks/); the status, mode and wall time are every cell's.
  return `ok · ${headlineFigures(result, perCall)} (${modeLabel(result)}, ${secs})`;
}
