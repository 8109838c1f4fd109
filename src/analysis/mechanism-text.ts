// What a JIT mechanism proves, in words: shared by the analysis' warnings and withheld reasons and by
// the reports' caveats, so no format claims more than the evidence (docs/measurement.md, "Proving
// which jump ran"). An unavailable image proves nothing either way: it is never "not a direct jump".
import { INDIRECT_MECHANISMS, ONLY_MECHANISMS, type JitMechanism, type JitSymmetry, type Variant } from '../results/cell-result.js';

export function mechanismPhrase(m: JitMechanism | null): string {
  if (m === null) return 'without JIT evidence';
  if (m === 'no-jit') return 'not JITed (the interpreter ran it)';
  if (m === 'image-unavailable') return 'unproven (the kernel withheld the JIT image)';
  if (m === 'unknown') return 'unclassified (no tail-call site recognised)';
  return m;
}

/**
 * Both variants show the one tail call a JIT without a direct jump has (arm64): the comparison is "same
 * mechanism on this architecture", neither a saving nor withheld. Null when that is not the case.
 */
export function sameMechanismText(direct: JitMechanism | null, indirect: JitMechanism | null): string | null {
  if (direct === null || direct !== indirect || !ONLY_MECHANISMS.includes(direct)) return null;
  return `same mechanism on this architecture: its JIT has no direct tail call, so both variants run the same indirect sequence (${direct}: bounds check, counter, load, br)`;
}

/** Does the variant's evidence show the jump its name claims? */
export function mechanismMatches(variant: 'direct' | 'indirect', m: JitMechanism | null): boolean {
  return variant === 'direct' ? m === 'direct-jump' : m !== null && INDIRECT_MECHANISMS.includes(m);
}

/**
 * Why the images do not prove that only the jump differs, naming the differing instructions (program,
 * variant, offset, instruction): the withheld reason of a cell whose JIT proof failed.
 */
export function symmetryProblem(s: JitSymmetry): string | null {
  if (s.verdict === 'identical') return null;
  if (s.verdict === 'unchecked')
    return `the two variants' JIT images could not be compared outside the tail-call sequence: ${s.reason ?? 'no reason given'}`;
  const first = s.differences[0]?.prog;
  const shown = s.differences.filter((x) => x.prog === first);
  const side = (v: Variant): string =>
    shown
      .filter((x) => x.variant === v)
      .slice(0, 8)
      .map((x) => `${x.text} (+0x${x.offset.toString(16)})`)
      .join(', ') || 'nothing';
  return `the variants' JIT images differ outside the tail-call sequence (${s.programsDiffering} of ${s.programs} programs), so indirect − direct is not the jump alone; prog_${first}: only direct has ${side('direct')}; only indirect has ${side('indirect')}`;
}
