// summary.json: the analysed form of a set of cell results. It is the one model every report writer
// renders, what `--baseline` reads back, and a documented, versioned file (schemas/summary.schema.json
// is generated from this by scripts/write-schemas.ts and checked against it by a test).
import { z } from 'zod';
import { accelerator, cellStatus, figureKind, jitMechanism, variant } from '../results/cell-result.js';

/** Bump when a field changes meaning or disappears; adding optional fields keeps the version. */
export const SUMMARY_VERSION = 1;

/** The unit of every figure of a cell (slopes, intercepts, medians, savings): from its figure kind. */
export const figureUnit = z.enum(['instructions', 'ns']).describe('instructions (per tail call / per repetition) or ns');

const interval = z.tuple([z.number(), z.number()]).describe('[low, high] of a 95 % interval');

export const fitSummary = z
  .object({
    n: z.number().int().describe('points fitted (one per depth)'),
    df: z.number().int(),
    slope: z.number().describe("per tail call, in the cell's unit (ns or instructions)"),
    slopeSe: z.number(),
    slopeCi: interval,
    intercept: z.number().describe("at depth 0, in the cell's unit: the fixed cost of one BPF_PROG_TEST_RUN repetition"),
    interceptSe: z.number(),
    r2: z.number(),
    residualSd: z.number(),
  })
  .describe('ordinary least squares of the per-depth figure (median duration; fewest instructions under -icount) against depth');
export type FitSummary = z.infer<typeof fitSummary>;

export const depthPoint = z.object({
  depth: z.number().int(),
  medianNs: z.number().describe("median over the depth's samples, in the cell's unit (instructions for instruction cells, despite the name)"),
  samples: z.number().int().describe('valid samples behind the median'),
});
export type DepthPoint = z.infer<typeof depthPoint>;

export const variantSummary = z.object({
  variant,
  mechanism: jitMechanism.nullable().describe('JIT classification of the tail-call sites; null when the cell has no evidence'),
  mechanismReason: z.string().nullable().optional().describe('why there is no image to read (no-jit, image-unavailable): the sysctl, config or restriction seen'),
  points: z.array(depthPoint),
  fit: fitSummary.nullable().describe('all depths; null with fewer than 3 depths'),
  tailFit: fitSummary.nullable().describe('depths >= 4 only, to expose a chain that is not linear at small depths'),
  invalidSamples: z.number().int().describe('samples whose retval did not equal their depth (excluded)'),
});
export type VariantSummary = z.infer<typeof variantSummary>;

export const comparison = z
  .object({
    unit: figureUnit.optional().describe('unit of savingNs and savingCi (absent in summaries written before units: ns)'),
    savingNs: z.number().describe('indirect slope − direct slope: what the direct jump saves per call, in `unit`'),
    savingCi: interval,
    savingPct: z.number().nullable().describe('saving as a percentage of the indirect cost; null unless the indirect slope is positive'),
    savingPctCi: interval.nullable(),
    ratio: z.number().nullable().describe('indirect slope / direct slope; null when the direct slope is 0'),
    ratioCi: interval.nullable().describe("Fieller interval; null when the direct slope's interval reaches 0"),
  })
  .describe('direct vs indirect within one cell');
export type Comparison = z.infer<typeof comparison>;

export const cellSummary = z.object({
  key: z.string().describe('kernel/boot/benchmark: what a baseline is matched on'),
  cellId: z.string(),
  runId: z.string(),
  kernel: z.object({ id: z.string(), release: z.string().nullable(), source: z.string(), sha256: z.string() }),
  boot: z.object({ name: z.string(), cmdline: z.string() }),
  benchmark: z.object({ name: z.string(), type: z.string() }),
  backend: z.string(),
  accelerator,
  emulated: z.boolean().describe('true: software emulation (TCG): instruction counts, or emulated ns (relative only, not hardware timing)'),
  figureKind: figureKind.optional().describe('what the figures are; absent in summaries written before kinds (timed)'),
  unit: figureUnit.optional().describe("unit of every figure of the cell; absent in older summaries (ns)"),
  icountShift: z.number().int().nullable().optional().describe('QEMU -icount shift for instruction cells (guest ns = instructions × 2^shift)'),
  status: cellStatus,
  message: z.string().nullable(),
  spectreV2: z.string().nullable(),
  cmdline: z.string().nullable().describe('/proc/cmdline seen in the guest'),
  cpuModel: z.string().nullable(),
  bpfJitHarden: z.string().nullable(),
  startedAt: z.string(),
  wallMs: z.number(),
  direct: variantSummary.nullable(),
  indirect: variantSummary.nullable(),
  comparison: comparison.nullable().describe('null when withheld: see withheldReason'),
  withheldReason: z
    .string()
    .nullable()
    .optional()
    .describe('why there is no comparison: the cell failed, a slope is missing, or a variant is not the jump its name says (direct must be direct-jump, indirect an indirect kind)'),
  warnings: z.array(z.string()),
  consoleExcerpt: z.array(z.string()).describe('last console lines, kept for failed cells'),
});
export type CellSummary = z.infer<typeof cellSummary>;

export const retpolinePrice = z
  .object({
    kernel: z.object({ id: z.string(), sha256: z.string() }),
    benchmark: z.string(),
    accelerator,
    figureKind: figureKind.describe('both cells are of this kind: never a difference across kinds'),
    unit: figureUnit,
    retpoline: z.object({ key: z.string(), boot: z.string(), mechanism: jitMechanism, slope: z.number(), slopeCi: interval }),
    plain: z.object({ key: z.string(), boot: z.string(), mechanism: jitMechanism, slope: z.number(), slopeCi: interval }),
    price: z.number().describe('indirect slope through the retpoline − indirect slope with a plain jmp, per tail call, in `unit`'),
    priceCi: interval.describe('Welch interval of that difference'),
  })
  .describe("the retpoline's own price on one kernel: its indirect tail call at a boot that jumps through a retpoline minus at a boot that jumps plainly (the bounds checks cancel)");
export type RetpolinePrice = z.infer<typeof retpolinePrice>;

export const gateSettings = z.object({ thresholdNs: z.number(), thresholdInstructions: z.number().optional(), thresholdPct: z.number() });

export const baselineComparison = z.object({
  key: z.string(),
  variant,
  figureKind: figureKind.optional().describe('the kind both sides share (pairs of different kinds are noted, not judged)'),
  unit: figureUnit.optional().describe('unit of the slopes and of deltaNs'),
  baselineSlope: z.number(),
  baselineCi: interval,
  currentSlope: z.number(),
  currentCi: interval,
  deltaNs: z.number().describe('current − baseline slope, in `unit` (instructions for instruction cells, despite the name)'),
  deltaPct: z.number(),
  regression: z.boolean(),
  note: z.string().nullable().describe('why a pair was not judged (e.g. accelerators differ)'),
});
export type BaselineComparison = z.infer<typeof baselineComparison>;

export const baselineSummary = z.object({
  source: z.string().describe('the baseline as given on the command line'),
  gate: gateSettings,
  comparisons: z.array(baselineComparison),
  regressions: z.number().int(),
  missing: z.array(z.string()).describe('keys in the baseline with no current cell'),
});
export type BaselineSummary = z.infer<typeof baselineSummary>;

export const summary = z.object({
  $schema: z.string().optional(),
  summaryVersion: z.literal(SUMMARY_VERSION),
  tool: z.object({ name: z.literal('tailmatrix'), version: z.string() }),
  runs: z.array(z.string()).describe('run ids merged into this summary'),
  totals: z.object({
    cells: z.number().int(),
    ok: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int().default(0),
    emulated: z.number().int(),
    byKind: z.record(z.string(), z.number().int()).optional().describe('cells per figure kind'),
  }),
  cells: z.array(cellSummary).describe('sorted by benchmark, kernel, boot'),
  notes: z.array(z.string()).default([]).describe('about the runs themselves, e.g. one that was interrupted'),
  retpolinePrices: z.array(retpolinePrice).default([]).describe('per kernel measured with both a retpoline and a plain-indirect boot'),
  baseline: baselineSummary.nullable(),
});
export type Summary = z.infer<typeof summary>;
