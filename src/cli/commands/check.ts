// `tailmatrix check`: one kernel, one cell, one verdict as a `git bisect run` exit code (0 good, 1
// bad, 125 skip; 128 aborts the user's bisection when the problem is not the kernel's, e.g. a bad
// option or no QEMU). For users who drive `git bisect run` or ktest themselves.
import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { abortOnSigint } from '../sigint.js';
import { parseMetricOptions, withMetricOptions, type MetricCommandOptions } from '../metric-options.js';
import { EXIT, parseErrorExit } from '../exit-codes.js';

interface CheckCommandOptions extends MetricCommandOptions {
  kernel?: string;
  tree?: string;
  quiet?: boolean;
}

async function check(o: CheckCommandOptions): Promise<number> {
  const fail = (message: string) => {
    // The code of a bad option: whatever is not the kernel's fault aborts git bisect run (128).
    const abort = parseErrorExit('check');
    process.stderr.write(`check: ${message} (exit ${abort}: stops git bisect run)\n`);
    return abort;
  };
  // Loaded here, not at the top: `--help` must not pay for the analysis and zod (bench/help-time.ts).
  const { checkKernel } = await import('../../engine/check.js');
  const m = parseMetricOptions(o);
  if (!m.ok) return fail(m.error);
  if (m.value.threshold === undefined) return fail('--threshold is required: check compares one kernel with it');
  const { signal, unwire } = abortOnSigint('interrupted');
  const say = (line: string) => {
    if (!o.quiet) process.stderr.write(`check: ${line}\n`);
  };
  try {
    const r = await checkKernel({
      ...m.value,
      threshold: m.value.threshold,
      kernel: o.kernel,
      tree: o.tree,
      matrixFile: o.matrix,
      adjustMatrix: m.value.runnerOverrides,
      onMatrix: (loaded) => {
        if (loaded.builtIn)
          say(
            `no --matrix and no matrix.json here: the built-in default (boot ${loaded.matrix.boots[0]!.name}, benchmark ${loaded.matrix.benchmarks[0]!.name})`,
          );
      },
      signal,
      onBuild: (e) => {
        if (e.type === 'phase') say(`build: ${e.phase}`);
      },
      onRun: (n, value, ci, unit) =>
        say(`run ${n}: ${m.value.metric} ${value.toFixed(2)} [${ci[0].toFixed(2)}, ${ci[1].toFixed(2)}] ${unit}`),
    });
    if (!r.ok) return fail(r.error);
    if (r.value === 'interrupted') return EXIT.interrupted;
    const c = r.value;
    const side = c.rule.badAbove ? 'above' : 'below';
    const figure =
      c.pooled !== undefined
        ? `${c.pooled.value.toFixed(2)} [${c.pooled.ci[0].toFixed(2)}, ${c.pooled.ci[1].toFixed(2)}] ${c.unit}`
        : 'no figure';
    process.stdout.write(
      `${c.verdict}: ${m.value.metric} ${figure} after ${c.runs} run(s); bad is ${side} ${c.rule.threshold}${c.atCap ? '; still straddling at the cap: decided on the mean' : ''}${c.reason !== undefined ? `; ${c.reason}` : ''}\n`,
    );
    return c.code;
  } finally {
    unwire();
  }
}

export const defineCheckCommand: DefineCommand = (setExit) =>
  withMetricOptions(
    new Command('check')
      .description('measure one kernel against a threshold and exit 0 good, 1 bad, 125 skip (for git bisect run)')
      .option('--kernel <id|path>', 'a kernel of the matrix, or a path to a kernel image (bzImage) you built')
      .option('--tree <dir>', 'a git tree, built as checked out now (uncommitted changes included), in a clone under the cache'),
  )
    .option('-q, --quiet', 'only the verdict line')
    .action(async (opts: CheckCommandOptions) => {
      setExit(await check(opts));
    });
