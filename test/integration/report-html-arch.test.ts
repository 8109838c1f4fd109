// The HTML report of a run with two architectures (test/fixtures/arch: a real bookworm 6.1 cloud kernel
// per architecture under instruction counting) opened in a real browser: it renders with no error and no
// network request, the overview holds one group of charts per architecture (amd64 first), every bar chart
// holds one architecture's bars, and the page does not scroll sideways.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { openHtmlReport, type OpenedReport } from '../support/report-page.js';

const ARCH_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'arch');

let report: OpenedReport;
let overviewGroups: string[];
let tableArches: (string | null)[];
let sideways: number;

beforeAll(async () => {
  report = await openHtmlReport([ARCH_ROOT]);
  const page = report.page;
  overviewGroups = await page.locator('section.overview h3').allTextContents();
  tableArches = await page.locator('table.cells').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-arch')));
  await page.setViewportSize({ width: 1280, height: 900 });
  sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}, 120_000);

afterAll(async () => {
  await report?.close();
});

describe('HTML report of two architectures, in a browser', () => {
  it('renders with no error and no network request, without scrolling sideways', () => {
    expect(report.problems).toEqual([]);
    expect(sideways).toBe(0);
  });

  it('groups the overview and the tables by architecture, amd64 first', () => {
    expect(overviewGroups).toEqual(['Architecture amd64', 'Architecture arm64']);
    expect(tableArches).toEqual(['amd64', 'arm64']);
  });

  it("every bar chart is one architecture's, named in its title; each has both variants' bars", () => {
    const bars = report.charts.filter((c) => c.kind === 'overview' || c.kind === 'kernel-bars');
    expect(bars.map((c) => [c.kind, c.arch])).toEqual([
      ['overview', 'amd64'],
      ['overview', 'arm64'],
      ['kernel-bars', 'amd64'],
      ['kernel-bars', 'arm64'],
    ]);
    for (const c of bars) {
      expect(c.text).toContain(`(${c.arch})`);
      expect(c.text).not.toContain(c.arch === 'amd64' ? 'arm64' : '6.1-cloud /');
      expect(c.bars).toBe(2);
    }
    // The per-cell depth charts: one cell, one architecture each.
    expect(report.charts.filter((c) => c.kind === 'depth').map((c) => c.arch)).toEqual(['amd64', 'arm64']);
  });
});
