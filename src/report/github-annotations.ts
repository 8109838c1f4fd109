// GitHub Actions workflow commands for what the gate found: `::error` for regressions and for failed or
// missing cells or figures, `::warning` for pairs that are not comparable, `::notice` for new figures, so
// they show on the run's page and the pull request without opening the report. Printed by the CLI (report, run) only when GITHUB_ACTIONS is
// set; the engine and the report writers know nothing of GitHub.
import { readFile } from 'node:fs/promises';
import { cellKey } from '../analysis/analyse-cell.js';
import { summary as summarySchema, type Summary } from '../analysis/summary-schema.js';
import { isFailedStatus } from '../results/cell-result.js';
import { comparisonSentence, comparisonStatusOf, failureText, newFigureText, problemsBeyondCells, problemText } from './format.js';

/** Message data: GitHub reads %, CR and LF as escapes. */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** A property value (the title) also ends at ':' and ','. */
const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const command = (level: 'error' | 'warning' | 'notice', title: string, message: string) =>
  `::${level} title=${property(title)}::${data(message)}`;

export function githubAnnotations(s: Summary): string[] {
  const out: string[] = [];
  for (const c of s.cells) {
    if (isFailedStatus(c.status)) out.push(command('error', `tailmatrix: ${cellKey(c)} failed`, `${c.cellId}: ${failureText(c)}`));
  }
  const b = s.baseline;
  if (b === null) return out;
  for (const k of b.comparisons) {
    const status = comparisonStatusOf(k);
    if (status === 'regression') out.push(command('error', `tailmatrix: ${k.key} regression`, comparisonSentence(k)));
    else if (status === 'not-comparable') out.push(command('warning', `tailmatrix: ${k.key} not comparable`, comparisonSentence(k)));
  }
  // Failed cells of this run are annotated above, with their own message.
  for (const p of problemsBeyondCells(b)) {
    out.push(command('error', `tailmatrix: ${p.key}${p.figure ? ` ${p.figure}` : ''} ${p.problem}`, problemText(p)));
  }
  // A figure supported now and not then: told, not a failure.
  for (const n of b.newFigures) out.push(command('notice', `tailmatrix: ${n.key} ${n.figure} new`, newFigureText(n)));
  return out;
}

/** Under GitHub Actions, print the annotations for a summary (or a summary.json written by `run`). */
export async function annotateForGithub(
  from: Summary | string,
  env: NodeJS.ProcessEnv,
  stdout: { write(s: string): unknown },
): Promise<void> {
  if (env.GITHUB_ACTIONS !== 'true') return;
  const s =
    typeof from === 'string'
      ? summarySchema.safeParse(JSON.parse(await readFile(from, 'utf8').catch(() => 'null')))
      : { success: true as const, data: from };
  if (!s.success || s.data === null) return;
  for (const line of githubAnnotations(s.data)) stdout.write(`${line}\n`);
}
