// The content-addressed cache shared by every kernel source (the build driver too):
//   blobs/sha256/<hex>   verified downloads (.deb, tarballs, OCI layers), named by their SHA256
//   kernels/<key>/       extracted kernels, named by the hash of what they were made from
//   indexes/<key>        short-lived copies of remote indexes (Debian InRelease)
//   tmp/                 work in progress; renamed into place when complete, so readers never see halves
//   locks/               cross-process OS locks (two runs sharing one cache); `use-*` locks are held
//                        shared by every process using an entry, so prune never removes it under them
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat, utimes, lstat } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../util/sha256-file.js';
import { acquireLock, tryLock, type LockOptions, type ReleaseLock } from '../util/file-lock.js';
import { ownedPrefix, removeDeadOwned } from '../util/work-dir.js';
import { syncDir } from '../util/fs.js';
import { cacheRoot } from '../util/paths.js';
import { err, ok, type Result } from '../util/result.js';

type EntryKind = 'blobs' | 'kernels' | 'indexes';

export interface CacheEntry {
  kind: EntryKind;
  key: string;
  path: string;
  bytes: number;
  /** Last use: entries are touched whenever a run uses them, so prune can drop the unused ones. */
  lastUsed: Date;
}

/** Temp leftovers older than this belong to a run that died; younger ones may be a live run's. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function duBytes(p: string): Promise<number> {
  const st = await lstat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(p)) total += await duBytes(path.join(p, name));
  return total;
}

const KEY_RE = /^[0-9a-zA-Z._-]+$/;

/** Shared use locks this process holds, by entry path (whatever KernelCache object took them); the OS drops them at exit. */
const inUse = new Map<string, Promise<ReleaseLock>>();

export class KernelCache {
  constructor(readonly root: string) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KernelCache {
    return new KernelCache(cacheRoot(env));
  }

  entryPath(kind: EntryKind, key: string): string {
    // Keys become file names: anything else is a bug in the caller.
    if (!KEY_RE.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)}`);
    return kind === 'blobs' ? path.join(this.root, 'blobs', 'sha256', key) : path.join(this.root, kind, key);
  }

  blobPath(sha256: string): string {
    return this.entryPath('blobs', sha256);
  }

  /**
   * The entry's path when present (and marks it used), otherwise undefined. A present entry stays in
   * use by this process until it exits: prune leaves it alone.
   */
  async lookup(kind: EntryKind, key: string): Promise<string | undefined> {
    const p = this.entryPath(kind, key);
    // In use first, then look: a prune removing it right now finishes before we look. Kept on a miss
    // too: this process is about to create the entry (and releasing could drop a concurrent caller's).
    await this.markInUse(kind, key);
    if (!(await exists(p))) return undefined;
    const now = new Date();
    await utimes(p, now, now).catch(() => undefined);
    return p;
  }

  private markInUse(kind: EntryKind, key: string): Promise<ReleaseLock> {
    const p = this.entryPath(kind, key);
    let held = inUse.get(p);
    if (held === undefined) {
      held = acquireLock(this.lockPath(`use-${kind}-${key}`), { shared: true });
      held.catch(() => inUse.delete(p));
      inUse.set(p, held);
    }
    return held;
  }

  private lockPath(name: string): string {
    if (!KEY_RE.test(name)) throw new Error(`invalid lock name ${JSON.stringify(name)}`);
    return path.join(this.root, 'locks', name);
  }

  /** The cache's tmp/ folder; the first use of a process removes what dead runs left there. */
  private async tmpRoot(): Promise<string> {
    const dir = path.join(this.root, 'tmp');
    this.swept ??= mkdir(dir, { recursive: true }).then(() => removeDeadOwned(dir));
    await this.swept;
    return dir;
  }

  private swept: Promise<unknown> | undefined;

  /**
   * A blob's path when present and sound, otherwise undefined. A crash (or a full disk) can leave a
   * short or empty file under a blob's name: its size and SHA256 are checked before it is trusted
   * (hashing costs a fraction of the extraction the blob is looked up for), and a bad one is removed.
   */
  async lookupBlob(sha256: string, size?: number, signal?: AbortSignal): Promise<string | undefined> {
    const p = await this.lookup('blobs', sha256);
    if (p === undefined) return undefined;
    const st = await stat(p);
    if ((size === undefined || st.size === size) && st.size > 0 && (await sha256File(p, signal)) === sha256) return p;
    await rm(p, { force: true });
    return undefined;
  }

  /** A fresh temp directory on the cache's file system (so the final rename is atomic). */
  async tempDir(label = 'work'): Promise<string> {
    return mkdtemp(path.join(await this.tmpRoot(), ownedPrefix(label)));
  }

  /** A temp file name (not created) on the cache's file system. */
  async tempFile(label = 'download'): Promise<string> {
    return path.join(await this.tmpRoot(), `${ownedPrefix(label)}${randomBytes(6).toString('hex')}`);
  }

  lock(name: string, opts: LockOptions = {}): Promise<ReleaseLock> {
    return acquireLock(this.lockPath(name), opts);
  }

  /**
   * Move a finished file into blobs/ under its SHA256. When `expected` is given and differs, the file
   * is deleted and nothing enters the cache.
   */
  async putBlob(tmpFile: string, expected?: string, signal?: AbortSignal): Promise<Result<string, string>> {
    try {
      const actual = await sha256File(tmpFile, signal);
      if (expected !== undefined && actual !== expected) {
        return err(`checksum mismatch: expected sha256 ${expected}, got ${actual}`);
      }
      const target = this.blobPath(actual);
      await this.markInUse('blobs', actual);
      await mkdir(path.dirname(target), { recursive: true });
      // On disk before it has its name: a power cut must not leave a short file under a blob's hash.
      const fh = await open(tmpFile, 'r');
      await fh.sync().finally(() => fh.close());
      await rename(tmpFile, target);
      await syncDir(path.dirname(target));
      return ok(target);
    } finally {
      await rm(tmpFile, { force: true });
    }
  }

  /**
   * Create kinds/key as a whole or not at all: `fill` writes into a temp directory that is renamed into
   * place when it succeeds. Runs under a lock, so a concurrent run waits and then reuses the result.
   */
  async putDir(
    kind: Exclude<EntryKind, 'blobs'>,
    key: string,
    fill: (dir: string) => Promise<Result<void, string>>,
    opts: LockOptions = {},
  ): Promise<Result<string, string>> {
    const target = this.entryPath(kind, key);
    const release = await this.lock(`${kind}-${key}`, opts);
    let tmp: string | undefined;
    try {
      const found = await this.lookup(kind, key);
      if (found !== undefined) return ok(found);
      await this.markInUse(kind, key);
      tmp = await this.tempDir(key);
      const filled = await fill(tmp);
      if (!filled.ok) return filled;
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
      tmp = undefined;
      return ok(target);
    } finally {
      if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
      await release();
    }
  }

  /**
   * Take a broken entry out of the cache (a kernel whose files no longer match their recorded hashes):
   * renamed into tmp/ first, so no reader sees half of it, then removed. Pinned or not.
   */
  async discard(kind: Exclude<EntryKind, 'blobs'>, key: string): Promise<void> {
    const release = await this.lock(`${kind}-${key}`);
    try {
      const gone = path.join(await this.tempDir(`discard-${key}`), 'entry');
      await rename(this.entryPath(kind, key), gone).catch(() => undefined);
      await rm(path.dirname(gone), { recursive: true, force: true });
    } finally {
      await release();
    }
  }

  async list(): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = [];
    const dirs: [EntryKind, string][] = [
      ['blobs', path.join(this.root, 'blobs', 'sha256')],
      ['kernels', path.join(this.root, 'kernels')],
      ['indexes', path.join(this.root, 'indexes')],
    ];
    for (const [kind, dir] of dirs) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const key of names.sort()) {
        const p = path.join(dir, key);
        const st = await stat(p);
        entries.push({ kind, key, path: p, bytes: await duBytes(p), lastUsed: st.mtime });
      }
    }
    return entries;
  }

  /**
   * Remove entries not used since `olderThan` (all when undefined) except `keep` paths and entries a
   * running process uses, plus temp leftovers of dead runs. Returns what was removed and what was kept
   * because it is in use.
   */
  async prune(opts: { olderThan?: Date; keep?: ReadonlySet<string> } = {}): Promise<{ removed: CacheEntry[]; inUse: CacheEntry[] }> {
    const removed: CacheEntry[] = [];
    const busy: CacheEntry[] = [];
    for (const e of await this.list()) {
      if (opts.keep?.has(e.path)) continue;
      if (opts.olderThan !== undefined && e.lastUsed >= opts.olderThan) continue;
      // Exclusive use lock, without waiting: busy means some process looked the entry up and runs.
      const use = await tryLock(this.lockPath(`use-${e.kind}-${e.key}`));
      if (use === undefined) {
        busy.push(e);
        continue;
      }
      try {
        await rm(e.path, { recursive: true, force: true });
      } finally {
        await use();
      }
      removed.push(e);
    }
    await this.removeStaleTemp();
    return { removed, inUse: busy };
  }

  /** Temp leftovers of dead runs (at once) and anything older than maxAgeMs (older tools' names). */
  async removeStaleTemp(maxAgeMs = STALE_TEMP_MS): Promise<void> {
    const dir = path.join(this.root, 'tmp');
    await removeDeadOwned(dir);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    const cutoff = Date.now() - maxAgeMs;
    for (const name of names) {
      const p = path.join(dir, name);
      const st = await lstat(p).catch(() => undefined);
      if (st !== undefined && st.mtimeMs < cutoff) await rm(p, { recursive: true, force: true });
    }
  }
}
