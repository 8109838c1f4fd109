// Benchmark 2's part of the HTML report opened in a real headless browser, over the real traffic runs
// (test/fixtures/traffic-runs: UDP on 5.10 and sid with Benchmark 1 of the same boot, TCP on 5.10):
// no error and no network request, the traffic table a row per cell and method, one cost-per-tail-call
// chart per traffic benchmark and a cost-per-packet chart per cell and method, each in one unit.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { openHtmlReport, type OpenedReport } from '../support/report-page.js';

const TRAFFIC_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'traffic-runs');
/** Traffic cells per benchmark in the fixture, each with both methods and both variants. */
const CELLS = { traffic: 2, 'traffic-tcp': 1 };
const DEPTHS = 5;

let report: OpenedReport;
let trafficRows: number;
let headers: string[];
beforeAll(async () => {
  report = await openHtmlReport([TRAFFIC_ROOT]);
  trafficRows = await report.page.locator('table.traffic tbody tr').count();
  headers = await report.page.locator('table.traffic').first().locator('th').allTextContents();
}, 120_000);
afterAll(async () => {
  await report?.close();
});

describe('HTML report of Benchmark 2 in headless chromium', () => {
  it('renders without page errors, console errors or network requests', () => {
    expect(report.problems).toEqual([]);
  });

  it('has a traffic table row per cell and method, its unit in the headers', () => {
    expect(trafficRows).toBe(2 * (CELLS.traffic + CELLS['traffic-tcp']));
    expect(headers).toContain('direct instr/call (95 % CI)');
    expect(headers).toContain('vs Benchmark 1 (traffic ÷ test-run slope, 95 % CI)');
  });

  it('one cost-per-tail-call chart per traffic benchmark: a bar and a whisker per cell, method and variant', () => {
    const bars = report.charts.filter((c) => c.kind === 'traffic-bars');
    expect(bars.map((c) => c.groups).sort()).toEqual([2 * CELLS['traffic-tcp'], 2 * CELLS.traffic]);
    for (const c of bars) {
      expect(c.figureKind).toBe('instructions');
      expect(c.text).toContain('instructions per tail call');
      expect(c.text).not.toMatch(/(^|[^a-z])ns per tail call/);
      expect(c.legend).toBe(2);
      expect(c.bars).toBe(2 * c.groups);
      expect(c.whiskers).toBe(2 * c.groups);
    }
  });

  it('one cost-per-packet chart per cell and method: a point per depth and a fitted line per variant', () => {
    const depth = report.charts.filter((c) => c.kind === 'traffic-depth');
    expect(depth).toHaveLength(2 * (CELLS.traffic + CELLS['traffic-tcp']));
    expect(new Set(depth.map((c) => c.method))).toEqual(new Set(['bpf-stats', 'kprobe']));
    for (const c of depth) {
      expect(c.text).toContain('instr per packet');
      expect(c.width).toBeGreaterThan(100);
      expect(c.series).toBe(2);
      expect(c.legend).toBe(2);
      expect(c.points).toBe(2 * DEPTHS);
      expect(c.lines).toBe(2);
    }
  });
});
