import { describe, expect, it } from 'vitest';
import { kernelCmdline, qemuArgs } from '../../src/vm/qemu-args.js';

describe('qemuArgs', () => {
  it('builds the exact command line of a TCG cell', () => {
    expect(
      qemuArgs({
        accel: 'tcg',
        memoryMiB: 512,
        cpus: 1,
        kernel: '/k/vmlinuz',
        initrd: '/w/initrd.img',
        cmdline: 'spectre_v2=off',
        agentOut: '/w/agent.jsonl',
      }),
    ).toEqual([
      '-machine',
      'q35',
      '-accel',
      'tcg',
      '-cpu',
      'max',
      '-m',
      '512',
      '-smp',
      '1',
      '-nodefaults',
      '-nographic',
      '-no-reboot',
      '-serial',
      'stdio',
      '-serial',
      'file:/w/agent.jsonl',
      '-kernel',
      '/k/vmlinuz',
      '-initrd',
      '/w/initrd.img',
      '-append',
      'console=ttyS0 panic=-1 cryptomgr.notests spectre_v2=off',
    ]);
  });

  it('passes the host CPU under KVM, honours a boot configuration CPU model, keeps ttyS1 without output file', () => {
    const kvm = qemuArgs({ accel: 'kvm', memoryMiB: 256, cpus: 2, kernel: 'k', initrd: 'i' });
    expect(kvm.slice(0, 10)).toEqual(['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host', '-m', '256', '-smp', '2']);
    expect(kvm).toContain('null');
    expect(qemuArgs({ accel: 'tcg', cpu: 'Skylake-Client-IBRS', memoryMiB: 512, cpus: 1, kernel: 'k', initrd: 'i' })[5]).toBe(
      'Skylake-Client-IBRS',
    );
  });
});

describe('qemuArgs under instruction counting', () => {
  it('adds -icount shift=N,sleep=off right after the accelerator', () => {
    expect(
      qemuArgs({
        accel: 'tcg',
        memoryMiB: 512,
        cpus: 1,
        kernel: '/k/vmlinuz',
        initrd: '/w/initrd.img',
        agentOut: '/w/agent.jsonl',
        icountShift: 3,
      }),
    ).toEqual([
      '-machine',
      'q35',
      '-accel',
      'tcg',
      '-icount',
      'shift=3,sleep=off',
      '-cpu',
      'max',
      '-m',
      '512',
      '-smp',
      '1',
      '-nodefaults',
      '-nographic',
      '-no-reboot',
      '-serial',
      'stdio',
      '-serial',
      'file:/w/agent.jsonl',
      '-kernel',
      '/k/vmlinuz',
      '-initrd',
      '/w/initrd.img',
      '-append',
      'console=ttyS0 panic=-1 cryptomgr.notests',
    ]);
    expect(qemuArgs({ accel: 'tcg', memoryMiB: 512, cpus: 1, kernel: 'k', initrd: 'i', icountShift: 0 }).slice(4, 6)).toEqual([
      '-icount',
      'shift=0,sleep=off',
    ]);
  });

  it('refuses instruction counting under KVM and a shift QEMU does not accept', () => {
    expect(() => qemuArgs({ accel: 'kvm', memoryMiB: 512, cpus: 1, kernel: 'k', initrd: 'i', icountShift: 3 })).toThrow(
      /-icount needs TCG/,
    );
    expect(() => qemuArgs({ accel: 'tcg', memoryMiB: 512, cpus: 1, kernel: 'k', initrd: 'i', icountShift: 11 })).toThrow(
      /expected 0\.\.10/,
    );
  });
});

describe('kernelCmdline', () => {
  it('puts the base options first so the boot configuration can override them, and squeezes spaces', () => {
    expect(kernelCmdline('  spectre_v2=retpoline,generic   panic=10 ')).toBe(
      'console=ttyS0 panic=-1 cryptomgr.notests spectre_v2=retpoline,generic panic=10',
    );
    expect(kernelCmdline(undefined)).toBe('console=ttyS0 panic=-1 cryptomgr.notests');
  });
});

describe('agentArgs', () => {
  it('passes the sweep parameters in the agent protocol flags, the seed only when fixed', async () => {
    const { resolveBenchmark } = await import('../../src/benchmarks/registry.js');
    const agentArgs = (x: Parameters<typeof resolveBenchmark>[0]) => resolveBenchmark(x, { mode: 'timed' }).needs.agentArgs;
    const benchmarkModules = (x: Parameters<typeof resolveBenchmark>[0]) => resolveBenchmark(x, { mode: 'timed' }).needs.modules;
    const { benchmark } = await import('../../src/matrix/schema.js');
    const b = benchmark.parse({
      name: 't',
      type: 'test-run',
      params: { maxDepth: 8, samples: 3, repeat: 100, variants: ['indirect', 'direct'], seed: 7 },
    });
    // The default 20 loads, at most one per sample: 3.
    expect(agentArgs(b)).toEqual([
      '--max-depth',
      '8',
      '--samples',
      '3',
      '--repeat',
      '100',
      '--loads',
      '3',
      '--variants',
      'indirect,direct',
      '--seed',
      '7',
    ]);
    expect(agentArgs(benchmark.parse({ name: 't', type: 'test-run' }))).toEqual([
      '--max-depth',
      '32',
      '--samples',
      '20',
      '--repeat',
      '20000',
      '--loads',
      '20',
      '--variants',
      'direct,indirect',
    ]);
    expect(benchmarkModules(b)).toEqual([]);
  });
});
