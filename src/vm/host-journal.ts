// The host settings a running-kernel cell found, on disk before anything is changed (issue 19: a SIGKILL
// or SIGHUP of the runner during a native cell left the host weakened, and later runs recorded the
// weakened values as the host's own). Three restorers read it, whichever comes first:
//   1. the runner itself after the agent (src/vm/native.ts), and on process exit;
//   2. the reaper (src/util/reaper.ts), a process that outlives the runner however it dies (SIGKILL,
//      SIGQUIT, a crash), once it has killed the agent;
//   3. any later tailmatrix invocation that finds the journal while no native cell holds the host lock
//      (the reaper itself killed, a power cut is moot: /run is emptied at boot, as are the settings).
// Synchronous on purpose: the runner's exit hook must be able to restore too.
import { constants, existsSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { tryLock } from '../util/file-lock.js';
import { describeChange, restoreSettings, readSettings, type Change, type Snapshot } from './native-settings.js';
import { HOST_JOURNAL, HOST_LOCK } from './host-journal-path.js';

interface Journal {
  pid: number;
  startedAt: string;
  /** Every watched setting as found before the run changed any. */
  found: Snapshot;
}

/** Write the journal whole (temp file, no link followed, fsync, rename) before any setting changes. */
export function writeJournal(found: Snapshot, file = HOST_JOURNAL): void {
  const journal: Journal = { pid: process.pid, startedAt: new Date().toISOString(), found };
  const tmp = `${file}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(journal)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function readJournal(file = HOST_JOURNAL): Journal | undefined {
  let text: string;
  try {
    // O_NOFOLLOW: a symlink planted at the journal's name is not read as the host's settings.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as Journal;
    if (typeof j.pid !== 'number' || typeof j.found !== 'object' || j.found === null) return undefined;
    // Only names of the shape sysctl names have: they become paths under /proc/sys.
    for (const [k, v] of Object.entries(j.found))
      if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(k) || (v !== null && typeof v !== 'string')) return undefined;
    return j;
  } catch {
    return undefined;
  }
}

export function removeJournal(file = HOST_JOURNAL): void {
  rmSync(file, { force: true });
}

interface Recovered {
  pid: number;
  /** What was written back (the dead run's value → the value found before it). */
  restored: Change[];
  problems: string[];
}

/** Put back what a journal records and remove it; the caller knows its run is dead. */
export function restoreJournal(file = HOST_JOURNAL, procSys?: string): Recovered | undefined {
  const j = readJournal(file);
  if (j === undefined) {
    removeJournal(file); // unreadable: nothing to trust in it
    return undefined;
  }
  const now = procSys === undefined ? readSettings() : readSettings(procSys);
  const restored: Change[] = [];
  for (const [name, value] of Object.entries(j.found)) {
    const cur = now[name];
    if (value !== null && cur !== null && cur !== undefined && cur !== value)
      restored.push({ name, from: cur, to: value, hardening: false });
  }
  const problems = procSys === undefined ? restoreSettings(j.found) : restoreSettings(j.found, procSys);
  if (problems.length === 0) removeJournal(file);
  return { pid: j.pid, restored, problems };
}

export function describeRecovered(r: Recovered): string {
  const what = r.restored.length ? `restored ${r.restored.map(describeChange).join(', ')}` : 'the settings were already as found';
  const bad = r.problems.length ? `; NOT restored: ${r.problems.join('; ')}` : '';
  return `host settings left changed by a tailmatrix run that died (pid ${r.pid}): ${what}${bad}`;
}

/**
 * At the start of any invocation: a journal while nobody holds the host lock belongs to a run that
 * died before restoring; put the host back first. A live native cell holds the lock: left alone.
 */
async function recoverDeadRun(file = HOST_JOURNAL): Promise<Recovered | undefined> {
  if (!existsSync(file)) return undefined;
  const release = await tryLock(HOST_LOCK).catch(() => undefined);
  if (release === undefined) return undefined;
  try {
    return restoreJournal(file);
  } finally {
    await release();
  }
}

/** What the CLI says at start when it found a dead run's journal (restored, or why it could not be). */
export async function recoverAtStart(file = HOST_JOURNAL): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  if (process.geteuid?.() !== 0)
    return `${file} records host settings a dead run changed; run any tailmatrix command as root to restore them`;
  const r = await recoverDeadRun(file);
  return r === undefined ? undefined : describeRecovered(r);
}
