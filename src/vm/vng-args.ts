// The vng command line of one cell and the script it runs in the guest, as pure functions: unit-tested
// exactly, printed by --dry-run.
//
// How a cell travels through virtme-ng 1.35 (docs/architecture.md, "Backends and the accelerator"):
// - the guest's root file system is the host's, over virtiofs (the Debian cloud kernels have no 9p), so
//   the agent and the BPF objects are run from their host paths;
// - the agent's records leave through a virtio-serial port of their own, backed by a host file
//   (`-chardev file`): neither the kernel console nor the script's stdout. vng's --rwdir would be the
//   obvious shared folder, but vng 1.35 exports it over 9p only, which these kernels cannot mount;
// - the script's stdout (another virtio-serial port) carries only the "tailmatrix-init:" banners that
//   images/init prints too, so src/vm/console.ts reads both backends alike;
// - --verbose makes vng copy the kernel console to its stderr, so a panic is seen as it happens.
import type { Accelerator } from '../results/cell-result.js';
import { quote } from '../util/exec.js';
import { DEFAULT_CPU, vmAccelerator } from './qemu-args.js';
import { icountArgs } from './icount-args.js';
import { INIT_BANNER } from './console.js';

/** Name of the agent's virtio-serial port (the guest finds it under /sys/class/virtio-ports/ * /name). */
export const AGENT_PORT_NAME = 'tailmatrix.out';
/** QEMU chardev id of that port; any id vng does not use itself. */
const AGENT_CHARDEV_ID = 'tmagent';

/**
 * Added before the boot configuration's own options, so it can override them. vng --verbose puts
 * `debug` on the command line, which floods a 115200-baud emulated serial port and slows a TCG boot
 * down; loglevel=4 keeps errors and panics (levels 0-3) on the console and drops the rest.
 */
const BASE_APPEND = ['loglevel=4'] as const;

/** Exit status of the guest script when the agent's port is missing (EX_SOFTWARE: our setup is wrong). */
export const NO_PORT_EXIT = 70;

interface VngArgsSpec {
  /** The kernel image, inside the per-cell module root (src/vm/vng-root.ts). */
  kimg: string;
  accel: Accelerator;
  cpu?: string;
  memoryMiB: number;
  cpus: number;
  /** The boot configuration's kernel options. */
  cmdline?: string;
  /** Host file that receives the agent's port. */
  agentOut: string;
  /** Host path of the guest script (src/vm/vng-args.ts guestScript), run with sh in the guest. */
  script: string;
  /** Instruction counting (src/measure/timing.ts), passed to QEMU through --qemu-opts. TCG only. */
  icountShift?: number;
}

/**
 * Extra QEMU options: the agent's port, the CPU model vng leaves at QEMU's default under TCG, and
 * instruction counting, which vng has no option of its own for.
 */
export function vngQemuOpts(spec: Pick<VngArgsSpec, 'accel' | 'cpu' | 'agentOut' | 'icountShift'>): string {
  // vng splits --qemu-opts on whitespace (shlex): the path must survive that, and a ',' would end the
  // chardev option. Cell work dirs are made by us, so this is a bug, not user input.
  if (/[\s,'"\\]/.test(spec.agentOut)) throw new Error(`agent output path unusable in --qemu-opts: ${spec.agentOut}`);
  if (spec.icountShift !== undefined && spec.accel !== 'tcg')
    throw new Error('-icount needs TCG (a bug: src/measure/timing.ts refuses it)');
  return [
    // Later -cpu wins in QEMU; under KVM vng already passes `-cpu host`, which DEFAULT_CPU.kvm repeats.
    '-cpu',
    spec.cpu ?? DEFAULT_CPU[vmAccelerator(spec.accel)],
    '-chardev',
    `file,id=${AGENT_CHARDEV_ID},path=${spec.agentOut}`,
    '-device',
    `virtserialport,name=${AGENT_PORT_NAME},chardev=${AGENT_CHARDEV_ID}`,
    ...(spec.icountShift !== undefined ? icountArgs(spec.icountShift) : []),
  ].join(' ');
}

export function vngArgs(spec: VngArgsSpec): string[] {
  const append = [...BASE_APPEND, ...(spec.cmdline ?? '').split(/\s+/).filter((w) => w !== '')].join(' ');
  return [
    '--run',
    spec.kimg,
    // vng otherwise picks `accel=kvm:tcg` whenever /dev/kvm opens, which hangs where KVM is broken.
    ...(spec.accel === 'tcg' ? ['--disable-kvm'] : []),
    '--memory',
    `${spec.memoryMiB}M`,
    '--cpus',
    String(spec.cpus),
    '--verbose',
    '--append',
    append,
    // `=` form: argparse would take a value starting with "-" for an option of its own.
    `--qemu-opts=${vngQemuOpts(spec)}`,
    '--exec',
    `sh ${quote(spec.script)}`,
  ];
}

/**
 * vng refuses to run a script unless it can reopen its stdout and stderr through /proc/self/fd ("not a
 * valid pts"), which fails on the UNIX sockets Node gives a child as stdio. So vng runs under sh with
 * FIFOs (which reopen fine) as stdout and stderr, and two cats copy them to Node as they come. The
 * command is run in the cell's scratch dir, where the FIFOs are made; vng's exit status is kept.
 */
export const FIFO_WRAPPER =
  'mkfifo stdout.fifo stderr.fifo || exit 70; ' +
  'cat stdout.fifo & cat stderr.fifo >&2 & ' +
  '"$0" "$@" </dev/null >stdout.fifo 2>stderr.fifo; rc=$?; wait; exit $rc';

/** The process that runs a cell: sh, the wrapper, then vng and its arguments. */
export function vngCommand(vng: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: 'sh', args: ['-c', FIFO_WRAPPER, vng, ...args] };
}

interface GuestScriptSpec {
  agent: string;
  objDir: string;
  /** The benchmark driver's flags (spec.needs.agentArgs, src/benchmarks/): everything but --objdir and --out. */
  agentArgs: readonly string[];
}

/**
 * The script vng runs in the guest (as root, from the host's root file system). It prints the same
 * banners as images/init and honours the same `tailmatrix.mode=` switch (probe, hang; panic as well,
 * since vng owns init= and a bad init= cannot be used to make this backend's guest panic).
 */
export function guestScript(spec: GuestScriptSpec): string {
  const say = (what: string) => `echo "${INIT_BANNER}${what}"`;
  const agent = [spec.agent, '--objdir', spec.objDir, '--out', '"$port"', ...spec.agentArgs]
    .map((a) => (a === '"$port"' ? a : quote(a)))
    .join(' ');
  return [
    '#!/bin/sh',
    '# Written by tailmatrix (src/vm/vng-args.ts) for one cell; run by virtme-ng in the guest.',
    say('start $(uname -r)'),
    'mode=agent',
    // Builtins only from here to the agent: every fork+exec of a host binary over virtiofs costs up to a
    // second under a loaded TCG, and this loop visits each of vng's seven ports.
    'read -r cmdline < /proc/cmdline',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'for w in $cmdline; do case "$w" in tailmatrix.mode=*) mode="${w#tailmatrix.mode=}" ;; esac; done',
    say('mode $mode'),
    'case "$mode" in',
    `  probe) ${say('probe-ok')}; exit 0 ;;`,
    `  hang) ${say('hang')}; while :; do sleep 3600; done ;;`,
    `  panic) ${say('panic')}; sync; echo c > /proc/sysrq-trigger ;;`,
    'esac',
    'port=',
    `for n in /sys/class/virtio-ports/*/name; do read -r name < "$n"; if [ "$name" = ${AGENT_PORT_NAME} ]; then d="\${n%/name}"; port="/dev/\${d##*/}"; fi; done`,
    `[ -n "$port" ] || { ${say(`no-agent-port ${AGENT_PORT_NAME}`)}; exit ${NO_PORT_EXIT}; }`,
    say('agent-start'),
    agent,
    'rc=$?',
    say('agent-exit $rc'),
    'exit $rc',
    '',
  ].join('\n');
}
