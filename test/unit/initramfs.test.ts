import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { cellEnvText, ensureInitramfs, isStaticElf, writeCellInitrd } from '../../src/guest/initramfs.js';
import type { FetchedKernel } from '../../src/kernels/types.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'initramfs-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A kernel whose modules dir is real files: modules.dep plus xz-compressed "modules". */
function fakeKernel(): FetchedKernel {
  const modulesDir = path.join(root, 'lib', 'modules', '9.9.9-test');
  mkdirSync(path.join(modulesDir, 'kernel', 'net'), { recursive: true });
  for (const m of ['veth', 'cls_bpf', 'psample']) {
    const f = path.join(modulesDir, 'kernel', 'net', `${m}.ko`);
    writeFileSync(f, `module ${m}\n`);
    execFileSync('xz', ['-f', f]);
  }
  writeFileSync(
    path.join(modulesDir, 'modules.dep'),
    'kernel/net/veth.ko.xz:\nkernel/net/cls_bpf.ko.xz: kernel/net/psample.ko.xz\nkernel/net/psample.ko.xz:\n',
  );
  writeFileSync(path.join(modulesDir, 'modules.builtin'), 'kernel/net/sched/sch_ingress.ko\n');
  return { id: 'test', arch: 'amd64', sha256: 'a'.repeat(64), dir: root, vmlinuz: '/nonexistent', modulesDir, origin: 'test' };
}

function list(cpioGz: string): string[] {
  const raw = path.join(root, `list-${Math.random()}.cpio`);
  writeFileSync(raw, gunzipSync(readFileSync(cpioGz)));
  return execFileSync('cpio', ['-it', '--quiet', '-F', raw], { encoding: 'utf8' }).trim().split('\n');
}

describe('ensureInitramfs', () => {
  const cacheDir = path.join(root, 'cache');
  const kernel = fakeKernel();

  it('holds busybox with applet links, /init, /dev/console, the payload and no modules for test-run', async () => {
    const objDir = path.join(root, 'payload');
    mkdirSync(objDir, { recursive: true });
    writeFileSync(path.join(objDir, 'agent'), 'agent-binary');
    writeFileSync(path.join(objDir, 'tailcall_direct.bpf.o'), 'obj1');
    writeFileSync(path.join(objDir, 'tailcall_indirect.bpf.o'), 'obj2');
    const r = await ensureInitramfs(
      { kernel, payload: { agent: path.join(objDir, 'agent'), objDir, hash: 'p1' }, modules: [] },
      { cacheDir },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.modules).toEqual([]);
    const names = list(r.value.path);
    for (const n of [
      'init',
      'bin/busybox',
      'bin/sh',
      'bin/mount',
      'bin/insmod',
      'bin/poweroff',
      'dev/console',
      'tailmatrix/agent',
      'tailmatrix/bpf/tailcall_direct.bpf.o',
      'tailmatrix/bpf/tailcall_indirect.bpf.o',
    ]) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('tailmatrix/modules.list');
    expect(path.dirname(r.value.path)).toBe(path.join(cacheDir, 'initramfs'));

    // Same inputs: the cached file, untouched. Another payload: another image.
    const mtime = statSync(r.value.path).mtimeMs;
    const again = await ensureInitramfs(
      { kernel, payload: { agent: path.join(objDir, 'agent'), objDir, hash: 'p1' }, modules: [] },
      { cacheDir },
    );
    expect(again.ok && again.value.path).toBe(r.value.path);
    expect(statSync(r.value.path).mtimeMs).toBe(mtime);
    const other = await ensureInitramfs(
      { kernel, payload: { agent: path.join(objDir, 'agent'), objDir, hash: 'p2' }, modules: [] },
      { cacheDir },
    );
    expect(other.ok && other.value.key).not.toBe(r.value.key);

    // A cached image changed after its build (a byte flipped: it may hold another agent) is built again.
    const built = readFileSync(r.value.path);
    const flipped = Buffer.from(built);
    flipped[flipped.length >> 1]! ^= 0xff;
    writeFileSync(r.value.path, flipped);
    const repaired = await ensureInitramfs(
      { kernel, payload: { agent: path.join(objDir, 'agent'), objDir, hash: 'p1' }, modules: [] },
      { cacheDir },
    );
    expect(repaired.ok && repaired.value.path).toBe(r.value.path);
    expect(readFileSync(r.value.path).equals(built)).toBe(true);
  });

  it('adds requested modules decompressed, dependencies first, and the load list /init reads', async () => {
    // Names are sorted (they are part of the cache key), then each comes after its dependencies.
    const r = await ensureInitramfs({ kernel, modules: ['veth', 'cls_bpf', 'sch_ingress'] }, { cacheDir });
    expect(r.ok && r.value.modules).toEqual(['psample.ko', 'cls_bpf.ko', 'veth.ko']);
    if (!r.ok) return;
    const raw = gunzipSync(readFileSync(r.value.path)).toString('latin1');
    expect(raw).toContain('psample.ko\ncls_bpf.ko\nveth.ko\n');
    expect(raw).toContain('module psample\n');
    expect(list(r.value.path)).toEqual(
      expect.arrayContaining(['lib/modules/veth.ko', 'lib/modules/psample.ko', 'lib/modules/cls_bpf.ko', 'tailmatrix/modules.list']),
    );
  });

  it('fails as a value for a module the kernel lacks, or a dynamic busybox', async () => {
    const r = await ensureInitramfs({ kernel, modules: ['nosuch'] }, { cacheDir });
    expect(r).toEqual({ ok: false, error: 'kernel has no module nosuch (neither in modules.dep nor built in)' });
    const dyn = await ensureInitramfs({ kernel, modules: [] }, { cacheDir, busybox: '/bin/ls' });
    expect(!dyn.ok && dyn.error).toMatch(/dynamically linked: install busybox-static/);
  });
});

describe('cell archive', () => {
  it('quotes the settings /init sources and refuses arguments /init would split', () => {
    expect(cellEnvText({ mode: 'agent', agentArgs: ['--max-depth', '8', '--variants', 'direct,indirect'] })).toBe(
      "TM_MODE='agent'\nTM_AGENT_ARGS='--max-depth 8 --variants direct,indirect'\n",
    );
    expect(() => cellEnvText({ mode: 'agent', agentArgs: ['a b'] })).toThrow(/whitespace/);
  });

  it('appends a second gzip member after the cached image', async () => {
    const base = path.join(root, 'base.gz');
    writeFileSync(base, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const out = path.join(root, 'cell.img');
    await writeCellInitrd(base, { mode: 'hang' }, out);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 5)]).toEqual([0x1f, 0x8b, 1, 2, 3]);
    const cell = gunzipSync(bytes.subarray(5)).toString('latin1');
    expect(cell).toContain('tailmatrix/cell.env');
    expect(cell).toContain("TM_MODE='hang'");
  });

  it('recognises a static ELF', () => {
    expect(isStaticElf(readFileSync('/bin/busybox'))).toBe(true);
    expect(isStaticElf(readFileSync('/bin/ls'))).toBe(false);
  });
});
