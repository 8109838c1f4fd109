import os from 'node:os';
import type { Runner } from '../matrix/schema.js';

/** Memory kept for the host (node, page cache for kernel images) when sizing parallel VMs. */
const HOST_RESERVE_MIB = 2048;
/** QEMU's own overhead beyond guest RAM (TCG translation cache, device models). */
const QEMU_OVERHEAD_MIB = 256;

/** Cells at once: under TCG each vCPU is one busy host thread, so cores bound it; memory bounds it too. */
export function defaultParallelism(
  runner: Pick<Runner, 'cpus' | 'memoryMiB' | 'parallel'>,
  cores = os.availableParallelism(),
  totalMiB = Math.floor(os.totalmem() / 2 ** 20),
): number {
  const byCores = Math.max(1, Math.floor(cores / runner.cpus));
  const byMemory = Math.max(1, Math.floor((totalMiB - HOST_RESERVE_MIB) / (runner.memoryMiB + QEMU_OVERHEAD_MIB)));
  const limit = Math.min(byCores, byMemory);
  return runner.parallel === undefined ? limit : Math.max(1, Math.min(runner.parallel, limit));
}
