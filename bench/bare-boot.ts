// The baseline every bench compares a cell with: the kernel booted on a busybox initramfs straight to
// poweroff under TCG, no agent, no sweep (with -icount when a shift is given).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureInitramfs, writeCellInitrd } from '../src/guest/initramfs.js';
import type { FetchedKernel } from '../src/kernels/types.js';
import { execCommand } from '../src/util/exec.js';
import { QEMU_BINARY, qemuArgs } from '../src/vm/qemu-args.js';

/** Wall ms from QEMU start to poweroff. */
export async function bareBoot(kernel: FetchedKernel, o: { memoryMiB: number; icountShift?: number; timeoutMs: number }): Promise<number> {
  const image = await ensureInitramfs({ kernel, modules: [] });
  if (!image.ok) throw new Error(image.error);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-bench-'));
  try {
    const initrd = path.join(dir, 'initrd.img');
    await writeCellInitrd(image.value.path, { mode: 'probe' }, initrd);
    const started = Date.now();
    const args = qemuArgs({ accel: 'tcg', memoryMiB: o.memoryMiB, cpus: 1, kernel: kernel.vmlinuz, initrd, icountShift: o.icountShift });
    const res = await execCommand(QEMU_BINARY, args, { timeoutMs: o.timeoutMs, discardOutput: true });
    if (!res.ok) throw new Error(res.error.message);
    return Date.now() - started;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
