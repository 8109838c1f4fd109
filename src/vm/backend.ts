// The one place a backend is chosen (STYLE.md 9). `auto`: vng where it works here, qemu otherwise.
import { err, ok, type Result } from '../util/result.js';
import { qemuBackend } from './qemu.js';
import type { VmBackend } from './types.js';

export type BackendRequest = 'auto' | 'qemu' | 'vng';

/** src/vm/vng.ts is written in parallel; until it exists, `vng` is reported unavailable and auto = qemu. */
async function loadVng(): Promise<Result<VmBackend, string>> {
  const modulePath = './vng.js';
  try {
    const mod = (await import(modulePath)) as { vngBackend?: VmBackend };
    if (!mod.vngBackend) return err('the vng backend is not built into this version');
    return ok(mod.vngBackend);
  } catch {
    return err('the vng backend is not built into this version');
  }
}

export async function getBackend(name: BackendRequest): Promise<Result<VmBackend, string>> {
  if (name === 'qemu') {
    const usable = await qemuBackend.check();
    return usable.ok ? ok(qemuBackend) : err(usable.error);
  }
  const vng = await loadVng();
  const vngUsable = vng.ok ? await vng.value.check() : vng;
  if (name === 'vng') return vng.ok && vngUsable.ok ? ok(vng.value) : err(`vng backend unavailable: ${vngUsable.ok ? '' : vngUsable.error}`);
  if (vng.ok && vngUsable.ok) return ok(vng.value);
  const q = await qemuBackend.check();
  if (!q.ok) return err(`no VM backend works here: vng: ${vngUsable.ok ? '?' : vngUsable.error}; qemu: ${q.error}`);
  return ok(qemuBackend);
}

/** Alias used by the run pipeline. */
export const chooseBackend = getBackend;
