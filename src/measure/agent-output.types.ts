import type { Fingerprint, Isolation, StrategyResult, Variant, VariantOrder, VariantResult } from '../results/cell-result.js';

/** One variant timed at one depth. */
export interface SweepStep {
  depth: number;
  variant: Variant;
}

/** What the host makes of the agent's JSON-lines stream (see bpf/PROTOCOL.md). */
export interface AgentOutput {
  /**
   * From the `hello` record: the seed of the depth and variant orders, how the variants were ordered, and
   * how many loads of the chains the sweep was repeated over (absent before --loads: one; bpf/PROTOCOL.md, "Order").
   */
  sweep?: { seed: number; order: VariantOrder; loads?: number };
  /** From the `isolation` record (protocol 3): the sweep's pinning and priority, or why it got neither. */
  isolation?: Isolation;
  /** Present once the agent reported it. `config` may be empty when the guest has no /proc/config.gz. */
  fingerprint?: Fingerprint;
  /** One per variant the agent ran, samples and classified JIT evidence included. */
  variants: VariantResult[];
  /** Benchmark 3 (bpf/PROTOCOL.md, "Benchmark 3: strategies"): every strategy reported, its samples and proof. */
  strategies?: StrategyResult[];
  /** `error` records from the agent, as "stage: message". */
  errors: string[];
  /** True when the stream ended with the `end` record (a truncated stream is not complete). */
  complete: boolean;
  /** Lines that were not valid records (kept for diagnosis, never guessed at). */
  garbage: string[];
  /**
   * The order samples came in: one entry per run of consecutive samples of one variant at one depth
   * (bpf/PROTOCOL.md, "Order"), so the order can be checked against the seed (src/measure/sweep-order.ts).
   */
  blocks: SweepStep[];
  /** The stream exactly as received, garbage included: kept gzipped beside the cell (src/results/layout.ts). */
  stream: string;
}
