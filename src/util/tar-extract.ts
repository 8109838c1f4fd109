// Writing checked tar entries (src/util/tar-reader.ts) into a root, entry by entry, in a way that cannot
// reach outside the root even if the check before it were wrong (defence in depth, docs/reliability.md):
//   - every folder on the way to an entry is lstat-ed from the root down and must be a real folder (a
//     symlink there refuses the archive; missing ones are created with mkdir, which never follows a link);
//   - files are created with O_CREAT|O_EXCL|O_NOFOLLOW after unlinking what was there, so an existing
//     symlink (or a file hard-linked elsewhere) is replaced, never written through;
//   - hard links point only at regular files reached the same way (link(2) does not follow a symlink);
//   - modes keep the permission bits only (no setuid/setgid), owners are not restored.
// The roots are private folders under the cache's tmp/ that only this locked process writes, so nothing
// changes a checked folder into a link between the lstat and the write.
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, symlink, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from './result.js';
import type { TarEntry } from './tar-reader.js';

const COPY_CHUNK = 1024 * 1024;

/** An entry's path relative to the root ("./a//b/" → "a/b"); the check refused "..", absolute paths. */
export function relPath(p: string): string {
  return path.posix
    .normalize(p)
    .replace(/^(\.\/)+/, '')
    .replace(/\/$/, '');
}

class Writer {
  /** Folders (relative) already verified to be real folders in this extraction. */
  private readonly dirs = new Set<string>(['', '.']);

  constructor(
    private readonly root: string,
    private readonly src: FileHandle,
    private readonly buf = Buffer.alloc(COPY_CHUNK),
  ) {}

  private abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** Make sure every folder of `rel` (itself included) is a real folder, creating missing ones. */
  private async realDir(rel: string, create: boolean): Promise<string | undefined> {
    if (this.dirs.has(rel)) return undefined;
    const parent = path.posix.dirname(rel);
    const above = await this.realDir(parent === '.' ? '' : parent, create);
    if (above !== undefined) return above;
    const st = await lstat(this.abs(rel)).catch(() => undefined);
    if (st === undefined) {
      if (!create) return `"${rel}" does not exist`;
      await mkdir(this.abs(rel), { mode: 0o755 });
    } else if (!st.isDirectory()) {
      return st.isSymbolicLink() ? `"${rel}" is a symlink` : `"${rel}" is not a folder`;
    }
    this.dirs.add(rel);
    return undefined;
  }

  /** Remove whatever non-folder sits at `rel` (a later layer replaces a file or a link). */
  private async clear(rel: string): Promise<string | undefined> {
    const st = await lstat(this.abs(rel)).catch(() => undefined);
    if (st === undefined) return undefined;
    if (st.isDirectory()) return `"${rel}" is already a folder`;
    await unlink(this.abs(rel));
    return undefined;
  }

  async write(e: TarEntry): Promise<string | undefined> {
    const rel = relPath(e.path);
    if (rel === '' || rel === '.') return undefined;
    const parent = path.posix.dirname(rel);
    const notDir = await this.realDir(parent === '.' ? '' : parent, true);
    if (notDir !== undefined) return `entry "${e.path}": ${notDir} on the way`;
    if (e.type === 'directory') {
      const why = await this.realDir(rel, true);
      return why === undefined ? undefined : `entry "${e.path}": ${why}`;
    }
    const cleared = await this.clear(rel);
    if (cleared !== undefined) return `entry "${e.path}": ${cleared}`;
    this.dirs.delete(rel);
    if (e.type === 'symlink') {
      await symlink(e.linkpath as string, this.abs(rel));
      return undefined;
    }
    if (e.type === 'hardlink') {
      const target = relPath(e.linkpath as string);
      const tparent = path.posix.dirname(target);
      const why = await this.realDir(tparent === '.' ? '' : tparent, false);
      if (why !== undefined) return `hard link "${e.path}": ${why} on the way to its target`;
      const st = await lstat(this.abs(target)).catch(() => undefined);
      if (!st?.isFile()) return `hard link "${e.path}": target "${e.linkpath}" is not a regular file in the root`;
      await link(this.abs(target), this.abs(rel));
      return undefined;
    }
    const out = await open(this.abs(rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, e.mode);
    try {
      let done = 0;
      while (done < e.size) {
        const want = Math.min(this.buf.length, e.size - done);
        const { bytesRead } = await this.src.read(this.buf, 0, want, e.dataOffset + done);
        if (bytesRead !== want) return `entry "${e.path}": short read`;
        await out.write(this.buf, 0, want);
        done += want;
      }
      // open(2)'s mode is masked by the umask; the archive's permission bits (the agent's x bit) are kept.
      await out.chmod(e.mode);
    } finally {
      await out.close();
    }
    return undefined;
  }
}

/** Write already-checked entries of `tarFile` into `root`; stops at the first entry it will not write. */
export async function writeEntries(
  tarFile: string,
  entries: readonly TarEntry[],
  root: string,
  signal?: AbortSignal,
): Promise<Result<void, string>> {
  const src = await open(tarFile, 'r');
  try {
    const w = new Writer(root, src);
    for (const e of entries) {
      if (signal?.aborted) return err('canceled');
      const why = await w.write(e);
      if (why !== undefined) return err(`refusing archive ${path.basename(tarFile)}: ${why}`);
    }
    return ok(undefined);
  } finally {
    await src.close();
  }
}
