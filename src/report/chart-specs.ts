// Vega-Lite specifications for the report's charts; pure data in, spec out (rendered by render-svg.ts).
// Every chart holds cells of ONE figure kind, so its axis has one unit, and of ONE architecture, so its
// bars are one machine's; callers group by kind and architecture first.
import type { TopLevelSpec } from 'vega-lite';
import { archOf } from '../analysis/arch-groups.js';
import type {
  CellSummary,
  FitSummary,
  HardwareCurve,
  StrategySummary,
  TrafficMethodSummary,
  VariantSummary,
} from '../analysis/summary-schema.js';
import { summaryKind, UNIT_TEXT, unitOf } from '../analysis/units.js';
import type { FigureKind } from '../results/cell-result.js';

/** Same colours for a variant in every chart: blue = direct jump, orange = indirect. */
const VARIANT_SCALE = { domain: ['direct', 'indirect'], range: ['#1f77b4', '#ff7f0e'] };
const CHART_WIDTH = 360;
const CHART_HEIGHT = 220;
const BASE_CONFIG = {
  // A generic family: the SVG is viewed wherever the report is opened, without web fonts.
  font: 'sans-serif',
  view: { stroke: '#ddd' },
} as const;

/** The one kind of a chart's cells; two kinds reaching one chart is a bug in the caller. */
function onlyKind(cells: readonly CellSummary[]): FigureKind {
  const kinds = new Set(cells.map(summaryKind));
  if (kinds.size !== 1) throw new Error(`one chart, one figure kind: got ${[...kinds].join(', ') || 'none'}`);
  return [...kinds][0]!;
}

/**
 * Two architectures reaching one bar chart is a bug in the caller: one axis would line up two machines'
 * instructions. Returns the title's suffix: the architecture, named when the report holds several.
 */
function archSuffix(cells: readonly CellSummary[], named: boolean): string {
  const arches = new Set(cells.map(archOf));
  if (arches.size > 1) throw new Error(`one chart, one architecture: got ${[...arches].join(', ')}`);
  return named ? ` (${[...arches][0]})` : '';
}

/** Bars of the per-call slope with CI whiskers, direct vs indirect side by side in each x group. */
function barsSpec(title: string, kind: FigureKind, xTitle: string, values: object[], labelAngle = 0): TopLevelSpec {
  const u = UNIT_TEXT[unitOf(kind)];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // No caveat subtitle: a long one set the chart's width (~1440 px); each section states it once (html.ts).
    title: { text: title },
    width: { step: 40 },
    height: CHART_HEIGHT,
    data: { values },
    encoding: {
      // sort: null keeps the summary's (matrix) order instead of sorting names alphabetically.
      // labelLimit 0: full labels ("5.10-cloud / mitigations-off"), slanted rather than cut to "5.10-cloud / mitigati…".
      x: { field: 'group', type: 'nominal', title: xTitle, sort: null, axis: { labelAngle, labelLimit: 0 } },
      xOffset: { field: 'variant', type: 'nominal', scale: { domain: VARIANT_SCALE.domain } },
      color: { field: 'variant', type: 'nominal', scale: VARIANT_SCALE, title: 'variant' },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { y: { field: 'slope', type: 'quantitative', title: `${u.words} (95 % CI)` } } },
      {
        mark: { type: 'rule', color: 'black' },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { value: 'black' } },
      },
    ],
    config: BASE_CONFIG,
  };
}

function barValues(cells: readonly CellSummary[], group: (c: CellSummary) => string) {
  return cells.flatMap((c) =>
    [c.direct, c.indirect].flatMap((v) =>
      v?.fit ? [{ group: group(c), variant: v.variant, slope: v.fit.slope, lo: v.fit.slopeCi[0], hi: v.fit.slopeCi[1] }] : [],
    ),
  );
}

/**
 * Per kernel: per-call cost, direct vs indirect, one group per boot configuration, CI whiskers.
 * `nameArch`: the report holds several architectures, so the title names this chart's.
 */
export function kernelBarsSpec(kernelId: string, cells: readonly CellSummary[], nameArch = false): { spec: TopLevelSpec; series: number } {
  const kind = onlyKind(cells);
  const arch = archSuffix(cells, nameArch);
  const values = barValues(cells, (c) => c.boot.name);
  return {
    spec: barsSpec(`${kernelId}${arch}: ${UNIT_TEXT[unitOf(kind)].words}`, kind, 'boot configuration', values),
    series: new Set(values.map((v) => v.variant)).size,
  };
}

/** The overview: every kernel and boot configuration of one figure kind and architecture, direct vs indirect. */
export function overviewSpec(cells: readonly CellSummary[], nameArch = false): { spec: TopLevelSpec; series: number; groups: number } {
  const kind = onlyKind(cells);
  const arch = archSuffix(cells, nameArch);
  const values = barValues(cells, (c) => `${c.kernel.id} / ${c.boot.name}`);
  // Long "kernel / boot" labels: slanted, or they overlap.
  const spec = barsSpec(
    `Every kernel and boot configuration${arch}: ${UNIT_TEXT[unitOf(kind)].words}`,
    kind,
    'kernel / boot configuration',
    values,
    -30,
  );
  return { spec, series: new Set(values.map((v) => v.variant)).size, groups: new Set(values.map((v) => v.group)).size };
}

/**
 * Benchmark 3, one figure kind: cost per transfer of each ready strategy (slope over all depths, 95 % CI
 * whiskers), one bar per kernel / boot in each strategy's group, strategies in the order given (ranked).
 */
export function strategyBarsSpec(
  cells: readonly CellSummary[],
  order: readonly string[],
  cost: (s: StrategySummary) => number | null,
): { spec: TopLevelSpec; series: number; groups: number } {
  const kind = onlyKind(cells);
  const unit = UNIT_TEXT[unitOf(kind)].short;
  const values = cells.flatMap((c) =>
    (c.strategies ?? []).flatMap((s) =>
      cost(s) !== null && s.fit
        ? [
            {
              strategy: s.strategy,
              cell: `${c.kernel.id} / ${c.boot.name}`,
              slope: s.fit.slope,
              lo: s.fit.slopeCi[0],
              hi: s.fit.slopeCi[1],
            },
          ]
        : [],
    ),
  );
  const cellNames = [...new Set(values.map((v) => v.cell))];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Strategies: ${unit} per transfer` },
    width: { step: 24 },
    height: CHART_HEIGHT,
    data: { values },
    encoding: {
      x: { field: 'strategy', type: 'nominal', title: 'strategy', sort: [...order], axis: { labelAngle: -30, labelLimit: 0 } },
      xOffset: { field: 'cell', type: 'nominal', scale: { domain: cellNames } },
      color: { field: 'cell', type: 'nominal', title: 'kernel / boot configuration', scale: { domain: cellNames } },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { y: { field: 'slope', type: 'quantitative', title: `${unit} per transfer (95 % CI)` } } },
      {
        mark: { type: 'rule', color: 'black' },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { value: 'black' } },
      },
    ],
    config: BASE_CONFIG,
  };
  return { spec, series: cellNames.length, groups: new Set(values.map((v) => v.strategy)).size };
}

/** One series of a depth chart: the per-depth figures of a variant and its fitted line. */
interface DepthSeries {
  variant: string;
  points: readonly { depth: number; y: number }[];
  fit: FitSummary | null;
}

/** Points per depth and the fitted straight lines, one colour per variant, one unit on the y axis. */
function depthLinesSpec(title: string, yTitle: string, series: readonly DepthSeries[]): TopLevelSpec {
  const points = series.flatMap((v) => v.points.map((p) => ({ variant: v.variant, depth: p.depth, y: p.y })));
  const lines = series.flatMap((v) => {
    const fit = v.fit;
    if (!fit || v.points.length === 0) return [];
    const depths = v.points.map((p) => p.depth);
    return [Math.min(...depths), Math.max(...depths)].map((depth) => ({ variant: v.variant, depth, y: fit.intercept + fit.slope * depth }));
  });
  const x = { field: 'depth', type: 'quantitative', title: 'tail calls in the chain (depth)' } as const;
  const y = { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } } as const;
  const color = { field: 'variant', type: 'nominal', scale: VARIANT_SCALE, title: 'variant' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title },
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      { data: { values: points }, mark: { type: 'point', filled: true, size: 20 }, encoding: { x, y, color } },
      { data: { values: lines }, mark: { type: 'line' }, encoding: { x, y, color, detail: { field: 'variant' } } },
    ],
    config: BASE_CONFIG,
  };
}

/** Per cell: the per-depth figure (points) and the fitted straight lines, in the cell's unit. */
export function depthSpec(c: CellSummary): { spec: TopLevelSpec; series: number } {
  const kind = summaryKind(c);
  const unit = unitOf(kind);
  const variants = [c.direct, c.indirect].filter((v): v is VariantSummary => v !== null && v.points.length > 0);
  const yTitle = unit === 'instructions' ? 'fewest instructions per repetition' : 'median duration (ns)';
  const title = `${c.kernel.id} / ${c.boot.name}: ${unit === 'instructions' ? 'instructions' : 'duration'} vs depth`;
  const series = variants.map((v) => ({
    variant: v.variant,
    points: v.points.map((p) => ({ depth: p.depth, y: p.medianNs })),
    fit: v.fit,
  }));
  return { spec: depthLinesSpec(title, yTitle, series), series: variants.length };
}

/** Benchmark 2, one figure kind and architecture: cost per tail call under traffic, per cell and method, direct vs indirect. */
export function trafficBarsSpec(cells: readonly CellSummary[], nameArch = false): { spec: TopLevelSpec; series: number; groups: number } {
  const kind = onlyKind(cells);
  const arch = archSuffix(cells, nameArch);
  const values = cells.flatMap((c) =>
    (c.traffic?.methods ?? []).flatMap((m) =>
      m.variants.flatMap((v) => {
        const group = `${c.kernel.id} / ${c.boot.name} · ${m.method}`;
        // Hardware with a knee: a bar per regime, never one slope over both (the curve the hardware has).
        if (v.curve?.model === 'segmented')
          return v.curve.regimes.map((r) => ({
            group: `${group} · ${r.regime}`,
            variant: v.variant,
            slope: r.slope,
            lo: r.slopeCi[0],
            hi: r.slopeCi[1],
          }));
        return v.fit ? [{ group, variant: v.variant, slope: v.fit.slope, lo: v.fit.slopeCi[0], hi: v.fit.slopeCi[1] }] : [];
      }),
    ),
  );
  const spec = barsSpec(
    `Under traffic${arch}: ${UNIT_TEXT[unitOf(kind)].words}`,
    kind,
    'kernel / boot configuration · method',
    values,
    -30,
  );
  return { spec, series: new Set(values.map((v) => v.variant)).size, groups: new Set(values.map((v) => v.group)).size };
}

/** Benchmark 2, one cell and method: cost per packet against depth, with the fitted lines. */
export function trafficDepthSpec(c: CellSummary, m: TrafficMethodSummary): { spec: TopLevelSpec; series: number } {
  const kind = summaryKind(c);
  const unit = UNIT_TEXT[unitOf(kind)].short;
  const series = m.variants.map((v) => ({
    variant: v.variant,
    points: v.points.flatMap((p) => (p.perPacket === null ? [] : [{ depth: p.depth, y: p.perPacket }])),
    // A variant with a knee gets no single line here: its regimes are drawn in the curve chart.
    fit: v.curve?.model === 'segmented' ? null : v.fit,
  }));
  const title = `${c.kernel.id} / ${c.boot.name}, ${m.method}: cost per packet vs depth`;
  return { spec: depthLinesSpec(title, `${unit} per packet`, series), series: series.length };
}

/**
 * Hardware curves: the per-depth profile (test-run: median with its 95 % interval as a whisker; traffic:
 * the window's mean per packet, no whisker) and each regime's line, a break at the knee where one line does
 * not describe the data. ns (hardware) on the y axis. `title`: whose curve; `estimate`: what a point is.
 */
export function curveSpec(
  title: string,
  variants: readonly { variant: string; curve: HardwareCurve }[],
  estimate: string,
): { spec: TopLevelSpec; series: number } {
  const points = variants.flatMap((v) =>
    v.curve.profile.map((p) => ({ variant: v.variant, depth: p.depth, y: p.estimate, lo: p.ci?.[0] ?? null, hi: p.ci?.[1] ?? null })),
  );
  const withCi = points.filter((p) => p.lo !== null);
  // One line per regime: `segment` keeps the two regimes of a variant apart, so the step shows as a gap.
  const lines = variants.flatMap((v) =>
    v.curve.regimes.flatMap((r) =>
      [r.fromDepth, r.toDepth].map((depth) => ({
        variant: v.variant,
        segment: `${v.variant} ${r.regime}`,
        depth,
        y: r.intercept + r.slope * depth,
      })),
    ),
  );
  const knees = variants.flatMap((v) =>
    v.curve.knee
      ? [{ variant: v.variant, depth: v.curve.knee.depth - 0.5, lo: v.curve.knee.ci[0] - 0.5, hi: v.curve.knee.ci[1] - 0.5 }]
      : [],
  );
  const x = { field: 'depth', type: 'quantitative', title: 'tail calls in the chain (depth)' } as const;
  const y = {
    field: 'y',
    type: 'quantitative',
    title: `${estimate} (ns, hardware)${withCi.length > 0 ? ', 95 % CI' : ''}`,
    scale: { zero: false },
  } as const;
  const color = { field: 'variant', type: 'nominal', scale: VARIANT_SCALE, title: 'variant' } as const;
  const layer: object[] = [
    ...(withCi.length > 0
      ? [
          {
            data: { values: withCi },
            mark: { type: 'rule' },
            encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
          },
        ]
      : []),
    { data: { values: points }, mark: { type: 'point', filled: true, size: 18 }, encoding: { x, y, color } },
    { data: { values: lines }, mark: { type: 'line' }, encoding: { x, y, color, detail: { field: 'segment' } } },
  ];
  // The knee's bootstrap range as a shaded band, its estimate as a dashed rule between the regimes.
  if (knees.length > 0) {
    layer.push(
      {
        data: { values: knees },
        mark: { type: 'rect', opacity: 0.12 },
        encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' }, color },
      },
      {
        data: { values: knees },
        mark: { type: 'rule', strokeDash: [4, 3] },
        encoding: { x: { field: 'depth', type: 'quantitative' }, color },
      },
    );
  }
  return {
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: `${title}: per-depth profile and regimes`, subtitle: 'hardware ns' },
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      layer,
      config: BASE_CONFIG,
    } as TopLevelSpec,
    series: variants.length,
  };
}
