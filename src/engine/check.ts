// `check` as a library function: one kernel, one cell, one verdict as a `git bisect run` exit code. The
// matrix is the user's or the built-in default (src/bisect/default-matrix.ts); the measurement and the
// decision live in src/bisect/check.ts.
import { loadCheckMatrix, type CheckMatrix } from '../bisect/default-matrix.js';
import { runCheck, type CheckOptions, type CheckOutcome } from '../bisect/check.js';
import type { Matrix } from '../matrix/schema.js';
import { err, type Result } from '../util/result.js';

export type { CheckOutcome };

export interface CheckInput extends Omit<CheckOptions, 'matrix' | 'matrixFile' | 'builtInMatrix'> {
  /** --matrix; absent: ./matrix.json, else the built-in default. */
  matrixFile?: string;
  /** The command's overrides of the matrix's runner (accelerator, timing …). */
  adjustMatrix?: (m: Matrix) => Matrix;
  /** Told which matrix is used, before anything is measured (the CLI says so when it is the built-in one). */
  onMatrix?: (m: CheckMatrix) => void;
}

/** The verdict, 'interrupted', or why there is none (every reason of an invalid matrix, one per line). */
export async function checkKernel(input: CheckInput): Promise<Result<CheckOutcome | 'interrupted', string>> {
  const { matrixFile, adjustMatrix, onMatrix, ...opts } = input;
  const found = await loadCheckMatrix(matrixFile);
  if (!found.ok) return err(found.error.join('\n  '));
  onMatrix?.(found.value);
  const matrix = adjustMatrix ? adjustMatrix(found.value.matrix) : found.value.matrix;
  return runCheck({ ...opts, matrix, matrixFile: found.value.file, builtInMatrix: found.value.builtIn });
}
