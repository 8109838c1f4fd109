// `tailmatrix --help` (and every command's) loads commander and the option definitions only: the heavy
// dependencies a command's action needs (listr2, zod, execa, got, tar, vega, the t-distribution) are imported
// when the action runs. That is what keeps --help near bare node's start-up (bench/help-time.ts times it).
// Real processes, with a loader hook recording every module they load (test/support/record-imports.mjs).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const HEAVY = ['listr2', 'zod', 'execa', 'got', 'tar', 'vega', 'vega-lite', '@stdlib', 'playwright-core'];
const COMMANDS = [
  [],
  ['run'],
  ['plan'],
  ['report'],
  ['fetch'],
  ['build'],
  ['bisect'],
  ['check'],
  ['lock'],
  ['cache'],
  ['cache', 'ls'],
  ['cache', 'prune'],
  ['doctor'],
  ['setup'],
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-help-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The npm packages a `--help` process loaded. */
async function packagesLoadedBy(args: string[]): Promise<string[]> {
  const record = path.join(dir, `${args.join('-') || 'root'}.txt`);
  const r = await execa(
    process.execPath,
    ['--import', './test/support/record-imports.mjs', '--import', 'tsx', 'test/support/cli.ts', ...args, '--help'],
    {
      cwd: PACKAGE_ROOT,
      env: { TAILMATRIX_RECORD_IMPORTS: record },
      reject: false,
    },
  );
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/^Usage: tailmatrix/);
  const urls = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
  // The hook works: the CLI's own modules are in the record.
  expect(urls.some((u) => u.endsWith('/src/cli/main.ts'))).toBe(true);
  const names = urls.flatMap((u) => {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    return m ? [m[1]!] : [];
  });
  return [...new Set(names)].sort();
}

describe('--help loads no heavy dependency', () => {
  it.each(COMMANDS.map((c) => ({ name: ['tailmatrix', ...c].join(' '), args: c })))('$name --help', async ({ args }) => {
    const loaded = await packagesLoadedBy(args);
    expect(loaded).toContain('commander');
    expect(loaded.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)))).toEqual([]);
  });
});
