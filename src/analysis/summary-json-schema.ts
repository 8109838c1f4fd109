// The JSON Schema of summary.json, derived from the zod schema so the two cannot drift apart
// (scripts/write-summary-schema.ts writes it; a unit test checks the committed file).
import { z } from 'zod';
import { SUMMARY_VERSION, summary } from './summary-schema.js';

export function summaryJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(summary, { target: 'draft-2020-12', io: 'input' });
  return {
    $schema,
    title: `tailmatrix summary, version ${SUMMARY_VERSION}`,
    description:
      'Analysed tail-call costs per cell (kernel × boot configuration × benchmark): per-depth medians, OLS slopes ' +
      '(ns per tail call) with 95 % Student-t intervals, direct vs indirect comparison, JIT mechanism, and the ' +
      'baseline gate. Written by `tailmatrix report` as summary.json; accepted back by `--baseline`.',
    ...rest,
  };
}

export function summaryJsonSchemaText(): string {
  return `${JSON.stringify(summaryJsonSchema(), null, 2)}\n`;
}
