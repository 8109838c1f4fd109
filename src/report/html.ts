// One self-contained HTML file: the tables of the Markdown report plus charts rendered to inline SVG
// now, so viewing it needs neither network nor JavaScript.
import { byKind, KIND_NOTE, KIND_TITLE, summaryKind, UNIT_TEXT } from '../analysis/units.js';
import type { BaselineSummary, CellSummary, Summary } from '../analysis/summary-schema.js';
import { curveSpec, depthSpec, kernelBarsSpec, overviewSpec, strategyBarsSpec, trafficBarsSpec, trafficDepthSpec } from './chart-specs.js';
import { escapeXml as h } from './escape.js';
import { archOf, byArch, mixedArches } from '../analysis/arch-groups.js';
import {
  accelText,
  archParts,
  BASELINE_HEADER,
  baselineRow,
  comparisonStatusOf,
  byBenchmark,
  cellTableHeader,
  cellTitle,
  cellUnit,
  directCaveat,
  failureText,
  FIT_DETAIL_HEADER,
  fitDetailRows,
  gateHeadline,
  NEW_FIGURES_HEADING,
  newFigureText,
  problemsHeading,
  gateText,
  kindNotices,
  kernelText,
  methodNote,
  num,
  problemText,
  RETPOLINE_PRICE_HEADER,
  RETPOLINE_PRICE_NOTE,
  retpolinePriceRows,
  savingText,
  variantCostText,
} from './format.js';
import { renderSvg } from './render-svg.js';
import { curveBlocksOf, curveLines, estimateWord, profileHeader, profileRows } from './curve-format.js';
import { findings } from './findings.js';
import {
  isTrafficBenchmark,
  TRAFFIC_METHOD_TEXT,
  TRAFFIC_AGREEMENT_COLUMN,
  TRAFFIC_NUMERIC_COLUMNS,
  trafficNote,
  trafficRows,
  trafficTableHeader,
} from './traffic-format.js';
import { SEQUENCE_HEADER, SEQUENCE_NOTE, sequenceRows, symmetryLine } from './sequence-format.js';
import {
  isStrategiesBenchmark,
  rankedStrategies,
  STRATEGY_KIND_TITLE,
  STRATEGY_NUMERIC_COLUMNS,
  strategyCost,
  strategyNote,
  strategyRows,
  strategyTableHeader,
} from './strategies-format.js';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}
*{box-sizing:border-box}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{overflow-wrap:break-word}
.warning{color:#8a5a00}
td.num .warning,td.num .caveat{white-space:normal;display:inline-block;min-width:14rem;text-align:left}
section.findings{border:1px solid #cfd8e3;background:#f4f8fc;padding:.25rem 1rem;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.failed td{background:#fdecea}
.emulated{color:#8a5a00}
.caveat{color:#b00020;font-weight:600}
.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem 1rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure.chart{margin:0;border:1px solid #eee;padding:.5rem;max-width:100%}
figure.chart svg{max-width:100%;height:auto}
figcaption{font-size:.8rem;color:#555;max-width:420px}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.8rem}
.regression{color:#b00020;font-weight:600}
.not-comparable{color:#8a5a00;font-weight:600}
`;

function td(text: string, cls = ''): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${h(text)}</td>`;
}

/** A cell's warnings (e.g. a poor fit) next to the figure they qualify, not in a list screens below. */
const warningsOf = (c: CellSummary): string => c.warnings.map((w) => `<br><span class="warning">⚠ ${h(w)}</span>`).join('');

/** Wide tables scroll inside their own box: the page itself never scrolls sideways. */
const wrap = (table: string): string => `<div class="table-wrap">${table}</div>`;

function row(c: CellSummary): string {
  const failed = c.status !== 'ok';
  const caveat = directCaveat(c.direct);
  const unit = cellUnit(c);
  const direct = failed
    ? `<td class="num"><strong>${h(c.status)}</strong></td>`
    : `<td class="num">${h(variantCostText(c.direct, unit))}${caveat ? `<br><span class="caveat">⚠ ${h(caveat)}</span>` : ''}${warningsOf(c)}</td>`;
  return (
    `<tr${failed ? ' class="failed"' : ''} data-key="${h(c.key)}" data-arch="${archOf(c)}">` +
    td(kernelText(c)) +
    td(archOf(c)) +
    td(c.boot.name) +
    td(c.spectreV2 ?? '—') +
    direct +
    td(c.direct?.mechanism ?? '—') +
    td(failed ? '—' : variantCostText(c.indirect, unit), 'num') +
    td(c.indirect?.mechanism ?? '—') +
    td(savingText(c), 'num') +
    td(accelText(c), c.emulated ? 'emulated' : '') +
    '</tr>'
  );
}

/** Benchmark 2: one table per figure kind, a row per cell and method; a disagreement with Benchmark 1 is marked. */
function trafficTables(cells: readonly CellSummary[]): string {
  const parts: string[] = [];
  for (const [kind, of] of byKind(cells)) {
    const unit = cellUnit(of[0]!);
    parts.push(
      `<h3 data-kind="${kind}">Under traffic: ${h(KIND_TITLE[kind])}</h3><p class="kind-note"><small>${h(KIND_NOTE[kind])}.</small></p>`,
    );
    for (const part of archParts(of)) {
      const rows = part.cells.flatMap((c) =>
        trafficRows(c).map(
          (r) =>
            `<tr${r.failed ? ' class="failed"' : ''} data-key="${h(c.key)}" data-arch="${archOf(c)}"${r.flagged ? ' data-disagrees="true"' : ''}>` +
            r.cols
              .map((x, i) =>
                td(
                  x,
                  [TRAFFIC_NUMERIC_COLUMNS.includes(i) ? 'num' : '', i === TRAFFIC_AGREEMENT_COLUMN && r.flagged ? 'caveat' : '']
                    .filter(Boolean)
                    .join(' '),
                ),
              )
              .join('') +
            '</tr>',
        ),
      );
      if (part.title) parts.push(`<h4 data-arch="${part.arch}">${h(part.title)}</h4>`);
      parts.push(
        wrap(
          `<table class="traffic" data-kind="${kind}"${part.arch ? ` data-arch="${part.arch}"` : ''}><thead><tr>${trafficTableHeader(unit)
            .map((x) => `<th>${h(x)}</th>`)
            .join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`,
        ),
      );
    }
    parts.push(`<p><small>${h(trafficNote(kind))}</small></p>`);
  }
  return parts.join('\n');
}

/** Benchmark 2's charts: per kind, cost per tail call per cell and method; per cell and method, cost per packet vs depth. */
async function trafficCharts(cells: readonly CellSummary[], index: number): Promise<string> {
  const ok = cells.filter((c) => c.status === 'ok' && c.traffic?.methods.some((m) => m.variants.some((v) => v.fit)));
  if (ok.length === 0) return '';
  const parts = ['<h3>Cost per tail call under traffic</h3><div class="charts">'];
  let i = 0;
  const mixed = mixedArches(ok);
  for (const [kind, ofKind] of byKind(ok)) {
    for (const [arch, of] of byArch(ofKind)) {
      const built = trafficBarsSpec(of, mixed);
      const caption =
        `Bars: OLS slope of the cost per packet over depths, in ${UNIT_TEXT[cellUnit(of[0]!)].words}, per method; whiskers: 95 % interval.` +
        (kind === 'hardware-ns' ? ' Hardware with a knee: one bar per regime.' : '');
      parts.push(await figure('traffic-bars', `t${index}k${i++}`, built, caption, { kind, arch, groups: String(built.groups) }));
    }
  }
  parts.push('</div><h3>Cost per packet vs depth, per cell and method</h3><div class="charts">');
  for (const [j, c] of ok.entries()) {
    for (const m of c.traffic!.methods) {
      const fits = m.variants
        .filter((v) => v.fit)
        .map((v) =>
          v.curve?.model === 'segmented'
            ? `${v.variant}: one line does not describe it, its regimes are in the cost curve below`
            : `${v.variant}: y = ${num(v.fit!.intercept)} + ${num(v.fit!.slope)}·depth ${UNIT_TEXT[cellUnit(c)].short} (R² ${v.fit!.r2.toFixed(4)})`,
        )
        .join('; ');
      parts.push(
        await figure('traffic-depth', `t${index}c${j}${m.method}`, trafficDepthSpec(c, m), `${TRAFFIC_METHOD_TEXT[m.method]}. ${fits}.`, {
          key: c.key,
          kind: summaryKind(c),
          arch: archOf(c),
          method: m.method,
        }),
      );
    }
  }
  parts.push('</div>');
  return parts.join('\n');
}

/**
 * Benchmark 3: per figure kind, a table per kernel and boot with the strategies ranked by cost per transfer, and
 * one chart of that kind (one unit on its axis).
 */
async function strategySection(cells: readonly CellSummary[], index: number): Promise<string> {
  const parts: string[] = [];
  let i = 0;
  for (const [kind, of] of byKind(cells.filter((c) => c.status === 'ok'))) {
    const unit = cellUnit(of[0]!);
    parts.push(
      `<h3 data-kind="${kind}">${h(STRATEGY_KIND_TITLE[kind])}</h3><p class="kind-note"><small>${h(KIND_NOTE[kind])}.</small></p>`,
    );
    for (const c of of) {
      const rows = strategyRows(c).map(
        (r) =>
          `<tr data-strategy="${h(r.strategy.strategy)}" data-status="${r.strategy.status}">` +
          r.cols.map((x, j) => td(x, STRATEGY_NUMERIC_COLUMNS.includes(j) ? 'num' : '')).join('') +
          '</tr>',
      );
      parts.push(
        `<h4>${h(cellTitle(c))}</h4><p><small>${h(`${kernelText(c)} · ${archOf(c)} · spectre_v2: ${c.spectreV2 ?? 'unknown'} · ${accelText(c)}`)}</small>${warningsOf(c)}</p>`,
        wrap(
          `<table class="strategies" data-kind="${kind}" data-key="${h(c.key)}"><thead><tr>${strategyTableHeader(unit)
            .map((x) => `<th>${h(x)}</th>`)
            .join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`,
        ),
      );
    }
    parts.push(`<p><small>${h(strategyNote(unit))}</small></p>`);
    // One chart per architecture too: one axis never spans two (docs/measurement.md). The chart's
    // strategy order is its first cell's ranking (every cell's ranking is in its table).
    const mixed = mixedArches(of);
    for (const [arch, ofArch] of byArch(of)) {
      const order = rankedStrategies(ofArch[0]!).map((s) => s.strategy);
      const built = strategyBarsSpec(ofArch, order, strategyCost);
      if (built.groups === 0) continue;
      const caption =
        `Bars: OLS slope over all depths, ${UNIT_TEXT[unit].short} per transfer, per kernel / boot` +
        `${mixed ? ` (${arch})` : ''}; whiskers: 95 % interval.`;
      parts.push(
        `<div class="charts">${await figure('strategy-bars', `s${index}k${i++}`, built, caption, { kind, arch, groups: String(built.groups) })}</div>`,
      );
    }
  }
  return parts.join('\n');
}

/** One table per figure kind (a column never mixes units), and per architecture when it holds several. */
function tables(cells: readonly CellSummary[]): string {
  const parts: string[] = [];
  for (const [kind, of] of byKind(cells)) {
    const unit = cellUnit(of[0]!);
    parts.push(`<h3 data-kind="${kind}">${h(KIND_TITLE[kind])}</h3><p class="kind-note"><small>${h(KIND_NOTE[kind])}.</small></p>`);
    for (const part of archParts(of)) {
      if (part.title) parts.push(`<h4 data-arch="${part.arch}">${h(part.title)}</h4>`);
      parts.push(
        wrap(
          `<table class="cells" data-kind="${kind}"${part.arch ? ` data-arch="${part.arch}"` : ''}><thead><tr>${cellTableHeader(unit)
            .map((x) => `<th>${h(x)}</th>`)
            .join('')}</tr></thead><tbody>\n${part.cells.map(row).join('\n')}\n</tbody></table>`,
        ),
      );
    }
    parts.push(`<p><small>${h(methodNote(of))}</small></p>`);
  }
  return parts.join('\n');
}

async function figure(
  kind: string,
  idPrefix: string,
  built: { spec: Parameters<typeof renderSvg>[0]; series: number },
  caption: string,
  attrs: Record<string, string>,
): Promise<string> {
  const svg = await renderSvg(built.spec, idPrefix);
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` data-${k}="${h(v)}"`)
    .join('');
  return `<figure class="chart" data-chart="${kind}" data-series="${built.series}"${extra}>${svg}<figcaption>${h(caption)}</figcaption></figure>`;
}

/** Each figure kind's caveat, once per section. */
const sectionNotes = (cells: readonly CellSummary[]): string =>
  [...byKind(cells).keys()]
    .filter((k) => k !== 'hardware-ns')
    .map((k) => `<p class="kind-note" data-kind="${k}"><small>${h(KIND_TITLE[k])}: ${h(KIND_NOTE[k])}.</small></p>`)
    .join('');

/**
 * At the top: every kernel and boot configuration, one chart per figure kind (one unit per axis) and
 * benchmark; with several architectures, one group of charts per architecture, amd64 first.
 */
async function overview(cells: readonly CellSummary[]): Promise<string> {
  const ok = cells.filter((c) => c.status === 'ok' && (c.direct?.fit || c.indirect?.fit));
  if (ok.length === 0) return '';
  const parts = [`<section class="overview"><h2>Overview: direct vs indirect, every kernel and boot configuration</h2>${sectionNotes(ok)}`];
  const mixed = mixedArches(ok);
  let i = 0;
  for (const [arch, ofArch] of byArch(ok)) {
    if (mixed) parts.push(`<h3 data-arch="${arch}">Architecture ${h(arch)}</h3>`);
    parts.push('<div class="charts">');
    for (const [kind, of] of byKind(ofArch)) {
      for (const [bench, ofBench] of byBenchmark(of)) {
        const built = overviewSpec(ofBench, mixed);
        const caption = `Benchmark ${bench}. Bars: OLS slope in ${UNIT_TEXT[cellUnit(of[0]!)].words}; whiskers: 95 % interval.`;
        parts.push(await figure('overview', `o${i++}`, built, caption, { kind, arch, benchmark: bench, groups: String(built.groups) }));
      }
    }
    parts.push('</div>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** Benchmark 1's charts: per kernel, direct vs indirect; per cell, duration vs depth. */
async function testRunCharts(cells: readonly CellSummary[], index: number): Promise<string> {
  const parts: string[] = [];
  const ok = cells.filter((c) => c.status === 'ok' && (c.direct?.fit || c.indirect?.fit));
  parts.push('<h3>Direct vs indirect, per kernel</h3><div class="charts">');
  // One chart per kernel, figure kind and architecture: a kernel run both under KVM and TCG gets two.
  let i = 0;
  const mixed = mixedArches(ok);
  for (const [kind, ofKind] of byKind(ok)) {
    for (const [arch, ofArch] of byArch(ofKind)) {
      for (const k of [...new Set(ofArch.map((c) => c.kernel.id))]) {
        const ks = ofArch.filter((c) => c.kernel.id === k);
        const caveats = ks.filter((c) => directCaveat(c.direct)).map((c) => ` ${c.boot.name}: direct ${directCaveat(c.direct)}.`);
        const caption = `Bars: OLS slope in ${UNIT_TEXT[cellUnit(ks[0]!)].words}; whiskers: 95 % interval.${caveats.join('')}`;
        parts.push(await figure('kernel-bars', `b${index}k${i++}`, kernelBarsSpec(k, ks, mixed), caption, { kernel: k, kind, arch }));
      }
    }
  }
  parts.push('</div><h3>Duration vs depth, per cell</h3><div class="charts">');
  for (const [j, c] of ok.entries()) {
    const fits = [c.direct, c.indirect]
      .filter((v) => v?.fit)
      .map((v) => `${v!.variant}: y = ${num(v!.fit!.intercept)} + ${num(v!.fit!.slope)}·depth (R² ${v!.fit!.r2.toFixed(4)})`)
      .join('; ');
    const caveat = directCaveat(c.direct);
    const caption = `${fits}.${caveat ? ` Direct: ${caveat}.` : ''}`;
    parts.push(await figure('depth', `b${index}c${j}`, depthSpec(c), caption, { key: c.key, kind: summaryKind(c), arch: archOf(c) }));
  }
  parts.push('</div>');
  return parts.join('\n');
}

/**
 * Hardware cells (test-run, and each traffic method): the per-depth profile with its regimes, the knee
 * and the saving per regime.
 */
async function curveSection(cells: readonly CellSummary[], index: number): Promise<string> {
  const of = curveBlocksOf(cells);
  if (of.length === 0) return '';
  const parts = ['<section class="curve"><h3>Hardware cost curve: per-depth profile and regimes</h3>'];
  for (const [j, b] of of.entries()) {
    const c = b.cell;
    const caption =
      b.method === null
        ? "Points: median per depth; whiskers: its 95 % interval; lines: each regime's fit; dashed rule and band: the knee and its bootstrap range. Hardware ns."
        : "Points: the window's mean per packet at each depth (no per-packet spread is recorded, so no whisker); lines: each regime's fit; dashed rule and band: the knee and its residual-bootstrap range. Hardware ns.";
    const title = `${c.kernel.id} / ${c.boot.name}${b.method === null ? '' : `, under traffic (${b.method})`}`;
    parts.push(
      `<div class="curve-cell" data-key="${h(c.key)}"${b.method === null ? '' : ` data-method="${h(b.method)}"`}><h4>${h(cellTitle(c))}${b.method === null ? '' : ` · under traffic, ${h(b.method)}`}</h4><ul>${curveLines(
        b,
      )
        .map((l) => `<li>${h(l)}</li>`)
        .join('')}</ul>`,
    );
    parts.push(
      await figure('curve', `b${index}v${j}`, curveSpec(title, b.variants, estimateWord(b)), caption, { key: c.key, kind: 'hardware-ns' }),
    );
    parts.push(
      `<details><summary>Per-depth profile (hardware ns)</summary><table class="profile"><thead><tr>${profileHeader(b)
        .map((x) => `<th>${h(x)}</th>`)
        .join('')}</tr></thead><tbody>`,
      ...profileRows(b).map((r) => `<tr>${r.map((x) => td(x, 'num')).join('')}</tr>`),
      '</tbody></table></details></div>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

async function benchmarkSection(name: string, cells: readonly CellSummary[], index: number): Promise<string> {
  const traffic = isTrafficBenchmark(cells);
  const strategies = isStrategiesBenchmark(cells);
  const parts = [
    `<section class="benchmark" data-benchmark="${h(name)}"><h2>Benchmark <code>${h(name)}</code></h2>`,
    traffic ? trafficTables(cells) : strategies ? await strategySection(cells, index) : tables(cells),
  ];
  if (traffic) parts.push(await trafficCharts(cells, index), await curveSection(cells, index));
  else if (!strategies) parts.push(await testRunCharts(cells, index), await curveSection(cells, index));
  const details = fitDetailRows(cells);
  if (details.length > 0) {
    parts.push(
      `<details><summary>Fit details</summary><div class="table-wrap"><table class="fits"><thead><tr>${FIT_DETAIL_HEADER.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>`,
      ...details.map((r) => `<tr>${r.map((x, i) => td(x, i < 3 ? '' : 'num')).join('')}</tr>`),
      '</tbody></table></div></details>',
    );
  }
  const failed = cells.filter((c) => c.status !== 'ok');
  if (failed.length > 0) {
    parts.push('<h3>Failed cells</h3>');
    for (const c of failed) {
      parts.push(
        `<div class="failed-cell" data-key="${h(c.key)}"><h4>${h(cellTitle(c))}: ${h(failureText(c))}</h4>` +
          `<p>Cell <code>${h(c.cellId)}</code> of run <code>${h(c.runId)}</code>, ${h(accelText(c))}, ${(c.wallMs / 1000).toFixed(1)} s.</p>` +
          `<pre>${h(c.consoleExcerpt.join('\n'))}</pre></div>`,
      );
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

function sequenceSection(cells: readonly CellSummary[]): string {
  const line = symmetryLine(cells);
  const rows = sequenceRows(cells).map(
    (r) => `<tr>${r.map((x, j) => (j === 4 ? `<td><code>${h(x)}</code></td>` : td(x, j === 3 ? 'num' : ''))).join('')}</tr>`,
  );
  return [
    '<section id="sequences"><h2>Tail-call sequences, instruction by instruction</h2>',
    line ? `<p><strong>${h(line)}</strong></p>` : '',
    rows.length > 0
      ? `<table class="sequences"><thead><tr>${SEQUENCE_HEADER.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`
      : '',
    `<p><small>${h(SEQUENCE_NOTE)}</small></p></section>`,
  ].join('');
}

function retpolinePriceSection(prices: Summary['retpolinePrices']): string {
  const parts = [`<section class="retpoline-price"><h2>The retpoline's own price</h2>`];
  for (const [kind, ofKind] of byKind(prices)) {
    parts.push(`<h3 data-kind="${kind}">${h(KIND_TITLE[kind])}</h3>`);
    for (const { arch, title, cells: of } of archParts(ofKind)) {
      const rows = retpolinePriceRows(of).map(
        (r, i) => `<tr data-kernel="${h(of[i]!.kernel.id)}">${r.map((x, j) => td(x, j < 3 ? '' : 'num')).join('')}</tr>`,
      );
      if (title) parts.push(`<h4 data-arch="${arch}">${h(title)}</h4>`);
      parts.push(
        wrap(
          `<table class="prices" data-kind="${kind}"${arch ? ` data-arch="${arch}"` : ''}><thead><tr>${RETPOLINE_PRICE_HEADER.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
        ),
      );
    }
  }
  parts.push(`<p><small>${h(RETPOLINE_PRICE_NOTE)}</small></p></section>`);
  return parts.join('\n');
}

function baselineSection(b: BaselineSummary): string {
  const rows = b.comparisons.map((k) => {
    const status = comparisonStatusOf(k);
    const r = baselineRow(k);
    const cls = status === 'regression' ? 'regression' : status === 'not-comparable' ? 'not-comparable' : '';
    return `<tr${status === 'regression' ? ' class="failed"' : ''}>${r.map((v, i) => td(v, i >= 3 && i <= 5 ? 'num' : i === 7 ? cls : '')).join('')}</tr>`;
  });
  return (
    `<section class="baseline"><h2>Baseline</h2><p>Compared with <code>${h(b.source)}</code>. Gate: ${h(gateText(b.gate))}. <strong>${h(gateHeadline(b))}.</strong></p>` +
    wrap(
      `<table><thead><tr>${BASELINE_HEADER.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
    ) +
    (b.problems.length > 0
      ? `<p>${h(problemsHeading(b))}</p><ul>${b.problems.map((p) => `<li class="failed">${h(problemText(p))}</li>`).join('')}</ul>`
      : '') +
    (b.newFigures.length > 0
      ? `<p>${h(NEW_FIGURES_HEADING)}</p><ul>${b.newFigures.map((n) => `<li class="new">${h(newFigureText(n))}</li>`).join('')}</ul>`
      : '') +
    '</section>'
  );
}

export async function renderHtml(s: Summary): Promise<string> {
  const t = s.totals;
  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    '<title>tailmatrix: cost of one eBPF tail call</title>',
    `<style>${STYLE}</style></head><body>`,
    '<h1>tailmatrix: the cost of one eBPF tail call, direct jump vs indirect jump</h1>',
    `<p class="meta">Runs ${s.runs.map((r) => `<code>${h(r)}</code>`).join(', ')} · ${t.cells} cell(s): ${t.ok} ok, ${t.failed} failed, ${t.emulated} emulated · tailmatrix ${h(s.tool.version)}</p>`,
  ];
  parts.push(
    `<section class="findings"><h2>What this run found</h2><ul>${findings(s)
      .map((f) => `<li>${h(f)}</li>`)
      .join('')}</ul></section>`,
  );
  for (const n of kindNotices(s.cells)) parts.push(`<p class="note" data-level="${n.level}">${h(n.text)}</p>`);
  for (const n of s.notes) parts.push(`<p class="note">${h(n)}</p>`);
  parts.push(await overview(s.cells));
  let i = 0;
  for (const [name, cells] of byBenchmark(s.cells)) parts.push(await benchmarkSection(name, cells, i++));
  if (s.cells.some((c) => c.jitSymmetry)) parts.push(sequenceSection(s.cells));
  if (s.retpolinePrices.length > 0) parts.push(retpolinePriceSection(s.retpolinePrices));
  if (s.baseline) parts.push(baselineSection(s.baseline));
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}
