// summary.json: the analysed form of a set of cell results. It is the one model every report writer
// renders, what `--baseline` reads back, and a documented, versioned file (schemas/summary.schema.json
// is generated from this by scripts/write-schemas.ts and checked against it by a test).
import { z } from 'zod';
import { ARCHES } from '../arch/index.js';
import {
  accelerator,
  cellStatus,
  contamination,
  figureKind,
  isolation,
  jitMechanism,
  jitSymmetry,
  strategyProof,
  variant,
} from '../results/cell-result.js';
import { strategyName, trafficMethod } from '../matrix/schema.js';

/** Bump when a field changes meaning or disappears; adding optional fields keeps the version. */
export const SUMMARY_VERSION = 1;

/** The unit of every figure of a cell (slopes, intercepts, medians, savings): from its figure kind. */
/** A guest's (or the host's, for native cells) architecture; absent in summaries written before it: amd64. */
const arch = z.enum(ARCHES).describe("the kernel's architecture; absent in summaries written before it existed (amd64)");

const figureUnit = z.enum(['instructions', 'ns']).describe('instructions (per tail call / per repetition) or ns');

const interval = z.tuple([z.number(), z.number()]).describe('[low, high] of a 95 % interval');

const fitSummary = z
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

const depthPoint = z.object({
  depth: z.number().int(),
  medianNs: z
    .number()
    .describe("median over the depth's samples, in the cell's unit (instructions for instruction cells, despite the name)"),
  samples: z.number().int().describe('valid samples behind the median'),
});
export type DepthPoint = z.infer<typeof depthPoint>;

const profilePoint = z.object({
  depth: z.number().int(),
  estimate: z.number().describe("test-run: median of the depth's samples; traffic: the window's mean per packet; ns (hardware)"),
  ci: interval
    .nullable()
    .describe(
      'test-run: order-statistic 95 % interval of that median ([min, max] with fewer than 6 samples); traffic: null (the window records no per-packet spread)',
    ),
  samples: z.number().int().describe('test-run: samples at the depth; traffic: packets in the window'),
});
export type ProfilePoint = z.infer<typeof profilePoint>;

/** Which stretch of depths a regime figure describes. */
const regimeName = z.enum(['all', 'below-knee', 'above-knee']);
export type RegimeName = z.infer<typeof regimeName>;

const regimeCost = z.object({
  regime: regimeName.describe('all: the data are one line; below-knee / above-knee: the two segments of a curve with a knee'),
  fromDepth: z.number().int(),
  toDepth: z.number().int(),
  n: z.number().int().describe('depths in the regime'),
  slope: z.number().describe('ns per tail call within the regime (hardware)'),
  intercept: z.number().describe("the regime's line at depth 0, ns (for drawing it; below the knee: the fixed cost of a repetition)"),
  slopeSe: z.number(),
  slopeCi: interval,
  df: z.number().int(),
  estimate: z
    .enum(['profile', 'loads'])
    .optional()
    .describe(
      "profile: OLS over the per-depth medians, HC3 interval; loads (Benchmarks 1 and 3 with ≥ 5 loads): the median over loads of each load's slope over the regime's depths on its side of the load's own knee, bootstrap interval over loads (slopeSe: SD of the bootstrap medians, df: loads − 1); absent: profile (older summaries, one line)",
    ),
  loads: z.number().int().optional().describe('estimate loads: the loads behind the median'),
});
export type RegimeCost = z.infer<typeof regimeCost>;

const hardwareCurve = z
  .object({
    profile: z.array(profilePoint),
    model: z
      .enum(['linear', 'segmented'])
      .describe('linear: one line describes the data (tested); segmented: two lines with a step at the knee'),
    linearity: z.object({
      method: z.literal('bic').describe('Bayesian information criterion, line (2 parameters) against two lines with a searched knee (5)'),
      lineBic: z.number(),
      segmentedBic: z.number().nullable().describe('null with too few depths for two segments'),
      margin: z.number().describe('segmented wins only when its BIC is lower by at least this'),
    }),
    knee: z
      .object({
        depth: z.number().int().describe('first depth of the upper regime (least squares over candidate depths)'),
        ci: interval.describe(
          "2.5th–97.5th percentile of the knee over bootstrap resamples of each depth's samples (traffic: of each segment's residuals)",
        ),
        bootstrap: z.number().int().describe('bootstrap resamples behind ci'),
        perLoad: z
          .array(z.number().int())
          .optional()
          .describe(
            "Benchmark 1 and 3 with several loads (--loads): each load's own knee (the same search over that load's per-depth medians), ascending; absent with one load and in older summaries",
          ),
      })
      .nullable(),
    step: z.object({ value: z.number().describe('upper line − lower line at the knee, ns'), ci: interval }).nullable(),
    regimes: z.array(regimeCost).describe('one (all) when linear, two when segmented: the headline figures of a hardware cell'),
  })
  .describe('hardware-ns cells only: the cost curve the CPU has (docs/measurement.md, "The curve the hardware has")');
export type HardwareCurve = z.infer<typeof hardwareCurve>;

const variantSummary = z.object({
  variant,
  mechanism: jitMechanism.nullable().describe('JIT classification of the tail-call sites; null when the cell has no evidence'),
  mechanismReason: z
    .string()
    .nullable()
    .optional()
    .describe('why there is no image to read (no-jit, image-unavailable): the sysctl, config or restriction seen'),
  points: z.array(depthPoint),
  fit: fitSummary.nullable().describe('all depths; null with fewer than 3 depths'),
  tailFit: fitSummary.nullable().describe('depths >= 4 only, to expose a chain that is not linear at small depths'),
  invalidSamples: z.number().int().describe('samples whose retval did not equal their depth (excluded)'),
  curve: hardwareCurve
    .optional()
    .describe('hardware-ns cells: per-depth profile and regimes; absent for exact/emulated cells and older summaries'),
  contamination: contamination
    .optional()
    .describe('timed calls the thread was switched out of (excluded); absent for cells written before the check'),
});
export type VariantSummary = z.infer<typeof variantSummary>;

const comparison = z
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

const regimeSaving = z.object({
  regime: regimeName.describe('all: both variants linear; below-knee: depths below both knees; above-knee: depths from both knees on'),
  fromDepth: z.number().int(),
  toDepth: z.number().int(),
  n: z.number().int().describe('depths behind the figure'),
  savingNs: z.number().describe('indirect − direct per tail call within the regime, ns (hardware)'),
  savingCi: interval,
  df: z.number(),
  loads: z.number().int().optional().describe('paired-loads: the loads behind the figure (with a slope in both variants)'),
});
export type RegimeSaving = z.infer<typeof regimeSaving>;

const pairedSaving = z
  .object({
    method: z
      .enum(['paired', 'paired-loads', 'welch'])
      .describe(
        "paired: slope of the per-depth paired differences (variants interleaved per depth); paired-loads: the difference of the two variants' regime costs from their loads, its interval from resampling the loads with both variants together (regime costs from the loads); welch: difference of the two slopes, when pairing is impossible",
      ),
    reason: z.string().describe('why this method'),
    regimes: z.array(regimeSaving),
    notes: z.array(z.string()).describe('regimes with no figure and why (e.g. too few depths below both knees)'),
  })
  .describe('hardware-ns cells: what the direct jump saves per tail call, per regime');
export type PairedSaving = z.infer<typeof pairedSaving>;

const trafficPoint = z.object({
  depth: z.number().int(),
  perPacket: z.number().nullable().describe("the method's cost per packet at this depth, in the cell's unit; null when it saw no packet"),
  perPacketCi: interval
    .nullable()
    .optional()
    .describe(
      "95 % t interval of perPacket from the window's sub-windows (ratio estimator, sub-windows as units); null with fewer than 2 sub-windows with packets, absent for streams without sub-windows",
    ),
  packets: z.number().int().describe('packets the method counted in the window (bpf_stats run_cnt, or probe invocations)'),
  iperfPackets: z
    .number()
    .int()
    .nullable()
    .describe('packets iperf3 itself counted (UDP only; null for TCP, whose iperf3 report has no packet count)'),
  packetsOffPct: z.number().nullable().describe('100 × (packets − iperfPackets) / iperfPackets; null without an iperf3 count'),
  bitsPerSecond: z.number().describe("iperf3's throughput in the window (guest clock: emulated under TCG)"),
  chainDepthSeen: z
    .number()
    .int()
    .nullable()
    .describe('the depth the chain was seen to reach under traffic; null when the kernel gave no way to see it'),
});
export type TrafficPoint = z.infer<typeof trafficPoint>;

const trafficVariant = z.object({
  variant,
  mechanism: jitMechanism.nullable().describe('JIT classification of the tail-call sites; null without evidence'),
  points: z.array(trafficPoint),
  fit: fitSummary
    .nullable()
    .describe(
      "cost per packet against depth: slope = cost per tail call under traffic, intercept = the hook's fixed cost per packet; null with fewer than 3 depths",
    ),
  meanBitsPerSecond: z.number().nullable(),
  curve: hardwareCurve
    .optional()
    .describe('hardware-ns cells: per-depth profile, linearity test and per-regime costs under traffic, as for test-run'),
});
export type TrafficVariant = z.infer<typeof trafficVariant>;

const trafficAgreement = z
  .object({
    variant,
    testRunCellId: z.string().describe('the Benchmark 1 cell of the same run, kernel and boot'),
    testRunSlope: z.number(),
    ratio: z.number().nullable().describe('traffic slope / Benchmark 1 slope; null when the latter is 0'),
    ratioCi: interval.nullable().describe("Fieller interval; null when Benchmark 1's slope interval reaches 0"),
    agrees: z.boolean().nullable().describe('false when 1 lies outside ratioCi; null without an interval'),
    regime: z
      .object({
        regime: regimeName.describe(
          "Benchmark 1's regime; when Benchmark 1 is one tested line and the traffic curve has a knee, the traffic's regime compared with that line",
        ),
        fromDepth: z.number().int().describe('first depth of that regime'),
        toDepth: z.number().int().describe('last depth of that regime'),
        traffic: z
          .object({
            source: z
              .enum(['fit', 'regime'])
              .describe(
                "fit: OLS of the traffic depths inside the regime (one side of the traffic's own knee); regime: the traffic curve's own regime, which nearly coincides with it",
              ),
            fromDepth: z.number().int(),
            toDepth: z.number().int(),
            n: z.number().int().describe('traffic depths behind the slope'),
            slope: z.number().describe('traffic cost per tail call there, ns (hardware)'),
            slopeCi: interval,
          })
          .nullable()
          .describe('null when the regime cannot be compared (notCompared says why)'),
        notCompared: z
          .string()
          .nullable()
          .describe('why this regime has no comparison (too few traffic depths inside); null when compared'),
      })
      .optional()
      .describe(
        "hardware-ns cells where either curve has a knee: one agreement per regime, testRunSlope being the regime's; absent where both are one line (the single slopes compared) and in older summaries",
      ),
  })
  .describe('the cost per tail call under traffic against Benchmark 1 (BPF_PROG_TEST_RUN) of the same kernel and boot');
export type TrafficAgreement = z.infer<typeof trafficAgreement>;

const trafficMethodSummary = z.object({
  method: trafficMethod,
  attach: z.string().nullable().describe('kprobe only: where the probe pair sat (fexit:… or kretprobe:…)'),
  variants: z.array(trafficVariant),
  comparison: comparison.nullable().describe('direct vs indirect slope under traffic, by this method'),
  regimeSaving: pairedSaving
    .optional()
    .describe('hardware-ns cells: the saving per regime (Welch: the variants run one after the other, never paired per depth)'),
  agreement: z.array(trafficAgreement).default([]),
});
export type TrafficMethodSummary = z.infer<typeof trafficMethodSummary>;

const trafficSummary = z
  .object({
    protocol: z.enum(['tcp', 'udp']),
    durationMs: z.number().describe('mean window per depth'),
    methods: z.array(trafficMethodSummary),
  })
  .describe('Benchmark 2: the chain on tc ingress under iperf3 traffic (docs/measurement.md, "Benchmark 2: under traffic")');
export type TrafficSummary = z.infer<typeof trafficSummary>;

const strategySummary = z
  .object({
    strategy: strategyName,
    status: z.enum(['ready', 'unsupported']).describe('unsupported: the kernel lacks it or the verifier refused it (never a failed cell)'),
    reason: z.string().nullable().describe('why it is unsupported; null when ready'),
    maxDepth: z.number().int().describe("the deepest depth swept (the strategy's own limit or params.maxDepth)"),
    limit: z.string().describe('which limit bounds its depth'),
    needs: z.string().describe('the first release with the strategy on x86-64'),
    mechanism: z.string().nullable().describe('the transfer proven from the JIT images (proof.mechanism); null without a proof'),
    proof: strategyProof.nullable(),
    points: z.array(depthPoint),
    fit: fitSummary.nullable().describe("cost per transfer against depth, in the cell's unit; null with fewer than 3 depths"),
    tailFit: fitSummary.nullable(),
    invalidSamples: z.number().int(),
    curve: hardwareCurve.optional().describe('hardware-ns cells only'),
    contamination: contamination.optional(),
    wholeNumber: z
      .boolean()
      .nullable()
      .describe(
        'instruction cells: whether the cost per transfer is a whole number of instructions, every depth on the line; null otherwise',
      ),
  })
  .describe('Benchmark 3: one strategy of a strategies cell (docs/measurement.md, "Benchmark 3: strategies")');
export type StrategySummary = z.infer<typeof strategySummary>;

const cellSummary = z.object({
  key: z
    .string()
    .describe(
      'kernel/boot/benchmark, unique in the summary: `@<run>` added when several runs hold it, `#r<i>` when several replicates of one run do',
    ),
  cellId: z.string(),
  runId: z.string(),
  replicate: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('0-based replicate index (run --replicates N); absent for cells written before replicates'),
  kernel: z.object({ id: z.string(), release: z.string().nullable(), source: z.string(), sha256: z.string() }),
  arch: arch.optional(),
  boot: z.object({ name: z.string(), cmdline: z.string() }),
  benchmark: z.object({ name: z.string(), type: z.string() }),
  backend: z.string(),
  accelerator,
  emulated: z.boolean().describe('true: software emulation (TCG): instruction counts, or emulated ns (relative only, not hardware timing)'),
  figureKind: figureKind.optional().describe('what the figures are; absent in summaries written before kinds (timed)'),
  unit: figureUnit.optional().describe('unit of every figure of the cell; absent in older summaries (ns)'),
  icountShift: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe('QEMU -icount shift for instruction cells (guest ns = instructions × 2^shift)'),
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
    .describe(
      'why there is no comparison: the cell failed, a slope is missing, a variant is not the jump its name says (direct must be direct-jump, indirect an indirect kind), or the JIT images differ outside the tail-call sequence',
    ),
  sameMechanism: z
    .string()
    .optional()
    .describe(
      'set when both variants run the one tail call of a JIT without a direct jump (arm64): no saving to compare, and nothing withheld',
    ),
  pairedSaving: pairedSaving
    .nullable()
    .optional()
    .describe('hardware-ns cells with a comparison: the saving per regime; absent otherwise and in older summaries'),
  traffic: trafficSummary.nullable().optional().describe('traffic benchmark cells only'),
  strategies: z.array(strategySummary).optional().describe('strategies benchmark cells only: every strategy asked for, supported or not'),
  contamination: contamination.optional().describe("both variants' switched-out calls together; absent for cells written before the check"),
  isolation: isolation.optional().describe('pinning and priority the sweep got; absent for cells written before it'),
  loadCheck: z
    .object({
      loads: z.number().int().describe('fresh loads of the chains the samples came from'),
      leftOut: z
        .array(
          z.object({
            load: z.number().int().describe('the load, counted from 0'),
            shift: z.array(z.number()).describe("per series (variant or strategy): its cost at depths 0–3 over the median load's, − 1"),
          }),
        )
        .describe(
          'loads whose every series ran more than 10 % away from the median load at depths 0–3, one way: the machine changed; left out of the figures',
        ),
    })
    .optional()
    .describe(
      'hardware cells whose samples carry their load: the loads compared with one another; absent otherwise and in older summaries',
    ),
  jitSymmetry: jitSymmetry
    .optional()
    .describe(
      "the proof that the variants' JIT images differ only at the call site, with each variant's tail-call sequence; absent for cells written before it",
    ),
  warnings: z.array(z.string()),
  consoleExcerpt: z.array(z.string()).describe('last console lines, kept for failed cells'),
});
export type CellSummary = z.infer<typeof cellSummary>;

const retpolinePrice = z
  .object({
    kernel: z.object({ id: z.string(), sha256: z.string() }),
    arch: arch.optional().describe('both cells are of this architecture; absent in older summaries (amd64)'),
    benchmark: z.string(),
    accelerator,
    figureKind: figureKind.describe('both cells are of this kind: never a difference across kinds'),
    unit: figureUnit,
    retpoline: z.object({ key: z.string(), boot: z.string(), mechanism: jitMechanism, slope: z.number(), slopeCi: interval }),
    plain: z.object({ key: z.string(), boot: z.string(), mechanism: jitMechanism, slope: z.number(), slopeCi: interval }),
    price: z.number().describe('indirect slope through the retpoline − indirect slope with a plain jmp, per tail call, in `unit`'),
    priceCi: interval.describe('Welch interval of that difference'),
  })
  .describe(
    "the retpoline's own price on one kernel: its indirect tail call at a boot that jumps through a retpoline minus at a boot that jumps plainly (the bounds checks cancel)",
  );
export type RetpolinePrice = z.infer<typeof retpolinePrice>;

const patchedDifference = z
  .object({
    patched: z.object({ key: z.string(), kernel: z.string() }).describe("the user's own kernel's cell (run --kernel PATH / --tree)"),
    reference: z
      .object({ key: z.string(), kernel: z.string() })
      .describe('a reference kernel of the matrix, same architecture, boot, benchmark and figure kind'),
    boot: z.string(),
    benchmark: z.string(),
    arch: arch.optional().describe('both kernels are of this architecture: never a difference across architectures'),
    figureKind: figureKind.describe('both cells are of this kind: never a difference across kinds'),
    unit: figureUnit,
    variant: variant.describe('which cost per tail call'),
    patchedSlope: z.number().describe('in `unit` per tail call'),
    referenceSlope: z.number(),
    difference: z.number().nullable().describe('patched − reference, in `unit` per tail call; null when there is no single slope (a knee)'),
    differenceCi: interval.nullable().describe('Welch interval of that difference'),
    note: z.string().nullable().describe('why there is no difference'),
  })
  .describe("the user's kernel minus a reference kernel, one figure (variant) of one boot and benchmark");
export type PatchedDifference = z.infer<typeof patchedDifference>;

const gateSettings = z.object({
  instructions: z
    .number()
    .optional()
    .describe('instruction cells: a rise of at least this many instructions per call regresses (absent in older summaries)'),
  thresholdNs: z.number().describe('timed cells: smallest rise that counts, ns per call (>=; "more than" in older summaries)'),
  thresholdInstructions: z.number().optional().describe('older summaries only: instruction rule "more than"'),
  thresholdPct: z.number().describe('smallest rise that counts, percent (>=)'),
  aloneNs: z
    .number()
    .optional()
    .describe('timed cells without a test (too few replicates): smallest rise, ns per call (absent in older summaries)'),
  alonePct: z.number().optional().describe('… and percent'),
  alpha: z.number().optional().describe('significance level of the U test across replicates (absent in older summaries)'),
});

/**
 * What a gated figure is: a variant's slope, the indirect/direct slope ratio within one cell, a strategy's
 * cost per transfer, or (hardware cells whose baseline has a knee) a variant's or strategy's cost in one regime.
 */
const gateFigure = z.union([
  z.enum(['direct', 'indirect', 'ratio', 'direct:below-knee', 'direct:above-knee', 'indirect:below-knee', 'indirect:above-knee']),
  // Benchmark 3: one strategy's cost per transfer (slope over all depths), or in one regime of its curve.
  z.templateLiteral(['strategy:', strategyName]),
  z.templateLiteral(['strategy:', strategyName, ':', z.enum(['below-knee', 'above-knee'])]),
]);
export type GateFigure = z.infer<typeof gateFigure>;

/**
 * - `ok` / `regression`: judged;
 * - `not-comparable`: the two sides cannot be compared (another architecture, accelerator, CPU model or figure kind): never a pass;
 * - `not-gated`: emulated ns, relative only, shown but never judged.
 */
const comparisonStatus = z.enum(['ok', 'regression', 'not-comparable', 'not-gated']);

/**
 * - `exact`: instruction counts, a rise of at least gate.instructions;
 * - `u-test`: timed, replicates on both sides: one-sided Mann-Whitney U test plus the minimum effect;
 * - `thresholds`: timed, too few replicates for the U test to decide: the minimum effect alone;
 * - `welch-t`: a hardware regime figure: one-sided Welch t test (pooled df where both sides have as many replicates) at alpha / regime figures, plus the minimum effect.
 */
const gateMethod = z.enum(['exact', 'u-test', 'thresholds', 'welch-t']);
export type GateMethod = z.infer<typeof gateMethod>;

const replicateLeftOut = z.object({
  side: z.enum(['baseline', 'current']),
  key: z.string().describe("the replicate's cell key in its summary"),
  shiftPct: z.array(z.number()).describe("per series, its cost at depths 0–3 against the median of its side's kept replicates, %"),
});
export type ReplicateLeftOut = z.infer<typeof replicateLeftOut>;

const baselineComparison = z.object({
  key: z.string().describe('kernel/boot/benchmark'),
  variant: gateFigure.describe(
    "direct / indirect: that variant's slope; ratio: indirect slope / direct slope within the cell (robust to CPU speed); strategy:<name>: that strategy's cost per transfer (strategies cells); <figure>:below-knee / <figure>:above-knee: its cost in one regime (hardware cells whose baseline has a knee)",
  ),
  figureKind: figureKind.optional().describe('the kind both sides share (pairs of different kinds are not comparable)'),
  unit: z.enum(['instructions', 'ns', 'ratio']).optional().describe('unit of the values and of deltaNs'),
  baselineUnit: z
    .enum(['instructions', 'ns', 'ratio'])
    .optional()
    .describe(
      'unit of the baseline values when the figure kind changed (then not comparable, and deltaNs means nothing); absent when it is `unit`',
    ),
  status: comparisonStatus.optional().describe('absent in older summaries (read `regression`)'),
  method: gateMethod.nullable().optional().describe('how the pair was judged; null when it was not'),
  pValue: z.number().nullable().optional().describe('one-sided U test p-value (method u-test), else null'),
  depths: z
    .tuple([z.number().int(), z.number().int()])
    .optional()
    .describe(
      "regime figures: the depths both sides were fitted over (from the baseline's knees); where every replicate has the regime's cost from its loads (the note says so), those costs are compared and these depths only name the regime",
    ),
  baselineValues: z.array(z.number()).optional().describe('one value per replicate (cells sharing the key), in `unit`'),
  currentValues: z.array(z.number()).optional(),
  baselineSlope: z.number().describe('median over the replicates, in `unit`'),
  baselineCi: interval
    .nullable()
    .describe("one replicate: the fit's 95 % interval; several: [min, max] of the replicates; null when unknown"),
  currentSlope: z.number(),
  currentCi: interval.nullable(),
  deltaNs: z
    .number()
    .describe(
      'the rise, in `unit` (instructions for instruction cells, despite the name): Hodges-Lehmann shift for timed figures, difference of medians for exact ones',
    ),
  deltaPct: z.number().nullable().describe('the rise as a share of the baseline median; null when that is not positive'),
  regression: z.boolean(),
  note: z.string().nullable().describe('why a pair was not judged, or what the decision rests on'),
  leftOut: z
    .array(replicateLeftOut)
    .optional()
    .describe(
      "hardware cells: replicates left out of their side's values as another state of the machine (a minority of their side, every series shifted one way at depths 0–3 against the rest); absent when none",
    ),
});
export type BaselineComparison = z.infer<typeof baselineComparison>;

const gateProblem = z.object({
  key: z.string(),
  figureKind: figureKind.optional(),
  problem: z
    .enum(['failed-in-baseline', 'failed-now', 'missing-now', 'missing-in-baseline', 'figure-missing-now'])
    .describe(
      'figure-missing-now: a figure the baseline had (a ready strategy with a fit) is unsupported, absent or without a fit in this run',
    ),
  figure: gateFigure.optional().describe('figure-missing-now: the figure lost'),
  detail: z
    .string()
    .describe(
      "the failed cells with their status, or what is missing (a lost figure: its baseline value and, where it has one, the verifier's reason)",
    ),
});
export type GateProblem = z.infer<typeof gateProblem>;

const gateNewFigure = z.object({
  key: z.string(),
  figureKind,
  figure: gateFigure,
  detail: z.string().describe('what the baseline had instead (unsupported with its reason, or absent) and the figure now'),
});
export type GateNewFigure = z.infer<typeof gateNewFigure>;

const baselineSummary = z.object({
  source: z.string().describe('the baseline as given on the command line'),
  gate: gateSettings,
  comparisons: z.array(baselineComparison),
  regressions: z.number().int(),
  notComparable: z.number().int().default(0).describe('comparisons with status not-comparable: never a pass'),
  missing: z.array(z.string()).describe('keys in the baseline with no current cell'),
  problems: z
    .array(gateProblem)
    .default([])
    .describe(
      'failed cells on either side, cells missing on either side, figures the baseline had and this run lacks: each fails the gate',
    ),
  newFigures: z
    .array(gateNewFigure)
    .default([])
    .describe('figures this run has and the baseline lacked (a strategy supported now): shown, not a failure, nothing to compare with'),
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
  patchedVsReference: z
    .array(patchedDifference)
    .optional()
    .describe(
      "runs with the user's own kernel and reference kernels: the user's kernel minus each reference, per figure; absent otherwise",
    ),
  baseline: baselineSummary.nullable(),
});
export type Summary = z.infer<typeof summary>;
