// One self-contained HTML file: the tables of the Markdown report plus charts rendered to inline SVG
// now, so viewing it needs neither network nor JavaScript.
import { EMULATED_NOTE } from '../analysis/analyse-cell.js';
import type { BaselineSummary, CellSummary, Summary } from '../analysis/summary-schema.js';
import { depthSpec, kernelBarsSpec } from './chart-specs.js';
import { escapeXml as h } from './escape.js';
import {
  accelText,
  byBenchmark,
  cellTitle,
  directCaveat,
  failureText,
  FIT_DETAIL_HEADER,
  fitDetailRows,
  interval,
  kernelText,
  num,
  savingText,
  slopeText,
} from './format.js';
import { renderSvg } from './render-svg.js';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.failed td{background:#fdecea}
.emulated{color:#8a5a00}
.caveat{color:#b00020;font-weight:600}
.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem 1rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure.chart{margin:0;border:1px solid #eee;padding:.5rem}
figcaption{font-size:.8rem;color:#555;max-width:420px}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.8rem}
.regression{color:#b00020;font-weight:600}
`;

function td(text: string, cls = ''): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${h(text)}</td>`;
}

function row(c: CellSummary): string {
  const failed = c.status !== 'ok';
  const caveat = directCaveat(c.direct);
  const direct = failed
    ? `<td class="num"><strong>${h(c.status)}</strong></td>`
    : `<td class="num">${h(slopeText(c.direct?.fit))}${caveat ? `<br><span class="caveat">⚠ ${h(caveat)}</span>` : ''}</td>`;
  return (
    `<tr${failed ? ' class="failed"' : ''} data-key="${h(c.key)}">` +
    td(kernelText(c)) +
    td(c.boot.name) +
    td(c.spectreV2 ?? '—') +
    direct +
    td(c.direct?.mechanism ?? '—') +
    td(failed ? '—' : slopeText(c.indirect?.fit), 'num') +
    td(c.indirect?.mechanism ?? '—') +
    td(savingText(c), 'num') +
    td(accelText(c), c.emulated ? 'emulated' : '') +
    '</tr>'
  );
}

function table(cells: readonly CellSummary[]): string {
  const head = [
    'kernel',
    'boot',
    'spectre_v2',
    'direct ns/call (95 % CI)',
    'direct JIT',
    'indirect ns/call (95 % CI)',
    'indirect JIT',
    'saving (direct vs indirect)',
    'accelerator',
  ];
  return `<table class="cells"><thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>\n${cells.map(row).join('\n')}\n</tbody></table>`;
}

async function figure(kind: string, idPrefix: string, built: { spec: Parameters<typeof renderSvg>[0]; series: number }, caption: string, attrs: Record<string, string>): Promise<string> {
  const svg = await renderSvg(built.spec, idPrefix);
  const extra = Object.entries(attrs).map(([k, v]) => ` data-${k}="${h(v)}"`).join('');
  return `<figure class="chart" data-chart="${kind}" data-series="${built.series}"${extra}>${svg}<figcaption>${h(caption)}</figcaption></figure>`;
}

async function benchmarkSection(name: string, cells: readonly CellSummary[], index: number): Promise<string> {
  const parts = [`<section class="benchmark" data-benchmark="${h(name)}"><h2>Benchmark <code>${h(name)}</code></h2>`, table(cells)];
  parts.push(
    '<p><small>ns/call: slope of an ordinary least-squares fit of the per-depth median <code>duration</code> against chain depth; ± is the half-width of its 95 % Student-t interval.</small></p>',
  );
  const ok = cells.filter((c) => c.status === 'ok' && (c.direct?.fit || c.indirect?.fit));
  const kernels = [...new Set(ok.map((c) => c.kernel.id))];
  parts.push('<h3>Direct vs indirect, per kernel</h3><div class="charts">');
  for (const [i, k] of kernels.entries()) {
    const ks = ok.filter((c) => c.kernel.id === k);
    const caveats = ks.filter((c) => directCaveat(c.direct)).map((c) => ` ${c.boot.name}: direct ${directCaveat(c.direct)}.`);
    const caption = `Bars: OLS slope; whiskers: 95 % interval.${caveats.join('')}${ks.some((c) => c.emulated) ? ` TCG: ${EMULATED_NOTE}.` : ''}`;
    parts.push(await figure('kernel-bars', `b${index}k${i}`, kernelBarsSpec(k, ks), caption, { kernel: k }));
  }
  parts.push('</div><h3>Duration vs depth, per cell</h3><div class="charts">');
  for (const [i, c] of ok.entries()) {
    const fits = [c.direct, c.indirect]
      .filter((v) => v?.fit)
      .map((v) => `${v!.variant}: y = ${num(v!.fit!.intercept)} + ${num(v!.fit!.slope)}·depth (R² ${v!.fit!.r2.toFixed(4)})`)
      .join('; ');
    const caveat = directCaveat(c.direct);
    const caption = `${fits}.${caveat ? ` Direct: ${caveat}.` : ''}${c.emulated ? ` ${EMULATED_NOTE}.` : ''}`;
    parts.push(await figure('depth', `b${index}c${i}`, depthSpec(c), caption, { key: c.key }));
  }
  parts.push('</div>');
  const details = fitDetailRows(cells);
  if (details.length > 0) {
    parts.push(
      `<details><summary>Fit details</summary><table class="fits"><thead><tr>${FIT_DETAIL_HEADER.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>`,
      ...details.map((r) => `<tr>${r.map((x, i) => td(x, i < 2 ? '' : 'num')).join('')}</tr>`),
      '</tbody></table></details>',
    );
  }
  const warned = cells.filter((c) => c.status === 'ok' && c.warnings.length > 0);
  if (warned.length > 0) {
    parts.push('<h3>Warnings</h3><ul class="warnings">');
    for (const c of warned) for (const w of c.warnings) parts.push(`<li><code>${h(c.key)}</code>: ${h(w)}</li>`);
    parts.push('</ul>');
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

function baselineSection(b: BaselineSummary): string {
  const rows = b.comparisons.map((k) => {
    const verdict = k.note ?? (k.regression ? 'regression' : 'ok');
    return (
      `<tr${k.regression ? ' class="failed"' : ''}>${td(k.key)}${td(k.variant)}` +
      td(`${num(k.baselineSlope)} ${interval(k.baselineCi)}`, 'num') +
      td(`${num(k.currentSlope)} ${interval(k.currentCi)}`, 'num') +
      td(`${k.deltaNs >= 0 ? '+' : ''}${num(k.deltaNs)} ns (${k.deltaPct >= 0 ? '+' : ''}${num(k.deltaPct, 1)} %)`, 'num') +
      td(verdict, k.regression ? 'regression' : '') +
      '</tr>'
    );
  });
  return (
    `<section class="baseline"><h2>Baseline</h2><p>Compared with <code>${h(b.source)}</code>. A slope regresses when it rises by more than ${b.gate.thresholdNs} ns and more than ${b.gate.thresholdPct} % and its 95 % interval no longer overlaps the baseline's. <strong>${b.regressions} regression(s)</strong> in ${b.comparisons.length} comparison(s).</p>` +
    `<table><thead><tr><th>cell</th><th>variant</th><th>baseline ns/call</th><th>current ns/call</th><th>change</th><th>verdict</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` +
    (b.missing.length > 0 ? `<p>In the baseline but not measured now: ${b.missing.map((m) => `<code>${h(m)}</code>`).join(', ')}.</p>` : '') +
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
  if (t.emulated > 0) {
    parts.push(
      `<p class="note">${t.emulated} cell(s) ran under TCG software emulation (${h(EMULATED_NOTE)}): no speculation is emulated, so their figures compare kernels and jumps with each other, never with hardware nanoseconds.</p>`,
    );
  }
  for (const n of s.notes) parts.push(`<p class="note">${h(n)}</p>`);
  let i = 0;
  for (const [name, cells] of byBenchmark(s.cells)) parts.push(await benchmarkSection(name, cells, i++));
  if (s.baseline) parts.push(baselineSection(s.baseline));
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}
