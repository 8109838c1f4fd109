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
    const modulesDir = s.modules !== undefined ? abs(s.modules) : undefined;
    if (modulesDir !== undefined && (await kind(modulesDir)) !== 'dir')
      return err(badInput(`source.modules: no directory at ${modulesDir}`));
    const config = s.config !== undefined ? abs(s.config) : undefined;
    if (config !== undefined && (await kind(config)) !== 'file') return err(badInput(`source.config: no file at ${config}`));
    const mapNext = path.join(path.dirname(vmlinuz), 'System.map');
    const systemMap = (await kind(mapNext)) === 'file' ? mapNext : undefined;
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
