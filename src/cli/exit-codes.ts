// Distinct exit codes so a CI job can tell what went wrong without parsing output.
export const EXIT = {
  ok: 0,
  /** A slope rose past the gate compared with the baseline. */
  regression: 1,
  /** One or more cells did not produce a result (boot failed, panic, timeout, agent error). */
  cellFailures: 2,
  /** Bad input: malformed matrix, unknown kernel id, bad flag. (64 = EX_USAGE in sysexits.h) */
  badInput: 64,
  /** Infrastructure unavailable: a tool, a server, a VM that could not start at all. (69 = EX_UNAVAILABLE) */
  unavailable: 69,
  /** Interrupted by the user (128 + SIGINT). */
  interrupted: 130,
} as const;
