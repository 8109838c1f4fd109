// One cell's events (src/cells/run-cell.ts); the engine (src/engine/events.ts) passes them on unchanged.
import type { CellResult } from '../results/cell-result.js';
import type { CellEvent } from '../vm/types.js';

export type CellRunEvent =
  | { type: 'cell-start'; cellId: string }
  | { type: 'cell'; cellId: string; event: CellEvent }
  | { type: 'cell-end'; cellId: string; result: CellResult; file: string }
  | { type: 'cell-interrupted'; cellId: string };
