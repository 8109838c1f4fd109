import os from 'node:os';
import type { Runner } from '../matrix/schema.js';
import type { Timing } from '../measure/timing.js';

/** Memory kept for the host (node, page cache for kernel images) when sizing parallel VMs. */
const HOST_RESERVE_MIB = 2048;
/** QEMU's own overhead beyond guest RAM (TCG translation cache, device models). */
const QEMU_OVERHEAD_MIB = 256;

/**
 * Busy host threads of one cell. Under -icount QEMU runs every vCPU in one thread (multi-threaded TCG
 * is off), so a cell needs one core whatever runner.cpus says; otherwise each vCPU is one thread.
 */
export function threadsPerCell(runner: Pick<Runner, 'cpus'>, timing: Timing): number {
  return timing.mode === 'icount' ? 1 : runner.cpus;
}

/**
 * Cells at once. Under -icount a cell's figures are instruction counts, which neighbours cannot perturb,
 * so as many as cores and memory allow. A timed cell (KVM, plain TCG) shares caches, memory bandwidth
 * and the host's scheduler with every guest beside it: by default one at a time, so no neighbour lands
 * in its nanoseconds (docs/measurement.md, "Cells timed at once"). An explicit runner.parallel wins,
 * within what cores and memory allow, and each cell records how many ran beside it (concurrentCells).
 */
export function defaultParallelism(
  runner: Pick<Runner, 'cpus' | 'memoryMiB' | 'parallel'>,
  timing: Timing,
  cores = os.availableParallelism(),
  totalMiB = Math.floor(os.totalmem() / 2 ** 20),
): number {
  const byCores = Math.max(1, Math.floor(cores / threadsPerCell(runner, timing)));
  const byMemory = Math.max(1, Math.floor((totalMiB - HOST_RESERVE_MIB) / (runner.memoryMiB + QEMU_OVERHEAD_MIB)));
  const limit = Math.min(byCores, byMemory);
  if (runner.parallel !== undefined) return Math.max(1, Math.min(runner.parallel, limit));
  return timing.mode === 'icount' ? limit : 1;
}
