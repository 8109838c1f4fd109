// The traffic records of a real agent stream (5.10 cloud kernel booted under TCG -icount shift=3, UDP at
// 2000 datagrams/s, depths 0, 12, 32; test/fixtures/traffic) into the contract's samples, and the ways
// iperf3's part can be wrong.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { parseTrafficRecord, type TrafficRecord } from '../../src/measure/traffic-output.js';
import { cellResult } from '../../src/results/cell-result.js';
import { trafficSample } from '../../src/results/traffic-result.js';

const STREAM = readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'traffic', '5.10-cloud-udp-icount3.jsonl'), 'utf8');
const firstRecord = (): TrafficRecord => JSON.parse(STREAM.split('\n').find((l) => l.includes('"type":"traffic"'))!) as TrafficRecord;

describe('traffic records of a real 5.10 boot', () => {
  const out = parseAgentOutput(STREAM);

  it('a complete stream, no garbage, both variants with their JIT proof and one sample per depth', () => {
    expect(out.complete).toBe(true);
    expect(out.errors).toEqual([]);
    expect(out.garbage).toEqual([]);
    expect(out.variants.map((v) => v.variant)).toEqual(['direct', 'indirect']);
    expect(out.variants[0]?.jit?.mechanism).toBe('direct-jump');
    expect(out.variants[1]?.jit?.mechanism).toBe('retpoline-thunk');
    for (const v of out.variants) {
      expect(v.samples).toEqual([]);
      expect(v.traffic?.map((s) => s.depth)).toEqual([0, 12, 32]);
      for (const s of v.traffic ?? []) expect(trafficSample.parse(s)).toEqual(s);
    }
  });

  it('each depth: the chain proven under traffic, packets counted by both methods and by iperf3', () => {
    for (const s of out.variants.flatMap((v) => v.traffic ?? [])) {
      expect(s.protocol).toBe('udp');
      expect(s.chainDepthSeen).toBe(s.depth);
      expect(s.chainDepthSeenVia).toBe('fexit');
      // 5.10 has no BTF for modules: the kretprobe pair is the fallback.
      expect(s.kprobe?.attach).toBe('kretprobe:cls_bpf_classify');
      expect(s.kprobe?.histogramLog2Ns).toHaveLength(64);
      expect(s.kprobe?.histogramLog2Ns.reduce((a, b) => a + b, 0)).toBe(s.kprobe?.count);
      const sent = s.iperf.packets ?? 0;
      expect(sent).toBeGreaterThan(1900);
      // run_cnt also counts iperf3's control connection and ARP: a few packets over what iperf3 sent.
      expect(s.bpfStats!.runCnt).toBeGreaterThanOrEqual(sent);
      expect(s.bpfStats!.runCnt / sent).toBeLessThan(1.03);
      expect(s.iperf.lostPackets).toBe(0);
      expect(s.iperf.bitsPerSecond).toBeGreaterThan(0);
      expect(s.durationMs).toBeGreaterThanOrEqual(1000);
    }
  });

  it('a cell result holds the traffic samples (the variant schema carries them)', () => {
    const v = out.variants[0]!;
    expect(cellResult.shape.variants.element.parse(v)).toEqual(v);
  });
});

describe('parseTrafficRecord', () => {
  it('iperf3 output that is not JSON is a problem naming the depth, the sample still kept with zero figures', () => {
    const parsed = parseTrafficRecord({ ...firstRecord(), iperf: 'iperf3: error - unable to connect', iperf_exit: 1 });
    expect(parsed?.sample?.iperf).toEqual({ packets: null, bytes: 0, bitsPerSecond: 0, lostPackets: null });
    expect(parsed?.problems[0]).toMatch(/^iperf3 \(direct\): iperf3 output at depth 0 is not JSON \(exit 1\)/);
  });

  it("iperf3's own error field is reported", () => {
    const parsed = parseTrafficRecord({ ...firstRecord(), iperf: JSON.stringify({ error: 'the server is busy' }) });
    expect(parsed?.problems).toEqual(['iperf3 (direct): iperf3 at depth 0: the server is busy']);
  });

  it('TCP: bytes and throughput from what the receiver got, no packet count (segments are coalesced)', () => {
    const end = { sum_received: { bytes: 5e8, bits_per_second: 4e9 }, sum_sent: { bytes: 5.1e8, bits_per_second: 4.1e9, retransmits: 0 } };
    const parsed = parseTrafficRecord({ ...firstRecord(), protocol: 'tcp', iperf: JSON.stringify({ end }) });
    expect(parsed?.problems).toEqual([]);
    expect(parsed?.sample?.iperf).toEqual({ packets: null, bytes: 5e8, bitsPerSecond: 4e9, lostPackets: null });
  });

  it('a record missing a field is not a traffic record (the caller keeps the line as garbage)', () => {
    const { bpf_stats: _gone, ...rest } = firstRecord();
    expect(parseTrafficRecord(rest)).toBeUndefined();
    expect(parseAgentOutput(`${JSON.stringify(rest)}\n`).garbage).toHaveLength(1);
  });

  it('the probe method missing is carried as its reason, not as an error', () => {
    const parsed = parseTrafficRecord({ ...firstRecord(), probe: null, probe_error: 'no probe around cls_bpf_classify loads: …' });
    expect(parsed?.sample?.kprobe).toBeNull();
    expect(parsed?.sample?.kprobeUnavailable).toMatch(/^no probe/);
    expect(parsed?.problems).toEqual([]);
  });
});

describe('other real streams (test/fixtures/traffic): sid TCP under -icount, the running kernel with UDP', () => {
  const load = (f: string) => parseAgentOutput(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'traffic', f), 'utf8'));

  it('sid, TCP: bytes and throughput but no packet count, fexit probe and proof', () => {
    const out = load('sid-cloud-tcp-icount3.jsonl');
    expect(out.complete).toBe(true);
    expect(out.errors).toEqual([]);
    for (const s of out.variants.flatMap((v) => v.traffic ?? [])) {
      expect(s.protocol).toBe('tcp');
      expect(s.iperf.packets).toBeNull();
      expect(s.iperf.bytes).toBeGreaterThan(0);
      expect(s.kprobe?.attach).toBe('fexit:cls_bpf_classify');
      expect([s.chainDepthSeen, s.chainDepthSeenVia]).toEqual([s.depth, 'fexit']);
    }
  });

  it('the running kernel (no trampolines, no kprobes here): probe null with its reason, the proof by test run', () => {
    const out = load('native-6.18-udp-hardware.jsonl');
    expect(out.complete).toBe(true);
    expect(out.errors).toEqual([]);
    for (const s of out.variants.flatMap((v) => v.traffic ?? [])) {
      expect(s.kprobe).toBeNull();
      expect(s.kprobeUnavailable).toMatch(/cls_bpf_classify/);
      expect([s.chainDepthSeen, s.chainDepthSeenVia]).toEqual([s.depth, 'test-run']);
      expect(s.bpfStats!.runCnt).toBeGreaterThanOrEqual(s.iperf.packets!);
    }
  });
});
