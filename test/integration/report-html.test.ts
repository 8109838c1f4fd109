// The HTML report opened in a real browser (Chromium or Google Chrome found on the machine, headless, driven by playwright-core):
// it must render with no error and no network request, with an overview chart per figure kind at the
// top, one bar chart per kernel and figure kind, and one duration-vs-depth chart per successful cell,
// each with its series and one unit per axis. The report holds cells of all three kinds: the KVM and
// plain-TCG fixture runs and a real -icount run (test/fixtures/icount). The screenshot is kept as
// test/artifacts/report.png.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/write-reports.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { BROWSER_HINT, BROWSER_PROGRAMS, findBrowser } from '../../src/setup/browser.js';
import { FIXTURE_ROOT, fixtureModels } from '../fixtures/results/generate.js';

// The flags the team uses for headless chromium on CI: no sandbox (root), nothing phoning home.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.join(PACKAGE_ROOT, 'test', 'artifacts');

const ICOUNT_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'icount');
/** The real -icount run: four kernels × two boots, every cell ok. */
const ICOUNT_CELLS = 8;

interface ChartInfo {
  kind: string | null;
  figureKind: string | null;
  groups: number;
  text: string;
  top: number;
  series: number;
  kernel: string | null;
  width: number;
  legend: number;
  bars: number;
  whiskers: number;
  points: number;
  lines: number;
}

let tmp: string;
let browser: Browser;
let charts: ChartInfo[];
let problems: string[];
let tableRows: number;
let emulatedCells: number;
let firstTableTop: number;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-html-'));
  const res = await writeReports({ resultDirs: [FIXTURE_ROOT, ICOUNT_ROOT], outDir: tmp, baseline: FIXTURE_ROOT, formats: ['html'] });
  if (!res.ok) throw new Error(res.error);
  const executablePath = await findBrowser();
  if (executablePath === undefined) {
    const looked = process.env.TAILMATRIX_CHROMIUM ? `TAILMATRIX_CHROMIUM=${process.env.TAILMATRIX_CHROMIUM}` : BROWSER_PROGRAMS.join(', ');
    throw new Error(`the HTML report test needs a Chromium or Google Chrome; none found (looked for ${looked}): ${BROWSER_HINT}`);
  }
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(path.join(tmp, 'report.html')).href, { waitUntil: 'load' });
  charts = await page.$$eval('figure.chart', (figs) =>
    figs.map((f) => ({
      kind: f.getAttribute('data-chart'),
      figureKind: f.getAttribute('data-kind'),
      groups: Number(f.getAttribute('data-groups')),
      text: f.querySelector('svg')?.textContent ?? '',
      top: f.getBoundingClientRect().top + window.scrollY,
      series: Number(f.getAttribute('data-series')),
      kernel: f.getAttribute('data-kernel'),
      width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      legend: f.querySelectorAll('.role-legend-symbol path').length,
      bars: f.querySelectorAll('.mark-rect.role-mark path').length,
      whiskers: f.querySelectorAll('.mark-rule.role-mark line').length,
      points: f.querySelectorAll('.mark-symbol.role-mark path').length,
      lines: f.querySelectorAll('.mark-line.role-mark path').length,
    })),
  );
  tableRows = await page.locator('table.cells tbody tr').count();
  firstTableTop = await page.locator('table.cells').first().evaluate((t) => t.getBoundingClientRect().top + window.scrollY);
  emulatedCells = await page.locator('table.cells td.emulated').count();
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rm(tmp, { recursive: true, force: true });
});

const okModels = fixtureModels().filter((m) => !m.failure);
const kindOf = (m: (typeof okModels)[number]) => (m.accelerator === 'kvm' ? 'hardware-ns' : 'emulated-ns');
const unitWords = (kind: string | null) => (kind === 'instructions' ? 'instructions per tail call' : 'ns per tail call');

describe('HTML report in headless chromium', () => {
  it('renders without page errors, console errors or network requests', () => {
    expect(problems).toEqual([]);
  });

  it('has the table of every cell, emulated ones marked', () => {
    expect(tableRows).toBe(fixtureModels().length + ICOUNT_CELLS);
    expect(emulatedCells).toBe(fixtureModels().filter((m) => m.accelerator === 'tcg').length + ICOUNT_CELLS);
  });

  it('opens with one overview chart per figure kind, above the tables: every kernel and boot, one unit each', () => {
    const overview = charts.filter((c) => c.kind === 'overview');
    expect(overview.map((c) => c.figureKind).sort()).toEqual(['emulated-ns', 'hardware-ns', 'instructions']);
    for (const c of overview) {
      const cells = c.figureKind === 'instructions' ? ICOUNT_CELLS : okModels.filter((m) => kindOf(m) === c.figureKind).length;
      expect(c.top).toBeLessThan(firstTableTop);
      expect(c.groups).toBe(cells);
      expect(c.bars).toBe(2 * cells);
      expect(c.whiskers).toBe(2 * cells);
      expect(c.legend).toBe(2);
      // One unit on the axis, never the other one.
      expect(c.text).toContain(unitWords(c.figureKind));
      // ("instructions per tail call" ends in "ns per tail call": match the word, not the suffix.)
      expect(c.text).not.toMatch(c.figureKind === 'instructions' ? /(^|[^a-z])ns per tail call/ : /instructions per tail call/);
    }
    expect(overview.find((c) => c.figureKind === 'instructions')!.text).toContain("not the speculation cost of a retpoline");
  });

  it('draws one direct-vs-indirect bar chart per kernel and figure kind, with a CI whisker per bar', () => {
    const bars = charts.filter((c) => c.kind === 'kernel-bars');
    const expected = [
      ...new Set([...okModels.map((m) => `${m.kernelId} ${kindOf(m)}`), ...['5.10-cloud', '6.1-cloud', '6.12-cloud', 'sid-cloud'].map((k) => `${k} instructions`)]),
    ];
    expect(bars.map((c) => `${c.kernel} ${c.figureKind}`).sort()).toEqual(expected.sort());
    for (const c of bars) {
      expect(c.text).toContain(unitWords(c.figureKind));
      const cells = c.figureKind === 'instructions' ? 2 : okModels.filter((m) => m.kernelId === c.kernel && kindOf(m) === c.figureKind).length;
      expect(c.width).toBeGreaterThan(100);
      expect(c.series).toBe(2);
      expect(c.legend).toBe(2);
      expect(c.bars).toBe(2 * cells);
      expect(c.whiskers).toBe(2 * cells);
    }
  });

  it('draws one duration-vs-depth chart per successful cell, points and a fitted line per variant', () => {
    const depth = charts.filter((c) => c.kind === 'depth');
    expect(depth).toHaveLength(okModels.length + ICOUNT_CELLS);
    for (const c of depth) {
      expect(c.text).toContain(c.figureKind === 'instructions' ? 'fewest instructions per repetition' : 'median duration (ns)');
      expect(c.width).toBeGreaterThan(100);
      expect(c.series).toBe(2);
      expect(c.legend).toBe(2);
      expect(c.points).toBe(2 * 33);
      expect(c.lines).toBe(2);
    }
  });
});
