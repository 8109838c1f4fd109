// The traffic benchmark's modules (veth, sch_ingress, cls_bpf) from the kernels' own packages, resolved,
// decompressed on the host (sid ships .ko.xz, bullseye plain .ko) and loaded by /init in a real boot.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureInitramfs, writeCellInitrd } from '../../src/guest/initramfs.js';
import { execCommand } from '../../src/util/exec.js';
import { qemuArgs } from '../../src/vm/qemu-args.js';
import { ConsoleWatcher } from '../../src/vm/console.js';
import { cellSpec, testKernel, testPayload } from './qemu-kernels.js';

const TRAFFIC_MODULES = ['veth', 'sch_ingress', 'cls_bpf'];
/** One boot to poweroff of a cloud kernel under TCG, with room for a busy runner. */
const BOOT_TIMEOUT_MS = 180_000;

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

describe.each(['oldest', 'newest'] as const)('kernel modules in the image, %s kernel', (which) => {
  it('loads the requested modules and their dependencies without a failure', async () => {
    const kernel = await testKernel(which);
    const image = await ensureInitramfs({ kernel, modules: TRAFFIC_MODULES });
    expect(image.ok, image.ok ? '' : image.error).toBe(true);
    if (!image.ok) return;
    expect(image.value.modules).toEqual(expect.arrayContaining(['veth.ko', 'sch_ingress.ko', 'cls_bpf.ko']));

    const spec = cellSpec(kernel, await testPayload());
    workDirs.push(spec.workDir);
    const initrd = path.join(spec.workDir, 'initrd.img');
    await writeCellInitrd(image.value.path, { mode: 'probe' }, initrd);
    const watcher = new ConsoleWatcher(500);
    const res = await execCommand(
      'qemu-system-x86_64',
      qemuArgs({ accel: 'tcg', memoryMiB: 512, cpus: 1, kernel: kernel.vmlinuz, initrd }),
      {
        timeoutMs: BOOT_TIMEOUT_MS,
        onLine: (l) => watcher.push(l),
      },
    );
    expect(res.ok, watcher.tail().join('\n')).toBe(true);
    expect(watcher.state.insmodFailed).toEqual([]);
    const loaded = watcher
      .tail()
      .filter((l) => l.startsWith('tailmatrix-init: insmod '))
      .map((l) => l.slice('tailmatrix-init: insmod '.length));
    expect(loaded).toEqual(image.value.modules);
    expect(watcher.state.probeOk).toBe(true);
  });
});
