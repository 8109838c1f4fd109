// Markdown report, written to be pasted as-is into $GITHUB_STEP_SUMMARY.
import { findings } from './findings.js';
import { byKind, KIND_NOTE, KIND_TITLE } from '../analysis/units.js';
import type { BaselineSummary, CellSummary, Summary } from '../analysis/summary-schema.js';
import { archOf } from '../analysis/arch-groups.js';
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
  problemText,
  RETPOLINE_PRICE_HEADER,
  RETPOLINE_PRICE_NOTE,
  retpolinePriceRows,
  savingText,
  variantCostText,
} from './format.js';
import { curveBlocksOf, curveLines, estimateWord, profileHeader, profileRows, sparkline } from './curve-format.js';
import { SEQUENCE_HEADER, SEQUENCE_NOTE, sequenceRows, symmetryLine } from './sequence-format.js';
import {
  isTrafficBenchmark,
  TRAFFIC_NUMERIC_COLUMNS,
  TRAFFIC_STATUS_COLUMN,
  trafficNote,
  trafficRows,
  trafficTableHeader,
} from './traffic-format.js';
import {
  isStrategiesBenchmark,
  STRATEGY_KIND_TITLE,
  STRATEGY_NUMERIC_COLUMNS,
  strategyNote,
  strategyRows,
  strategyTableHeader,
} from './strategies-format.js';

/** Table cells are one line and must not end the cell early. */
const cell = (s: string): string => s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

/** A fence longer than any run of backticks inside, so a console line cannot close it. */
function fenced(lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${lines.join('\n')}\n${fence}`;
}

function mechanismText(c: CellSummary, v: 'direct' | 'indirect'): string {
  return c[v]?.mechanism ?? '—';
}

function row(c: CellSummary): string {
  const failed = c.status !== 'ok';
  const caveat = directCaveat(c.direct);
  const unit = cellUnit(c);
  const direct = failed ? `**${c.status}**` : `${variantCostText(c.direct, unit)}${caveat ? ` ⚠️ ${caveat}` : ''}`;
  const cols = [
    kernelText(c),
    archOf(c),
    c.boot.name,
    c.spectreV2 ?? '—',
    direct,
    mechanismText(c, 'direct'),
    failed ? '—' : variantCostText(c.indirect, unit),
    mechanismText(c, 'indirect'),
    savingText(c),
    accelText(c),
  ];
  return `| ${cols.map(cell).join(' | ')} |`;
}

/** One table per figure kind, and within it one per architecture when it holds several (amd64 first). */
function kindTables(cells: readonly CellSummary[]): string[] {
  const parts: string[] = [];
  for (const [kind, of] of byKind(cells)) {
    const header = cellTableHeader(cellUnit(of[0]!));
    parts.push(`### ${KIND_TITLE[kind]}`, '', `_${KIND_NOTE[kind]}._`, '');
    for (const part of archParts(of)) {
      if (part.title) parts.push(`#### ${part.title}`, '');
      parts.push(
        `| ${header.join(' | ')} |`,
        `| ${header.map((_, i) => ([4, 6, 8].includes(i) ? '---:' : '---')).join(' | ')} |`,
        ...part.cells.map(row),
        '',
      );
    }
    parts.push(`_${methodNote(of)} Saving = indirect − direct, and its share of the indirect cost._`, '');
  }
  return parts;
}

/** Benchmark 2: one table per figure kind, a row per cell and method. */
function trafficTables(cells: readonly CellSummary[]): string[] {
  const parts: string[] = [];
  for (const [kind, of] of byKind(cells)) {
    const unit = cellUnit(of[0]!);
    const header = trafficTableHeader(unit);
    parts.push(`### Under traffic: ${KIND_TITLE[kind]}`, '', `_${KIND_NOTE[kind]}._`, '');
    for (const part of archParts(of)) {
      if (part.title) parts.push(`#### ${part.title}`, '');
      parts.push(
        `| ${header.join(' | ')} |`,
        `| ${header.map((_, i) => (TRAFFIC_NUMERIC_COLUMNS.includes(i) ? '---:' : '---')).join(' | ')} |`,
      );
      for (const c of part.cells) {
        for (const r of trafficRows(c))
          parts.push(
            `| ${r.cols
              .map((x, i) => (i === TRAFFIC_STATUS_COLUMN && r.failed ? `**${x}**` : x))
              .map(cell)
              .join(' | ')} |`,
          );
      }
      parts.push('');
    }
    parts.push(`_${trafficNote(kind)}_`, '');
  }
  return parts;
}

/** Benchmark 3: per figure kind, one table per kernel and boot, strategies ranked by cost per transfer. */
function strategyTables(cells: readonly CellSummary[]): string[] {
  const parts: string[] = [];
  for (const [kind, of] of byKind(cells.filter((c) => c.status === 'ok'))) {
    const unit = cellUnit(of[0]!);
    const header = strategyTableHeader(unit);
    parts.push(`### ${STRATEGY_KIND_TITLE[kind]}`, '', `_${KIND_NOTE[kind]}._`, '');
    for (const c of of) {
      parts.push(
        `#### ${cellTitle(c)}`,
        '',
        `${kernelText(c)} · ${archOf(c)} · spectre_v2: ${c.spectreV2 ?? 'unknown'} · ${accelText(c)}`,
        '',
      );
      parts.push(
        `| ${header.join(' | ')} |`,
        `| ${header.map((_, i) => (STRATEGY_NUMERIC_COLUMNS.includes(i) ? '---:' : '---')).join(' | ')} |`,
        ...strategyRows(c).map((r) => `| ${r.cols.map(cell).join(' | ')} |`),
        '',
      );
    }
    parts.push(`_${strategyNote(unit)}_`, '');
  }
  return parts;
}

/**
 * Hardware cells (test-run, and each traffic method): the curve in words, the profile as a sparkline
 * and, folded, as a table per depth.
 */
function curveSection(cells: readonly CellSummary[]): string[] {
  const of = curveBlocksOf(cells);
  if (of.length === 0) return [];
  const parts = ['### Hardware cost curve: per-depth profile and regimes', ''];
  for (const b of of) {
    parts.push(`#### ${cellTitle(b.cell)}${b.method === null ? '' : ` · under traffic, ${b.method}`}`, '');
    for (const l of curveLines(b)) parts.push(`- ${l}`);
    for (const v of b.variants)
      parts.push(
        `- ${v.variant} ${estimateWord(b)} per depth ${v.curve.profile[0]?.depth ?? 0}–${v.curve.profile.at(-1)?.depth ?? 0}: \`${sparkline(v.curve)}\``,
      );
    parts.push('', '<details><summary>Per-depth profile (hardware ns)</summary>', '');
    const header = profileHeader(b);
    parts.push(
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---:').join(' | ')} |`,
      ...profileRows(b).map((r) => `| ${r.map(cell).join(' | ')} |`),
    );
    parts.push('', '</details>', '');
  }
  return parts;
}

function benchmarkSection(name: string, cells: readonly CellSummary[]): string {
  const parts = [
    `## Benchmark ${code(name)}`,
    '',
    ...(isTrafficBenchmark(cells) ? trafficTables(cells) : isStrategiesBenchmark(cells) ? strategyTables(cells) : kindTables(cells)),
    ...curveSection(cells),
  ];
  const details = fitDetailRows(cells);
  if (details.length > 0) {
    parts.push(
      '<details><summary>Fit details</summary>',
      '',
      `| ${FIT_DETAIL_HEADER.join(' | ')} |`,
      `| ${FIT_DETAIL_HEADER.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`,
      ...details.map((r) => `| ${r.map(cell).join(' | ')} |`),
      '',
      '</details>',
      '',
    );
  }
  const warned = cells.filter((c) => c.status === 'ok' && c.warnings.length > 0);
  if (warned.length > 0) {
    parts.push('### Warnings', '');
    for (const c of warned) for (const w of c.warnings) parts.push(`- ${code(c.key)}: ${w}`);
    parts.push('');
  }
  const failed = cells.filter((c) => c.status !== 'ok');
  if (failed.length > 0) {
    parts.push('### Failed cells', '');
    for (const c of failed) {
      parts.push(`#### ${cellTitle(c)}: ${failureText(c)}`, '');
      parts.push(`Cell ${code(c.cellId)} of run ${code(c.runId)}, ${accelText(c)}, ${(c.wallMs / 1000).toFixed(1)} s.`, '');
      parts.push(c.consoleExcerpt.length > 0 ? fenced(c.consoleExcerpt) : '_no console output_', '');
    }
  }
  return parts.join('\n');
}

function retpolinePriceSection(prices: Summary['retpolinePrices']): string {
  const parts = ["## The retpoline's own price", ''];
  for (const [kind, ofKind] of byKind(prices)) {
    parts.push(`### ${KIND_TITLE[kind]}`, '');
    for (const { title, cells: of } of archParts(ofKind)) {
      if (title) parts.push(`#### ${title}`, '');
      parts.push(
        `| ${RETPOLINE_PRICE_HEADER.join(' | ')} |`,
        `| ${RETPOLINE_PRICE_HEADER.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`,
      );
      parts.push(...retpolinePriceRows(of).map((r) => `| ${r.map(cell).join(' | ')} |`), '');
    }
  }
  parts.push(`_${RETPOLINE_PRICE_NOTE}_`, '');
  return parts.join('\n');
}

function sequenceSection(cells: readonly CellSummary[]): string {
  const rows = sequenceRows(cells);
  const parts = ['## Tail-call sequences, instruction by instruction', ''];
  const line = symmetryLine(cells);
  if (line) parts.push(`**${line}**`, '');
  if (rows.length > 0) {
    parts.push(`| ${SEQUENCE_HEADER.join(' | ')} |`, `| ${SEQUENCE_HEADER.map((_, i) => (i === 3 ? '---:' : '---')).join(' | ')} |`);
    parts.push(...rows.map((r) => `| ${r.map(cell).join(' | ')} |`), '');
  }
  parts.push(`_${SEQUENCE_NOTE}_`, '');
  return parts.join('\n');
}

function baselineSection(b: BaselineSummary): string {
  const parts = ['## Baseline', '', `Compared with ${code(b.source)}. Gate: ${gateText(b.gate)}.`, '', `**${gateHeadline(b)}.**`, ''];
  if (b.comparisons.length > 0) {
    parts.push(
      `| ${BASELINE_HEADER.join(' | ')} |`,
      `| ${BASELINE_HEADER.map((_, i) => (i >= 3 && i <= 5 ? '---:' : '---')).join(' | ')} |`,
    );
    for (const k of b.comparisons) {
      const r = baselineRow(k);
      const mark = { regression: '❌ ', 'not-comparable': '⚠️ ', ok: '', 'not-gated': '' }[comparisonStatusOf(k)];
      r[7] = `${mark}${r[7]}`;
      parts.push(`| ${r.map(cell).join(' | ')} |`);
    }
    parts.push('');
  }
  if (b.problems.length > 0) {
    parts.push(problemsHeading(b), '');
    for (const p of b.problems) parts.push(`- ❌ ${cell(problemText(p))}`);
    parts.push('');
  }
  if (b.newFigures.length > 0) {
    parts.push(NEW_FIGURES_HEADING, '');
    for (const n of b.newFigures) parts.push(`- 🆕 ${cell(newFigureText(n))}`);
    parts.push('');
  }
  return parts.join('\n');
}

export function renderMarkdown(s: Summary): string {
  const t = s.totals;
  const parts = [
    '# tailmatrix: the cost of one eBPF tail call, direct jump vs indirect jump',
    '',
    `Runs ${s.runs.map(code).join(', ')} · ${t.cells} cell(s): ${t.ok} ok, ${t.failed} failed, ${t.emulated} emulated · tailmatrix ${s.tool.version}`,
    '',
  ];
  parts.push('## What this run found', '', ...findings(s).map((f) => `- ${f}`), '');
  for (const n of kindNotices(s.cells)) parts.push(`> [!${n.level.toUpperCase()}]\n> ${n.text}`, '');
  for (const n of s.notes) parts.push(`> [!NOTE]\n> ${n}`, '');
  for (const [name, cells] of byBenchmark(s.cells)) parts.push(benchmarkSection(name, cells));
  if (s.cells.some((c) => c.jitSymmetry)) parts.push(sequenceSection(s.cells));
  if (s.retpolinePrices.length > 0) parts.push(retpolinePriceSection(s.retpolinePrices));
  if (s.baseline) parts.push(baselineSection(s.baseline));
  return `${parts.join('\n').trimEnd()}\n`;
}
