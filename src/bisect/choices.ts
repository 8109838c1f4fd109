// What a user chooses from when bisecting, and its defaults: kept free of imports so that the CLI's
// option definitions (and so `tailmatrix --help`) read them without loading the analysis.
export const METRICS = ['direct', 'indirect', 'saving'] as const;
export type Metric = (typeof METRICS)[number];

export function isMetric(s: string): s is Metric {
  return (METRICS as readonly string[]).includes(s);
}

/** Runs a timed step may take before it is decided on its mean. */
export const DEFAULT_REPEAT_CAP = 5;
