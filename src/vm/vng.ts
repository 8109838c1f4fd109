// The `vng` backend: virtme-ng boots the cached kernel with the host's root file system (virtiofs), runs
// the agent from its host path and gets the records back through a virtio-serial port of their own (see
// src/vm/vng-args.ts for why not a shared folder). Console marks, early stop on a panic and the typed
// outcome are the qemu backend's (src/vm/console.ts, src/vm/outcome.ts), so both report alike.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAgentOutput } from '../measure/agent-output.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import { formatCommand, run } from '../util/exec.js';
import { err, ok, type Result } from '../util/result.js';
import { agentArgs } from './agent-args.js';
import { ConsoleWatcher } from './console.js';
import { classifyOutcome } from './outcome.js';
import { FATAL_GRACE_MS } from './qemu.js';
import type { CellRunOutcome, CellRunSpec, VmBackend } from './types.js';
import { guestScript, vngArgs, vngCommand } from './vng-args.js';
import { checkVng, findVng } from './vng-check.js';
import { planVngRoot, prepareVngRoot } from './vng-root.js';

export interface VngBackendDeps {
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
  });
}

function cmd(vng: string, spec: CellRunSpec, tmpDir?: string): [string, string[]] {
  const c = vngCommand(vng, argsFor(spec, tmpDir));
  return [c.file, c.args];
}

function scriptFor(spec: CellRunSpec): string {
  return guestScript({ agent: spec.payload.agent, objDir: spec.payload.objDir, agentArgs: agentArgs(spec.benchmark) });
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
        ...scriptFor(spec).trimEnd().split('\n').map((l) => `#   ${l}`),
        `cd ${f.dir} && TMPDIR=${f.dir} ${formatCommand(...cmd(vng, spec, deps.tmpDir))}`,
      ];
    },

    async runCell(spec, ctx): Promise<CellRunOutcome> {
      const started = Date.now();
      const watcher = new ConsoleWatcher();
      const done = (o: Omit<CellRunOutcome, 'wallMs' | 'consoleTail'>): CellRunOutcome => ({
        ...o,
        consoleTail: watcher.tail(),
        wallMs: Date.now() - started,
      });

      ctx.emit({ type: 'phase', phase: 'prepare' });
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

        // Our own stop (a panic the VM did not end on) joins the caller's Ctrl-C signal.
        const stopper = new AbortController();
        let stoppedEarly = false;
        let fatalTimer: NodeJS.Timeout | undefined;
        const onLine = (line: string) => {
          const mark = watcher.push(line);
          ctx.emit({ type: 'console', line });
          if (mark?.kind === 'agent-start') ctx.emit({ type: 'phase', phase: 'measure' });
          if ((mark?.kind === 'panic' || mark?.kind === 'kvm-error') && !fatalTimer) {
            fatalTimer = setTimeout(() => {
              stoppedEarly = true;
              stopper.abort();
            }, FATAL_GRACE_MS);
          }
        };

        ctx.emit({ type: 'phase', phase: 'boot' });
        const timeoutMs = spec.runner.timeoutSec * 1000;
        // One process group: vng, virtme-run, QEMU and the virtiofsd vng starts in the background all
        // die together on timeout or Ctrl-C (src/util/exec.ts).
        const res = await run(...cmd(vng.value, spec, deps.tmpDir), {
          cwd: f.dir,
          env: { ...env, TMPDIR: f.dir },
          signal: AbortSignal.any([ctx.signal, stopper.signal]),
          timeoutMs,
          onLine,
          discardOutput: true,
        });
        if (fatalTimer) clearTimeout(fatalTimer);

        let agent: AgentOutput | undefined;
        if (existsSync(f.agentOut)) {
          const text = await readFile(f.agentOut, 'utf8');
          if (text.trim() !== '') agent = parseAgentOutput(text);
        }
        const failure = res.ok ? undefined : res.error;
        const verdict = classifyOutcome({
          exit: {
            timedOut: failure?.timedOut ?? false,
            canceled: (failure?.canceled ?? false) && !stoppedEarly,
            stoppedEarly,
            exitCode: failure ? failure.exitCode : 0,
            startError: failure?.spawnError,
            stderrTail: failure?.stderrTail ?? '',
            timeoutMs,
          },
          console: watcher.state,
          agent,
          benchmark: spec.benchmark,
        });
        return done({ ...verdict, agent });
      } finally {
        await rm(f.dir, { recursive: true, force: true });
      }
    },
  };
}

export const vngBackend: VmBackend = createVngBackend();
