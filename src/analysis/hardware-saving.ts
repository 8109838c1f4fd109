// The per-regime saving of a hardware cell, from the cell's raw samples and its variants' curves: kept
// out of analyse-cell.ts so the comparison's withholding logic there stays one small block.
import type { CellResult, FigureKind } from '../results/cell-result.js';
import { withoutContaminated } from '../results/contamination.js';
import { samplesByDepth } from './analyse-variant.js';
import { loadFits } from './load-regimes.js';
import { loadsPairedSaving, pairedSaving } from './paired-saving.js';
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
  const clean = (v: typeof d) => samplesByDepth(withoutContaminated(v), kind);
  const [ds, is] = [clean(d), clean(i)];
  return (
    loadsPairedSaving(loadFits(ds.byLoad), loadFits(is.byLoad), direct.curve, indirect.curve) ??
    pairedSaving(ds.byDepth, is.byDepth, direct.curve, indirect.curve)
  );
}
