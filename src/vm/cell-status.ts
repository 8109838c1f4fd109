// A cell's typed outcome from what was seen: how QEMU ended, what the console showed, what the agent
// wrote. Pure, so every branch is unit-tested; both backends can share it.
import type { Benchmark, TestRunBenchmark } from '../matrix/schema.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import type { CellStatus } from '../results/cell-result.js';
import type { ConsoleState } from './console.js';
import type { TrafficAgentParams } from './traffic-agent-args.js';

export interface VmExit {
  timedOut: boolean;
  canceled: boolean;
  /** We stopped the VM ourselves after the console showed a panic or KVM error that did not end it. */
  stoppedEarly: boolean;
  exitCode?: number;
  /** QEMU could not be started at all (not installed, bad argument). */
  startError?: string;
  stderrTail: string;
  timeoutMs: number;
}

interface Classified {
  status: CellStatus;
  message?: string;
}

/** Depths or samples the agent should have produced but did not; empty when the sweep is complete. */
function missingSamples(benchmark: TestRunBenchmark, agent: AgentOutput): string[] {
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

/**
 * What a traffic cell (bpf/PROTOCOL.md, "Benchmark 2: traffic") should have and does not: every variant
 * at every depth, packets seen by bpf_stats, the chain proven to have run to the depth. For the traffic
 * benchmark type's branch of classifyCell, like missingSamples for test-run.
 */
export function missingTrafficSamples(p: Pick<TrafficAgentParams, 'depths' | 'variants'>, agent: AgentOutput): string[] {
  const problems: string[] = [];
  for (const v of p.variants) {
    const got = agent.variants.find((r) => r.variant === v)?.traffic ?? [];
    for (const depth of p.depths) {
      const s = got.find((x) => x.depth === depth);
      if (!s) problems.push(`variant ${v} depth ${depth}: no traffic sample`);
      else if (s.bpfStats !== null && s.bpfStats.runCnt === 0) problems.push(`variant ${v} depth ${depth}: no packet reached the chain`);
      else if (s.chainDepthSeen !== null && s.chainDepthSeen !== depth) problems.push(`variant ${v} depth ${depth}: the chain returned ${s.chainDepthSeen}`);
    }
  }
  return problems;
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';

/** Order matters: the earliest thing that went wrong names the status. */
export function classifyCell(input: { exit: VmExit; console: ConsoleState; agent?: AgentOutput; benchmark: Benchmark }): Classified {
  const { exit, console: con, agent, benchmark } = input;
  if (exit.startError) return { status: 'boot-failed', message: `QEMU did not start: ${exit.startError}` };
  if (con.panic !== undefined) return { status: 'panic', message: `kernel panic: ${con.panic}` };
  if (exit.canceled) return { status: 'timeout', message: 'canceled before the cell finished' };
  if (exit.timedOut) {
    const where = con.agentStarted ? 'while the agent ran' : con.initStarted ? 'in /init before the agent started' : 'before /init ran';
    return { status: 'timeout', message: `no result after ${Math.round(exit.timeoutMs / 1000)} s (${where}); VM killed` };
  }
  if (con.kvmError) return { status: 'boot-failed', message: `KVM failed: ${con.kvmError}` };
  if (!con.agentStarted) {
    const why = con.initStarted ? '/init stopped before starting the agent' : 'the guest stopped before /init ran';
    const qemu = exit.exitCode !== undefined && exit.exitCode !== 0 ? ` (QEMU exit status ${exit.exitCode}${exit.stderrTail ? `: ${firstLine(exit.stderrTail)}` : ''})` : '';
    return { status: 'boot-failed', message: `${why}${qemu}` };
  }
  if (!agent) return { status: 'bench-failed', message: 'the agent wrote no output' };
  // The agent names a kernel module the benchmark needs and the kernel lacks (bpf/PROTOCOL.md, stage `module`).
  const missingModule = agent.errors.find((e) => e.startsWith('module'));
  if (missingModule) return { status: 'bench-failed', message: missingModule };
  if (agent.errors.length > 0) return { status: 'agent-error', message: agent.errors.slice(0, 3).join('; ') };
  if (!agent.complete) {
    const code = con.agentExit !== undefined ? ` (agent exit status ${con.agentExit})` : '';
    return { status: 'bench-failed', message: `agent output truncated: no end record${code}` };
  }
  const missing = benchmark.type === 'test-run' ? missingSamples(benchmark, agent) : missingTrafficSamples(benchmark.params, agent);
  if (missing.length > 0) return { status: 'bench-failed', message: `${missing.length} problem(s): ${missing.slice(0, 3).join('; ')}` };
  if (con.agentExit !== undefined && con.agentExit !== 0) return { status: 'agent-error', message: `agent exited with status ${con.agentExit}` };
  return { status: 'ok' };
}
