// `node --import ./test/support/record-imports.mjs …`: appends the URL of every module the process loads to the
// file named by TAILMATRIX_RECORD_IMPORTS, one a line (test/integration/help-imports.test.ts reads it to see
// that `--help` loads no command's heavy dependencies). The hooks run on node's loader thread, hence a file.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.TAILMATRIX_RECORD_IMPORTS) appendFileSync(process.env.TAILMATRIX_RECORD_IMPORTS, url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
