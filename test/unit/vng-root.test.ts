// The module root, the FIFO wrapper and the guest script against the real depmod and sh (fast, no VM).
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execCommand } from '../../src/util/exec.js';
import { AGENT_PORT_NAME, guestScript, NO_PORT_EXIT, vngCommand } from '../../src/vm/vng-args.js';
import { prepareVngRoot } from '../../src/vm/vng-root.js';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-vng-unit-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('prepareVngRoot', () => {
  it('links the cached kernel and modules and lets depmod write only into the cell', async () => {
    const release = '6.1.0-50-cloud-amd64';
    // A cached kernel as a Debian .deb leaves it: modules and modules.order, no modules.dep.
    const cache = path.join(tmp, 'cache', 'root');
    const mods = path.join(cache, 'lib', 'modules', release);
    await mkdir(path.join(mods, 'kernel', 'fs'), { recursive: true });
    await writeFile(path.join(mods, 'modules.order'), '');
    await writeFile(path.join(mods, 'modules.builtin'), 'kernel/fs/ext4/ext4.ko\n');
    await mkdir(path.join(cache, 'boot'));
    const vmlinuz = path.join(cache, 'boot', `vmlinuz-${release}`);
    await writeFile(vmlinuz, 'not really a kernel');
    const before = (await readdir(mods)).sort();

    const cell = path.join(tmp, 'cell');
    const res = await prepareVngRoot({ id: 'k', arch: 'amd64', sha256: 'x', dir: cache, vmlinuz, modulesDir: mods, origin: 't' }, cell);
    expect(res.ok, res.ok ? '' : res.error).toBe(true);
    if (!res.ok) return;

    expect(await readlink(res.value.kimg)).toBe(vmlinuz);
    const linked = path.join(cell, 'vng-root', 'lib', 'modules', release);
    expect(await readlink(path.join(linked, 'kernel'))).toBe(path.join(mods, 'kernel'));
    const dep = await lstat(path.join(linked, 'modules.dep'));
    expect(dep.isFile()).toBe(true);
    expect((await readdir(mods)).sort()).toEqual(before);
  });

  it('reports a depmod failure as a value naming the command', async () => {
    const cell = path.join(tmp, 'cell-bad');
    const res = await prepareVngRoot(
      {
        id: 'k',
        arch: 'amd64',
        sha256: 'x',
        dir: '/',
        vmlinuz: '/nonexistent/vmlinuz',
        modulesDir: path.join(tmp, 'no-such-modules', '6.6.6'),
        origin: 't',
      },
      cell,
    );
    expect(res.ok).toBe(false);
    expect(res.ok ? '' : res.error).toMatch(/no-such-modules/);
  });
});

describe('the FIFO wrapper vng runs behind', () => {
  it('gives the command reopenable stdout/stderr, streams both apart, and keeps its exit status', async () => {
    const dir = await mkdtemp(path.join(tmp, 'fifo-'));
    // What vng checks before it runs a script: /proc/self/fd/0..2 open O_RDWR (python's os.open).
    const fake = path.join(dir, 'fake-vng');
    await writeFile(
      fake,
      [
        '#!/usr/bin/python3',
        'import os, sys',
        'for fd in (0, 1, 2): os.close(os.open(f"/proc/self/fd/{fd}", os.O_RDWR))',
        'print("out", *sys.argv[1:], flush=True)',
        'print("err line", file=sys.stderr, flush=True)',
        'sys.exit(3)',
      ].join('\n'),
      { mode: 0o755 },
    );
    const lines: string[] = [];
    const c = vngCommand(fake, ['a b', 'c']);
    const res = await execCommand(c.file, c.args, { cwd: dir, onLine: (l, s) => lines.push(`${s}:${l}`), timeoutMs: 30_000 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.exitCode).toBe(3);
    expect(lines.sort()).toEqual(['stderr:err line', 'stdout:out a b c']);
    // Node's own stdio are sockets, which /proc/self/fd cannot reopen: the reason for the wrapper.
    const direct = await execCommand(fake, [], { timeoutMs: 30_000 });
    expect(direct.ok ? 0 : direct.error.stderrTail).toMatch(/OSError|No such device/);
  });
});

describe('the guest script, under the real sh', () => {
  it('finds the agent port by name, runs the agent on it, and reports its exit status', async () => {
    const dir = await mkdtemp(path.join(tmp, 'guest-'));
    // The guest's /sys/class/virtio-ports and /proc/cmdline, as vng 1.35 lays them out, moved to a temp dir.
    const ports: [string, string][] = [
      ['vport1p1', 'virtme.stdin'],
      ['vport6p1', 'virtme.ret'],
      ['vport7p1', AGENT_PORT_NAME],
    ];
    for (const [port, name] of ports) {
      await mkdir(path.join(dir, 'ports', port), { recursive: true });
      await writeFile(path.join(dir, 'ports', port, 'name'), `${name}\n`);
    }
    await writeFile(path.join(dir, 'cmdline'), 'console=ttyS0 panic=-1 tailmatrix.mode=agent quiet\n');
    const agent = path.join(dir, 'agent');
    await writeFile(agent, '#!/bin/sh\necho "agent $*"\nexit 5\n', { mode: 0o755 });
    const script = guestScript({ agent, objDir: '/o', agentArgs: ['--samples', '3'] })
      .replace('/sys/class/virtio-ports', path.join(dir, 'ports'))
      .replace('/proc/cmdline', path.join(dir, 'cmdline'));
    await writeFile(path.join(dir, 'guest.sh'), script);

    const res = await execCommand('sh', [path.join(dir, 'guest.sh')], { timeoutMs: 30_000 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.exitCode).toBe(5);
    expect(res.error.stdout.split('\n').slice(1)).toEqual([
      'tailmatrix-init: mode agent',
      'tailmatrix-init: agent-start',
      'agent --objdir /o --out /dev/vport7p1 --samples 3',
      'tailmatrix-init: agent-exit 5',
      '',
    ]);
  });

  it('stops with a banner when the port is missing', async () => {
    const dir = await mkdtemp(path.join(tmp, 'guest-'));
    await mkdir(path.join(dir, 'ports'));
    await writeFile(path.join(dir, 'cmdline'), 'quiet\n');
    const script = guestScript({ agent: '/nonexistent', objDir: '/o', agentArgs: [] })
      .replace('/sys/class/virtio-ports', path.join(dir, 'ports'))
      .replace('/proc/cmdline', path.join(dir, 'cmdline'));
    await writeFile(path.join(dir, 'guest.sh'), script);
    const res = await execCommand('sh', [path.join(dir, 'guest.sh')], { timeoutMs: 30_000 });
    expect(res.ok ? 0 : res.error.exitCode).toBe(NO_PORT_EXIT);
    expect(res.ok ? '' : res.error.stdout).toContain(`tailmatrix-init: no-agent-port ${AGENT_PORT_NAME}`);
  });
});
