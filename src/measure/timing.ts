// Which clock a cell's figures come from. Under TCG, QEMU's instruction counting (-icount) makes the
// guest clock advance 2^shift ns per executed instruction, so BPF_PROG_TEST_RUN's `duration` becomes
// an exact, reproducible instruction count; plain ("timed") TCG gives wall-clock ns that wander with
// host load. KVM runs on the hardware clock: its figures are always hardware ns.
import type { Accelerator, FigureKind } from '../results/cell-result.js';
import type { TimingRequest } from '../matrix/runner-choices.js';
import { err, ok, type Result } from '../util/result.js';

export type Timing = { mode: 'icount'; shift: number } | { mode: 'timed' };

/**
 * The -icount shift cells run with, chosen by measurement (bench/icount-shift.ts; figures in
 * docs/measurement.md, "Instruction counting"): the shortest boot to poweroff whose figures stay exact.
 */
export const ICOUNT_SHIFT = 3;

/** auto: instruction counting under TCG; KVM (and the running kernel) always time on hardware. */
export function resolveTiming(request: TimingRequest, accel: Accelerator, shift: number = ICOUNT_SHIFT): Result<Timing, string> {
  if (accel !== 'tcg') {
    if (request === 'icount') {
      return err(`timing icount needs TCG, but the accelerator is ${accel}: use --accel tcg (or --timing auto for hardware timing)`);
    }
    return ok({ mode: 'timed' });
  }
  return ok(request === 'timed' ? { mode: 'timed' } : { mode: 'icount', shift });
}

export function figureKindFor(timing: Timing, accel: Accelerator): FigureKind {
  if (timing.mode === 'icount') return 'instructions';
  return accel === 'tcg' ? 'emulated-ns' : 'hardware-ns';
}

/** One line for the progress display and the run metadata. */
export function timingText(t: Timing): string {
  return t.mode === 'icount' ? `instruction counting (-icount shift=${t.shift}: exact instruction counts)` : 'timed';
}
