// The repository's documentation holds together: every relative link in its Markdown files reaches a
// file (and a heading, when it names one), every `docs/<page>.md, "Heading"` citation in the code reaches
// its page and heading, and no file cites a document that is not in the repository.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const MARKDOWN = ['README.md', 'bpf/PROTOCOL.md', 'images/README.md', 'kernels/configs/README.md', 'test/fixtures/jit/README.md'];
const DOCS_DIR = 'docs';
/** Everything a clone holds that a reader follows: code, tests, recipes, docs. */
const CODE_ROOTS = [
  'src',
  'test',
  'bpf',
  'images',
  'kernels',
  'scripts',
  'bench',
  'examples',
  'docs',
  'vitest.config.ts',
  'README.md',
  'package.json',
];
/** Build output and test artifacts: not written by hand. */
const SKIP = new Set(['bpf/build', 'test/artifacts']);
/** Background notes that lived outside the repository; built at run time so this file does not cite them. */
const OUTSIDE_NOTES = ['METHOD', 'ENVIRONMENT', 'STYLE', 'ARCHITECTURE'].map((n) => `${n}.md`);

async function filesUnder(rel: string): Promise<string[]> {
  const abs = path.join(PACKAGE_ROOT, rel);
  const st = await stat(abs).catch(() => undefined);
  if (!st) return [];
  if (st.isFile()) return [rel];
  const out: string[] = [];
  for (const e of await readdir(abs, { withFileTypes: true })) {
    const child = path.join(rel, e.name);
    if (e.name === 'node_modules' || e.name.startsWith('.') || SKIP.has(child)) continue;
    out.push(...(await filesUnder(child)));
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const h = !inCode && /^#{1,6}\s+(.*)$/.exec(line);
    if (h) out.add(slug(h[1] ?? ''));
  }
  return out;
}

async function markdownFiles(): Promise<string[]> {
  const docs = (await filesUnder(DOCS_DIR)).filter((f) => f.endsWith('.md'));
  return [...MARKDOWN, ...docs];
}

describe('documentation', () => {
  it('has the three pages the code cites', async () => {
    const docs = await filesUnder(DOCS_DIR);
    for (const page of ['measurement.md', 'architecture.md', 'contributing.md']) expect(docs).toContain(path.join(DOCS_DIR, page));
  });

  it('every relative link reaches a file, and a heading when it names one', async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await readFile(path.join(PACKAGE_ROOT, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1] ?? '';
        if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
        const [target = '', anchor] = link.split('#');
        const resolved = target === '' ? file : path.join(path.dirname(file), target);
        const body = await readFile(path.join(PACKAGE_ROOT, resolved), 'utf8').catch(() => undefined);
        if (body === undefined) broken.push(`${file}: ${link} (no file ${resolved})`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(body).has(anchor))
          broken.push(`${file}: ${link} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every citation of a docs page names a page that exists, and a heading it has when it quotes one', async () => {
    const wrong: string[] = [];
    for (const root of CODE_ROOTS) {
      for (const file of await filesUnder(root)) {
        const text = await readFile(path.join(PACKAGE_ROOT, file), 'utf8');
        for (const m of text.matchAll(/docs\/([a-z0-9-]+\.md)(?:, "([^"]+)")?/g)) {
          const page = path.join(DOCS_DIR, m[1] ?? '');
          const body = await readFile(path.join(PACKAGE_ROOT, page), 'utf8').catch(() => undefined);
          if (body === undefined) wrong.push(`${file}: ${m[0]} (no such page)`);
          else if (m[2] !== undefined && !anchorsOf(body).has(slug(m[2]))) wrong.push(`${file}: ${m[0]} (no such heading)`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('nothing cites a document that is not in the repository', async () => {
    const citing: string[] = [];
    for (const root of CODE_ROOTS) {
      for (const file of await filesUnder(root)) {
        const text = await readFile(path.join(PACKAGE_ROOT, file), 'utf8');
        text.split('\n').forEach((line, i) => {
          if (OUTSIDE_NOTES.some((n) => line.includes(n))) citing.push(`${file}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(citing).toEqual([]);
  });
});
