// Expand a matrix into cells: one (kernel × boot configuration × benchmark) each, independent of the others.
// The running kernel is the exception: the host booted once, so its only boot configuration is the
// command line it booted with (one `host` boot per benchmark), never the matrix's.
import { readFileSync } from 'node:fs';
import type { Benchmark, Boot, Kernel, Matrix } from '../matrix/schema.js';
import { err, ok, type Result } from '../util/result.js';

export interface Cell {
  id: string;
  kernel: Kernel;
  boot: Boot;
  benchmark: Benchmark;
  /** Which of runner.replicates boots of this kernel × boot × benchmark (0-based). */
  replicate: number;
}

interface CellFilter {
  kernels?: readonly string[];
  boots?: readonly string[];
  benches?: readonly string[];
}

/** The boot configuration of every running-kernel cell. */
const HOST_BOOT_NAME = 'host';

/** A kernel measured on the host itself (src/vm/native.ts) rather than booted in a VM. */
export const isRunningKernel = (k: Kernel): boolean => k.source.type === 'running';

/** The host's boot, with the command line it really booted with (what its cells ran under). */
export function hostBoot(cmdline: string = readHostCmdline()): Boot {
  return { name: HOST_BOOT_NAME, cmdline };
}

function readHostCmdline(): string {
  try {
    return readFileSync('/proc/cmdline', 'utf8').trim();
  } catch {
    return ''; // not Linux: the native backend skips the cell and says why
  }
}

/**
 * Stable, file-name-safe, readable: the same cell has the same id in every run and on every machine.
 * With runner.replicates > 1 each replicate is its own cell, `…__r<replicate>`; with one, the id is
 * the plain one every run before replicates had.
 */
export function cellId(kernel: string, boot: string, bench: string, replicate?: { index: number; of: number }): string {
  const base = `${kernel}__${boot}__${bench}`;
  return replicate && replicate.of > 1 ? `${base}__r${replicate.index}` : base;
}

function unknown(kind: string, asked: readonly string[] | undefined, known: readonly string[]): string[] {
  return (asked ?? [])
    .filter((a) => !known.includes(a))
    .map((a) => `--${kind} ${a}: no such ${kind} in the matrix (known: ${known.join(', ')})`);
}

/** `host`: the host's boot, for the running kernel (default: read from /proc/cmdline when needed). */
export function planCells(m: Matrix, filter: CellFilter = {}, host?: () => Boot): Result<Cell[], string[]> {
  const hasRunning = m.kernels.some(isRunningKernel);
  const errors = [
    ...unknown(
      'kernel',
      filter.kernels,
      m.kernels.map((k) => k.id),
    ),
    ...unknown('boot', filter.boots, [...m.boots.map((b) => b.name), ...(hasRunning ? [HOST_BOOT_NAME] : [])]),
    ...unknown(
      'bench',
      filter.benches,
      m.benchmarks.map((b) => b.name),
    ),
  ];
  if (errors.length > 0) return err(errors);
  const pick = <T>(items: readonly T[], name: (t: T) => string, wanted?: readonly string[]) =>
    wanted && wanted.length > 0 ? items.filter((i) => wanted.includes(name(i))) : [...items];
  const cells: Cell[] = [];
  let hostBoots: Boot[] | undefined;
  const bootsOf = (k: Kernel): Boot[] => {
    if (!isRunningKernel(k)) return m.boots;
    hostBoots ??= [(host ?? hostBoot)()];
    return hostBoots;
  };
  const of = m.runner.replicates;
  // Replicates outermost: every cell's first boot, then every cell's second, … so a drift over the run
  // spreads over all cells alike instead of lining up with one cell's replicates.
  for (let index = 0; index < of; index++)
    for (const kernel of pick(m.kernels, (k) => k.id, filter.kernels))
      for (const boot of pick(bootsOf(kernel), (b) => b.name, filter.boots))
        for (const benchmark of pick(m.benchmarks, (b) => b.name, filter.benches))
          cells.push({ id: cellId(kernel.id, boot.name, benchmark.name, { index, of }), kernel, boot, benchmark, replicate: index });
  return ok(cells);
}

/** The `strategy.matrix` a GitHub Actions job takes: one job per cell, merged later by `tailmatrix report`. */
export function githubMatrix(cells: readonly Cell[]): { include: { cell: string; kernel: string; boot: string; bench: string }[] } {
  return {
    include: cells.map((c) => ({ cell: c.id, kernel: c.kernel.id, boot: c.boot.name, bench: c.benchmark.name })),
  };
}
