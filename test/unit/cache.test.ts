import { mkdtemp, readdir, readFile, writeFile, utimes, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allGone, descendants, startNode } from '../support/node-child.js';
import { KernelCache } from '../../src/kernels/cache.js';
import { sha256File } from '../../src/util/sha256-file.js';
import { err, ok } from '../../src/util/result.js';

async function cacheDir(): Promise<KernelCache> {
  return new KernelCache(await mkdtemp(path.join(os.tmpdir(), 'tm-cache-')));
}

describe('KernelCache', () => {
  it('putBlob files a verified file under its SHA256; a mismatch leaves nothing', async () => {
    const cache = await cacheDir();
    const f = await cache.tempFile();
    await writeFile(f, 'kernel bytes');
    const sha = await sha256File(f);
    const put = await cache.putBlob(f, sha);
    expect(put).toEqual({ ok: true, value: cache.blobPath(sha) });
    expect(await readFile(cache.blobPath(sha), 'utf8')).toBe('kernel bytes');

    const g = await cache.tempFile();
    await writeFile(g, 'tampered');
    const bad = await cache.putBlob(
      g,
      sha.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    expect(bad.ok).toBe(false);
    expect((await cache.list()).map((e) => e.key)).toEqual([sha]);
    expect(await readdir(path.join(cache.root, 'tmp'))).toEqual([]);
  });

  it('putDir publishes all or nothing, and concurrent callers fill once', async () => {
    const cache = await cacheDir();
    let fills = 0;
    const fill = async (dir: string) => {
      fills += 1;
      await new Promise((r) => setTimeout(r, 100));
      await writeFile(path.join(dir, 'vmlinuz'), 'x');
      return ok(undefined);
    };
    const [a, b] = await Promise.all([cache.putDir('kernels', 'k1', fill), cache.putDir('kernels', 'k1', fill)]);
    expect(fills).toBe(1);
    expect(a).toEqual(b);
    expect(a.ok && (await readdir(a.value))).toEqual(['vmlinuz']);

    const failed = await cache.putDir('kernels', 'k2', async (dir) => {
      await writeFile(path.join(dir, 'half'), 'x');
      return err('extraction failed');
    });
    expect(failed).toEqual({ ok: false, error: 'extraction failed' });
    expect(await cache.lookup('kernels', 'k2')).toBeUndefined();
    expect(await readdir(path.join(cache.root, 'tmp'))).toEqual([]);
  });

  it('rejects keys that are not plain file names (a bug in the caller)', async () => {
    const cache = await cacheDir();
    expect(() => cache.entryPath('kernels', '../escape')).toThrow(/invalid cache key/);
  });

  it('prune keeps what it is told to keep and what was used recently', async () => {
    const cache = await cacheDir();
    // Made by hand, not by putDir: entries this process put or looked up are in use until it exits.
    for (const key of ['old', 'kept', 'new']) {
      await mkdir(cache.entryPath('kernels', key), { recursive: true });
      await writeFile(path.join(cache.entryPath('kernels', key), 'f'), key);
    }
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await utimes(cache.entryPath('kernels', 'old'), longAgo, longAgo);
    await utimes(cache.entryPath('kernels', 'kept'), longAgo, longAgo);
    const removed = await cache.prune({
      olderThan: new Date(Date.now() - 30 * 86_400_000),
      keep: new Set([cache.entryPath('kernels', 'kept')]),
    });
    expect(removed.removed.map((e) => e.key)).toEqual(['old']);
    expect((await cache.list()).map((e) => e.key).sort()).toEqual(['kept', 'new']);
  });
});

// Child processes start through tsx: seconds each on a loaded machine.
describe('prune and running processes', { timeout: 30_000 }, () => {
  it('never removes an entry another running process looked up; removes it once that process is gone', async () => {
    const cache = await cacheDir();
    await mkdir(cache.entryPath('kernels', 'busy'), { recursive: true });
    await writeFile(path.join(cache.entryPath('kernels', 'busy'), 'vmlinuz'), 'x');
    const user = startNode(
      `import { KernelCache } from ${JSON.stringify(path.resolve('src/kernels/cache.ts'))};
       const found = await new KernelCache(${JSON.stringify(cache.root)}).lookup('kernels', 'busy');
       console.log(found ? 'using' : 'missing');
       setInterval(() => {}, 1000);`,
    );
    await user.line('using');
    const first = await cache.prune();
    expect(first.removed).toEqual([]);
    expect(first.inUse.map((e) => e.key)).toEqual(['busy']);
    // Its lock holders (flock children) die by parent-death signal, a moment after it: wait for them too.
    const holders = await descendants(user.child.pid!);
    expect(holders.length).toBeGreaterThan(0);
    user.child.kill('SIGKILL');
    await user.exited;
    await allGone(holders);
    const second = await cache.prune();
    expect(second.removed.map((e) => e.key)).toEqual(['busy']);
  });

  it('removes temp leftovers of dead processes at once, keeps those of live ones', async () => {
    const cache = await cacheDir();
    const dead = startNode('');
    await dead.exited;
    await mkdir(path.join(cache.root, 'tmp', `k-pid${dead.child.pid}-abc123`), { recursive: true });
    const mine = await cache.tempDir('k');
    await cache.removeStaleTemp();
    expect(await readdir(path.join(cache.root, 'tmp'))).toEqual([path.basename(mine)]);
  });
});
