import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { EXIT } from '../exit-codes.js';

export const defineSetupCommand: DefineCommand = (setExit) =>
  new Command('setup')
    .description('install the host tools (QEMU, clang/libbpf, busybox, gpgv, virtme-ng …) with apt on Debian 12/13 or Ubuntu 22.04/24.04')
    .option('--with-tests', 'also what the test suite needs (not needed to run a matrix)')
    .option('--with-arm64', 'also what arm64 guests need: qemu-system-aarch64, the aarch64 cross compiler and libraries, an arm64 busybox')
    .option('--dry-run', 'print the exact commands (apt-get …), change nothing')
    .option('--print-packages', "print this distribution's apt package names, one a line")
    .action(async (opts: { withTests?: boolean; withArm64?: boolean; dryRun?: boolean; printPackages?: boolean }) => {
      const { runSetup } = await import('../../engine/host.js');
      const res = await runSetup(opts);
      if (res.ok) {
        setExit(EXIT.ok);
        return;
      }
      // The script has already said why on stderr (unsupported distribution, no sudo, apt's own error);
      // without an exit code it never started.
      const code = res.error.exitCode;
      if (code === undefined) process.stderr.write(`setup: ${res.error.message}\n`);
      setExit(code === EXIT.badInput || code === EXIT.unavailable ? code : EXIT.unavailable);
    });
