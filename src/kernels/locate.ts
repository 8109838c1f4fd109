// Find the kernel image, its modules, config and System.map in an extracted tree, wherever the
// packaging put them (all seen in Debian's and OCI kernels): boot/vmlinuz-<rel> + lib/modules/<rel> (5.10, 6.1),
// usr/lib/modules/<rel> (6.12), usr/lib/modules/<rel>/vmlinuz (sid's linux-binary-*), /boot/vmlinuz (OCI).
import { readdir, readFile, stat } from 'node:fs/promises';
import { isFile } from '../util/fs.js';
import path from 'node:path';
import { KERNEL_IMAGE_NAMES } from '../arch/index.js';
import { err, ok, type Result } from '../util/result.js';

/** Paths relative to the tree's root. */
interface KernelLayout {
  vmlinuz: string;
  modulesDir?: string;
  config?: string;
  systemMap?: string;
  release?: string;
}

const MODULE_ROOTS = ['lib/modules', 'usr/lib/modules'];

async function list(p: string): Promise<string[]> {
  return (await readdir(p).catch(() => [] as string[])).sort();
}

async function firstFile(root: string, candidates: readonly string[]): Promise<string | undefined> {
  for (const c of candidates) if (await isFile(path.join(root, c))) return c;
  return undefined;
}

/** Release directories that hold modules (kernel/ or modules.* files), across both module roots. */
async function moduleDirs(root: string): Promise<{ rel: string; dir: string }[]> {
  const found: { rel: string; dir: string }[] = [];
  for (const mr of MODULE_ROOTS) {
    for (const rel of await list(path.join(root, mr))) {
      const dir = path.join(mr, rel);
      const names = await list(path.join(root, dir));
      if (names.includes('kernel') || names.some((n) => n.startsWith('modules.'))) found.push({ rel, dir });
    }
  }
  return found;
}

/**
 * Debian ships a one-line System.map ("The real System.map is in the linux-image-…-dbg package"):
 * reporting it as the kernel's symbol map would mislead; symbols must come from /proc/kallsyms instead.
 */
const PLACEHOLDER_MAX_BYTES = 4096;
export async function isPlaceholderMap(file: string): Promise<boolean> {
  const st = await stat(file).catch(() => undefined);
  if (st === undefined || st.size > PLACEHOLDER_MAX_BYTES) return false;
  return (await readFile(file, 'utf8')).includes('The real System.map is in');
}

export async function locateKernel(root: string): Promise<Result<KernelLayout, string>> {
  const boot = await list(path.join(root, 'boot'));
  let vmlinuz: string | undefined;
  let release: string | undefined;
  const bootImage = boot.find((n) => /^vmlinu[xz]-/.test(n));
  if (bootImage !== undefined && (await isFile(path.join(root, 'boot', bootImage)))) {
    vmlinuz = `boot/${bootImage}`;
    release = bootImage.replace(/^vmlinu[xz]-/, '');
  }
  if (vmlinuz === undefined) {
    for (const mr of MODULE_ROOTS) {
      for (const rel of await list(path.join(root, mr))) {
        if (await isFile(path.join(root, mr, rel, 'vmlinuz'))) {
          vmlinuz = `${mr}/${rel}/vmlinuz`;
          release = rel;
        }
      }
    }
  }
  vmlinuz ??= await firstFile(root, KERNEL_IMAGE_NAMES);
  if (vmlinuz === undefined)
    return err('no kernel image found (looked for boot/vmlinuz-*, [usr/]lib/modules/*/vmlinuz, boot/vmlinuz, bzImage, Image)');

  const mods = await moduleDirs(root);
  const mod = (release !== undefined ? mods.find((m) => m.rel === release) : undefined) ?? (mods.length === 1 ? mods[0] : undefined);
  release ??= mod?.rel;
  const inBoot = (prefix: string) => (release !== undefined ? [`boot/${prefix}-${release}`] : []);
  const inMods = (name: string) => (mod !== undefined ? [`${mod.dir}/${name}`] : []);
  const config = await firstFile(root, [...inBoot('config'), ...inMods('config'), 'boot/config', '.config']);
  let systemMap = await firstFile(root, [...inBoot('System.map'), ...inMods('System.map'), 'boot/System.map', 'System.map']);
  if (systemMap !== undefined && (await isPlaceholderMap(path.join(root, systemMap)))) systemMap = undefined;
  return ok({ vmlinuz, modulesDir: mod?.dir, config, systemMap, release });
}
