// Replicates of one side of the gate that ran in another state of the machine than the rest
// (src/analysis/machine-shift.ts, strayReplicates), on real host cells of 20 loads each
// (test/fixtures/isolation/README.md): idle ones, and ones taken wholly in the host's slower state.
import { describe, expect, it } from 'vitest';
import { analyseCell } from '../../src/analysis/analyse-cell.js';
import { summarise } from '../../src/analysis/analyse.js';
import { baselineRegimes, compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import { strayReplicates } from '../../src/analysis/machine-shift.js';
import type { Summary } from '../../src/analysis/summary-schema.js';
import { hostCell, isolationStream } from '../support/host-streams.js';

const IDLE = [
  'host-6.18-epyc-native-20-loads.jsonl.gz',
  'host-6.18-epyc-native-replicate-idle-1.jsonl.gz',
  'host-6.18-epyc-native-replicate-idle-2.jsonl.gz',
  'host-6.18-epyc-native-replicate-idle-3.jsonl.gz',
].map(isolationStream);
const SLOWER = [
  'host-6.18-epyc-native-machine-slower.jsonl.gz',
  'host-6.18-epyc-native-replicate-slower-1.jsonl.gz',
  'host-6.18-epyc-native-replicate-slower-2.jsonl.gz',
].map(isolationStream);
const GATE = { instructions: 1, thresholdNs: 0, thresholdPct: 5, aloneNs: 1, alonePct: 10, alpha: 0.05 };

/** One summary of separate runs of the host cell: replicates, told apart by run. */
const replicates = (streams: readonly string[], tag: string): Summary =>
  summarise(streams.map((s, i) => analyseCell(hostCell(s, `${tag}-${i}`))));

describe('a replicate in another state of the machine than the rest of its side', () => {
  it('is left out of the baseline, named in every comparison, and the regimes are the other replicates`', () => {
    const base = replicates([IDLE[0]!, IDLE[1]!, SLOWER[0]!], 'b');
    const cur = replicates([IDLE[2]!, IDLE[3]!], 'c');
    const slowKey = base.cells[2]!.key;
    const b = compareWithBaseline(cur, base, 'baseline', GATE);
    expect(b.comparisons.map((c) => c.variant).sort()).toEqual([
      'direct:above-knee',
      'direct:below-knee',
      'indirect:above-knee',
      'indirect:below-knee',
    ]);
    for (const c of b.comparisons) {
      expect(c.leftOut).toHaveLength(1);
      expect(c.leftOut![0]).toMatchObject({ side: 'baseline', key: slowKey });
      // Both variants ran slower at depths 0–3, by a sixth or more.
      for (const x of c.leftOut![0]!.shiftPct) expect(x).toBeGreaterThan(15);
      expect(c.note).toMatch(
        new RegExp(
          `left out as another state of the machine, .*: baseline ${slowKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+–\\d+ % slower\\)`,
        ),
      );
      expect(c.baselineValues).toHaveLength(2);
      expect(c.note).not.toMatch(/machine may have changed rather than the kernel/);
      // The same kernel on the same machine state: nothing to flag.
      expect(c.status).toBe('ok');
    }
    // The report says it on the replicate itself, in every format (a cell warning).
    expect(base.cells[2]!.warnings.join('\n')).toMatch(
      /this replicate ran in another state of the machine than most replicates of its cell: every series \d+–\d+ % slower at depths 0–3 than theirs/,
    );
    for (const c of [...base.cells.slice(0, 2), ...cur.cells]) expect(c.warnings.join('\n')).not.toMatch(/another state of the machine/);
    // The slow replicate's knees (10 and 4) no longer narrow the regimes: they are the idle replicates'.
    const depths = (cells: Summary['cells']) => baselineRegimes(cells).map((r) => [r.figure, r.depths]);
    expect(b.comparisons.map((c) => [c.variant, c.depths]).sort()).toEqual(depths(base.cells.slice(0, 2)).sort());
    expect(depths(base.cells)).not.toEqual(depths(base.cells.slice(0, 2)));
  });

  it('is never the whole side: a current side wholly slower is kept, noted and judged (fails closed)', () => {
    const base = replicates(IDLE.slice(0, 3), 'b');
    const cur = replicates(SLOWER, 'c');
    const b = compareWithBaseline(cur, base, 'baseline', GATE);
    expect(b.comparisons.length).toBeGreaterThan(0);
    for (const c of b.comparisons) {
      expect(c.leftOut).toBeUndefined();
      expect(c.currentValues).toHaveLength(3);
      expect(c.note).toMatch(/every series ran \d+–\d+ % slower at depths 0–3 than in the baseline/);
    }
    expect(b.regressions).toBeGreaterThan(0);
  });

  it('needs a majority: an even split, or two replicates, leaves nothing out', () => {
    const series = ['direct', 'indirect'] as const;
    const even = replicates([IDLE[0]!, IDLE[1]!, SLOWER[0]!, SLOWER[1]!], 'e').cells;
    expect(strayReplicates(even, series)).toEqual({ kept: even, stray: [] });
    const two = replicates([IDLE[0]!, SLOWER[0]!], 't').cells;
    expect(strayReplicates(two, series)).toEqual({ kept: two, stray: [] });
    for (const c of [...even, ...two]) expect(c.warnings.join('\n')).not.toMatch(/another state of the machine/);
    // One of four: out; the idle ones agree within a load's stray.
    const one = replicates([...IDLE.slice(0, 3), SLOWER[2]!], 'o').cells;
    const r = strayReplicates(one, series);
    expect(r.stray.map((x) => x.cell)).toEqual([one[3]]);
    expect(r.kept).toEqual(one.slice(0, 3));
  });
});
