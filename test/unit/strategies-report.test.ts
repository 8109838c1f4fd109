// Benchmark 3 through analysis and every report format, on a real run (test/fixtures/strategies-runs): the
// bookworm 6.1 kernel under TCG -icount (exact instructions) and this machine's kernel natively (hardware
// ns). Each kind gets its own ranked table and chart; JUnit has one case per strategy figure.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseResultDirs } from '../../src/benchmarks/analyse.js';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import { summary as summarySchema, type Summary } from '../../src/analysis/summary-schema.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const RUNS = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'strategies-runs');

let summary: Summary;
beforeAll(async () => {
  const analysed = await analyseResultDirs([RUNS]);
  if (!analysed.ok) throw new Error(analysed.error);
  summary = analysed.value;
});

const exact = () => summary.cells.find((c) => c.key === '6.1-cloud/retpoline/strategies')!;
const host = () => summary.cells.find((c) => c.key === 'host/host/strategies')!;

describe('strategies run: summary', () => {
  it('exact cell: every supported strategy a whole number of instructions with its proof; gotox unsupported with the reason', () => {
    const c = exact();
    expect(c.figureKind).toBe('instructions');
    const ready = c.strategies!.filter((s) => s.status === 'ready');
    expect(ready.map((s) => s.strategy)).toEqual([
      'tailcall-const',
      'tailcall-dynamic',
      'call-static',
      'call-global',
      'tailcall-subprog',
      'loop',
    ]);
    for (const s of ready) {
      expect(s.wholeNumber, s.strategy).toBe(true);
      expect(Number.isInteger(s.fit!.slope), s.strategy).toBe(true);
      expect(s.proof!.mechanism).not.toBe('unproven');
      expect(s.proof!.bodyDifferences).toEqual([]);
    }
    const gotox = c.strategies!.find((s) => s.strategy === 'gotox')!;
    expect(gotox.status).toBe('unsupported');
    expect(gotox.reason).toMatch(/6\.19/);
  });

  it('host cell: hardware ns for every strategy the host kernel supports, each with a proof', () => {
    const c = host();
    expect(c.figureKind).toBe('hardware-ns');
    expect(c.status).toBe('ok');
    for (const s of c.strategies!.filter((x) => x.status === 'ready')) {
      expect(s.fit!.slope, s.strategy).toBeGreaterThan(0);
      expect(s.wholeNumber).toBeNull();
      expect(s.proof!.mechanism).not.toBe('unproven');
    }
  });

  it('summary.json carries the strategies and validates against the summary schema', () => {
    const json = JSON.parse(renderJson(summary));
    expect(summarySchema.safeParse(json).success).toBe(true);
    expect(json.cells.find((c: { key: string }) => c.key === exact().key).strategies).toHaveLength(7);
  });
});

describe('strategies run: reports', () => {
  it('Markdown: the exact table ranked by cost per transfer, with interval and proof', () => {
    const md = renderMarkdown(summary);
    const start = md.indexOf('#### 6.1-cloud / retpoline / strategies');
    const table = md
      .slice(start)
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .slice(0, 9);
    expect(table).toEqual([
      '| rank | strategy | cost (instr/transfer) | 95 % CI | R² | proof (JIT images) | depths (limit) |',
      '| ---: | --- | ---: | ---: | ---: | --- | --- |',
      '| 1 | call-static | 15.00 instr/transfer | [15.00, 15.00] | 1.0000 | subprog-call (7 site(s); 36 function(s) run the shared body) | 0–7 (8 call frames) |',
      '| 2 | call-global | 15.00 instr/transfer | [15.00, 15.00] | 1.0000 | subprog-call (7 site(s); 36 function(s) run the shared body) | 0–7 (8 call frames) |',
      '| 3 | tailcall-const | 17.00 instr/transfer | [17.00, 17.00] | 1.0000 | direct-jump (33 site(s); 34 function(s) run the shared body) | 0–32 (33 tail calls) |',
      '| 4 | loop | 23.00 instr/transfer | [23.00, 23.00] | 1.0000 | loop-call (1 site(s); 2 function(s) run the shared body) | 0–32 (as the chains (bpf_loop allows 8388608)) |',
      '| 5 | tailcall-subprog | 26.00 instr/transfer | [26.00, 26.00] | 1.0000 | subprog-call+direct-jump (66 site(s); 34 function(s) run the shared body) | 0–32 (33 tail calls; frames of at most 256 bytes when calls and tail calls mix) |',
      '| 6 | tailcall-dynamic | 27.00 instr/transfer | [27.00, 27.00] | 1.0000 | retpoline-thunk (33 site(s); 34 function(s) run the shared body) | 0–32 (33 tail calls) |',
      '| — | gotox | unsupported: kernel 6.1 has no gotox (instruction-array indirect jumps came with 6.19) | — | — | — | needs 6.19 |',
    ]);
    // One heading per kind, never one table across kinds; no direct-vs-indirect table for this benchmark.
    expect(md).toContain('### Strategies, exact instruction counts (TCG with -icount): instructions per transfer');
    expect(md).toContain('### Strategies, hardware timing: ns per transfer');
    expect(md).not.toContain('| kernel | boot | spectre_v2 | direct');
    // What this run found: per cell its cheapest and dearest transfer, in the cell's unit.
    expect(md).toContain(
      '- Strategies, exact instruction counts (TCG with -icount): instructions per transfer on 6.1-cloud / retpoline: of 6 strategies measured, ' +
        'call-static is the cheapest transfer (15.00 instr/transfer) and tailcall-dynamic the dearest (27.00 instr/transfer); unsupported here: gotox.',
    );
    expect(md).not.toContain('No cell produced a comparison');
  });

  it("HTML: per kind a strategies table per cell and one chart in that kind's unit", async () => {
    const html = await renderHtml(summary);
    const charts = [...html.matchAll(/<figure class="chart" data-chart="strategy-bars"[^>]*data-kind="([a-z-]+)"/g)].map((m) => m[1]);
    expect(charts.sort()).toEqual(['hardware-ns', 'instructions']);
    expect(html).toMatch(/<table class="strategies" data-kind="instructions" data-key="6.1-cloud\/retpoline\/strategies">/);
    expect(html).toMatch(/<table class="strategies" data-kind="hardware-ns" data-key="host\/host\/strategies">/);
    expect(html).toContain('instr per transfer (95 % CI)');
    expect(html).toContain('ns per transfer (95 % CI)');
  });

  it('JUnit: one case per strategy figure, the unsupported ones skipped with their reason', () => {
    const xml = renderJunit(summary);
    const cases = [...xml.matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((m) => m[1]);
    expect(cases).toHaveLength(14);
    expect(cases).toContain('6.1-cloud / retpoline / loop');
    expect(xml).toMatch(/name="6.1-cloud \/ retpoline \/ gotox" time="0">\s*<skipped message="unsupported: kernel 6.1 has no gotox/);
    expect(xml).toMatch(/<testsuites name="tailmatrix" tests="14" failures="0" errors="0" skipped="2"/);
  });
});

describe('strategies run: the gate', () => {
  const GATE = { instructions: 1, thresholdNs: 1, thresholdPct: 10, aloneNs: 1, alonePct: 10, alpha: 0.05 };

  it('gates every ready strategy figure: unchanged passes; one more instruction per call-static transfer is a regression', () => {
    const same = compareWithBaseline(summary, summary, 'self', GATE);
    const exactFigures = same.comparisons.filter((k) => k.key === '6.1-cloud/retpoline/strategies');
    expect(exactFigures.map((k) => k.variant)).toEqual([
      'strategy:tailcall-const',
      'strategy:tailcall-dynamic',
      'strategy:call-static',
      'strategy:call-global',
      'strategy:tailcall-subprog',
      'strategy:loop',
    ]);
    expect(exactFigures.every((k) => k.status === 'ok' && k.method === 'exact')).toBe(true);
    // The host cell's hardware figures are judged by the timed rule (one replicate a side: thresholds).
    const hostFigures = same.comparisons.filter((k) => k.key === 'host/host/strategies');
    expect(hostFigures.length).toBeGreaterThan(0);
    expect(hostFigures.every((k) => k.figureKind === 'hardware-ns' && k.method === 'thresholds' && k.status === 'ok')).toBe(true);

    const raised: Summary = structuredClone(summary);
    const cs = raised.cells.find((c) => c.key === '6.1-cloud/retpoline/strategies')!.strategies!.find((s) => s.strategy === 'call-static')!;
    cs.fit = { ...cs.fit!, slope: cs.fit!.slope + 1, slopeCi: [cs.fit!.slopeCi[0] + 1, cs.fit!.slopeCi[1] + 1] };
    const gated = compareWithBaseline(raised, summary, 'baseline', GATE);
    expect(gated.regressions).toBe(1);
    const k = gated.comparisons.find((x) => x.regression)!;
    expect([k.key, k.variant, k.deltaNs, k.method]).toEqual(['6.1-cloud/retpoline/strategies', 'strategy:call-static', 1, 'exact']);
    expect(renderMarkdown({ ...raised, baseline: gated })).toContain('call-static cost per transfer');
  });
});
