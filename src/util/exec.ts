// The one process wrapper. Every external command (qemu, make, clang, xz, gpgv …) goes through here so
// that timeouts, Ctrl-C and process-group killing behave the same everywhere, and so that no child
// outlives the runner, even a runner killed with SIGKILL (src/util/reaper.ts).
import { execa } from 'execa';
import { err, ok, type Result } from './result.js';
import { unwatchGroup, watchGroup } from './reaper.js';

/** After SIGTERM, how long a process group gets before SIGKILL (QEMU flushes files; make waits for cc). */
export const KILL_GRACE_MS = 3_000;
/** How many stderr lines a failure message carries: enough to see the compiler error, not the whole log. */
const STDERR_TAIL_LINES = 20;

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting it (Ctrl-C) kills the whole process group. */
  signal?: AbortSignal;
  timeoutMs?: number;
  input?: string | Uint8Array;
  /** Called for every line of stdout and stderr as it arrives (progress, console capture). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep stdout as raw bytes (archives) instead of text. */
  binary?: boolean;
  /** Do not keep the full output in memory (long builds stream through onLine only). */
  discardOutput?: boolean;
  /**
   * Once this settles the child no longer keeps this process alive (a lock holder, once it holds, lasts
   * as long as the process); it is still killed on exit like every other group.
   */
  keepAliveUntil?: Promise<unknown>;
  /**
   * Run in the terminal's own session with its stdin/stdout/stderr (nothing captured): for a command the
   * user watches and may have to answer, e.g. sudo asking for a password, which needs the controlling tty.
   */
  foreground?: boolean;
}

export interface ExecSuccess {
  stdout: string;
  stdoutBytes?: Uint8Array;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export interface ExecFailure {
  command: string;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  canceled: boolean;
  stderrTail: string;
  stdout: string;
  /** e.g. ENOENT when the program is not installed. */
  spawnError?: string;
  message: string;
}

const live = new Set<number>();

/** Kill a process group (negative pid): the command and every child it started. */
function killGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Kill every process group still running; called on exit so no QEMU outlives the CLI. */
function killAllGroups(): void {
  for (const pid of live) killGroup(pid, 'SIGKILL');
  live.clear();
}
process.once('exit', killAllGroups);

export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(quote).join(' ');
}

function tail(text: string, lines: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}

export async function execCommand(
  file: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<Result<ExecSuccess, ExecFailure>> {
  const command = formatCommand(file, args);
  const started = Date.now();
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    input: opts.input,
    // Own process group, so a kill reaches make's compilers or QEMU's helpers too.
    detached: !opts.foreground,
    cleanup: true,
    reject: false,
    stripFinalNewline: false,
    encoding: opts.binary ? 'buffer' : 'utf8',
    buffer: { stdout: !opts.discardOutput, stderr: true },
    stdin: opts.foreground ? 'inherit' : opts.input === undefined ? 'ignore' : 'pipe',
    ...(opts.foreground ? { stdout: 'inherit', stderr: 'inherit' } : {}),
    maxBuffer: 1024 * 1024 * 1024,
  });
  const pid = child.pid;
  void opts.keepAliveUntil?.then(() => {
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  });
  // A foreground child shares the terminal's process group: signal it alone, never that group.
  const kill = (signal: NodeJS.Signals): void => {
    if (opts.foreground) child.kill(signal);
    else if (pid !== undefined) killGroup(pid, signal);
  };
  if (pid !== undefined && !opts.foreground) {
    live.add(pid);
    watchGroup(pid);
  }

  let timedOut = false;
  let canceled = false;
  const stop = (why: 'timeout' | 'cancel') => {
    if (pid === undefined) return;
    if (why === 'timeout') timedOut = true;
    else canceled = true;
    kill('SIGTERM');
    setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS).unref();
  };
  const timer = opts.timeoutMs ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;
  const onAbort = () => stop('cancel');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  if (opts.onLine) {
    const onLine = opts.onLine;
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      let pending = '';
      stream?.on('data', (chunk: Buffer | string) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) onLine(line.replace(/\r$/, ''), name);
      });
      stream?.on('end', () => {
        if (pending !== '') onLine(pending, name);
      });
    }
  }

  const res = await child;
  if (timer) clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  if (pid !== undefined && !opts.foreground) {
    // A detached child's own children may outlive it (make's jobs): sweep the group once more.
    killGroup(pid, 'SIGKILL');
    live.delete(pid);
    unwatchGroup(pid);
  }

  const stdoutText = opts.binary ? '' : String(res.stdout ?? '');
  const stderrText = String(res.stderr ?? '');
  if (!timedOut && !canceled && res.exitCode === 0) {
    return ok({
      stdout: stdoutText,
      stdoutBytes: opts.binary ? (res.stdout as unknown as Uint8Array) : undefined,
      stderr: stderrText,
      exitCode: 0,
      durationMs: Date.now() - started,
    });
  }
  const spawnError = res.exitCode === undefined && res.signal === undefined ? res.originalMessage : undefined;
  const reason = timedOut
    ? `timed out after ${opts.timeoutMs} ms`
    : canceled
      ? 'canceled'
      : spawnError
        ? `could not start: ${spawnError}`
        : res.signal
          ? `killed by ${res.signal}`
          : `exited with status ${res.exitCode}`;
  const stderrTail = tail(stderrText, STDERR_TAIL_LINES);
  return err({
    command,
    exitCode: res.exitCode,
    signal: res.signal,
    timedOut,
    canceled,
    stderrTail,
    stdout: stdoutText,
    spawnError,
    message: `${command}: ${reason}${stderrTail ? `\n${stderrTail}` : ''}`,
  });
}

/** For commands whose failure is a bug or an unusable machine, not an expected outcome. */
export async function execOrThrow(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecSuccess> {
  const res = await execCommand(file, args, opts);
  if (!res.ok) throw new Error(res.error.message);
  return res.value;
}
