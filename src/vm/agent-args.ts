// The agent's command line for a benchmark (bpf/PROTOCOL.md), minus --objdir and --out, which depend on
// where the backend puts the payload and the results.
import { TRAFFIC_MODULES, trafficPrograms } from '../guest/traffic-needs.js';
import type { Benchmark } from '../matrix/schema.js';
import { sweepParams } from '../measure/sweep-params.js';
import { ok, type Result } from '../util/result.js';
import type { Timing } from '../measure/timing.js';
import { trafficAgentArgs } from './traffic-agent-args.js';

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
    case 'traffic': {
      // The same under -icount: a window is set by time. The agent always takes both methods in the
      // same window; `methods` only chooses what the report shows.
      const p = benchmark.params;
      return trafficAgentArgs({
        depths: p.depths,
        durationMs: p.durationMs,
        protocol: p.protocol,
        ...(p.protocol === 'udp' ? { udpRate: p.udpPacketRate, udpLen: p.udpPacketBytes } : {}),
        variants: p.variants,
      });
    }
  }
}

/** Kernel modules a benchmark needs in the guest (src/guest/traffic-needs.ts). */
export function benchmarkModules(benchmark: Benchmark): string[] {
  switch (benchmark.type) {
    case 'test-run':
      return [];
    case 'traffic':
      return [...TRAFFIC_MODULES];
  }
}

/**
 * Host programs a benchmark runs in the guest, copied with their shared libraries into the qemu
 * initramfs (the traffic benchmark: iperf3, src/guest/traffic-needs.ts `trafficPrograms`). An error
 * names what to install.
 */
export async function benchmarkPrograms(benchmark: Benchmark): Promise<Result<string[], string>> {
  switch (benchmark.type) {
    case 'test-run':
      return ok([]);
    case 'traffic':
      return trafficPrograms();
  }
}
