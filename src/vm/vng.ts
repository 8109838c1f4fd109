// The `vng` backend: virtme-ng boots the cached kernel with the host's root file system (virtiofs), runs
// the agent from its host path and gets the records back through a virtio-serial port of their own (see
// src/vm/vng-args.ts for why not a shared folder). Console marks, early stop on a panic and the typed
// outcome are the qemu backend's (src/vm/console.ts, src/vm/cell-status.ts), so both report alike.
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatCommand } from '../util/exec.js';
import { err, ok, type Result } from '../util/result.js';
import { ConsoleWatcher } from './console.js';
import type { CellEnd, CellRunSpec, VmBackend } from './types.js';
import { cellFinisher, runWatchedVm } from './watched-run.js';
import { guestScript, vngArgs, vngCommand } from './vng-args.js';
import { checkVng, findVng } from './vng-check.js';
import { planVngRoot, prepareVngRoot } from './vng-root.js';

interface VngBackendDeps {
  /** The vng executable; found on PATH or in the install prefix when absent. */
  vng?: string;
  env?: NodeJS.ProcessEnv;
  /** Parent of the per-cell scratch dirs (default: the OS temp dir). */
  tmpDir?: string;
}

/**
 * vng's files (virtiofsd socket, guest script, agent port file, module root) live in a short per-cell
 * dir, not in the cell's workDir: a unix socket path must stay under 108 bytes, every path here ends up
 * on a 2048-byte kernel command line, and the port file's path must survive vng's whitespace split.
 * Derived from workDir, so --dry-run prints the very paths runCell uses.
 */
export function scratchDirFor(spec: Pick<CellRunSpec, 'workDir'>, tmpDir = os.tmpdir()): string {
  const id = createHash('sha256').update(path.resolve(spec.workDir)).digest('hex').slice(0, 12);
  return path.join(tmpDir, `tmvng-${id}`);
}

function files(spec: CellRunSpec, tmpDir?: string) {
  const dir = scratchDirFor(spec, tmpDir);
  return { dir, script: path.join(dir, 'guest.sh'), agentOut: path.join(dir, 'agent.jsonl'), root: planVngRoot(spec.kernel, dir) };
}

function argsFor(spec: CellRunSpec, tmpDir?: string): string[] {
  const f = files(spec, tmpDir);
  return vngArgs({
    kimg: f.root.kimg,
    accel: spec.accel,
    cpu: spec.boot.cpu,
    memoryMiB: spec.runner.memoryMiB,
    cpus: spec.runner.cpus,
    cmdline: spec.boot.cmdline,
    agentOut: f.agentOut,
    script: f.script,
    ...(spec.timing.mode === 'icount' ? { icountShift: spec.timing.shift } : {}),
  });
}

function cmd(vng: string, spec: CellRunSpec, tmpDir?: string): [string, string[]] {
  const c = vngCommand(vng, argsFor(spec, tmpDir));
  return [c.file, c.args];
}

function scriptFor(spec: CellRunSpec): string {
  return guestScript({ agent: spec.payload.agent, objDir: spec.payload.objDir, agentArgs: spec.needs.agentArgs });
}

export function createVngBackend(deps: VngBackendDeps = {}): VmBackend {
  const env = deps.env ?? process.env;
  let resolved: string | undefined = deps.vng;
  const vngPath = async (): Promise<Result<string, string>> => {
    resolved ??= await findVng(env);
    return resolved ? ok(resolved) : err('vng is not installed (run scripts/install-vng.sh as root)');
  };

  return {
    name: 'vng',

    async check(): Promise<Result<void, string>> {
      const res = await checkVng(env, deps.vng);
      if (!res.ok) return err(res.error);
      resolved = res.value.vng;
      return ok(undefined);
    },

    async describe(spec: CellRunSpec): Promise<string[]> {
      const f = files(spec, deps.tmpDir);
      const vng = (await vngPath()).ok ? (resolved as string) : 'vng';
      return [
        `# ${f.root.dir}: ${f.root.kimg} -> ${spec.kernel.vmlinuz}${spec.kernel.modulesDir ? `, lib/modules/${f.root.release}/* -> ${spec.kernel.modulesDir}/*` : ''}`,
        ...(f.root.depmod ? [formatCommand(f.root.depmod.file, f.root.depmod.args)] : []),
        `# ${f.script}:`,
        ...scriptFor(spec)
          .trimEnd()
          .split('\n')
          .map((l) => `#   ${l}`),
        `cd ${f.dir} && TMPDIR=${f.dir} ${formatCommand(...cmd(vng, spec, deps.tmpDir))}`,
      ];
    },

    async runCell(spec, ctx): Promise<CellEnd> {
      const watcher = new ConsoleWatcher();
      const done = cellFinisher(watcher);

      ctx.emit({ type: 'phase', phase: 'prepare' });
      // vng boots the host's architecture here (its --arch is not wired up): another architecture's kernel
      // would reach qemu-system-x86_64 and die with little said.
      if (spec.kernel.arch !== 'amd64')
        return done({
          status: 'boot-failed',
          message: `the vng backend boots amd64 kernels only; ${spec.kernel.id} is ${spec.kernel.arch}: use "backend": "qemu"`,
        });
      const vng = await vngPath();
      if (!vng.ok) return done({ status: 'boot-failed', message: vng.error });
      const f = files(spec, deps.tmpDir);
      await rm(f.dir, { recursive: true, force: true });
      await mkdir(f.dir, { recursive: true });
      try {
        const root = await prepareVngRoot(spec.kernel, f.dir, ctx.signal);
        if (!root.ok) return done({ status: 'boot-failed', message: `module root: ${root.error}` });
        await writeFile(f.script, scriptFor(spec), { mode: 0o755 });
        await writeFile(f.agentOut, '');

        const [file, args] = cmd(vng.value, spec, deps.tmpDir);
        // One process group: vng, virtme-run, QEMU and the virtiofsd vng starts in the background all
        // die together on timeout or Ctrl-C (src/util/exec.ts).
        return done(
          await runWatchedVm({
            file,
            args,
            cwd: f.dir,
            env: { ...env, TMPDIR: f.dir },
            agentOut: f.agentOut,
            spec,
            watcher,
            signal: ctx.signal,
            emit: ctx.emit,
          }),
        );
      } finally {
        await rm(f.dir, { recursive: true, force: true });
      }
    },
  };
}

export const vngBackend: VmBackend = createVngBackend();
