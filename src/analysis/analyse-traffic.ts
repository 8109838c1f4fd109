// Benchmark 2 (traffic) of one cell: per method and variant the cost per packet at each depth, its
// slope over depths (cost per tail call under traffic) and intercept (the hook's fixed cost), packets
// against iperf3's own count, and direct vs indirect; then, across cells, agreement with Benchmark 1.
import { z } from 'zod';
import { figureKindOf, type CellResult, type FigureKind, type Variant } from '../results/cell-result.js';
import { trafficMethod, type TrafficMethod } from '../matrix/schema.js';
import type { TrafficSample } from '../results/traffic-result.js';
import { analyseCell, compareVariants, estimate } from './analyse-cell.js';
import { LOW_R2, toFitSummary } from './analyse-variant.js';
import { curveSentence, regimeLabel } from './curve-text.js';
import { analyseWindowCurve } from './hardware-curve.js';
import { pairedSaving } from './paired-saving.js';
import { linearFit } from './stats.js';
import { subWindowInterval } from './sub-window-interval.js';
import { ratioAgreement, regimeAgreements } from './traffic-regime-agreement.js';
import type {
  CellSummary,
  FitSummary,
  PairedSaving,
  TrafficAgreement,
  TrafficMethodSummary,
  TrafficPoint,
  TrafficSummary,
  TrafficVariant,
} from './summary-schema.js';
import { unitOf } from './units.js';

/**
 * Packets a method counted may differ from iperf3's by a few: ARP and the handshake pass the hook too,
 * and the window's edges are read a moment apart. Beyond this share the method saw other traffic or
 * lost some (docs/measurement.md, "Benchmark 2: under traffic").
 */
export const PACKETS_TOLERANCE_PCT = 5;

const METHOD_TEXT: Record<TrafficMethod, string> = { 'bpf-stats': 'bpf_stats', kprobe: 'probe pair' };

interface MethodWindow {
  packets: number;
  totalNs: number;
  attach: string | null;
  /** [packets, ns] per sub-window; absent in streams without them. */
  subs?: readonly (readonly [number, number])[] | null;
}

/** The method's figures in one window: packets and total time (guest-clock ns), and its sub-windows. */
function methodWindow(s: TrafficSample, m: TrafficMethod): MethodWindow | null {
  const subs = s.subWindows ? (m === 'bpf-stats' ? s.subWindows.bpfStats : s.subWindows.kprobe) : undefined;
  if (m === 'bpf-stats') return s.bpfStats ? { packets: s.bpfStats.runCnt, totalNs: s.bpfStats.runTimeNs, attach: null, subs } : null;
  return s.kprobe ? { packets: s.kprobe.count, totalNs: s.kprobe.totalNs, attach: s.kprobe.attach, subs } : null;
}

/** The depth's interval from its sub-windows, in the cell's unit; undefined without sub-windows, null with too few. */
function perPacketCi(w: MethodWindow, kind: FigureKind, shift: number | undefined): [number, number] | null | undefined {
  if (w.subs === undefined) return undefined;
  const i = w.subs ? subWindowInterval(w.subs) : null;
  return i ? [inUnit(i.ci[0], kind, shift), inUnit(i.ci[1], kind, shift)] : null;
}

/** Under -icount guest ns = instructions × 2^shift, as for Benchmark 1 (analyse-variant.ts). */
function inUnit(ns: number, kind: FigureKind, shift: number | undefined): number {
  return kind === 'instructions' && shift !== undefined ? ns / 2 ** shift : ns;
}

function point(s: TrafficSample, w: MethodWindow, kind: FigureKind, shift?: number): TrafficPoint {
  const iperfPackets = s.iperf.packets;
  const ci = perPacketCi(w, kind, shift);
  return {
    depth: s.depth,
    perPacket: w.packets > 0 ? inUnit(w.totalNs / w.packets, kind, shift) : null,
    ...(ci !== undefined ? { perPacketCi: ci } : {}),
    packets: w.packets,
    iperfPackets,
    packetsOffPct: iperfPackets !== null && iperfPackets > 0 ? (100 * (w.packets - iperfPackets)) / iperfPackets : null,
    bitsPerSecond: s.iperf.bitsPerSecond,
    chainDepthSeen: s.chainDepthSeen,
  };
}

/** A depth counts when packets were timed and the chain was not seen to stop short of it. */
const counts = (p: TrafficPoint): p is TrafficPoint & { perPacket: number } =>
  p.perPacket !== null && (p.chainDepthSeen === null || p.chainDepthSeen === p.depth);

function fitOf(points: readonly TrafficPoint[]): FitSummary | null {
  const valid = points.filter(counts);
  const f = linearFit(
    valid.map((p) => p.depth),
    valid.map((p) => p.perPacket),
  );
  return f ? toFitSummary(f) : null;
}

function variantWarnings(label: string, v: TrafficVariant): string[] {
  const w: string[] = [];
  const short = v.points.filter((p) => p.chainDepthSeen !== null && p.chainDepthSeen !== p.depth);
  if (short.length > 0) {
    w.push(
      `${label}: the chain was seen to stop short at depth(s) ${short.map((p) => `${p.depth} (seen ${p.chainDepthSeen})`).join(', ')}; left out`,
    );
  }
  const unproven = v.points.filter((p) => p.chainDepthSeen === null).map((p) => p.depth);
  if (unproven.length > 0) w.push(`${label}: no proof the chain ran to depth(s) ${unproven.join(', ')} under traffic`);
  const empty = v.points.filter((p) => p.perPacket === null).map((p) => p.depth);
  if (empty.length > 0) w.push(`${label}: no packet timed at depth(s) ${empty.join(', ')}`);
  const off = v.points.filter((p) => p.packetsOffPct !== null && Math.abs(p.packetsOffPct) > PACKETS_TOLERANCE_PCT);
  if (off.length > 0) {
    w.push(
      `${label}: packets counted differ from iperf3's by more than ${PACKETS_TOLERANCE_PCT} % at depth(s) ` +
        off.map((p) => `${p.depth} (${p.packets} vs ${p.iperfPackets})`).join(', '),
    );
  }
  if (v.curve?.model === 'segmented') w.push(`${label}: ${curveSentence(v.curve)}`);
  if (!v.fit) w.push(`${label}: fewer than 3 depths with packets, no slope`);
  else if (v.fit.r2 < LOW_R2) w.push(`${label}: poor linear fit under traffic (R² ${v.fit.r2.toFixed(3)})`);
  return w;
}

/** One variant's windows as the saving reads them: depth → its mean per packet (one value). */
const windowsByDepth = (v: TrafficVariant): Map<number, number[]> => new Map(v.points.filter(counts).map((p) => [p.depth, [p.perPacket]]));

/**
 * The saving per regime of both hardware curves. Never paired: the agent runs every depth of one
 * variant, then every depth of the other, so a depth's two windows are minutes apart.
 */
function regimeSavingOf(variants: readonly TrafficVariant[]): PairedSaving | null {
  const d = variants.find((v) => v.variant === 'direct');
  const i = variants.find((v) => v.variant === 'indirect');
  if (!d?.curve || !i?.curve) return null;
  return pairedSaving(
    windowsByDepth(d),
    windowsByDepth(i),
    d.curve,
    i.curve,
    "traffic windows: all of one variant's depths, then the other's",
  );
}

function methodSummary(c: CellResult, m: TrafficMethod, kind: FigureKind, warnings: string[]): TrafficMethodSummary | null {
  let attach: string | null = null;
  const variants: TrafficVariant[] = [];
  for (const vr of c.variants) {
    const samples = [...(vr.traffic ?? [])].sort((a, b) => a.depth - b.depth);
    const points: TrafficPoint[] = [];
    for (const s of samples) {
      const w = methodWindow(s, m);
      if (!w) continue;
      attach ??= w.attach;
      points.push(point(s, w, kind, c.icountShift));
    }
    if (samples.length > 0 && points.length === 0) {
      warnings.push(`${vr.variant}, ${METHOD_TEXT[m]}: the method gave no figure at any depth (the agent's error records say why)`);
      continue;
    }
    if (points.length === 0) continue;
    const bps = points.map((p) => p.bitsPerSecond);
    // Hardware only, as for test-run: instruction counts are exactly linear, emulated ns relative.
    const curve =
      kind === 'hardware-ns'
        ? analyseWindowCurve(
            points.filter(counts).map((p) => ({ depth: p.depth, mean: p.perPacket, ci: p.perPacketCi ?? null, packets: p.packets })),
          )
        : null;
    const v: TrafficVariant = {
      variant: vr.variant,
      mechanism: vr.jit?.mechanism ?? null,
      points,
      fit: fitOf(points),
      meanBitsPerSecond: bps.reduce((a, b) => a + b, 0) / bps.length,
      ...(curve ? { curve } : {}),
    };
    warnings.push(...variantWarnings(`${vr.variant}, ${METHOD_TEXT[m]}`, v));
    variants.push(v);
  }
  if (variants.length === 0) return null;
  const fitOfVariant = (name: Variant) => variants.find((v) => v.variant === name)?.fit ?? null;
  const direct = fitOfVariant('direct');
  const indirect = fitOfVariant('indirect');
  const saving = regimeSavingOf(variants);
  return {
    method: m,
    attach,
    variants,
    comparison: direct && indirect ? compareVariants(direct, indirect, unitOf(kind)) : null,
    ...(saving ? { regimeSaving: saving } : {}),
    agreement: [],
  };
}

/** The methods a traffic cell was asked to report (its recorded parameters; both when absent). */
function methodsOf(c: CellResult): TrafficMethod[] {
  const parsed = trafficMethod.array().safeParse(c.benchmark.params.methods);
  return parsed.success ? parsed.data : [...trafficMethod.options];
}

/** Depths the cell was asked for that a variant has no window of (a truncated stream, a skipped depth). */
function missingDepths(c: CellResult): string[] {
  const asked = z.array(z.number().int()).safeParse(c.benchmark.params.depths);
  if (!asked.success) return [];
  return c.variants.flatMap((v) => {
    const seen = new Set((v.traffic ?? []).map((s) => s.depth));
    const missing = asked.data.filter((d) => !seen.has(d));
    return missing.length > 0 ? [`${v.variant}: no traffic window at depth(s) ${missing.join(', ')}`] : [];
  });
}

/** null for cells that are not traffic cells or hold no traffic sample (a failed cell). */
export function analyseTraffic(c: CellResult): { summary: TrafficSummary | null; warnings: string[] } {
  const all = c.variants.flatMap((v) => v.traffic ?? []);
  if (c.benchmark.type !== 'traffic' || all.length === 0) return { summary: null, warnings: [] };
  const kind = figureKindOf(c);
  const warnings = missingDepths(c);
  const methods = methodsOf(c)
    .map((m) => methodSummary(c, m, kind, warnings))
    .filter((m): m is TrafficMethodSummary => m !== null);
  const direct = c.variants.find((v) => v.variant === 'direct');
  if (direct && direct.jit?.mechanism !== 'direct-jump') {
    warnings.push(
      `direct: the JIT did not emit a direct jump (${direct.jit?.mechanism ?? 'no JIT evidence'}): its traffic figures are not the cost of a direct tail call`,
    );
  }
  const protocol = all[0]!.protocol;
  return {
    summary: { protocol, durationMs: all.reduce((a, s) => a + s.durationMs, 0) / all.length, methods },
    warnings,
  };
}

/**
 * A traffic cell's summary: the cell's own facts and fingerprint warnings from analyse-cell.ts, with
 * its variants read as traffic windows (it holds no BPF_PROG_TEST_RUN samples to fit).
 */
export function analyseTrafficCell(c: CellResult): CellSummary {
  const base = analyseCell({ ...c, variants: [] });
  const t = analyseTraffic(c);
  return { ...base, traffic: t.summary, warnings: [...base.warnings, ...t.warnings] };
}

export function agreement(variant: Variant, traffic: FitSummary, testRun: FitSummary, testRunCellId: string): TrafficAgreement {
  return ratioAgreement(variant, testRunCellId, estimate(traffic), estimate(testRun));
}

/**
 * Each traffic cell against the Benchmark 1 cell of the same run, kernel and boot, when both hold the
 * same kind of figure (never a ratio across kinds); a disagreement becomes a warning of the traffic cell.
 */
export function attachTestRunAgreement(cells: readonly CellSummary[]): void {
  for (const t of cells) {
    if (!t.traffic) continue;
    const b1 = cells.find(
      (c) =>
        c.benchmark.type === 'test-run' &&
        c.status === 'ok' &&
        c.runId === t.runId &&
        c.kernel.id === t.kernel.id &&
        c.boot.name === t.boot.name &&
        c.figureKind === t.figureKind,
    );
    if (!b1) continue;
    for (const m of t.traffic.methods) {
      m.agreement = m.variants.flatMap((v) => {
        const b1Variant = v.variant === 'direct' ? b1.direct : b1.indirect;
        // Hardware: regime by regime where either curve has a knee; one line against one line as before.
        const perRegime = regimeAgreements(
          { variant: v.variant, points: v.points.filter(counts), curve: v.curve },
          b1Variant?.curve,
          b1.cellId,
        );
        if (perRegime) return perRegime;
        return v.fit && b1Variant?.fit ? [agreement(v.variant, v.fit, b1Variant.fit, b1.cellId)] : [];
      });
      for (const a of m.agreement.filter((x) => x.agrees === false)) {
        const where = a.regime ? `, ${regimeLabel(a.regime.regime)} (depths ${a.regime.fromDepth}–${a.regime.toDepth})` : '';
        t.warnings.push(
          `${a.variant}, ${METHOD_TEXT[m.method]}${where}: cost per tail call under traffic is ${a.ratio!.toFixed(2)}× Benchmark 1's ` +
            `[${a.ratioCi![0].toFixed(2)}, ${a.ratioCi![1].toFixed(2)}], and 1 lies outside that interval`,
        );
      }
    }
  }
}
