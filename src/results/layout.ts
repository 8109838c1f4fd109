// Where things are in a results folder: results/<run-id>/run.json and results/<run-id>/cells/<cell-id>.json.
// The writer (store.ts) and the one reader (load.ts) take every name from here.
import path from 'node:path';

export const CELLS_DIR = 'cells';
export const RUN_FILE = 'run.json';

export function cellsDir(runDir: string): string {
  return path.join(runDir, CELLS_DIR);
}

export function cellFile(runDir: string, cellId: string): string {
  return path.join(cellsDir(runDir), `${cellId}.json`);
}

export function runFile(runDir: string): string {
  return path.join(runDir, RUN_FILE);
}
