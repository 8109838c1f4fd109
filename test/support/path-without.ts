// A PATH with every program of this machine's PATH except some: how a test simulates a missing tool
// (gpgv) without uninstalling it. Symlinks in `dir`, first match wins as a shell would pick it.
import { mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';

export async function pathWithout(missing: readonly string[], dir: string, pathVar = process.env.PATH ?? ''): Promise<string> {
  await mkdir(dir, { recursive: true });
  const seen = new Set<string>(missing);
  for (const from of pathVar.split(path.delimiter).filter((d) => d !== '')) {
    const names = await readdir(from).catch(() => [] as string[]);
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      await symlink(path.join(from, name), path.join(dir, name));
    }
  }
  return dir;
}
