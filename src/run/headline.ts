// The one line a finished cell shows in the progress display.
import { analyseCell } from '../analysis/analyse-cell.js';
import type { CellResult } from '../results/cell-result.js';

const ns = (x: number) => `${x.toFixed(1)} ns`;

export function headline(result: CellResult): string {
  const secs = `${(result.wallMs / 1000).toFixed(1)} s`;
  if (result.status !== 'ok') return `${result.status}: ${result.message ?? 'see the console tail in the cell file'} (${secs})`;
  const s = analyseCell(result);
  const part = (name: string, v: typeof s.direct) =>
    v?.fit ? `${name} ${ns(v.fit.slope)}/call [${v.mechanism ?? 'no JIT evidence'}]` : `${name} n/a`;
  const label = result.backend === 'native' ? 'native, hardware ns' : result.emulated ? `${result.accelerator}, emulated` : result.accelerator;
  return `ok · ${part('direct', s.direct)} · ${part('indirect', s.indirect)} (${label}, ${secs})`;
}
