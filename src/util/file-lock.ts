// A cross-process lock on a path: two `tailmatrix` runs sharing one cache wait for each other instead of
// extracting the same kernel twice. The lock is a file created with O_EXCL holding the owner's pid; a
// lock whose owner died (crash, SIGKILL) on this host is taken over.
import { open, readFile, rename, rm, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a waiter looks again: short next to a download, long next to a syscall. */
export const LOCK_POLL_MS = 200;

export interface LockOptions {
  signal?: AbortSignal;
  pollMs?: number;
  /** Called once when the lock is held by someone else (to say "waiting for pid N"). */
  onWait?: (owner: string) => void;
}

export type ReleaseLock = () => Promise<void>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerIsDead(lockFile: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockFile, 'utf8');
  } catch {
    return false; // released meanwhile: just retry
  }
  const [host, pidText] = text.trim().split(':');
  const pid = Number(pidText);
  // An empty file is one being written right now; a lock from another host cannot be judged.
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  return !alive(pid);
}

/** Wait until the lock is ours; the returned function releases it. Throws AbortError when aborted. */
export async function acquireLock(target: string, opts: LockOptions = {}): Promise<ReleaseLock> {
  const lockFile = `${target}.lock`;
  await mkdir(path.dirname(lockFile), { recursive: true });
  let warned = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const fh = await open(lockFile, 'wx');
      await fh.writeFile(`${os.hostname()}:${process.pid}\n`);
      await fh.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await rm(lockFile, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await ownerIsDead(lockFile)) {
      // Rename first: of two processes that both saw a dead owner, only one wins the rename.
      const grave = `${lockFile}.stale-${randomBytes(4).toString('hex')}`;
      try {
        await rename(lockFile, grave);
        await rm(grave, { force: true });
      } catch {
        // someone else took it over
      }
      continue;
    }
    if (!warned) {
      warned = true;
      opts.onWait?.((await readFile(lockFile, 'utf8').catch(() => '?')).trim());
    }
    await sleep(opts.pollMs ?? LOCK_POLL_MS, undefined, { signal: opts.signal });
  }
}

export async function withLock<T>(target: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const release = await acquireLock(target, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}
