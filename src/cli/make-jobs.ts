// make's parallel jobs under one name in every command that builds a kernel (build, bisect, run --tree):
// `--make-jobs N`. `-j/--jobs` means cells at once in `run`; in `build` and `bisect` it used to mean make's
// jobs, so there it is refused with the new name instead of meaning something else per command.
import { Option, type Command } from 'commander';
import { UserError } from '../util/result.js';

/** A build with more jobs than this is a typo, not a machine. */
const MAX_MAKE_JOBS = 1024;

export function withMakeJobsOption(cmd: Command, what = 'make -j for the kernel build (default: cores available)'): Command {
  return cmd.option('--make-jobs <n>', what).addOption(new Option('-j, --jobs <n>', 'renamed: --make-jobs').hideHelp());
}

/** `--make-jobs` as a number; the old `-j/--jobs` of build and bisect names its new spelling. */
export function parseMakeJobs(command: string, o: { makeJobs?: string; jobs?: string }): number | undefined {
  if (o.jobs !== undefined)
    throw new UserError(
      `${command} -j/--jobs ${o.jobs}: make's parallel jobs are now --make-jobs ${o.jobs} (in \`tailmatrix run\`, -j/--jobs is cells at once)`,
    );
  if (o.makeJobs === undefined) return undefined;
  const n = Number(o.makeJobs);
  if (!Number.isInteger(n) || n < 1 || n > MAX_MAKE_JOBS)
    throw new UserError(`--make-jobs ${o.makeJobs}: expected a whole number 1..${MAX_MAKE_JOBS}`);
  return n;
}
