// Vega-Lite specifications for the report's charts; pure data in, spec out (rendered by render-svg.ts).
// Every chart holds cells of ONE figure kind, so its axis has one unit; callers group by kind first.
import type { TopLevelSpec } from 'vega-lite';
import type { CellSummary, VariantSummary } from '../analysis/summary-schema.js';
import { KIND_NOTE, summaryKind, UNIT_TEXT, unitOf } from '../analysis/units.js';
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

const subtitle = (kind: FigureKind) => (kind === 'hardware-ns' ? '' : KIND_NOTE[kind]);

/** Bars of the per-call slope with CI whiskers, direct vs indirect side by side in each x group. */
function barsSpec(title: string, kind: FigureKind, xTitle: string, values: object[], labelAngle = 0): TopLevelSpec {
  const u = UNIT_TEXT[unitOf(kind)];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: subtitle(kind) },
    width: { step: 40 },
    height: CHART_HEIGHT,
    data: { values },
    encoding: {
      // sort: null keeps the summary's (matrix) order instead of sorting names alphabetically.
      x: { field: 'group', type: 'nominal', title: xTitle, sort: null, axis: { labelAngle } },
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

/** Per kernel: per-call cost, direct vs indirect, one group per boot configuration, CI whiskers. */
export function kernelBarsSpec(kernelId: string, cells: readonly CellSummary[]): { spec: TopLevelSpec; series: number } {
  const kind = onlyKind(cells);
  const values = barValues(cells, (c) => c.boot.name);
  return { spec: barsSpec(`${kernelId}: ${UNIT_TEXT[unitOf(kind)].words}`, kind, 'boot configuration', values), series: new Set(values.map((v) => v.variant)).size };
}

/** The overview: every kernel and boot configuration of one figure kind, direct vs indirect. */
export function overviewSpec(cells: readonly CellSummary[]): { spec: TopLevelSpec; series: number; groups: number } {
  const kind = onlyKind(cells);
  const values = barValues(cells, (c) => `${c.kernel.id} / ${c.boot.name}`);
  // Long "kernel / boot" labels: slanted, or they overlap.
  const spec = barsSpec(`Every kernel and boot configuration: ${UNIT_TEXT[unitOf(kind)].words}`, kind, 'kernel / boot configuration', values, -30);
  return { spec, series: new Set(values.map((v) => v.variant)).size, groups: new Set(values.map((v) => v.group)).size };
}

/** Per cell: the per-depth figure (points) and the fitted straight lines, in the cell's unit. */
export function depthSpec(c: CellSummary): { spec: TopLevelSpec; series: number } {
  const kind = summaryKind(c);
  const unit = unitOf(kind);
  const variants = [c.direct, c.indirect].filter((v): v is VariantSummary => v !== null && v.points.length > 0);
  const points = variants.flatMap((v) => v.points.map((p) => ({ variant: v.variant, depth: p.depth, y: p.medianNs })));
  const lines = variants.flatMap((v) => {
    const fit = v.fit;
    if (!fit) return [];
    const depths = v.points.map((p) => p.depth);
    const lo = Math.min(...depths);
    const hi = Math.max(...depths);
    return [lo, hi].map((depth) => ({ variant: v.variant, depth, y: fit.intercept + fit.slope * depth }));
  });
  const yTitle = unit === 'instructions' ? 'fewest instructions per repetition' : 'median duration (ns)';
  const x = { field: 'depth', type: 'quantitative', title: 'tail calls in the chain (depth)' } as const;
  const y = { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } } as const;
  const color = { field: 'variant', type: 'nominal', scale: VARIANT_SCALE, title: 'variant' } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${c.kernel.id} / ${c.boot.name}: ${unit === 'instructions' ? 'instructions' : 'duration'} vs depth`, subtitle: subtitle(kind) },
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      { data: { values: points }, mark: { type: 'point', filled: true, size: 20 }, encoding: { x, y, color } },
      { data: { values: lines }, mark: { type: 'line' }, encoding: { x, y, color, detail: { field: 'variant' } } },
    ],
    config: BASE_CONFIG,
  };
  return { spec, series: variants.length };
}
