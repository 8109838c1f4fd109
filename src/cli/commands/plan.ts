import { Command } from 'commander';
import { collectList } from '../options.js';
import type { DefineCommand } from './define.js';
import { UserError } from '../../util/result.js';
import { EXIT } from '../exit-codes.js';

export const definePlanCommand: DefineCommand = (setExit) =>
  new Command('plan')
    .description('list the cells (kernel × boot configuration × benchmark) a run would execute')
    .option('-m, --matrix <file>', 'matrix file', 'matrix.json')
    .option('--kernel <id>', 'only these kernels (repeatable, comma-separated)', collectList, [])
    .option('--boot <name>', 'only these boot configurations', collectList, [])
    .option('--bench <name>', 'only these benchmarks', collectList, [])
    .option('--github', 'print a GitHub Actions strategy.matrix (JSON) instead of a table')
    .option('--json', 'print the cells as a JSON array: id, kernel, boot, cmdline, bench, replicate')
    .action(async (opts: { matrix: string; kernel: string[]; boot: string[]; bench: string[]; github?: boolean; json?: boolean }) => {
      const [{ loadMatrixOrThrow }, { githubMatrix, planCells }] = await Promise.all([
        import('../load-matrix-or-throw.js'),
        import('../../engine/plan.js'),
      ]);
      const { matrix } = await loadMatrixOrThrow(opts.matrix);
      const cells = planCells(matrix, { kernels: opts.kernel, boots: opts.boot, benches: opts.bench });
      if (!cells.ok) throw new UserError('cannot plan the run:', cells.error);
      if (opts.json) {
        const json = cells.value.map((c) => ({
          id: c.id,
          kernel: c.kernel.id,
          boot: c.boot.name,
          cmdline: c.boot.cmdline,
          bench: c.benchmark.name,
          replicate: c.replicate,
        }));
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else if (opts.github) {
        process.stdout.write(`${JSON.stringify(githubMatrix(cells.value))}\n`);
      } else {
        for (const c of cells.value) process.stdout.write(`${c.id}\t${c.boot.cmdline || '(default cmdline)'}\n`);
      }
      setExit(EXIT.ok);
    });
