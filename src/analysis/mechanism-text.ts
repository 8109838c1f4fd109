// What a JIT mechanism proves, in words: shared by the analysis' warnings and withheld reasons and by
// the reports' caveats, so no format claims more than the evidence (docs/measurement.md, "Proving
// which jump ran"). An unavailable image proves nothing either way: it is never "not a direct jump".
import { INDIRECT_MECHANISMS, type JitMechanism } from '../results/cell-result.js';

export function mechanismPhrase(m: JitMechanism | null): string {
  if (m === null) return 'without JIT evidence';
  if (m === 'no-jit') return 'not JITed (the interpreter ran it)';
  if (m === 'image-unavailable') return 'unproven (the kernel withheld the JIT image)';
  if (m === 'unknown') return 'unclassified (no tail-call site recognised)';
  return m;
}

/** Does the variant's evidence show the jump its name claims? */
export function mechanismMatches(variant: 'direct' | 'indirect', m: JitMechanism | null): boolean {
  return variant === 'direct' ? m === 'direct-jump' : m !== null && INDIRECT_MECHANISMS.includes(m);
}
