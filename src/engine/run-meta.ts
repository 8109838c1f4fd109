// run.json's life: written when the run starts, updated when the backend is chosen, closed at the end.
import type { PreparedRun } from '../run/prepare.js';
import { readLock } from '../matrix/lock.js';
import type { RunMeta } from '../results/run-meta.js';
import { writeRunMeta } from '../results/store.js';
import { hostInfo } from '../util/host.js';
import { TOOL_VERSION } from '../util/version.js';

export async function initialMeta(run: PreparedRun, startedAt: Date): Promise<RunMeta> {
  const lock = await readLock(run.lockFile);
  return {
    version: 1,
    runId: run.runId,
    status: 'running',
    startedAt: startedAt.toISOString(),
    tool: { name: 'tailmatrix', version: TOOL_VERSION },
    host: hostInfo(),
    backend: run.matrix.runner.backend,
    accelerator: run.matrix.runner.accel,
    acceleratorReason: 'not probed yet',
    matrixFile: run.matrixFile,
    matrix: run.matrix,
    lock: lock.ok ? lock.value : undefined,
    cells: run.cells.map((c) => c.id),
    ...(run.userKernels.length > 0 ? { userKernels: run.userKernels } : {}),
  };
}

export async function closeMeta(runDir: string, meta: RunMeta, status: RunMeta['status'], finishedAt: Date): Promise<void> {
  meta.status = status;
  meta.finishedAt = finishedAt.toISOString();
  // The run's outcome does not hang on run.json: a full disk here must not hide the cells already saved.
  await writeRunMeta(runDir, meta).catch(() => undefined);
}

export { writeRunMeta };
