// Results are files: results/<run-id>/run.json and results/<run-id>/cells/<cell-id>.json.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../util/fs.js';
import { readJsonFile } from '../util/json-file.js';
import { cellResult, type CellResult } from './cell-result.js';
import type { RunMeta } from './run-meta.js';

export const CELLS_DIR = 'cells';
export const RUN_FILE = 'run.json';

/** Sortable by time, unique across machines that start at the same second. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function cellFile(runDir: string, cellId: string): string {
  return path.join(runDir, CELLS_DIR, `${cellId}.json`);
}

export async function writeCell(runDir: string, result: CellResult): Promise<string> {
  const file = cellFile(runDir, result.cellId);
  await writeJsonAtomic(file, result);
  return file;
}

export async function writeRunMeta(runDir: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(path.join(runDir, RUN_FILE), meta);
}

export async function readRunMeta(runDir: string): Promise<RunMeta | undefined> {
  const json = await readJsonFile(path.join(runDir, RUN_FILE));
  return json.ok ? (json.value as RunMeta) : undefined;
}

/** Cells already on disk and valid (what --resume keeps). Files that do not validate are ignored, so they rerun. */
export async function readCells(runDir: string): Promise<CellResult[]> {
  let names: string[];
  try {
    names = await readdir(path.join(runDir, CELLS_DIR));
  } catch {
    return [];
  }
  const out: CellResult[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    // Unreadable or invalid: treated as missing.
    const json = await readJsonFile(path.join(runDir, CELLS_DIR, name));
    const parsed = json.ok ? cellResult.safeParse(json.value) : undefined;
    if (parsed?.success) out.push(parsed.data);
  }
  return out;
}
