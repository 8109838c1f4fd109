import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  it('has no import cycle, no two folders importing each other, nothing outside src/cli/ importing it, and src/cli/ importing only what its rule allows (npm run check:imports)', async () => {
    expect(await importViolations(path.join(PACKAGE_ROOT, 'src'))).toEqual([]);
    // Parses every module of src/: a few seconds alone, far more on a loaded 2-core machine.
  }, 60_000);
});

/** Every folder under src/, as `a/` or `a/b/`, relative to src/. */
async function foldersUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    out.push(`${prefix}${e.name}/`, ...(await foldersUnder(path.join(dir, e.name), `${prefix}${e.name}/`)));
  }
  return out;
}

describe('docs/architecture.md', () => {
  it('its table of src/ folders lists every folder under src/, and none that is not there', async () => {
    const doc = await readFile(path.join(PACKAGE_ROOT, 'docs', 'architecture.md'), 'utf8');
    const section = doc.split('## What each `src/` folder owns')[1]?.split('\n## ')[0];
    expect(section, 'the section "What each `src/` folder owns"').toBeDefined();
    // The first table of the section: its rows' first cells name one or more folders in backticks.
    const table = section!.split('\n\n').find((block) => block.trimStart().startsWith('| folder |'))!;
    const listed = table
      .split('\n')
      .slice(2)
      .flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+\/)`/g)].map((m) => m[1]!));
    expect([...listed].sort()).toEqual((await foldersUnder(path.join(PACKAGE_ROOT, 'src'))).sort());
  });
});

describe('the import checker', () => {
  it('follows every kind of import: type-only, export-from, lazy, import types, .js resolved to .ts, index folders', async () => {
    const src = await tree({
      'a.ts':
        "import type { B } from './b.js';\nexport { c } from './c.js';\nexport const lazy = () => import('./d.js');\nimport { e } from './e';\nlet f: import('./f.js').F;\nimport x from 'zod';\nimport { readFile } from 'node:fs';\n// import { z } from './not-a-module.js';\n",
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
      'kernels/sources/debian.ts':
        "import type { Source } from '../source.js';\nimport { fetchAll } from './url.js';\nexport type Debian = { s?: Source };\n",
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
      'folders import each other: src/cli → src/report → src/cli (src/cli/main.ts → src/report/write.ts; src/report/write.ts → src/cli/exit-codes.ts)',
      'imports src/cli/ from outside it: src/report/write.ts → src/cli/exit-codes.ts',
      'src/cli/ imports a module outside cli/, engine/, matrix/, util/ and the vocabulary modules: src/cli/main.ts → src/report/write.ts',
      "unresolved import: src/report/write.ts: import './gone.js' names no file",
    ]);
  });

  it('fails when two folders import each other, or three in a ring, naming one import of each arrow', async () => {
    const src = await tree({
      'matrix/schema.ts': "import { VERDICT_DEPTHS } from '../vm/traffic.js';\nexport const s = VERDICT_DEPTHS;\n",
      'vm/traffic.ts': 'export const VERDICT_DEPTHS = [2];\n',
      'vm/agent.ts': "import { s } from '../matrix/schema.js';\nexport const a = s;\n",
      'guest/payload.ts': "import { a } from '../vm/agent.js';\nexport const p = a;\n",
      'kernels/cache.ts': "import { p } from '../guest/payload.js';\nexport const c = p;\n",
      'vm/kernel.ts': "import { c } from '../kernels/cache.js';\nexport const k = c;\n",
    });
    expect(await importViolations(src)).toEqual([
      'folders import each other: src/guest → src/vm → src/kernels → src/guest (src/guest/payload.ts → src/vm/agent.ts; src/vm/kernel.ts → src/kernels/cache.ts; src/kernels/cache.ts → src/guest/payload.ts)',
      'folders import each other: src/matrix → src/vm → src/matrix (src/matrix/schema.ts → src/vm/traffic.ts; src/vm/agent.ts → src/matrix/schema.ts)',
    ]);
  });

  it('fails when src/cli/ imports a module outside its folders and vocabulary modules', async () => {
    const src = await tree({
      'cli/main.ts':
        "import { run } from '../engine/run.js';\nimport { m } from '../matrix/schema.js';\nimport { F } from '../report/formats.js';\nimport { x } from '../measure/x86.js';\n",
      'engine/run.ts': "import { m } from '../matrix/schema.js';\nimport { x } from '../measure/x86.js';\nexport const run = m + x;\n",
      'matrix/schema.ts': 'export const m = 1;\n',
      'report/formats.ts': 'export const F = 1;\n',
      'measure/x86.ts': 'export const x = 1;\n',
    });
    const rule = { folders: ['engine', 'matrix', 'util'], vocabulary: ['report/formats.ts'] };
    expect(await importViolations(src, rule)).toEqual([
      'src/cli/ imports a module outside cli/, engine/, matrix/, util/ and the vocabulary modules: src/cli/main.ts → src/measure/x86.ts',
    ]);
    expect(await importViolations(src, { folders: ['engine', 'matrix', 'util', 'measure'], vocabulary: ['report/formats.ts'] })).toEqual(
      [],
    );
    expect(await importViolations(src, { folders: ['engine', 'matrix', 'util', 'measure'], vocabulary: [] })).toHaveLength(1);
  });

  it('finds nothing in a tree that keeps the rules', async () => {
    const src = await tree({
      'cli/main.ts':
        "import { w } from '../engine/report.js';\nimport { F } from '../report/formats.js';\nimport { EXIT } from './exit-codes.js';\n",
      'cli/exit-codes.ts': 'export const EXIT = { ok: 0 };\n',
      'engine/report.ts': "import { r } from '../report/write.js';\nexport const w = r;\n",
      'report/formats.ts': 'export const F = 1;\n',
      'report/write.ts': "import { ok } from '../util/result.js';\nexport const r = ok;\n",
      'util/result.ts': 'export const ok = 1;\n',
    });
    expect(await importViolations(src)).toEqual([]);
  });
});
