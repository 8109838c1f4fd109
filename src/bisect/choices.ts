// What a user chooses from when bisecting, and its defaults: kept free of imports (but the import-free list
// of strategy names) so that the CLI's option definitions (and so `tailmatrix --help`) read them without
// loading the analysis.
import { STRATEGY_NAMES, type StrategyName } from '../matrix/strategy-names.js';

/** A strategies benchmark's figure: one strategy's cost per transfer. */
type StrategyMetric = `strategy:${StrategyName}`;
const STRATEGY_METRICS: readonly StrategyMetric[] = STRATEGY_NAMES.map((n) => `strategy:${n}` as const);

export const METRICS: readonly ['direct', 'indirect', 'saving', ...StrategyMetric[]] = [
  'direct',
  'indirect',
  'saving',
  ...STRATEGY_METRICS,
];
export type Metric = (typeof METRICS)[number];

export function isMetric(s: string): s is Metric {
  return (METRICS as readonly string[]).includes(s);
}

/** Runs a timed step may take before it is decided on its mean. */
export const DEFAULT_REPEAT_CAP = 5;
