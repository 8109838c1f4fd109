import path from 'node:path';
import { Command, Option } from 'commander';
import { ALLOW_UNSIGNED_HELP, collectList, withProgressOptions } from '../options.js';
import type { DefineCommand } from './define.js';
import type { RunInput } from '../../engine/run.js';
import type { RunEvent } from '../../engine/events.js';
import { abortOnSigint } from '../sigint.js';
import { finishWith } from '../exit-codes.js';
import { registerWithCache } from './fetch.js';
import { UserError } from '../../util/result.js';
import { parseMakeJobs } from '../make-jobs.js';
import { ARCHES, type Arch } from '../../arch/types.js';
import {
  ACCEL_REQUESTS,
  BACKEND_REQUESTS,
  TIMING_REQUESTS,
  type AccelRequest,
  type BackendRequest,
  type TimingRequest,
} from '../../matrix/runner-choices.js';

export interface RunCommandOptions {
  matrix: string;
  kernel: string[];
  arch?: Arch;
  boot: string[];
  bench: string[];
  tree?: string;
  patch: string[];
  ref?: string;
  base?: 'tinyconfig' | 'defconfig' | 'vng';
  config?: string;
  fragment: string[];
  makeJobs?: string;
  compareWith: string[];
  /** Cells at once: -j/--jobs; --parallel is its older spelling (same meaning, hidden from --help). */
  jobs?: string;
  parallel?: string;
  replicates?: string;
  accel?: AccelRequest;
  timing?: TimingRequest;
  backend?: BackendRequest;
  resume?: string;
  results: string;
  dryRun?: boolean;
  frozenLockfile?: boolean;
  allowUnsigned?: boolean;
  baseline?: string;
  /** Running-kernel cells may lower bpf_jit_harden / kptr_restrict for the run (restored after). */
  unhardenHost?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
}

function parseCount(flag: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UserError(`${flag} ${v}: expected a whole number 1..${max}`);
  return n;
}

export function runInput(opts: RunCommandOptions): RunInput {
  if (opts.jobs !== undefined && opts.parallel !== undefined)
    throw new UserError('-j/--jobs and --parallel are the same flag (cells at once): give one');
  const parallel = opts.jobs !== undefined ? parseCount('-j/--jobs', opts.jobs, 64) : parseCount('--parallel', opts.parallel, 64);
  const makeJobs = parseMakeJobs('run', { makeJobs: opts.makeJobs });
  const replicates = parseCount('--replicates', opts.replicates, 100);
  return {
    matrixFile: opts.matrix,
    runner: {
      ...(opts.accel ? { accel: opts.accel } : {}),
      ...(opts.backend ? { backend: opts.backend } : {}),
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(parallel !== undefined ? { parallel } : {}),
      ...(replicates !== undefined ? { replicates } : {}),
    },
    kernelArgs: opts.kernel,
    ...(opts.arch !== undefined ? { kernelArch: opts.arch } : {}),
    boots: opts.boot,
    benches: opts.bench,
    tree: opts.tree,
    patches: opts.patch,
    treeBuild: { ref: opts.ref, base: opts.base, config: opts.config, fragments: opts.fragment, makeJobs },
    compareWith: opts.compareWith,
    resume: opts.resume,
    resultsRoot: opts.results,
    dryRun: opts.dryRun,
    frozenLockfile: opts.frozenLockfile,
    allowUnsigned: opts.allowUnsigned,
    unhardenHost: opts.unhardenHost,
    baseline: opts.baseline,
    // On GitHub Actions the Markdown report becomes the job's step summary.
    stepSummary: process.env.GITHUB_STEP_SUMMARY || undefined,
  };
}

/** The engine runs; the display follows its events; the outcome becomes the exit code. */
async function runCommand(opts: RunCommandOptions): Promise<number> {
  const input = runInput(opts);
  // Loaded here, not at the top: `tailmatrix --help` must not pay for the engine, listr2 and zod (bench/help-time.ts).
  // Something on screen at once: loading the engine and the matrix takes seconds on a slow machine.
  if (!opts.quiet) process.stderr.write(`Preparing the run (${opts.matrix}, its lockfile) …\n`);
  const [{ runMatrix }, { EventFeed }, { dryRunLines, runView }, { chooseRenderer, listrOptions }, { annotateForGithub }] =
    await Promise.all([
      import('../../engine/run.js'),
      import('../views/feed.js'),
      import('../views/run-view.js'),
      import('../renderer.js'),
      import('../../engine/report.js'),
    ]);
  const { signal, unwire } = abortOnSigint('interrupted: stopping VMs, keeping finished cells');
  const feed = new EventFeed<RunEvent>();
  try {
    const running = runMatrix(input, { emit: feed.emit, signal }).finally(() => feed.close());
    const start = await feed.until((e) => (e.type === 'run-start' ? e : e.type === 'run-end' ? null : undefined));
    if (start) {
      const listr = listrOptions({ quiet: opts.quiet, verbose: opts.verbose, env: process.env, stream: process.stderr });
      const lines = dryRunLines(feed, start.todo);
      const plain = chooseRenderer({ quiet: opts.quiet, verbose: opts.verbose, env: process.env, stream: process.stderr }) === 'verbose';
      await runView(feed, start, { consoleLines: opts.verbose ?? false, listr, plain }).run();
      if (opts.dryRun) process.stdout.write(`${(await lines).join('\n')}\n`);
    }
    const result = await running;
    if (result.run) await registerWithCache(input.matrixFile);
    // With --json, stdout holds the JSON document alone (GitHub annotations would break it).
    if (result.run && !opts.dryRun && !opts.json)
      await annotateForGithub(path.join(result.run.runDir, 'summary.json'), process.env, process.stdout);
    const code = finishWith(result.outcome);
    // What a script needs next: where the run went (a dry run leaves no folder).
    const runDir = result.run && !opts.dryRun ? result.run.runDir : undefined;
    if (opts.json) {
      const cells = result.results.map((r) => ({
        id: r.cellId,
        kernel: r.kernel.id,
        status: r.status,
        ...(r.message !== undefined ? { message: r.message } : {}),
      }));
      const doc = {
        runDir: runDir ?? null,
        runId: result.run?.runId ?? null,
        verdict: result.outcome.kind,
        exitCode: code,
        cells,
        planned: result.run?.cells.map((c) => c.id) ?? [],
      };
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else if (opts.quiet && runDir !== undefined) process.stdout.write(`${runDir}\n`);
    return code;
  } finally {
    unwire();
  }
}

export const defineRunCommand: DefineCommand = (setExit) =>
  withProgressOptions(new Command('run'), 'line-by-line output with guest console lines')
    .description('fetch kernels, build the guest payload, boot every cell, measure, and write the reports')
    .option('-m, --matrix <file>', 'matrix file', 'matrix.json')
    .option(
      '--kernel <id|path|id=path>',
      'only these matrix kernels; a path to a bzImage runs that kernel instead, id=path names it in results and reports (repeatable)',
      collectList,
      [],
    )
    .addOption(
      new Option(
        '--arch <arch>',
        "the architecture of --kernel's image files (default: read from each image's header) and of the --tree build (default amd64, another is cross-compiled)",
      ).choices(ARCHES),
    )
    .option('--boot <name>', 'only these boot configurations (repeatable, comma-separated)', collectList, [])
    .option('--bench <name>', 'only these benchmarks (repeatable, comma-separated)', collectList, [])
    .option('--tree <dir|id=dir>', 'build this kernel tree (with --patch files) and run it; id=dir names it in results and reports')
    .option('--patch <file>', 'patch applied to --tree before building (repeatable)', collectList, [])
    // The same build flags as `tailmatrix build --tree`.
    .option('--ref <commit>', 'with --tree: build this commit, tag or branch instead of the tree as checked out now')
    .addOption(
      new Option('--base <config>', 'with --tree: the config base (default tinyconfig)').choices(['tinyconfig', 'defconfig', 'vng']),
    )
    .option(
      '--config <file>',
      'with --tree: your own complete .config as the base instead of --base (the fragments go on top and are checked)',
    )
    .option('--fragment <file>', 'with --tree: config fragment instead of the project one (repeatable)', collectList, [])
    .option('--make-jobs <n>', 'with --tree: make -j for the build (default: cores available)')
    .option('--compare-with <id>', 'with a path in --kernel or --tree: also run these matrix kernels', collectList, [])
    .option('-j, --jobs <n>', 'cells at once (default: one timed cell at a time; under instruction counting, from cores and memory)')
    .addOption(new Option('--parallel <n>', 'the older spelling of -j/--jobs').hideHelp())
    .option('--replicates <n>', 'run each cell this many times, each in its own boot (default: runner.replicates, 1)')
    .addOption(new Option('--accel <accel>', 'accelerator; auto probes KVM by booting').choices(ACCEL_REQUESTS))
    .addOption(
      new Option(
        '--timing <mode>',
        'auto: instruction counts under TCG, hardware ns under KVM; timed: plain TCG ns (relative only)',
      ).choices(TIMING_REQUESTS),
    )
    .addOption(new Option('--backend <backend>', 'VM backend').choices(BACKEND_REQUESTS))
    .option('--resume <run-id>', 'continue an interrupted run: only the cells without a result run')
    .option('--results <dir>', 'where run directories go', 'results')
    .option('--dry-run', 'fetch and prepare, then print the exact command of every cell without booting')
    .option('--frozen-lockfile', 'fail when matrix.lock.json does not pin every kernel (CI)')
    .option('--allow-unsigned', ALLOW_UNSIGNED_HELP)
    .option('--baseline <file|dir>', 'previous summary.json or results dir: fail on a regression')
    .option(
      '--json',
      'print one JSON object on stdout at the end: runDir, runId, verdict, exitCode, cells (id, kernel, status), planned cell ids',
    )
    .option('--unharden-host', 'running-kernel cells: allow lowering bpf_jit_harden / kptr_restrict for the measurement (restored after)')
    .action(async (opts: RunCommandOptions) => {
      setExit(await runCommand(opts));
    });
