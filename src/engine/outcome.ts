// What a command came to, as a value. The engine (src/engine/) returns one; the CLI turns it into an exit code
// in one place (src/cli/exit-codes.ts), so the same failure exits alike whichever command met it.
import type { KernelFailure } from '../kernels/index.js';

export type Outcome =
  | { kind: 'ok' }
  /** A figure rose past the gate compared with the baseline: a finding, it beats failed cells. */
  | { kind: 'regression'; regressions: number }
  /** Cells ran but did not produce a result (boot failed, panic, timeout, agent error). */
  | { kind: 'cell-failures'; cells: string[] }
  /** The baseline was measured on another accelerator, CPU model or figure kind: no verdict, never a pass. */
  | { kind: 'not-comparable'; pairs: string[] }
  /** The user's input is at fault (matrix, lockfile, flags, a missing file). */
  | { kind: 'bad-input'; messages: string[] }
  /** The machine or the network is: a tool, a server, a VM that could not start at all. */
  | { kind: 'unavailable'; messages: string[] }
  /** Ctrl-C or SIGTERM: what finished is kept. */
  | { kind: 'interrupted'; message: string };

export const OK: Outcome = { kind: 'ok' };

/**
 * Kernel failures of one fetch: bad input when any of them is, because the user must fix the matrix
 * before a retry could help; infrastructure otherwise.
 */
export function fromKernelFailures(failures: readonly KernelFailure[]): Outcome {
  const messages = failures.map((f) => f.message);
  return failures.some((f) => f.badInput) ? { kind: 'bad-input', messages } : { kind: 'unavailable', messages };
}
