// A traffic depth's interval from its sub-windows. The stream is real: the agent run natively on the
// running kernel of an AMD EPYC host with retpolines (6.18.44, hardware ns; UDP 20 000 datagrams/s × 64 B,
// 1 s per depth, depths 1–32, both variants, the default 250 ms sub-windows; bpf_stats only: this kernel
// has no probe on cls_bpf_classify), kept as test/fixtures/traffic/host-udp-subwindows.jsonl.gz. Its
// samples go into the real host traffic cell of test/fixtures/results/traffic-curve (same host and kernel).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyseTraffic } from '../../src/analysis/analyse-traffic.js';
import { subWindowInterval } from '../../src/analysis/sub-window-interval.js';
import { tCritical } from '../../src/analysis/stats.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { cellResult, type CellResult } from '../../src/results/cell-result.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const stream = parseAgentOutput(gunzipSync(readFileSync(path.join(FIXTURES, 'traffic', 'host-udp-subwindows.jsonl.gz'))).toString('utf8'));
const older = parseAgentOutput(readFileSync(path.join(FIXTURES, 'traffic', 'native-6.18-udp-hardware.jsonl'), 'utf8'));
const hostCell = cellResult.parse(
  JSON.parse(
    readFileSync(
      path.join(FIXTURES, 'results', 'traffic-curve', '2026-12-07T08-57-48Z-82db19', 'cells', 'host__host__traffic.json'),
      'utf8',
    ),
  ),
);
const DEPTHS = [1, 3, 5, 6, 9, 12, 16, 20, 24, 28, 32];

/** The host traffic cell with each variant's windows taken from `agent`. */
function cellWith(agent: ReturnType<typeof parseAgentOutput>): CellResult {
  const depths = agent.variants[0]!.traffic!.map((s) => s.depth);
  return {
    ...hostCell,
    benchmark: { ...hostCell.benchmark, params: { ...hostCell.benchmark.params, depths, methods: ['bpf-stats'] } },
    variants: hostCell.variants.map((v) => ({ ...v, traffic: agent.variants.find((a) => a.variant === v.variant)!.traffic })),
  };
}

describe('subWindowInterval', () => {
  it('two sub-windows of one packet each, 10 and 12 ns: mean 11, standard error 1, t with 1 degree of freedom', () => {
    const i = subWindowInterval([
      [1, 10],
      [1, 12],
    ])!;
    expect(i.mean).toBe(11);
    expect(i.k).toBe(2);
    expect(i.ci[0]).toBeCloseTo(11 - tCritical(1), 12);
    expect(i.ci[1]).toBeCloseTo(11 + tCritical(1), 12);
  });

  it('weighs a sub-window by its packets (a partial edge counts for what it holds) and skips empty ones', () => {
    // Means 100 (1000 packets) and 200 (10 packets): the ratio is (100 000 + 2 000) / 1010, not their mean, 150.
    const i = subWindowInterval([
      [1000, 100_000],
      [10, 2_000],
      [0, 0],
    ])!;
    expect(i.mean).toBeCloseTo(102_000 / 1010, 12);
    expect(i.k).toBe(2);
    expect(subWindowInterval([[1000, 5000]])).toBeNull();
    expect(subWindowInterval([])).toBeNull();
    // The same mean per packet in every sub-window: no width.
    expect(
      subWindowInterval([
        [100, 500],
        [300, 1500],
        [7, 35],
      ])!.ci,
    ).toEqual([5, 5]);
  });
});

describe('a real native stream with sub-windows', () => {
  it('every window holds its sub-windows, which add up to its own bpf_stats figures exactly', () => {
    expect(stream.complete).toBe(true);
    expect(stream.errors).toEqual([]);
    for (const v of stream.variants) {
      expect(v.traffic!.map((s) => s.depth)).toEqual(DEPTHS);
      for (const s of v.traffic!) {
        const sw = s.subWindows!;
        expect(sw.ms).toBe(250);
        expect(sw.kprobe).toBeNull(); // no probe on this kernel, as the record's own probe
        // A 1 s window: ticks at 250, 500, 750 ms (and 1000 when iperf3 outlasts it), the edges partial.
        expect(sw.bpfStats!.length).toBeGreaterThanOrEqual(4);
        expect(sw.bpfStats!.reduce((a, [n]) => a + n, 0)).toBe(s.bpfStats!.runCnt);
        expect(sw.bpfStats!.reduce((a, [, ns]) => a + ns, 0)).toBe(s.bpfStats!.runTimeNs);
      }
    }
  });

  it('each depth gets an interval around its window mean, and the curve profile carries it', () => {
    const { summary } = analyseTraffic(cellWith(stream));
    const stats = summary!.methods.find((m) => m.method === 'bpf-stats')!;
    for (const v of stats.variants) {
      for (const p of v.points) {
        const [lo, hi] = p.perPacketCi!;
        expect(lo).toBeLessThan(p.perPacket!);
        expect(hi).toBeGreaterThan(p.perPacket!);
        // The estimate itself is unchanged: all ns over all packets of the window.
        const s = stream.variants.find((x) => x.variant === v.variant)!.traffic!.find((x) => x.depth === p.depth)!;
        expect(p.perPacket).toBe(s.bpfStats!.runTimeNs / s.bpfStats!.runCnt);
      }
      expect(v.curve!.profile.map((p) => p.ci)).toEqual(v.points.map((p) => p.perPacketCi));
    }
  });

  it('an older stream without sub-windows keeps no interval (ci null) and still analyses', () => {
    for (const s of older.variants.flatMap((v) => v.traffic ?? [])) expect(s.subWindows).toBeUndefined();
    const { summary } = analyseTraffic(cellWith(older));
    for (const v of summary!.methods[0]!.variants) {
      for (const p of v.points) expect(p).not.toHaveProperty('perPacketCi');
      for (const p of v.curve!.profile) expect(p.ci).toBeNull();
    }
  });
});
