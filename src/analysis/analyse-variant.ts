// One variant of one cell: a figure per depth (median; fewest for instruction counts), the full fit and
// the fit over deeper chains.
import type { FigureKind, VariantResult } from '../results/cell-result.js';
import { sampleFigure, UNIT_TEXT, unitOf } from './units.js';
import type { DepthPoint, FitSummary, VariantSummary } from './summary-schema.js';
import { intervalsOverlap, linearFit, median, type LinearFit } from './stats.js';
import { withRobustSlope } from './robust-fit.js';
import { analyseCurve } from './hardware-curve.js';
import { curveSentence } from './curve-text.js';
import { samplesByLoad } from './load-regimes.js';

/** Small chains are not linear on some kernels: the second fit starts here (docs/measurement.md). */
const TAIL_FIT_MIN_DEPTH = 4;

/**
 * Below this R² the depth sweep is too noisy (or too curved) for a straight line to be the whole
 * story; the number is still reported, with a warning. 0.9 is well below what a quiet machine gives
 * (>0.99 under KVM and TCG alike) and above what a broken sweep gives.
 */
export const LOW_R2 = 0.9;

/**
 * Instruction counts have no noise: a chain of identical hops fits a straight line exactly. Below this
 * R² something else ran inside the timed window (an interrupt in most samples at some depth).
 */
const EXACT_R2 = 0.999;

export function toFitSummary(f: LinearFit): FitSummary {
  return {
    n: f.n,
    df: f.df,
    slope: f.slope,
    slopeSe: f.slopeSe,
    slopeCi: [f.slopeCi[0], f.slopeCi[1]],
    intercept: f.intercept,
    interceptSe: f.interceptSe,
    r2: f.r2,
    residualSd: f.residualSd,
  };
}

/**
 * The valid samples' figures by depth, and by load and depth (samples that carry their load):
 * retval == depth proves the chain really made `depth` jumps.
 */
export function samplesByDepth(
  v: Pick<VariantResult, 'samples'>,
  kind: FigureKind,
): { byDepth: Map<number, number[]>; byLoad: Map<number, Map<number, number[]>>; invalid: number } {
  const byDepth = new Map<number, number[]>();
  const valid: { load?: number; depth: number; figure: number }[] = [];
  let invalid = 0;
  for (const s of v.samples) {
    // Anything else timed something else. An instruction cell's sample without its instruction count
    // cannot be given a unit either.
    const figure = sampleFigure(s, kind);
    if (s.retval !== s.depth || figure === undefined) {
      invalid++;
      continue;
    }
    const list = byDepth.get(s.depth) ?? [];
    list.push(figure);
    byDepth.set(s.depth, list);
    valid.push({ ...(s.load !== undefined ? { load: s.load } : {}), depth: s.depth, figure });
  }
  return { byDepth, byLoad: samplesByLoad(valid), invalid };
}

/** Medians rather than all samples: one descheduled call must not tilt a line fitted to 33 depths. */
function depthMedians(v: Pick<VariantResult, 'samples'>, kind: FigureKind): { points: DepthPoint[]; invalid: number } {
  const { byDepth, invalid } = samplesByDepth(v, kind);
  const points = [...byDepth.entries()]
    .sort((a, b) => a[0] - b[0])
    // An instruction count can only be raised by what else lands in the timed window (a timer interrupt
    // on a busy host): its fewest is the chain's own count. Timed samples scatter both ways: the median.
    .map(([depth, ds]) => ({ depth, medianNs: kind === 'instructions' ? Math.min(...ds) : median(ds), samples: ds.length }));
  return { points, invalid };
}

/**
 * The OLS line, twice: as reported, with the slope interval from the heteroscedasticity-robust HC3 error
 * (src/analysis/robust-fit.ts), and classical (one pooled residual variance), for the linearity check.
 */
function fitPoints(points: readonly DepthPoint[]): { fit: FitSummary; classical: LinearFit } | null {
  const xs = points.map((p) => p.depth);
  const ys = points.map((p) => p.medianNs);
  const f = linearFit(xs, ys);
  return f ? { fit: toFitSummary(withRobustSlope(f, xs, ys)), classical: f } : null;
}

const fmt = (x: number) => x.toFixed(2);

/** A depth sweep's figures: per-depth points, the line over all depths and over the deeper ones, the hardware curve. */
type SeriesFigures = Pick<VariantSummary, 'points' | 'fit' | 'tailFit' | 'invalidSamples' | 'curve'>;

/**
 * One depth sweep (a variant of Benchmark 1, a strategy of Benchmark 3) → its figures and the caveats, each
 * warning led by `label`. Samples must already be without the switched-out ones (withoutContaminated).
 */
export function analyseSeries(
  label: string,
  v: Pick<VariantResult, 'samples'>,
  kind: FigureKind,
  shift?: number,
  /** A doubt about the evidence behind the sweep (the JIT classifier's note), said with the fit's caveats. */
  evidenceNote?: string,
): { figures: SeriesFigures; warnings: string[] } {
  const { points, invalid } = depthMedians(v, kind);
  // Only hardware has a curve of its own: instruction counts are exactly linear, emulated ns relative.
  const byDepth = kind === 'hardware-ns' ? samplesByDepth(v, kind) : null;
  const curve = byDepth ? analyseCurve(byDepth.byDepth, byDepth.byLoad) : null;
  // Warnings sit in one list with every other cell's: an emulated figure says so in its unit.
  const unit = `${kind === 'emulated-ns' ? 'emulated ' : ''}${UNIT_TEXT[unitOf(kind)].short}`;
  // Under -icount the raw duration is instructions × 2^shift give or take the guest clocksource's 1 ns
  // rounding; a sample further off timed something that is not instructions (e.g. an idle-clock warp).
  const off =
    kind === 'instructions' && shift !== undefined
      ? v.samples.filter((s) => s.instructions !== undefined && Math.abs(s.durationNs - s.instructions * 2 ** shift) > 1).length
      : 0;
  const full = fitPoints(points);
  const tail = fitPoints(points.filter((p) => p.depth >= TAIL_FIT_MIN_DEPTH));
  const fit = full?.fit ?? null;
  const tailFit = tail?.fit ?? null;
  const warnings: string[] = [];
  if (invalid > 0) {
    warnings.push(
      `${label}: ${invalid} sample(s) returned a retval other than their depth${kind === 'instructions' ? ' or carried no instruction count' : ''} and were left out`,
    );
  }
  if (off > 0) {
    warnings.push(
      `${label}: ${off} sample(s) are more than 1 ns off a whole number of instructions: their timed window held more than instructions`,
    );
  }
  if (!fit) warnings.push(`${label}: fewer than 3 depths with valid samples, no slope`);
  // A bend at small depths is a misfit of the line, which HC3 counts as noise and so would hide: whether
  // the line holds is asked under the line's own (classical) errors.
  // See docs/measurement.md, "From samples to cost per tail call".
  if (full && tail && !intervalsOverlap(full.classical.slopeCi, tail.classical.slopeCi)) {
    const ci = (f: LinearFit) => `[${fmt(f.slopeCi[0])}, ${fmt(f.slopeCi[1])}]`;
    warnings.push(
      `${label}: not linear: slope over depths >= ${TAIL_FIT_MIN_DEPTH} is ${fmt(tail.classical.slope)} ` +
        `${ci(tail.classical)} ${unit}, over all depths ${fmt(full.classical.slope)} ${ci(full.classical)} ${unit} (classical intervals)`,
    );
  }
  if (evidenceNote) warnings.push(`${label}: ${evidenceNote}`);
  if (curve?.model === 'segmented' && curve.knee) {
    warnings.push(`${label}: ${curveSentence(curve)}`);
  }
  if (fit && fit.r2 < LOW_R2) warnings.push(`${label}: poor linear fit (R² ${fit.r2.toFixed(3)})`);
  else if (fit && kind === 'instructions' && fit.r2 < EXACT_R2) {
    warnings.push(`${label}: instruction counts do not fit a straight line exactly (R² ${fit.r2.toFixed(4)} < ${EXACT_R2})`);
  }
  return { figures: { points, fit, tailFit, invalidSamples: invalid, ...(curve ? { curve } : {}) }, warnings };
}

export function analyseVariant(v: VariantResult, kind: FigureKind, shift?: number): { summary: VariantSummary; warnings: string[] } {
  // The classifier's doubts (programs that disagree, a jump into the wrong program) are the reader's too.
  const { figures, warnings } = analyseSeries(v.variant, v, kind, shift, v.jit?.note ? `JIT evidence: ${v.jit.note}` : undefined);
  return {
    summary: {
      variant: v.variant,
      mechanism: v.jit?.mechanism ?? null,
      mechanismReason: v.jit?.reason ?? null,
      points: figures.points,
      fit: figures.fit,
      tailFit: figures.tailFit,
      invalidSamples: figures.invalidSamples,
      ...(figures.curve ? { curve: figures.curve } : {}),
    },
    warnings,
  };
}
