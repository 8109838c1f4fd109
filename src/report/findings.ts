// "What this run found": one sentence per figure kind, at the top of every report (HTML, Markdown and
// so the GitHub step summary), so a reader gets the answer before the tables. Each sentence carries its
// unit and kind, and every ratio its interval; nothing here is new analysis, only the summary read out.
import { byKind, KIND_TITLE, summaryKind, UNIT_TEXT } from '../analysis/units.js';
import type { CellSummary, PatchedDifference, Summary } from '../analysis/summary-schema.js';
import { cellUnit, num, pm, savingText, variantCostText } from './format.js';
import { STRATEGY_KIND_TITLE, strategyFinding } from './strategies-format.js';

const ratioText = (c: CellSummary): string => {
  const k = c.comparison!;
  // Exact figures (instruction counts) have an interval of width 0: the ratio alone, marked exact.
  // "7.43 [7.39, 7.46] ×": the interval before the sign, as every ratio in the reports reads.
  if (!k.ratioCi) return `${num(k.ratio!)} × (interval unbounded: the direct slope may be 0; ${c.kernel.id} / ${c.boot.name})`;
  if (num(k.ratioCi[0]) === num(k.ratioCi[1])) return `${num(k.ratio!)} × (exact; ${c.kernel.id} / ${c.boot.name})`;
  return `${num(k.ratio!)} [${num(k.ratioCi[0])}, ${num(k.ratioCi[1])}] × (${c.kernel.id} / ${c.boot.name})`;
};

/** A hardware cell whose cost has a knee in either chain: one slope (and so one ratio) would misstate it. */
const hasKnee = (c: CellSummary) => c.direct?.curve?.model === 'segmented' || c.indirect?.curve?.model === 'segmented';

/** Such a cell read out per regime: each chain's costs around its knee and the saving per regime. */
function curveFinding(c: CellSummary): string {
  const unit = cellUnit(c);
  return (
    `${KIND_TITLE[summaryKind(c)]} on ${c.kernel.id} / ${c.boot.name}: one line does not describe the cost (a knee), so no single ratio is given: ` +
    `direct ${variantCostText(c.direct, unit)}, indirect ${variantCostText(c.indirect, unit)}; the direct jump saves ${savingText(c)}.`
  );
}

const signed = (x: number) => `${x > 0 ? '+' : ''}${num(x)}`;

/** "+6.00 instr/call (exact)", "-0.12 [-0.30, 0.06] ns/call": a difference in its figure's unit, with its interval. */
function differenceText(d: PatchedDifference): string {
  if (d.difference === null || d.differenceCi === null) return `${d.variant}: no single difference (${d.note ?? 'no slope'})`;
  const per = UNIT_TEXT[d.unit].perCall;
  if (num(d.differenceCi[0]) === num(d.differenceCi[1])) return `${d.variant} ${signed(d.difference)} ${per} (exact)`;
  return `${d.variant} ${signed(d.difference)} [${num(d.differenceCi[0])}, ${num(d.differenceCi[1])}] ${per}`;
}

/** The user's kernel against each reference of the same kind, boot and benchmark: one sentence per pair, every figure in it. */
function patchedFindings(diffs: readonly PatchedDifference[]): string[] {
  const pairs = new Map<string, PatchedDifference[]>();
  for (const d of diffs) {
    const k = `${d.patched.key}\0${d.reference.key}`;
    pairs.set(k, [...(pairs.get(k) ?? []), d]);
  }
  return [...pairs.values()].map((ds) => {
    const d = ds[0]!;
    return `${KIND_TITLE[d.figureKind]}: your kernel ${d.patched.kernel} minus reference ${d.reference.kernel} (${d.boot} / ${d.benchmark}): ${ds.map(differenceText).join(', ')} (patched − reference, 95 % intervals in brackets).`;
  });
}

/**
 * One sentence per figure kind with a direct-vs-indirect comparison, plus the retpoline's own price per kind;
 * first, in a run of the user's own kernel with references, the user's kernel minus each reference per figure.
 */
export function findings(s: Summary): string[] {
  const compared = s.cells.filter(
    (c) => c.status === 'ok' && c.comparison !== null && c.comparison !== undefined && c.comparison.ratio !== null,
  );
  const out: string[] = patchedFindings(s.patchedVsReference ?? []);
  out.push(...compared.filter(hasKnee).map(curveFinding));
  for (const [kind, cells] of byKind(compared.filter((c) => !hasKnee(c)))) {
    const sorted = [...cells].sort((a, b) => b.comparison!.ratio! - a.comparison!.ratio!);
    const hi = sorted[0]!;
    const lo = sorted[sorted.length - 1]!;
    const unit = UNIT_TEXT[cellUnit(hi)];
    const range = sorted.length === 1 ? `is ${ratioText(hi)}` : `ranges from ${ratioText(lo)} to ${ratioText(hi)}`;
    const saving =
      sorted.length === 1 ? ` (the direct jump saves ${pm(hi.comparison!.savingNs, hi.comparison!.savingCi)} ${unit.short} per call)` : '';
    out.push(
      `${KIND_TITLE[kind]}: the cost of an indirect tail call over a direct jump ${range}${saving}, over ${cells.length} cell(s) (95 % intervals in brackets).`,
    );
  }
  for (const [kind, prices] of byKind(s.retpolinePrices)) {
    const parts = prices.map((p) => `${pm(p.price, p.priceCi)} ${UNIT_TEXT[p.unit].short} on ${p.kernel.id}`);
    out.push(
      `${KIND_TITLE[kind]}: the retpoline itself adds ${parts.join(', ')} per indirect tail call (${prices[0]!.retpoline.boot} minus ${prices[0]!.plain.boot}).`,
    );
  }
  // Benchmark 3: per cell, its cheapest and dearest transfer (strategy tables below rank them all).
  for (const c of s.cells.filter((x) => x.status === 'ok' && x.strategies)) {
    const f = strategyFinding(c, STRATEGY_KIND_TITLE[summaryKind(c)]);
    if (f) out.push(f);
  }
  const failed = s.cells.filter((c) => c.status !== 'ok' && c.status !== 'skipped').length;
  if (failed > 0) out.push(`${failed} cell(s) failed and are in none of these figures.`);
  if (out.length === 0) out.push('No cell produced a comparison of direct and indirect tail calls.');
  return out;
}
