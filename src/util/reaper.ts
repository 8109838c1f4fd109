// Children die with the runner, even when the runner gets SIGKILL and runs no handler at all. Every
// process group started by src/util/exec.ts is reported to one small watcher process (its own group, so
// a terminal's Ctrl-C does not reach it); the watcher reads group ids on a pipe, and when the pipe
// closes (the runner is gone, however it went) it SIGKILLs every group still listed. This covers what a
// parent-death signal on the direct child would not: QEMU started by vng, virtiofsd, make's compilers.
import { spawn, type ChildProcess } from 'node:child_process';

// Plain JavaScript run with `node -e`: "+pgid" adds a group, "-pgid" drops it, end of input kills the rest.
const WATCHER = `
const groups = new Set();
let pending = '';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\\n');
  pending = lines.pop();
  for (const line of lines) {
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else groups.delete(pgid);
  }
});
process.stdin.on('end', () => {
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  process.exit(0);
});
`;

let watcher: ChildProcess | undefined;
let broken = false;

function start(): ChildProcess | undefined {
  if (watcher !== undefined || broken) return watcher;
  const env = { ...process.env };
  // The runner may have been started with a loader (tsx in tests): the watcher needs none of it.
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-e', WATCHER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  child.on('error', () => {
    broken = true;
    watcher = undefined;
  });
  child.stdin?.on('error', () => undefined);
  // Neither the watcher nor its pipe may keep the runner alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watcher = child;
  return child;
}

/** Report a new process group (the pid of a detached child): killed if the runner dies first. */
export function watchGroup(pgid: number): void {
  start()?.stdin?.write(`+${pgid}\n`);
}

/** The group has been swept by its owner: the watcher forgets it (its id may be reused). */
export function unwatchGroup(pgid: number): void {
  watcher?.stdin?.write(`-${pgid}\n`);
}
