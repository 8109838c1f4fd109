// All loaded cells → one Summary: each cell analysed by its benchmark type's driver (./registry.ts), then
// gathered, ordered and counted by src/analysis/analyse.ts. Here, above src/analysis/, because the
// drivers import the analyses: the dispatch cannot sit below them without a cycle between the folders.
// So are the two entries that analyse results directories: a report's own and --baseline's.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { summarise } from '../analysis/analyse.js';
import { loadSummaryFile } from '../analysis/load-baseline.js';
import { matrixOrder, type MatrixOrder } from '../analysis/matrix-order.js';
import type { Summary } from '../analysis/summary-schema.js';
import type { CellResult } from '../results/cell-result.js';
import { isRunDir, loadResultDirs } from '../results/load.js';
import { err, ok, type Result } from '../util/result.js';
import { analyseResult } from './registry.js';

/** `order`: the matrix order from run.json (see src/analysis/matrix-order.ts); without it, natural name order. */
export function analyse(cells: readonly CellResult[], order?: MatrixOrder): Summary {
  const summaries = cells.map((c) => {
    const s = analyseResult(c);
    return c.replicate === undefined ? s : { ...s, replicate: c.replicate };
  });
  return summarise(summaries, order);
}

/** Results directories analysed afresh, cells in the matrices' order: what a report over them shows. */
export async function analyseResultDirs(dirs: readonly string[]): Promise<Result<Summary, string>> {
  const loaded = await loadResultDirs(dirs);
  if (!loaded.ok) return loaded;
  return ok(
    analyse(
      loaded.value.cells.map((c) => c.cell),
      matrixOrder(loaded.value.runs),
    ),
  );
}

/**
 * --baseline accepts a previous summary.json, a results directory (analysed afresh), or a directory
 * holding a summary.json (a previous report's output folder).
 */
export async function loadBaseline(source: string): Promise<Result<Summary, string>> {
  const st = await stat(source).catch(() => null);
  if (!st) return err(`${source}: baseline not found`);
  if (st.isFile()) return loadSummaryFile(source);
  const inner = path.join(source, 'summary.json');
  if (!(await isRunDir(source)) && (await stat(inner).catch(() => null))?.isFile()) return loadSummaryFile(inner);
  const analysed = await analyseResultDirs([source]);
  return analysed.ok ? analysed : err(`baseline: ${analysed.error}`);
}
