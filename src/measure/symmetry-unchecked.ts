// The proof's one "could not check" verdict, shared by the x86-64 proof (jit-symmetry.ts) and the arm64
// one (arm64-symmetry.ts), which jit-symmetry.ts dispatches to.
import type { JitSymmetry } from '../results/cell-result.js';

/** No verdict on the images, with the reason; `programs` is how many had images in both variants. */
export const unchecked = (reason: string, programs = 0): JitSymmetry => ({
  verdict: 'unchecked',
  programs,
  programsDiffering: 0,
  differences: [],
  sequences: [],
  reason,
});
