// Which cache entries which project pins. The kernel cache is shared by every project of the user
// (~/.cache/tailmatrix), so `cache prune` must not judge by one project's lockfile alone: every command
// that uses a lockfile registers its path in the cache (one small file per lockfile, so concurrent
// runs never write the same file), and prune keeps whatever any registered lockfile still pins.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CacheEntry, KernelCache } from '../kernels/cache.js';
import { isLockedBuild, referencedPaths } from '../kernels/references.js';
import { readLock, type LockFile, type ResolvedKernel } from '../matrix/lock.js';
import { writeFileAtomic } from '../util/fs.js';
import { err, ok, type Result } from '../util/result.js';

/** One kernel of one lockfile that needs a cache entry. */
export interface Pin {
  lockfile: string;
  kernel: string;
  /** What the lock resolved the kernel to: a package version, an image digest, a build's inputs hash. */
  version: string;
}

const registryDir = (cache: KernelCache) => path.join(cache.root, 'lockfiles');

/** Remember that this lockfile's project uses the cache (idempotent; the file holds the absolute path). */
export async function registerLockfile(cache: KernelCache, lockfile: string): Promise<void> {
  const abs = path.resolve(lockfile);
  await mkdir(registryDir(cache), { recursive: true });
  await writeFileAtomic(path.join(registryDir(cache), createHash('sha256').update(abs).digest('hex').slice(0, 32)), `${abs}\n`);
}

export interface KnownLock {
  file: string;
  lock: LockFile;
}

/**
 * The lockfiles of every project known to the cache, plus `extra` (this project's). A registered lockfile that
 * is gone belongs to a project that is gone: forgotten. One that cannot be read is an error (prune fails closed:
 * it cannot know what that project pins).
 */
export async function knownLockfiles(cache: KernelCache, extra: readonly string[]): Promise<Result<KnownLock[], string[]>> {
  const files = new Set(extra.map((f) => path.resolve(f)));
  const registered = await readdir(registryDir(cache)).catch(() => [] as string[]);
  for (const name of registered) {
    const reg = path.join(registryDir(cache), name);
    const file = (await readFile(reg, 'utf8').catch(() => '')).trim();
    if (file === '' || !(await readFile(file).then(() => true, () => false))) await rm(reg, { force: true });
    else files.add(file);
  }
  const out: KnownLock[] = [];
  const problems: string[] = [];
  for (const file of [...files].sort()) {
    const lock = await readLock(file);
    if (lock.ok) out.push({ file, lock: lock.value });
    else problems.push(`${file}: ${lock.error.join('; ')}`);
  }
  return problems.length > 0 ? err(problems) : ok(out);
}

function versionOf(r: ResolvedKernel): string {
  switch (r.type) {
    case 'debian':
      return `${r.package} ${r.version}`;
    case 'url':
      return r.files[0]?.version ?? r.files[0]?.url ?? '?';
    case 'oci':
      return `${r.image}@${r.digest.slice(0, 19)}`;
    case 'build':
      return `build ${r.inputsHash.slice(0, 12)}`;
    default:
      return r.type;
  }
}

/** Entry path → the kernels that pin it, over all the given lockfiles. */
export function pinsByPath(locks: readonly KnownLock[], cache: KernelCache, entries: readonly CacheEntry[]): Map<string, Pin[]> {
  const pins = new Map<string, Pin[]>();
  const add = (p: string, pin: Pin) => pins.set(p, [...(pins.get(p) ?? []), pin]);
  for (const { file, lock } of locks) {
    for (const [kernel, entry] of Object.entries(lock.kernels)) {
      // One kernel at a time through the same rules prune always used (kernels/references.ts).
      const one: LockFile = { ...lock, kernels: { [kernel]: entry } };
      const pin = { lockfile: file, kernel, version: versionOf(entry.resolved) };
      for (const p of referencedPaths(one, cache)) add(p, pin);
      for (const e of entries) if (e.kind === 'kernels' && isLockedBuild(one, e.key)) add(e.path, pin);
    }
  }
  return pins;
}

/**
 * For the commands that use a lockfile: register it. A cache that cannot record it is no reason to stop
 * the command: the warning is returned for the caller to show.
 */
export async function registerLockfileOrWarning(cache: KernelCache, lockfile: string): Promise<string | undefined> {
  return registerLockfile(cache, lockfile).then(
    () => undefined,
    (e: Error) => `could not record ${lockfile} in the cache (${e.message}); \`cache prune\` from another project may remove its kernels`,
  );
}
