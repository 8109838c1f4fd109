// The agent's command line for a benchmark (bpf/PROTOCOL.md), minus --objdir and --out, which depend on
// where the backend puts the payload and the results.
import type { Benchmark } from '../matrix/schema.js';

export function agentArgs(benchmark: Benchmark): string[] {
  const p = benchmark.params;
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
