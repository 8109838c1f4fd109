// The depths each regime's figure may use, given the knees of the curves it spans: below every knee and
// from every knee on. The paired saving (one cell, its two variants' knees) and the gate (one variant,
// its knee in every baseline replicate) both read a regime's depths this way; only how many depths they
// leave out beside the knees differs.

/** Inclusive depth bounds of the two regimes. */
interface RegimeDepths {
  below: [number, number];
  above: [number, number];
}

/**
 * Below the shallowest knee and from the deepest on, over depths `lo`..`hi`, leaving out `guard` more
 * depths on each side: the depth just before a knee and the knee itself can be bimodal (their samples
 * split between the regimes), so a figure that must not mix regimes (the gate's) leaves them out.
 * Depths between the knees mix regimes and belong to neither.
 */
export function regimeDepths(knees: readonly number[], lo: number, hi: number, guard: number = 0): RegimeDepths {
  return {
    below: [lo, Math.min(...knees) - 1 - guard],
    above: [Math.max(...knees) + guard, hi],
  };
}
