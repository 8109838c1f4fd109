// A cell's typed outcome from what was seen: how QEMU ended, what the console showed, what the agent
// wrote. Pure, so every branch is unit-tested; both backends can share it.
import type { AgentOutput } from '../measure/agent-output.types.js';
import type { CellStatus } from '../results/cell-result.js';
import type { ConsoleState } from './console.js';

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

const firstLine = (s: string) =>
  s
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? '';

/** Order matters: the earliest thing that went wrong names the status. */
export function classifyCell(input: {
  exit: VmExit;
  console: ConsoleState;
  agent?: AgentOutput;
  /** The benchmark's completeness check (spec.needs.missing, from its driver in src/benchmarks/). */
  missing: (agent: AgentOutput) => string[];
}): Classified {
  const { exit, console: con, agent } = input;
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
    const qemu =
      exit.exitCode !== undefined && exit.exitCode !== 0
        ? ` (QEMU exit status ${exit.exitCode}${exit.stderrTail ? `: ${firstLine(exit.stderrTail)}` : ''})`
        : '';
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
  const missing = input.missing(agent);
  if (missing.length > 0) return { status: 'bench-failed', message: `${missing.length} problem(s): ${missing.slice(0, 3).join('; ')}` };
  if (con.agentExit !== undefined && con.agentExit !== 0)
    return { status: 'agent-error', message: `agent exited with status ${con.agentExit}` };
  return { status: 'ok' };
}
