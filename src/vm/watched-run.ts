// What both backends do once their files are ready: start the VM process, watch its console (phases,
// a panic QEMU does not exit on), read the agent's records back, and classify how the cell ended.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseAgentOutput } from '../measure/agent-output.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import { execCommand } from '../util/exec.js';
import type { ConsoleWatcher } from './console.js';
import { classifyCell } from './cell-status.js';
import type { CellEvent, CellEnd, CellRunSpec } from './types.js';

/**
 * After a panic or a KVM error shows on the console, how long the VM gets to exit by itself (panic=-1 +
 * -no-reboot normally end it within a second) before we kill it: a broken KVM pauses the VM instead.
 */
const FATAL_GRACE_MS = 5_000;

interface WatchedRun {
  file: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Host file the agent's records arrive in. */
  agentOut: string;
  spec: CellRunSpec;
  watcher: ConsoleWatcher;
  signal: AbortSignal;
  emit: (e: CellEvent) => void;
}

export async function runWatchedVm(w: WatchedRun): Promise<Omit<CellEnd, 'wallMs' | 'consoleTail'>> {
  // Our own stop (a panic the VM did not end on) joins the caller's Ctrl-C signal.
  const stopper = new AbortController();
  let stoppedEarly = false;
  let fatalTimer: NodeJS.Timeout | undefined;
  const onLine = (line: string) => {
    const mark = w.watcher.push(line);
    w.emit({ type: 'console', line });
    if (mark?.kind === 'agent-start') w.emit({ type: 'phase', phase: 'measure' });
    if ((mark?.kind === 'panic' || mark?.kind === 'kvm-error') && !fatalTimer) {
      fatalTimer = setTimeout(() => {
        stoppedEarly = true;
        stopper.abort();
      }, FATAL_GRACE_MS);
    }
  };

  w.emit({ type: 'phase', phase: 'boot' });
  const timeoutMs = w.spec.runner.timeoutSec * 1000;
  const res = await execCommand(w.file, w.args, {
    cwd: w.cwd,
    env: w.env,
    signal: AbortSignal.any([w.signal, stopper.signal]),
    timeoutMs,
    onLine,
    discardOutput: true,
  });
  if (fatalTimer) clearTimeout(fatalTimer);

  let agent: AgentOutput | undefined;
  if (existsSync(w.agentOut)) {
    const text = await readFile(w.agentOut, 'utf8');
    if (text.trim() !== '') agent = parseAgentOutput(text);
  }
  const failure = res.ok ? undefined : res.error;
  const verdict = classifyCell({
    exit: {
      timedOut: failure?.timedOut ?? false,
      canceled: (failure?.canceled ?? false) && !stoppedEarly,
      stoppedEarly,
      exitCode: failure ? failure.exitCode : 0,
      startError: failure?.spawnError,
      stderrTail: failure?.stderrTail ?? '',
      timeoutMs,
    },
    console: w.watcher.state,
    agent,
    benchmark: w.spec.benchmark,
  });
  return { ...verdict, agent };
}

/** A cell's outcome stamped with its wall time and the console tail, from the moment this is called. */
export function cellFinisher(watcher: ConsoleWatcher): (o: Omit<CellEnd, 'wallMs' | 'consoleTail'>) => CellEnd {
  const started = Date.now();
  return (o) => ({ ...o, consoleTail: watcher.tail(), wallMs: Date.now() - started });
}
