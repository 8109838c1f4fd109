// Every figure in every report format carries its unit. The reports are rendered over real cells of
// all three figure kinds (the KVM and plain-TCG fixture runs, a real -icount run of the default
// matrix, and a real run of Benchmark 1 and 2 together), with a baseline section, and every number in
// the Markdown, JUnit and JSON is checked.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import { loadResultDirs } from '../../src/results/load.js';
import { matrixOrder } from '../../src/analysis/matrix-order.js';
import type { Summary } from '../../src/analysis/summary-schema.js';
import { INSTRUCTIONS_NOTE } from '../../src/analysis/units.js';
import { gate as gateSchema } from '../../src/matrix/schema.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { headline } from '../../src/cells/headline.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { FIXTURE_ROOT } from '../fixtures/results/generate.js';

const ICOUNT_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'icount');
const TRAFFIC_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'traffic-runs');
const GATE = gateSchema.parse({});

let summary: Summary;
let loadedCells: Awaited<ReturnType<typeof load>>;
async function load() {
  const loaded = await loadResultDirs([FIXTURE_ROOT, ICOUNT_ROOT, TRAFFIC_ROOT]);
  if (!loaded.ok) throw new Error(loaded.error);
  return loaded.value;
}
beforeAll(async () => {
  loadedCells = await load();
  summary = analyse(
    loadedCells.cells.map((c) => c.cell),
    matrixOrder(loadedCells.runs),
  );
  // Each cell against itself: a baseline table with every kind in it.
  summary.baseline = compareWithBaseline(summary, summary, 'self', GATE);
});

const FIGURE = String.raw`[+-]?\d+\.\d+`;
/**
 * A figure group with its unit: "11.00 ± 0.00 instr/call", "3.01 [2.96, 3.06] ns/call", "+1.00 instr", "84.6 %", "2.9 s",
 * "6.50 × (indirect/direct)", a throughput "1.0 Mbit/s", a ratio of slopes "1.00 [0.99, 1.01] × Benchmark 1".
 */
const WITH_UNIT = new RegExp(
  String.raw`${FIGURE}( ± ${FIGURE})?( \[${FIGURE}, ${FIGURE}\])? (ns/call|instr/call|ns|instr|%|s|Mbit/s|× Benchmark 1|×)(?![\w/])`,
  'g',
);

/** The decimal numbers left in a piece of text once every figure with a unit and every name is removed. */
function unitless(text: string): string[] {
  const stripped = text
    .replace(/`[^`]*`/g, '') // code: file names, run ids, cell keys
    .replace(/R² \d\.\d+/g, '') // a coefficient of determination has no unit
    .replace(/\bp [=≤] \d\.\d+/g, '') // nor has a p-value or a significance level
    .replace(/\b\d+(\.\d+)+[-+][\w.+-]*/g, '') // kernel ids and releases: 5.10-cloud, 6.12.117+deb13-cloud-amd64
    .replace(/\b\d+\.\d+\.\d+\b/g, '') // versions
    .replace(/\[\s*\d+\.\d+\]/g, '') // console timestamps: [    2.301122]
    .replace(WITH_UNIT, '');
  return stripped.match(new RegExp(FIGURE, 'g')) ?? [];
}

/** Markdown table rows: a cell's numbers may take their unit from the column header (R², depths). */
function markdownProblems(md: string): string[] {
  const problems: string[] = [];
  let header: string[] | null = null;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      header = null;
      for (const n of unitless(line)) problems.push(`${n} in: ${line}`);
      continue;
    }
    const cols = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    if (header === null) {
      header = cols;
      continue;
    }
    if (cols.every((c) => /^-+:?$/.test(c))) continue;
    cols.forEach((c, i) => {
      if (['R²', 'kernel', 'cell', 'spectre_v2', 'boot'].includes(header![i] ?? '')) return;
      for (const n of unitless(c)) problems.push(`${n} in column "${header![i]}": ${line}`);
    });
  }
  return problems;
}

describe('units in every report format', () => {
  it('the fixture has cells of all three kinds', () => {
    expect(summary.totals.byKind).toEqual({ 'hardware-ns': 4, 'emulated-ns': 4, instructions: 13 });
    expect(summary.cells.filter((c) => c.traffic).length).toBe(3);
    expect(summary.baseline!.comparisons.length).toBeGreaterThan(20);
  });

  it('Markdown: every decimal number carries a unit, in its text or its column', () => {
    const md = renderMarkdown(summary);
    expect(markdownProblems(md)).toEqual([]);
    expect(md).toContain('instr/call');
    expect(md).toContain(INSTRUCTIONS_NOTE);
    // The traffic table's rows went through the same check.
    expect(md).toMatch(/\| bpf_stats .* × Benchmark 1 .* Mbit\/s/);
    expect(md).toContain('emulated: relative only, not hardware timing');
    // One table per kind, never ns and instructions in one table.
    for (const table of md.split(/\n\n(?=\|)/).filter((t) => t.startsWith('| kernel'))) {
      const body = table.split('\n\n')[0]!;
      expect(body.includes('instr/call') && body.includes('ns/call'), body.slice(0, 200)).toBe(false);
    }
  });

  it('the checker itself catches a figure without a unit', () => {
    expect(markdownProblems('| kernel | direct |\n| --- | ---: |\n| 5.10-cloud | 22.00 ± 0.01 |')).toHaveLength(2);
    expect(unitless('saving 4.00 instr (15.4 %), R² 0.9999, 6.1-cloud')).toEqual([]);
    expect(unitless('slope 3.09 over depths')).toEqual(['3.09']);
  });

  it('JUnit: every decimal number in messages and outputs carries a unit', () => {
    const xml = renderJunit(summary)
      .replace(/&gt;/g, '>')
      .replace(/&lt;/g, '<')
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'");
    const text = xml
      .replace(/^<\?xml[^>]*\?>/, '')
      .replace(/ time="[\d.]+"/g, '')
      .replace(/timestamp="[^"]*"/g, '');
    const problems = text.split('\n').flatMap((l) => unitless(l).map((n) => `${n} in: ${l}`));
    expect(problems).toEqual([]);
    expect(xml).toMatch(/direct: 17\.00 instr\/call, JIT direct-jump/);
    expect(xml).toContain(`figures: instructions (${INSTRUCTIONS_NOTE})`);
  });

  it('JSON: every figure sits in a cell, comparison or baseline pair that names its unit', () => {
    const json = JSON.parse(renderJson(summary)) as Summary;
    // Numbers whose key says what they are (counts, ratios, ms, %, thresholds named by unit).
    const SELF_DESCRIBED = new Set([
      'n',
      'df',
      'r2',
      'depth',
      'samples',
      'invalidSamples',
      'wallMs',
      'savingPct',
      'deltaPct',
      'ratio',
      'cells',
      'ok',
      'failed',
      'skipped',
      'emulated',
      'regressions',
      'thresholdNs',
      'thresholdInstructions',
      'thresholdPct',
      'aloneNs',
      'alonePct',
      'alpha',
      'pValue',
      'notComparable',
      'icountShift',
      'summaryVersion',
      'hardware-ns',
      'emulated-ns',
      'instructions',
    ]);
    const problems: string[] = [];
    const walk = (node: unknown, at: string, unit: string | undefined, key: string) => {
      if (typeof node === 'number') {
        // Array members take the key of their array (slopeCi[0] → slopeCi).
        if (!SELF_DESCRIBED.has(key) && !['ratioCi', 'savingPctCi'].includes(key) && unit === undefined) problems.push(at);
        return;
      }
      if (Array.isArray(node)) {
        for (const [i, x] of node.entries()) walk(x, `${at}[${i}]`, unit, key);
        return;
      }
      if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        const here = typeof o.unit === 'string' ? o.unit : unit;
        for (const [k, v] of Object.entries(o)) walk(v, `${at}.${k}`, here, k);
      }
    };
    walk(json, '$', undefined, '');
    expect(problems).toEqual([]);
    for (const c of json.cells) expect(c.unit).toBe(c.figureKind === 'instructions' ? 'instructions' : 'ns');
    for (const k of json.baseline!.comparisons)
      expect(k.unit).toBe(k.variant === 'ratio' ? 'ratio' : k.figureKind === 'instructions' ? 'instructions' : 'ns');
  });

  it('the progress headline names the unit and the mode', () => {
    const icount = loadedCells.cells
      .map((c) => c.cell)
      .find((c) => c.figureKind === 'instructions' && c.kernel.id === '6.1-cloud' && c.boot.name === 'retpoline')!;
    expect(headline(icount)).toMatch(
      /^ok · direct 17\.0 instr\/call \[direct-jump\] · indirect 27\.0 instr\/call \[retpoline-thunk\] \(tcg, exact instruction counts \(-icount shift=3\), [\d.]+ s\)$/,
    );
    const timed = loadedCells.cells
      .map((c) => c.cell)
      .find((c) => c.accelerator === 'tcg' && c.figureKind === undefined && c.status === 'ok')!;
    expect(headline(timed)).toMatch(/ns\/call .*\(tcg, emulated: relative only, [\d.]+ s\)$/);
    const traffic = loadedCells.cells.map((c) => c.cell).find((c) => c.benchmark.type === 'traffic' && c.kernel.id === '5.10-cloud')!;
    expect(headline(traffic)).toMatch(
      /^ok · under traffic \(bpf-stats\) · direct 2\d\.\d instr\/call \[direct-jump\] · indirect 2\d\.\d instr\/call \[retpoline-thunk\] \(tcg, exact instruction counts \(-icount shift=3\), [\d.]+ s\)$/,
    );
  });
});
