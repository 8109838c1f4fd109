// One cell result → its summary: both variants, their comparison, and every caveat as a warning.
import { figureKindOf, type CellResult, type Contamination, type VariantResult } from '../results/cell-result.js';
import { countContamination, sumContamination, withoutContaminated } from '../results/contamination.js';
import type { CellSummary, Comparison, FitSummary, VariantSummary } from './summary-schema.js';
import { analyseVariant } from './analyse-variant.js';
import { hardwareSaving } from './hardware-saving.js';
import { loadShiftWarning, withoutShiftedLoads } from './load-states.js';
import { mechanismMatches, mechanismPhrase, sameMechanismText, symmetryProblem } from './mechanism-text.js';
import { difference, ratio, type Estimate } from './stats.js';
import { unitOf, type FigureUnit } from './units.js';

/** Console lines kept in the summary for a failed cell: enough for the panic and its cause. */
const CONSOLE_EXCERPT_LINES = 25;

/** kernel/boot/benchmark: a cell's key in the summary, and the gate's match between runs. */
export function cellKey(c: { kernel: { id: string }; boot: { name: string }; benchmark: { name: string } }): string {
  return `${c.kernel.id}/${c.boot.name}/${c.benchmark.name}`;
}

export const estimate = (f: FitSummary): Estimate => ({ value: f.slope, se: f.slopeSe, df: f.df });

export function compareVariants(direct: FitSummary, indirect: FitSummary, unit: FigureUnit): Comparison {
  const d = difference(estimate(direct), estimate(indirect));
  const r = ratio(estimate(indirect), estimate(direct));
  // saving % = 100·(1 − direct/indirect) = 100·(1 − 1/ratio): monotone in the ratio, so its interval
  // maps through; only meaningful while the ratio's interval stays positive.
  const pct = (x: number) => 100 * (1 - 1 / x);
  const pctCi = r.ci && r.ci[0] > 0 ? ([pct(r.ci[0]), pct(r.ci[1])] as [number, number]) : null;
  return {
    unit,
    savingNs: d.value,
    savingCi: [d.ci[0], d.ci[1]],
    // A noisy emulated sweep can fit a slope of 0 or below: no share or ratio of that is meaningful,
    // and JSON has no Infinity to carry one.
    savingPct: indirect.slope > 0 ? (100 * d.value) / indirect.slope : null,
    savingPctCi: indirect.slope > 0 ? pctCi : null,
    ratio: Number.isFinite(r.value) ? r.value : null,
    ratioCi: Number.isFinite(r.value) && r.ci ? [r.ci[0], r.ci[1]] : null,
  };
}

/** Each variant's figure is what its name says only when the JIT evidence shows that jump. */
function mechanismWarning(v: VariantSummary): string | null {
  if (mechanismMatches(v.variant, v.mechanism)) return null;
  const m = v.mechanism;
  const why = v.mechanismReason ? `: ${v.mechanismReason}` : '';
  if (m === 'no-jit') return `${v.variant}: no JIT${why}; this number is the interpreter's tail call, not a JITed one`;
  if (m === 'image-unavailable') return `${v.variant}: which jump ran is unproven, the JIT image is unavailable${why}`;
  const a = v.variant === 'direct' ? 'a direct' : 'an indirect';
  return `${v.variant}: the JIT evidence does not show ${a} jump (${mechanismPhrase(m)}): this number is not the cost of ${a} tail call`;
}

/**
 * Why a cell's direct-vs-indirect comparison is withheld, or null when it stands: a failed cell shows
 * no saving, and a saving is only the direct jump's when direct is proven direct, indirect indirect, and
 * (where the cell carries the proof) the two images are the same outside the tail-call sequence.
 * Cells written before the proof existed carry none and are judged on the mechanisms alone.
 */
function withheldReason(
  status: CellResult['status'],
  direct: VariantSummary | null,
  indirect: VariantSummary | null,
  symmetry?: CellResult['jitSymmetry'],
): string | null {
  if (status === 'skipped') return 'the cell was skipped';
  if (status !== 'ok') return `the cell did not finish (${status})`;
  if (!direct?.fit || !indirect?.fit)
    return `no slope for ${[direct?.fit ? null : 'direct', indirect?.fit ? null : 'indirect'].filter(Boolean).join(' and ')}`;
  if (!mechanismMatches('direct', direct.mechanism)) return `direct is ${mechanismPhrase(direct.mechanism)}, not a proven direct jump`;
  if (!mechanismMatches('indirect', indirect.mechanism))
    return `indirect is ${mechanismPhrase(indirect.mechanism)}, not a proven indirect jump`;
  return symmetry ? symmetryProblem(symmetry) : null;
}

/**
 * What the reader must know about switched-out calls: those kept once the re-takes ran out are left out,
 * and a depth they emptied has no figure at all. Re-taken ones were replaced: counted, not warned about.
 */
function contaminationWarnings(v: VariantResult, counts: Contamination | undefined, retakes: number | undefined): string[] {
  if (!counts || counts.keptContaminated === 0) return [];
  const kept = v.samples.filter((s) => s.contaminated && !s.retaken);
  const depths = [...new Set(kept.map((s) => s.depth))].sort((a, b) => a - b);
  const emptied = depths.filter((d) => !v.samples.some((s) => s.depth === d && !s.contaminated));
  return [
    `${v.variant}: ${counts.keptContaminated} sample(s) were switched out during their timed window${retakes !== undefined ? ` after ${retakes} re-take(s) at their depth` : ''} ` +
      `(depth ${depths.join(', ')}): left out${emptied.length > 0 ? `; no clean sample left at depth ${emptied.join(', ')}` : ''}`,
  ];
}

/** A timed sweep that did not get its CPU to itself says so (instruction counts do not mind). */
/**
 * The other CPUs' busy share over the sweep from which a hardware cell says so: other work on the
 * machine moved the direct chain's knee from depth 18 to 9–11 on the development host
 * (docs/measurement.md, "What else the machine did").
 */
const OTHERS_BUSY_PCT = 25;
/** The measuring CPU's steal share from which the cell says so: a hypervisor's time inside the windows. */
const STEAL_PCT = 1;

function isolationWarnings(c: CellResult): string[] {
  const i = c.isolation;
  if (!i || figureKindOf(c) === 'instructions') return [];
  const out: string[] = [];
  if (!i.pinned) out.push(`the sweep was not pinned to one CPU${i.pinError ? ` (${i.pinError})` : ''}`);
  if (i.policy !== 'fifo')
    out.push(`the sweep ran without real-time priority${i.policyError ? ` (${i.policyError})` : ''}: normal tasks could preempt it`);
  const busy = i.load?.othersBusyPct;
  if (busy != null && busy >= OTHERS_BUSY_PCT)
    out.push(
      `the machine's other CPUs were ${busy.toFixed(0)} % busy during the sweep: other work on the machine can move a hardware curve (its knee, its regimes); measure on an idle machine`,
    );
  const steal = i.load?.stealPct;
  if (steal != null && steal >= STEAL_PCT)
    out.push(`the hypervisor took ${steal.toFixed(1)} % of the measuring CPU's time during the sweep (steal): the timings include it`);
  return out;
}

export function analyseCell(result: CellResult): CellSummary {
  const kind = figureKindOf(result);
  // Counted on everything the agent wrote; analysed without the loads the machine changed under.
  const { cell: c, check: loadCheck } = withoutShiftedLoads(result);
  const warnings: string[] = [...loadShiftWarning(loadCheck)];
  let direct: VariantSummary | null = null;
  let indirect: VariantSummary | null = null;
  for (const v of c.variants) {
    const counts = v.contamination ?? countContamination(result.variants.find((r) => r.variant === v.variant)?.samples ?? v.samples);
    const a = analyseVariant(withoutContaminated(v), kind, c.icountShift);
    warnings.push(...contaminationWarnings(v, counts, c.isolation?.retakes), ...a.warnings);
    const summary = counts ? { ...a.summary, contamination: counts } : a.summary;
    if (v.variant === 'direct') direct = summary;
    else indirect = summary;
  }
  warnings.push(...isolationWarnings(c));
  const contamination = sumContamination([direct?.contamination, indirect?.contamination]);
  // Where the architecture has one mechanism for both, the direct variant's is not a fault: the comparison says so.
  const oneMechanism = sameMechanismText(direct?.mechanism ?? null, indirect?.mechanism ?? null) !== null;
  for (const v of [direct, indirect]) {
    const w = v && !oneMechanism ? mechanismWarning(v) : null;
    if (w) warnings.push(w);
  }
  // "" is no such sysctl (a kernel without a JIT): nothing to blind, said by the no-jit state instead.
  const harden = c.fingerprint?.bpfJitHarden.trim() ?? '0';
  if (harden !== '0' && harden !== '') {
    warnings.push(`net.core.bpf_jit_harden=${harden}: constant blinding forces the indirect path`);
  }
  // An instruction count is exact whatever runs beside it; a timing is not (shared cores and caches).
  if (kind !== 'instructions' && (c.concurrentCells ?? 1) > 1) {
    warnings.push(
      `timed while ${c.concurrentCells! - 1} other cell(s) ran on this host: their load is in these timings (run with the default parallelism, one timed cell at a time)`,
    );
  }
  // arm64: no direct tail call to compare with; said as such, not as a saving nor as withheld.
  const same = c.status === 'ok' ? sameMechanismText(direct?.mechanism ?? null, indirect?.mechanism ?? null) : null;
  const withheld = same !== null ? null : withheldReason(c.status, direct, indirect, c.jitSymmetry);
  const comparison =
    same === null && withheld === null && direct?.fit && indirect?.fit ? compareVariants(direct.fit, indirect.fit, unitOf(kind)) : null;
  const paired = comparison ? hardwareSaving(c, kind, direct, indirect) : null;
  const failed = c.status !== 'ok';
  return {
    key: cellKey(c),
    cellId: c.cellId,
    runId: c.runId,
    kernel: {
      id: c.kernel.id,
      release: c.fingerprint?.release ?? c.kernel.release ?? null,
      source: c.kernel.source,
      sha256: c.kernel.sha256,
    },
    // Cells written before the architecture was recorded ran amd64 guests (or the amd64 host).
    arch: c.kernel.arch ?? 'amd64',
    boot: { name: c.boot.name, cmdline: c.boot.cmdline },
    benchmark: { name: c.benchmark.name, type: c.benchmark.type },
    backend: c.backend,
    accelerator: c.accelerator,
    emulated: c.emulated,
    figureKind: kind,
    unit: unitOf(kind),
    icountShift: c.icountShift ?? null,
    status: c.status,
    message: c.message ?? null,
    spectreV2: c.fingerprint?.spectreV2.trim() ?? null,
    cmdline: c.fingerprint?.cmdline.trim() ?? null,
    cpuModel: c.fingerprint?.cpuModel ?? null,
    bpfJitHarden: c.fingerprint?.bpfJitHarden.trim() ?? null,
    startedAt: c.startedAt,
    wallMs: c.wallMs,
    direct,
    indirect,
    comparison,
    ...(paired ? { pairedSaving: paired } : {}),
    withheldReason: withheld,
    ...(same !== null ? { sameMechanism: same } : {}),
    ...(contamination ? { contamination } : {}),
    ...(c.isolation ? { isolation: c.isolation } : {}),
    ...(loadCheck ? { loadCheck } : {}),
    ...(c.jitSymmetry ? { jitSymmetry: c.jitSymmetry } : {}),
    warnings,
    consoleExcerpt: failed ? c.consoleTail.slice(-CONSOLE_EXCERPT_LINES) : [],
  };
}
