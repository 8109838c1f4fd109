// Regenerate schemas/summary.schema.json from the zod schema: npx tsx scripts/write-summary-schema.ts
import path from 'node:path';
import { summaryJsonSchemaText } from '../src/analysis/summary-json-schema.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

const target = path.join(PACKAGE_ROOT, 'schemas', 'summary.schema.json');
await writeFileAtomic(target, summaryJsonSchemaText());
process.stdout.write(`${target}\n`);
