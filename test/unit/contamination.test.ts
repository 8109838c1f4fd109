// Samples switched out during their timed window (bpf/PROTOCOL.md protocol 3): parsed from real agent
// streams, counted per variant and cell, left out of the estimate, and shown in the report. Streams:
// test/fixtures/isolation (README there says how each was taken).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseCell } from '../../src/analysis/analyse-cell.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { fitDetailRows } from '../../src/report/format.js';
import { cellResult, type CellResult } from '../../src/results/cell-result.js';
import { countContamination, sumContamination, withoutContaminated } from '../../src/results/contamination.js';
import { fromAgentStream } from '../../src/cells/assemble.js';
import { interleavedOrder } from '../../src/measure/sweep-order.js';
import { cellDoc } from '../support/cell-doc.js';

const read = (dir: string, f: string) => readFileSync(path.join(import.meta.dirname, '..', 'fixtures', dir, f), 'utf8');
/** sid 7.2 under -icount (shift 3), no quiet wait, agent not isolated, --retakes 0: every switched-out call kept. */
const SID = read('isolation', 'sid-7.2-icount-unisolated-retakes0.jsonl');
/** This host's own kernel (6.18, AMD EPYC, retpolines), native, pinned at SCHED_FIFO: one call re-taken. */
const HOST = read('isolation', 'host-6.18-epyc-native.jsonl');
/** The same host with a busy loop on its other CPU, over two loads of the chains: the `load` record says so. */
const BUSY = read('isolation', 'host-6.18-epyc-native-busy-neighbour.jsonl');
/** A protocol-2 stream: no checks at all. */
const OLD = read('jit', 'linux-7.2.13-cloud.retpoline-generic.jsonl');

function cellOf(stream: string, over: Partial<CellResult>): CellResult {
  const agent = parseAgentOutput(stream);
  return cellResult.parse(
    cellDoc({
      kernel: { id: 'sid-cloud', sha256: 'x', source: 'test' },
      boot: { name: 'default', cmdline: '' },
      ...fromAgentStream(agent, over.icountShift),
      ...over,
    }),
  );
}

describe('parsing protocol 3', () => {
  it('every sample carries its switch counters, window and flag; the counts add up per variant', () => {
    const out = parseAgentOutput(SID);
    expect(out.complete).toBe(true);
    expect(out.garbage).toEqual([]);
    expect(out.isolation).toEqual({
      cpu: 0,
      pinned: false,
      pinError: 'not asked (--no-isolate)',
      policy: 'other',
      priority: 0,
      policyError: 'not asked (--no-isolate)',
      schedstat: true,
      retakes: 0,
    });
    for (const v of out.variants) {
      expect(v.samples.every((s) => s.switches !== undefined && s.wallNs! > 0 && s.contaminated !== undefined && s.retaken === false)).toBe(
        true,
      );
      // The flag is the switch counters: any switch, and only then.
      for (const s of v.samples) expect(s.contaminated).toBe(s.switches!.voluntary + s.switches!.involuntary > 0);
      const flagged = v.samples.filter((s) => s.contaminated).length;
      expect(flagged).toBeGreaterThan(0);
      // --retakes 0: nothing re-taken, every switched-out call kept.
      expect(v.contamination).toEqual({ checked: v.samples.length, contaminated: flagged, retaken: 0, keptContaminated: flagged });
    }
    expect(sumContamination(out.variants.map((v) => v.contamination))?.contaminated).toBe(58);
  });

  it('a re-taken call is followed by its replacement, and depths still hold `samples` calls that stand', () => {
    const out = parseAgentOutput(HOST);
    expect(out.isolation).toMatchObject({ pinned: true, policy: 'fifo', priority: 5, schedstat: true, retakes: 10 });
    const all = out.variants.flatMap((v) => v.samples);
    const retaken = all.filter((s) => s.retaken);
    expect(retaken).toHaveLength(1);
    expect(retaken[0]).toMatchObject({ contaminated: true, switches: { voluntary: 0, involuntary: 1 } });
    for (const v of out.variants) {
      for (let d = 0; d <= 32; d++) expect(v.samples.filter((s) => s.depth === d && !s.retaken)).toHaveLength(10);
    }
    expect(sumContamination(out.variants.map((v) => v.contamination))).toEqual({
      checked: all.length,
      contaminated: 1,
      retaken: 1,
      keptContaminated: 0,
    });
  });

  it('an older stream has no checks: nothing counted, nothing left out', () => {
    const out = parseAgentOutput(OLD);
    expect(out.isolation).toBeUndefined();
    for (const v of out.variants) {
      expect(v.contamination).toBeUndefined();
      expect(countContamination(v.samples)).toBeUndefined();
      expect(withoutContaminated(v)).toBe(v);
    }
  });
});

describe('the estimate leaves switched-out calls out', () => {
  it('the per-depth figures hold only clean samples, the summary counts the rest and warns', () => {
    const cell = cellOf(SID, { figureKind: 'emulated-ns', icountShift: undefined });
    const s = analyseCell(cell);
    for (const v of cell.variants) {
      const summary = v.variant === 'direct' ? s.direct! : s.indirect!;
      expect(summary.contamination).toEqual(v.contamination);
      const clean = withoutContaminated(v).samples;
      expect(clean.every((x) => !x.contaminated)).toBe(true);
      expect(clean.length).toBe(v.samples.length - v.contamination!.contaminated);
      for (const p of summary.points) expect(p.samples).toBe(clean.filter((x) => x.depth === p.depth).length);
    }
    expect(s.contamination).toEqual(sumContamination([s.direct!.contamination, s.indirect!.contamination]));
    expect(s.warnings.filter((w) => /sample\(s\) were switched out during their timed window after 0 re-take/.test(w))).toHaveLength(2);
    // Not isolated, and timed: said.
    expect(s.warnings).toContain('the sweep was not pinned to one CPU (not asked (--no-isolate))');
    // The report's fit rows count them.
    const rows = fitDetailRows([s]);
    expect(rows[0]![7]).toMatch(
      new RegExp(
        `\\(${s.direct!.contamination!.contaminated} of ${s.direct!.contamination!.checked} calls switched out: 0 re-taken, ${s.direct!.contamination!.keptContaminated} kept and left out\\)`,
      ),
    );
  });

  it('a cell with no switched-out call reports counts and no contamination warning', () => {
    const s = analyseCell(cellOf(HOST, { backend: 'native', accelerator: 'none', emulated: false, figureKind: 'hardware-ns' }));
    expect(s.contamination).toMatchObject({ contaminated: 1, retaken: 1, keptContaminated: 0 });
    expect(s.isolation).toMatchObject({ pinned: true, policy: 'fifo' });
    expect(s.warnings.filter((w) => /switched out|pinned|real-time|busy|steal/.test(w))).toEqual([]);
    // Written before the `load` record: nothing known about the rest of the machine, nothing said.
    expect(s.isolation?.load).toBeUndefined();
  });
});

describe('what else the machine did during the sweep', () => {
  const native = { backend: 'native', accelerator: 'none', emulated: false, figureKind: 'hardware-ns' } as const;
  it('a busy neighbour CPU is recorded and said in a hardware cell', () => {
    const out = parseAgentOutput(BUSY);
    expect(out.isolation?.load).toEqual({ cpus: 2, othersBusyPct: 100, stealPct: 0 });
    expect(out.sweep).toMatchObject({ seed: 11, loads: 2 });
    // Two loads, each the seed's whole draw again, the generator going on: the stream is in that order.
    expect(out.blocks).toEqual(interleavedOrder(11, 8, ['direct', 'indirect'], 2));
    expect(out.blocks.length).toBeGreaterThan(interleavedOrder(11, 8, ['direct', 'indirect'], 1).length);
    const s = analyseCell(cellOf(BUSY, native));
    expect(s.warnings).toContain(
      "the machine's other CPUs were 100 % busy during the sweep: other work on the machine can move a hardware curve (its knee, its regimes); measure on an idle machine",
    );
    expect(s.warnings.some((w) => /steal/.test(w))).toBe(false);
  });
  it('steal on the measuring CPU is said; an idle neighbour and an exact cell are not', () => {
    const stolen = BUSY.replace('"others_busy_pct":100.0,"steal_pct":0.0', '"others_busy_pct":3.0,"steal_pct":2.5');
    const s = analyseCell(cellOf(stolen, native));
    expect(s.warnings).toContain("the hypervisor took 2.5 % of the measuring CPU's time during the sweep (steal): the timings include it");
    expect(s.warnings.some((w) => /busy/.test(w))).toBe(false);
    const exact = analyseCell(cellOf(BUSY, { figureKind: 'instructions', icountShift: 3 }));
    expect(exact.warnings.some((w) => /busy|steal/.test(w))).toBe(false);
  });
});
