// A user's repository as the package, the composite action and the fresh-machine test see it: nothing but
// its own matrix.json (one kernel, one boot, a short sweep) and the lock entry of this repository's 6.1
// Debian kernel, so the kernel is already in the shared cache and no Debian index is downloaded.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

export const KERNEL_ID = '6.1-cloud';
export const BOOTS = [
  { name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' },
  { name: 'mitigations-off', cmdline: 'spectre_v2=off' },
] as const;

/** Write matrix.json (with `boots` of BOOTS) and matrix.lock.json into `dir`. */
export async function writeOneKernelProject(dir: string, boots: readonly (typeof BOOTS)[number][] = BOOTS.slice(0, 1)): Promise<void> {
  const matrix = {
    kernels: [{ id: KERNEL_ID, source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
    boots,
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 8, samples: 3, repeat: 2000 } }],
    runner: { backend: 'qemu', accel: 'auto', timeoutSec: 600 },
  };
  await writeFile(path.join(dir, 'matrix.json'), `${JSON.stringify(matrix, null, 2)}\n`);
  const lock = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'matrix.lock.json'), 'utf8')) as { kernels: Record<string, unknown> };
  const entry = lock.kernels[KERNEL_ID];
  if (entry === undefined) throw new Error(`matrix.lock.json has no ${KERNEL_ID} entry to pin the test kernel with`);
  await writeFile(path.join(dir, 'matrix.lock.json'), `${JSON.stringify({ ...lock, kernels: { [KERNEL_ID]: entry } }, null, 2)}\n`);
}
