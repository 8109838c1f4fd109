import { describe, expect, it } from 'vitest';
import { chooseTarget, VNG_FOREIGN_ARCH, type TargetDeps } from '../../src/vm/target.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import { err, ok } from '../../src/util/result.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import type { Accelerator } from '../../src/results/cell-result.js';
import type { VmBackend } from '../../src/vm/types.js';

// The parts that touch the machine (a KVM boot, the backends' checks) are the integration tests
// (accel.test.ts, qemu-backend-choice); here: the order of the choice and the reasons it carries.
const qemu: VmBackend = {
  name: 'qemu',
  check: async () => ok(undefined),
  describe: async () => [],
  runCell: async () => {
    throw new Error('not used');
  },
};
const kernel = { id: 'k', arch: 'amd64', vmlinuz: '/nonexistent/vmlinuz' } as FetchedKernel;

function deps(accel: Accelerator, seen: Accelerator[] = []): TargetDeps {
  return {
    probeAccelerator: async (req) => ok({ accel, reason: `${req} → ${accel}` }),
    pickBackend: async (_name, a) => {
      seen.push(a);
      return ok({ backend: qemu, reason: 'auto: test' });
    },
  };
}

describe('chooseTarget', () => {
  it("KVM only for a guest of the host's architecture, said in the reason; no probe for another", async () => {
    const arm = { ...kernel, arch: 'arm64' } as FetchedKernel;
    const probed: string[] = [];
    const d: TargetDeps = {
      ...deps('kvm'),
      probeAccelerator: async (req) => {
        probed.push(req);
        return ok({ accel: 'kvm', reason: 'KVM works' });
      },
    };
    const auto = await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'auto' }, arm, { deps: d, hostNodeArch: 'x64' });
    expect(auto.ok && [auto.value.arch, auto.value.accel, auto.value.timing.value]).toEqual([
      { value: 'arm64', reason: "the kernel's (matrix.json), emulated on this amd64 host" },
      { value: 'tcg', reason: "TCG: KVM runs only guests of the host's architecture (amd64); this kernel is arm64" },
      { mode: 'icount', shift: ICOUNT_SHIFT },
    ]);
    const asked = await chooseTarget({ accel: 'kvm', timing: 'auto', backend: 'auto' }, arm, { deps: d, hostNodeArch: 'x64' });
    expect(asked).toEqual({
      ok: false,
      error: "KVM was requested but cannot run this kernel: KVM runs only guests of the host's architecture (amd64); this kernel is arm64",
    });
    expect(probed).toEqual([]);
    // On an arm64 host the arm64 kernel is the host's own: probed like any other.
    const native = await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'auto' }, arm, { deps: d, hostNodeArch: 'arm64' });
    expect(native.ok && native.value.accel.value).toBe('kvm');
    expect(probed).toEqual(['auto']);
  });

  it('a guest of another architecture gets the qemu backend: vng is refused when requested, and auto says why', async () => {
    const arm = { ...kernel, arch: 'arm64' } as FetchedKernel;
    const asked: string[] = [];
    const d: TargetDeps = {
      ...deps('tcg'),
      pickBackend: async (name) => {
        asked.push(name);
        return ok({ backend: qemu, reason: 'requested' });
      },
    };
    const auto = await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'auto' }, arm, { deps: d, hostNodeArch: 'x64' });
    expect(auto.ok && auto.value.backend).toEqual({ value: qemu, reason: `auto: qemu, since ${VNG_FOREIGN_ARCH}` });
    expect(VNG_FOREIGN_ARCH).toMatch(/--root.*9p.*virtme-ng 1\.35/);
    const vng = await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'vng' }, arm, { deps: d, hostNodeArch: 'x64' });
    expect(vng).toEqual({ ok: false, error: `the vng backend cannot run this arm64 kernel: ${VNG_FOREIGN_ARCH}` });
    expect(asked).toEqual(['qemu']);
    // The host's own architecture: the request goes to pickBackend as it is.
    await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'vng' }, arm, { deps: d, hostNodeArch: 'arm64' });
    expect(asked).toEqual(['qemu', 'vng']);
  });

  it('chooses accelerator, then timing, then backend (for that accelerator), each with its reason', async () => {
    const seen: Accelerator[] = [];
    const t = await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'auto' }, kernel, { deps: deps('tcg', seen) });
    expect(t).toEqual({
      ok: true,
      value: {
        arch: { value: 'amd64', reason: "the kernel's (matrix.json), the host's own" },
        accel: { value: 'tcg', reason: 'auto → tcg' },
        timing: { value: { mode: 'icount', shift: ICOUNT_SHIFT }, reason: 'auto: instruction counting under TCG' },
        backend: { value: qemu, reason: 'auto: test' },
      },
    });
    expect(seen).toEqual(['tcg']);
    const kvm = await chooseTarget({ accel: 'auto', timing: 'auto', backend: 'auto' }, kernel, { deps: deps('kvm') });
    expect(kvm.ok && kvm.value.timing).toEqual({ value: { mode: 'timed' }, reason: 'auto: kvm times on the hardware clock' });
    const timed = await chooseTarget({ accel: 'tcg', timing: 'timed', backend: 'qemu' }, kernel, { deps: deps('tcg') });
    expect(timed.ok && timed.value.timing).toEqual({ value: { mode: 'timed' }, reason: 'requested' });
  });

  it('the first part that cannot be had decides, and nothing after it is tried', async () => {
    const seen: Accelerator[] = [];
    const icountUnderKvm = await chooseTarget({ accel: 'kvm', timing: 'icount', backend: 'auto' }, kernel, { deps: deps('kvm', seen) });
    expect(icountUnderKvm.ok).toBe(false);
    expect(!icountUnderKvm.ok && icountUnderKvm.error).toMatch(/timing icount needs TCG/);
    expect(seen).toEqual([]);
    const noKvm = await chooseTarget({ accel: 'kvm', timing: 'auto', backend: 'auto' }, kernel, {
      deps: { ...deps('kvm', seen), probeAccelerator: async () => err('KVM was requested but does not work here: no /dev/kvm') },
    });
    expect(noKvm).toEqual({ ok: false, error: 'KVM was requested but does not work here: no /dev/kvm' });
    const noBackend = await chooseTarget({ accel: 'tcg', timing: 'auto', backend: 'vng' }, kernel, {
      deps: { ...deps('tcg'), pickBackend: async () => err('vng backend unavailable: vng not installed') },
    });
    expect(noBackend).toEqual({ ok: false, error: 'vng backend unavailable: vng not installed' });
  });
});
