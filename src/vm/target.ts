// The one place a cell's target is chosen: accelerator first (which backend pays off depends on it: vng is
// slow under TCG), then the timing it allows, then the backend. `run` and `bisect` both call this, so one
// kernel gets the same target whichever command measures it. Each part carries why, for the run
// metadata and the progress display. The architecture comes first of all: KVM only for the host's own.
import { hostArch, type Arch } from '../arch/index.js';
import type { Runner } from '../matrix/schema.js';
import type { Accelerator } from '../results/cell-result.js';
import type { FetchedKernel } from '../kernels/types.js';
import { err, ok, type Result } from '../util/result.js';
import { probeAccelerator } from './accel.js';
import { pickBackend } from './backend.js';
import { resolveTiming, type Timing } from '../measure/timing.js';
import type { VmBackend } from './types.js';

/** One choice of the target and why it was made. */
interface Chosen<T> {
  value: T;
  reason: string;
}

interface Target {
  /** The guest's architecture: the kernel's; it decides whether KVM can run it at all. */
  arch: Chosen<Arch>;
  accel: Chosen<Accelerator>;
  timing: Chosen<Timing>;
  backend: Chosen<VmBackend>;
}

/** The steps that touch the machine (a boot under KVM, the backends' own checks), replaceable in tests. */
export interface TargetDeps {
  probeAccelerator: typeof probeAccelerator;
  pickBackend: (name: Runner['backend'], accel: Accelerator) => ReturnType<typeof pickBackend>;
}

/**
 * Why the vng backend does not run a guest of another architecture than the host's. Tried with virtme-ng 1.35
 * (`vng --arch arm64 --root DIR --run vmlinuz-6.1.0-50-cloud-arm64`): it boots qemu-system-aarch64 -machine virt,
 * but the guest runs its userspace from --root (the host's root is x86-64), and its init then mounts vng's
 * guest tools over 9p, which Debian's cloud kernels build as a module that vng's initramfs does not load:
 * "mounting virtme.guesttools … failed: No such device", "virtme-init: not found", and the kernel panics.
 */
export const VNG_FOREIGN_ARCH =
  "vng boots another architecture's kernel only with --root, a root file system of that architecture, and then needs 9p built in, which Debian's cloud kernels have as a module (tried with virtme-ng 1.35: the guest panics at its init); the hermetic qemu backend brings its own arm64 initramfs";

export const realTargetDeps: TargetDeps = {
  probeAccelerator,
  pickBackend: (n, a) => pickBackend(n, a),
};

/** Why the timing is what it is: the request, and what `auto` makes of the accelerator. */
function timingReason(request: Runner['timing'], accel: Accelerator, timing: Timing): string {
  if (request !== 'auto') return 'requested';
  return timing.mode === 'icount' ? 'auto: instruction counting under TCG' : `auto: ${accel} times on the hardware clock`;
}

/**
 * The accelerator (probed by booting `kernel`), the timing and the backend for the runner's requests,
 * or why none works. The first part that cannot be had decides the error.
 */
export async function chooseTarget(
  runner: Pick<Runner, 'accel' | 'timing' | 'backend'>,
  kernel: FetchedKernel,
  io: {
    signal?: AbortSignal;
    deps?: TargetDeps;
    /** The host's architecture as Node names it (default process.arch; tests). */
    hostNodeArch?: string;
  } = {},
): Promise<Result<Target, string>> {
  const deps = io.deps ?? realTargetDeps;
  // KVM runs only a guest of the host's own architecture: no probe can change that, so it is not asked.
  const host = hostArch(io.hostNodeArch);
  const foreign = kernel.arch !== host;
  const why = `KVM runs only guests of the host's architecture (${host ?? io.hostNodeArch ?? process.arch}); this kernel is ${kernel.arch}`;
  if (foreign && runner.accel === 'kvm') return err(`KVM was requested but cannot run this kernel: ${why}`);
  const accel = foreign
    ? ok({ accel: 'tcg' as const, reason: `TCG: ${why}` })
    : await deps.probeAccelerator(runner.accel, kernel, { signal: io.signal });
  if (!accel.ok) return accel;
  const timing = resolveTiming(runner.timing, accel.value.accel);
  if (!timing.ok) return timing;
  // A guest of another architecture: the hermetic backend only (VNG_FOREIGN_ARCH says why), for auto as well.
  if (foreign && runner.backend === 'vng') return err(`the vng backend cannot run this ${kernel.arch} kernel: ${VNG_FOREIGN_ARCH}`);
  const picked = await deps.pickBackend(foreign ? 'qemu' : runner.backend, accel.value.accel);
  if (!picked.ok) return picked;
  const backendReason = foreign && runner.backend === 'auto' ? `auto: qemu, since ${VNG_FOREIGN_ARCH}` : picked.value.reason;
  return ok({
    arch: {
      value: kernel.arch,
      reason: foreign
        ? `the kernel's (matrix.json), emulated on this ${host ?? process.arch} host`
        : `the kernel's (matrix.json), the host's own`,
    },
    accel: { value: accel.value.accel, reason: accel.value.reason },
    timing: { value: timing.value, reason: timingReason(runner.timing, accel.value.accel, timing.value) },
    backend: { value: picked.value.backend, reason: backendReason },
  });
}
