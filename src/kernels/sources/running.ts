// `running` source: the kernel this machine is running, measured natively (src/vm/native.ts). Nothing
// is fetched and nothing is pinned; it is described from the host itself. It has no image in the
// cache, so its content address is the hash of /proc/version (release, build number, compiler, date):
// two runs on the same booted kernel share it, a reboot into another build changes it.
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import { ok } from '../../util/result.js';
import type { KernelSourceDriver } from '../source.js';

const present = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

export const runningSourceDriver: KernelSourceDriver<'running'> = {
  type: 'running',

  async resolve() {
    return ok({ type: 'running' });
  },

  async fetch(kernel) {
    const release = os.release();
    const version = (await readFile('/proc/version', 'utf8').catch(() => `Linux version ${release}`)).trim();
    // The agent reads /proc/config.gz itself; the distribution's config file fills in when it is absent.
    const config = `/boot/config-${release}`;
    const image = `/boot/vmlinuz-${release}`;
    return ok({
      id: kernel.id,
      sha256: createHash('sha256').update(version).digest('hex'),
      dir: '/boot',
      // Never booted by tailmatrix: named only so a reader of the cell knows which image this is.
      vmlinuz: (await present(image)) ? image : '',
      config: (await present(config)) ? config : undefined,
      release,
      origin: `running:${release}`,
    });
  },
};
