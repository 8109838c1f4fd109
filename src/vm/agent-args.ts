// The agent's command line for a benchmark (bpf/PROTOCOL.md), minus --objdir and --out, which depend on
// where the backend puts the payload and the results.
import type { Benchmark, TrafficParams } from '../matrix/schema.js';
import { sweepParams } from '../measure/sweep-params.js';
import type { Timing } from './timing.js';

/** The flags for the sweep the cell really runs (src/measure/sweep-params.ts). */
export function agentArgs(benchmark: Benchmark, timing: Timing): string[] {
  switch (benchmark.type) {
    case 'test-run': {
      const p = sweepParams(benchmark.params, timing);
      return [
        '--max-depth', String(p.maxDepth),
        '--samples', String(p.samples),
        '--repeat', String(p.repeat),
        '--variants', p.variants.join(','),
        ...(p.seed !== undefined ? ['--seed', String(p.seed)] : []),
      ];
    }
    case 'traffic':
      return trafficArgs(benchmark.params);
  }
}

/**
 * Benchmark 2's flags (bpf/PROTOCOL.md, "Benchmark 2: traffic"); the same under -icount, as a window is
 * set by time. The agent always takes both methods in the same window; `methods` says which the report shows.
 */
function trafficArgs(p: TrafficParams): string[] {
  return [
    '--bench', 'traffic',
    '--depths', p.depths.join(','),
    '--duration-ms', String(p.durationMs),
    '--protocol', p.protocol,
    ...(p.protocol === 'udp' ? ['--udp-rate', String(p.udpPacketRate), '--udp-len', String(p.udpPacketBytes)] : []),
    '--variants', p.variants.join(','),
  ];
}

/**
 * Kernel modules a benchmark needs in the guest: the traffic benchmark's veth pair, its clsact qdisc
 * (sch_ingress) and the BPF classifier that runs the chain (cls_bpf).
 */
export function benchmarkModules(benchmark: Benchmark): string[] {
  switch (benchmark.type) {
    case 'test-run':
      return [];
    case 'traffic':
      return ['veth', 'sch_ingress', 'cls_bpf'];
  }
}
