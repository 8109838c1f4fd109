// The JSON Schemas the repository commits, each generated from its zod schema (zod 4's
// z.toJSONSchema) so the two cannot drift apart: editors validate matrix.json with the first, other
// tools read cell results, summaries and run.json with the rest. Regenerate them all after changing
// a zod schema: `npm run schema`. test/unit/schema.test.ts fails when a committed file is stale.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SUMMARY_VERSION, summary } from '../src/analysis/summary-schema.js';
import { matrix } from '../src/matrix/schema.js';
import { cellResult } from '../src/results/cell-result.js';
import { runMeta } from '../src/results/run-meta.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

export interface SchemaFile {
  /** Relative to the package root. */
  file: string;
  text(): string;
}

// `input`: the file is written by people or read back by tailmatrix (defaults make fields optional);
// `output`: the file is written by tailmatrix, every field as it emits it.
function schemaFile(file: string, schema: z.ZodType, io: 'input' | 'output', title: string, description: string): SchemaFile {
  return {
    file,
    text: () => {
      const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
      return `${JSON.stringify({ $schema, title, description, ...rest }, null, 2)}\n`;
    },
  };
}

export const SCHEMA_FILES: readonly SchemaFile[] = [
  schemaFile(
    'matrix.schema.json',
    matrix,
    'input',
    'tailmatrix matrix.json',
    'Kernels × boot configurations × benchmarks to measure, with runner settings and the regression gate.',
  ),
  schemaFile(
    'schemas/cell-result.schema.json',
    cellResult,
    'output',
    'tailmatrix cell result',
    "One cell's result (kernel × boot configuration × benchmark): raw samples, kernel fingerprint, JIT evidence, status and console tail. Written by `tailmatrix run` as results/<run-id>/cells/<cell-id>.json.",
  ),
  schemaFile(
    'schemas/summary.schema.json',
    summary,
    'input',
    `tailmatrix summary, version ${SUMMARY_VERSION}`,
    'Analysed tail-call costs per cell (kernel × boot configuration × benchmark): per-depth medians, OLS slopes ' +
      '(ns per tail call) with 95 % Student-t intervals, direct vs indirect comparison, JIT mechanism, and the ' +
      'baseline gate. Written by `tailmatrix report` as summary.json; accepted back by `--baseline`.',
  ),
  schemaFile(
    'schemas/run.schema.json',
    runMeta,
    'output',
    'tailmatrix run.json',
    'What a run was asked to do and where it ran: status, host, backend and accelerator with the reason for each, the matrix and lockfile it used, and its cell ids. Written by `tailmatrix run` as results/<run-id>/run.json.',
  ),
];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const s of SCHEMA_FILES) {
    const target = path.join(PACKAGE_ROOT, s.file);
    await writeFileAtomic(target, s.text());
    process.stdout.write(`${target}\n`);
  }
}
