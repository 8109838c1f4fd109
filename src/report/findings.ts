// "What this run found": one sentence per figure kind, at the top of every report (HTML, Markdown and
// so the GitHub step summary), so a reader gets the answer before the tables. Each sentence carries its
// unit and kind, and every ratio its interval; nothing here is new analysis, only the summary read out.
import { byKind, KIND_TITLE, summaryKind, UNIT_TEXT } from '../analysis/units.js';
import type { CellSummary, Summary } from '../analysis/summary-schema.js';
import { cellUnit, num, pm, savingText, variantCostText } from './format.js';

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

/** One sentence per figure kind with a direct-vs-indirect comparison, plus the retpoline's own price per kind. */
export function findings(s: Summary): string[] {
  const compared = s.cells.filter((c) => c.status === 'ok' && c.comparison !== null && c.comparison !== undefined && c.comparison.ratio !== null);
  const out: string[] = compared.filter(hasKnee).map(curveFinding);
  for (const [kind, cells] of byKind(compared.filter((c) => !hasKnee(c)))) {
    const sorted = [...cells].sort((a, b) => b.comparison!.ratio! - a.comparison!.ratio!);
    const hi = sorted[0]!;
    const lo = sorted[sorted.length - 1]!;
    const unit = UNIT_TEXT[cellUnit(hi)];
    const range = sorted.length === 1 ? `is ${ratioText(hi)}` : `ranges from ${ratioText(lo)} to ${ratioText(hi)}`;
    const saving = sorted.length === 1 ? ` (the direct jump saves ${pm(hi.comparison!.savingNs, hi.comparison!.savingCi)} ${unit.short} per call)` : '';
    out.push(`${KIND_TITLE[kind]}: the cost of an indirect tail call over a direct jump ${range}${saving}, over ${cells.length} cell(s) (95 % intervals in brackets).`);
  }
  for (const [kind, prices] of byKind(s.retpolinePrices)) {
    const parts = prices.map((p) => `${pm(p.price, p.priceCi)} ${UNIT_TEXT[p.unit].short} on ${p.kernel.id}`);
    out.push(`${KIND_TITLE[kind]}: the retpoline itself adds ${parts.join(', ')} per indirect tail call (${prices[0]!.retpoline.boot} minus ${prices[0]!.plain.boot}).`);
  }
  const failed = s.cells.filter((c) => c.status !== 'ok' && c.status !== 'skipped').length;
  if (failed > 0) out.push(`${failed} cell(s) failed and are in none of these figures.`);
  if (out.length === 0) out.push('No cell produced a comparison of direct and indirect tail calls.');
  return out;
}
