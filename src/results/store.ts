// Writing results: one file per finished cell and run.json, each written whole or not at all, so a
// reader (load.ts) never sees half a file even after a crash or Ctrl-C.
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.js';
import type { CellResult } from './cell-result.js';
import { agentStreamFile, cellFile, runFile } from './layout.js';
import type { RunMeta } from './run-meta.js';

/** Sortable by time, unique across machines that start at the same second. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function writeCell(runDir: string, result: CellResult): Promise<string> {
  const file = cellFile(runDir, result.cellId);
  await writeJsonAtomic(file, result);
  return file;
}

/** Written before the cell's own file, so a cell on disk always has its stream beside it. */
export async function writeAgentStream(runDir: string, cellId: string, stream: string): Promise<string> {
  const file = agentStreamFile(runDir, cellId);
  await writeFileAtomic(file, await promisify(gzip)(stream));
  return file;
}

export async function writeRunMeta(runDir: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(runFile(runDir), meta);
}
