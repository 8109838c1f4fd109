// Benchmark 2 (bpf/PROTOCOL.md, "Benchmark 2: traffic"): the chain attached at tc ingress of a veth pair,
// real packets through it (iperf3 in the guest), each depth one window. A window is set by time, so the
// sweep is the same under instruction counting.
import { analyseTraffic, analyseTrafficCell } from '../analysis/analyse-traffic.js';
import { TRAFFIC_MODULES, trafficPrograms } from '../guest/traffic-needs.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import { trafficAgentArgs, type TrafficAgentParams } from '../vm/traffic-agent-args.js';
import type { BenchmarkDriver } from './driver.js';
import { variantPart } from './headline-text.js';

/**
 * What a traffic cell should have and does not: every variant at every depth, packets seen by
 * bpf_stats, the chain proven to have run to the depth.
 */
export function missingTrafficSamples(p: Pick<TrafficAgentParams, 'depths' | 'variants'>, agent: AgentOutput): string[] {
  const problems: string[] = [];
  for (const v of p.variants) {
    const got = agent.variants.find((r) => r.variant === v)?.traffic ?? [];
    for (const depth of p.depths) {
      const s = got.find((x) => x.depth === depth);
      if (!s) problems.push(`variant ${v} depth ${depth}: no traffic sample`);
      else if (s.bpfStats !== null && s.bpfStats.runCnt === 0) problems.push(`variant ${v} depth ${depth}: no packet reached the chain`);
      else if (s.chainDepthSeen !== null && s.chainDepthSeen !== depth)
        problems.push(`variant ${v} depth ${depth}: the chain returned ${s.chainDepthSeen}`);
    }
  }
  return problems;
}

export const trafficDriver: BenchmarkDriver<'traffic'> = {
  underTiming: (b) => b,
  // The agent always takes both methods in the same window; `methods` only chooses what the report shows.
  agentArgs: ({ params: p }) =>
    trafficAgentArgs({
      depths: p.depths,
      durationMs: p.durationMs,
      protocol: p.protocol,
      ...(p.protocol === 'udp' ? { udpRate: p.udpPacketRate, udpLen: p.udpPacketBytes } : {}),
      variants: p.variants,
    }),
  modules: TRAFFIC_MODULES,
  programs: () => trafficPrograms(),
  missing: (b, agent) => missingTrafficSamples(b.params, agent),
  analyse: analyseTrafficCell,
  // Its first method's slopes (the report has every method).
  headline: (c, perCall) => {
    const m = analyseTraffic(c).summary?.methods[0];
    if (!m) return 'no traffic figures';
    const of = (name: 'direct' | 'indirect') =>
      variantPart(
        name,
        m.variants.find((x) => x.variant === name),
        perCall,
      );
    return `under traffic (${m.method}) · ${of('direct')} · ${of('indirect')}`;
  },
};
