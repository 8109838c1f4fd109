// A per-cell "module root" that lets vng find the kernel's modules without writing into the cache.
//
// vng --run <image> walks up from the image to the first directory holding lib/modules, takes
// <that>/lib/modules/<release> as the modules and, when modules.dep is missing (Debian packages ship
// none), runs depmod there: in the read-only kernel cache, and for the sid/trixie layout
// (usr/lib/modules/<release>/vmlinuz) it finds no modules at all. The cloud kernels need theirs:
// virtiofs.ko is how the guest mounts its root. So each cell gets
//   <workDir>/vng-root/boot/vmlinuz-<release>      → symlink to the cached image
//   <workDir>/vng-root/lib/modules/<release>/<e>   → symlink to every entry of the cached modules dir
// and depmod writes modules.dep & co. next to those links (it replaces a link by a file, never
// writes through it). The guest reaches the links through the host root file system.
import { mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { FetchedKernel } from '../kernels/types.js';
import { formatCommand, execCommand } from '../util/exec.js';
import { err, ok, type Result } from '../util/result.js';

/** depmod over a whole cloud kernel's modules takes 1-4 s here; generous for a slow CI disk. */
const DEPMOD_TIMEOUT_MS = 120_000;

interface VngRoot {
  dir: string;
  /** The image as vng must be given it (inside dir). */
  kimg: string;
  release?: string;
  /** The depmod command, for --dry-run; absent without modules. */
  depmod?: { file: string; args: string[] };
}

/** Where things go; pure, so describe() can print it without touching the disk. */
export function planVngRoot(kernel: FetchedKernel, workDir: string): VngRoot {
  const dir = path.join(workDir, 'vng-root');
  const release = kernel.modulesDir ? path.basename(kernel.modulesDir) : kernel.release;
  const kimg = path.join(dir, 'boot', release ? `vmlinuz-${release}` : path.basename(kernel.vmlinuz));
  const depmod = kernel.modulesDir && release ? { file: 'depmod', args: ['-a', '-b', dir, release] } : undefined;
  return { dir, kimg, release, depmod };
}

export async function prepareVngRoot(kernel: FetchedKernel, workDir: string, signal?: AbortSignal): Promise<Result<VngRoot, string>> {
  const plan = planVngRoot(kernel, workDir);
  await mkdir(path.dirname(plan.kimg), { recursive: true });
  await symlink(kernel.vmlinuz, plan.kimg);
  if (!kernel.modulesDir || !plan.release || !plan.depmod) return ok(plan);

  const mods = path.join(plan.dir, 'lib', 'modules', plan.release);
  await mkdir(mods, { recursive: true });
  let entries: string[];
  try {
    entries = await readdir(kernel.modulesDir);
  } catch (e) {
    return err(`modules of ${kernel.id}: ${(e as Error).message}`);
  }
  for (const e of entries) await symlink(path.join(kernel.modulesDir, e), path.join(mods, e));

  const res = await execCommand(plan.depmod.file, plan.depmod.args, { signal, timeoutMs: DEPMOD_TIMEOUT_MS });
  if (!res.ok) return err(`${formatCommand(plan.depmod.file, plan.depmod.args)}: ${res.error.message}`);
  return ok(plan);
}
