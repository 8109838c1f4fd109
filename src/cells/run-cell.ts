// Run one cell: scratch dir, backend, result document on disk. Never throws for an expected failure.
import { rm } from 'node:fs/promises';
import type { CellResult } from '../results/cell-result.js';
import { writeAgentStream, writeCell } from '../results/store.js';
import type { CellRunSpec, VmBackend } from '../vm/types.js';
import { makeWorkDir } from '../util/work-dir.js';
import { assembleCellResult } from './assemble.js';
import type { CellRunEvent } from './events.js';
import { concurrencyTracker, type ConcurrencyTracker } from './concurrency.js';

interface RunCellInput {
  runId: string;
  runDir: string;
  backend: VmBackend;
  spec: Omit<CellRunSpec, 'workDir'>;
  signal: AbortSignal;
  emit: (e: CellRunEvent) => void;
  /**
   * The run's one tracker, shared by all its cells (src/cells/concurrency.ts). Without it the cell is taken
   * to be the only one running (a caller that runs cells one after another: bisect).
   */
  concurrency?: ConcurrencyTracker;
  now?: () => Date;
}

/** The finished cell, or undefined when Ctrl-C cut it short (nothing is written: --resume reruns it). */
export async function runCell(i: RunCellInput): Promise<CellResult | undefined> {
  const now = i.now ?? (() => new Date());
  const { cellId } = i.spec;
  const workDir = await makeWorkDir(cellId);
  i.emit({ type: 'cell-start', cellId });
  const startedAt = now();
  try {
    const spec: CellRunSpec = { ...i.spec, workDir };
    const running = (i.concurrency ?? concurrencyTracker()).enter();
    let concurrentCells: number;
    let outcome: Awaited<ReturnType<VmBackend['runCell']>>;
    try {
      outcome = await i.backend.runCell(spec, {
        signal: i.signal,
        emit: (event) => i.emit({ type: 'cell', cellId, event }),
      });
    } finally {
      concurrentCells = running.leave();
    }
    if (i.signal.aborted) {
      i.emit({ type: 'cell-interrupted', cellId });
      return undefined;
    }
    const result = await assembleCellResult({
      runId: i.runId,
      spec,
      backend: i.backend.name,
      outcome,
      concurrentCells,
      startedAt,
      finishedAt: now(),
    });
    if (outcome.agent) await writeAgentStream(i.runDir, cellId, outcome.agent.stream);
    const file = await writeCell(i.runDir, result);
    i.emit({ type: 'cell-end', cellId, result, file });
    return result;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
