import type { Fingerprint, VariantResult } from '../results/cell-result.js';

/** What the host makes of the agent's JSON-lines stream (see bpf/PROTOCOL.md). */
export interface AgentOutput {
  /** Present once the agent reported it. `config` may be empty when the guest has no /proc/config.gz. */
  fingerprint?: Fingerprint;
  /** One per variant the agent ran, samples and classified JIT evidence included. */
  variants: VariantResult[];
  /** `error` records from the agent, as "stage: message". */
  errors: string[];
  /** True when the stream ended with the `end` record (a truncated stream is not complete). */
  complete: boolean;
  /** Lines that were not valid records (kept for diagnosis, never guessed at). */
  garbage: string[];
}
