// The QEMU command line of one cell, as a pure function: unit-tested exactly, printed by --dry-run.
import { archProfile, type Arch } from '../arch/index.js';
import type { Accelerator } from '../results/cell-result.js';
import { icountArgs } from './icount-args.js';

/** The x86-64 QEMU; a kernel of another architecture boots under its profile's binary (qemuBinary). */
export const QEMU_BINARY = archProfile('amd64').qemu.binary;

/** The QEMU that boots a kernel of `arch`, unless the caller names one (tests, --qemu). */
export function qemuBinary(arch: Arch, given?: string): string {
  return given ?? archProfile(arch).qemu.binary;
}

/**
 * Always on the kernel command line (x86's; kernelCmdline puts another architecture's console in). console=ttyS0: the console is the first serial port (stdout);
 * panic=-1: reboot at once on panic, which -no-reboot turns into QEMU exiting, so a panic ends the cell
 * in seconds instead of at the timeout. cryptomgr.notests: 7.x runs the crypto self-tests in threads
 * that are still runnable when /init starts the agent; measured on sid 7.2 under -icount (bench/
 * quiet-guest.ts, docs/measurement.md "Samples that cannot be contaminated silently") the run queue held
 * 5-6 tasks at agent start and took 15-18 s of guest time to go quiet, and 1 (quiet at once) with it.
 */
const BASE_CMDLINE = ['console=ttyS0', 'panic=-1', 'cryptomgr.notests'] as const;

/** KVM can pass the host CPU through; TCG emulates a model (`max`: every feature TCG implements). */
type VmAccelerator = Exclude<Accelerator, 'none'>;
export const DEFAULT_CPU: Record<VmAccelerator, string> = { kvm: 'host', tcg: 'max' };

/** A VM backend only ever gets a VM accelerator; `none` (the running kernel) reaching one is a bug. */
export function vmAccelerator(a: Accelerator): VmAccelerator {
  if (a === 'none') throw new Error('a VM backend was given the running kernel (accelerator none)');
  return a;
}

interface QemuArgsSpec {
  /** The guest's architecture (default amd64): QEMU machine, console and agent port come from its profile. */
  arch?: Arch;
  accel: VmAccelerator;
  /** QEMU -cpu model; DEFAULT_CPU[accel] when absent. */
  cpu?: string;
  memoryMiB: number;
  cpus: number;
  kernel: string;
  initrd: string;
  /** Added after BASE_CMDLINE (the boot configuration's own options). */
  cmdline?: string;
  /** Host file that receives the agent's port (x86: the second serial port, /dev/ttyS1): the agent's records. */
  agentOut?: string;
  /** Instruction counting (src/measure/timing.ts): guest ns = instructions × 2^shift. TCG only. */
  icountShift?: number;
}

/** The kernel command line: base options first, so the boot configuration can override them. */
export function kernelCmdline(extra: string | undefined, arch: Arch = 'amd64'): string {
  const base = BASE_CMDLINE.map((w) => (w === 'console=ttyS0' ? `console=${archProfile(arch).console}` : w));
  return [...base, ...(extra ?? '').split(/\s+/).filter((w) => w !== '')].join(' ');
}

export function qemuArgs(spec: QemuArgsSpec): string[] {
  if (spec.icountShift !== undefined && spec.accel !== 'tcg')
    throw new Error('-icount needs TCG (a bug: src/measure/timing.ts refuses it)');
  const profile = archProfile(spec.arch ?? 'amd64');
  return [
    '-machine',
    profile.qemu.machine,
    '-accel',
    spec.accel,
    ...(spec.icountShift !== undefined ? icountArgs(spec.icountShift) : []),
    '-cpu',
    spec.cpu ?? (spec.accel === 'tcg' ? profile.qemu.tcgCpu : DEFAULT_CPU[spec.accel]),
    '-m',
    String(spec.memoryMiB),
    '-smp',
    String(spec.cpus),
    // No default NIC, VGA or monitor: nothing to probe at boot, and stdout carries the console alone.
    '-nodefaults',
    '-nographic',
    '-no-reboot',
    '-serial',
    'stdio',
    ...profile.agentPort.qemuArgs(spec.agentOut || undefined),
    '-kernel',
    spec.kernel,
    '-initrd',
    spec.initrd,
    '-append',
    kernelCmdline(spec.cmdline, spec.arch),
  ];
}
