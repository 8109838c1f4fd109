// The engine's typed events. The progress display and the logs only consume these.
import type { CellResult } from '../results/cell-result.js';
import type { CellEvent } from '../vm/types.js';

export type RunEvent =
  | { type: 'cell-start'; cellId: string }
  | { type: 'cell'; cellId: string; event: CellEvent }
  | { type: 'cell-end'; cellId: string; result: CellResult; file: string }
  | { type: 'cell-interrupted'; cellId: string };
