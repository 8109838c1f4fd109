// The traffic analysis' arithmetic on hand-built windows whose answer is known exactly (a straight line
// per method); real cells are covered by the report tests' fixtures from real boots.
import { describe, expect, it } from 'vitest';
import { agreement, analyseTraffic, attachTestRunAgreement, PACKETS_TOLERANCE_PCT } from '../../src/analysis/analyse-traffic.js';
import { analyse } from '../../src/benchmarks/analyse.js';
import { CELL_RESULT_VERSION, type CellResult, type FigureKind } from '../../src/results/cell-result.js';
import type { TrafficSample } from '../../src/results/traffic-result.js';
import type { FitSummary } from '../../src/analysis/summary-schema.js';

const DEPTHS = [0, 12, 16, 24, 32];

/** A window whose per-packet cost is exactly base + perCall·depth for both methods. */
function window(
  depth: number,
  o: { stats: [number, number]; probe: [number, number]; packets?: number; iperf?: number | null; seen?: number | null },
): TrafficSample {
  const n = o.packets ?? 1000;
  return {
    depth,
    protocol: 'udp',
    durationMs: 1000,
    bpfStats: { runCnt: n, runTimeNs: n * (o.stats[0] + o.stats[1] * depth) },
    kprobe: { attach: 'fexit:cls_bpf_classify', count: n, totalNs: n * (o.probe[0] + o.probe[1] * depth), histogramLog2Ns: [] },
    iperf: { packets: o.iperf === undefined ? n : o.iperf, bytes: n * 64, bitsPerSecond: n * 64 * 8, lostPackets: 0 },
    chainDepthSeen: o.seen === undefined ? depth : o.seen,
  };
}

function trafficCell(
  over: { kind?: FigureKind; shift?: number; direct?: TrafficSample[]; indirect?: TrafficSample[]; methods?: string[] } = {},
): CellResult {
  const kind = over.kind ?? 'hardware-ns';
  const line = (stats: [number, number], probe: [number, number]) => DEPTHS.map((d) => window(d, { stats, probe }));
  return {
    version: CELL_RESULT_VERSION,
    cellId: 'k__b__traffic',
    runId: 'r1',
    kernel: { id: 'k', sha256: 'x', source: 'test' },
    boot: { name: 'b', cmdline: '' },
    benchmark: { name: 'traffic', type: 'traffic', params: { depths: DEPTHS, methods: over.methods ?? ['bpf-stats', 'kprobe'] } },
    backend: 'qemu',
    accelerator: kind === 'hardware-ns' ? 'kvm' : 'tcg',
    emulated: kind !== 'hardware-ns',
    figureKind: kind,
    ...(over.shift !== undefined ? { icountShift: over.shift } : {}),
    status: 'ok',
    startedAt: '2026-12-01T00:00:00Z',
    finishedAt: '2026-12-01T00:01:00Z',
    wallMs: 60_000,
    variants: [
      {
        variant: 'direct',
        samples: [],
        warmup: 0,
        jit: { mechanism: 'direct-jump', sites: [], images: [] },
        traffic: over.direct ?? line([100, 2], [300, 2.5]),
      },
      {
        variant: 'indirect',
        samples: [],
        warmup: 0,
        jit: { mechanism: 'retpoline-thunk', sites: [], images: [] },
        traffic: over.indirect ?? line([100, 20], [300, 21]),
      },
    ],
    consoleTail: [],
    host: { hostname: 'h', cpuModel: 'c', tool: 't' },
  };
}

describe('analyseTraffic', () => {
  it('per method and variant: slope = cost per tail call, intercept = the hook cost; direct vs indirect', () => {
    const { summary, warnings } = analyseTraffic(trafficCell());
    expect(warnings).toEqual([]);
    expect(summary!.protocol).toBe('udp');
    const [stats, probe] = summary!.methods;
    expect(stats!.method).toBe('bpf-stats');
    expect(stats!.attach).toBeNull();
    expect(probe!.attach).toBe('fexit:cls_bpf_classify');
    const d = stats!.variants.find((v) => v.variant === 'direct')!;
    expect(d.points.map((p) => p.perPacket)).toEqual(DEPTHS.map((x) => 100 + 2 * x));
    expect(d.fit!.slope).toBeCloseTo(2, 9);
    expect(d.fit!.intercept).toBeCloseTo(100, 9);
    expect(probe!.variants.find((v) => v.variant === 'indirect')!.fit!.slope).toBeCloseTo(21, 9);
    expect(stats!.comparison!.savingNs).toBeCloseTo(18, 9);
    expect(probe!.comparison!.savingNs).toBeCloseTo(18.5, 9);
    expect(d.meanBitsPerSecond).toBe(1000 * 64 * 8);
    expect(d.points[0]!.packetsOffPct).toBe(0);
  });

  it('under -icount reports instructions: guest ns / 2^shift, as Benchmark 1', () => {
    const { summary } = analyseTraffic(trafficCell({ kind: 'instructions', shift: 3 }));
    const d = summary!.methods[0]!.variants[0]!;
    expect(d.points[0]!.perPacket).toBe(100 / 8);
    expect(d.fit!.slope).toBeCloseTo(2 / 8, 9);
    expect(summary!.methods[0]!.comparison!.unit).toBe('instructions');
  });

  it('only the methods the cell asked for', () => {
    const { summary } = analyseTraffic(trafficCell({ methods: ['kprobe'] }));
    expect(summary!.methods.map((m) => m.method)).toEqual(['kprobe']);
  });

  it('warns when packets counted stray from iperf3 beyond the tolerance; says nothing without an iperf3 count (TCP)', () => {
    const off = 1 + (PACKETS_TOLERANCE_PCT + 1) / 100;
    const direct = DEPTHS.map((d) => window(d, { stats: [100, 2], probe: [300, 2], iperf: d === 16 ? Math.round(1000 / off) : 1000 }));
    const { warnings } = analyseTraffic(trafficCell({ direct }));
    expect(warnings.filter((w) => w.includes('differ from iperf3'))).toHaveLength(2); // both methods counted the same packets
    expect(warnings[0]).toMatch(
      /^direct, bpf_stats: packets counted differ from iperf3's by more than 5 % at depth\(s\) 16 \(1000 vs \d+\)$/,
    );
    const tcp = DEPTHS.map((d) => window(d, { stats: [100, 2], probe: [300, 2], iperf: null }));
    expect(analyseTraffic(trafficCell({ direct: tcp })).warnings).toEqual([]);
  });

  it('leaves out a depth the chain was seen to stop short of, and says which', () => {
    const direct = DEPTHS.map((d) => window(d, { stats: [100, 2], probe: [300, 2], seen: d === 24 ? 3 : d }));
    direct[3]!.bpfStats!.runTimeNs = 1e9; // what a short chain would have timed must not tilt the line
    const { summary, warnings } = analyseTraffic(trafficCell({ direct }));
    const fit = summary!.methods[0]!.variants[0]!.fit!;
    expect(fit.n).toBe(4);
    expect(fit.slope).toBeCloseTo(2, 9);
    expect(warnings).toContain('direct, bpf_stats: the chain was seen to stop short at depth(s) 24 (seen 3); left out');
  });

  it('a method that gave nothing, no packets at a depth, or no proof of depth: each said', () => {
    const direct = DEPTHS.map((d) => ({ ...window(d, { stats: [100, 2], probe: [300, 2], seen: null }), bpfStats: null }));
    direct[1]!.kprobe!.count = 0;
    const { summary, warnings } = analyseTraffic(trafficCell({ direct }));
    expect(summary!.methods[0]!.variants.map((v) => v.variant)).toEqual(['indirect']);
    expect(warnings).toContain("direct, bpf_stats: the method gave no figure at any depth (the agent's error records say why)");
    expect(warnings).toContain('direct, probe pair: no packet timed at depth(s) 12');
    expect(warnings).toContain('direct, probe pair: no proof the chain ran to depth(s) 0, 12, 16, 24, 32 under traffic');
  });

  it('a depth the cell asked for without a window (a truncated stream) is said', () => {
    const direct = DEPTHS.filter((d) => d !== 32).map((d) => window(d, { stats: [100, 2], probe: [300, 2] }));
    expect(analyseTraffic(trafficCell({ direct })).warnings).toEqual(['direct: no traffic window at depth(s) 32']);
  });

  it('a direct variant without a direct jump is said', () => {
    const c = trafficCell();
    c.variants[0]!.jit!.mechanism = 'retpoline-thunk';
    expect(analyseTraffic(c).warnings[0]).toMatch(/^direct: the JIT did not emit a direct jump \(retpoline-thunk\)/);
  });

  it('null for a test-run cell and for a traffic cell without windows (failed)', () => {
    expect(analyseTraffic({ ...trafficCell(), benchmark: { name: 't', type: 'test-run', params: {} } }).summary).toBeNull();
    const failed = trafficCell({ direct: [], indirect: [] });
    expect(analyseTraffic(failed).summary).toBeNull();
  });
});

const fitOf = (slope: number, slopeSe: number, df = 31): FitSummary => ({
  n: df + 2,
  df,
  slope,
  slopeSe,
  slopeCi: [slope - 2 * slopeSe, slope + 2 * slopeSe],
  intercept: 0,
  interceptSe: 0,
  r2: 1,
  residualSd: 0,
});

describe('agreement with Benchmark 1', () => {
  it('ratio of slopes with a Fieller interval; agrees while 1 lies inside it', () => {
    const same = agreement('indirect', fitOf(20, 0.5, 3), fitOf(19.5, 0.1), 'b1');
    expect(same.ratio).toBeCloseTo(20 / 19.5, 9);
    expect(same.ratioCi![0]).toBeLessThan(1);
    expect(same.agrees).toBe(true);
    const apart = agreement('indirect', fitOf(30, 0.5, 3), fitOf(19.5, 0.1), 'b1');
    expect(apart.agrees).toBe(false);
    // Benchmark 1's slope indistinguishable from 0: no interval, no verdict.
    expect(agreement('direct', fitOf(2, 0.5, 3), fitOf(0.1, 1), 'b1')).toMatchObject({ ratioCi: null, agrees: null });
  });

  it('pairs a traffic cell with the test-run cell of the same run, kernel and boot and kind, and flags a disagreement', () => {
    const summary = analyse([trafficCell()]);
    const t = summary.cells[0]!;
    const b1 = {
      ...t,
      cellId: 'k__b__test-run',
      key: 'k/b/test-run',
      benchmark: { name: 'test-run', type: 'test-run' },
      traffic: null,
      direct: {
        variant: 'direct' as const,
        mechanism: 'direct-jump' as const,
        points: [],
        fit: fitOf(2, 0.01),
        tailFit: null,
        invalidSamples: 0,
      },
      indirect: {
        variant: 'indirect' as const,
        mechanism: 'retpoline-thunk' as const,
        points: [],
        fit: fitOf(10, 0.01),
        tailFit: null,
        invalidSamples: 0,
      },
    };
    const other = { ...b1, cellId: 'other', boot: { name: 'other', cmdline: '' } };
    attachTestRunAgreement([t, other, b1]);
    const stats = t.traffic!.methods[0]!;
    expect(stats.agreement.map((a) => [a.variant, a.testRunCellId, a.agrees])).toEqual([
      ['direct', 'k__b__test-run', true],
      ['indirect', 'k__b__test-run', false],
    ]); // 2 = 2; 20 ≠ 10
    expect(t.warnings.some((w) => /^indirect, bpf_stats: cost per tail call under traffic is 2\.00× Benchmark 1's/.test(w))).toBe(true);
    // Another kind never pairs.
    const t2 = analyse([trafficCell()]).cells[0]!;
    attachTestRunAgreement([t2, { ...b1, figureKind: 'instructions' }]);
    expect(t2.traffic!.methods[0]!.agreement).toEqual([]);
  });
});
