// The order people wrote their matrix in (kernels oldest first, the default boot before its
// variations) is the order they expect to read the report in. run.json records the matrix; cells
// from runs without one, or names no matrix lists, sort after, by name.
import type { LoadedRun } from '../results/load.js';

export interface MatrixOrder {
  kernels: string[];
  boots: string[];
  benchmarks: string[];
}

export function matrixOrder(runs: readonly LoadedRun[]): MatrixOrder {
  const order: MatrixOrder = { kernels: [], boots: [], benchmarks: [] };
  const add = (into: string[], more: string[]) => {
    for (const m of more) if (!into.includes(m)) into.push(m);
  };
  for (const { meta } of runs) {
    add(
      order.kernels,
      meta.matrix.kernels.map((k) => k.id),
    );
    add(
      order.boots,
      meta.matrix.boots.map((b) => b.name),
    );
    add(
      order.benchmarks,
      meta.matrix.benchmarks.map((b) => b.name),
    );
  }
  return order;
}

/** Compare two names by their place in `list`; unlisted names after listed ones, in natural order. */
export function byListThenName(list: readonly string[], a: string, b: string): number {
  const ia = list.indexOf(a);
  const ib = list.indexOf(b);
  if (ia !== ib) return (ia === -1 ? Number.MAX_SAFE_INTEGER : ia) - (ib === -1 ? Number.MAX_SAFE_INTEGER : ib);
  return a.localeCompare(b, undefined, { numeric: true });
}
