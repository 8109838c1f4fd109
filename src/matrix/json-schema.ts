// JSON Schemas generated from the zod schemas (zod 4's z.toJSONSchema), so editors can validate
// matrix.json and other tools can read cell results. scripts/write-schemas.ts writes them; a unit test
// fails when the committed files differ from what the zod schemas generate now.
import { z } from 'zod';
import { matrix } from './schema.js';
import { cellResult } from '../results/cell-result.js';

export const MATRIX_SCHEMA_FILE = 'matrix.schema.json';
export const CELL_RESULT_SCHEMA_FILE = 'schemas/cell-result.schema.json';

function text(schema: Record<string, unknown>, title: string): string {
  return `${JSON.stringify({ title, ...schema }, null, 2)}\n`;
}

/** What a person writes: defaults make fields optional, so the schema describes the input side. */
export function matrixJsonSchemaText(): string {
  return text(z.toJSONSchema(matrix, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>, 'tailmatrix matrix.json');
}

/** What a run writes: every field as the runner emits it. */
export function cellResultJsonSchemaText(): string {
  return text(z.toJSONSchema(cellResult, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>, 'tailmatrix cell result');
}
