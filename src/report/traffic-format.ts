// Benchmark 2 (traffic) in words and table rows, shared by the Markdown, HTML and JUnit writers so
// every format says the same thing. Rows are per cell and method; every figure carries its unit.
import type { CellSummary, TrafficAgreement, TrafficMethodSummary, TrafficVariant } from '../analysis/summary-schema.js';
import { UNIT_TEXT, unitOf, type FigureUnit } from '../analysis/units.js';
import type { FigureKind } from '../results/cell-result.js';
import type { TrafficMethod } from '../matrix/schema.js';
import { archOf } from '../analysis/arch-groups.js';
import { pairedSavingText, regimeLabel } from '../analysis/curve-text.js';
import { accelText, cellUnit, comparisonText, interval, kernelText, num, variantCostText } from './format.js';

export const TRAFFIC_METHOD_TEXT: Record<TrafficMethod, string> = {
  'bpf-stats': 'bpf_stats (run_time_ns / run_cnt)',
  kprobe: 'probe pair around cls_bpf_classify',
};

export const isTrafficBenchmark = (cells: readonly CellSummary[]): boolean => cells.some((c) => c.benchmark.type === 'traffic');

const variantOf = (m: TrafficMethodSummary, name: 'direct' | 'indirect'): TrafficVariant | undefined =>
  m.variants.find((v) => v.variant === name);

/**
 * "direct 1.02 [0.98, 1.05] × Benchmark 1", flagged when 1 lies outside the interval; per regime
 * "direct below the knee (depths 0–16; traffic 0–16, 13 depths): 1.02 [0.98, 1.05] × Benchmark 1", or why
 * a regime is not compared.
 */
function agreementText(a: TrafficAgreement): string {
  const flag = a.agrees === false ? ' ⚠ disagrees' : '';
  if (a.regime) {
    const r = a.regime;
    const where = `${a.variant} ${regimeLabel(r.regime)} (depths ${r.fromDepth}–${r.toDepth}`;
    if (!r.traffic) return `${where}): not compared, ${r.notCompared ?? 'no traffic figure'}`;
    const t = r.traffic;
    const from =
      t.source === 'regime'
        ? `the traffic's own regime, depths ${t.fromDepth}–${t.toDepth}`
        : `traffic ${t.fromDepth}–${t.toDepth}, ${t.n} depths`;
    return a.ratio === null ? `${where}; ${from}): —` : `${where}; ${from}): ${num(a.ratio)} ${interval(a.ratioCi)} × Benchmark 1${flag}`;
  }
  if (a.ratio === null) return `${a.variant}: —`;
  return `${a.variant} ${num(a.ratio)} ${interval(a.ratioCi)} × Benchmark 1${flag}`;
}

const mbits = (bps: number): string => `${num(bps / 1e6, 1)} Mbit/s`;

/** The largest share by which a method's packet count strays from iperf3's; null for TCP (no iperf3 count). */
function worstPacketsOff(m: TrafficMethodSummary): number | null {
  const offs = m.variants.flatMap((v) => v.points.flatMap((p) => (p.packetsOffPct === null ? [] : [p.packetsOffPct])));
  return offs.length === 0 ? null : offs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
}

function packetsText(c: CellSummary, m: TrafficMethodSummary): string {
  const counted = m.variants.reduce((a, v) => a + v.points.reduce((b, p) => b + p.packets, 0), 0);
  const off = worstPacketsOff(m);
  const against =
    off === null
      ? c.traffic?.protocol === 'tcp'
        ? 'TCP: iperf3 counts no packets'
        : 'no iperf3 count'
      : `at most ${num(off, 1)} % off iperf3's`;
  return `${counted} counted, ${against}`;
}

const hookText = (v: TrafficVariant | undefined, unit: FigureUnit): string =>
  v?.fit ? `${v.variant} ${num(v.fit.intercept, 1)} ± ${num(v.fit.interceptSe, 1)} ${UNIT_TEXT[unit].short}` : '';

const joined = (parts: readonly string[]): string => parts.filter((p) => p !== '').join(' · ') || '—';

export function trafficTableHeader(unit: FigureUnit): string[] {
  const per = UNIT_TEXT[unit].perCall;
  return [
    'kernel',
    'arch',
    'boot',
    'method',
    `direct ${per} (95 % CI)`,
    `indirect ${per} (95 % CI)`,
    'saving (direct vs indirect)',
    'hook cost per packet (intercept)',
    'vs Benchmark 1 (traffic ÷ test-run slope, 95 % CI)',
    'throughput',
    'packets',
    'accelerator',
  ];
}

/** Columns holding figures, right-aligned in Markdown and HTML. */
export const TRAFFIC_NUMERIC_COLUMNS = [4, 5, 6, 7];

/** The column that says why a failed cell has no figures (bold in Markdown). */
export const TRAFFIC_STATUS_COLUMN = 4;

/** The column comparing with Benchmark 1 (marked in HTML when they disagree). */
export const TRAFFIC_AGREEMENT_COLUMN = 8;

/** Hardware: the saving per regime (Welch, said in brackets); elsewhere the difference of the two slopes. */
function methodSavingText(m: TrafficMethodSummary, unit: FigureUnit): string {
  if (m.regimeSaving) return pairedSavingText(m.regimeSaving);
  return m.comparison ? comparisonText(m.comparison, unit) : '—';
}

/** One row per cell and method; a failed cell (or one without windows) gets one row saying why. */
export function trafficRows(c: CellSummary): { cols: string[]; failed: boolean; flagged: boolean }[] {
  const unit = cellUnit(c);
  const methods = c.traffic?.methods ?? [];
  if (c.status !== 'ok' || methods.length === 0) {
    const why = c.status !== 'ok' ? c.status : 'no traffic figures';
    return [
      { cols: [kernelText(c), archOf(c), c.boot.name, '—', why, '—', '—', '—', '—', '—', '—', accelText(c)], failed: true, flagged: false },
    ];
  }
  return methods.map((m) => {
    const d = variantOf(m, 'direct');
    const i = variantOf(m, 'indirect');
    return {
      cols: [
        kernelText(c),
        archOf(c),
        c.boot.name,
        `${TRAFFIC_METHOD_TEXT[m.method]}${m.attach ? ` (${m.attach})` : ''}`,
        variantCostText(d, unit),
        variantCostText(i, unit),
        methodSavingText(m, unit),
        joined([hookText(d, unit), hookText(i, unit)]),
        m.agreement.length > 0 ? m.agreement.map(agreementText).join(' · ') : '— (no Benchmark 1 cell of this run, kernel and boot)',
        joined(m.variants.map((v) => (v.meanBitsPerSecond === null ? '' : `${v.variant} ${mbits(v.meanBitsPerSecond)}`))),
        packetsText(c, m),
        accelText(c),
      ],
      failed: false,
      flagged: m.agreement.some((a) => a.agrees === false),
    };
  });
}

/** What the table's figures are, for the line under it. */
export function trafficNote(kind: FigureKind): string {
  const per = UNIT_TEXT[unitOf(kind)].perCall;
  return (
    `${per}: slope of an ordinary least-squares fit of the per-packet cost (bpf_stats: run_time_ns / run_cnt of the entry program; ` +
    `probe pair: mean time per cls_bpf_classify call) against chain depth, under iperf3 traffic through a veth pair; ± is the half-width of its 95 % Student-t interval. ` +
    `The intercept is the hook's fixed cost per packet; each method's own overhead is the same at every depth and cancels in the slope. ` +
    `Throughput is iperf3's, on the guest clock.` +
    // Hardware's cost need not be one line (docs/measurement.md, "The curve the hardware has").
    (kind === 'hardware-ns'
      ? ` Hardware ns: where one line does not describe the per-depth profile (tested), each regime's cost with the knee instead, the saving per regime (Welch: the variants' windows are not interleaved), and the agreement with Benchmark 1 per regime where either curve has a knee (the traffic depths inside each Benchmark 1 regime, or the traffic's own regime where the two nearly coincide).`
      : '')
  );
}

/** JUnit system-out lines for a traffic cell. */
export function trafficResultLines(c: CellSummary): string[] {
  const unit = cellUnit(c);
  const lines: string[] = [];
  for (const m of c.traffic?.methods ?? []) {
    const name = TRAFFIC_METHOD_TEXT[m.method];
    for (const v of m.variants) {
      lines.push(
        `${name}, ${v.variant}: ${variantCostText(v, unit)}${v.fit ? `, hook ${num(v.fit.intercept, 1)} ${UNIT_TEXT[unit].short}, R² ${v.fit.r2.toFixed(4)}` : ''}, JIT ${v.mechanism ?? 'unknown'}` +
          (v.meanBitsPerSecond === null ? '' : `, ${mbits(v.meanBitsPerSecond)}`),
      );
    }
    if (m.comparison || m.regimeSaving) lines.push(`${name}, saving: ${methodSavingText(m, unit)}`);
    for (const a of m.agreement) lines.push(`${name}, vs Benchmark 1: ${agreementText(a)}`);
  }
  return lines;
}
