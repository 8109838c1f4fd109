import { readJsonFile } from '../util/json-file.js';
import path from 'node:path';
import { matrix, type Matrix } from './schema.js';
import { checkRules } from './rules.js';
import { err, ok, type Result } from '../util/result.js';
import { formatIssues } from '../util/zod-issues.js';

/** Validate an already-parsed value: schema first, then cross-field rules; every error at once. */
export function parseMatrix(value: unknown): Result<Matrix, string[]> {
  const parsed = matrix.safeParse(value);
  if (!parsed.success) return err(formatIssues(parsed.error.issues));
  const ruleErrors = checkRules(parsed.data);
  return ruleErrors.length > 0 ? err(ruleErrors) : ok(parsed.data);
}

export interface LoadedMatrix {
  matrix: Matrix;
  file: string;
  /** Folder relative paths in the matrix (local kernels, patches) are resolved against. */
  dir: string;
}

export async function loadMatrix(file: string): Promise<Result<LoadedMatrix, string[]>> {
  const json = await readJsonFile(file);
  if (!json.ok) return err([json.error]);
  const result = parseMatrix(json.value);
  if (!result.ok) return err(result.error.map((m) => `${path.basename(file)}: ${m}`));
  return ok({ matrix: result.value, file: path.resolve(file), dir: path.dirname(path.resolve(file)) });
}
