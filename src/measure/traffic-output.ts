// The traffic benchmark's records (bpf/PROTOCOL.md, "Benchmark 2: traffic") as the contract's samples
// (src/results/traffic-result.ts). The agent passes iperf3's own JSON through as a string; what it says
// (packets, bytes, throughput, losses) is read here, so the guest needs no JSON parser. A record that
// does not match is not a traffic record (the caller treats the line as garbage).
import { z } from 'zod';
import { variant, type Variant } from '../results/cell-result.js';
import type { TrafficSample } from '../results/traffic-result.js';

const count = z.number().int().min(0);

const trafficRecord = z.object({
  v: z.literal(1),
  type: z.literal('traffic'),
  variant,
  depth: count,
  protocol: z.enum(['tcp', 'udp']),
  duration_ms: z.number().min(0),
  bpf_stats: z.object({ run_cnt: count, run_time_ns: z.number().min(0) }).nullable(),
  probe: z.object({ attach: z.string(), count, total_ns: z.number().min(0), hist: z.array(count).length(64) }).nullable(),
  chain_depth_seen: count.nullable(),
  seen_via: z.enum(['fexit', 'test-run', '']),
  seen_error: z.string().optional(),
  probe_error: z.string().optional(),
  iperf_exit: z.number().int(),
  iperf: z.string(),
  /** Agents from sub-windows on: the counters' differences every `ms` within the window (optional: older streams parse). */
  sub_windows: z
    .object({
      ms: z.number().int().min(1),
      bpf_stats: z.array(z.tuple([count, z.number().min(0)])).nullable(),
      probe: z.array(z.tuple([count, z.number().min(0)])).nullable(),
    })
    .optional(),
});
export type TrafficRecord = z.infer<typeof trafficRecord>;

/** Once per variant before its depths; what it says (probe kind, addresses) each sample repeats or does not need. */
const trafficSetupRecord = z.object({
  v: z.literal(1),
  type: z.literal('traffic_setup'),
  variant,
  probe: z.string(),
  probe_error: z.string().optional(),
});

/** The parts of `iperf3 -J` read: end.sum (UDP, the client's view with the server's losses), end.sum_received (TCP). */
const iperfSum = z.object({
  bytes: z.number().min(0),
  bits_per_second: z.number().min(0),
  packets: count.optional(),
  lost_packets: count.optional(),
});
const iperfJson = z.object({
  error: z.string().optional(),
  end: z.object({ sum: iperfSum.optional(), sum_received: iperfSum.optional() }).optional(),
});

export interface ParsedTraffic {
  variant: Variant;
  /** Absent for the traffic_setup record. */
  sample?: TrafficSample;
  /** What went wrong with iperf3's part, one line each ("stage: message", like the agent's errors). */
  problems: string[];
}

function iperfFigures(r: TrafficRecord): { iperf: TrafficSample['iperf']; problem?: string } {
  const none = { packets: null, bytes: 0, bitsPerSecond: 0, lostPackets: null };
  let parsed: z.infer<typeof iperfJson>;
  try {
    const res = iperfJson.safeParse(JSON.parse(r.iperf));
    if (!res.success)
      return { iperf: none, problem: `iperf3 JSON at depth ${r.depth}: ${res.error.issues[0]?.message ?? 'unexpected shape'}` };
    parsed = res.data;
  } catch {
    return { iperf: none, problem: `iperf3 output at depth ${r.depth} is not JSON (exit ${r.iperf_exit}): ${r.iperf.slice(0, 200)}` };
  }
  if (parsed.error !== undefined) return { iperf: none, problem: `iperf3 at depth ${r.depth}: ${parsed.error}` };
  // UDP: packets the client sent and the server's count of those lost; TCP counts bytes, not packets.
  const sum = r.protocol === 'udp' ? parsed.end?.sum : parsed.end?.sum_received;
  if (!sum) return { iperf: none, problem: `iperf3 JSON at depth ${r.depth} has no end.${r.protocol === 'udp' ? 'sum' : 'sum_received'}` };
  return {
    iperf: {
      packets: r.protocol === 'udp' ? (sum.packets ?? null) : null,
      bytes: sum.bytes,
      bitsPerSecond: sum.bits_per_second,
      lostPackets: r.protocol === 'udp' ? (sum.lost_packets ?? null) : null,
    },
  };
}

function toTrafficSample(r: TrafficRecord): ParsedTraffic {
  const { iperf, problem } = iperfFigures(r);
  const sample: TrafficSample = {
    depth: r.depth,
    protocol: r.protocol,
    durationMs: r.duration_ms,
    bpfStats: r.bpf_stats ? { runCnt: r.bpf_stats.run_cnt, runTimeNs: r.bpf_stats.run_time_ns } : null,
    kprobe: r.probe ? { attach: r.probe.attach, count: r.probe.count, totalNs: r.probe.total_ns, histogramLog2Ns: r.probe.hist } : null,
    iperf,
    chainDepthSeen: r.chain_depth_seen,
    ...(r.seen_via !== '' ? { chainDepthSeenVia: r.seen_via } : {}),
    ...(r.seen_error ? { chainDepthSeenError: r.seen_error } : {}),
    ...(r.probe_error ? { kprobeUnavailable: r.probe_error } : {}),
    ...(r.sub_windows ? { subWindows: { ms: r.sub_windows.ms, bpfStats: r.sub_windows.bpf_stats, kprobe: r.sub_windows.probe } } : {}),
  };
  return { variant: r.variant, sample, problems: problem ? [`iperf3 (${r.variant}): ${problem}`] : [] };
}

/** A traffic or traffic_setup record parsed from a JSON value, or undefined when it is not one. */
export function parseTrafficRecord(value: unknown): ParsedTraffic | undefined {
  const res = trafficRecord.safeParse(value);
  if (res.success) return toTrafficSample(res.data);
  const setup = trafficSetupRecord.safeParse(value);
  return setup.success ? { variant: setup.data.variant, problems: [] } : undefined;
}
