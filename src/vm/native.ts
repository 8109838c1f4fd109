// The `native` backend: a running-kernel cell, measured on the host itself, as root, without a VM. The
// static agent runs as it would in a guest; its figures are hardware nanoseconds. The host is not ours:
// its settings are saved before and written back after whatever happened (Ctrl-C, a timeout, a crash
// of the agent, a second Ctrl-C that ends tailmatrix at once), a hardened host is never weakened
// without --unharden-host, and a machine where it cannot run (not root, no BPF) gives a skipped cell
// with the reason, never a failed one. Programs and maps die with the agent's fds; it pins nothing.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatCommand, execCommand } from '../util/exec.js';
import { acquireLock } from '../util/file-lock.js';
import { ok, type Result } from '../util/result.js';
import { parseAgentOutput } from '../measure/agent-output.js';
import { ConsoleWatcher } from './console.js';
import { describeChange, plannedChanges, readSettings, restoreSettings, type Change } from './native-settings.js';
import { describeRecovered, removeJournal, restoreJournal, writeJournal } from './host-journal.js';
import { HOST_JOURNAL, HOST_LOCK } from './host-journal-path.js';
import { unwatchJournal, watchJournal } from '../util/reaper.js';
import { classifyCell } from './cell-status.js';
import type { CellEvent, CellEnd, CellRunSpec, VmBackend } from './types.js';

/** Prefix of the lines this backend adds to the cell's console tail (what it changed, restored). */
const NOTE = 'tailmatrix-native: ';
// HOST_LOCK is host-wide, across tailmatrix processes: two native cells at once would time each other,
// and the second would save the first one's changed settings as "found" and restore those.

interface NativeBackendOptions {
  /** Allow lowering bpf_jit_harden / kptr_restrict for the run (restored after): --unharden-host. */
  unhardenHost?: boolean;
}

/** Why a running-kernel cell cannot run on this machine, or undefined when it can. */
export function nativeUnavailable(
  host: { platform: string; arch: string; euid: number | undefined; exists: (p: string) => boolean } = {
    platform: process.platform,
    arch: os.arch(),
    euid: process.geteuid?.(),
    exists: existsSync,
  },
): string | undefined {
  if (host.platform !== 'linux' || host.arch !== 'x64')
    return `the agent and the JIT's proof are x86-64 Linux only (this host: ${host.platform}/${host.arch})`;
  if (host.euid !== 0)
    return `not root (uid ${host.euid ?? '?'}): a running-kernel cell loads BPF programs and sets JIT sysctls on the host; run tailmatrix as root (sudo) to measure it`;
  if (!host.exists('/proc/sys/kernel/unprivileged_bpf_disabled')) return 'this kernel has no BPF system call (CONFIG_BPF_SYSCALL is off)';
  if (!host.exists('/proc/sys/net/core/bpf_jit_enable'))
    return 'this kernel has no BPF JIT (CONFIG_BPF_JIT is off): there is no jump to measure';
  return undefined;
}

/** Why the host's settings forbid the run without --unharden-host, naming every change it would make. */
export function hardeningRefusal(changes: readonly Change[], unhardenHost: boolean): string | undefined {
  if (unhardenHost || !changes.some((c) => c.hardening)) return undefined;
  return (
    `the host is hardened: the measurement would set ${changes.map(describeChange).join(', ')} for the run ` +
    '(restored after); rerun with --unharden-host to allow it'
  );
}

function files(spec: CellRunSpec) {
  return { agentOut: path.join(spec.workDir, 'agent.jsonl') };
}

function argv(spec: CellRunSpec): string[] {
  return [...spec.needs.agentArgs, '--objdir', spec.payload.objDir, '--out', files(spec).agentOut];
}

export function createNativeBackend(opts: NativeBackendOptions = {}): VmBackend {
  const unhardenHost = opts.unhardenHost ?? false;
  return {
    name: 'native',

    // Nothing to install beyond the payload; whether this host can run a cell is decided per cell (skipped).
    async check(): Promise<Result<void, string>> {
      return ok(undefined);
    },

    async describe(spec): Promise<string[]> {
      const why = nativeUnavailable();
      const changes = plannedChanges(readSettings());
      return [
        `# ${spec.cellId}: the running kernel ${os.release()}, on this host as root, no VM${why ? ` (would be skipped: ${why})` : ''}`,
        `# host settings for the run, restored after: ${changes.length ? changes.map(describeChange).join(', ') : 'none to change'}`,
        ...(hardeningRefusal(changes, unhardenHost)
          ? [`# refused without --unharden-host: ${hardeningRefusal(changes, unhardenHost)}`]
          : []),
        formatCommand(spec.payload.agent, argv(spec)),
      ];
    },

    async runCell(spec, ctx): Promise<CellEnd> {
      const started = Date.now();
      const watcher = new ConsoleWatcher();
      const note = (line: string) => {
        watcher.push(`${NOTE}${line}`);
        ctx.emit({ type: 'console', line: `${NOTE}${line}` });
      };
      const done = (o: Omit<CellEnd, 'wallMs' | 'consoleTail'>): CellEnd => ({
        ...o,
        figureKind: 'hardware-ns',
        consoleTail: watcher.tail(),
        wallMs: Date.now() - started,
      });

      ctx.emit({ type: 'phase', phase: 'prepare' });
      const unavailable = nativeUnavailable();
      if (unavailable) return done({ status: 'skipped', message: unavailable });
      let release: () => Promise<void>;
      try {
        release = await acquireLock(HOST_LOCK, {
          signal: ctx.signal,
          onWait: (owner) => note(`waiting for another running-kernel cell (${owner})`),
        });
      } catch (e) {
        if (ctx.signal.aborted) return done({ status: 'timeout', message: 'canceled before the cell finished' });
        return done({ status: 'agent-error', message: `cannot take the host lock ${HOST_LOCK}.lock: ${(e as Error).message}` });
      }
      try {
        return done(await measureOnHost(spec, { ...ctx, watcher, note }, unhardenHost));
      } finally {
        await release();
      }
    },
  };
}

/** Settings saved, the agent run, settings written back: whatever happened, before this returns. */
async function measureOnHost(
  spec: CellRunSpec,
  ctx: { signal: AbortSignal; emit: (e: CellEvent) => void; watcher: ConsoleWatcher; note: (line: string) => void },
  unhardenHost: boolean,
): Promise<Omit<CellEnd, 'wallMs' | 'consoleTail'>> {
  const { watcher, note } = ctx;
  // Under the host lock: a journal here is a dead run's (its settings still changed). Put the host back
  // before reading what it is, or the weakened values would be taken as the host's own.
  const dead = restoreJournal();
  if (dead !== undefined) note(describeRecovered(dead));
  if (dead !== undefined && dead.problems.length > 0) return { status: 'agent-error', message: describeRecovered(dead) };
  const before = readSettings();
  const changes = plannedChanges(before);
  const refusal = hardeningRefusal(changes, unhardenHost);
  if (refusal) return { status: 'skipped', message: refusal };
  note(
    `host settings found: ${Object.entries(before)
      .map(([k, v]) => `${k}=${v ?? 'absent'}`)
      .join(' ')}`,
  );
  note(changes.length ? `setting for the run: ${changes.map(describeChange).join(', ')}` : 'no host setting needs changing');

  // Persisted before anything changes, and handed to the reaper, which outlives a SIGKILLed runner.
  try {
    writeJournal(before);
  } catch (e) {
    return {
      status: 'agent-error',
      message: `cannot write the host settings journal ${HOST_JOURNAL} (nothing changed): ${(e as Error).message}`,
    };
  }
  watchJournal(HOST_JOURNAL);
  // A second Ctrl-C ends tailmatrix at once (process.exit) and SIGKILLs the agent: put the host back
  // on the way out all the same.
  const restoreOnExit = () => {
    if (restoreSettings(before).length === 0) removeJournal();
  };
  process.on('exit', restoreOnExit);
  ctx.emit({ type: 'phase', phase: 'measure' });
  const timeoutMs = spec.runner.timeoutSec * 1000;
  let res: Awaited<ReturnType<typeof execCommand>>;
  let problems: string[] = [];
  try {
    res = await execCommand(spec.payload.agent, argv(spec), {
      signal: ctx.signal,
      timeoutMs,
      discardOutput: true,
      onLine: (line) => watcher.push(line),
    });
  } finally {
    problems = restoreSettings(before);
    process.off('exit', restoreOnExit);
    // Kept while something could not be put back: the next invocation tries again and says so.
    if (problems.length === 0) {
      removeJournal();
      unwatchJournal(HOST_JOURNAL);
    }
  }
  note(problems.length ? `NOT restored: ${problems.join('; ')}` : 'host settings restored as found');
  if (problems.length) return { status: 'agent-error', message: `host settings not restored: ${problems.join('; ')}` };

  const text = existsSync(files(spec).agentOut) ? await readFile(files(spec).agentOut, 'utf8') : '';
  const agent = text.trim() !== '' ? parseAgentOutput(text) : undefined;
  const failure = res.ok ? undefined : res.error;
  if (failure?.spawnError) return { status: 'agent-error', message: `the agent did not start: ${failure.spawnError}`, agent };
  if (failure?.canceled) return { status: 'timeout', message: 'canceled before the cell finished', agent };
  if (failure?.timedOut) return { status: 'timeout', message: `no result after ${Math.round(timeoutMs / 1000)} s; agent killed`, agent };
  const verdict = classifyCell({
    exit: {
      timedOut: false,
      canceled: false,
      stoppedEarly: false,
      exitCode: failure?.exitCode ?? 0,
      stderrTail: failure?.stderrTail ?? '',
      timeoutMs,
    },
    // No boot to watch: the agent started when the process did.
    console: { initStarted: true, agentStarted: true, agentExit: failure ? (failure.exitCode ?? -1) : 0, probeOk: false, insmodFailed: [] },
    agent,
    missing: spec.needs.missing,
  });
  return { ...verdict, agent };
}
