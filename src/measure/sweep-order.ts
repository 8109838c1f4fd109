// The order the agent times depths and variants in, replayed from its seed exactly as bpf/sweep.c draws
// it (bpf/PROTOCOL.md, "Order"), so a kept stream can be checked to be the sweep its seed says it was.
import type { Variant } from '../results/cell-result.js';
import type { SweepStep } from './agent-output.types.js';

const MASK64 = (1n << 64n) - 1n;
/** bpf/sweep.c seed_rng: xorshift must not start at 0. */
const ZERO_SEED_STATE = 0x9e3779b97f4a7c15n;
const XORSHIFT_STAR_MULTIPLIER = 2685821657736338717n;

function xorshift64star(seed: number): () => bigint {
  let x = seed === 0 ? ZERO_SEED_STATE : BigInt(seed);
  return () => {
    x ^= x >> 12n;
    x = (x ^ (x << 25n)) & MASK64;
    x ^= x >> 27n;
    return (x * XORSHIFT_STAR_MULTIPLIER) & MASK64;
  };
}

function shuffled<T>(items: readonly T[], next: () => bigint): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Number(next() % BigInt(i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Protocol 2: depths 0..maxDepth shuffled, then at each depth the variants shuffled, all from one
 * generator; with `loads` (--loads) the same draw again for every load, the generator going on.
 * Consecutive samples of one variant at one depth are one block (agent-output.ts), so a load that starts
 * where the last one ended continues its block.
 */
export function interleavedOrder(seed: number, maxDepth: number, variants: readonly Variant[], loads: number = 1): SweepStep[] {
  const next = xorshift64star(seed);
  const steps: SweepStep[] = [];
  for (let load = 0; load < loads; load++) {
    const depths = shuffled(
      Array.from({ length: maxDepth + 1 }, (_, d) => d),
      next,
    );
    for (const depth of depths)
      for (const variant of shuffled(variants, next)) {
        const last = steps[steps.length - 1];
        if (last?.depth !== depth || last.variant !== variant) steps.push({ depth, variant });
      }
  }
  return steps;
}
