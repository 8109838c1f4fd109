// The hardware cost curve in words and small tables, shared by the Markdown, HTML and JUnit writers: the
// per-depth profile, the knee with its uncertainty, each regime's cost, the step, the saving per regime,
// and the plain sentence when one line does not describe the data. Hardware-ns cells only.
import { curveHeadline, curveSentence, pairedSavingText } from '../analysis/curve-text.js';
import type { CellSummary, HardwareCurve, VariantSummary } from '../analysis/summary-schema.js';
import { summaryKind } from '../analysis/units.js';

/** Hardware cells that finished and carry a curve for at least one variant. */
export function curveCells(cells: readonly CellSummary[]): CellSummary[] {
  return cells.filter((c) => c.status === 'ok' && summaryKind(c) === 'hardware-ns' && (c.direct?.curve || c.indirect?.curve));
}

export const curveVariants = (c: CellSummary): (VariantSummary & { curve: HardwareCurve })[] =>
  [c.direct, c.indirect].filter((v): v is VariantSummary & { curve: HardwareCurve } => Boolean(v?.curve));

const BARS = '▁▂▃▄▅▆▇█';

/** The profile as one line of block characters, lowest to highest median over the variant's depths. */
export function sparkline(curve: HardwareCurve): string {
  const ys = curve.profile.map((p) => p.estimate);
  const lo = Math.min(...ys);
  const span = Math.max(...ys) - lo;
  return ys.map((y) => BARS[span === 0 ? 0 : Math.min(BARS.length - 1, Math.floor(((y - lo) / span) * BARS.length))]).join('');
}

/** One line per variant and one for the saving: every figure with its unit and kind. */
export function curveLines(c: CellSummary): string[] {
  const lines: string[] = [];
  for (const v of curveVariants(c)) {
    lines.push(`${v.variant}: ${curveHeadline(v.curve)} (hardware ns)`);
    if (v.curve.model === 'segmented') lines.push(`${v.variant}: ${curveSentence(v.curve)}`);
  }
  if (c.pairedSaving) {
    lines.push(`saving per regime: ${pairedSavingText(c.pairedSaving)} — ${c.pairedSaving.reason}`);
    for (const n of c.pairedSaving.notes) lines.push(`saving: ${n}`);
  }
  return lines;
}

export const PROFILE_HEADER = ['depth', 'direct median [95 % CI]', 'indirect median [95 % CI]'];

/** The per-depth profile of both variants, a row per depth (a dash where a variant lacks the depth). */
export function profileRows(c: CellSummary): string[][] {
  const vs = curveVariants(c);
  const depths = [...new Set(vs.flatMap((v) => v.curve.profile.map((p) => p.depth)))].sort((a, b) => a - b);
  const at = (v: VariantSummary | null, d: number) => {
    const p = v?.curve?.profile.find((q) => q.depth === d);
    return p ? `${p.estimate.toFixed(1)} [${p.ci[0].toFixed(1)}, ${p.ci[1].toFixed(1)}] ns` : '—';
  };
  return depths.map((d) => [String(d), at(c.direct, d), at(c.indirect, d)]);
}
