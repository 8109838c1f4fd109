// "What this run found": one sentence per figure kind, at the top of every report (HTML, Markdown and
// so the GitHub step summary), so a reader gets the answer before the tables. Each sentence carries its
// unit and kind, and every ratio its interval; nothing here is new analysis, only the summary read out.
// A range or a price never spans two architectures: with more than one in the run, each sentence is one
// architecture's and names it.
import { archOf, byArch, mixedArches } from '../analysis/arch-groups.js';
import type { Arch } from '../arch/index.js';
import type { FigureKind } from '../results/cell-result.js';
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
function curveFinding(c: CellSummary, mixed: boolean): string {
  const unit = cellUnit(c);
  return (
    `${titleOf(summaryKind(c), archOf(c), mixed)} on ${c.kernel.id} / ${c.boot.name}: one line does not describe the cost (a knee), so no single ratio is given: ` +
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

/** "Exact instruction counts …, arm64" when the run holds several architectures; the kind's title alone otherwise. */
const titleOf = (kind: FigureKind, arch: Arch, mixed: boolean): string => `${KIND_TITLE[kind]}${mixed ? `, ${arch}` : ''}`;

/** Cells, prices or pairs by figure kind, then by architecture within each kind (amd64 first). */
function byKindAndArch<T extends { figureKind?: CellSummary['figureKind']; emulated?: boolean; arch?: Arch }>(
  items: readonly T[],
): [FigureKind, Arch, T[]][] {
  return [...byKind(items)].flatMap(([kind, of]) =>
    [...byArch(of)].map(([arch, ofArch]) => [kind, arch, ofArch] as [typeof kind, Arch, T[]]),
  );
}

/** The user's kernel against each reference of the same kind, boot and benchmark: one sentence per pair, every figure in it. */
function patchedFindings(diffs: readonly PatchedDifference[], mixed: boolean): string[] {
  const pairs = new Map<string, PatchedDifference[]>();
  for (const d of diffs) {
    const k = `${d.patched.key}\0${d.reference.key}`;
    pairs.set(k, [...(pairs.get(k) ?? []), d]);
  }
  return [...pairs.values()].map((ds) => {
    const d = ds[0]!;
    return `${titleOf(d.figureKind, archOf(d), mixed)}: your kernel ${d.patched.kernel} minus reference ${d.reference.kernel} (${d.boot} / ${d.benchmark}): ${ds.map(differenceText).join(', ')} (patched − reference, 95 % intervals in brackets).`;
  });
}

/**
 * Cells whose architecture has no direct tail call (arm64): no ratio to give, but their cost is a finding
 * too; one sentence per kind and architecture, the indirect cost (both variants run it) with its range.
 */
function sameMechanismFindings(cells: readonly CellSummary[], mixed: boolean): string[] {
  const same = cells.filter((c) => c.status === 'ok' && c.sameMechanism && c.indirect?.fit);
  return byKindAndArch(same).map(([kind, arch, of]) => {
    const costs = of.map((c) => `${variantCostText(c.indirect, cellUnit(c))} (${c.kernel.id} / ${c.boot.name})`);
    return `${titleOf(kind, arch, mixed)}: ${arch} has no direct tail call, so both variants run the same indirect sequence: ${costs.join(', ')}, over ${of.length} cell(s); no saving to state.`;
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
  const mixed = mixedArches(s.cells);
  const out: string[] = patchedFindings(s.patchedVsReference ?? [], mixed);
  out.push(...compared.filter(hasKnee).map((c) => curveFinding(c, mixed)));
  for (const [kind, arch, cells] of byKindAndArch(compared.filter((c) => !hasKnee(c)))) {
    const sorted = [...cells].sort((a, b) => b.comparison!.ratio! - a.comparison!.ratio!);
    const hi = sorted[0]!;
    const lo = sorted[sorted.length - 1]!;
    const unit = UNIT_TEXT[cellUnit(hi)];
    const range = sorted.length === 1 ? `is ${ratioText(hi)}` : `ranges from ${ratioText(lo)} to ${ratioText(hi)}`;
    const saving =
      sorted.length === 1 ? ` (the direct jump saves ${pm(hi.comparison!.savingNs, hi.comparison!.savingCi)} ${unit.short} per call)` : '';
    out.push(
      `${titleOf(kind, arch, mixed)}: the cost of an indirect tail call over a direct jump ${range}${saving}, over ${cells.length} cell(s) (95 % intervals in brackets).`,
    );
  }
  out.push(...sameMechanismFindings(s.cells, mixed));
  for (const [kind, arch, prices] of byKindAndArch(s.retpolinePrices)) {
    const parts = prices.map((p) => `${pm(p.price, p.priceCi)} ${UNIT_TEXT[p.unit].short} on ${p.kernel.id}`);
    out.push(
      `${titleOf(kind, arch, mixed)}: the retpoline itself adds ${parts.join(', ')} per indirect tail call (${prices[0]!.retpoline.boot} minus ${prices[0]!.plain.boot}).`,
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
