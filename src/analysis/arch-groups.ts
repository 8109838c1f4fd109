// Which architecture a summary cell (or a figure derived from cells) belongs to, and cells grouped by it.
// Figures of two architectures are different machines' instructions or nanoseconds: the report never puts
// them in one comparison, and groups them (amd64 first) wherever a run holds more than one.
import { ARCHES, type Arch } from '../arch/index.js';

/** What carries an architecture: a summary cell, a retpoline price, a patched-vs-reference pair. */
type Arched = { arch?: Arch };

/** Cells and summaries written before the architecture was recorded all ran amd64 guests (or the amd64 host). */
export const archOf = (c: Arched): Arch => c.arch ?? 'amd64';

/** Items grouped by architecture, in ARCHES order (amd64 first), each in its given order. */
export function byArch<T extends Arched>(items: readonly T[]): Map<Arch, T[]> {
  const m = new Map<Arch, T[]>();
  for (const a of ARCHES) {
    const of = items.filter((c) => archOf(c) === a);
    if (of.length > 0) m.set(a, of);
  }
  return m;
}

/** True when `items` hold more than one architecture: then every grouping and sentence names its architecture. */
export const mixedArches = (items: readonly Arched[]): boolean => new Set(items.map(archOf)).size > 1;
