import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CELL_RESULT_SCHEMA_FILE, MATRIX_SCHEMA_FILE, cellResultJsonSchemaText, matrixJsonSchemaText } from '../../src/matrix/json-schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

describe('generated JSON Schemas', () => {
  it('matrix.schema.json is what src/matrix/schema.ts generates (run `npm run schema` after changing it)', async () => {
    expect(await readFile(path.join(PACKAGE_ROOT, MATRIX_SCHEMA_FILE), 'utf8')).toBe(matrixJsonSchemaText());
  });

  it('schemas/cell-result.schema.json is what src/results/cell-result.ts generates', async () => {
    expect(await readFile(path.join(PACKAGE_ROOT, CELL_RESULT_SCHEMA_FILE), 'utf8')).toBe(cellResultJsonSchemaText());
  });

  it('matrix.json points editors at the schema, and the schema describes every top-level key it uses', async () => {
    const m = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'matrix.json'), 'utf8')) as Record<string, unknown>;
    expect(m.$schema).toBe('./matrix.schema.json');
    const schema = JSON.parse(matrixJsonSchemaText()) as { properties: Record<string, unknown>; additionalProperties: unknown };
    for (const key of Object.keys(m)) expect(schema.properties).toHaveProperty(key);
    expect(schema.additionalProperties).toBe(false);
  });
});
