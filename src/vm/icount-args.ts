// How a cell asks QEMU for instruction counting (src/measure/timing.ts says when it does).
/**
 * The QEMU options of instruction counting. sleep=off: an idle guest's clock jumps to the next timer
 * at once instead of waiting in real time, so the guest clock depends on nothing but instructions.
 */
export function icountArgs(shift: number): string[] {
  if (!Number.isInteger(shift) || shift < 0 || shift > 10) throw new Error(`icount shift ${shift}: expected 0..10`);
  return ['-icount', `shift=${shift},sleep=off`];
}
