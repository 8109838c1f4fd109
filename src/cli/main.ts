import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { UserError } from '../util/result.js';
import { commands } from './commands/index.js';
import { TOOL_VERSION } from '../util/version.js';
import { recoverAtStart } from '../vm/host-journal.js';
import { diskFullMessage, isDiskFull } from '../util/disk-full.js';

/** Parse argv, run one command, return its exit code. Never calls process.exit (tests call main()). */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('tailmatrix')
    .description('What does one eBPF tail call cost, direct jump vs retpoline, across many kernels?')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError();
  for (const define of commands) {
    const cmd = define((code) => {
      exitCode = code;
    });
    program.addCommand(cmd);
  }
  // A running-kernel cell that died before restoring the host's sysctls left a journal: restore first.
  const recovered = await recoverAtStart();
  if (recovered !== undefined) process.stderr.write(`tailmatrix: ${recovered}\n`);
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (isDiskFull(e)) {
      process.stderr.write(`error: ${await diskFullMessage(e)}\n`);
      return EXIT.unavailable;
    }
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
      return EXIT.badInput;
    }
    throw e;
  }
  return exitCode;
}
