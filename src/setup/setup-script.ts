// `tailmatrix setup` runs the shell script the package ships (scripts/setup.sh): the same script the
// repository's scripts/install-deps.sh runs before `npm ci`, when there is no Node code to run yet. So the
// package lists and the distribution detection live in one place, in bash.
import path from 'node:path';
import { execCommand } from '../util/exec.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { err, ok, type Result } from '../util/result.js';

export const SETUP_SCRIPT = path.join(PACKAGE_ROOT, 'scripts', 'setup.sh');

interface SetupOptions {
  /** Also what the test suite needs. */
  withTests?: boolean;
  /** Also what arm64 guests and kernels need: qemu-system-aarch64, the aarch64 cross compiler, arm64 libraries, busybox. */
  withArm64?: boolean;
  /** Print the exact commands, change nothing. */
  dryRun?: boolean;
  /** Print the package names for this distribution and stop. */
  printPackages?: boolean;
}

function setupArgs(opts: SetupOptions): string[] {
  return [
    SETUP_SCRIPT,
    ...(opts.withTests ? ['--with-tests'] : []),
    ...(opts.withArm64 ? ['--with-arm64'] : []),
    ...(opts.dryRun ? ['--dry-run'] : []),
    ...(opts.printPackages ? ['--print-packages'] : []),
  ];
}

interface SetupFailure {
  /** The script's own exit code: 64 bad option, 69 unsupported distribution / no root, else apt's. */
  exitCode?: number;
  message: string;
}

/** Run the setup script in the foreground (apt's progress on the terminal; sudo may ask for a password). */
export async function runSetup(opts: SetupOptions, env?: NodeJS.ProcessEnv): Promise<Result<void, SetupFailure>> {
  const args = setupArgs(opts);
  const res = await execCommand('bash', args, { foreground: true, env });
  if (res.ok) return ok(undefined);
  return err({ exitCode: res.error.exitCode, message: res.error.message });
}
