// --baseline accepts a previous summary.json, a results directory (analysed afresh), or a directory
// holding a summary.json (a previous report's output folder).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { matrixOrder } from './matrix-order.js';
import { err, ok, type Result } from '../util/result.js';
import { analyse } from './analyse.js';
import { formatIssues } from '../util/zod-issues.js';
import { readJsonFile } from '../util/json-file.js';
import { isRunDir, loadResultDirs } from '../results/load.js';
import { summary as summarySchema, type Summary } from './summary-schema.js';

export async function loadSummaryFile(file: string): Promise<Result<Summary, string>> {
  const json = await readJsonFile(file);
  if (!json.ok) return err(`cannot read a summary: ${json.error}`);
  const parsed = summarySchema.safeParse(json.value);
  if (!parsed.success) return err(`${file}: not a tailmatrix summary:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  return ok(parsed.data);
}

export async function loadBaseline(source: string): Promise<Result<Summary, string>> {
  const st = await stat(source).catch(() => null);
  if (!st) return err(`${source}: baseline not found`);
  if (st.isFile()) return loadSummaryFile(source);
  const inner = path.join(source, 'summary.json');
  if (!(await isRunDir(source)) && (await stat(inner).catch(() => null))?.isFile()) return loadSummaryFile(inner);
  const analysed = await analyseResultDirs([source]);
  return analysed.ok ? analysed : err(`baseline: ${analysed.error}`);
}

/** Results directories analysed afresh, cells in the matrices' order: what a report over them shows. */
export async function analyseResultDirs(dirs: readonly string[]): Promise<Result<Summary, string>> {
  const loaded = await loadResultDirs(dirs);
  if (!loaded.ok) return loaded;
  return ok(analyse(loaded.value.cells.map((c) => c.cell), matrixOrder(loaded.value.runs)));
}
