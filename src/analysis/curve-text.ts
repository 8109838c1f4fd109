// The words every format uses for a hardware curve: a regime's cost, the knee, and the plain sentence
// that says one line does not describe the data. One wording, so Markdown, HTML and JUnit agree.
import type { HardwareCurve, PairedSaving, RegimeCost, RegimeName, RegimeSaving } from './summary-schema.js';

const f2 = (x: number) => x.toFixed(2);
const f1 = (x: number) => x.toFixed(1);
const half = (ci: readonly [number, number]) => (ci[1] - ci[0]) / 2;

const REGIME_LABEL: Record<RegimeName, string> = { all: 'all depths', 'below-knee': 'below the knee', 'above-knee': 'from the knee on' };

/** "below the knee": a regime's name in words. */
export const regimeLabel = (r: RegimeName): string => REGIME_LABEL[r];

const depths = (r: { fromDepth: number; toDepth: number }) => `depths ${r.fromDepth}–${r.toDepth}`;

/** "2.35 ± 0.92 ns/call (depths 0–8)": a regime's cost per tail call, hardware ns. */
function regimeText(r: RegimeCost): string {
  return `${f2(r.slope)} ± ${f2(half(r.slopeCi))} ns/call (${depths(r)})`;
}

/** "knee at depth 9 [95 %: 9–10]". */
function kneeText(c: HardwareCurve): string | null {
  if (!c.knee) return null;
  const [lo, hi] = c.knee.ci;
  return `knee at depth ${c.knee.depth} [95 %: ${lo === hi ? `${lo}` : `${lo}–${hi}`}]`;
}

/**
 * "the loads' own knees: 18 in 15 of 20, 17–24": where the loads of the chains put their knee (the most
 * common depth and the range), so a reader sees a knee that holds in every load from one that moves.
 */
function perLoadText(c: HardwareCurve): string | null {
  const ks = c.knee?.perLoad;
  if (!ks || ks.length < 2) return null;
  const counts = new Map<number, number>();
  for (const k of ks) counts.set(k, (counts.get(k) ?? 0) + 1);
  const [mode, n] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  const lo = ks[0] as number;
  const hi = ks[ks.length - 1] as number;
  return `the loads' own knees: ${mode} in ${n} of ${ks.length}${lo === hi ? '' : `, ${lo}–${hi}`}`;
}

/** "each cost the median over 20 loads of the load's own slope": how the regime costs were estimated, where from the loads. */
function estimateText(c: HardwareCurve): string | null {
  const n = c.regimes.flatMap((r) => (r.estimate === 'loads' && r.loads !== undefined ? [r.loads] : []));
  if (n.length === 0) return null;
  const lo = Math.min(...n);
  const hi = Math.max(...n);
  return `each cost the median over ${lo === hi ? lo : `${lo}–${hi}`} loads of the load's own slope`;
}

/** "step +66.7 ns [60.0 ns, 73.3 ns]": every number with its unit. */
function stepText(c: HardwareCurve): string | null {
  if (!c.step) return null;
  const v = c.step.value;
  return `step ${v >= 0 ? '+' : ''}${f1(v)} ns [${f1(c.step.ci[0])} ns, ${f1(c.step.ci[1])} ns]`;
}

/**
 * A segmented curve's cost, the one wording in three lengths:
 * - `full` (curve sections): "2.35 ± 0.92 ns/call (depths 0–8) · 10.50 ± 0.51 ns/call (depths 9–32); knee at depth 9 [95 %: 9–10]; the loads' own knees: 9 in 8 of 10, 8–10; step +66.7 ns [60.0 ns, 73.3 ns]"
 * - `table` (table cells, findings): "2.35 ± 0.92 ns/call → 10.50 ± 0.51 ns/call (knee at depth 9 [95 %: 9–10])"
 * - `progress` (a cell's progress line): "2.3 → 10.5 ns/call (knee at depth 9)"
 */
export function segmentedCostText(c: HardwareCurve, form: 'full' | 'table' | 'progress', perCall: string = 'ns/call'): string {
  if (form === 'full')
    return [c.regimes.map(regimeText).join(' · '), kneeText(c), perLoadText(c), stepText(c), estimateText(c)].filter(Boolean).join('; ');
  if (form === 'progress') return `${c.regimes.map((r) => r.slope.toFixed(1)).join(' → ')} ${perCall} (knee at depth ${c.knee?.depth})`;
  // An interval of width 0 is shown as the value alone, as every table figure is (report/format.ts pm).
  const pm = (r: RegimeCost) => (r.slopeCi[1] === r.slopeCi[0] ? f2(r.slope) : `${f2(r.slope)} ± ${f2(half(r.slopeCi))}`);
  return `${c.regimes.map((r) => `${pm(r)} ${perCall}`).join(' → ')} (${kneeText(c)})`;
}

/** The headline of a hardware variant: one figure when linear, both regimes with the knee otherwise. */
export function curveHeadline(c: HardwareCurve): string {
  if (c.model === 'linear') return `${regimeText(c.regimes[0] as RegimeCost)}, linear`;
  return segmentedCostText(c, 'full');
}

/** The plain sentence for a curve with a knee: why there is no single slope. */
export function curveSentence(c: HardwareCurve): string {
  const [lo, hi] = c.regimes;
  if (c.model === 'linear' || !lo || !hi) return 'one line describes the data (tested: line against two lines with a knee)';
  return (
    `one line does not describe these data: ${f2(lo.slope)} ns per tail call up to depth ${lo.toDepth}, ` +
    `a ${stepText(c) ?? 'step'} at depth ${c.knee?.depth ?? hi.fromDepth}, then ${f2(hi.slope)} ns per tail call ` +
    `(${[kneeText(c), perLoadText(c), estimateText(c)].filter(Boolean).join('; ')}); no single slope is reported as the cost`
  );
}

/** "below the knee 5.10 ± 1.2 ns (depths 0–3)" for each regime with a saving. */
function savingText(s: RegimeSaving): string {
  return `${f2(s.savingNs)} ± ${f2(half(s.savingCi))} ns (${s.regime === 'all' ? '' : `${REGIME_LABEL[s.regime]}, `}${depths(s)})`;
}

const SAVING_METHOD: Record<PairedSaving['method'], string> = { paired: 'paired', 'paired-loads': 'paired by load', welch: 'welch' };

/** The whole saving of a hardware cell with its method: "paired: … · …". */
export function pairedSavingText(p: PairedSaving): string {
  const parts = p.regimes.map(savingText);
  return `${parts.length > 0 ? parts.join(' · ') : 'no regime with enough depths'} [${SAVING_METHOD[p.method]}]`;
}
