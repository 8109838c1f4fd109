// Benchmark 1 (bpf/PROTOCOL.md, "Benchmark 1: test-run"): BPF_PROG_TEST_RUN over a chain of tail calls,
// one depth sweep per variant. Under instruction counting it takes the fewer samples exact figures need.
import { analyseCell } from '../analysis/analyse-cell.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import { sweepArgs, sweepParams } from '../measure/sweep-params.js';
import { ok } from '../util/result.js';
import type { BenchmarkDriver, BenchmarkOf } from './driver.js';
import { variantPart } from './headline-text.js';

/** Depths or samples the agent should have produced but did not; empty when the sweep is complete. */
function missingSamples(benchmark: BenchmarkOf<'test-run'>, agent: AgentOutput): string[] {
  const p = benchmark.params;
  const problems: string[] = [];
  for (const v of p.variants) {
    const got = agent.variants.find((r) => r.variant === v);
    if (!got) {
      problems.push(`variant ${v}: no results`);
      continue;
    }
    for (let depth = 0; depth <= p.maxDepth; depth++) {
      const samples = got.samples.filter((s) => s.depth === depth);
      if (samples.length < p.samples) problems.push(`variant ${v} depth ${depth}: ${samples.length}/${p.samples} samples`);
      const wrong = samples.find((s) => s.retval !== depth);
      if (wrong) problems.push(`variant ${v} depth ${depth}: retval ${wrong.retval}`);
    }
  }
  return problems;
}

export const testRunDriver: BenchmarkDriver<'test-run'> = {
  underTiming: (b, timing) => ({ ...b, params: sweepParams(b.params, timing) }),
  agentArgs: ({ params: p }) => sweepArgs(p, ['--variants', p.variants.join(',')]),
  modules: [],
  programs: async () => ok([]),
  missing: missingSamples,
  analyse: analyseCell,
  headline: (c, perCall) => {
    const s = analyseCell(c);
    return `${variantPart('direct', s.direct, perCall)} · ${variantPart('indirect', s.indirect, perCall)}`;
  },
};
