// Work folders that name their owner: `<prefix>-pid<pid>-<random>`. A run killed with SIGKILL cannot
// remove its folders, so the next one removes those whose owner is no longer running. A folder whose
// pid was reused by another process is kept (a false "alive" costs disk, never someone's files).
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const OWNED_RE = /-pid(\d+)-[A-Za-z0-9]+$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The name stem for something this process owns in a shared folder (mkdtemp appends the random part). */
export function ownedPrefix(label: string): string {
  return `${label.replace(/[^\w.-]/g, '_')}-pid${process.pid}-`;
}

/** The pid a name made with ownedPrefix belongs to, or undefined for other names. */
export function ownerOf(name: string): number | undefined {
  const m = OWNED_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Remove the entries of `dir` (starting with `prefix`) whose owner process is gone; returns their names. */
export async function removeDeadOwned(dir: string, prefix = ''): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = ownerOf(name);
    if (!name.startsWith(prefix) || pid === undefined || pid === process.pid || pidAlive(pid)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

const WORK_PREFIX = 'tailmatrix-';
let swept: Promise<unknown> | undefined;

/**
 * A fresh `tailmatrix-<label>-pid<pid>-XXXXXX` folder in the OS temp dir. The first call of a process
 * also removes the folders of dead runs.
 */
export async function makeWorkDir(label: string, tmpDir = os.tmpdir()): Promise<string> {
  swept ??= removeDeadOwned(tmpDir, WORK_PREFIX).catch(() => undefined);
  await swept;
  await mkdir(tmpDir, { recursive: true });
  return mkdtemp(path.join(tmpDir, `${WORK_PREFIX}${ownedPrefix(label)}`));
}
