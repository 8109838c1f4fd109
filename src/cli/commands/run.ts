import { Command, Option } from 'commander';
import { collectList } from '../options.js';
import type { DefineCommand } from './index.js';
import { runPipeline } from '../run-pipeline.js';


export interface RunCommandOptions {
  matrix: string;
  kernel: string[];
  boot: string[];
  bench: string[];
  tree?: string;
  patch: string[];
  compareWith: string[];
  parallel?: string;
  accel?: 'auto' | 'kvm' | 'tcg';
  timing?: 'auto' | 'icount' | 'timed';
  backend?: 'auto' | 'qemu' | 'vng';
  resume?: string;
  results: string;
  dryRun?: boolean;
  frozenLockfile?: boolean;
  baseline?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export const defineRunCommand: DefineCommand = (setExit) =>
  new Command('run')
    .description('fetch kernels, build the guest payload, boot every cell, measure, and write the reports')
    .option('-m, --matrix <file>', 'matrix file', 'matrix.json')
    .option(
      '--kernel <id|path>',
      'only these matrix kernels; a path to a bzImage/vmlinuz runs that kernel instead (repeatable)',
      collectList,
      [],
    )
    .option('--boot <name>', 'only these boot configurations (repeatable, comma-separated)', collectList, [])
    .option('--bench <name>', 'only these benchmarks (repeatable, comma-separated)', collectList, [])
    .option('--tree <dir>', 'build this kernel tree (with --patch files) and run it')
    .option('--patch <file>', 'patch applied to --tree before building (repeatable)', collectList, [])
    .option('--compare-with <id>', 'with a path in --kernel or --tree: also run these matrix kernels', collectList, [])
    .option('-j, --parallel <n>', 'cells at once (default: from cores and memory)')
    .addOption(new Option('--accel <accel>', 'accelerator; auto probes KVM by booting').choices(['auto', 'kvm', 'tcg']))
    .addOption(
      new Option('--timing <mode>', 'auto: instruction counts under TCG, hardware ns under KVM; timed: plain TCG ns (relative only)').choices([
        'auto',
        'icount',
        'timed',
      ]),
    )
    .addOption(new Option('--backend <backend>', 'VM backend').choices(['auto', 'qemu', 'vng']))
    .option('--resume <run-id>', 'continue an interrupted run: only the cells without a result run')
    .option('--results <dir>', 'where run directories go', 'results')
    .option('--dry-run', 'fetch and prepare, then print the exact command of every cell without booting')
    .option('--frozen-lockfile', 'fail when matrix.lock.json does not pin every kernel (CI)')
    .option('--baseline <file|dir>', 'previous summary.json or results dir: fail on a regression')
    .option('-q, --quiet', 'no progress output')
    .option('-v, --verbose', 'line-by-line output with guest console lines')
    .action(async (opts: RunCommandOptions) => {
      setExit(await runPipeline(opts));
    });
