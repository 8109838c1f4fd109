// The one reader of results folders. A directory given to it is a run (`<dir>/cells/*.json`,
// `<dir>/run.json`) or a folder of runs (`<dir>/<run-id>/cells/*.json`), as merged CI artifacts
// arrive. Every cell file and run.json is validated against its schema; a file that fails is a
// problem value naming the file and the field, and the caller decides what it means: bad input for a
// report or a baseline, a cell to run again for --resume.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { z } from 'zod';
import { formatIssues } from '../util/zod-issues.js';
import { readJsonFile } from '../util/json-file.js';
import { err, ok, type Result } from '../util/result.js';
import { cellResult, type CellResult } from './cell-result.js';
import { agentStreamFile, CELLS_DIR, cellsDir, runFile } from './layout.js';
import { runMeta, type RunMeta } from './run-meta.js';

export interface LoadedCell {
  file: string;
  cell: CellResult;
}

export interface LoadedRun {
  file: string;
  meta: RunMeta;
}

/** A file that cannot be read or fails its schema; `message` starts with the file and names each field. */
interface FileProblem {
  file: string;
  message: string;
}

interface RunDirRead {
  /** run.json, when the folder has one that validates. */
  run?: LoadedRun;
  cells: LoadedCell[];
  problems: FileProblem[];
}

interface LoadedResults {
  cells: LoadedCell[];
  runs: LoadedRun[];
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Whether `dir` is one run's folder (it has cells/), rather than a folder of runs or a report folder. */
export async function isRunDir(dir: string): Promise<boolean> {
  return isDir(cellsDir(dir));
}

async function findRunDirs(dir: string): Promise<Result<string[], string>> {
  if (!(await isDir(dir))) return err(`${dir}: not a directory`);
  if (await isRunDir(dir)) return ok([dir]);
  const entries = await readdir(dir, { withFileTypes: true });
  const runs: string[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (await isRunDir(path.join(dir, e.name))) runs.push(path.join(dir, e.name));
  }
  if (runs.length === 0)
    return err(`${dir}: no ${CELLS_DIR}/ folder in it or in its subfolders (expected results/<run-id>/${CELLS_DIR}/*.json)`);
  return ok(runs);
}

async function readValidated<S extends z.ZodType>(file: string, schema: S, what: string): Promise<Result<z.infer<S>, FileProblem>> {
  const json = await readJsonFile(file);
  if (!json.ok) return err({ file, message: json.error });
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return err({ file, message: `${file}: not ${what}:\n  ${formatIssues(parsed.error.issues).join('\n  ')}` });
  return ok(parsed.data);
}

/** One run folder. Never fails as a whole: what is missing is absent, what is bad is a problem. */
export async function readRunDir(runDir: string): Promise<RunDirRead> {
  const out: RunDirRead = { cells: [], problems: [] };
  const metaFile = runFile(runDir);
  if ((await stat(metaFile).catch(() => null))?.isFile()) {
    const meta = await readValidated(metaFile, runMeta, 'a tailmatrix run.json');
    if (meta.ok) out.run = { file: metaFile, meta: meta.value };
    else out.problems.push(meta.error);
  }
  let names: string[];
  try {
    names = await readdir(cellsDir(runDir));
  } catch (e) {
    // A run stopped before its first cell has no cells/ folder yet.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      out.problems.push({ file: cellsDir(runDir), message: `${cellsDir(runDir)}: cannot list (${String(e)})` });
    }
    return out;
  }
  // Dot files are the atomic writer's temporaries (util/fs.ts), not results.
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const file = path.join(cellsDir(runDir), name);
    const cell = await readValidated(file, cellResult, 'a cell result');
    if (cell.ok) out.cells.push({ file, cell: cell.value });
    else out.problems.push(cell.error);
  }
  return out;
}

/**
 * Every cell and run.json under `dirs`, for reports and the baseline: a bad file is bad input, so the
 * error lists every problem at once. The same cell twice (a folder given twice) is refused.
 */
export async function loadResultDirs(dirs: readonly string[]): Promise<Result<LoadedResults, string>> {
  if (dirs.length === 0) return err('no result directory given');
  const out: LoadedResults = { cells: [], runs: [] };
  const problems: FileProblem[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const runDirs = await findRunDirs(dir);
    if (!runDirs.ok) return runDirs;
    for (const runDir of runDirs.value) {
      const read = await readRunDir(runDir);
      if (read.run) out.runs.push(read.run);
      problems.push(...read.problems);
      for (const c of read.cells) {
        const id = `${c.cell.runId}/${c.cell.cellId}`;
        const prior = seen.get(id);
        if (prior) problems.push({ file: c.file, message: `${c.file}: cell ${id} also in ${prior}; give each result directory once` });
        else {
          seen.set(id, c.file);
          out.cells.push(c);
        }
      }
    }
  }
  if (problems.length > 0) return err(problems.map((p) => p.message).join('\n'));
  if (out.cells.length === 0) return err(`${dirs.join(', ')}: no cell result files (${CELLS_DIR}/*.json)`);
  return ok(out);
}

/**
 * A cell's raw agent stream (src/results/store.ts writeAgentStream). Cells of a run before streams were
 * kept, and cells whose agent never wrote a line, have none: the error says which file is missing.
 */
export async function readAgentStream(runDir: string, cellId: string): Promise<Result<string, string>> {
  const file = agentStreamFile(runDir, cellId);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err(
      code === 'ENOENT'
        ? `${file}: no raw agent stream for cell ${cellId} (runs before it was kept, or the agent wrote nothing)`
        : `${file}: cannot read (${code ?? String(e)})`,
    );
  }
  try {
    return ok((await promisify(gunzip)(bytes)).toString('utf8'));
  } catch (e) {
    return err(`${file}: not a gzip file: ${(e as Error).message}`);
  }
}
