import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { summary as summarySchema, type Summary } from '../../src/analysis/summary-schema.js';
import { escapeXml } from '../../src/report/escape.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { REPORT_FORMATS, writers } from '../../src/report/writers.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { FIXTURE_ROOT } from '../fixtures/results/generate.js';
import { analyseResultDirs } from '../../src/benchmarks/analyse.js';

const GOLDEN = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'golden');

/** Timestamps and the tool's own version change without the report changing: mask them. */
function mask(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<timestamp>')
    .replace(/tailmatrix \d+\.\d+\.\d+\S*/g, 'tailmatrix <version>');
}

/** UPDATE_GOLDEN=1 rewrites the golden file; otherwise the masked output must equal it. */
async function expectGolden(name: string, actual: string): Promise<void> {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, mask(actual));
  expect(mask(actual)).toBe(await readFile(file, 'utf8'));
}

let summary: Summary;
beforeAll(async () => {
  const analysed = await analyseResultDirs([FIXTURE_ROOT]);
  if (!analysed.ok) throw new Error(analysed.error);
  summary = analysed.value;
});

describe('markdown report', () => {
  it('matches the golden file', async () => {
    await expectGolden('report.md', renderMarkdown(summary));
  });

  it('marks emulated cells and the direct variant that did not jump directly', () => {
    const md = renderMarkdown(summary);
    const tcgRows = md.split('\n').filter((l) => l.startsWith('| ') && l.includes('| tcg'));
    expect(tcgRows).toHaveLength(4);
    for (const r of tcgRows) expect(r).toContain('emulated: relative only, not hardware timing');
    expect(md).toMatch(/45\.\d\d ± 0\.\d\d ns\/call ⚠️ not a direct jump \(plain-indirect\)/);
  });

  it('fences a console excerpt with more backticks than it contains', () => {
    const s = structuredClone(summary);
    const failed = s.cells.find((c) => c.status !== 'ok')!;
    failed.consoleExcerpt = ['agent said ```oops```', 'and | pipes'];
    const md = renderMarkdown(s);
    expect(md).toContain('````text\nagent said ```oops```\nand | pipes\n````');
  });
});

describe('junit report', () => {
  it('matches the golden file', async () => {
    await expectGolden('junit.xml', renderJunit(summary));
  });

  it('has one test case per cell and fails the panicked one with its console', () => {
    const xml = renderJunit(summary);
    expect(xml.match(/<testcase /g)).toHaveLength(8);
    expect(xml).toContain('<testsuites name="tailmatrix" tests="8" failures="1"');
    expect(xml).toMatch(
      /<failure type="panic" message="panic: Kernel panic - not syncing[^"]*">[^<]*RIP: 0010:bpf_prog_array_map_poke_run/,
    );
  });
});

describe('escapeXml', () => {
  it('escapes markup and replaces characters XML forbids', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('\u001b[0mok\u0000')).toBe('\uFFFD[0mok\uFFFD');
    expect(escapeXml('tab\tand\nnewline')).toBe('tab\tand\nnewline');
  });
});

describe('json summary', () => {
  it('reads back through its own schema unchanged', () => {
    const parsed = summarySchema.parse(JSON.parse(renderJson(summary)));
    expect(parsed).toEqual(summary);
  });
});

describe('every writer', () => {
  it('renders the same bytes twice (no clock, no render-order ids)', async () => {
    for (const f of REPORT_FORMATS) {
      const a = await writers[f].render(summary);
      const b = await writers[f].render(summary);
      expect(a.length, f).toBeGreaterThan(0);
      expect(a === b, `${f} differs between two renders`).toBe(true);
    }
    // Rendering the HTML charts twice takes a few seconds on a busy 2-core machine.
  }, 60_000);
});
