import { createRequire } from 'node:module';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

/** tsx by absolute path: `--import` resolves against the working directory, which may be any folder (a kernel tree). */
const TSX = createRequire(path.join(PACKAGE_ROOT, 'package.json')).resolve('tsx');

/** Start the real CLI in its own process (so SIGINT and exit codes are real). */
export function startCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ResultPromise<{ reject: false; all: true }> {
  return execa(process.execPath, ['--import', TSX, path.join(PACKAGE_ROOT, 'test/support/cli.ts'), ...args], {
    cwd: opts.cwd ?? PACKAGE_ROOT,
    env: { ...opts.env, CI: 'true' },
    reject: false,
    all: true,
    // The tests send signals themselves and watch what the CLI does; execa must not SIGKILL it after 5 s.
    forceKillAfterDelay: false,
  });
}
