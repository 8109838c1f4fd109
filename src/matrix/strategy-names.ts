// Benchmark 3's strategies (bpf/PROTOCOL.md, "Benchmark 3: strategies"), in the agent's order: the alternatives to a
// tail call, each a chain of the same body joined by its own transfer. Free of imports, so that the CLI's option
// definitions (bisect's --metric choices, and so `tailmatrix --help`) read them without loading zod.
export const STRATEGY_NAMES = [
  'tailcall-const',
  'tailcall-dynamic',
  'call-static',
  'call-global',
  'tailcall-subprog',
  'loop',
  'gotox',
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
