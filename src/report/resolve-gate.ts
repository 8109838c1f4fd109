// Which gate thresholds apply: given explicitly, else the ones the run recorded from its matrix.json,
// else the matrix schema's defaults.
import { gate as gateSchema, type Gate } from '../matrix/schema.js';
import type { LoadedResults } from '../analysis/load-results.js';

function gateIn(meta: Record<string, unknown>): Gate | null {
  const matrix = meta.matrix as Record<string, unknown> | undefined;
  const candidate = meta.gate ?? (typeof matrix === 'object' && matrix !== null ? matrix.gate : undefined);
  if (candidate === undefined) return null;
  const parsed = gateSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

export function resolveGate(explicit: Gate | undefined, runs: LoadedResults['runs']): Gate {
  if (explicit) return explicit;
  for (const r of runs) {
    const g = gateIn(r.meta);
    if (g) return g;
  }
  return gateSchema.parse({});
}
