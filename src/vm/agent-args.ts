// The agent's command line for a benchmark (bpf/PROTOCOL.md), minus --objdir and --out, which depend on
// where the backend puts the payload and the results.
import type { Benchmark } from '../matrix/schema.js';
import { sweepParams } from '../measure/sweep-params.js';
import { ok, type Result } from '../util/result.js';
import type { Timing } from './timing.js';

/** The flags for the sweep the cell really runs (src/measure/sweep-params.ts). */
export function agentArgs(benchmark: Benchmark, timing: Timing): string[] {
  const p = sweepParams(benchmark.params, timing);
  return [
    '--max-depth', String(p.maxDepth),
    '--samples', String(p.samples),
    '--repeat', String(p.repeat),
    '--variants', p.variants.join(','),
    ...(p.seed !== undefined ? ['--seed', String(p.seed)] : []),
  ];
}

/** Kernel modules a benchmark needs in the guest (the traffic benchmark will need veth, sch_ingress, cls_bpf). */
export function benchmarkModules(benchmark: Benchmark): string[] {
  switch (benchmark.type) {
    case 'test-run':
      return [];
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
  }
}
