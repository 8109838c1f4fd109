// Distinct exit codes so a CI job can tell what went wrong without parsing output.
import type { Outcome } from '../engine/outcome.js';
import { forUser } from './invocation.js';
export const EXIT = {
  ok: 0,
  /** A slope rose past the gate compared with the baseline. */
  regression: 1,
  /** One or more cells did not produce a result (boot failed, panic, timeout, agent error). */
  cellFailures: 2,
  /** The baseline's figures cannot be compared with these (another accelerator, CPU model or figure kind). */
  notComparable: 3,
  /** Bad input: malformed matrix, unknown kernel id, bad flag. (64 = EX_USAGE in sysexits.h) */
  badInput: 64,
  /** Infrastructure unavailable: a tool, a server, a VM that could not start at all. (69 = EX_UNAVAILABLE) */
  unavailable: 69,
  /** Interrupted by the user (128 + SIGINT). */
  interrupted: 130,
} as const;

/**
 * The exit code of a command-line parse error (unknown option, missing required option or argument, invalid
 * choice, extra argument), per command. 64 (EX_USAGE) everywhere, except `check`: under `git bisect run` any
 * code 1..127 other than 125 marks the commit bad, so a typo would name a "first bad" commit without measuring
 * anything; 128 makes git bisect abort instead (the same code check uses for every problem that is not the kernel's).
 */
const PARSE_ERROR_EXIT: Readonly<Record<string, number>> = { check: 128 };

export function parseErrorExit(command: string): number {
  return PARSE_ERROR_EXIT[command] ?? EXIT.badInput;
}

const CODE_OF: Record<Outcome['kind'], number> = {
  ok: EXIT.ok,
  regression: EXIT.regression,
  'cell-failures': EXIT.cellFailures,
  'not-comparable': EXIT.notComparable,
  'bad-input': EXIT.badInput,
  unavailable: EXIT.unavailable,
  interrupted: EXIT.interrupted,
};

/** The one mapping from what happened to how the process exits; every command goes through it. */
export function exitCodeOf(o: Outcome): number {
  return CODE_OF[o.kind];
}

/** Say on stderr what the outcome needs the user to know, and return its exit code. */
export function finishWith(o: Outcome, stderr: { write(s: string): unknown } = process.stderr): number {
  // Hints ("run `tailmatrix lock`") in the command the user has (`npx tailmatrix lock` for a project install).
  if (o.kind === 'bad-input' || o.kind === 'unavailable') for (const m of o.messages) stderr.write(`error: ${forUser(m)}\n`);
  else if (o.kind === 'interrupted') stderr.write(`interrupted: ${forUser(o.message)}\n`);
  return exitCodeOf(o);
}
