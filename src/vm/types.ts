import type { Accelerator, BackendName, CellStatus, FigureKind } from '../results/cell-result.js';
import type { Benchmark, Boot, Runner } from '../matrix/schema.js';
import type { FetchedKernel } from '../kernels/types.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import type { Result } from '../util/result.js';
import type { Timing } from '../measure/timing.js';
import type { GuestPayload } from '../guest/payload.js';

export interface CellRunSpec {
  cellId: string;
  /** Which of runner.replicates boots of its kernel × boot × benchmark this is (0-based; 0 when absent). */
  replicate?: number;
  kernel: FetchedKernel;
  boot: Boot;
  benchmark: Benchmark;
  runner: Runner;
  accel: Accelerator;
  /** Instruction counting or timed (src/measure/timing.ts); the sweep follows it (src/measure/sweep-params.ts). */
  timing: Timing;
  payload: GuestPayload;
  /** Scratch directory for this cell (console log, shared folder); removed by the caller. */
  workDir: string;
}

export type CellEvent =
  | { type: 'phase'; phase: 'prepare' | 'boot' | 'measure' }
  | { type: 'console'; line: string }
  | { type: 'progress'; text: string };

export interface CellRunOutcome {
  status: CellStatus;
  /** One line: why the cell failed (absent when ok). */
  message?: string;
  agent?: AgentOutput;
  /** Last lines of the guest console. */
  consoleTail: string[];
  wallMs: number;
  /** What the figures are, when the backend knows better than the accelerator (native: hardware ns). */
  figureKind?: FigureKind;
}

export interface VmBackend {
  readonly name: BackendName;
  /** Can this backend run here at all? A reason (what to install) when not. */
  check(): Promise<Result<void, string>>;
  /** The exact commands runCell would run, for --dry-run. */
  describe(spec: CellRunSpec): Promise<string[]>;
  /** Boot, measure, bring results back. Expected failures are outcomes, never exceptions. */
  runCell(spec: CellRunSpec, ctx: { signal: AbortSignal; emit: (e: CellEvent) => void }): Promise<CellRunOutcome>;
}
