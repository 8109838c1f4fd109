import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { buildImportGraph, importViolations } from '../../scripts/check-imports.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A throwaway src/ tree: relative path → file text. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tm-arch-'));
  dirs.push(root);
  const src = path.join(root, 'src');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(src, name)), { recursive: true });
    await writeFile(path.join(src, name), text);
  }
  return src;
}

describe('the architecture of src/', () => {
  it('has no import cycle, and nothing outside src/cli/ imports from src/cli/ (npm run check:imports)', async () => {
    expect(await importViolations(path.join(PACKAGE_ROOT, 'src'))).toEqual([]);
  });
});

describe('the import checker', () => {
  it('follows every kind of import: type-only, export-from, lazy, import types, .js resolved to .ts, index folders', async () => {
    const src = await tree({
      'a.ts': "import type { B } from './b.js';\nexport { c } from './c.js';\nexport const lazy = () => import('./d.js');\nimport { e } from './e';\nlet f: import('./f.js').F;\nimport x from 'zod';\nimport { readFile } from 'node:fs';\n// import { z } from './not-a-module.js';\n",
      'b.ts': 'export type B = 1;\n',
      'c.ts': 'export const c = 1;\n',
      'd.ts': 'export const d = 1;\n',
      'e/index.ts': 'export const e = 1;\n',
      'f.ts': 'export type F = 1;\n',
    });
    const { graph, unresolved } = await buildImportGraph(src);
    expect([...graph.get('a.ts')!].sort()).toEqual(['b.ts', 'c.ts', 'd.ts', 'e/index.ts', 'f.ts']);
    expect(unresolved).toEqual([]);
  });

  it('lists each cycle once as a path from its first module, cli imports from outside, and unresolved imports', async () => {
    const src = await tree({
      'kernels/source.ts': "import type { Debian } from './sources/debian.js';\nexport type Source = Debian;\n",
      'kernels/sources/debian.ts': "import type { Source } from '../source.js';\nimport { fetchAll } from './url.js';\nexport type Debian = { s?: Source };\n",
      'kernels/sources/url.ts': "import { Debian } from './debian.js';\nexport const fetchAll = (d: Debian) => d;\n",
      'self.ts': "export * from './self.js';\n",
      'cli/exit-codes.ts': 'export const EXIT = { ok: 0 };\n',
      'cli/main.ts': "import { EXIT } from './exit-codes.js';\nimport { r } from '../report/write.js';\n",
      'report/write.ts': "import { EXIT } from '../cli/exit-codes.js';\nimport { gone } from './gone.js';\nexport const r = EXIT;\n",
    });
    expect(await importViolations(src)).toEqual([
      'import cycle: src/kernels/source.ts → src/kernels/sources/debian.ts → src/kernels/source.ts',
      'import cycle: src/kernels/sources/debian.ts → src/kernels/sources/url.ts → src/kernels/sources/debian.ts',
      'import cycle: src/self.ts → src/self.ts',
      'imports src/cli/ from outside it: src/report/write.ts → src/cli/exit-codes.ts',
      "unresolved import: src/report/write.ts: import './gone.js' names no file",
    ]);
  });

  it('finds nothing in a tree that keeps the rules', async () => {
    const src = await tree({
      'cli/main.ts': "import { r } from '../report/write.js';\nimport { EXIT } from './exit-codes.js';\n",
      'cli/exit-codes.ts': 'export const EXIT = { ok: 0 };\n',
      'report/write.ts': "import { ok } from '../util/result.js';\nexport const r = ok;\n",
      'util/result.ts': 'export const ok = 1;\n',
    });
    expect(await importViolations(src)).toEqual([]);
  });
});
