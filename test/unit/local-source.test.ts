// The `local` source (`--kernel PATH`): an image named as Debian installs it finds its modules, config and
// System.map beside it, so a Debian arm64 cloud kernel can load the virtio modules its agent port needs.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelCache } from '../../src/kernels/cache.js';
import { localSourceDriver } from '../../src/kernels/sources/local.js';
import type { SourceContext } from '../../src/kernels/source.js';
import type { Kernel } from '../../src/matrix/schema.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-local-source-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The first bytes of an arm64 Image (Documentation/arch/arm64/booting.rst): "ARM\x64" at offset 56. */
function arm64Image(): Buffer {
  const b = Buffer.alloc(0x1000);
  b.writeBigUInt64LE(0xan, 24);
  b.write('ARM\x64', 56, 'latin1');
  return b;
}

function ctx(log: string[]): SourceContext {
  return {
    cache: new KernelCache(path.join(dir, 'cache')),
    signal: new AbortController().signal,
    matrixDir: dir,
    env: {},
    allowUnsigned: false,
    onProgress: () => undefined,
    log: (l) => log.push(l),
  };
}

async function fetchLocal(file: string, extra: Partial<Extract<Kernel['source'], { type: 'local' }>> = {}) {
  const kernel = { id: 'k', arch: 'arm64', source: { type: 'local', path: file, ...extra } } as Kernel & { source: { type: 'local' } };
  const log: string[] = [];
  const r = await localSourceDriver.fetch(kernel, { type: 'local' }, ctx(log));
  if (!r.ok) throw new Error(typeof r.error === 'string' ? r.error : r.error.message);
  return { kernel: r.value, log };
}

describe('local source: what lies beside a Debian-named image', () => {
  it.each([
    ['bookworm', 'lib/modules'],
    ['trixie', 'usr/lib/modules'],
  ])('%s layout: boot/vmlinuz-<release> finds %s/<release>, config-<release> and System.map-<release>', async (suite, modules) => {
    const root = path.join(dir, suite);
    const release = `6.1.0-50-cloud-arm64-${suite}`;
    await mkdir(path.join(root, 'boot'), { recursive: true });
    await mkdir(path.join(root, modules, release), { recursive: true });
    await writeFile(path.join(root, 'boot', `vmlinuz-${release}`), arm64Image());
    await writeFile(path.join(root, 'boot', `config-${release}`), 'CONFIG_VIRTIO_MMIO=m\n');
    await writeFile(path.join(root, 'boot', `System.map-${release}`), '0 T _text\n');
    const { kernel, log } = await fetchLocal(path.join(root, 'boot', `vmlinuz-${release}`));
    expect(kernel.modulesDir).toBe(path.join(root, modules, release));
    expect(kernel.release).toBe(release);
    expect(kernel.config).toBe(path.join(root, 'boot', `config-${release}`));
    expect(kernel.systemMap).toBe(path.join(root, 'boot', `System.map-${release}`));
    expect(log).toContain(`modules beside the image: ${path.join(root, modules, release)}`);
  });

  it('an image named otherwise, or with nothing beside it, has no modules; source.modules still wins', async () => {
    await mkdir(path.join(dir, 'plain', 'mods'), { recursive: true });
    await writeFile(path.join(dir, 'plain', 'Image'), arm64Image());
    await writeFile(path.join(dir, 'plain', 'vmlinuz-9.9.9'), arm64Image());
    expect((await fetchLocal(path.join(dir, 'plain', 'Image'))).kernel.modulesDir).toBeUndefined();
    expect((await fetchLocal(path.join(dir, 'plain', 'vmlinuz-9.9.9'))).kernel.modulesDir).toBeUndefined();
    const own = await fetchLocal(path.join(dir, 'plain', 'Image'), { modules: path.join(dir, 'plain', 'mods') });
    expect(own.kernel.modulesDir).toBe(path.join(dir, 'plain', 'mods'));
    expect(own.log.some((l) => l.startsWith('modules beside'))).toBe(false);
  });
});
