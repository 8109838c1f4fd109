// A cross-process lock on a path: two `tailmatrix` runs sharing one cache wait for each other instead of
// extracting the same kernel twice. It is an OS lock (flock(2), through util-linux's `flock` holding it
// in a child), so the kernel releases it the moment its holder dies, however it dies: no stale lock to
// judge, no takeover to race, and the file's content (empty, half-written, another host's) never
// decides anything. The holder writes who it is into the file only so that a waiter can name it.
// Lock files are never deleted: unlinking a flock'ed file lets two processes lock two different inodes.
import { constants } from 'node:fs';
import { open, mkdir, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execCommand } from './exec.js';

/** How long a waiter waits before giving up by default: longer than a kernel build on a 2-core machine. */
const LOCK_WAIT_MS = 2 * 60 * 60_000;
/** How long a lock may be busy before the waiter is told who holds it (a free lock takes a few ms). */
const WAIT_NOTICE_MS = 300;
/** flock's exit status when -n finds the lock busy (EX_TEMPFAIL). */
const BUSY_STATUS = 75;
const HELD = 'held';

export interface LockOptions {
  signal?: AbortSignal;
  /** Called once when the lock is held by someone else (to say "waiting for pid N"). */
  onWait?: (owner: string) => void;
  /** Give up after this long (default LOCK_WAIT_MS), with a message naming the holder. */
  timeoutMs?: number;
  /** A shared lock: any number of shared holders, no exclusive one (entries in use by a run). */
  shared?: boolean;
}

export type ReleaseLock = () => Promise<void>;

/** Who holds the lock, as its holder wrote it (hostname, pid, command, since). */
export async function lockHolder(lockFile: string): Promise<string> {
  const text = (await readNoFollow(lockFile).catch(() => '')).trim();
  return text === '' ? 'a process that has not written its name yet' : text;
}

interface Holder {
  /** Resolves once the lock is held; rejects when flock could not take it. */
  held: Promise<void>;
  release: () => Promise<void>;
}

function spawnHolder(lockFile: string, mode: { shared: boolean; nonBlocking: boolean }): Holder {
  const stop = new AbortController();
  let onHeld: () => void = () => undefined;
  const heldSeen = new Promise<void>((resolve) => (onHeld = resolve));
  // setpriv --pdeathsig: flock, and the sleep that inherits its lock fd, die with this process even if
  // it is SIGKILLed and the reaper (src/util/reaper.ts) could not run; the OS then drops the lock.
  const done = execCommand(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      'flock',
      mode.shared ? '--shared' : '--exclusive',
      ...(mode.nonBlocking ? ['--nonblock'] : []),
      '--conflict-exit-code',
      String(BUSY_STATUS),
      lockFile,
      'setpriv',
      '--pdeathsig',
      'KILL',
      '--',
      'sh',
      '-c',
      `echo ${HELD}; exec sleep infinity`,
    ],
    // A held lock must not keep the process alive: at exit the OS drops it with its holder.
    { signal: stop.signal, onLine: (line) => line === HELD && onHeld(), keepAliveUntil: heldSeen },
  );
  const held = Promise.race([
    heldSeen,
    done.then((res) => {
      if (res.ok || res.error.canceled) throw new LockCanceled();
      if (res.error.exitCode === BUSY_STATUS) throw new LockBusy();
      const missing = res.error.spawnError ? ' (install util-linux: it provides flock and setpriv)' : '';
      throw new Error(`cannot lock ${lockFile}${missing}: ${res.error.message}`);
    }),
  ]);
  held.catch(() => undefined);
  return {
    held,
    release: async () => {
      stop.abort();
      // The holder no longer keeps the process alive (see above): something must, until it is gone.
      const alive = setInterval(() => undefined, 1_000);
      try {
        await done;
      } finally {
        clearInterval(alive);
      }
    },
  };
}

class LockCanceled extends Error {}
class LockBusy extends Error {}

async function readNoFollow(file: string): Promise<string> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Create the lock file, or check the one there, before flock(1) opens it (flock follows links): a
 * symlink, something not a regular file, or a file another user owns is refused — as root, a lock file
 * planted as a link to /etc/shadow would otherwise have its target truncated by writeHolder.
 */
async function safeLockFile(lockFile: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(lockFile, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw new Error(`refusing the lock file ${lockFile}: it is a symlink (remove it; tailmatrix creates lock files itself)`);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`refusing the lock file ${lockFile}: not a regular file`);
    // A hard link to another file (/etc/shadow) would have that file truncated just the same.
    if (st.nlink !== 1)
      throw new Error(
        `refusing the lock file ${lockFile}: it has ${st.nlink} hard links (remove it; tailmatrix creates lock files itself)`,
      );
    const me = process.geteuid?.();
    if (me !== undefined && st.uid !== me)
      throw new Error(`refusing the lock file ${lockFile}: owned by uid ${st.uid}, not by this user (uid ${me})`);
  } finally {
    await fh.close();
  }
}

async function writeHolder(lockFile: string, text: string): Promise<void> {
  // Truncate and write in place (never replace the file: the lock is on this inode); never through a link.
  const fh = await open(lockFile, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    await fh.truncate(0);
    await fh.write(text, 0);
  } finally {
    await fh.close();
  }
}

function describeSelf(): string {
  return `host ${os.hostname()} pid ${process.pid} (${path.basename(process.argv[1] ?? 'node')} ${process.argv.slice(2).join(' ')}) since ${new Date().toISOString()}`;
}

async function hold(lockFile: string, h: Holder, shared: boolean): Promise<ReleaseLock> {
  // Shared holders are many: only an exclusive holder names itself.
  if (!shared) await writeHolder(lockFile, `${describeSelf()}\n`);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (!shared) await writeHolder(lockFile, '').catch(() => undefined);
    await h.release();
  };
}

/** Wait until the lock is ours; the returned function releases it. Throws AbortError when aborted. */
export async function acquireLock(target: string, opts: LockOptions = {}): Promise<ReleaseLock> {
  const lockFile = `${target}.lock`;
  await mkdir(path.dirname(lockFile), { recursive: true });
  await safeLockFile(lockFile);
  opts.signal?.throwIfAborted();
  const shared = opts.shared ?? false;
  const h = spawnHolder(lockFile, { shared, nonBlocking: false });
  const timeoutMs = opts.timeoutMs ?? LOCK_WAIT_MS;
  let why: 'aborted' | 'timeout' | undefined;
  const onAbort = () => {
    why ??= 'aborted';
    void h.release();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const notice = setTimeout(() => void lockHolder(lockFile).then((owner) => opts.onWait?.(owner)), WAIT_NOTICE_MS);
  const bound = setTimeout(() => {
    why ??= 'timeout';
    void h.release();
  }, timeoutMs);
  try {
    await h.held;
    // Taken in the same instant as an abort or the deadline: the holder is already being stopped.
    if (why !== undefined) throw new LockCanceled();
    return await hold(lockFile, h, shared);
  } catch (e) {
    if (why === 'aborted') throw opts.signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
    if (why === 'timeout') {
      throw new Error(
        `gave up after ${Math.round(timeoutMs / 1000)} s waiting for the lock ${lockFile}, held by ${await lockHolder(lockFile)}. ` +
          'A lock is released by the OS when its holder exits, so that process is still running: wait for it, or stop it ' +
          '(kill the pid named above); deleting the lock file does not help.',
      );
    }
    throw e;
  } finally {
    clearTimeout(notice);
    clearTimeout(bound);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** The lock when it is free right now, otherwise undefined (cache prune skips what a run holds). */
export async function tryLock(target: string): Promise<ReleaseLock | undefined> {
  const lockFile = `${target}.lock`;
  await mkdir(path.dirname(lockFile), { recursive: true });
  await safeLockFile(lockFile);
  const h = spawnHolder(lockFile, { shared: false, nonBlocking: true });
  try {
    await h.held;
  } catch (e) {
    if (e instanceof LockBusy) return undefined;
    throw e;
  }
  return hold(lockFile, h, false);
}

export async function withLock<T>(target: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const release = await acquireLock(target, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}
