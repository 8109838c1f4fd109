// `tailmatrix bisect`: which commit of a kernel tree made tail calls slower. The search, the builds
// and the cells live in src/bisect; this file parses options, shows progress (step n of about
// log2(range), commit, build phase, value, decision) and turns the outcome into an exit code.
import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { EXIT } from '../exit-codes.js';
import { abortOnSigint } from '../sigint.js';
import { parseMetricOptions, withMetricOptions, type MetricCommandOptions } from '../metric-options.js';
import { withProgressOptions } from '../options.js';
import { parseMakeJobs, withMakeJobsOption } from '../make-jobs.js';
import type { BisectEvent, BisectEnd } from '../../engine/bisect.js';

interface BisectCommandOptions extends MetricCommandOptions {
  tree: string;
  good: string;
  bad: string;
  results: string;
  resume?: boolean;
  makeJobs?: string;
  /** The old spelling of --make-jobs: refused with the new name. */
  jobs?: string;
  quiet?: boolean;
  verbose?: boolean;
}

const short = (sha: string) => sha.slice(0, 12);

/** One progress line per event: the title names the step, the output what it is doing. */
function describe(e: BisectEvent): { title?: string; output?: string } {
  switch (e.type) {
    case 'start':
      return { output: `${e.commits} commit(s) in range${e.resumed ? ', resuming' : ''}; state in ${e.dir}` };
    case 'step': {
      const what = e.role === 'search' ? `${e.window} commit(s) in question` : e.role;
      return { title: `Bisect step ${e.n} of ~${e.of}: ${short(e.commit.sha)} ${e.commit.subject} (${what})` };
    }
    case 'build':
      if (e.event.type === 'phase')
        return { output: `build: ${e.event.phase}${e.event.detail !== undefined ? ` (${e.event.detail})` : ''}` };
      if (e.event.type === 'line') return { output: `build: ${e.event.line.trim().slice(0, 100)}` };
      return {};
    case 'cell':
      return e.event.type === 'phase' ? { output: `cell: ${e.event.phase}` } : {};
    case 'measured':
      return { output: `run ${e.run}: ${e.value.toFixed(2)} [${e.ci[0].toFixed(2)}, ${e.ci[1].toFixed(2)}] ${e.unit}` };
    case 'rule':
      return {
        output: `ends check out; bad is ${e.rule.badAbove ? 'above' : 'below'} ${e.rule.threshold.toFixed(2)} ${e.unit} (${e.rule.origin})`,
      };
    case 'decision':
      return {
        output: `${short(e.commit.sha)}: ${e.verdict} after ${e.runs} run(s)${e.atCap ? ' (at the cap, on the mean)' : ''}${e.reason !== undefined ? `: ${e.reason}` : ''}`,
      };
  }
}

function answer(o: BisectEnd): string {
  if (o.kind !== 'found') return '';
  const c = o.firstBad;
  if (o.range.length === 0) return `${c.sha} is the first bad commit\n${c.subject}\nauthor date: ${c.authorDate}\n`;
  const lines = [
    `skipped commits leave a range: the first bad commit is one of`,
    ...[...o.range, c].map((x) => `${x.sha} ${x.subject} (${x.authorDate})`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The shared listr options, plus: in plain (log) output, each new step title is a line of its own. */
async function progressOptions(o: BisectCommandOptions): Promise<never> {
  const { listrOptions } = await import('../renderer.js');
  const base = listrOptions({ quiet: o.quiet, verbose: o.verbose, env: process.env, stream: process.stderr }) as {
    rendererOptions: object;
  };
  return { ...base, rendererOptions: { ...base.rendererOptions, logTitleChange: true } } as never;
}

async function bisectCommand(o: BisectCommandOptions): Promise<number> {
  const m = parseMetricOptions(o);
  if (!m.ok) {
    process.stderr.write(`error: ${m.error}\n`);
    return EXIT.badInput;
  }
  const jobs = parseMakeJobs('bisect', o);
  // Loaded here, not at the top: `--help` must not pay for the bisection, listr2 and zod (bench/help-time.ts).
  const [{ Listr }, { loadBisectMatrix, bisect }] = await Promise.all([import('listr2'), import('../../engine/bisect.js')]);
  const found = await loadBisectMatrix(o.matrix);
  if (!found.ok) {
    process.stderr.write(`error: ${found.error.join('\n  ')}\n`);
    return EXIT.badInput;
  }
  const loaded = found.value;
  if (loaded.builtIn && !o.quiet)
    process.stderr.write(
      `no --matrix and no matrix.json here: the built-in default (boot ${loaded.matrix.boots[0]!.name}, benchmark ${loaded.matrix.benchmarks[0]!.name})\n`,
    );
  const { signal, unwire } = abortOnSigint('interrupted: stopping the build or VM, keeping what was measured');
  let result: Awaited<ReturnType<typeof bisect>> | undefined;
  const tasks = new Listr(
    [
      {
        title: `Bisect ${o.good}..${o.bad} on ${m.value.metric}`,
        task: async (_ctx, task) => {
          result = await bisect({
            ...m.value,
            tree: o.tree,
            good: o.good,
            bad: o.bad,
            matrix: m.value.runnerOverrides(loaded.matrix),
            resultsRoot: o.results,
            resume: o.resume === true,
            signal,
            jobs,
            onEvent: (e) => {
              const d = describe(e);
              if (d.title !== undefined) task.title = d.title;
              if (d.output !== undefined) task.output = d.output;
            },
          });
          if (result.ok && result.value.kind === 'found') task.title = `Bisected: ${result.value.state.steps.length} commit(s) tested`;
        },
      },
    ],
    await progressOptions(o),
  );
  try {
    await tasks.run();
  } finally {
    unwire();
  }
  if (result === undefined) return EXIT.unavailable;
  if (!result.ok) {
    process.stderr.write(`error: ${result.error.message}\n`);
    return result.error.badInput ? EXIT.badInput : EXIT.unavailable;
  }
  const out = result.value;
  switch (out.kind) {
    case 'found':
      process.stdout.write(answer(out));
      process.stderr.write(`log, report: ${out.files.join(', ')}\n`);
      return EXIT.ok;
    case 'interrupted':
      process.stderr.write(`interrupted: what was measured is in ${out.dir}; continue with the same command and --resume\n`);
      return EXIT.interrupted;
    case 'stopped':
      process.stderr.write(`stopped: ${out.message}\n(state and report in ${out.dir})\n`);
      return out.badInput ? EXIT.badInput : EXIT.cellFailures;
  }
}

export const defineBisectCommand: DefineCommand = (setExit) => {
  const cmd = new Command('bisect')
    .description(
      'find the commit of a kernel tree that made tail calls slower: build, boot and measure good..bad in a work tree of its own',
    )
    .requiredOption('--tree <dir>', 'the kernel git tree (never modified: builds use a clone under the cache)')
    .requiredOption('--good <ref>', 'a commit where the metric is good')
    .requiredOption('--bad <ref>', 'a later commit where it is bad');
  const withFlags = withProgressOptions(withMetricOptions(cmd), 'line-by-line progress')
    .option('--results <dir>', 'where the bisect-<good>-<bad>-<metric>/ folder goes', 'results')
    .option('--resume', 'continue the interrupted bisection with the same parameters');
  return withMakeJobsOption(withFlags).action(async (opts: BisectCommandOptions) => {
    setExit(await bisectCommand(opts));
  });
};
