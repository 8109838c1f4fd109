// The one place a backend is chosen (docs/contributing.md). `auto`: vng where it works here and the guest runs
// under KVM, qemu otherwise; the reason is returned so the run can record it. Under TCG vng's own
// userspace boot (virtme-init, udev coldplug, all emulated over virtiofs) costs ~100 s per cell against
// ~3 s for the hermetic initramfs, for the same measurement: auto does not pay that.
import type { BackendRequest } from '../matrix/runner-choices.js';
import { err, ok, type Result } from '../util/result.js';
import { qemuBackend } from './qemu.js';
import type { Accelerator } from '../results/cell-result.js';
import type { VmBackend } from './types.js';
import { vngBackend } from './vng.js';

interface ChosenBackend {
  backend: VmBackend;
  /** Why this one: "requested", or why vng was not usable for `auto`. */
  reason: string;
}

/** The backend and why, or why none works. Backends passed in for tests. */
export async function pickBackend(
  name: BackendRequest,
  accel: Accelerator,
  backends: { qemu: VmBackend; vng: VmBackend } = { qemu: qemuBackend, vng: vngBackend },
): Promise<Result<ChosenBackend, string>> {
  if (name !== 'auto') {
    const b = backends[name];
    const usable = await b.check();
    return usable.ok ? ok({ backend: b, reason: 'requested' }) : err(`${name} backend unavailable: ${usable.error}`);
  }
  const vng = await backends.vng.check();
  if (vng.ok && accel === 'kvm') return ok({ backend: backends.vng, reason: 'auto: vng works here' });
  const q = await backends.qemu.check();
  if (!q.ok) {
    if (vng.ok) return ok({ backend: backends.vng, reason: `auto: qemu unusable (${q.error})` });
    return err(`no VM backend works here: vng: ${vng.error}; qemu: ${q.error}`);
  }
  const why = vng.ok ? 'vng works but boots ~30× slower than the hermetic image under TCG' : `vng unusable (${vng.error})`;
  return ok({ backend: backends.qemu, reason: `auto: ${why}` });
}

/** Just the backend (tests, benchmarks); the run pipeline uses pickBackend to record why. */
export async function getBackend(name: BackendRequest, accel: Accelerator = 'tcg'): Promise<Result<VmBackend, string>> {
  const chosen = await pickBackend(name, accel);
  return chosen.ok ? ok(chosen.value.backend) : chosen;
}
