// What one benchmark type brings to every layer, in one place: the shape each file in this folder fills
// in, modelled on the kernel-source drivers (src/kernels/source.ts). The registry (./registry.ts) is
// typed over the matrix schema's union of benchmarks, so a new type that lacks a driver, or a driver that
// lacks a part, does not compile. Per-layer parsing and analysis stay in their layers; a driver only
// names which of them its type takes.
import type { CellSummary } from '../analysis/summary-schema.js';
import type { Benchmark } from '../matrix/schema.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import type { Timing } from '../measure/timing.js';
import type { CellResult } from '../results/cell-result.js';
import type { Result } from '../util/result.js';

export type BenchmarkType = Benchmark['type'];
export type BenchmarkOf<T extends BenchmarkType> = Extract<Benchmark, { type: T }>;

export interface BenchmarkDriver<T extends BenchmarkType> {
  /**
   * The sweep that really runs under `timing` (instruction counting needs fewer samples for exact
   * figures, src/measure/sweep-params.ts). Idempotent: resolving a resolved benchmark changes nothing.
   */
  underTiming(b: BenchmarkOf<T>, timing: Timing): BenchmarkOf<T>;
  /** The agent's flags for this sweep (bpf/PROTOCOL.md), minus --objdir and --out, which the backend adds. */
  agentArgs(b: BenchmarkOf<T>): string[];
  /** Kernel modules the guest must load before the agent runs. */
  modules: readonly string[];
  /** Host programs copied into the qemu initramfs; an error names what to install. */
  programs(): Promise<Result<string[], string>>;
  /** What the agent should have produced for this sweep and did not: empty when the sweep is complete. */
  missing(b: BenchmarkOf<T>, agent: AgentOutput): string[];
  /** One cell result → its summary (the per-layer analysis in src/analysis/). */
  analyse(c: CellResult): CellSummary;
  /** The middle of a finished ok cell's progress line: its figures with `perCall` as their unit. */
  headline(c: CellResult, perCall: string): string;
}
