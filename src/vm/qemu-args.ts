// The QEMU command line of one cell, as a pure function: unit-tested exactly, printed by --dry-run.
import type { Accelerator } from '../results/cell-result.js';
import { icountArgs } from './icount-args.js';

export const QEMU_BINARY = 'qemu-system-x86_64';

/**
 * Always on the kernel command line. console=ttyS0: the console is the first serial port (stdout);
 * panic=-1: reboot at once on panic, which -no-reboot turns into QEMU exiting, so a panic ends the cell
 * in seconds instead of at the timeout. cryptomgr.notests: 7.x runs the crypto self-tests in threads
 * that are still runnable when /init starts the agent; measured on sid 7.2 under -icount (bench/
 * quiet-guest.ts, docs/measurement.md "Samples that cannot be contaminated silently") the run queue held
 * 5-6 tasks at agent start and took 15-18 s of guest time to go quiet, and 1 (quiet at once) with it.
 */
export const BASE_CMDLINE = ['console=ttyS0', 'panic=-1', 'cryptomgr.notests'] as const;

/** KVM can pass the host CPU through; TCG emulates a model (`max`: every feature TCG implements). */
export type VmAccelerator = Exclude<Accelerator, 'none'>;
export const DEFAULT_CPU: Record<VmAccelerator, string> = { kvm: 'host', tcg: 'max' };

/** A VM backend only ever gets a VM accelerator; `none` (the running kernel) reaching one is a bug. */
export function vmAccelerator(a: Accelerator): VmAccelerator {
  if (a === 'none') throw new Error('a VM backend was given the running kernel (accelerator none)');
  return a;
}

export interface QemuArgsSpec {
  accel: VmAccelerator;
  /** QEMU -cpu model; DEFAULT_CPU[accel] when absent. */
  cpu?: string;
  memoryMiB: number;
  cpus: number;
  kernel: string;
  initrd: string;
  /** Added after BASE_CMDLINE (the boot configuration's own options). */
  cmdline?: string;
  /** Host file that receives the guest's second serial port (/dev/ttyS1): the agent's records. */
  agentOut?: string;
  /** Instruction counting (src/measure/timing.ts): guest ns = instructions × 2^shift. TCG only. */
  icountShift?: number;
}

/** The kernel command line: base options first, so the boot configuration can override them. */
export function kernelCmdline(extra: string | undefined): string {
  return [...BASE_CMDLINE, ...(extra ?? '').split(/\s+/).filter((w) => w !== '')].join(' ');
}

export function qemuArgs(spec: QemuArgsSpec): string[] {
  if (spec.icountShift !== undefined && spec.accel !== 'tcg') throw new Error('-icount needs TCG (a bug: src/measure/timing.ts refuses it)');
  return [
    '-machine', 'q35',
    '-accel', spec.accel,
    ...(spec.icountShift !== undefined ? icountArgs(spec.icountShift) : []),
    '-cpu', spec.cpu ?? DEFAULT_CPU[spec.accel],
    '-m', String(spec.memoryMiB),
    '-smp', String(spec.cpus),
    // No default NIC, VGA or monitor: nothing to probe at boot, and stdout carries the console alone.
    '-nodefaults',
    '-nographic',
    '-no-reboot',
    '-serial', 'stdio',
    // A second port even when unused keeps ttyS1 present, so a stray agent write cannot reach ttyS0.
    '-serial', spec.agentOut ? `file:${spec.agentOut}` : 'null',
    '-kernel', spec.kernel,
    '-initrd', spec.initrd,
    '-append', kernelCmdline(spec.cmdline),
  ];
}
