// Samples switched out during their timed window (bpf/PROTOCOL.md, "sample", protocol 3): counted per
// variant and per cell, and left out of every estimate. Older cells carry no flag: nothing is left out.
import type { Contamination, Sample, VariantResult } from './cell-result.js';

/** The counts of one variant's samples; undefined when none was checked (a stream before protocol 3). */
export function countContamination(samples: readonly Sample[]): Contamination | undefined {
  const checked = samples.filter((s) => s.contaminated !== undefined);
  if (checked.length === 0) return undefined;
  const contaminated = checked.filter((s) => s.contaminated);
  const retaken = contaminated.filter((s) => s.retaken).length;
  return { checked: checked.length, contaminated: contaminated.length, retaken, keptContaminated: contaminated.length - retaken };
}

/** Several variants' counts together (a cell's); undefined when none was checked. */
export function sumContamination(counts: readonly (Contamination | undefined)[]): Contamination | undefined {
  const known = counts.filter((c): c is Contamination => c !== undefined);
  if (known.length === 0) return undefined;
  return known.reduce((a, c) => ({
    checked: a.checked + c.checked,
    contaminated: a.contaminated + c.contaminated,
    retaken: a.retaken + c.retaken,
    keptContaminated: a.keptContaminated + c.keptContaminated,
  }));
}

/**
 * The variant with only the samples an estimate may use: a call the thread was switched out of timed
 * whatever ran instead (re-taken or kept, it goes). The one place samples are filtered before analysis.
 */
export function withoutContaminated<T extends Pick<VariantResult, 'samples'>>(v: T): T {
  return v.samples.some((s) => s.contaminated) ? { ...v, samples: v.samples.filter((s) => !s.contaminated) } : v;
}
