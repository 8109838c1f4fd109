// The matrix `check` and `bisect` use when the user gives none: run from a kernel tree (as `git bisect run`
// does) there is no matrix.json, and the two commands only need one boot configuration, one benchmark and a
// runner from it (the kernel is the tree's build, or --kernel PATH). The built-in default is the package's
// own first boot configuration and benchmark: retpoline mitigations on, the tail-call test-run sweep.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadMatrix, parseMatrix, type LoadedMatrix } from '../matrix/load.js';
import { err, ok, type Result } from '../util/result.js';

const DEFAULT_MATRIX_FILE = 'matrix.json';

/** Where the built-in default says it came from (no file is read or written there). */
export const BUILT_IN = '(built-in default matrix)';

export const BUILT_IN_MATRIX = {
  // The schema wants a kernel; the built-in one is never fetched (a matrix kernel id needs --matrix).
  kernels: [{ id: '6.1-cloud', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
  boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
  benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 32, samples: 20, repeat: 20000 } }],
  runner: { backend: 'auto', accel: 'auto', timing: 'auto', cpus: 1, memoryMiB: 512, timeoutSec: 600 },
} as const;

export interface CheckMatrix extends LoadedMatrix {
  /** True when neither --matrix nor ./matrix.json gave one. */
  builtIn: boolean;
}

/** --matrix FILE when given; else ./matrix.json when there is one; else the built-in default. Errors name the file. */
export async function loadCheckMatrix(file: string | undefined, cwd: string = process.cwd()): Promise<Result<CheckMatrix, string[]>> {
  const chosen = file ?? (existsSync(path.join(cwd, DEFAULT_MATRIX_FILE)) ? path.join(cwd, DEFAULT_MATRIX_FILE) : undefined);
  if (chosen !== undefined) {
    const loaded = await loadMatrix(chosen);
    return loaded.ok ? ok({ ...loaded.value, builtIn: false }) : err([`${chosen} is not a valid matrix:`, ...loaded.error]);
  }
  const parsed = parseMatrix(BUILT_IN_MATRIX);
  if (!parsed.ok) return err([`${BUILT_IN} does not validate (a bug):`, ...parsed.error]);
  return ok({ matrix: parsed.value, file: BUILT_IN, dir: cwd, builtIn: true });
}
