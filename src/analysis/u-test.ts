// The Mann–Whitney U test across replicate slopes (as Google Benchmark's compare.py uses it to tell a
// real change from run-to-run spread), one-sided, exact. The gate asks a single question, "did the
// current figure rise?", so a one-sided test: a speed-up is never a finding. Exact, not the normal
// approximation: replicates are few (a handful of boots per cell), where the approximation is poor, and
// the exact null distribution of the rank sum is cheap to count for them, ties included (midranks).
import { median } from './stats.js';

/** The exact distribution is counted up to this many replicates on both sides together. */
export const U_TEST_MAX_TOTAL = 100;

interface UTest {
  /** Pairs (current, baseline) in which the current value is larger; a tie counts one half. */
  u: number;
  /** P(U ≥ u) when both sides come from one distribution: small when the current values are larger. */
  pValue: number;
  current: number;
  baseline: number;
}

/** Binomial coefficient as a float (exact while it stays below 2^53, far beyond the sizes used here). */
export function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * The smallest p-value the test can give for these sizes: every current value above every baseline
 * value. When it exceeds the significance level, the test cannot decide anything and must not be asked.
 */
export function smallestPValue(current: number, baseline: number): number {
  return 1 / choose(current + baseline, current);
}

/** Ranks 1..N of the pooled values, ties sharing their mean rank, doubled so that they stay integers. */
function doubledMidranks(pooled: readonly number[]): number[] {
  const order = pooled.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(pooled.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    // Ranks i+1 .. j+1 share (i+1 + j+1)/2; doubled: i + j + 2.
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = i + j + 2;
    i = j + 1;
  }
  return ranks;
}

/**
 * One-sided exact Mann–Whitney U test of "current tends to be larger than baseline". Throws on an
 * empty side or more than U_TEST_MAX_TOTAL values (a bug in the caller, which checks both first).
 */
export function uTestGreater(current: readonly number[], baseline: readonly number[]): UTest {
  const n = current.length;
  const total = n + baseline.length;
  if (n === 0 || baseline.length === 0) throw new Error('uTestGreater: both sides need at least one value');
  if (total > U_TEST_MAX_TOTAL) throw new Error(`uTestGreater: at most ${U_TEST_MAX_TOTAL} values, got ${total}`);
  const ranks = doubledMidranks([...current, ...baseline]);
  const observed = ranks.slice(0, n).reduce((a, b) => a + b, 0);
  // ways[k][s]: subsets of k pooled values whose doubled ranks sum to s. Under the null hypothesis every
  // choice of which n values are "current" is equally likely, so P(S ≥ observed) = ways counted / C(N, n).
  const maxSum = 2 * total * n;
  const ways = Array.from({ length: n + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (const r of ranks) {
    for (let k = n; k >= 1; k--) {
      const to = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = maxSum; s >= r; s--) to[s]! += from[s - r]!;
    }
  }
  let atLeast = 0;
  for (let s = observed; s <= maxSum; s++) atLeast += ways[n]![s]!;
  return { u: observed / 2 - (n * (n + 1)) / 2, pValue: atLeast / choose(total, n), current: n, baseline: baseline.length };
}

/** Hodges–Lehmann shift: the median of every current − baseline difference, the estimate that goes with U. */
export function hodgesLehmann(current: readonly number[], baseline: readonly number[]): number {
  const d: number[] = [];
  for (const c of current) for (const b of baseline) d.push(c - b);
  if (d.length === 0) throw new Error('hodgesLehmann: both sides need at least one value');
  return median(d);
}
