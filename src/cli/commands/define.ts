import type { Command } from 'commander';

/** Each command file exports one of these; `setExit` records the command's exit code. */
export type DefineCommand = (setExit: (code: number) => void) => Command;
