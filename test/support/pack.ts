// The npm package exactly as it is published: `npm pack` (which runs `prepare`, i.e. the build) into `dest`.
import path from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

/** Returns the tarball's path. */
export async function packTarball(dest: string): Promise<string> {
  const res = await execa('npm', ['pack', '--json', '--pack-destination', dest], { cwd: PACKAGE_ROOT });
  const [info] = JSON.parse(res.stdout) as { filename: string }[];
  if (info === undefined) throw new Error(`npm pack printed no tarball: ${res.stdout}`);
  return path.join(dest, info.filename);
}
