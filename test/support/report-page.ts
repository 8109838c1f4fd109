// The HTML report written from result folders and opened in a real headless browser (Chromium or
// Google Chrome found on the machine, driven by playwright-core), with every chart's rendered marks
// read back and every page error, console error and network request collected.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReports } from '../../src/engine/report.js';
import { BROWSER_HINT, BROWSER_PROGRAMS, findBrowser } from '../../src/setup/browser.js';

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

export interface ChartInfo {
  kind: string | null;
  figureKind: string | null;
  method: string | null;
  groups: number;
  text: string;
  top: number;
  series: number;
  kernel: string | null;
  /** The chart's architecture (data-arch), null on charts that have none. */
  arch: string | null;
  width: number;
  legend: number;
  bars: number;
  whiskers: number;
  points: number;
  lines: number;
}

export interface OpenedReport {
  page: Page;
  charts: ChartInfo[];
  problems: string[];
  close(): Promise<void>;
}

export async function openHtmlReport(resultDirs: string[], opts: { baseline?: string } = {}): Promise<OpenedReport> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-html-'));
  const res = await writeReports({ resultDirs, outDir: tmp, ...(opts.baseline ? { baseline: opts.baseline } : {}), formats: ['html'] });
  if (!res.ok) throw new Error(res.error);
  const executablePath = await findBrowser();
  if (executablePath === undefined) {
    const looked = process.env.TAILMATRIX_CHROMIUM ? `TAILMATRIX_CHROMIUM=${process.env.TAILMATRIX_CHROMIUM}` : BROWSER_PROGRAMS.join(', ');
    throw new Error(`the HTML report test needs a Chromium or Google Chrome; none found (looked for ${looked}): ${BROWSER_HINT}`);
  }
  const browser: Browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(path.join(tmp, 'report.html')).href, { waitUntil: 'load' });
  const charts = await page.$$eval('figure.chart', (figs) =>
    figs.map((f) => ({
      kind: f.getAttribute('data-chart'),
      figureKind: f.getAttribute('data-kind'),
      method: f.getAttribute('data-method'),
      groups: Number(f.getAttribute('data-groups')),
      text: f.querySelector('svg')?.textContent ?? '',
      top: f.getBoundingClientRect().top + window.scrollY,
      series: Number(f.getAttribute('data-series')),
      kernel: f.getAttribute('data-kernel'),
      arch: f.getAttribute('data-arch'),
      width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      legend: f.querySelectorAll('.role-legend-symbol path').length,
      bars: f.querySelectorAll('.mark-rect.role-mark path').length,
      whiskers: f.querySelectorAll('.mark-rule.role-mark line').length,
      points: f.querySelectorAll('.mark-symbol.role-mark path').length,
      lines: f.querySelectorAll('.mark-line.role-mark path').length,
    })),
  );
  return {
    page,
    charts,
    problems,
    close: async () => {
      await browser.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
