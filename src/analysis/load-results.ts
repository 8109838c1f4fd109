// Read cell result files from one or more result directories. A directory is a run
// (`<dir>/cells/*.json`, `<dir>/run.json`), or a folder of runs (`<dir>/<run-id>/cells/*.json`), as
// merged CI artifacts arrive. Every file is validated against the cell result schema; a bad file is
// bad input, named with its field.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { cellResult, type CellResult } from '../results/cell-result.js';
import { err, ok, type Result } from '../util/result.js';
import { formatIssues } from '../matrix/load.js';
import { readJsonFile } from '../util/json-file.js';

export interface LoadedCell {
  file: string;
  cell: CellResult;
}

export interface LoadedResults {
  cells: LoadedCell[];
  /** Parsed run.json documents (loosely: the runner owns their shape), keyed by file. */
  runs: { file: string; meta: Record<string, unknown> }[];
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

async function runDirsUnder(dir: string): Promise<string[] | null> {
  if (await isDir(path.join(dir, 'cells'))) return [dir];
  const entries = await readdir(dir, { withFileTypes: true });
  const runs: string[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (await isDir(path.join(dir, e.name, 'cells'))) runs.push(path.join(dir, e.name));
  }
  return runs.length > 0 ? runs : null;
}

export async function loadCellFile(file: string): Promise<Result<CellResult, string>> {
  const json = await readJsonFile(file);
  if (!json.ok) return json;
  const parsed = cellResult.safeParse(json.value);
  if (!parsed.success) return err(`${file}: not a cell result:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  return ok(parsed.data);
}

export async function loadResultDirs(dirs: readonly string[]): Promise<Result<LoadedResults, string>> {
  if (dirs.length === 0) return err('no result directory given');
  const out: LoadedResults = { cells: [], runs: [] };
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    if (!(await isDir(dir))) return err(`${dir}: not a directory`);
    const runDirs = await runDirsUnder(dir);
    if (!runDirs) return err(`${dir}: no cells/ folder in it or in its subfolders (expected results/<run-id>/cells/*.json)`);
    for (const runDir of runDirs) {
      const runFile = path.join(runDir, 'run.json');
      if ((await stat(runFile).catch(() => null))?.isFile()) {
        const meta = await readJsonFile(runFile);
        if (!meta.ok) return meta;
        if (typeof meta.value !== 'object' || meta.value === null) return err(`${runFile}: expected a JSON object`);
        out.runs.push({ file: runFile, meta: meta.value as Record<string, unknown> });
      }
      const cellsDir = path.join(runDir, 'cells');
      const names = (await readdir(cellsDir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
      for (const name of names) {
        const file = path.join(cellsDir, name);
        const cell = await loadCellFile(file);
        if (!cell.ok) return cell;
        const id = `${cell.value.runId}/${cell.value.cellId}`;
        const prior = seen.get(id);
        if (prior) return err(`${file}: cell ${id} also in ${prior}; give each result directory once`);
        seen.set(id, file);
        out.cells.push({ file, cell: cell.value });
      }
    }
  }
  if (out.cells.length === 0) return err(`${dirs.join(', ')}: no cell result files (cells/*.json)`);
  return ok(out);
}
