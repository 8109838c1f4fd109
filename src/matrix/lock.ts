// matrix.lock.json: what each moving name in matrix.json resolved to, as package-lock.json does for
// npm. A run uses the pinned entries; `tailmatrix lock` refreshes them; --frozen-lockfile refuses any
// difference between the lock and the matrix (CI must test exactly what was committed).
import { createHash } from 'node:crypto';
import { readJsonFile } from '../util/json-file.js';
import path from 'node:path';
import { z } from 'zod';
import type { Arch } from '../arch/index.js';
import type { Kernel, KernelSource } from './schema.js';
import { formatIssues } from '../util/zod-issues.js';
import { stableJson } from '../util/stable-json.js';
import { writeFileAtomic } from '../util/fs.js';
import { err, ok, type Result } from '../util/result.js';

const LOCK_VERSION = 1;
export const LOCK_FILE_NAME = 'matrix.lock.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One downloadable file a resolved kernel is made of (a .deb, a tarball, an OCI layer). */
const lockedFile = z.object({
  /** Debian package name or OCI layer media type: what this file is. */
  name: z.string(),
  version: z.string().optional(),
  url: z.string(),
  sha256,
  size: z.number().int().min(0).optional(),
});
export type LockedFile = z.infer<typeof lockedFile>;

const resolvedKernel = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('debian'),
    suite: z.string(),
    /** The package the matrix asked for (maybe a meta package). */
    requested: z.string(),
    /** The package that holds the kernel image and its version. */
    package: z.string(),
    version: z.string(),
    /** Every .deb to download: the image package, plus linux-binary / linux-modules where split. */
    files: z.array(lockedFile).min(1),
    /** Whether InRelease's signature was verified with gpgv when this was resolved. */
    signatureChecked: z.boolean(),
    /** Why it was not (gpgv or the keyring missing, allowed by --allow-unsigned): these .debs' hashes are unverified. */
    unsignedWhy: z.string().optional(),
  }),
  z.object({ type: z.literal('url'), files: z.array(lockedFile).length(1) }),
  z.object({
    type: z.literal('oci'),
    image: z.string(),
    /** Digest of the linux/amd64 image manifest (after resolving an index). */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    files: z.array(lockedFile),
  }),
  // A local kernel is not pinned: it is whatever the path holds now (the patched-kernel loop).
  z.object({ type: z.literal('local') }),
  // Nor is the running kernel: it is whatever this machine booted.
  z.object({ type: z.literal('running') }),
  // The build driver owns what it records; the lock only needs its inputs hash.
  z.looseObject({ type: z.literal('build'), inputsHash: sha256 }),
]);
export type ResolvedKernel = z.infer<typeof resolvedKernel>;

const lockEntry = z.object({
  /** Hash of the kernel's `source` in matrix.json: a different source makes the entry stale. */
  sourceHash: sha256,
  resolved: resolvedKernel,
  resolvedAt: z.string(),
});
type LockEntry = z.infer<typeof lockEntry>;

export const lockFile = z.object({
  lockfileVersion: z.literal(LOCK_VERSION),
  kernels: z.record(z.string(), lockEntry),
});
export type LockFile = z.infer<typeof lockFile>;

export function emptyLock(): LockFile {
  return { lockfileVersion: LOCK_VERSION, kernels: {} };
}

export function lockPathFor(matrixFile: string): string {
  return path.join(path.dirname(path.resolve(matrixFile)), LOCK_FILE_NAME);
}

/**
 * The hash that ties a lock entry to the matrix's source. The architecture is part of what was resolved: a
 * Debian source hashes with its index architecture filled in (so an amd64 source hashes as it did before
 * kernels had an arch), any other source with the kernel's arch added when it is not amd64.
 */
export function sourceHash(source: KernelSource, arch: Arch = 'amd64'): string {
  const keyed = source.type === 'debian' ? { ...source, arch: source.arch ?? arch } : arch === 'amd64' ? source : { ...source, arch };
  return createHash('sha256').update(stableJson(keyed)).digest('hex');
}

/** The entry pinned for this kernel, when it still matches the kernel's source. */
export function pinnedEntry(lock: LockFile, kernel: Kernel): LockEntry | undefined {
  const entry = lock.kernels[kernel.id];
  return entry !== undefined && entry.sourceHash === sourceHash(kernel.source, kernel.arch) ? entry : undefined;
}

/** Why the lock does not match the matrix (empty when it does): what --frozen-lockfile reports. */
export function lockMismatches(lock: LockFile, kernels: readonly Kernel[]): string[] {
  const problems: string[] = [];
  for (const k of kernels) {
    const entry = lock.kernels[k.id];
    if (k.source.type === 'local' || k.source.type === 'running') continue;
    if (entry === undefined) problems.push(`kernel "${k.id}" is not in the lockfile`);
    else if (entry.sourceHash !== sourceHash(k.source, k.arch)) problems.push(`kernel "${k.id}": its source changed since it was locked`);
  }
  return problems;
}

/** A missing lockfile is an empty one; a malformed one is bad input (every problem with its path). */
export async function readLock(file: string): Promise<Result<LockFile, string[]>> {
  const json = await readJsonFile(file, { allowMissing: true });
  if (!json.ok) return err([json.error]);
  if (json.value === undefined) return ok(emptyLock());
  const parsed = lockFile.safeParse(json.value);
  if (!parsed.success) return err(formatIssues(parsed.error.issues).map((m) => `${path.basename(file)}: ${m}`));
  return ok(parsed.data);
}

/** Keys sorted so the file diffs cleanly in review. */
export async function writeLock(file: string, lock: LockFile): Promise<void> {
  const kernels = Object.fromEntries(Object.entries(lock.kernels).sort(([a], [b]) => (a < b ? -1 : 1)));
  await writeFileAtomic(file, `${JSON.stringify({ lockfileVersion: lock.lockfileVersion, kernels }, null, 2)}\n`);
}
