// The report step of the engine: result folders → (rederive) → analysis → order → (baseline gate) → one file
// per format (rendered by src/report/) → step summary, and the verdict a CI job acts on. `run` calls this at
// the end; `tailmatrix report` calls it on its own.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { analyse } from '../analysis/analyse.js';
import { compareWithBaseline } from '../analysis/compare-baseline.js';
import { loadBaseline } from '../analysis/load-baseline.js';
import { loadResultDirs } from '../results/load.js';
import type { Summary } from '../analysis/summary-schema.js';
import { summaryVerdict } from './verdict.js';
import type { Outcome } from './outcome.js';
import type { Gate } from '../matrix/schema.js';
import { writeFileAtomic } from '../util/fs.js';
import { matrixOrder } from '../analysis/matrix-order.js';
import { runNotes } from '../analysis/run-notes.js';
import { patchedVsReference } from '../analysis/patched-vs-reference.js';
import { err, ok, type Result } from '../util/result.js';
import { resolveGate } from './resolve-gate.js';
import { rederiveLoaded } from '../run/rederive.js';
import { isReportFormat, REPORT_FORMATS, writers } from '../report/writers.js';

export interface WriteReportsOptions {
  resultDirs: string[];
  outDir: string;
  /** A previous summary.json, a results directory, or a report folder holding summary.json. */
  baseline?: string;
  /** Thresholds for the gate; default: the run's matrix gate, else the schema defaults. */
  gate?: Gate;
  /** Any of md, html, json, junit; default all. */
  formats?: string[];
  /** Append the Markdown report here too: GitHub's $GITHUB_STEP_SUMMARY file (appended to, as GitHub expects). */
  stepSummary?: string;
  /** Derive every cell again from its kept raw agent stream (src/run/rederive.ts) instead of its stored figures. */
  rederive?: boolean;
}

export interface ReportsWritten {
  summary: Summary;
  /** What the gate found over every cell of the report: ok, a regression, failed cells. */
  verdict: Outcome;
  files: string[];
}

export async function writeReports(opts: WriteReportsOptions): Promise<Result<ReportsWritten, string>> {
  const formats = opts.formats ?? REPORT_FORMATS;
  const unknown = formats.filter((f) => !isReportFormat(f));
  if (unknown.length > 0) return err(`unknown report format(s) ${unknown.join(', ')}; choose from ${REPORT_FORMATS.join(', ')}`);
  const loaded = await loadResultDirs(opts.resultDirs);
  if (!loaded.ok) return loaded;
  const cells = opts.rederive ? await rederiveLoaded(loaded.value.cells) : ok(loaded.value.cells);
  if (!cells.ok) return cells;
  const summary = analyse(
    cells.value.map((c) => c.cell),
    matrixOrder(loaded.value.runs),
  );
  summary.notes = runNotes(loaded.value.runs);
  const userKernels = [...new Set(loaded.value.runs.flatMap((r) => r.meta.userKernels ?? []))];
  if (userKernels.length > 0) summary.patchedVsReference = patchedVsReference(summary.cells, userKernels);
  if (opts.baseline !== undefined) {
    const base = await loadBaseline(opts.baseline);
    if (!base.ok) return base;
    summary.baseline = compareWithBaseline(summary, base.value, opts.baseline, resolveGate(opts.gate, loaded.value.runs));
  }
  const files: string[] = [];
  for (const f of [...new Set(formats)].filter(isReportFormat)) {
    const w = writers[f];
    const file = path.join(opts.outDir, w.fileName);
    await writeFileAtomic(file, await w.render(summary));
    files.push(file);
  }
  if (opts.stepSummary) await appendFile(opts.stepSummary, await writers.md.render(summary));
  return ok({ summary, verdict: summaryVerdict(summary), files });
}
