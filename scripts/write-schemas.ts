// Regenerate matrix.schema.json and schemas/cell-result.schema.json from the zod schemas:
//   npx tsx scripts/write-schemas.ts   (npm run schema)
import path from 'node:path';
import { CELL_RESULT_SCHEMA_FILE, MATRIX_SCHEMA_FILE, cellResultJsonSchemaText, matrixJsonSchemaText } from '../src/matrix/json-schema.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

for (const [file, content] of [
  [MATRIX_SCHEMA_FILE, matrixJsonSchemaText()],
  [CELL_RESULT_SCHEMA_FILE, cellResultJsonSchemaText()],
] as const) {
  const target = path.join(PACKAGE_ROOT, file);
  await writeFileAtomic(target, content);
  process.stdout.write(`${target}\n`);
}
