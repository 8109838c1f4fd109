// The hashes of an extracted kernel's files, recorded when it was unpacked from verified downloads
// (kernel.json `files`), and the check that what is about to be booted still matches them (issue 19:
// a flipped byte in a cached vmlinuz, or another kernel's image swapped in, was booted and recorded
// under the pinned hash). Size first (a stat), then SHA256 of every file: modules go into the
// initramfs and vmlinuz is booted, so all of them count. The cost is one read of the kernel's files per
// run and kernel (docs/reliability.md has the measured figure).
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../util/sha256-file.js';

/** Small files (nearly all modules) in one read: a stream per file costs more than the hashing. */
const ONE_READ_BYTES = 4 * 1024 * 1024;

async function hashOf(file: string, size: number, signal?: AbortSignal): Promise<string> {
  if (size > ONE_READ_BYTES) return sha256File(file, signal);
  return createHash('sha256')
    .update(await readFile(file, { signal }))
    .digest('hex');
}

interface FileRecord {
  size: number;
  sha256: string;
}

/** Every regular file under `root` (relative path → size and SHA256); symlinks and folders are not files. */
export async function recordFiles(root: string, signal?: AbortSignal): Promise<Record<string, FileRecord>> {
  const out: Record<string, FileRecord> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(root, rel))).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(path.join(root, r));
      if (st.isDirectory()) await walk(r);
      else if (st.isFile()) out[r] = { size: st.size, sha256: await hashOf(path.join(root, r), st.size, signal) };
    }
  };
  await walk('');
  return out;
}

/** Why the files under `root` no longer match `files` (the first few differences), or undefined. */
export async function verifyFiles(
  root: string,
  files: Readonly<Record<string, FileRecord>>,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const problems: string[] = [];
  for (const [rel, want] of Object.entries(files)) {
    const st = await lstat(path.join(root, rel)).catch(() => undefined);
    if (st === undefined) problems.push(`${rel} is missing`);
    else if (!st.isFile()) problems.push(`${rel} is no longer a regular file`);
    else if (st.size !== want.size) problems.push(`${rel} has ${st.size} bytes, ${want.size} recorded`);
    else {
      const got = await hashOf(path.join(root, rel), st.size, signal);
      if (got !== want.sha256) problems.push(`${rel} hashes to sha256 ${got}, ${want.sha256} recorded`);
    }
    if (problems.length >= 3) break;
  }
  return problems.length ? problems.join('; ') : undefined;
}
