// A traffic depth's interval from its sub-windows (bpf/PROTOCOL.md, "Sub-windows"): the agent reads the
// method's counters every few hundred ms within the window, so a depth holds several (packets, ns) pairs,
// not one sum. The depth's figure stays the window's mean per packet (all ns ÷ all packets); its interval
// is that ratio's, with the sub-windows as the units: a sub-window's mean weighs by its packets, so the
// window's partial first and last sub-windows (iperf3 starting, ending) count for what they hold.
import { tCritical } from './stats.js';

/** Sub-windows with packets a depth needs for an interval (one degree of freedom). */
const MIN_SUB_WINDOWS = 2;

/**
 * 95 % Student-t interval (k − 1 degrees of freedom) of ΣY ÷ ΣX over k sub-windows (X packets, Y ns), by
 * the ratio estimator's linearised standard error, √(Σ(Yᵢ − R·Xᵢ)² / (k (k − 1))) ÷ X̄; null with fewer
 * than two sub-windows that saw packets.
 */
export function subWindowInterval(subs: readonly (readonly [number, number])[]): { mean: number; ci: [number, number]; k: number } | null {
  const used = subs.filter(([x]) => x > 0);
  const k = used.length;
  if (k < MIN_SUB_WINDOWS) return null;
  const X = used.reduce((a, [x]) => a + x, 0);
  const Y = used.reduce((a, [, y]) => a + y, 0);
  const mean = Y / X;
  const ss = used.reduce((a, [x, y]) => a + (y - mean * x) ** 2, 0);
  const se = Math.sqrt(ss / (k * (k - 1))) / (X / k);
  const half = tCritical(k - 1) * se;
  return { mean, ci: [mean - half, mean + half], k };
}
