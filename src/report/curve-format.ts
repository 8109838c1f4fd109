// The hardware cost curve in words and small tables, shared by the Markdown, HTML and JUnit writers: the
// per-depth profile, the knee with its uncertainty, each regime's cost, the step, the saving per regime,
// and the plain sentence when one line does not describe the data. Hardware-ns cells only: test-run cells
// and each traffic method of a traffic cell.
import { curveHeadline, curveSentence, pairedSavingText } from '../analysis/curve-text.js';
import type { CellSummary, HardwareCurve, PairedSaving } from '../analysis/summary-schema.js';
import { summaryKind } from '../analysis/units.js';
import type { TrafficMethod } from '../matrix/schema.js';

/** One curve of a report: a test-run cell's two variants, or one traffic method's of a traffic cell. */
interface CurveBlock {
  cell: CellSummary;
  /** The traffic method ("bpf-stats", "kprobe"); null for test-run. */
  method: TrafficMethod | null;
  variants: { variant: 'direct' | 'indirect'; curve: HardwareCurve }[];
  saving: PairedSaving | null;
}

const withCurve = <V extends { variant: 'direct' | 'indirect'; curve?: HardwareCurve | null | undefined }>(
  vs: readonly (V | null | undefined)[],
) => vs.flatMap((v) => (v?.curve ? [{ variant: v.variant, curve: v.curve }] : []));

/** A finished hardware cell's curves: one block for test-run, one per traffic method. */
function curveBlocks(c: CellSummary): CurveBlock[] {
  if (c.status !== 'ok' || summaryKind(c) !== 'hardware-ns') return [];
  const blocks: CurveBlock[] = [];
  const own = withCurve([c.direct, c.indirect]);
  if (own.length > 0) blocks.push({ cell: c, method: null, variants: own, saving: c.pairedSaving ?? null });
  for (const m of c.traffic?.methods ?? []) {
    const vs = withCurve(m.variants);
    if (vs.length > 0) blocks.push({ cell: c, method: m.method, variants: vs, saving: m.regimeSaving ?? null });
  }
  return blocks;
}

/** Every curve block of these cells, in cell order. */
export const curveBlocksOf = (cells: readonly CellSummary[]): CurveBlock[] => cells.flatMap(curveBlocks);

/** What a profile point is: a median of samples (test-run) or a window's mean per packet (traffic). */
export const estimateWord = (b: CurveBlock): string => (b.method === null ? 'median' : 'mean per packet');

const BARS = '▁▂▃▄▅▆▇█';

/** The profile as one line of block characters, lowest to highest estimate over the variant's depths. */
export function sparkline(curve: HardwareCurve): string {
  const ys = curve.profile.map((p) => p.estimate);
  const lo = Math.min(...ys);
  const span = Math.max(...ys) - lo;
  return ys.map((y) => BARS[span === 0 ? 0 : Math.min(BARS.length - 1, Math.floor(((y - lo) / span) * BARS.length))]).join('');
}

/** One line per variant and one for the saving: every figure with its unit and kind. */
export function curveLines(b: CurveBlock): string[] {
  const lines: string[] = [];
  for (const v of b.variants) {
    lines.push(`${v.variant}: ${curveHeadline(v.curve)} (hardware ns)`);
    if (v.curve.model === 'segmented') lines.push(`${v.variant}: ${curveSentence(v.curve)}`);
  }
  if (b.saving) {
    lines.push(`saving per regime: ${pairedSavingText(b.saving)} — ${b.saving.reason}`);
    for (const n of b.saving.notes) lines.push(`saving: ${n}`);
  }
  return lines;
}

/** JUnit: every block's lines, a traffic method's prefixed with its name. */
export const cellCurveLines = (c: CellSummary): string[] =>
  curveBlocks(c).flatMap((b) => curveLines(b).map((l) => (b.method === null ? l : `${b.method}, ${l}`)));

export const profileHeader = (b: CurveBlock): string[] => [
  'depth',
  `direct ${estimateWord(b)}${b.method === null ? ' [95 % CI]' : ''}`,
  `indirect ${estimateWord(b)}${b.method === null ? ' [95 % CI]' : ''}`,
];

/** The per-depth profile of both variants, a row per depth (a dash where a variant lacks the depth). */
export function profileRows(b: CurveBlock): string[][] {
  const depths = [...new Set(b.variants.flatMap((v) => v.curve.profile.map((p) => p.depth)))].sort((x, y) => x - y);
  const at = (name: 'direct' | 'indirect', d: number) => {
    const p = b.variants.find((v) => v.variant === name)?.curve.profile.find((q) => q.depth === d);
    if (!p) return '—';
    return p.ci === null ? `${p.estimate.toFixed(1)} ns` : `${p.estimate.toFixed(1)} [${p.ci[0].toFixed(1)}, ${p.ci[1].toFixed(1)}] ns`;
  };
  return depths.map((d) => [String(d), at('direct', d), at('indirect', d)]);
}
