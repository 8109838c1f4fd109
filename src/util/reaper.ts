// Children die with the runner, even when the runner gets SIGKILL and runs no handler at all. Every
// process group started by src/util/exec.ts is reported to one small watcher process (its own group, so
// a terminal's Ctrl-C does not reach it); the watcher reads group ids on a pipe, and when the pipe
// closes (the runner is gone, however it went) it SIGKILLs every group still listed. This covers what a
// parent-death signal on the direct child would not: QEMU started by vng, virtiofsd, make's compilers.
// It also restores host settings: a journal file registered with it (src/vm/host-journal.ts, what a
// running-kernel cell found before changing sysctls) is written back under /proc/sys once the groups
// are killed, then removed — so a SIGKILLed, SIGQUIT or crashed runner does not leave the host weakened.
import { spawn, type ChildProcess } from 'node:child_process';

// Plain JavaScript run with `node -e`: "+pgid" adds a group, "-pgid" drops it, "J<file>" registers a
// settings journal, "j<file>" drops it; end of input kills the groups, then restores the journals.
const WATCHER = `
const fs = require('fs');
const groups = new Set();
const journals = new Set();
let pending = '';
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\\n');
  pending = lines.pop();
  for (const line of lines) {
    if (line[0] === 'J') { journals.add(line.slice(1)); continue; }
    if (line[0] === 'j') { journals.delete(line.slice(1)); continue; }
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else groups.delete(pgid);
  }
});
function restore(file) {
  let j;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try { j = JSON.parse(fs.readFileSync(fd, 'utf8')); } finally { fs.closeSync(fd); }
  } catch { return; }
  let all = true;
  for (const [name, value] of Object.entries(j.found || {})) {
    if (typeof value !== 'string' || !/^[a-z0-9_]+(\\.[a-z0-9_]+)+$/.test(name)) continue;
    const f = '/proc/sys/' + name.split('.').join('/');
    try { if (fs.readFileSync(f, 'utf8').trim() !== value) fs.writeFileSync(f, value + '\\n'); } catch { all = false; }
  }
  if (all) { try { fs.rmSync(file, { force: true }); } catch {} }
}
process.stdin.on('end', () => {
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  // The agent is SIGKILLed above; give the kernel a moment to end it before its settings are put back.
  setTimeout(() => { for (const f of journals) restore(f); process.exit(0); }, journals.size ? 300 : 0);
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

/** A host-settings journal: written back by the watcher if the runner dies before removing it. */
export function watchJournal(file: string): void {
  start()?.stdin?.write(`J${file}\n`);
}

/** The runner restored the settings itself: the watcher forgets the journal. */
export function unwatchJournal(file: string): void {
  watcher?.stdin?.write(`j${file}\n`);
}
