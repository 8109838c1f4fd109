import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { diskFullError, isDiskFull } from './disk-full.js';

/** Is there a regular file at `p` (following links)? Anything unreadable counts as no. */
export async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

/** A sibling temp name: same file system, so the final rename is atomic. */
function tempPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a folder: makes a rename (or a new file) in it survive a power cut, not just the file's bytes. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write a whole file or nothing: readers never see a partial file, even after a crash or a power cut
 * (the bytes are on disk before the rename, the rename before we return). A full disk throws, and
 * leaves neither the temp file nor a changed target.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPath(target);
  try {
    // A fresh name, never a link: O_EXCL|O_NOFOLLOW (the rename then replaces a link at the target, never follows it).
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    await syncDir(path.dirname(target));
  } catch (e) {
    await rm(tmp, { force: true });
    // Measured after the temp file is gone: what is free for a retry, and what this write needed.
    if (isDiskFull(e)) throw await diskFullError(target, typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
    throw e;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
