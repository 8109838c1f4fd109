// The HTML report opened in a real browser (Chromium or Google Chrome found on the machine, headless, driven by playwright-core):
// it must render with no error and no network request, with one bar chart per kernel and one
// duration-vs-depth chart per successful cell, each with its series. The screenshot is kept as
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

interface ChartInfo {
  kind: string | null;
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

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-html-'));
  const res = await writeReports({ resultDirs: [FIXTURE_ROOT], outDir: tmp, baseline: FIXTURE_ROOT, formats: ['html'] });
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
  emulatedCells = await page.locator('table.cells td.emulated').count();
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rm(tmp, { recursive: true, force: true });
});

const okModels = fixtureModels().filter((m) => !m.failure);

describe('HTML report in headless chromium', () => {
  it('renders without page errors, console errors or network requests', () => {
    expect(problems).toEqual([]);
  });

  it('has the table of every cell, emulated ones marked', () => {
    expect(tableRows).toBe(fixtureModels().length);
    expect(emulatedCells).toBe(fixtureModels().filter((m) => m.accelerator === 'tcg').length);
  });

  it('draws one direct-vs-indirect bar chart per kernel, with a CI whisker per bar', () => {
    const bars = charts.filter((c) => c.kind === 'kernel-bars');
    const kernels = [...new Set(okModels.map((m) => m.kernelId))];
    expect(bars.map((c) => c.kernel).sort()).toEqual(kernels.sort());
    for (const c of bars) {
      const cells = okModels.filter((m) => m.kernelId === c.kernel).length;
      expect(c.width).toBeGreaterThan(100);
      expect(c.series).toBe(2);
      expect(c.legend).toBe(2);
      expect(c.bars).toBe(2 * cells);
      expect(c.whiskers).toBe(2 * cells);
    }
  });

  it('draws one duration-vs-depth chart per successful cell, points and a fitted line per variant', () => {
    const depth = charts.filter((c) => c.kind === 'depth');
    expect(depth).toHaveLength(okModels.length);
    for (const c of depth) {
      expect(c.width).toBeGreaterThan(100);
      expect(c.series).toBe(2);
      expect(c.legend).toBe(2);
      expect(c.points).toBe(2 * 33);
      expect(c.lines).toBe(2);
    }
  });
});
