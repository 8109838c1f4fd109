// `tailmatrix build`: build (or find in the cache) one kernel from a git tree, a tarball or Debian's
// linux-source package, with patches and config fragments, for amd64 or (cross-compiled) arm64; prints
// "<release>\t<image>" on stdout.
// For bisecting and for feeding `run --kernel`; `run --tree` does the same inside a run.
import { Command, Option } from 'commander';
import { ARCHES, type Arch } from '../../arch/types.js';
import type { DefineCommand } from './define.js';
import { withProgressOptions } from '../options.js';
import { finishWith } from '../exit-codes.js';
import { abortOnSigint } from '../sigint.js';
import type { BuiltKernel } from '../../engine/build.js';
import { DEFAULT_FRAGMENT } from '../../kernels/from-source/default-fragments.js';
import { parseMakeJobs, withMakeJobsOption } from '../make-jobs.js';
import type { Outcome } from '../../engine/outcome.js';

const collect = (v: string, prev: string[]) => [...prev, v];
/** The progress line is one make line; kbuild lines are short, compiler errors are not. */
const LINE_WIDTH = 120;

interface BuildCommandOptions {
  tree?: string;
  ref?: string;
  tarball?: string;
  sha256?: string;
  debianSource?: string;
  patch: string[];
  base?: string;
  /** The user's own complete .config as the base (instead of --base). */
  config?: string;
  fragment: string[];
  arch?: Arch;
  makeJobs?: string;
  /** The old spelling of --make-jobs: refused with the new name. */
  jobs?: string;
  timeoutMin?: string;
  quiet?: boolean;
  verbose?: boolean;
  allowUnsigned?: boolean;
  allowExpiredIndex?: boolean;
}

async function sourceFrom(o: BuildCommandOptions) {
  const { buildSource } = await import('../../matrix/schema.js');
  const [suite, pkg] = (o.debianSource ?? '').split('/');
  return buildSource.safeParse({
    type: 'build',
    tree: o.tree,
    ref: o.ref,
    tarball: o.tarball !== undefined ? { url: o.tarball, sha256: o.sha256 } : undefined,
    debianSource: o.debianSource !== undefined ? { suite, package: pkg, allowExpiredIndex: o.allowExpiredIndex } : undefined,
    patches: o.patch,
    base: o.base,
    config: o.config,
    fragments: o.fragment.length > 0 ? o.fragment : [DEFAULT_FRAGMENT],
  });
}

async function runBuild(o: BuildCommandOptions): Promise<number> {
  // Loaded here, not at the top: `--help` must not pay for the build engine, listr2 and zod (bench/help-time.ts).
  const [{ Listr }, { listrOptions }, { buildKernel }, { formatIssues }] = await Promise.all([
    import('listr2'),
    import('../renderer.js'),
    import('../../engine/build.js'),
    import('../../util/zod-issues.js'),
  ]);
  const jobs = parseMakeJobs('build', o);
  if (o.config !== undefined && o.base !== undefined)
    return finishWith({ kind: 'bad-input', messages: ['--config FILE is the base config: give it or --base, not both'] });
  const parsed = await sourceFrom(o);
  const origins = [o.tree, o.tarball, o.debianSource].filter((x) => x !== undefined).length;
  if (!parsed.success || origins !== 1) {
    const why = parsed.success
      ? ['give exactly one of --tree, --tarball (with --sha256) or --debian-source suite/package']
      : formatIssues(parsed.error.issues);
    return finishWith({ kind: 'bad-input', messages: why });
  }
  const { signal, unwire } = abortOnSigint('interrupted: stopping make, nothing enters the cache');
  let built: BuiltKernel | undefined;
  let outcome: Outcome = { kind: 'unavailable', messages: ['the build did not run'] };
  const tasks = new Listr(
    [
      {
        title: 'Build kernel',
        task: async (_ctx, task) => {
          let phase = '';
          const r = await buildKernel({
            source: parsed.data,
            ...(o.arch !== undefined ? { arch: o.arch } : {}),
            signal,
            allowUnsigned: o.allowUnsigned,
            jobs,
            timeoutMs: o.timeoutMin !== undefined ? Number(o.timeoutMin) * 60_000 : undefined,
            onEvent: (e) => {
              if (e.type === 'phase') {
                phase = e.phase;
                task.title = `Build kernel: ${e.phase}${e.detail !== undefined ? ` (${e.detail})` : ''}`;
              } else if (e.type === 'line') task.output = e.line.trim().slice(0, LINE_WIDTH);
              else task.output = `${phase} ${e.received} bytes`;
            },
          });
          outcome = r.outcome;
          built = r.built;
          if (built === undefined)
            throw new Error(outcome.kind === 'bad-input' || outcome.kind === 'unavailable' ? outcome.messages.join('\n') : outcome.kind);
          task.title = built.cached
            ? `Kernel found in the cache (${built.inputsHash.slice(0, 12)})`
            : `Kernel built in ${Math.round(built.totalMs / 1000)} s`;
        },
      },
    ],
    listrOptions({ quiet: o.quiet, verbose: o.verbose, env: process.env, stream: process.stderr }),
  );
  try {
    await tasks.run();
  } catch {
    // reported below
  } finally {
    unwire();
  }
  if (built === undefined) return finishWith(outcome);
  process.stdout.write(`${built.kernel.release ?? '?'}\t${built.kernel.vmlinuz}\n`);
  if (!o.quiet && built.logFile !== undefined) process.stderr.write(`build log: ${built.logFile}\n`);
  return finishWith(outcome);
}

export const defineBuildCommand: DefineCommand = (setExit) => {
  const cmd = withProgressOptions(new Command('build'))
    .description('build a kernel from a git tree, a tarball or Debian linux-source (cached by its inputs); prints release and image path')
    .option('--tree <dir>', 'local git tree (its uncommitted changes included unless --ref is given)')
    .option('--ref <commit>', 'commit, tag or branch of --tree')
    .option('--tarball <url>', 'source tarball URL (needs --sha256)')
    .option('--sha256 <hex>', 'SHA256 of --tarball')
    .option('--debian-source <suite/package>', "Debian's source package, e.g. bookworm/linux-source-6.1")
    .option('--allow-unsigned', 'without gpgv or the Debian keyring, use the --debian-source index unverified')
    .option('--allow-expired-index', "accept the --debian-source suite's signed index past its Valid-Until (archived suites)")
    .option('--patch <file>', 'patch applied before building (repeatable, in order)', collect, [])
    .option('--base <config>', 'tinyconfig, defconfig or vng (default tinyconfig)')
    .option('--config <file>', 'your own complete .config as the base instead of --base (the fragments still go on top and are checked)')
    .option('--fragment <file>', `config fragment (repeatable; default ${DEFAULT_FRAGMENT})`, collect, [])
    .addOption(
      new Option(
        '--arch <arch>',
        "the kernel's architecture (default amd64; arm64 is cross-compiled: scripts/setup.sh --with-arm64)",
      ).choices(ARCHES),
    )
    .option('--timeout-min <minutes>', 'stop make after this long');
  return withMakeJobsOption(cmd).action(async (opts: BuildCommandOptions) => {
    setExit(await runBuild(opts));
  });
};
