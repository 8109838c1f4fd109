// Where things are in a results folder: results/<run-id>/run.json, results/<run-id>/cells/<cell-id>.json,
// the agent's raw stream of each cell in results/<run-id>/raw/<cell-id>.agent.jsonl.gz and, for a run of
// the user's own kernel, results/<run-id>/matrix.lock.json. The writer (store.ts),
// the one reader (load.ts) and the run's preparation take every name from here.
import path from 'node:path';
import { LOCK_FILE_NAME } from '../matrix/lock.js';

export const CELLS_DIR = 'cells';
const RUN_FILE = 'run.json';
/** Apart from cells/: readers of cells/*.json never meet them. */
const RAW_DIR = 'raw';

export function cellsDir(runDir: string): string {
  return path.join(runDir, CELLS_DIR);
}

export function cellFile(runDir: string, cellId: string): string {
  return path.join(cellsDir(runDir), `${cellId}.json`);
}

/** The agent's JSON Lines exactly as the host received them, gzipped, so the cell can be re-derived. */
export function agentStreamFile(runDir: string, cellId: string): string {
  return path.join(runDir, RAW_DIR, `${cellId}.agent.jsonl.gz`);
}

export function runFile(runDir: string): string {
  return path.join(runDir, RUN_FILE);
}

/** The run's own lockfile: the project's lock plus the user's kernel, which the project's matrix lacks. */
export function runLockFile(runDir: string): string {
  return path.join(runDir, LOCK_FILE_NAME);
}
