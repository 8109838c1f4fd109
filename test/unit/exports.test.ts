import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { programOf, unusedExports } from '../../scripts/check-exports.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A throwaway project: relative path → file text, with a tsconfig over src/ and test/. */
async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tm-exports-'));
  dirs.push(root);
  const all = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: [],
      },
      include: ['src', 'test'],
    }),
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

const unusedIn = (root: string, entries: readonly string[] = []) =>
  unusedExports(programOf(path.join(root, 'tsconfig.json')), root, path.join(root, 'src'), entries);

// The real tree is checked by `npm run check:exports` (part of `npm run lint`): a whole-program pass
// takes about a minute on a loaded 2-core machine, too slow for the unit layer.
describe('the unused-export check (npm run check:exports)', () => {
  it('counts every kind of use from another file, tests included, and names each export nobody else uses', async () => {
    const root = await project({
      'src/a.ts': [
        'export const named = 1;',
        'export type OnlyAsType = { a: 1 };',
        'export const viaNamespace = 2;',
        'export const destructured = 3;',
        'export const reexported = 4;',
        'export const byTest = 5;',
        'export const onlyHere = 6;',
        'export const neverUsed = 7;',
        'export function main(): number { return onlyHere; }',
        'let t: import("./b.js").ImportType | undefined;',
        'export const typed = t;',
        '',
      ].join('\n'),
      'src/b.ts': [
        "import { named, type OnlyAsType } from './a.js';",
        "import * as ns from './a.js';",
        "export { reexported } from './a.js';",
        'export type ImportType = 1;',
        'export const use = async (x: OnlyAsType) => {',
        "  const { destructured } = await import('./a.js');",
        '  return [named, ns.viaNamespace, destructured, x];',
        '};',
        '',
      ].join('\n'),
      'src/c.ts': "import { reexported } from './b.js';\nexport const c = reexported;\n",
      'test/a.test.ts':
        "import { byTest } from '../src/a.js';\nimport { use } from '../src/b.js';\nimport { c } from '../src/c.js';\nimport { typed } from '../src/a.js';\nexport const t = [byTest, use, c, typed];\n",
    });
    expect(unusedIn(root)).toEqual(['src/a.ts main', 'src/a.ts neverUsed', 'src/a.ts onlyHere']);
    expect(unusedIn(root, ['src/a.ts main'])).toEqual(['src/a.ts neverUsed', 'src/a.ts onlyHere']);
  }, 60_000);

  it('keeps two exports of one name in different modules apart', async () => {
    const root = await project({
      'src/x.ts': 'export const same = 1;\n',
      'src/y.ts': 'export const same = 2;\n',
      'test/t.test.ts': "import { same } from '../src/x.js';\nexport const t = same;\n",
    });
    expect(unusedIn(root)).toEqual(['src/y.ts same']);
  }, 60_000);
});
