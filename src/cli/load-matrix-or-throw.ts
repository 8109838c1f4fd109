import { loadMatrix, type LoadedMatrix } from '../matrix/load.js';
import { UserError } from '../util/result.js';

/** Commands share this: a bad matrix is bad input, every error listed with its path. */
export async function loadMatrixOrThrow(file: string): Promise<LoadedMatrix> {
  const loaded = await loadMatrix(file);
  if (!loaded.ok) throw new UserError(`${file} is not a valid matrix:`, loaded.error);
  return loaded.value;
}
