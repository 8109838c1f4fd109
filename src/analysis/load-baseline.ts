// A previous report's summary.json read back for --baseline (src/benchmarks/analyse.ts `loadBaseline`
// chooses between such a file and a results directory analysed afresh).
import { err, ok, type Result } from '../util/result.js';
import { formatIssues } from '../util/zod-issues.js';
import { readJsonFile } from '../util/json-file.js';
import { summary as summarySchema, type Summary } from './summary-schema.js';

/** A previous report's summary.json, checked against the summary schema. */
export async function loadSummaryFile(file: string): Promise<Result<Summary, string>> {
  const json = await readJsonFile(file);
  if (!json.ok) return err(`cannot read a summary: ${json.error}`);
  const parsed = summarySchema.safeParse(json.value);
  if (!parsed.success) return err(`${file}: not a tailmatrix summary:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  return ok(parsed.data);
}
