// git, through the one process wrapper, with an identity so commits work on any machine (CI has none).
import { execCommand, type ExecFailure, type ExecOptions, type ExecSuccess } from '../../util/exec.js';
import type { Result } from '../../util/result.js';

/** Checkouts and `git add` of a whole kernel tree (80k files) take tens of seconds on a slow disk. */
const GIT_TIMEOUT_MS = 15 * 60_000;

const IDENTITY = [
  '-c',
  'user.name=tailmatrix',
  '-c',
  'user.email=tailmatrix@localhost',
  '-c',
  'core.excludesFile=/dev/null',
  '-c',
  'advice.detachedHead=false',
];

export function git(cwd: string, args: readonly string[], opts: ExecOptions = {}): Promise<Result<ExecSuccess, ExecFailure>> {
  return execCommand('git', [...IDENTITY, ...args], { timeoutMs: GIT_TIMEOUT_MS, ...opts, cwd });
}
