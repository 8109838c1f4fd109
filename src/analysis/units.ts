// What a figure is and how every format names it. A cell's figure kind (src/results/cell-result.ts)
// fixes its unit; nothing ever puts two kinds on one axis, in one table column or in one comparison.
import { figureKind as figureKindEnum, type FigureKind, type Sample } from '../results/cell-result.js';

const FIGURE_KINDS: readonly FigureKind[] = figureKindEnum.options;

export type FigureUnit = 'instructions' | 'ns';

export function unitOf(kind: FigureKind): FigureUnit {
  return kind === 'instructions' ? 'instructions' : 'ns';
}

/** The unit with the kind where the bare unit would pass an emulated figure for a hardware one. */
export function unitLabel(kind: FigureKind): string {
  return kind === 'emulated-ns' ? 'ns (emulated)' : unitOf(kind);
}

/** Short unit after a number ("11.00 instr"), per call ("instr/call") and in words. */
export const UNIT_TEXT: Record<FigureUnit, { short: string; perCall: string; words: string }> = {
  instructions: { short: 'instr', perCall: 'instr/call', words: 'instructions per tail call' },
  ns: { short: 'ns', perCall: 'ns/call', words: 'ns per tail call' },
};

export const EMULATED_NOTE = 'emulated: relative only, not hardware timing';

export const INSTRUCTIONS_NOTE =
  "exact instruction counts (QEMU -icount): they show the jump's instructions, not the speculation cost of a retpoline, which emulation does not model";

/** What a reader must know about each kind, in one line. */
export const KIND_NOTE: Record<FigureKind, string> = {
  'hardware-ns': 'hardware timing',
  'emulated-ns': EMULATED_NOTE,
  instructions: INSTRUCTIONS_NOTE,
};

/** A heading for the figures of one kind. */
export const KIND_TITLE: Record<FigureKind, string> = {
  'hardware-ns': 'Hardware timing: ns per tail call',
  instructions: 'Exact instruction counts (TCG with -icount): instructions per tail call',
  'emulated-ns': 'Plain TCG: emulated ns per tail call (relative only)',
};

/** The figure a sample carries for its cell's kind; undefined when an instruction cell lacks it. */
export function sampleFigure(s: Sample, kind: FigureKind): number | undefined {
  return kind === 'instructions' ? s.instructions : s.durationNs;
}

/** What carries a figure kind: a summary cell (older ones only say `emulated`), a retpoline price. */
type Kinded = { figureKind?: FigureKind; emulated?: boolean };

/** A summary cell's kind; summaries written before kinds existed hold timed figures. */
export function summaryKind(c: Kinded): FigureKind {
  return c.figureKind ?? (c.emulated ? 'emulated-ns' : 'hardware-ns');
}

/** Cells (or prices) grouped by figure kind, kinds in FIGURE_KINDS order, each in its given order. */
export function byKind<T extends Kinded>(cells: readonly T[]): Map<FigureKind, T[]> {
  const m = new Map<FigureKind, T[]>();
  for (const k of FIGURE_KINDS) {
    const of = cells.filter((c) => summaryKind(c) === k);
    if (of.length > 0) m.set(k, of);
  }
  return m;
}
