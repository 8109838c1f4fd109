// The engine's typed events, in the order a run emits them. Progress displays, logs and tests consume
// them; nothing in the engine depends on who listens.
import type { FetchEvent } from '../kernels/fetch-events.js';
import type { CellRunEvent } from '../run/events.js';
import type { Outcome } from './outcome.js';

export type RunEvent =
  | { type: 'run-start'; runId: string; runDir: string; todo: string[]; done: string[]; dryRun: boolean }
  | { type: 'fetch'; event: FetchEvent }
  | { type: 'payload'; hash: string; rebuilt?: string }
  /** `timing`: how figures are taken; `emulatedTime`: plain TCG wall-clock figures, relative only. */
  | { type: 'backend'; backend: string; backendReason: string; accel: string; accelReason: string; timing: string; emulatedTime: boolean }
  /** Cells run phase after phase (VM cells, then running-kernel cells), each phase `concurrency` at once. */
  | { type: 'cells-start'; phases: { kind: 'vm' | 'native'; concurrency: number; cells: string[] }[] }
  | CellRunEvent
  /** A cell whose kernel could not be fetched: not run, reported as not run. */
  | { type: 'cell-not-run'; cellId: string; reason: string }
  /** --dry-run: the exact commands a cell would run. */
  | { type: 'cell-described'; cellId: string; lines: string[] }
  | { type: 'reports'; files: string[] }
  /** A step that stops the run (payload, backend, reports) failed; the outcome says how it exits. */
  | { type: 'step-failed'; step: 'payload' | 'backend' | 'reports'; message: string }
  | { type: 'run-end'; outcome: Outcome; finished: number };

export type { FetchEvent };
export type Emit<E> = (e: E) => void;
