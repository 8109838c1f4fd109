// The host-settings guard of running-kernel cells, against a fake /proc/sys tree (the real one is the
// integration test's: test/integration/native.test.ts).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOST_SETTINGS, plannedChanges, readSettings, restoreSettings } from '../../src/vm/native-settings.js';
import { hardeningRefusal, nativeUnavailable } from '../../src/vm/native.js';

let root: string;
const file = (name: string) => path.join(root, ...name.split('.'));
function fakeProcSys(values: Record<string, string>) {
  root = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-procsys-'));
  for (const [name, v] of Object.entries(values)) {
    mkdirSync(path.dirname(file(name)), { recursive: true });
    writeFileSync(file(name), `${v}\n`);
  }
}
afterEach(() => rmSync(root, { recursive: true, force: true }));

const AS_FOUND_HERE = {
  'net.core.bpf_jit_enable': '1',
  'net.core.bpf_jit_harden': '0',
  'net.core.bpf_jit_kallsyms': '1',
  'kernel.kptr_restrict': '0',
  'kernel.bpf_stats_enabled': '0',
};

describe('host settings of a running-kernel cell', () => {
  it('reads every watched setting, null for one this kernel lacks', () => {
    const { 'net.core.bpf_jit_kallsyms': _, ...rest } = AS_FOUND_HERE;
    fakeProcSys(rest);
    const s = readSettings(root);
    expect(Object.keys(s).sort()).toEqual(HOST_SETTINGS.map((h) => h.name).sort());
    expect(s['net.core.bpf_jit_kallsyms']).toBeNull();
    expect(s['kernel.kptr_restrict']).toBe('0');
  });

  it('plans no change on a host already set for the measurement', () => {
    fakeProcSys(AS_FOUND_HERE);
    expect(plannedChanges(readSettings(root))).toEqual([]);
  });

  it('leaves kptr_restrict 1 alone (root reads JIT images at 1): only 2 is lowered, to 1', () => {
    fakeProcSys({ ...AS_FOUND_HERE, 'kernel.kptr_restrict': '1' });
    expect(plannedChanges(readSettings(root))).toEqual([]);
  });

  it('names each change, and marks lowering bpf_jit_harden or kptr_restrict as weakening the host', () => {
    fakeProcSys({ ...AS_FOUND_HERE, 'net.core.bpf_jit_harden': '2', 'kernel.kptr_restrict': '2', 'net.core.bpf_jit_kallsyms': '0' });
    const changes = plannedChanges(readSettings(root));
    expect(changes).toEqual([
      { name: 'net.core.bpf_jit_harden', from: '2', to: '0', hardening: true },
      { name: 'net.core.bpf_jit_kallsyms', from: '0', to: '1', hardening: false },
      { name: 'kernel.kptr_restrict', from: '2', to: '1', hardening: true },
    ]);
    const refusal = hardeningRefusal(changes, false);
    expect(refusal).toContain('net.core.bpf_jit_harden 2 → 0');
    expect(refusal).toContain('net.core.bpf_jit_kallsyms 0 → 1');
    expect(refusal).toContain('--unharden-host');
    expect(hardeningRefusal(changes, true)).toBeUndefined();
    // Turning the JIT on or naming programs in kallsyms weakens nothing: no flag needed.
    expect(hardeningRefusal([changes[1]!], false)).toBeUndefined();
  });

  it('writes back exactly what changed, and leaves the rest untouched', () => {
    fakeProcSys({ ...AS_FOUND_HERE, 'kernel.kptr_restrict': '2' });
    const before = readSettings(root);
    writeFileSync(file('kernel.kptr_restrict'), '0\n');
    writeFileSync(file('kernel.bpf_stats_enabled'), '1\n');
    expect(restoreSettings(before, root)).toEqual([]);
    expect(readSettings(root)).toEqual(before);
    expect(readFileSync(file('net.core.bpf_jit_enable'), 'utf8')).toBe('1\n'); // unchanged file not rewritten
  });

  it('reports a value it could not put back instead of claiming success', () => {
    fakeProcSys(AS_FOUND_HERE);
    const before = readSettings(root);
    rmSync(file('kernel.kptr_restrict'));
    mkdirSync(file('kernel.kptr_restrict')); // a write now fails
    const problems = restoreSettings(before, root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^kernel\.kptr_restrict: could not write back 0: /);
  });
});

describe('nativeUnavailable', () => {
  const linuxRoot = { platform: 'linux', arch: 'x64', euid: 0, exists: () => true };
  it('runs as root on x86-64 Linux with BPF and its JIT', () => {
    expect(nativeUnavailable(linuxRoot)).toBeUndefined();
  });
  it('skips without root, saying how to get it', () => {
    expect(nativeUnavailable({ ...linuxRoot, euid: 1000 })).toMatch(/^not root \(uid 1000\): .*run tailmatrix as root/);
  });
  it('skips a kernel without the BPF system call or without the JIT', () => {
    expect(nativeUnavailable({ ...linuxRoot, exists: (p) => !p.endsWith('unprivileged_bpf_disabled') })).toMatch(/no BPF system call/);
    expect(nativeUnavailable({ ...linuxRoot, exists: (p) => !p.endsWith('bpf_jit_enable') })).toMatch(/no BPF JIT/);
  });
  it('skips other architectures: the agent and the JIT proof are x86-64 only', () => {
    expect(nativeUnavailable({ ...linuxRoot, arch: 'arm64' })).toMatch(/x86-64 Linux only \(this host: linux\/arm64\)/);
  });
});
