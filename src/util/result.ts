// Expected failures travel as values; exceptions are kept for bugs.
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Bad input from the user (matrix, flags, files): the CLI prints it and exits with EXIT.badInput. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'UserError';
  }
}
