import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyLock, lockMismatches, pinnedEntry, readLock, sourceHash, writeLock, type LockFile } from '../../src/matrix/lock.js';
import { stableJson } from '../../src/util/stable-json.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { fetchKernels } from '../../src/kernels/index.js';
import { KernelCache } from '../../src/kernels/cache.js';
import type { Kernel } from '../../src/matrix/schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { referencedPaths } from '../../src/kernels/references.js';
import { filesKey } from '../../src/kernels/fetch-files.js';

const kernel: Kernel = {
  id: 'k',
  arch: 'amd64',
  source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64', component: 'main', arch: 'amd64' },
};

function lockWith(k: Kernel): LockFile {
  return {
    lockfileVersion: 1,
    kernels: {
      [k.id]: {
        sourceHash: sourceHash(k.source),
        resolvedAt: '2026-01-01T00:00:00.000Z',
        resolved: {
          type: 'debian',
          suite: 'bookworm',
          requested: 'linux-image-cloud-amd64',
          package: 'linux-image-6.1.0-50-cloud-amd64',
          version: '6.1.176-1',
          signatureChecked: true,
          files: [
            { name: 'linux-image-6.1.0-50-cloud-amd64', url: 'https://deb.debian.org/debian/pool/x.deb', sha256: 'a'.repeat(64), size: 1 },
          ],
        },
      },
    },
  };
}

describe('lockfile', () => {
  it('the source hash ignores key order but not values', () => {
    expect(stableJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
    const reordered = { arch: 'amd64', component: 'main', package: 'linux-image-cloud-amd64', suite: 'bookworm', type: 'debian' } as const;
    expect(sourceHash(reordered)).toBe(sourceHash(kernel.source));
    expect(sourceHash({ ...kernel.source, suite: 'trixie' } as Kernel['source'])).not.toBe(sourceHash(kernel.source));
  });

  it('an entry pins a kernel only while its source is unchanged', () => {
    const lock = lockWith(kernel);
    expect(pinnedEntry(lock, kernel)?.resolved.type).toBe('debian');
    const moved: Kernel = { ...kernel, source: { ...kernel.source, suite: 'trixie' } as Kernel['source'] };
    expect(pinnedEntry(lock, moved)).toBeUndefined();
    expect(lockMismatches(lock, [moved])).toEqual(['kernel "k": its source changed since it was locked']);
    expect(lockMismatches(emptyLock(), [kernel])).toEqual(['kernel "k" is not in the lockfile']);
    expect(lockMismatches(lock, [kernel])).toEqual([]);
  });

  it('round-trips through the file; a missing file is an empty lock; a malformed one names its paths', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-lock-'));
    const file = path.join(dir, 'matrix.lock.json');
    expect(await readLock(file)).toEqual({ ok: true, value: emptyLock() });
    await writeLock(file, lockWith(kernel));
    expect(await readLock(file)).toEqual({ ok: true, value: lockWith(kernel) });
    const broken = JSON.parse(await readFile(file, 'utf8'));
    broken.kernels.k.resolved.files[0].sha256 = 'nope';
    await writeFile(file, JSON.stringify(broken));
    const r = await readLock(file);
    expect(!r.ok && r.error[0]).toMatch(/^matrix\.lock\.json: kernels\.k\.resolved\.files\[0\]\.sha256: /);
  });

  it('the committed matrix.lock.json pins every default kernel', async () => {
    const m = parseMatrix(JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'matrix.json'), 'utf8')));
    const lock = await readLock(path.join(PACKAGE_ROOT, 'matrix.lock.json'));
    expect(m.ok && lock.ok).toBe(true);
    if (!m.ok || !lock.ok) return;
    expect(lockMismatches(lock.value, m.value.kernels)).toEqual([]);
  });

  it('--frozen-lockfile refuses an unpinned kernel before any network access', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-frozen-'));
    const m = parseMatrix({
      kernels: [
        { id: 'k', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64', mirror: 'http://127.0.0.1:9/debian' } },
      ],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    });
    if (!m.ok) throw new Error(m.error.join('\n'));
    const r = await fetchKernels({
      matrix: m.value,
      matrixFile: path.join(dir, 'matrix.json'),
      frozenLockfile: true,
      cache: new KernelCache(path.join(dir, 'cache')),
    });
    expect(r).toEqual({
      ok: false,
      error: [{ message: '--frozen-lockfile: kernel "k" is not in the lockfile (run `tailmatrix lock`)', badInput: true }],
    });
  });
});

describe('fetch selection and cache references', () => {
  it('an unknown --kernel id is bad input naming the ids the matrix has', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-sel-'));
    const m = parseMatrix({
      kernels: [{ id: 'a', source: { type: 'local', path: 'bzImage' } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    });
    if (!m.ok) throw new Error(m.error.join('\n'));
    const r = await fetchKernels({
      matrix: m.value,
      matrixFile: path.join(dir, 'matrix.json'),
      kernelIds: ['b'],
      cache: new KernelCache(dir),
    });
    expect(r).toEqual({ ok: false, error: [{ message: 'unknown kernel id "b" (matrix has: a)', badInput: true }] });
  });

  it('a lock entry of another source type than the kernel (a lock edited by hand) is bad input, not a crash', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-sel-'));
    const m = parseMatrix({
      kernels: [{ id: 'a', source: { type: 'local', path: 'bzImage' } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    });
    if (!m.ok) throw new Error(m.error.join('\n'));
    const matrixFile = path.join(dir, 'matrix.json');
    const source = m.value.kernels[0]!.source;
    const resolved = {
      type: 'url' as const,
      files: [{ name: 'bzImage', url: 'https://example.org/bzImage', sha256: 'a'.repeat(64), size: 1 }],
    };
    await writeLock(path.join(dir, 'matrix.lock.json'), {
      ...emptyLock(),
      kernels: { a: { sourceHash: sourceHash(source), resolved, resolvedAt: '2026-12-07T00:00:00.000Z' } },
    });
    const r = await fetchKernels({ matrix: m.value, matrixFile, cache: new KernelCache(dir) });
    expect(r).toEqual({
      ok: false,
      error: [
        { kernelId: 'a', message: 'a: the lock entry is of type url, the source of type local: run `tailmatrix lock`', badInput: true },
      ],
    });
  });

  it('cache prune keeps the blobs and the kernel directory a lock entry pins', async () => {
    const cache = new KernelCache(await mkdtemp(path.join(os.tmpdir(), 'tm-ref-')));
    const keep = referencedPaths(lockWith(kernel), cache);
    expect([...keep].map((p) => path.relative(cache.root, p))).toEqual([
      path.join('blobs', 'sha256', 'a'.repeat(64)),
      path.join('kernels', filesKey('deb', [{ sha256: 'a'.repeat(64) }])),
    ]);
  });
});
