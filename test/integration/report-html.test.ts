// The HTML report opened in a real browser (Chromium or Google Chrome found on the machine, headless, driven by playwright-core):
// it must render with no error and no network request, with an overview chart per figure kind at the
// top, one bar chart per kernel and figure kind, and one duration-vs-depth chart per successful cell,
// each with its series and one unit per axis. The report holds cells of all three kinds: the KVM and
// plain-TCG fixture runs and a real -icount run (test/fixtures/icount). The screenshot is kept as
// test/artifacts/report.png.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { FIXTURE_ROOT, fixtureModels } from '../fixtures/results/generate.js';
import { openHtmlReport, type ChartInfo, type OpenedReport } from '../support/report-page.js';

const ARTIFACTS = path.join(PACKAGE_ROOT, 'test', 'artifacts');

const ICOUNT_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'icount');
/** The real -icount run: four kernels × two boots, every cell ok. */
const ICOUNT_CELLS = 8;

let report: OpenedReport;
let charts: ChartInfo[];
let problems: string[];
let tableRows: number;
let emulatedCells: number;
let firstTableTop: number;
let sequenceRows: string[];
const overflow: Record<number, { page: number; outside: string[] }> = {};
let findingsTop: number;
let overviewTop: number;
let findingItems: string[];
let overviewText: string;
let pageText: string;
let warningCells: string[];

beforeAll(async () => {
  report = await openHtmlReport([FIXTURE_ROOT, ICOUNT_ROOT], { baseline: FIXTURE_ROOT });
  ({ charts, problems } = report);
  const page = report.page;
  tableRows = await page.locator('table.cells tbody tr').count();
  firstTableTop = await page
    .locator('table.cells')
    .first()
    .evaluate((t) => t.getBoundingClientRect().top + window.scrollY);
  emulatedCells = await page.locator('table.cells td.emulated').count();
  sequenceRows = await page.locator('table.sequences tbody tr').allInnerTexts();
  for (const width of [1280, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    overflow[width] = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      // Anything whose right edge passes the viewport, except inside a box that scrolls on its own (wide tables).
      outside: [...document.querySelectorAll('body *')]
        .filter((e) => !e.closest('.table-wrap, pre') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`)
        .slice(0, 5),
    }));
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  findingsTop = await page.locator('section.findings').evaluate((s) => s.getBoundingClientRect().top + window.scrollY);
  overviewTop = await page.locator('section.overview').evaluate((s) => s.getBoundingClientRect().top + window.scrollY);
  findingItems = await page.locator('section.findings li').allTextContents();
  overviewText = (await page.locator('section.overview').textContent()) ?? '';
  pageText = (await page.locator('body').textContent()) ?? '';
  warningCells = await page.locator('table.cells td .warning').allTextContents();
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
}, 120_000);

afterAll(async () => {
  await report?.close();
});

const okModels = fixtureModels().filter((m) => !m.failure);
const kindOf = (m: (typeof okModels)[number]) => (m.accelerator === 'kvm' ? 'hardware-ns' : 'emulated-ns');
const unitWords = (kind: string | null) => (kind === 'instructions' ? 'instructions per tail call' : 'ns per tail call');

describe('HTML report in headless chromium', () => {
  it('never scrolls sideways at 1280 px or 1024 px: charts shrink to fit, wide tables scroll in their own box', () => {
    expect(overflow[1280]).toEqual({ page: 0, outside: [] });
    expect(overflow[1024]).toEqual({ page: 0, outside: [] });
  });

  it('opens with what the run found: one sentence per figure kind, ratios with their interval', () => {
    expect(findingsTop).toBeLessThan(overviewTop);
    expect(findingItems.find((f) => f.startsWith('Hardware timing: ns per tail call: the cost'))).toMatch(
      /\d+\.\d\d \[\d+\.\d\d, \d+\.\d\d\] ×/,
    );
    // The fixtures' one hardware cell with a knee is read out per regime, with no single ratio.
    expect(findingItems.find((f) => f.startsWith('Hardware timing: ns per tail call on 5.10-cloud / retpoline'))).toMatch(
      /one line does not describe the cost \(a knee\), so no single ratio is given: direct [\d.]+ ± [\d.]+ ns\/call → /,
    );
    expect(findingItems.some((f) => f.startsWith('Exact instruction counts'))).toBe(true);
    expect(findingItems.some((f) => f.startsWith('Plain TCG'))).toBe(true);
  });

  it('shows full x labels, exact counts without an interval, and warnings beside their figure', () => {
    for (const c of charts) expect(c.text).not.toContain('…');
    expect(charts.find((c) => c.kind === 'overview' && c.figureKind === 'instructions')!.text).toContain('5.10-cloud / mitigations-off');
    expect(pageText).not.toContain('± 0.00');
    // The fixtures' warnings (as in the golden report.md) sit in their cell's row, under its figure.
    expect(warningCells).toContain('⚠ net.core.bpf_jit_harden=2: constant blinding forces the indirect path');
    expect(warningCells.some((w) => w.startsWith('⚠ direct: not linear: slope over depths >= 4 is 3.09'))).toBe(true);
  });

  it('renders without page errors, console errors or network requests', () => {
    expect(problems).toEqual([]);
  });

  it('has the table of every cell, emulated ones marked', () => {
    expect(tableRows).toBe(fixtureModels().length + ICOUNT_CELLS);
    expect(emulatedCells).toBe(fixtureModels().filter((m) => m.accelerator === 'tcg').length + ICOUNT_CELLS);
  });

  it('lists the tail-call sequences of every kernel, instruction by instruction, from the JIT proof of the -icount run', () => {
    // Four kernels: the direct sequence (the same under both boots), the retpoline thunk, the plain jmp *reg.
    expect(sequenceRows).toHaveLength(4 * 3);
    expect(sequenceRows.filter((r) => r.includes('direct: patched jmp rel32') && r.includes('retpoline, mitigations-off'))).toHaveLength(4);
    expect(sequenceRows.filter((r) => r.includes('16 + 3 in the thunk') && r.includes('jmp __x86_indirect_thunk_rcx'))).toHaveLength(4);
    expect(sequenceRows.filter((r) => r.includes('indirect: plain jmp *reg') && r.includes('jmp *%rcx'))).toHaveLength(4);
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
    // The kind's caveat once, above the section's charts, not on every chart.
    expect(overviewText.split('not the speculation cost of a retpoline')).toHaveLength(2);
    for (const c of charts) expect(c.text).not.toContain('not the speculation cost of a retpoline');
  });

  it('draws one direct-vs-indirect bar chart per kernel and figure kind, with a CI whisker per bar', () => {
    const bars = charts.filter((c) => c.kind === 'kernel-bars');
    const expected = [
      ...new Set([
        ...okModels.map((m) => `${m.kernelId} ${kindOf(m)}`),
        ...['5.10-cloud', '6.1-cloud', '6.12-cloud', 'sid-cloud'].map((k) => `${k} instructions`),
      ]),
    ];
    expect(bars.map((c) => `${c.kernel} ${c.figureKind}`).sort()).toEqual(expected.sort());
    for (const c of bars) {
      expect(c.text).toContain(unitWords(c.figureKind));
      const cells =
        c.figureKind === 'instructions' ? 2 : okModels.filter((m) => m.kernelId === c.kernel && kindOf(m) === c.figureKind).length;
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
