// Benchmark 3 (bpf/PROTOCOL.md, "Benchmark 3: strategies"): the alternatives to a tail call, one depth sweep
// per strategy in one boot, interleaved per depth like Benchmark 1's variants. Under instruction counting it
// takes the fewer samples exact figures need, as Benchmark 1 does.
import { analyseStrategiesCell } from '../analysis/analyse-strategies.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import { sweepArgs, sweepParams } from '../measure/sweep-params.js';
import { ok } from '../util/result.js';
import type { BenchmarkDriver, BenchmarkOf } from './driver.js';
import { variantPart } from './headline-text.js';

/**
 * What the agent should have produced and did not: a record per strategy asked for, and every ready one
 * swept at every depth up to its own max_depth. An unsupported strategy is a state of the kernel, not a gap.
 */
function missingStrategies(b: BenchmarkOf<'strategies'>, agent: AgentOutput): string[] {
  const p = b.params;
  const problems: string[] = [];
  for (const name of p.strategies) {
    const got = agent.strategies?.find((s) => s.strategy === name);
    if (!got) {
      problems.push(`strategy ${name}: no strategy record`);
      continue;
    }
    if (got.status === 'unsupported') continue;
    if (got.maxDepth > p.maxDepth) problems.push(`strategy ${name}: swept to depth ${got.maxDepth}, more than maxDepth ${p.maxDepth}`);
    for (let depth = 0; depth <= got.maxDepth; depth++) {
      const samples = got.samples.filter((s) => s.depth === depth);
      if (samples.length < p.samples) problems.push(`strategy ${name} depth ${depth}: ${samples.length}/${p.samples} samples`);
      const wrong = samples.find((s) => s.retval !== depth);
      if (wrong) problems.push(`strategy ${name} depth ${depth}: retval ${wrong.retval}`);
    }
  }
  return problems;
}

export const strategiesDriver: BenchmarkDriver<'strategies'> = {
  underTiming: (b, timing) => ({ ...b, params: sweepParams(b.params, timing) }),
  agentArgs: ({ params: p }) => [
    '--bench',
    'strategies',
    ...sweepArgs(p, ['--warmup', String(p.warmup), '--strategies', p.strategies.join(',')]),
  ],
  modules: [],
  programs: async () => ok([]),
  missing: missingStrategies,
  analyse: analyseStrategiesCell,
  headline: (c, perCall) =>
    (analyseStrategiesCell(c).strategies ?? [])
      .map((s) => (s.status === 'unsupported' ? `${s.strategy} unsupported` : variantPart(s.strategy, s, perCall)))
      .join(' · '),
};
