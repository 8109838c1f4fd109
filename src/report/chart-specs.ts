// Vega-Lite specifications for the two chart kinds; pure data in, spec out (rendered by charts.ts).
import type { TopLevelSpec } from 'vega-lite';
import { EMULATED_NOTE } from '../analysis/analyse-cell.js';
import type { CellSummary, VariantSummary } from '../analysis/summary-schema.js';

/** Same colours for a variant in every chart: blue = direct jump, orange = indirect. */
const VARIANT_SCALE = { domain: ['direct', 'indirect'], range: ['#1f77b4', '#ff7f0e'] };
const CHART_WIDTH = 360;
const CHART_HEIGHT = 220;

const BASE_CONFIG = {
  // A generic family: the SVG is viewed wherever the report is opened, without web fonts.
  font: 'sans-serif',
  view: { stroke: '#ddd' },
} as const;

/** Per kernel: ns per tail call, direct vs indirect, one group per boot configuration, CI whiskers. */
export function kernelBarsSpec(kernelId: string, cells: readonly CellSummary[]): { spec: TopLevelSpec; series: number } {
  const values = cells.flatMap((c) =>
    [c.direct, c.indirect].flatMap((v) =>
      v?.fit ? [{ boot: c.boot.name, variant: v.variant, slope: v.fit.slope, lo: v.fit.slopeCi[0], hi: v.fit.slopeCi[1] }] : [],
    ),
  );
  const emulated = cells.some((c) => c.emulated);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${kernelId}: ns per tail call`,
      subtitle: emulated ? `TCG — ${EMULATED_NOTE}` : cells.every((c) => c.backend === 'native') ? 'running kernel, natively: ns (hardware)' : '',
    },
    width: { step: 40 },
    height: CHART_HEIGHT,
    data: { values },
    encoding: {
      // sort: null keeps the summary's (matrix) order instead of sorting boot names alphabetically.
      x: { field: 'boot', type: 'nominal', title: 'boot configuration', sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'variant', type: 'nominal', scale: { domain: VARIANT_SCALE.domain } },
      color: { field: 'variant', type: 'nominal', scale: VARIANT_SCALE, title: 'variant' },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { y: { field: 'slope', type: 'quantitative', title: 'ns per tail call (95 % CI)' } } },
      {
        mark: { type: 'rule', color: 'black' },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { value: 'black' } },
      },
    ],
    config: BASE_CONFIG,
  };
  return { spec, series: new Set(values.map((v) => v.variant)).size };
}

/** Per cell: per-depth median duration (points) and the fitted straight lines. */
export function depthSpec(c: CellSummary): { spec: TopLevelSpec; series: number } {
  const variants = [c.direct, c.indirect].filter((v): v is VariantSummary => v !== null && v.points.length > 0);
  const points = variants.flatMap((v) => v.points.map((p) => ({ variant: v.variant, depth: p.depth, ns: p.medianNs })));
  const lines = variants.flatMap((v) => {
    const fit = v.fit;
    if (!fit) return [];
    const depths = v.points.map((p) => p.depth);
    const lo = Math.min(...depths);
    const hi = Math.max(...depths);
    return [lo, hi].map((depth) => ({ variant: v.variant, depth, ns: fit.intercept + fit.slope * depth }));
  });
  const x = { field: 'depth', type: 'quantitative', title: 'tail calls in the chain (depth)' } as const;
  const y = { field: 'ns', type: 'quantitative', title: 'median duration (ns)', scale: { zero: false } } as const;
  const color = { field: 'variant', type: 'nominal', scale: VARIANT_SCALE, title: 'variant' } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${c.kernel.id} / ${c.boot.name}: duration vs depth`,
      subtitle: c.emulated ? `TCG — ${EMULATED_NOTE}` : '',
    },
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
