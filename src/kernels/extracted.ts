// An extracted kernel in the cache: kernels/<key>/root/ (the files) + kernels/<key>/kernel.json (where
// the image, modules, config and System.map are in it). Every source that unpacks something ends here.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { err, ok, type Result } from '../util/result.js';
import type { KernelCache } from './cache.js';
import { sha256File } from '../util/sha256-file.js';
import { isPlaceholderMap, locateKernel } from './locate.js';
import type { DriverKernel } from './types.js';
import { recordFiles, verifyFiles } from './verify-files.js';

const MANIFEST = 'kernel.json';

const manifest = z.object({
  sha256: z.string(),
  vmlinuz: z.string(),
  modulesDir: z.string().optional(),
  config: z.string().optional(),
  systemMap: z.string().optional(),
  release: z.string().optional(),
  origin: z.string(),
  /** Size and SHA256 of every file, recorded at extraction (absent in entries made before issue 19). */
  files: z.record(z.string(), z.object({ size: z.number(), sha256: z.string() })).optional(),
});

/** Fill root/ through `unpack`, locate the kernel in it and write the manifest; all inside the temp dir. */
export async function materializeKernel(
  cache: KernelCache,
  key: string,
  origin: string,
  unpack: (root: string, tmpDir: string) => Promise<Result<void, string>>,
  signal: AbortSignal,
): Promise<Result<string, string>> {
  return cache.putDir(
    'kernels',
    key,
    async (dir) => {
      const root = path.join(dir, 'root');
      const work = path.join(dir, 'work');
      await mkdir(root, { recursive: true });
      await mkdir(work, { recursive: true });
      const unpacked = await unpack(root, work);
      if (!unpacked.ok) return unpacked;
      await rm(work, { recursive: true, force: true });
      const layout = await locateKernel(root);
      if (!layout.ok) return layout;
      const sha256 = await sha256File(path.join(root, layout.value.vmlinuz), signal);
      const files = await recordFiles(root, signal);
      await writeFile(path.join(dir, MANIFEST), `${JSON.stringify({ sha256, origin, ...layout.value, files }, null, 2)}\n`);
      return ok(undefined);
    },
    { signal },
  );
}

/** How to get rid of a broken entry, pinned or not (prune keeps what the lockfile pins). */
const REMOVE_BROKEN = '`tailmatrix cache verify --remove` removes it (it is fetched or built again on the next run)';

/**
 * DriverKernel for a kernel directory made by materializeKernel, verified: every file recorded at
 * extraction must still have its size and SHA256 (without a record, at least the image its hash), so
 * what is booted is what the result will name.
 */
export async function readExtracted(id: string, dir: string, signal?: AbortSignal): Promise<Result<DriverKernel, string>> {
  let parsed: ReturnType<typeof manifest.safeParse>;
  try {
    parsed = manifest.safeParse(JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')));
  } catch (e) {
    return err(`${dir}: unreadable ${MANIFEST} (${(e as Error).message}); ${REMOVE_BROKEN}`);
  }
  if (!parsed.success) return err(`${dir}: malformed ${MANIFEST}; ${REMOVE_BROKEN}`);
  const m = parsed.data;
  const root = path.join(dir, 'root');
  const broken =
    m.files !== undefined
      ? m.files[m.vmlinuz]?.sha256 !== m.sha256
        ? `${MANIFEST} records no hash for ${m.vmlinuz} matching its sha256`
        : await verifyFiles(root, m.files, signal)
      : await verifyFiles(
          root,
          { [m.vmlinuz]: { size: (await stat(path.join(root, m.vmlinuz)).catch(() => ({ size: -1 }))).size, sha256: m.sha256 } },
          signal,
        );
  if (broken !== undefined)
    return err(`${dir}: the cached kernel does not match what was verified when it was unpacked (${broken}); ${REMOVE_BROKEN}`);
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.join(root, p));
  // Entries extracted before placeholder detection existed may still name Debian's one-line System.map.
  const systemMap = abs(m.systemMap);
  const realMap = systemMap !== undefined && !(await isPlaceholderMap(systemMap)) ? systemMap : undefined;
  return ok({
    id,
    sha256: m.sha256,
    dir,
    vmlinuz: path.join(root, m.vmlinuz),
    modulesDir: abs(m.modulesDir),
    config: abs(m.config),
    systemMap: realMap,
    release: m.release,
    origin: m.origin,
  });
}
