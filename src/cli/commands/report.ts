// tailmatrix report <dir…>: rebuild the reports from cell result files, merging several result
// folders (several machines or CI jobs) into one report, optionally gated against a baseline.
import { Command, Option } from 'commander';
import type { Gate } from '../../matrix/schema.js';
import { REPORT_FORMATS } from '../../report/formats.js';
import { UserError } from '../../util/result.js';
import type { DefineCommand } from './define.js';
import { finishWith } from '../exit-codes.js';

interface ReportFlags {
  out?: string;
  baseline?: string;
  format: string;
  gateNs?: string;
  gatePct?: string;
  gateInstructions?: string;
  rederive?: boolean;
}

async function gateFrom(flags: ReportFlags): Promise<Gate | undefined> {
  const { gate: gateSchema } = await import('../../matrix/schema.js');
  if (flags.gateNs === undefined && flags.gatePct === undefined && flags.gateInstructions === undefined) return undefined;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const parsed = gateSchema.safeParse({
    thresholdNs: num(flags.gateNs),
    thresholdPct: num(flags.gatePct),
    instructions: num(flags.gateInstructions),
  });
  if (!parsed.success) throw new UserError('--gate-ns / --gate-pct / --gate-instructions: expected non-negative numbers');
  return parsed.data;
}

export const defineReport: DefineCommand = (setExit) =>
  new Command('report')
    .description('write report.md, report.html, summary.json and junit.xml from cell result files')
    .argument('<dirs...>', 'results/<run-id> folders (or folders of them) to merge into one report')
    .option('-o, --out <dir>', 'where to write the reports (default: the result folder, when only one is given)')
    .option('-b, --baseline <path>', 'previous summary.json or results folder to gate against')
    .addOption(new Option('-f, --format <list>', `comma-separated formats: ${REPORT_FORMATS.join(',')}`).default(REPORT_FORMATS.join(',')))
    .option('--gate-ns <ns>', "timed cells: smallest rise that counts, ns per call (default: the run's matrix gate)")
    .option('--gate-pct <pct>', "timed cells: smallest rise that counts, percent (default: the run's matrix gate)")
    .option(
      '--gate-instructions <n>',
      "instruction cells: a rise of at least n instructions per call regresses (default: the run's matrix gate)",
    )
    .option('--rederive', 'derive every cell again from its kept raw agent stream (results/<run>/raw), not its stored figures')
    .action(async (dirs: string[], flags: ReportFlags) => {
      const outDir = flags.out ?? (dirs.length === 1 ? dirs[0] : undefined);
      if (outDir === undefined) throw new UserError('several result folders given: say where the merged report goes with --out');
      // Loaded on use, not at the top: `--help` must not load the analysis and zod (bench/help-time.ts).
      const { writeReports, annotateForGithub } = await import('../../engine/report.js');
      const res = await writeReports({
        resultDirs: dirs,
        outDir,
        baseline: flags.baseline,
        gate: await gateFrom(flags),
        rederive: flags.rederive ?? false,
        formats: flags.format
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== ''),
        // In a GitHub Actions job the Markdown report also becomes the job's summary page.
        stepSummary: process.env.GITHUB_STEP_SUMMARY || undefined,
      });
      if (!res.ok) throw new UserError(res.error);
      const { summary, files, verdict } = res.value;
      for (const f of files) process.stdout.write(`${f}\n`);
      await annotateForGithub(summary, process.env, process.stdout);
      const t = summary.totals;
      const regressions = summary.baseline ? `, ${summary.baseline.regressions} regression(s)` : '';
      process.stderr.write(
        `${t.cells} cell(s): ${t.ok} ok, ${t.failed} failed, ${t.skipped} skipped, ${t.emulated} emulated${regressions}\n`,
      );
      setExit(finishWith(verdict));
    });
