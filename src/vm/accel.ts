// Which accelerator a run uses. /dev/kvm existing proves nothing (on our build machine every guest dies
// under it with "KVM internal error" or hangs after "Probing EDD"), so KVM is trusted only after a tiny
// guest really booted under it and powered off. The answer is cached for the rest of the process.
import { constants } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FetchedKernel } from '../kernels/types.js';
import type { AccelRequest } from '../matrix/runner-choices.js';
import type { Accelerator } from '../results/cell-result.js';
import { ensureInitramfs, writeCellInitrd } from '../guest/initramfs.js';
import { execCommand } from '../util/exec.js';
import { makeWorkDir } from '../util/work-dir.js';
import { err, ok, type Result } from '../util/result.js';
import { ConsoleWatcher } from './console.js';
import { qemuArgs, qemuBinary } from './qemu-args.js';

/**
 * A cloud kernel reaches /init in ~1-2 s under working KVM; 12 s leaves room for a slow nested-KVM CI
 * runner while a hanging KVM costs one short wait per run.
 */
export const PROBE_TIMEOUT_MS = 12_000;
/** The probe guest only runs busybox. */
const PROBE_MEMORY_MIB = 256;
export const KVM_DEVICE = '/dev/kvm';

interface AccelChoice {
  accel: Accelerator;
  /** One line for the run metadata and the progress display: why this accelerator. */
  reason: string;
}

interface ProbeDeps {
  signal?: AbortSignal;
  qemu?: string;
  cacheDir?: string;
  busybox?: string;
  kvmDevice?: string;
  timeoutMs?: number;
  /** QEMU -cpu for the probe; default the one cells use under KVM (DEFAULT_CPU.kvm). */
  cpu?: string;
}

/** Did a guest boot under KVM? ok = it did; err = why not. */
type KvmProbe = Result<{ wallMs: number }, string>;

const probes = new Map<string, Promise<KvmProbe>>();

/** Boot the probe image under KVM, bounded; notices "KVM internal error" at once and hangs by the timeout. */
export async function probeKvm(kernel: FetchedKernel, deps: ProbeDeps = {}): Promise<KvmProbe> {
  const device = deps.kvmDevice ?? KVM_DEVICE;
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch (e) {
    return err(`${device} is not usable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const image = await ensureInitramfs({ kernel, modules: [] }, { cacheDir: deps.cacheDir, busybox: deps.busybox, signal: deps.signal });
  if (!image.ok) return err(`probe image: ${image.error}`);
  const dir = await makeWorkDir('kvm-probe');
  try {
    const initrd = path.join(dir, 'initrd.img');
    await writeCellInitrd(image.value.path, { mode: 'probe' }, initrd);
    const watcher = new ConsoleWatcher();
    const stop = new AbortController();
    const timeoutMs = deps.timeoutMs ?? PROBE_TIMEOUT_MS;
    const args = qemuArgs({
      arch: kernel.arch,
      accel: 'kvm',
      cpu: deps.cpu,
      memoryMiB: PROBE_MEMORY_MIB,
      cpus: 1,
      kernel: kernel.vmlinuz,
      initrd,
    });
    const started = Date.now();
    const res = await execCommand(qemuBinary(kernel.arch, deps.qemu), args, {
      timeoutMs,
      signal: deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal,
      discardOutput: true,
      onLine: (line) => {
        // A KVM emulation failure pauses the VM rather than ending QEMU: stop it ourselves.
        if (watcher.push(line)?.kind === 'kvm-error') stop.abort();
      },
    });
    const s = watcher.state;
    if (s.kvmError) return err(`KVM failed: ${s.kvmError}`);
    if (s.probeOk) return ok({ wallMs: Date.now() - started });
    if (!res.ok && res.error.timedOut) {
      return err(
        `a guest under KVM did not reach /init within ${timeoutMs / 1000} s (${s.initStarted ? 'init started' : 'hung during boot'})`,
      );
    }
    if (!res.ok) {
      const how = res.error.signal ? `killed by ${res.error.signal}` : `exit status ${res.error.exitCode ?? '?'}`;
      // QEMU's own "error:" line says more than the assertion it may die of afterwards.
      const lines = res.error.stderrTail.split('\n').filter((l) => l.trim() !== '');
      const last = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? res.error.spawnError ?? '';
      return err(`QEMU under KVM failed (${how})${last ? `: ${last}` : ''}`);
    }
    return err(`the guest under KVM powered off without the probe marker (last line: ${watcher.tail().at(-1) ?? ''})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Forget cached probes (tests). */
export function clearAccelCache(): void {
  probes.clear();
}

/**
 * The accelerator for a run. `tcg`: as asked. `kvm`: only if a guest boots under it, else an error
 * value. `auto`: KVM when it boots, TCG otherwise, with the reason.
 */
export async function probeAccelerator(
  requested: AccelRequest,
  kernel: FetchedKernel,
  deps: ProbeDeps = {},
): Promise<Result<AccelChoice, string>> {
  if (requested === 'tcg') return ok({ accel: 'tcg', reason: 'TCG requested' });
  const key = `${qemuBinary(kernel.arch, deps.qemu)}|${deps.kvmDevice ?? KVM_DEVICE}|${deps.cpu ?? ''}|${kernel.vmlinuz}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = probeKvm(kernel, deps);
    probes.set(key, probe);
  }
  const res = await probe;
  // A probe cut short by Ctrl-C says nothing about KVM: do not keep it.
  if (deps.signal?.aborted) probes.delete(key);
  if (res.ok) return ok({ accel: 'kvm', reason: `KVM works (a guest booted under it in ${(res.value.wallMs / 1000).toFixed(1)} s)` });
  if (requested === 'kvm') return err(`KVM was requested but does not work here: ${res.error}`);
  return ok({ accel: 'tcg', reason: `KVM unusable, falling back to TCG: ${res.error}` });
}
