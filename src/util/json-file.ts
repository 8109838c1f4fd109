import { readFile } from 'node:fs/promises';
import { err, ok, type Result } from './result.js';

/** Read and parse a JSON file. With `allowMissing`, a file that does not exist gives ok(undefined). */
export async function readJsonFile(file: string, opts: { allowMissing?: boolean } = {}): Promise<Result<unknown, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.allowMissing) return ok(undefined);
    return err(`${file}: cannot read (${code ?? String(e)})`);
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return err(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}
