// The kernel cache is shared by every project of a user: `cache prune` run in one project keeps what another
// project's lockfile pins, says what it keeps, and `cache ls` names the kernel and version behind each entry.
// Real CLI processes on a cache of their own (TAILMATRIX_CACHE); the kernels are never downloaded: their
// cache entries are laid out as the url driver lays them out (blob by sha256, kernel dir by filesKey).
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesKey } from '../../src/kernels/fetch-files.js';
import { startCli } from '../support/run-cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const sha = (c: string) => c.repeat(64);

async function project(name: string, c: string): Promise<string> {
  const p = path.join(dir, name);
  await mkdir(p, { recursive: true });
  const matrix = {
    kernels: [{ id: `kernel-${name}`, source: { type: 'url', url: `http://127.0.0.1:9/linux-${name}.deb`, sha256: sha(c) } }],
    boots: [{ name: 'off', cmdline: 'spectre_v2=off' }],
    benchmarks: [{ name: 'test-run', type: 'test-run' }],
  };
  await writeFile(path.join(p, 'matrix.json'), JSON.stringify(matrix));
  // What the url driver would leave after a fetch: the blob, and the unpacked kernel dir.
  const cache = env.TAILMATRIX_CACHE!;
  await mkdir(path.join(cache, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(cache, 'blobs', 'sha256', sha(c)), `deb of ${name}`);
  await mkdir(path.join(cache, 'kernels', filesKey('url', [{ sha256: sha(c) }])), { recursive: true });
  await writeFile(path.join(cache, 'kernels', filesKey('url', [{ sha256: sha(c) }]), 'vmlinuz'), `kernel of ${name}`);
  return path.join(p, 'matrix.json');
}

const blobs = async () => (await readdir(path.join(env.TAILMATRIX_CACHE!, 'blobs', 'sha256'))).sort();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-prune-'));
  env = { TAILMATRIX_CACHE: path.join(dir, 'cache') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cache prune in a shared cache', () => {
  it("keeps another project's pinned kernels, says what it keeps, removes only what nothing pins", async () => {
    const a = await project('a', 'a');
    const b = await project('b', 'b');
    // Both projects lock their kernels (no download: url kernels resolve from the matrix); each lock registers.
    for (const m of [a, b]) expect((await startCli(['lock', '-q', '-m', m], { env })).exitCode).toBe(0);
    // An entry no project pins.
    await writeFile(path.join(env.TAILMATRIX_CACHE!, 'blobs', 'sha256', sha('c')), 'orphan');

    const ls = await startCli(['cache', 'ls', '--json', '-m', a], { env });
    expect(ls.exitCode).toBe(0);
    const listed = JSON.parse(ls.stdout) as { entries: { key: string; pinnedBy: { kernel: string; version: string }[] }[] };
    const byKey = Object.fromEntries(listed.entries.map((e) => [e.key, e.pinnedBy.map((p) => p.kernel)]));
    expect(byKey[sha('a')]).toEqual(['kernel-a']);
    expect(byKey[sha('b')]).toEqual(['kernel-b']);
    expect(byKey[sha('c')]).toEqual([]);
    expect(listed.entries.find((e) => e.key === sha('b'))!.pinnedBy[0]!.version).toBe('http://127.0.0.1:9/linux-b.deb');

    // Pruning from project a: b's kernel stays, the orphan goes.
    const prune = await startCli(['cache', 'prune', '-m', a], { env });
    expect(prune.exitCode).toBe(0);
    expect(prune.stdout).toMatch(/keeping 4 pinned entries/);
    expect(prune.stdout).toContain('kernel-b (http://127.0.0.1:9/linux-b.deb)');
    expect(prune.stdout).toContain(path.join(dir, 'b', 'matrix.lock.json'));
    expect(prune.stdout).toMatch(/removed 1 entries/);
    expect(await blobs()).toEqual([sha('a'), sha('b')]);

    // A project that is gone is forgotten: its kernels become prunable.
    await rm(path.join(dir, 'b'), { recursive: true });
    expect((await startCli(['cache', 'prune', '-m', a], { env })).stdout).toMatch(/removed 2 entries/);
    expect(await blobs()).toEqual([sha('a')]);

    // --all removes everything, pinned or not.
    expect((await startCli(['cache', 'prune', '--all', '-m', a], { env })).stdout).toMatch(/removed 2 entries/);
    expect(await blobs()).toEqual([]);
  });

  it('refuses to prune when a known lockfile cannot be read (it cannot know what that project pins)', async () => {
    const d = await project('d', 'd');
    expect((await startCli(['lock', '-q', '-m', d], { env })).exitCode).toBe(0);
    await writeFile(path.join(dir, 'd', 'matrix.lock.json'), '{ not json');
    const prune = await startCli(['cache', 'prune', '-m', path.join(dir, 'elsewhere', 'matrix.json')], { env });
    expect(prune.exitCode).toBe(64);
    expect(prune.stderr).toContain(path.join(dir, 'd', 'matrix.lock.json'));
    expect(await blobs()).toContain(sha('d'));
  });
});
