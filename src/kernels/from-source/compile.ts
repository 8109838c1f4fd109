// Build one kernel: cache hit → done; otherwise, under a lock on the reusable work tree and object
// directory: source → patches → .config (+ check) → make → publish into the content-addressed cache.
// Emits typed events (phase, make line); the listr2 task or a test renders them.
import { copyFile, mkdir, readFile, stat, utimes } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { archProfile, type Arch } from '../../arch/index.js';
import { writeJsonAtomic } from '../../util/fs.js';
import { err, ok, type Result } from '../../util/result.js';
import type { KernelCache } from '../cache.js';
import { materializeKernel, readExtracted } from '../extracted.js';
import { badInput, type SourceFailure } from '../source.js';
import type { FetchedKernel } from '../types.js';
import type { ConfigCheck } from './config-check.js';
import { configure } from './configure.js';
import { git } from './git.js';
import type { BuildPlan } from './inputs.js';
import { kernelCacheKey, objDirKey, workTreeKey } from './keys.js';
import { crossPrefix, defaultJobs, make, openLog, type MakeEnv } from './make.js';
import { materializeSource } from './materialize-source.js';
import { checkoutWithPatches, ensureWorkTree, workTreeAt } from './work-tree.js';
import { execCommand } from '../../util/exec.js';

/** A defconfig build on 2 cores takes about an hour; a build still running after four is stuck. */
export const DEFAULT_BUILD_TIMEOUT_MS = 4 * 60 * 60_000;
/** Tag of the pristine source commit in a tarball's work tree. */
const PRISTINE_TAG = 'tailmatrix-pristine';
/** Remembers which configuration inputs the object directory's .config was made from. */
const CONFIG_STAMP = '.tailmatrix-config.json';

export type BuildPhase = 'source' | 'patch' | 'configure' | 'compile' | 'install';

export type BuildEvent =
  | { type: 'phase'; phase: BuildPhase; detail?: string }
  | { type: 'line'; line: string }
  | { type: 'download'; received: number; total?: number };

interface BuildOptions {
  id: string;
  cache: KernelCache;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  jobs?: number;
  timeoutMs?: number;
  /** Human-readable origin for the report ("build:debian bookworm linux-source-6.1 6.1.176-1 + 1 patch"). */
  origin: string;
  onEvent?: (e: BuildEvent) => void;
}

export interface BuiltKernel {
  kernel: FetchedKernel;
  inputsHash: string;
  /** Found in the cache: nothing was built. */
  cached: boolean;
  /** Wall time of the make step(s), when something was built. */
  compileMs?: number;
  totalMs: number;
  /** The log of this build (also copied into the cached kernel as build.log). */
  logFile?: string;
  configCheck?: ConfigCheck;
  objDir?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

async function hasCcache(): Promise<boolean> {
  return (await execCommand('ccache', ['--version'])).ok;
}

/** Where builds keep their reusable state (outside kernels/: not content-addressed, reused on purpose). */
export function buildRoot(cache: KernelCache): string {
  return path.join(cache.root, 'build');
}

/** The architecture a plan builds for (its inputs name it unless it is amd64). */
function planArch(plan: BuildPlan): Arch {
  return plan.inputs.arch ?? 'amd64';
}

export async function compileKernel(plan: BuildPlan, opts: BuildOptions): Promise<Result<BuiltKernel, SourceFailure>> {
  const started = Date.now();
  const { cache } = opts;
  const key = kernelCacheKey(plan.inputsHash);
  const arch = planArch(plan);
  const hit = async (): Promise<Result<BuiltKernel, SourceFailure> | undefined> => {
    const dir = await cache.lookup('kernels', key);
    if (dir === undefined) return undefined;
    const k = await readExtracted(opts.id, dir);
    // The inputs hash includes the architecture, so the cached kernel is one built for `arch`.
    return k.ok
      ? ok({ kernel: { ...k.value, arch }, inputsHash: plan.inputsHash, cached: true, totalMs: Date.now() - started })
      : err(k.error);
  };
  const early = await hit();
  if (early !== undefined) return early;

  const source = plan.inputs.source;
  const objKey = objDirKey(source, plan.baseConfig !== undefined ? 'own-config' : plan.inputs.base, plan.inputs.compiler, arch);
  const release = await cache.lock(`build-${workTreeKey(source)}`, {
    signal: opts.signal,
    onWait: (owner) => opts.onEvent?.({ type: 'phase', phase: 'source', detail: `waiting for another build (${owner})` }),
  });
  try {
    const raced = await hit();
    if (raced !== undefined) return raced;
    return await buildLocked(plan, opts, objKey, started);
  } finally {
    await release();
  }
}

async function buildLocked(
  plan: BuildPlan,
  opts: BuildOptions,
  objKey: string,
  started: number,
): Promise<Result<BuiltKernel, SourceFailure>> {
  const { cache, signal } = opts;
  const emit = (e: BuildEvent) => opts.onEvent?.(e);
  const root = buildRoot(cache);
  const source = plan.inputs.source;
  const wt = workTreeAt(path.join(root, 'sources', workTreeKey(source)));
  const objDir = path.join(root, 'objs', objKey);
  const logFile = path.join(root, 'logs', `${plan.inputsHash.slice(0, 16)}.log`);
  await mkdir(wt.dir, { recursive: true });
  await mkdir(objDir, { recursive: true });
  await mkdir(path.dirname(logFile), { recursive: true });
  // Marks them used, for pruneBuildState.
  const now = new Date();
  await utimes(wt.dir, now, now);
  await utimes(objDir, now, now);
  const log = openLog(logFile);
  log.write(`# tailmatrix build ${new Date().toISOString()} inputs ${plan.inputsHash}\n# ${JSON.stringify(plan.inputs)}\n`);
  try {
    emit({ type: 'phase', phase: 'source' });
    const created = await ensureWorkTree(
      wt,
      async (tmp) => {
        const m = await materializeSource(source, tmp, {
          cache,
          signal,
          onDownload: (received, total) => emit({ type: 'download', received, total }),
        });
        return m;
      },
      signal,
    );
    if (!created.ok) return err(created.error);
    let base: string;
    if (source.kind === 'git') {
      base = source.commit;
    } else {
      // The pristine commit is the one ensureWorkTree made; tag it once so later resets find it.
      if (!(await git(wt.tree, ['rev-parse', '-q', '--verify', `refs/tags/${PRISTINE_TAG}`])).ok) {
        const t = await git(wt.tree, ['tag', PRISTINE_TAG, 'HEAD']);
        if (!t.ok) return err(t.error.message);
      }
      base = PRISTINE_TAG;
    }

    emit({ type: 'phase', phase: 'patch', detail: `${plan.patches.length} patch(es)` });
    const patched = await checkoutWithPatches(wt, base, plan.patches, signal);
    if (!patched.ok) return err(patched.error.badPatch !== undefined ? badInput(patched.error.message) : patched.error.message);
    log.write(`# work tree ${wt.tree}: ${patched.value}\n`);

    const arch = planArch(plan);
    const gcc = `${crossPrefix(arch)}gcc`;
    const cc = (await hasCcache()) ? `ccache ${gcc}` : gcc;
    const deadline = started + (opts.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS);
    const m: MakeEnv = {
      srcTree: wt.tree,
      objDir,
      jobs: opts.jobs ?? defaultJobs(),
      cc,
      arch,
      signal,
      env: opts.env,
      log,
      onLine: (line) => emit({ type: 'line', line }),
    };

    emit({
      type: 'phase',
      phase: 'configure',
      detail: plan.baseConfig !== undefined ? `your .config ${plan.baseConfig.file}` : plan.inputs.base,
    });
    const stampFile = path.join(objDir, CONFIG_STAMP);
    const configKey = sha256(
      JSON.stringify({
        base: plan.inputs.base,
        ...(plan.baseConfig !== undefined ? { config: plan.baseConfig.text } : {}),
        fragments: plan.fragments.map((f) => f.text),
      }),
    );
    let check: ConfigCheck | undefined;
    const stamp = await readFile(stampFile, 'utf8').then(
      (t) => JSON.parse(t) as { configKey: string; check: ConfigCheck },
      () => undefined,
    );
    if (stamp?.configKey === configKey && (await exists(path.join(objDir, '.config')))) {
      // Same base and fragments as the last build here: the .config is already right (and checked).
      check = stamp.check;
    } else {
      const c = await configure(m, plan.inputs.base, plan.fragments, plan.baseConfig);
      if (!c.ok) {
        // The log holds make's whole output: name it, as a failed compile does.
        if (c.error.kind === 'make') return err(`kernel configure failed (log: ${logFile})\n${c.error.message}`);
        const lines = c.error.lines;
        for (const l of lines) log.write(`config check: ${l}\n`);
        return err(badInput(`the kernel config lacks options the benchmarks need (${lines.length}):\n  ${lines.join('\n  ')}`));
      }
      check = c.value;
      await writeJsonAtomic(stampFile, { configKey, check });
    }
    log.write(`# config check: ${check.checked} options verified; unknown to this kernel: ${check.unknown.join(' ') || 'none'}\n`);

    const cross = crossPrefix(arch);
    emit({
      type: 'phase',
      phase: 'compile',
      detail: `make -j${m.jobs}${cross !== '' ? ` ARCH=${archProfile(arch).kbuild.arch} CROSS_COMPILE=${cross}` : ''}${cc.startsWith('ccache') ? ' (ccache)' : ''}`,
    });
    const built = await make({ ...m, timeoutMs: Math.max(1, deadline - Date.now()) }, ['all']);
    if (!built.ok) {
      const why = built.error.timedOut ? 'timed out' : built.error.canceled ? 'canceled' : 'failed';
      return err(`kernel build ${why} (log: ${logFile})\n${built.error.stderrTail}`);
    }
    const compileMs = built.value.durationMs;

    emit({ type: 'phase', phase: 'install' });
    const kernelRelease = (await readFile(path.join(objDir, 'include', 'config', 'kernel.release'), 'utf8')).trim();
    const dotConfig = await readFile(path.join(objDir, '.config'), 'utf8');
    // Installed even when every driver is built in: modules.builtin then tells the guest image builder
    // that veth or cls_bpf need no .ko.
    const withModules = /^CONFIG_MODULES=y$/m.test(dotConfig);
    const published = await materializeKernel(
      cache,
      kernelCacheKey(plan.inputsHash),
      opts.origin,
      async (kroot) => {
        const boot = path.join(kroot, 'boot');
        await mkdir(boot, { recursive: true });
        // The profile's image (arch/x86/boot/bzImage, arch/arm64/boot/Image), under the name Debian gives it.
        await copyFile(path.join(objDir, archProfile(arch).kbuild.image), path.join(boot, `vmlinuz-${kernelRelease}`));
        await copyFile(path.join(objDir, '.config'), path.join(boot, `config-${kernelRelease}`));
        await copyFile(path.join(objDir, 'System.map'), path.join(boot, `System.map-${kernelRelease}`));
        if (withModules) {
          const mi = await make({ ...m, timeoutMs: Math.max(1, deadline - Date.now()) }, [
            `INSTALL_MOD_PATH=${kroot}`,
            'INSTALL_MOD_STRIP=1',
            'modules_install',
          ]);
          if (!mi.ok) return err(mi.error.message);
        }
        await new Promise<void>((resolve) => log.write('', () => resolve()));
        await copyFile(logFile, path.join(kroot, 'build.log'));
        return ok(undefined);
      },
      signal ?? new AbortController().signal,
    );
    if (!published.ok) return err(published.error);
    const k = await readExtracted(opts.id, published.value);
    if (!k.ok) return err(k.error);
    return ok({
      kernel: { ...k.value, arch },
      inputsHash: plan.inputsHash,
      cached: false,
      compileMs,
      totalMs: Date.now() - started,
      logFile,
      configCheck: check,
      objDir,
    });
  } finally {
    await new Promise<void>((resolve) => log.end(() => resolve()));
  }
}
