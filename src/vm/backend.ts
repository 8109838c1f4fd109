// The one place a backend is chosen (STYLE.md 9). `auto`: vng where it works here, qemu otherwise; the
// reason vng was passed over is returned so the run can record it.
import { err, ok, type Result } from '../util/result.js';
import { qemuBackend } from './qemu.js';
import type { VmBackend } from './types.js';
import { vngBackend } from './vng.js';

export type BackendRequest = 'auto' | 'qemu' | 'vng';

export interface ChosenBackend {
  backend: VmBackend;
  /** Why this one: "requested", or why vng was not usable for `auto`. */
  reason: string;
}

/** The backend and why, or why none works. Backends passed in for tests. */
export async function pickBackend(
  name: BackendRequest,
  backends: { qemu: VmBackend; vng: VmBackend } = { qemu: qemuBackend, vng: vngBackend },
): Promise<Result<ChosenBackend, string>> {
  if (name !== 'auto') {
    const b = backends[name];
    const usable = await b.check();
    return usable.ok ? ok({ backend: b, reason: 'requested' }) : err(`${name} backend unavailable: ${usable.error}`);
  }
  const vng = await backends.vng.check();
  if (vng.ok) return ok({ backend: backends.vng, reason: 'auto: vng works here' });
  const q = await backends.qemu.check();
  if (!q.ok) return err(`no VM backend works here: vng: ${vng.error}; qemu: ${q.error}`);
  return ok({ backend: backends.qemu, reason: `auto: vng unusable (${vng.error})` });
}

/** The backend for a run (the pipeline records `backend.name` in every result). */
export async function getBackend(name: BackendRequest): Promise<Result<VmBackend, string>> {
  const chosen = await pickBackend(name);
  return chosen.ok ? ok(chosen.value.backend) : chosen;
}

/** Alias used by the run pipeline. */
export const chooseBackend = getBackend;
