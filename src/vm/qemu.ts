// The `qemu` backend: QEMU directly, with the hermetic initramfs (src/guest/initramfs.ts). The console
// (ttyS0) streams to stdout and is watched for /init's banners and panics; the agent's records arrive in
// a file behind ttyS1. Every way a cell can end becomes a typed outcome (src/vm/cell-status.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { archProfile } from '../arch/index.js';
import { DEFAULT_BUSYBOX, ensureInitramfs, isStaticElf, writeCellInitrd } from '../guest/initramfs.js';
import { isMissingModule } from '../guest/modules.js';
import { formatCommand, execCommand } from '../util/exec.js';
import { err, ok, type Result } from '../util/result.js';
import { ConsoleWatcher } from './console.js';
import { qemuArgs, qemuBinary, vmAccelerator } from './qemu-args.js';
import { cellFinisher, runWatchedVm } from './watched-run.js';
import type { CellEnd, CellRunSpec, VmBackend } from './types.js';

/** `qemu-system-x86_64 --version` answers at once; bound it so a wedged binary cannot stall `doctor`. */
const VERSION_TIMEOUT_MS = 15_000;

interface QemuBackendDeps {
  /** The QEMU binary for every cell (tests); default the kernel's architecture's (src/arch/). */
  qemu?: string;
  cacheDir?: string;
  busybox?: string;
}

function files(spec: CellRunSpec) {
  return { initrd: path.join(spec.workDir, 'initrd.img'), agentOut: path.join(spec.workDir, 'agent.jsonl') };
}

function argsFor(spec: CellRunSpec): string[] {
  const f = files(spec);
  return qemuArgs({
    arch: spec.kernel.arch,
    accel: vmAccelerator(spec.accel),
    cpu: spec.boot.cpu,
    memoryMiB: spec.runner.memoryMiB,
    cpus: spec.runner.cpus,
    kernel: spec.kernel.vmlinuz,
    initrd: f.initrd,
    cmdline: spec.boot.cmdline,
    agentOut: f.agentOut,
    ...(spec.timing.mode === 'icount' ? { icountShift: spec.timing.shift } : {}),
  });
}

export function createQemuBackend(deps: QemuBackendDeps = {}): VmBackend {
  // check() answers for the x86-64 QEMU the backend has always needed; a cell of another architecture
  // checks its own QEMU when it starts (a missing binary is a boot failure that names the package).
  const qemu = qemuBinary('amd64', deps.qemu);
  return {
    name: 'qemu',

    async check(): Promise<Result<void, string>> {
      const res = await execCommand(qemu, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
      if (!res.ok) return err(`${qemu} is not usable (install ${archProfile('amd64').qemu.package}): ${res.error.message}`);
      const busybox = deps.busybox ?? DEFAULT_BUSYBOX;
      if (!existsSync(busybox) || !isStaticElf(new Uint8Array(await readFile(busybox)))) {
        return err(`${busybox} is missing or not statically linked (install busybox-static)`);
      }
      return ok(undefined);
    },

    async describe(spec: CellRunSpec): Promise<string[]> {
      const mods = spec.needs.modules;
      return [
        `# ${files(spec).initrd}: cached initramfs (busybox, images/init, ${path.basename(spec.payload.agent)}, BPF objects from ${spec.payload.objDir}${mods.length ? `, modules ${mods.join(' ')}` : ''}) + cell.env TM_AGENT_ARGS='${spec.needs.agentArgs.join(' ')}'`,
        formatCommand(qemuBinary(spec.kernel.arch, deps.qemu), argsFor(spec)),
      ];
    },

    async runCell(spec, ctx): Promise<CellEnd> {
      const watcher = new ConsoleWatcher();
      const done = cellFinisher(watcher);

      ctx.emit({ type: 'phase', phase: 'prepare' });
      const programs = await spec.needs.programs();
      if (!programs.ok) return done({ status: 'bench-failed', message: programs.error });
      const image = await ensureInitramfs(
        { kernel: spec.kernel, payload: spec.payload, modules: spec.needs.modules, programs: programs.value },
        { cacheDir: deps.cacheDir, busybox: deps.busybox, signal: ctx.signal },
      );
      if (!image.ok)
        return done({ status: isMissingModule(image.error) ? 'bench-failed' : 'boot-failed', message: `initramfs: ${image.error}` });
      const f = files(spec);
      const port = archProfile(spec.kernel.arch).agentPort.guestDevice;
      // amd64's port is /init's default: its cell.env stays as it was before kernels had an arch.
      await writeCellInitrd(
        image.value.path,
        { mode: 'agent', agentArgs: spec.needs.agentArgs, ...(spec.kernel.arch !== 'amd64' ? { agentPort: port } : {}) },
        f.initrd,
      );
      await writeFile(f.agentOut, '');
      const binary = qemuBinary(spec.kernel.arch, deps.qemu);
      if (binary !== qemu) {
        const usable = await execCommand(binary, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS, signal: ctx.signal });
        if (!usable.ok)
          return done({
            status: 'boot-failed',
            message: `${binary} is not usable (install ${archProfile(spec.kernel.arch).qemu.package}, or run scripts/setup.sh): ${usable.error.message}`,
          });
      }

      return done(
        await runWatchedVm({ file: binary, args: argsFor(spec), agentOut: f.agentOut, spec, watcher, signal: ctx.signal, emit: ctx.emit }),
      );
    },
  };
}

export const qemuBackend: VmBackend = createQemuBackend();
