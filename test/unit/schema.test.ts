import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { SCHEMA_FILES } from '../../scripts/write-schemas.js';

async function committed(file: string): Promise<string | undefined> {
  return readFile(path.join(PACKAGE_ROOT, file), 'utf8').catch(() => undefined);
}

describe('generated JSON Schemas', () => {
  it('every committed JSON Schema is what its zod schema generates (run `npm run schema` after changing one)', async () => {
    expect(SCHEMA_FILES.map((s) => s.file)).toEqual([
      'matrix.schema.json',
      'schemas/cell-result.schema.json',
      'schemas/summary.schema.json',
      'schemas/run.schema.json',
    ]);
    const stale: string[] = [];
    for (const s of SCHEMA_FILES) if ((await committed(s.file)) !== s.text()) stale.push(s.file);
    expect(stale, 'stale or missing: run `npm run schema` and commit the result').toEqual([]);
  });

  it('matrix.json points editors at the schema, and the schema describes every top-level key it uses', async () => {
    const m = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'matrix.json'), 'utf8')) as Record<string, unknown>;
    expect(m.$schema).toBe('./matrix.schema.json');
    const matrixSchema = SCHEMA_FILES.find((s) => s.file === 'matrix.schema.json')!;
    const schema = JSON.parse(matrixSchema.text()) as { properties: Record<string, unknown>; additionalProperties: unknown };
    for (const key of Object.keys(m)) expect(schema.properties).toHaveProperty(key);
    expect(schema.additionalProperties).toBe(false);
  });
});
