import { describe, expect, it } from 'vitest';
import { pickBackend } from '../../src/vm/backend.js';
import { err, ok, type Result } from '../../src/util/result.js';
import type { VmBackend } from '../../src/vm/types.js';

// Only check() matters for the choice; the backends' real runs are the integration tests.
const stub = (name: 'qemu' | 'vng', check: Result<void, string>): VmBackend => ({
  name,
  check: async () => check,
  describe: async () => [],
  runCell: async () => {
    throw new Error('not used');
  },
});

describe('pickBackend', () => {
  it('auto takes vng when it works under KVM, qemu with the reason otherwise', async () => {
    const vngOk = await pickBackend('auto', 'kvm', { qemu: stub('qemu', ok(undefined)), vng: stub('vng', ok(undefined)) });
    expect(vngOk.ok && [vngOk.value.backend.name, vngOk.value.reason]).toEqual(['vng', 'auto: vng works here']);
    const underTcg = await pickBackend('auto', 'tcg', { qemu: stub('qemu', ok(undefined)), vng: stub('vng', ok(undefined)) });
    expect(underTcg.ok && underTcg.value.backend.name).toBe('qemu');
    expect(underTcg.ok && underTcg.value.reason).toMatch(/slower .* under TCG/);
    const noVng = await pickBackend('auto', 'kvm', { qemu: stub('qemu', ok(undefined)), vng: stub('vng', err('virtiofsd missing')) });
    expect(noVng.ok && [noVng.value.backend.name, noVng.value.reason]).toEqual(['qemu', 'auto: vng unusable (virtiofsd missing)']);
  });

  it('an explicit request is honoured or fails with the reason, never silently swapped', async () => {
    const r = await pickBackend('vng', 'tcg', { qemu: stub('qemu', ok(undefined)), vng: stub('vng', err('vng not installed')) });
    expect(r).toEqual({ ok: false, error: 'vng backend unavailable: vng not installed' });
    const none = await pickBackend('auto', 'kvm', {
      qemu: stub('qemu', err('qemu-system-x86_64 missing')),
      vng: stub('vng', err('no vng')),
    });
    expect(none).toEqual({ ok: false, error: 'no VM backend works here: vng: no vng; qemu: qemu-system-x86_64 missing' });
  });
});
