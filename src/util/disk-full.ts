// A full disk (or quota) is the machine's problem, not a regression nor a bug: it becomes exit 69 with
// what was being written, where, how much it needed and how much is free (issue 19: writing the
// initramfs or the reports on a full disk ended in a Node stack trace and exit 1, run.json `running`).
import { statfs } from 'node:fs/promises';
import path from 'node:path';

const CODES = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(e: unknown): boolean {
  return e instanceof DiskFullError || CODES.has((e as { code?: string } | null)?.code ?? '');
}

class DiskFullError extends Error {
  readonly code = 'ENOSPC';
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/** The error for a write of `needed` bytes to `file` that found no space (free space measured now). */
export async function diskFullError(file: string, needed?: number): Promise<DiskFullError> {
  const dir = path.dirname(file);
  const fs = await statfs(dir).catch(() => undefined);
  const free = fs ? `, ${mib(fs.bavail * fs.bsize)} free` : '';
  const need = needed !== undefined ? `${mib(needed)} needed` : 'more space needed';
  return new DiskFullError(
    `no space left on the disk of ${dir} writing ${path.basename(file)}: ${need}${free}; free some space or point TMPDIR / --results / TAILMATRIX_CACHE elsewhere`,
    dir,
  );
}

/** A message for any disk-full error (ours carries the size; a raw ENOSPC its path, when it has one). */
export async function diskFullMessage(e: unknown): Promise<string> {
  if (e instanceof DiskFullError) return e.message;
  const p = (e as { path?: string }).path;
  return p ? (await diskFullError(p)).message : `no space left on a disk: ${(e as Error).message}`;
}
