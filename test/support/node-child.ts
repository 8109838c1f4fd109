// A real second process running a snippet of TypeScript (through tsx): for tests of what two processes
// do to each other (locks, prune, temp folders of dead runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

export interface NodeChild {
  child: ChildProcess;
  /** Resolves when the child printed this exact line. */
  line: (text: string) => Promise<void>;
  lines: string[];
  exited: Promise<number | null>;
}

export function startNode(code: string): NodeChild {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      for (const w of waiters.filter((x) => x.text === l)) w.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    line: (text) =>
      lines.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then(() => reject(new Error(`child exited before printing "${text}"; it printed: ${lines.join(' | ')}`)));
          }),
  };
}

async function parentOf(pid: string): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
}

/** Every living descendant of pid (children, their children...), read from /proc. */
export async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<string, string | undefined>();
  for (const name of await readdir('/proc')) if (/^\d+$/.test(name)) parents.set(name, await parentOf(name));
  const found: number[] = [];
  let frontier = [String(pid)];
  while (frontier.length > 0) {
    const next = [...parents].filter(([, ppid]) => ppid !== undefined && frontier.includes(ppid)).map(([p]) => p);
    found.push(...next.map(Number));
    frontier = next;
  }
  return found;
}

/**
 * Resolves once none of these pids is alive. A process's helpers (a lock's flock holder, which dies by
 * its parent-death signal) outlive it by the few milliseconds the kernel takes to deliver that signal:
 * a test that acts "once the process is gone" waits for them too. Rejects after timeoutMs.
 */
export async function allGone(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(alive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
