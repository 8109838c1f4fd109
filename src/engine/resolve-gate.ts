// Which gate thresholds apply: given explicitly, else the ones the first run recorded from its
// matrix.json (run.json holds the matrix with its defaults filled in), else the schema's defaults.
import { gate as gateSchema, type Gate } from '../matrix/schema.js';
import type { LoadedRun } from '../results/load.js';

export function resolveGate(explicit: Gate | undefined, runs: readonly LoadedRun[]): Gate {
  return explicit ?? runs[0]?.meta.matrix.gate ?? gateSchema.parse({});
}
