import { Command, CommanderError } from 'commander';
import { EXIT, parseErrorExit } from './exit-codes.js';
import { UserError } from '../util/result.js';
import { commands } from './commands/index.js';
import { TOOL_VERSION } from '../util/version.js';
import { forUser } from './invocation.js';
import { existsSync } from 'node:fs';
import { HOST_JOURNAL } from '../vm/host-journal-path.js';
import { diskFullMessage, isDiskFull } from '../util/disk-full.js';

/**
 * commander settings are not inherited by `addCommand`: without this, only the root program throws on a parse
 * error and every subcommand calls process.exit(1), which CI reads as "regression" and `git bisect run` as "bad".
 * `top` is the subcommand of the program a nested one belongs to (`cache prune` → cache): it picks the code.
 */
function throwOnParseErrors(cmd: Command, top: string): void {
  cmd.exitOverride((e) => {
    throw e.exitCode === 0 ? e : new CommanderError(parseErrorExit(top), e.code, e.message);
  });
  cmd.showHelpAfterError();
  for (const sub of cmd.commands) throwOnParseErrors(sub, top);
}

/** The program with every command defined; `setExit` records the exit code the command's action chose. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('tailmatrix')
    .description('What does one eBPF tail call cost, direct jump vs retpoline, across many kernels?')
    .version(TOOL_VERSION)
    .exitOverride((e) => {
      throw e.exitCode === 0 ? e : new CommanderError(EXIT.badInput, e.code, e.message);
    })
    .showHelpAfterError();
  for (const define of commands) {
    const cmd = define(setExit);
    throwOnParseErrors(cmd, cmd.name());
    program.addCommand(cmd);
  }
  return program;
}

/** Parse argv, run one command, return its exit code. Never calls process.exit (tests call main()). */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  // A running-kernel cell that died before restoring the host's sysctls left a journal: restore first. The
  // restore code loads only when there is one, so `--help` stays fast (bench/help-time.ts).
  if (existsSync(HOST_JOURNAL)) {
    const { recoverAtStart } = await import('../engine/host.js');
    const recovered = await recoverAtStart();
    if (recovered !== undefined) process.stderr.write(`tailmatrix: ${recovered}\n`);
  }
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (isDiskFull(e)) {
      process.stderr.write(`error: ${await diskFullMessage(e)}\n`);
      return EXIT.unavailable;
    }
    if (e instanceof UserError) {
      process.stderr.write(forUser(`error: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`));
      return EXIT.badInput;
    }
    throw e;
  }
  return exitCode;
}
