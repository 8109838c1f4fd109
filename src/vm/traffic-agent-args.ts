// The agent's command line for the traffic benchmark (bpf/PROTOCOL.md, "Benchmark 2: traffic"), minus
// --objdir and --out. The matrix's traffic params map onto these; the agent checks them again.
import type { Variant } from '../results/cell-result.js';

export interface TrafficAgentParams {
  depths: readonly number[];
  durationMs: number;
  protocol: 'tcp' | 'udp';
  /** UDP only: datagrams per second and payload bytes. */
  udpRate?: number;
  udpLen?: number;
  variants: readonly Variant[];
}

export function trafficAgentArgs(p: TrafficAgentParams): string[] {
  return [
    '--bench',
    'traffic',
    '--depths',
    p.depths.join(','),
    '--duration-ms',
    String(p.durationMs),
    '--protocol',
    p.protocol,
    ...(p.udpRate !== undefined ? ['--udp-rate', String(p.udpRate)] : []),
    ...(p.udpLen !== undefined ? ['--udp-len', String(p.udpLen)] : []),
    '--variants',
    p.variants.join(','),
  ];
}
