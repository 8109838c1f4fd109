import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isMissingModule,
  moduleName,
  parseBuiltin,
  parseModulesDep,
  readModuleDecompressed,
  resolveModules,
} from '../../src/guest/modules.js';

const fixture = (f: string) => readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'modules', f), 'utf8');
const dep = parseModulesDep(fixture('modules.dep'));
const builtin = parseBuiltin(fixture('modules.builtin'));

describe('module names', () => {
  it('strips the directory and compression suffix and folds - into _', () => {
    expect(moduleName('kernel/net/sched/sch_ingress.ko.xz')).toBe('sch_ingress');
    expect(moduleName('kernel/drivers/net/cyc-a.ko')).toBe('cyc_a');
    expect(moduleName('cls-bpf')).toBe('cls_bpf');
  });
});

describe('resolveModules', () => {
  it('returns modules without dependencies as asked', () => {
    const r = resolveModules(dep, ['veth', 'cls_bpf'], builtin);
    expect(r).toEqual({ ok: true, value: { loadOrder: ['kernel/drivers/net/veth.ko.xz', 'kernel/net/sched/cls_bpf.ko.xz'], builtin: [] } });
  });

  it('puts every dependency, transitive ones too, before the module that needs it, once', () => {
    const r = resolveModules(dep, ['act_mirred', 'vxlan', 'psample'], builtin);
    expect(r.ok && r.value.loadOrder).toEqual([
      'kernel/net/psample/psample.ko.xz',
      'kernel/net/sched/sch_base_x.ko.zst',
      'kernel/net/sched/act_mirred.ko.zst',
      'kernel/net/ipv6/ip6_udp_tunnel.ko.xz',
      'kernel/net/ipv4/udp_tunnel.ko.xz',
      'kernel/drivers/net/vxlan/vxlan.ko.xz',
    ]);
  });

  it('skips built-in modules and says which', () => {
    const r = resolveModules(dep, ['veth', 'sch_ingress'], builtin);
    expect(r.ok && r.value).toEqual({ loadOrder: ['kernel/drivers/net/veth.ko.xz'], builtin: ['sch_ingress'] });
  });

  it('names a module the kernel does not have', () => {
    const r = resolveModules(dep, ['veth', 'nosuch'], builtin);
    expect(r).toEqual({ ok: false, error: 'kernel has no module nosuch (neither in modules.dep nor built in)' });
  });

  it('a missing module is told apart from other failures (the qemu backend makes the cell bench-failed, not boot-failed)', () => {
    const r = resolveModules(dep, ['nosuch'], builtin);
    expect(!r.ok && isMissingModule(r.error)).toBe(true);
    const cycle = resolveModules(new Map([['a.ko', ['a.ko']]]), ['a'], builtin);
    expect(!cycle.ok && isMissingModule(cycle.error)).toBe(false);
  });

  it('reports a dependency cycle and a dependency without entry instead of looping', () => {
    expect(resolveModules(dep, ['cyc-a'])).toEqual({ ok: false, error: 'dependency cycle: cyc_a → cyc_b → cyc_a' });
    const broken = resolveModules(dep, ['broken']);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/broken depends on kernel\/drivers\/net\/absent\.ko/);
  });
});

describe('readModuleDecompressed', () => {
  it('decompresses .ko.xz and .ko.zst with the real tools and passes .ko through', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mod-test-'));
    try {
      const plain = path.join(dir, 'm.ko');
      const body = Buffer.from('\x7fELF fake module body '.repeat(100));
      writeFileSync(plain, body);
      execFileSync('xz', ['-k', plain]);
      execFileSync('zstd', ['-q', '-k', plain]);
      for (const f of [plain, `${plain}.xz`, `${plain}.zst`]) {
        const r = await readModuleDecompressed(f);
        expect(r.ok && Buffer.from(r.value).equals(body)).toBe(true);
      }
      const bad = path.join(dir, 'bad.ko.xz');
      writeFileSync(bad, 'not xz');
      const r = await readModuleDecompressed(bad);
      expect(!r.ok && r.error).toMatch(/xz could not decompress/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
