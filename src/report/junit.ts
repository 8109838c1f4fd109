// JUnit XML: one test case per cell; a failed cell or a regression against the baseline is a failure.
import { KIND_NOTE, summaryKind, UNIT_TEXT } from '../analysis/units.js';
import type { BaselineComparison, CellSummary, RetpolinePrice, Summary } from '../analysis/summary-schema.js';
import { escapeXml as x } from './escape.js';
import { byBenchmark, cellUnit, deltaText, directCaveat, failureText, interval, mechanismWithReason, num, savingText, slopeText } from './format.js';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function regressionText(k: BaselineComparison): string {
  const unit = k.unit ?? 'ns';
  const per = UNIT_TEXT[unit].perCall;
  return (
    `${k.variant} slope rose from ${num(k.baselineSlope)} ${interval(k.baselineCi)} ${per} to ${num(k.currentSlope)} ` +
    `${interval(k.currentCi)} ${per}: ${deltaText(k.deltaNs, k.deltaPct, unit)}`
  );
}

/** The retpoline's own price on this cell's kernel, told on the cell whose indirect jump is the retpoline. */
function priceLines(c: CellSummary, prices: readonly RetpolinePrice[]): string[] {
  return prices
    .filter((p) => p.retpoline.key === c.key)
    .map((p) => {
      const per = UNIT_TEXT[p.unit].perCall;
      return `retpoline's own price: ${num(p.price)} ${interval(p.priceCi)} ${per} (indirect here − indirect at boot ${p.plain.boot}, ${p.plain.mechanism})`;
    });
}

function resultLines(c: CellSummary, prices: readonly RetpolinePrice[]): string[] {
  const lines: string[] = [];
  const kind = summaryKind(c);
  for (const v of [c.direct, c.indirect]) {
    if (!v) continue;
    lines.push(`${v.variant}: ${slopeText(v.fit, cellUnit(c))}, JIT ${mechanismWithReason(v)}${v.fit ? `, R² ${v.fit.r2.toFixed(4)}` : ''}`);
  }
  if (c.comparison || c.withheldReason) lines.push(`saving: ${savingText(c)}`);
  lines.push(...priceLines(c, prices));
  lines.push(`spectre_v2: ${c.spectreV2 ?? 'unknown'}; accelerator: ${c.accelerator}${c.icountShift != null ? `, -icount shift=${c.icountShift}` : ''}`);
  lines.push(`figures: ${kind} (${KIND_NOTE[kind]})`);
  const caveat = directCaveat(c.direct);
  if (caveat && c.status === 'ok') lines.push(`direct: ${caveat}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines;
}

function testcase(c: CellSummary, regressions: readonly BaselineComparison[], prices: readonly RetpolinePrice[]): string {
  const head = `    <testcase classname="${x(`tailmatrix.${c.benchmark.name}.${c.kernel.id}`)}" name="${x(`${c.kernel.id} / ${c.boot.name}`)}" time="${seconds(c.wallMs)}">`;
  const body: string[] = [];
  if (c.status !== 'ok') {
    body.push(`      <failure type="${x(c.status)}" message="${x(failureText(c))}">${x(c.consoleExcerpt.join('\n'))}</failure>`);
  } else if (regressions.length > 0) {
    const msg = regressions.map(regressionText).join('; ');
    body.push(`      <failure type="regression" message="${x(msg)}">${x(regressions.map(regressionText).join('\n'))}</failure>`);
  }
  body.push(`      <system-out>${x(resultLines(c, prices).join('\n'))}</system-out>`);
  return [head, ...body, '    </testcase>'].join('\n');
}

export function renderJunit(s: Summary): string {
  const regs = new Map<string, BaselineComparison[]>();
  for (const k of s.baseline?.comparisons ?? []) {
    if (!k.regression) continue;
    regs.set(k.key, [...(regs.get(k.key) ?? []), k]);
  }
  const isFailure = (c: CellSummary) => c.status !== 'ok' || (regs.get(c.key)?.length ?? 0) > 0;
  const suites: string[] = [];
  for (const [name, cells] of byBenchmark(s.cells)) {
    const failures = cells.filter(isFailure).length;
    const time = cells.reduce((a, c) => a + c.wallMs, 0);
    // The earliest start among the suite's cells: a timestamp from the data, never from the clock.
    const timestamp = cells.map((c) => c.startedAt).sort()[0] ?? '';
    suites.push(
      `  <testsuite name="${x(name)}" tests="${cells.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(time)}" timestamp="${x(timestamp)}">\n` +
        cells.map((c) => testcase(c, regs.get(c.key) ?? [], s.retpolinePrices)).join('\n') +
        '\n  </testsuite>',
    );
  }
  const total = s.cells.length;
  const failures = s.cells.filter(isFailure).length;
  const time = s.cells.reduce((a, c) => a + c.wallMs, 0);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="tailmatrix" tests="${total}" failures="${failures}" errors="0" time="${seconds(time)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
