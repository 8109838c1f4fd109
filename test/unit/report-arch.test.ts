// A run of two architectures in every report: the architecture column, tables and overview charts split
// by architecture (amd64 first), and no comparison across architectures (findings, retpoline price,
// patched-vs-reference, the gate). From a real run (test/fixtures/arch: one bookworm 6.1 cloud kernel per
// architecture under TCG with instruction counting: amd64 17 / 27 instr per tail call, arm64 32 / 32).
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import { patchedVsReference } from '../../src/analysis/patched-vs-reference.js';
import { retpolinePrices } from '../../src/analysis/retpoline-price.js';
import { summary as summarySchema, type CellSummary, type Summary } from '../../src/analysis/summary-schema.js';
import { analyseResultDirs, analyse } from '../../src/benchmarks/analyse.js';
import { gate as gateSchema } from '../../src/matrix/schema.js';
import { overviewSpec } from '../../src/report/chart-specs.js';
import { findings } from '../../src/report/findings.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { loadResultDirs } from '../../src/results/load.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'arch', '2026-12-07T08-53-24Z-daefa0');
const GATE = gateSchema.parse({});

let summary: Summary;
let amd: CellSummary;
let arm: CellSummary;
beforeAll(async () => {
  const analysed = await analyseResultDirs([FIXTURE]);
  if (!analysed.ok) throw new Error(analysed.error);
  summary = analysed.value;
  amd = summary.cells.find((c) => c.kernel.id === '6.1-cloud')!;
  arm = summary.cells.find((c) => c.kernel.id === '6.1-cloud-arm64')!;
});

/** The summary with only `cells` (its retpoline prices recomputed), as a one-architecture run would have it. */
const only = (cells: CellSummary[]): Summary => ({ ...summary, cells, retpolinePrices: retpolinePrices(cells) });

describe('two architectures: the summary', () => {
  it('carries each cell architecture, in summary.json too; cells written before it read as amd64', async () => {
    expect(amd.arch).toBe('amd64');
    expect(arm.arch).toBe('arm64');
    expect(summarySchema.parse(JSON.parse(JSON.stringify(summary))).cells.map((c) => c.arch)).toEqual(['amd64', 'arm64']);
    const loaded = await loadResultDirs([FIXTURE]);
    if (!loaded.ok) throw new Error(loaded.error);
    const old = structuredClone(loaded.value.cells.find((c) => c.cell.kernel.id === '6.1-cloud')!.cell);
    delete old.kernel.arch;
    expect(analyse([old]).cells[0]!.arch).toBe('amd64');
  });
});

describe('two architectures: the reports', () => {
  it('markdown (and so the step summary): an arch column, and one table per architecture, amd64 first', () => {
    const md = renderMarkdown(summary);
    const header = md.split('\n').find((l) => l.startsWith('| kernel |'))!;
    expect(header.split(' | ').slice(0, 3)).toEqual(['| kernel', 'arch', 'boot']);
    expect(md).toMatch(/^\| 6\.1-cloud \(6\.1\.0-50-cloud-amd64\) \| amd64 \| default \| /m);
    expect(md).toMatch(/^\| 6\.1-cloud-arm64 \(6\.1\.0-50-cloud-arm64\) \| arm64 \| default \| /m);
    const a = md.indexOf('#### Architecture amd64');
    const b = md.indexOf('#### Architecture arm64');
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    // Each table holds its own architecture's rows only.
    expect(md.slice(a, b)).not.toContain('| arm64 |');
    expect(md.slice(b)).not.toContain('| amd64 |');
  });

  it('one architecture: the column stays, the split does not', () => {
    for (const c of [[amd], [arm]]) {
      const md = renderMarkdown(only(c));
      expect(md).not.toContain('Architecture ');
      expect(md).toContain(`| ${c[0]!.arch} | default |`);
    }
  });

  it("findings: a ratio only within one architecture, named; arm64's one mechanism said as such", () => {
    const f = findings(summary);
    const ratio = f.filter((l) => l.includes('the cost of an indirect tail call over a direct jump'));
    expect(ratio).toEqual([
      'Exact instruction counts (TCG with -icount): instructions per tail call, amd64: the cost of an indirect tail call over a direct jump is 1.59 × (exact; 6.1-cloud / default) (the direct jump saves 10.00 instr per call), over 1 cell(s) (95 % intervals in brackets).',
    ]);
    expect(f).toContain(
      'Exact instruction counts (TCG with -icount): instructions per tail call, arm64: arm64 has no direct tail call, so both variants run the same indirect sequence: 32.00 instr/call (6.1-cloud-arm64 / default), over 1 cell(s); no saving to state.',
    );
    // One architecture: the sentence as it always read, without the architecture's name.
    expect(findings(only([amd]))[0]).toMatch(/^Exact instruction counts \(TCG with -icount\): instructions per tail call: the cost/);
  });

  it('HTML: the arch column, tables and overview charts split by architecture; one chart never holds two', async () => {
    const html = await renderHtml(summary);
    expect(html).toContain('<th>kernel</th><th>arch</th><th>boot</th>');
    expect(html).toMatch(
      /<tr data-key="6\.1-cloud-arm64\/default\/test-run" data-arch="arm64"><td>6\.1-cloud-arm64 \(6\.1\.0-50-cloud-arm64\)<\/td><td>arm64<\/td>/,
    );
    const overview = html.slice(
      html.indexOf('<section class="overview">'),
      html.indexOf('</section>', html.indexOf('<section class="overview">')),
    );
    const groups = [...overview.matchAll(/<h3 data-arch="(\w+)">/g)].map((m) => m[1]);
    expect(groups).toEqual(['amd64', 'arm64']);
    const charts = [...overview.matchAll(/data-chart="overview"[^>]*data-arch="(\w+)"/g)].map((m) => m[1]);
    expect(charts).toEqual(['amd64', 'arm64']);
    expect(overview).toContain('Every kernel and boot configuration (arm64): instructions per tail call');
    expect([...html.matchAll(/<table class="cells" data-kind="instructions" data-arch="(\w+)">/g)].map((m) => m[1])).toEqual([
      'amd64',
      'arm64',
    ]);
    expect([...html.matchAll(/data-chart="kernel-bars"[^>]*data-arch="(\w+)"/g)].map((m) => m[1])).toEqual(['amd64', 'arm64']);
    expect(() => overviewSpec(summary.cells)).toThrow('one chart, one architecture: got amd64, arm64');
    // One architecture: no split, and the chart's title as before.
    const one = await renderHtml(only([amd]));
    expect(one).not.toContain('Architecture ');
    expect(one).toContain('Every kernel and boot configuration: instructions per tail call');
  }, 120_000);

  it('JUnit: each test case says its architecture', () => {
    const xml = renderJunit(summary);
    expect(xml).toMatch(/name="6\.1-cloud-arm64 \/ default"[\s\S]*?architecture: arm64; spectre_v2: Mitigation: CSV2/);
    expect(xml).toMatch(/name="6\.1-cloud \/ default"[\s\S]*?architecture: amd64; spectre_v2: Mitigation: Retpolines/);
  });
});

describe('two architectures: no comparison across them', () => {
  it('patched vs reference pairs only kernels of one architecture', () => {
    // The user's arm64 kernel against the amd64 reference: not a patch's effect, so no pair at all.
    expect(patchedVsReference(summary.cells, ['6.1-cloud-arm64'])).toEqual([]);
    // The same cell as an amd64 user kernel: paired with the amd64 reference, and the pair says its architecture.
    const mine: CellSummary = { ...structuredClone(amd), key: 'mine/default/test-run', kernel: { ...amd.kernel, id: 'mine' } };
    const pairs = patchedVsReference([...summary.cells, mine], ['mine']);
    expect(pairs.map((p) => [p.reference.kernel, p.arch, p.variant, p.difference])).toEqual([
      ['6.1-cloud', 'amd64', 'direct', 0],
      ['6.1-cloud', 'amd64', 'indirect', 0],
    ]);
  });

  it("the retpoline's price pairs boots of one kernel image within one architecture", () => {
    // A plain-indirect boot of the same image: its price; the same boot recorded as another architecture: none.
    const plain: CellSummary = structuredClone(amd);
    plain.key = '6.1-cloud/mitigations-off/test-run';
    plain.boot = { name: 'mitigations-off', cmdline: 'mitigations=off' };
    plain.indirect = { ...plain.indirect!, mechanism: 'plain-indirect' };
    const priced = retpolinePrices([amd, plain]);
    expect(priced.map((p) => [p.arch, p.retpoline.boot, p.plain.boot])).toEqual([['amd64', 'default', 'mitigations-off']]);
    expect(retpolinePrices([amd, { ...plain, arch: 'arm64' }])).toEqual([]);
  });

  it('the gate: a kernel id that changed architecture is not comparable, never a pass', () => {
    // The baseline ran 6.1-cloud-arm64 as arm64; now a cell of that id ran amd64 (the same figures kind).
    const now: Summary = { ...summary, cells: summary.cells.map((c) => (c === arm ? { ...c, arch: 'amd64' as const } : c)) };
    const b = compareWithBaseline(now, summary, 'baseline.json', GATE);
    const crossed = b.comparisons.filter((k) => k.key === arm.key);
    expect(crossed.map((k) => [k.variant, k.status, k.note])).toEqual([
      ['direct', 'not-comparable', 'architecture changed (arm64 → amd64): not comparable'],
      ['indirect', 'not-comparable', 'architecture changed (arm64 → amd64): not comparable'],
    ]);
    expect(b.notComparable).toBe(2);
    expect(b.regressions).toBe(0);
    // The amd64 cell, the same on both sides, is judged as ever.
    expect(b.comparisons.filter((k) => k.key === amd.key).map((k) => k.status)).toEqual(['ok', 'ok']);
    // Another architecture and another figure kind at once: both said.
    const timed: Summary = {
      ...now,
      cells: now.cells.map((c) => (c.key === arm.key ? { ...c, figureKind: 'emulated-ns' as const, unit: 'ns' as const } : c)),
    };
    const both = compareWithBaseline(timed, summary, 'baseline.json', GATE).comparisons.filter((k) => k.key === arm.key);
    expect(both.map((k) => k.note)).toEqual([
      'architecture changed (arm64 → amd64), figure kind changed (instructions → emulated-ns): not comparable',
      'architecture changed (arm64 → amd64), figure kind changed (instructions → emulated-ns): not comparable',
    ]);
    expect(both.every((k) => k.status === 'not-comparable')).toBe(true);
  });
});
