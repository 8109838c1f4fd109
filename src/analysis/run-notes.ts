// What run.json says about a run that the reader must know: that it was interrupted, so cells may be
// missing. Only 'interrupted' counts: `run` writes its reports while run.json still says 'running',
// and 'failed' also covers runs whose every cell is present, so neither says anything about the
// cells (and noting them would make `tailmatrix report` disagree with the report `run` wrote).
import type { LoadedRun } from '../results/load.js';

export function runNotes(runs: readonly LoadedRun[]): string[] {
  return runs.flatMap(({ meta }) =>
    meta.status === 'interrupted' ? [`run ${meta.runId} was interrupted: some cells may be missing`] : [],
  );
}
