// JUnit XML: one test case per cell; a failed cell or a regression against the baseline is a failure.
import { cellKey } from '../analysis/analyse-cell.js';
import { archOf } from '../analysis/arch-groups.js';
import { KIND_NOTE, summaryKind, UNIT_TEXT } from '../analysis/units.js';
import type { BaselineComparison, CellSummary, GateNewFigure, GateProblem, RetpolinePrice, Summary } from '../analysis/summary-schema.js';
import { escapeXml as x } from './escape.js';
import { trafficResultLines } from './traffic-format.js';
import { strategyLine } from './strategies-format.js';
import { cellCurveLines } from './curve-format.js';
import {
  byBenchmark,
  cellUnit,
  comparisonSentence,
  comparisonStatusOf,
  directCaveat,
  failureText,
  interval,
  mechanismWithReason,
  newFigureText,
  num,
  problemsBeyondCells,
  problemText,
  savingText,
  variantCostText,
} from './format.js';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

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
    lines.push(
      `${v.variant}: ${variantCostText(v, cellUnit(c))}, JIT ${mechanismWithReason(v)}${v.fit ? `, R² ${v.fit.r2.toFixed(4)}` : ''}`,
    );
  }
  if (c.comparison || c.withheldReason || c.sameMechanism) lines.push(`saving: ${savingText(c)}`);
  lines.push(...cellCurveLines(c));
  lines.push(...priceLines(c, prices));
  lines.push(...trafficResultLines(c));
  lines.push(
    `architecture: ${archOf(c)}; spectre_v2: ${c.spectreV2 ?? 'unknown'}; accelerator: ${c.accelerator}${c.icountShift != null ? `, -icount shift=${c.icountShift}` : ''}`,
  );
  lines.push(`figures: ${kind} (${KIND_NOTE[kind]})`);
  const caveat = directCaveat(c.direct);
  if (caveat && c.status === 'ok') lines.push(`direct: ${caveat}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines;
}

/** A regression or a pair that cannot be compared fails the test case; every gated figure is listed in its output. */
function testcase(c: CellSummary, gated: readonly BaselineComparison[], prices: readonly RetpolinePrice[]): string {
  const head = `    <testcase classname="${x(`tailmatrix.${c.benchmark.name}.${c.kernel.id}`)}" name="${x(`${c.kernel.id} / ${c.boot.name}`)}" time="${seconds(c.wallMs)}">`;
  const body: string[] = [];
  const failing = gated.filter((k) => ['regression', 'not-comparable'].includes(comparisonStatusOf(k)));
  if (c.status !== 'ok') {
    body.push(`      <failure type="${x(c.status)}" message="${x(failureText(c))}">${x(c.consoleExcerpt.join('\n'))}</failure>`);
  } else if (failing.length > 0) {
    const type = failing.some((k) => k.regression) ? 'regression' : 'not-comparable';
    body.push(
      `      <failure type="${type}" message="${x(failing.map(comparisonSentence).join('; '))}">${x(failing.map(comparisonSentence).join('\n'))}</failure>`,
    );
  }
  const lines = [...resultLines(c, prices), ...gated.map((k) => `gate: ${comparisonSentence(k)}`)];
  body.push(`      <system-out>${x(lines.join('\n'))}</system-out>`);
  return [head, ...body, '    </testcase>'].join('\n');
}

/**
 * Benchmark 3, an ok cell: one test case per strategy figure; an unsupported strategy is skipped with its
 * reason (a state of the kernel, not a failure); a gated figure that regressed fails its own case.
 */
function strategyCases(
  c: CellSummary,
  gated: readonly BaselineComparison[],
  told: { added: readonly GateNewFigure[]; lost: readonly GateProblem[] },
): { xml: string; failed: boolean; skipped: boolean }[] {
  const unit = cellUnit(c);
  const kind = summaryKind(c);
  return (c.strategies ?? []).map((st) => {
    // Its whole figure and, where the baseline's curve has a knee, its regime figures (strategy:<name>:<regime>).
    const figure = `strategy:${st.strategy}`;
    const mine = gated.filter((k) => k.variant === figure || k.variant.startsWith(`${figure}:`));
    // A figure new to the gate, or one the baseline had (this case is then skipped; the gate suite fails it).
    const gateNotes = [
      ...told.added.filter((n) => n.figure === figure).map(newFigureText),
      ...told.lost.filter((p) => p.figure === figure).map(problemText),
    ];
    const failing = mine.filter((k) => ['regression', 'not-comparable'].includes(comparisonStatusOf(k)));
    const head = `    <testcase classname="${x(`tailmatrix.${c.benchmark.name}.${c.kernel.id}`)}" name="${x(`${c.kernel.id} / ${c.boot.name} / ${st.strategy}`)}" time="0">`;
    const body: string[] = [];
    if (st.status === 'unsupported') body.push(`      <skipped message="${x(`unsupported: ${st.reason ?? 'no reason given'}`)}"/>`);
    else if (failing.length > 0) {
      const type = failing.some((k) => k.regression) ? 'regression' : 'not-comparable';
      body.push(`      <failure type="${type}" message="${x(failing.map(comparisonSentence).join('; '))}"/>`);
    }
    const lines = [
      strategyLine(st, unit),
      `architecture: ${archOf(c)}`,
      `figures: ${kind} (${KIND_NOTE[kind]})`,
      ...c.warnings.filter((w) => w.startsWith(`${st.strategy}:`)).map((w) => `warning: ${w}`),
      ...mine.map((k) => `gate: ${comparisonSentence(k)}`),
      ...gateNotes.map((t) => `gate: ${t}`),
    ];
    body.push(`      <system-out>${x(lines.join('\n'))}</system-out>`);
    return { xml: [head, ...body, '    </testcase>'].join('\n'), failed: failing.length > 0, skipped: st.status === 'unsupported' };
  });
}

/** Cells failed in the baseline or missing on either side: one failing test case each (failed-now cells fail their own). */
function problemCase(p: GateProblem): string {
  const name = `${p.key}${p.figure ? ` ${p.figure}` : ''}${p.figureKind ? ` (${p.figureKind})` : ''}`;
  return `    <testcase classname="tailmatrix.gate" name="${x(name)}" time="0"><failure type="${x(p.problem)}" message="${x(problemText(p))}"/></testcase>`;
}

function suite(name: string, tests: number, failures: number, timeMs: number, timestamp: string, cases: string[], skipped = 0): string {
  return (
    `  <testsuite name="${x(name)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(timeMs)}" timestamp="${x(timestamp)}">\n` +
    `${cases.join('\n')}\n  </testsuite>`
  );
}

export function renderJunit(s: Summary): string {
  // Replicates share a key: its comparisons go with its first cell only.
  const gated = new Map<string, BaselineComparison[]>();
  for (const k of s.baseline?.comparisons ?? []) gated.set(k.key, [...(gated.get(k.key) ?? []), k]);
  const owner = new Map<string, CellSummary>();
  for (const c of s.cells) if (!owner.has(cellKey(c))) owner.set(cellKey(c), c);
  const gatedOf = (c: CellSummary) => (owner.get(cellKey(c)) === c ? (gated.get(cellKey(c)) ?? []) : []);
  // Like its comparisons, a key's new and lost figures go with its first cell (their text names the kind).
  const mineOf = <T extends { key: string }>(c: CellSummary, xs: readonly T[]) =>
    owner.get(cellKey(c)) === c ? xs.filter((n) => n.key === cellKey(c)) : [];
  const toldOf = (c: CellSummary) => ({
    added: mineOf(c, s.baseline?.newFigures ?? []),
    lost: mineOf(
      c,
      (s.baseline?.problems ?? []).filter((p) => p.problem === 'figure-missing-now'),
    ),
  });
  const isFailure = (c: CellSummary) =>
    c.status !== 'ok' || gatedOf(c).some((k) => ['regression', 'not-comparable'].includes(comparisonStatusOf(k)));
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  let skipped = 0;
  for (const [name, cells] of byBenchmark(s.cells)) {
    const time = cells.reduce((a, c) => a + c.wallMs, 0);
    // The earliest start among the suite's cells: a timestamp from the data, never from the clock.
    const timestamp = cells.map((c) => c.startedAt).sort()[0] ?? '';
    // A strategies cell that ran is one case per strategy figure; any other cell (or a failed one) one case.
    const cases = cells.flatMap((c) =>
      c.strategies && c.status === 'ok'
        ? strategyCases(c, gatedOf(c), toldOf(c))
        : [{ xml: testcase(c, gatedOf(c), s.retpolinePrices), failed: isFailure(c), skipped: false }],
    );
    const failed = cases.filter((k) => k.failed).length;
    const skip = cases.filter((k) => k.skipped).length;
    total += cases.length;
    failures += failed;
    skipped += skip;
    suites.push(
      suite(
        name,
        cases.length,
        failed,
        time,
        timestamp,
        cases.map((k) => k.xml),
        skip,
      ),
    );
  }
  const problems = s.baseline ? problemsBeyondCells(s.baseline) : [];
  if (problems.length > 0)
    suites.push(
      suite(
        'baseline gate',
        problems.length,
        problems.length,
        0,
        s.cells.map((c) => c.startedAt).sort()[0] ?? '',
        problems.map(problemCase),
      ),
    );
  total += problems.length;
  failures += problems.length;
  const time = s.cells.reduce((a, c) => a + c.wallMs, 0);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="tailmatrix" tests="${total}" failures="${failures}" errors="0"${skipped > 0 ? ` skipped="${skipped}"` : ''} time="${seconds(time)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
