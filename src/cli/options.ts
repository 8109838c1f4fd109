import type { Command } from 'commander';
/** commander parser for repeatable, comma-separated options: `--kernel a,b --kernel c` → [a, b, c]. */
export const collectList = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').filter(Boolean)];

/** `-q` and `--verbose`, the same on every command that shows progress (src/cli/renderer.ts decides). */
export function withProgressOptions(cmd: Command, verbose = 'plain line-by-line progress'): Command {
  return cmd.option('-q, --quiet', 'no progress output (run: prints only the run directory)').option('-v, --verbose', verbose);
}

export const ALLOW_UNSIGNED_HELP =
  'without gpgv or the Debian keyring, use Debian indexes unverified (recorded in the lockfile and the report)';

/** `-m`, `--kernel` and `--allow-unsigned`, for the commands that fetch or resolve kernels of the matrix. */
export function withMatrixKernelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --matrix <file>', 'matrix file', 'matrix.json')
    .option('--kernel <id>', 'only these kernels (repeatable, comma-separated)', collectList, [])
    .option('--allow-unsigned', ALLOW_UNSIGNED_HELP);
}
