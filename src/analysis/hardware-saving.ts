// The per-regime saving of a hardware cell, from the cell's raw samples and its variants' curves: kept
// out of analyse-cell.ts so the comparison's withholding logic there stays one small block.
import type { CellResult, FigureKind } from '../results/cell-result.js';
import { withoutContaminated } from '../results/contamination.js';
import { samplesByDepth } from './analyse-variant.js';
import { pairedSaving } from './paired-saving.js';
import type { PairedSaving, VariantSummary } from './summary-schema.js';

/** Null unless the cell is hardware-timed and both variants have a curve. */
export function hardwareSaving(
  c: CellResult,
  kind: FigureKind,
  direct: VariantSummary | null,
  indirect: VariantSummary | null,
): PairedSaving | null {
  if (kind !== 'hardware-ns' || !direct?.curve || !indirect?.curve) return null;
  const d = c.variants.find((v) => v.variant === 'direct');
  const i = c.variants.find((v) => v.variant === 'indirect');
  if (!d || !i) return null;
  // The same samples the curves were fitted on: a switched-out call left in would also unpair its depth.
  const clean = (v: typeof d) => samplesByDepth(withoutContaminated(v), kind).byDepth;
  return pairedSaving(clean(d), clean(i), direct.curve, indirect.curve);
}
