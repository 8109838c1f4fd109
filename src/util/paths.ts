import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository / package root (holds bpf/, images/, kernels/). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** XDG cache dir for kernels, payloads and tools; TAILMATRIX_CACHE overrides (tests, CI caches). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TAILMATRIX_CACHE) return path.resolve(env.TAILMATRIX_CACHE);
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(xdg, 'tailmatrix');
}
