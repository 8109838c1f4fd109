// The figure part of a cell's progress line, shared by the benchmark drivers (src/cells/headline.ts adds
// the status, the mode and the wall time around it).
import { segmentedCostText } from '../analysis/curve-text.js';
import type { VariantSummary } from '../analysis/summary-schema.js';

/**
 * "direct 22.0 instr/call [direct-jump]": a variant's slope and the jump the JIT was seen to emit; a hardware
 * chain with a knee gives its regimes ("1.1 → 8.2 ns/call (knee at depth 18)"), never one slope over both.
 */
export function variantPart(
  name: string,
  // A strategy's mechanism is its proof's (a string of transfers), a variant's the classifier's.
  v: (Pick<VariantSummary, 'fit' | 'curve'> & { mechanism: string | null }) | null | undefined,
  perCall: string,
): string {
  const c = v?.curve;
  const cost =
    c?.model === 'segmented' && c.knee ? segmentedCostText(c, 'progress', perCall) : v?.fit ? `${v.fit.slope.toFixed(1)} ${perCall}` : null;
  return cost === null ? `${name} n/a` : `${name} ${cost} [${v?.mechanism ?? 'no JIT evidence'}]`;
}
