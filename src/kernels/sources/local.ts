// `local` source: a kernel the user built (the patched-kernel loop). Used in place, never copied: it is
// content-addressed by the image's SHA256 so results still say exactly which kernel ran.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { err, ok } from '../../util/result.js';
import { sha256File } from '../../util/sha256-file.js';
import { imageFormat } from '../image-format.js';
import { badInput, type KernelSourceDriver } from '../source.js';

async function kind(p: string): Promise<'file' | 'dir' | undefined> {
  const st = await stat(p).catch(() => undefined);
  return st === undefined ? undefined : st.isDirectory() ? 'dir' : 'file';
}

/**
 * What an image named as Debian installs it (boot/vmlinuz-<release>) has beside it in its tree: the modules
 * (lib/modules/<release>, or usr/lib/modules/<release> since trixie), config-<release>, System.map-<release>.
 * `--kernel PATH` has no way to name the modules, and an arm64 cloud kernel needs two of them (virtio_mmio,
 * virtio_console) to reach the agent's port: so a tree such as the kernel cache's is used as it lies.
 */
async function besideImage(vmlinuz: string): Promise<{ modulesDir?: string; config?: string; systemMap?: string }> {
  const release = /^vmlinuz-(.+)$/.exec(path.basename(vmlinuz))?.[1];
  if (release === undefined) return {};
  const boot = path.dirname(vmlinuz);
  const root = path.dirname(boot);
  let modulesDir: string | undefined;
  for (const d of [path.join(root, 'lib', 'modules', release), path.join(root, 'usr', 'lib', 'modules', release)])
    if ((await kind(d)) === 'dir') {
      modulesDir = d;
      break;
    }
  const file = async (name: string) => ((await kind(path.join(boot, name))) === 'file' ? path.join(boot, name) : undefined);
  return { modulesDir, config: await file(`config-${release}`), systemMap: await file(`System.map-${release}`) };
}

export const localSourceDriver: KernelSourceDriver<'local'> = {
  type: 'local',

  async resolve() {
    return ok({ type: 'local' });
  },

  async fetch(kernel, _resolved, ctx) {
    const s = kernel.source;
    const abs = (p: string) => path.resolve(ctx.matrixDir, p);
    const vmlinuz = abs(s.path);
    if ((await kind(vmlinuz)) !== 'file') return err(badInput(`source.path: no kernel image at ${vmlinuz}`));
    // A vmlinux or another architecture's image would fail in QEMU with little said: refuse it here, saying what it is.
    const format = await imageFormat(vmlinuz, kernel.arch);
    if (!format.ok) return err(badInput(`source.path: ${format.error}`));
    ctx.log(`${vmlinuz}: ${format.value.description}`);
    const beside = await besideImage(vmlinuz);
    const modulesDir = s.modules !== undefined ? abs(s.modules) : beside.modulesDir;
    if (modulesDir !== undefined && (await kind(modulesDir)) !== 'dir')
      return err(badInput(`source.modules: no directory at ${modulesDir}`));
    if (s.modules === undefined && modulesDir !== undefined) ctx.log(`modules beside the image: ${modulesDir}`);
    const config = s.config !== undefined ? abs(s.config) : beside.config;
    if (config !== undefined && (await kind(config)) !== 'file') return err(badInput(`source.config: no file at ${config}`));
    const mapNext = path.join(path.dirname(vmlinuz), 'System.map');
    const systemMap = (await kind(mapNext)) === 'file' ? mapNext : beside.systemMap;
    const sha256 = await sha256File(vmlinuz, ctx.signal);
    return ok({
      id: kernel.id,
      sha256,
      dir: path.dirname(vmlinuz),
      vmlinuz,
      modulesDir,
      config,
      systemMap,
      release: modulesDir !== undefined ? path.basename(modulesDir) : undefined,
      origin: `local:${vmlinuz}`,
    });
  },
};
