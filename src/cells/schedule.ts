// In which order, and how many at once, a run's cells go. A running-kernel cell times the host itself:
// a VM beside it (or a second native cell) would steal its cores and inflate its nanoseconds. So VM
// cells run first, as many at once as the machine allows, and native cells after every VM has ended,
// one at a time. Pure, so the rule is unit-tested.
import { isRunningKernel, type Cell } from './plan.js';

interface Phase<C> {
  /** `vm`: booted in QEMU; `native`: measured on the host (src/vm/native.ts). */
  kind: 'vm' | 'native';
  cells: C[];
  /** Cells of this phase at once. */
  concurrency: number;
}

/** The phases in order, empty ones left out; `parallel` is the VM concurrency (src/cells/parallelism.ts). */
export function scheduleCells<C extends Pick<Cell, 'kernel'>>(cells: readonly C[], parallel: number): Phase<C>[] {
  const vm = cells.filter((c) => !isRunningKernel(c.kernel));
  const native = cells.filter((c) => isRunningKernel(c.kernel));
  const phases: Phase<C>[] = [
    { kind: 'vm', cells: vm, concurrency: Math.max(1, parallel) },
    { kind: 'native', cells: native, concurrency: 1 },
  ];
  return phases.filter((p) => p.cells.length > 0);
}
