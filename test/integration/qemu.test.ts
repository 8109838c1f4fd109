// The qemu backend end to end: real Debian kernels under TCG, the real static agent and BPF objects.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureInitramfs, writeCellInitrd } from '../../src/guest/initramfs.js';
import { execCommand } from '../../src/util/exec.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createQemuBackend, qemuBackend } from '../../src/vm/qemu.js';
import type { CellEvent, CellRunSpec } from '../../src/vm/types.js';
import { cellSpec, expectSweepProvesJumps, testKernel, testPayload, type TEST_KERNELS } from './qemu-kernels.js';
import { testRunParams } from '../support/test-run.js';

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

async function runOne(which: keyof typeof TEST_KERNELS) {
  const spec: CellRunSpec = cellSpec(await testKernel(which), await testPayload());
  workDirs.push(spec.workDir);
  const events: CellEvent[] = [];
  const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: (e) => events.push(e) });
  console.log(`[qemu ${spec.kernel.id}] status ${outcome.status} in ${outcome.wallMs} ms${outcome.message ? `: ${outcome.message}` : ''}`);
  return { spec, outcome, events };
}

describe.each(['oldest', 'newest'] as const)('qemu backend, %s kernel under TCG', (which) => {
  it('measures both variants at every depth, proves each jump count, and classifies the JIT sites', async () => {
    const { spec, outcome, events } = await runOne(which);
    expect(outcome.status, outcome.consoleTail.join('\n')).toBe('ok');
    const p = testRunParams(spec.benchmark);

    expect(events.filter((e) => e.type === 'phase').map((e) => (e.type === 'phase' ? e.phase : ''))).toEqual([
      'prepare',
      'boot',
      'measure',
    ]);
    expect(events.some((e) => e.type === 'console' && e.line.includes('tailmatrix-init: agent-start'))).toBe(true);
    expect(outcome.consoleTail.length).toBeGreaterThan(0);

    const agent = outcome.agent!;
    expectSweepProvesJumps(agent, p);

    const fp = agent.fingerprint!;
    expect(fp.release).toBe(spec.kernel.release);
    expect(fp.cmdline).toContain('panic=-1');
    expect(fp.bpfJitEnable).toBe('1');
    expect(fp.bpfJitHarden).toBe('0');
  });
});

/** Bound of the baseline boot: a cloud kernel with busybox powers off in seconds even on a busy runner. */
const BARE_BOOT_TIMEOUT_MS = 180_000;

describe.each(['oldest', 'newest'] as const)('bare busybox boot of the %s kernel (the baseline a cell is compared with)', (which) => {
  it('qemu-system-x86_64 -kernel … -initrd <busybox> boots to poweroff', async () => {
    const kernel = await testKernel(which);
    const image = await ensureInitramfs({ kernel, modules: [] });
    expect(image.ok).toBe(true);
    if (!image.ok) return;
    const spec = cellSpec(kernel, await testPayload());
    workDirs.push(spec.workDir);
    const initrd = path.join(spec.workDir, 'bare.img');
    await writeCellInitrd(image.value.path, { mode: 'probe' }, initrd);
    const args = [
      '-machine',
      'q35',
      '-accel',
      'tcg',
      '-m',
      '512',
      '-nographic',
      '-no-reboot',
      '-kernel',
      kernel.vmlinuz,
      '-initrd',
      initrd,
      '-append',
      'console=ttyS0 panic=-1',
    ];
    const res = await execCommand('qemu-system-x86_64', args, { timeoutMs: BARE_BOOT_TIMEOUT_MS });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value.stdout).toContain('tailmatrix-init: probe-ok');
    expect(res.value.stdout).toMatch(/reboot: Power down/);
    console.log(`[bare ${kernel.id}] busybox boot to poweroff in ${res.value.durationMs} ms`);
  });
});

describe('qemu backend check()', () => {
  it('passes here and names the package to install when QEMU or a static busybox is missing', async () => {
    expect(await qemuBackend.check()).toEqual({ ok: true, value: undefined });
    const noQemu = await createQemuBackend({ qemu: 'qemu-system-x86_64-not-installed' }).check();
    expect(!noQemu.ok && noQemu.error).toMatch(/^qemu-system-x86_64-not-installed is not usable \(install qemu-system-x86\): .*ENOENT/);
    expect(await createQemuBackend({ busybox: '/bin/ls' }).check()).toEqual({
      ok: false,
      error: '/bin/ls is missing or not statically linked (install busybox-static)',
    });
  });
});

describe('qemu backend describe()', () => {
  it('gives the exact QEMU command runCell runs, with the cell files', async () => {
    const spec = cellSpec(await testKernel('newest'), await testPayload(), { cmdline: 'spectre_v2=off' });
    workDirs.push(spec.workDir);
    const lines = await qemuBackend.describe(spec);
    expect(lines.at(-1)).toBe(
      `qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 512 -smp 1 -nodefaults -nographic -no-reboot -serial stdio -serial file:${spec.workDir}/agent.jsonl -kernel ${spec.kernel.vmlinuz} -initrd ${spec.workDir}/initrd.img -append 'console=ttyS0 panic=-1 cryptomgr.notests spectre_v2=off'`,
    );
  });
});
