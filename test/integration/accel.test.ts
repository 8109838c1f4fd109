// The KVM probe boots a real kernel under KVM. Three kinds of machine run this file, and each asserts what the
// product does there: no /dev/kvm (a container, most CI VMs): reported at once, nothing booted; /dev/kvm present
// but broken (a host CPU without nested virtualisation: every guest dies with "KVM internal error" or hangs): the
// failure is reported within the probe bound and `auto` falls back to TCG; KVM working: a guest really booted.
import { spawnSync } from 'node:child_process';
import { constants, accessSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clearAccelCache, KVM_DEVICE, PROBE_TIMEOUT_MS, probeAccelerator, probeKvm } from '../../src/vm/accel.js';
import { KILL_GRACE_MS } from '../../src/util/exec.js';
import { testKernel } from './qemu-kernels.js';

/** Image preparation (busybox listing, cached initramfs) on top of the bounded boot. */
const PREPARE_MARGIN_MS = 15_000;
/** Refusing a device that cannot be opened is one access() call: far below anything that boots. */
const NO_DEVICE_MS = 1_000;

/** The errno the probe will see opening the device read-write, or 'openable' (it may still be broken). */
function kvmDeviceState(): 'openable' | string {
  try {
    accessSync(KVM_DEVICE, constants.R_OK | constants.W_OK);
    return 'openable';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

function leftoverProbes(): string {
  return spawnSync('pgrep', ['-af', 'tailmatrix-kvm-probe'], { encoding: 'utf8' }).stdout.trim();
}

describe('accelerator probe', () => {
  it('auto uses KVM only after a guest really booted under it, else TCG with the reason; kvm alone fails as a value', async () => {
    const kernel = await testKernel('newest');
    clearAccelCache();
    const t0 = Date.now();
    const probe = await probeKvm(kernel);
    const probeMs = Date.now() - t0;
    console.log(`[accel] probeKvm: ${JSON.stringify(probe)} in ${probeMs} ms`);
    expect(probeMs).toBeLessThan(PROBE_TIMEOUT_MS + KILL_GRACE_MS + PREPARE_MARGIN_MS);
    expect(spawnSync('pgrep', ['-af', 'tailmatrix-kvm-probe'], { encoding: 'utf8' }).stdout.trim()).toBe('');

    const auto = await probeAccelerator('auto', kernel);
    const kvm = await probeAccelerator('kvm', kernel);
    console.log(`[accel] auto: ${JSON.stringify(auto)}; kvm: ${JSON.stringify(kvm)}`);
    expect(auto.ok).toBe(true);
    if (!auto.ok) return;
    // With no openable device the probe must not even try (the exact text is checked below).
    if (kvmDeviceState() !== 'openable') expect(probe.ok).toBe(false);
    if (probe.ok) {
      expect(auto.value.accel).toBe('kvm');
      expect(auto.value.reason).toMatch(/^KVM works/);
      expect(kvm.ok && kvm.value.accel).toBe('kvm');
    } else {
      expect(auto.value).toEqual({ accel: 'tcg', reason: `KVM unusable, falling back to TCG: ${probe.error}` });
      expect(kvm).toEqual({ ok: false, error: `KVM was requested but does not work here: ${probe.error}` });
      // The reason names what happened: an emulation error, a hang, or no usable device.
      expect(probe.error).toMatch(/KVM failed|did not reach \/init|not usable|QEMU under KVM failed|without the probe marker/);
    }
  });

  it('caches the probe for the rest of the process and never probes for tcg', async () => {
    const kernel = await testKernel('newest');
    const t0 = Date.now();
    const again = await probeAccelerator('auto', kernel);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(again.ok).toBe(true);
    expect(await probeAccelerator('tcg', kernel)).toEqual({ ok: true, value: { accel: 'tcg', reason: 'TCG requested' } });
  });

  it('a guest that dies or hangs under KVM is reported within the probe bound, its QEMU stopped (or, with no device, without booting)', async () => {
    const kernel = await testKernel('newest');
    const device = kvmDeviceState();
    const t0 = Date.now();
    // qemu64 under a KVM without nested virtualisation: either "KVM internal error. Suberror: 1" and a paused VM
    // (seen at once) or a silent hang after SeaBIOS (seen at the probe timeout); both seen on the build machine.
    const res = await probeKvm(kernel, { cpu: 'qemu64' });
    const ms = Date.now() - t0;
    console.log(`[accel] ${KVM_DEVICE}: ${device}; probeKvm -cpu qemu64: ${JSON.stringify(res)} in ${ms} ms`);
    expect(leftoverProbes()).toBe('');
    if (device !== 'openable') {
      // No device (or no permission): said at once, naming the device and the errno, and no QEMU started.
      expect(res).toEqual({ ok: false, error: `${KVM_DEVICE} is not usable (${device})` });
      expect(ms).toBeLessThan(NO_DEVICE_MS);
    } else if (res.ok) {
      // KVM works on this runner: the guest really reached /init under it, within the bound.
      expect(res.value.wallMs).toBeGreaterThan(0);
      expect(res.value.wallMs).toBeLessThan(PROBE_TIMEOUT_MS);
    } else {
      expect(ms).toBeLessThan(PROBE_TIMEOUT_MS + KILL_GRACE_MS + PREPARE_MARGIN_MS);
      // QEMU's own words: "KVM internal error" (a guest that dies), "Could not access KVM kernel module" (a device
      // node with no driver behind it, reproduced with a driverless /dev/kvm in a mount namespace), a hang, or an exit.
      expect(res.error).toMatch(/^KVM failed: \S|did not reach \/init|^QEMU under KVM failed/);
    }
  });

  it('a missing KVM device is reported without booting anything', async () => {
    const kernel = await testKernel('newest');
    clearAccelCache();
    const res = await probeAccelerator('auto', kernel, { kvmDevice: '/nonexistent/kvm' });
    expect(res).toEqual({
      ok: true,
      value: { accel: 'tcg', reason: 'KVM unusable, falling back to TCG: /nonexistent/kvm is not usable (ENOENT)' },
    });
    clearAccelCache();
  });
});
