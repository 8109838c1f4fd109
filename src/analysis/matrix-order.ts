// The order people wrote their matrix in (kernels oldest first, the default boot before its
// variations) is the order they expect to read the report in. run.json records the matrix; cells
// from runs without one, or names no matrix lists, sort after, by name.
import type { LoadedResults } from './load-results.js';

export interface MatrixOrder {
  kernels: string[];
  boots: string[];
  benchmarks: string[];
}

function names(list: unknown, field: 'id' | 'name'): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((x) => (typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>)[field] === 'string' ? [(x as Record<string, string>)[field] as string] : []));
}

export function matrixOrder(runs: LoadedResults['runs']): MatrixOrder {
  const order: MatrixOrder = { kernels: [], boots: [], benchmarks: [] };
  const add = (into: string[], more: string[]) => {
    for (const m of more) if (!into.includes(m)) into.push(m);
  };
  for (const r of runs) {
    const m = r.meta.matrix;
    if (typeof m !== 'object' || m === null) continue;
    const matrix = m as Record<string, unknown>;
    add(order.kernels, names(matrix.kernels, 'id'));
    add(order.boots, names(matrix.boots, 'name'));
    add(order.benchmarks, names(matrix.benchmarks, 'name'));
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
