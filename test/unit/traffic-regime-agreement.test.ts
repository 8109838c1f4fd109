// Traffic against Benchmark 1 regime by regime, on real hardware streams of one AMD EPYC host with
// retpolines (kernel 6.18.44, native): the traffic cell of test/fixtures/results/traffic-curve (direct
// segmented at depth 24, indirect one line) and the test-run cell of test/fixtures/results/hardware-curve
// (both chains segmented: direct knee ~18, indirect ~9). They are two runs of the same host, kernel and
// boot; the agreement pairs cells of one run, so the test gives the test-run cell the traffic cell's run.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachTestRunAgreement } from '../../src/analysis/analyse-traffic.js';
import { summary as summarySchema, type CellSummary, type Summary, type TrafficVariant } from '../../src/analysis/summary-schema.js';
import { REGIME_OVERLAP, regimeAgreements } from '../../src/analysis/traffic-regime-agreement.js';
import { analyseResultDirs } from '../../src/benchmarks/analyse.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'results');
const TRAFFIC_RUN = path.join(FIXTURES, 'traffic-curve', '2026-12-07T08-57-48Z-82db19');
const TEST_RUN_RUN = path.join(FIXTURES, 'hardware-curve', '2026-12-07T03-40-44Z-ec3f91');

let summary: Summary;
let traffic: CellSummary;
let b1: CellSummary;
const stats = () => traffic.traffic!.methods.find((m) => m.method === 'bpf-stats')!;
const trafficVariant = (name: 'direct' | 'indirect'): TrafficVariant => stats().variants.find((v) => v.variant === name)!;
const counted = (v: TrafficVariant) => v.points.filter((p): p is typeof p & { perPacket: number } => p.perPacket !== null);

beforeAll(async () => {
  const analysed = await analyseResultDirs([TRAFFIC_RUN, TEST_RUN_RUN]);
  if (!analysed.ok) throw new Error(analysed.error);
  summary = analysed.value;
  traffic = summary.cells.find((c) => c.benchmark.type === 'traffic')!;
  b1 = summary.cells.find((c) => c.benchmark.type === 'test-run')!;
  b1.runId = traffic.runId;
  attachTestRunAgreement(summary.cells);
});

describe('traffic against a segmented Benchmark 1, regime by regime (real host streams)', () => {
  it('both Benchmark 1 curves have a knee and the traffic cell is hardware ns: the fixtures are what the test needs', () => {
    expect(traffic.figureKind).toBe('hardware-ns');
    expect(b1.figureKind).toBe('hardware-ns');
    expect(b1.direct!.curve!.model).toBe('segmented');
    expect(b1.indirect!.curve!.model).toBe('segmented');
    expect(trafficVariant('direct').curve!.model).toBe('segmented');
    expect(trafficVariant('indirect').curve!.model).toBe('linear');
  });

  it("one agreement per Benchmark 1 regime and variant, each against that regime's own slope", () => {
    const a = stats().agreement;
    expect(a.map((x) => [x.variant, x.regime!.regime])).toEqual([
      ['direct', 'below-knee'],
      ['direct', 'above-knee'],
      ['indirect', 'below-knee'],
      ['indirect', 'above-knee'],
    ]);
    for (const x of a) {
      const r = (x.variant === 'direct' ? b1.direct : b1.indirect)!.curve!.regimes.find((y) => y.regime === x.regime!.regime)!;
      expect(x.testRunSlope).toBe(r.slope);
      expect([x.regime!.fromDepth, x.regime!.toDepth]).toEqual([r.fromDepth, r.toDepth]);
      expect(x.testRunCellId).toBe(b1.cellId);
      expect(x.ratio).toBeCloseTo(x.regime!.traffic!.slope / r.slope, 10);
      expect(x.agrees).toBe(x.ratioCi![0] <= 1 && 1 <= x.ratioCi![1]);
    }
  });

  it("uses the traffic's own regime where it nearly coincides with Benchmark 1's, else fits the depths inside on one side of the traffic knee", () => {
    const [dBelow, dAbove, iBelow, iAbove] = stats().agreement;
    const dCurve = trafficVariant('direct').curve!;
    // Direct below the knee: the traffic's lower regime (depths 0–23) holds every traffic depth of
    // Benchmark 1's 0–17 and has at least 2/3 of its own depths inside it.
    expect(dBelow!.regime!.traffic!.source).toBe('regime');
    expect(dBelow!.regime!.traffic!.slope).toBe(dCurve.regimes[0]!.slope);
    const inside = counted(trafficVariant('direct')).filter(
      (p) => p.depth >= dBelow!.regime!.fromDepth && p.depth <= dBelow!.regime!.toDepth,
    );
    expect(inside.length).toBeGreaterThanOrEqual(REGIME_OVERLAP * dCurve.regimes[0]!.n);
    // Direct from the knee on: the traffic's knee (24) splits Benchmark 1's 18–32; the larger side, 24–32, is fitted.
    expect(dCurve.knee!.depth).toBe(24);
    expect(dAbove!.regime!.traffic).toMatchObject({ source: 'fit', fromDepth: 24, toDepth: 32, n: 9 });
    // Indirect (one traffic line): a fit of the traffic depths inside each Benchmark 1 regime.
    expect(iBelow!.regime!.traffic).toMatchObject({ source: 'fit', fromDepth: 0, toDepth: 6, n: 5 });
    expect(iAbove!.regime!.traffic).toMatchObject({ source: 'fit', fromDepth: 9, toDepth: 32, n: 24 });
  });

  it('what these streams say: the direct jump above the knee agrees, below it and the retpoline cost more under traffic', () => {
    const [dBelow, dAbove, iBelow, iAbove] = stats().agreement;
    expect(dAbove!.agrees).toBe(true);
    for (const x of [dBelow, iBelow, iAbove]) {
      expect(x!.agrees).toBe(false);
      expect(x!.ratioCi![0]).toBeGreaterThan(1);
    }
    // Each disagreement stays a warning of the traffic cell, naming its regime and depths.
    expect(traffic.warnings).toContainEqual(
      expect.stringMatching(
        /^direct, bpf_stats, below the knee \(depths 0–17\): cost per tail call under traffic is [\d.]+× Benchmark 1's \[[\d.]+, [\d.]+\]/,
      ),
    );
    expect(traffic.warnings.filter((w) => w.includes('× Benchmark 1'))).toHaveLength(3);
    expect(traffic.status).toBe('ok');
  });

  it('a regime with fewer than 3 traffic depths inside is said to be not compared, with why', () => {
    const v = trafficVariant('indirect');
    // The real indirect windows without depths 0–3: Benchmark 1's indirect regime 0–8 keeps 5 and 6 only.
    const few = regimeAgreements(
      { variant: 'indirect', points: counted(v).filter((p) => p.depth > 3), curve: v.curve },
      b1.indirect!.curve,
      'b1',
    );
    expect(few![0]).toMatchObject({ ratio: null, ratioCi: null, agrees: null });
    expect(few![0]!.regime).toMatchObject({
      regime: 'below-knee',
      traffic: null,
      notCompared: '2 traffic depth(s) inside (5, 6): a slope needs 3',
    });
    expect(few![1]!.regime!.traffic!.n).toBe(24);
    // The direct traffic's knee (24) splitting a regime two and two: no side has 3 depths, and a line
    // across the step is never fitted. (Benchmark 1's regime narrowed to depths 22–25 for the case.)
    const d = trafficVariant('direct');
    const narrow = { ...b1.direct!.curve!, regimes: b1.direct!.curve!.regimes.map((r) => ({ ...r, fromDepth: 22, toDepth: 25 })) };
    const split = regimeAgreements({ variant: 'direct', points: counted(d), curve: d.curve }, narrow, 'b1')!;
    expect(split[0]!.regime!.notCompared).toBe(
      "4 traffic depth(s) inside, 2 below and 2 from the traffic's own knee at depth 24: fewer than 3 on one side",
    );
    expect(split[0]!.agrees).toBeNull();
  });

  it('Benchmark 1 one line and the traffic segmented: each traffic regime against that line', () => {
    // The real indirect traffic curve is a tested line: it stands as the line the direct traffic regimes are compared with.
    const line = trafficVariant('indirect').curve!;
    const d = trafficVariant('direct');
    const a = regimeAgreements({ variant: 'direct', points: counted(d), curve: d.curve }, line, 'line')!;
    expect(a.map((x) => [x.regime!.regime, x.regime!.fromDepth, x.regime!.toDepth, x.regime!.traffic!.source])).toEqual([
      ['below-knee', 0, 23, 'regime'],
      ['above-knee', 24, 33, 'regime'],
    ]);
    for (const x of a) expect(x.testRunSlope).toBe(line.regimes[0]!.slope);
    // Both one line: no per-regime comparison (the single slopes are compared, as for exact cells).
    expect(regimeAgreements({ variant: 'indirect', points: counted(trafficVariant('indirect')), curve: line }, line, 'line')).toBeNull();
  });

  it('Markdown, HTML and JUnit give every regime with its depths; summary.json holds them and loads again', async () => {
    const md = renderMarkdown(summary);
    const row = md.split('\n').find((l) => l.startsWith('| host') && l.includes('bpf_stats'))!;
    expect(row).toMatch(
      /direct below the knee \(depths 0–17; the traffic's own regime, depths 0–23\): [\d.]+ \[[\d.]+, [\d.]+\] × Benchmark 1 ⚠ disagrees · direct from the knee on \(depths 18–32; traffic 24–32, 9 depths\): [\d.]+ \[[\d.]+, [\d.]+\] × Benchmark 1 · indirect below the knee/,
    );
    const html = await renderHtml(summary);
    expect(html).toMatch(/direct from the knee on \(depths 18–32; traffic 24–32, 9 depths\): [\d.]+ \[[\d.]+, [\d.]+\] × Benchmark 1/);
    const xml = renderJunit(summary);
    expect(xml).toMatch(
      /bpf_stats \(run_time_ns \/ run_cnt\), vs Benchmark 1: indirect from the knee on \(depths 9–32; traffic 9–32, 24 depths\)/,
    );
    const json = summarySchema.parse(JSON.parse(renderJson(summary)));
    const m = json.cells.find((c) => c.benchmark.type === 'traffic')!.traffic!.methods[0]!;
    expect(m.agreement.map((x) => x.regime!.traffic?.source)).toEqual(['regime', 'fit', 'fit', 'fit']);
  });

  it('a stored summary whose agreements have no regime (written before) still loads', () => {
    const json = JSON.parse(renderJson(summary)) as Summary;
    const m = json.cells.find((c) => c.benchmark.type === 'traffic')!.traffic!.methods[0]!;
    for (const x of m.agreement) delete x.regime;
    const parsed = summarySchema.parse(json);
    expect(parsed.cells.find((c) => c.benchmark.type === 'traffic')!.traffic!.methods[0]!.agreement[0]!.regime).toBeUndefined();
  });
});
