// Markdown report, written to be pasted as-is into $GITHUB_STEP_SUMMARY.
import { EMULATED_NOTE } from '../analysis/analyse-cell.js';
import type { BaselineSummary, CellSummary, Summary } from '../analysis/summary-schema.js';
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
  const direct = failed ? `**${c.status}**` : `${slopeText(c.direct?.fit)}${caveat ? ` ⚠️ ${caveat}` : ''}`;
  const cols = [
    kernelText(c),
    c.boot.name,
    c.spectreV2 ?? '—',
    direct,
    mechanismText(c, 'direct'),
    failed ? '—' : slopeText(c.indirect?.fit),
    mechanismText(c, 'indirect'),
    savingText(c),
    accelText(c),
  ];
  return `| ${cols.map(cell).join(' | ')} |`;
}

const HEADER =
  '| kernel | boot | spectre_v2 | direct ns/call (95 % CI) | direct JIT | indirect ns/call (95 % CI) | indirect JIT | saving (direct vs indirect) | accelerator |\n' +
  '| --- | --- | --- | ---: | --- | ---: | --- | ---: | --- |';

function benchmarkSection(name: string, cells: readonly CellSummary[]): string {
  const parts = [`## Benchmark ${code(name)}`, '', HEADER, ...cells.map(row), ''];
  parts.push(
    '_ns/call: slope of an ordinary least-squares fit of the per-depth median `duration` against chain depth; ' +
      '± is the half-width of its 95 % Student-t interval. Saving = indirect − direct, and its share of the indirect cost._',
    '',
  );
  const details = fitDetailRows(cells);
  if (details.length > 0) {
    parts.push(
      '<details><summary>Fit details</summary>',
      '',
      `| ${FIT_DETAIL_HEADER.join(' | ')} |`,
      `| ${FIT_DETAIL_HEADER.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
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

function baselineSection(b: BaselineSummary): string {
  const parts = [
    '## Baseline',
    '',
    `Compared with ${code(b.source)}. Gate: a slope regresses when it rises by more than ${b.gate.thresholdNs} ns ` +
      `and more than ${b.gate.thresholdPct} % and its 95 % interval no longer overlaps the baseline's.`,
    '',
    `**${b.regressions === 0 ? 'No regression' : `${b.regressions} regression(s)`}** in ${b.comparisons.length} comparison(s).`,
    '',
  ];
  if (b.comparisons.length > 0) {
    parts.push('| cell | variant | baseline ns/call | current ns/call | change | verdict |', '| --- | --- | ---: | ---: | ---: | --- |');
    for (const k of b.comparisons) {
      const verdict = k.note ?? (k.regression ? '❌ regression' : 'ok');
      parts.push(
        `| ${cell(k.key)} | ${k.variant} | ${num(k.baselineSlope)} ${interval(k.baselineCi)} | ${num(k.currentSlope)} ${interval(k.currentCi)} | ${k.deltaNs >= 0 ? '+' : ''}${num(k.deltaNs)} ns (${k.deltaPct >= 0 ? '+' : ''}${num(k.deltaPct, 1)} %) | ${cell(verdict)} |`,
      );
    }
    parts.push('');
  }
  if (b.missing.length > 0) parts.push(`In the baseline but not measured now: ${b.missing.map(code).join(', ')}.`, '');
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
  if (t.emulated > 0) {
    parts.push(
      `> [!WARNING]\n> ${t.emulated} cell(s) ran under TCG software emulation (${EMULATED_NOTE}): no speculation is emulated, ` +
        'so their figures compare kernels and jumps with each other, never with hardware nanoseconds.',
      '',
    );
  }
  for (const n of s.notes) parts.push(`> [!NOTE]\n> ${n}`, '');
  for (const [name, cells] of byBenchmark(s.cells)) parts.push(benchmarkSection(name, cells));
  if (s.baseline) parts.push(baselineSection(s.baseline));
  return `${parts.join('\n').trimEnd()}\n`;
}
