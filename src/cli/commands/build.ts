// `tailmatrix build`: build (or find in the cache) one kernel from a git tree, a tarball or Debian's
// linux-source package, with patches and config fragments; prints "<release>\t<bzImage>" on stdout.
// For bisecting and for feeding `run --kernel`; `run --tree` does the same inside a run.
import { Command } from 'commander';
import { Listr } from 'listr2';
import type { DefineCommand } from './index.js';
import { listrOptions } from '../renderer.js';
import { EXIT } from '../exit-codes.js';
import { abortOnSigint } from '../sigint.js';
import { buildFromSource, DEFAULT_FRAGMENT, type BuildOutcome } from '../../kernels/from-source/index.js';
import { buildSource } from '../../matrix/schema.js';
import { formatIssues } from '../../matrix/load.js';

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
  base: string;
  fragment: string[];
  jobs?: string;
  timeoutMin?: string;
  quiet?: boolean;
  verbose?: boolean;
  allowUnsigned?: boolean;
  allowExpiredIndex?: boolean;
}

function sourceFrom(o: BuildCommandOptions) {
  const [suite, pkg] = (o.debianSource ?? '').split('/');
  return buildSource.safeParse({
    type: 'build',
    tree: o.tree,
    ref: o.ref,
    tarball: o.tarball !== undefined ? { url: o.tarball, sha256: o.sha256 } : undefined,
    debianSource: o.debianSource !== undefined ? { suite, package: pkg, allowExpiredIndex: o.allowExpiredIndex } : undefined,
    patches: o.patch,
    base: o.base,
    fragments: o.fragment.length > 0 ? o.fragment : [DEFAULT_FRAGMENT],
  });
}

async function runBuild(o: BuildCommandOptions): Promise<number> {
  const parsed = sourceFrom(o);
  const origins = [o.tree, o.tarball, o.debianSource].filter((x) => x !== undefined).length;
  if (!parsed.success || origins !== 1) {
    const why = parsed.success ? ['give exactly one of --tree, --tarball (with --sha256) or --debian-source suite/package'] : formatIssues(parsed.error.issues);
    for (const line of why) process.stderr.write(`error: ${line}\n`);
    return EXIT.badInput;
  }
  const { signal, unwire } = abortOnSigint('interrupted: stopping make, nothing enters the cache');
  let outcome: BuildOutcome | undefined;
  let failure: { message: string; badInput: boolean } | undefined;
  const tasks = new Listr(
    [
      {
        title: 'Build kernel',
        task: async (_ctx, task) => {
          let phase = '';
          const r = await buildFromSource({
            source: parsed.data,
            signal,
            allowUnsigned: o.allowUnsigned,
            jobs: o.jobs !== undefined ? Number(o.jobs) : undefined,
            timeoutMs: o.timeoutMin !== undefined ? Number(o.timeoutMin) * 60_000 : undefined,
            onEvent: (e) => {
              if (e.type === 'phase') {
                phase = e.phase;
                task.title = `Build kernel: ${e.phase}${e.detail !== undefined ? ` (${e.detail})` : ''}`;
              } else if (e.type === 'line') task.output = e.line.trim().slice(0, LINE_WIDTH);
              else task.output = `${phase} ${e.received} bytes`;
            },
          });
          if (!r.ok) {
            failure = typeof r.error === 'string' ? { message: r.error, badInput: false } : { message: r.error.message, badInput: true };
            throw new Error(failure.message);
          }
          outcome = r.value;
          task.title = outcome.cached ? `Kernel found in the cache (${outcome.inputsHash.slice(0, 12)})` : `Kernel built in ${Math.round(outcome.totalMs / 1000)} s`;
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
  if (signal.aborted) return EXIT.interrupted;
  if (outcome === undefined) {
    process.stderr.write(`error: ${failure?.message ?? 'build failed'}\n`);
    return failure?.badInput ? EXIT.badInput : EXIT.unavailable;
  }
  process.stdout.write(`${outcome.kernel.release ?? '?'}\t${outcome.kernel.vmlinuz}\n`);
  if (!o.quiet && outcome.logFile !== undefined) process.stderr.write(`build log: ${outcome.logFile}\n`);
  return EXIT.ok;
}

export const defineBuildCommand: DefineCommand = (setExit) =>
  new Command('build')
    .description('build a kernel from a git tree, a tarball or Debian linux-source (cached by its inputs); prints release and bzImage path')
    .option('--tree <dir>', 'local git tree (its uncommitted changes included unless --ref is given)')
    .option('--ref <commit>', 'commit, tag or branch of --tree')
    .option('--tarball <url>', 'source tarball URL (needs --sha256)')
    .option('--sha256 <hex>', 'SHA256 of --tarball')
    .option('--debian-source <suite/package>', "Debian's source package, e.g. bookworm/linux-source-6.1")
    .option('--allow-unsigned', 'without gpgv or the Debian keyring, use the --debian-source index unverified')
    .option('--allow-expired-index', "accept the --debian-source suite's signed index past its Valid-Until (archived suites)")
    .option('--patch <file>', 'patch applied before building (repeatable, in order)', collect, [])
    .option('--base <config>', 'tinyconfig, defconfig or vng', 'tinyconfig')
    .option('--fragment <file>', `config fragment (repeatable; default ${DEFAULT_FRAGMENT})`, collect, [])
    .option('-j, --jobs <n>', 'make -j (default: cores available)')
    .option('--timeout-min <minutes>', 'stop make after this long')
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', 'plain line-by-line progress')
    .action(async (opts: BuildCommandOptions) => {
      setExit(await runBuild(opts));
    });
