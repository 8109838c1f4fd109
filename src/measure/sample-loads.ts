// Which load each sample timed, for streams from agents before samples carried it (bpf/PROTOCOL.md,
// "sample", `load`): replayed from the agent's rule. Every load times every depth of a series with its
// share of the samples, the first loads taking one more where they do not divide (bpf/sweep.c
// load_samples), and a re-taken call belongs to the load of the call that replaces it.
import type { Sample } from '../results/cell-result.js';

/** The samples each load takes at one depth, as bpf/sweep.c load_samples shares them out. */
function shares(samples: number, loads: number): number[] {
  return Array.from({ length: loads }, (_, l) => Math.floor(samples / loads) + (l < samples % loads ? 1 : 0));
}

/**
 * One series' samples (in stream order) with their load: as they are when any carries one, or when the
 * sweep had one load; otherwise replayed from `samples` per depth over `loads`.
 */
export function withLoads(series: readonly Sample[], samples: number, loads: number): Sample[] {
  if (loads < 2 || series.some((s) => s.load !== undefined)) return [...series];
  // Load l at one depth takes the calls from bounds[l] (cumulative shares) on.
  const bounds: number[] = [];
  for (const n of shares(samples, Math.min(loads, samples))) bounds.push((bounds.at(-1) ?? 0) + n);
  const kept = new Map<number, number>();
  const pending = new Map<number, Sample[]>();
  const out = series.map((s) => ({ ...s }));
  for (const s of out) {
    if (s.retaken) {
      pending.set(s.depth, [...(pending.get(s.depth) ?? []), s]);
      continue;
    }
    const k = kept.get(s.depth) ?? 0;
    kept.set(s.depth, k + 1);
    const load = bounds.findIndex((b) => k < b);
    if (load < 0) continue;
    for (const r of [s, ...(pending.get(s.depth) ?? [])]) r.load = load;
    pending.delete(s.depth);
  }
  return out;
}
