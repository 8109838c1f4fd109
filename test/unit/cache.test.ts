import { mkdtemp, readdir, readFile, writeFile, utimes, mkdir } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelCache, sha256File } from '../../src/kernels/cache.js';
import { acquireLock } from '../../src/util/file-lock.js';
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
    const bad = await cache.putBlob(g, sha.replace(/^./, (c) => (c === '0' ? '1' : '0')));
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
    const [a, b] = await Promise.all([cache.putDir('kernels', 'k1', fill, { pollMs: 10 }), cache.putDir('kernels', 'k1', fill, { pollMs: 10 })]);
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
    for (const key of ['old', 'kept', 'new']) {
      await cache.putDir('kernels', key, async (d) => {
        await writeFile(path.join(d, 'f'), key);
        return ok(undefined);
      });
    }
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await utimes(cache.entryPath('kernels', 'old'), longAgo, longAgo);
    await utimes(cache.entryPath('kernels', 'kept'), longAgo, longAgo);
    const removed = await cache.prune({ olderThan: new Date(Date.now() - 30 * 86_400_000), keep: new Set([cache.entryPath('kernels', 'kept')]) });
    expect(removed.map((e) => e.key)).toEqual(['old']);
    expect((await cache.list()).map((e) => e.key).sort()).toEqual(['kept', 'new']);
  });
});

describe('file lock', () => {
  it('a second holder waits until the first releases', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-lock-'));
    const target = path.join(dir, 'x');
    const order: string[] = [];
    const release1 = await acquireLock(target);
    const second = acquireLock(target, { pollMs: 10, onWait: () => order.push('waiting') }).then((rel) => {
      order.push('second');
      return rel;
    });
    await new Promise((r) => setTimeout(r, 50));
    order.push('release first');
    await release1();
    await (await second)();
    expect(order).toEqual(['waiting', 'release first', 'second']);
  });

  it('takes over a lock whose owner died', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-lock-'));
    const target = path.join(dir, 'x');
    // A real process that exits: its pid is then certainly not running.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    await mkdir(dir, { recursive: true });
    await writeFile(`${target}.lock`, `${os.hostname()}:${pid}\n`);
    const release = await acquireLock(target, { pollMs: 10 });
    expect(await readFile(`${target}.lock`, 'utf8')).toBe(`${os.hostname()}:${process.pid}\n`);
    await release();
  });

  it('waiting can be aborted', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-lock-'));
    const target = path.join(dir, 'x');
    const release = await acquireLock(target);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    await expect(acquireLock(target, { pollMs: 10, signal: ac.signal })).rejects.toThrow(/abort/i);
    await release();
  });
});
