import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { analyseVariant } from '../../src/analysis/analyse-variant.js';
import { loadResultDirs } from '../../src/results/load.js';
import { byListThenName, matrixOrder } from '../../src/analysis/matrix-order.js';
import { summary as summarySchema, type Summary } from '../../src/analysis/summary-schema.js';
import { FIXTURE_ROOT, fixtureModels, generateCell, KVM_RUN, TCG_RUN } from '../fixtures/results/generate.js';
import { analyseResultDirs } from '../../src/benchmarks/analyse.js';

let summary: Summary;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-analysis-'));
  const loaded = await loadResultDirs([FIXTURE_ROOT]);
  if (!loaded.ok) throw new Error(loaded.error);
  summary = analyse(loaded.value.cells.map((c) => c.cell));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const cell = (key: string) => {
  const c = summary.cells.find((x) => x.key === key);
  if (!c) throw new Error(`no cell ${key}`);
  return c;
};

describe('analyse the fixture runs', () => {
  it('merges both runs and counts ok, failed and emulated cells', () => {
    expect(summary.runs).toEqual([KVM_RUN, TCG_RUN]);
    expect(summary.totals).toEqual({ cells: 8, ok: 7, failed: 1, skipped: 0, emulated: 4, byKind: { 'hardware-ns': 4, 'emulated-ns': 4 } });
  });

  it('recovers every generated slope within four standard errors', () => {
    for (const m of fixtureModels()) {
      if (m.failure) continue;
      const c = cell(`${m.kernelId}/${m.boot.name}/test-run`);
      for (const v of ['direct', 'indirect'] as const) {
        const model = m[v];
        if (model.bend) continue; // a bent chain has no single true slope
        const fit = c[v]!.fit!;
        expect(Math.abs(fit.slope - model.slope), `${c.key} ${v}`).toBeLessThanOrEqual(4 * fit.slopeSe);
        expect(fit.n).toBe(33);
        expect(fit.intercept).toBeCloseTo(m.intercept, -1);
      }
    }
  });

  it('flags the chain that is not linear at small depths, and only that one', () => {
    const flagged = summary.cells.filter((c) => c.warnings.some((w) => w.includes('not linear'))).map((c) => c.key);
    expect(flagged).toEqual(['5.10-cloud/retpoline/test-run']);
    const c = cell('5.10-cloud/retpoline/test-run');
    expect(c.direct!.tailFit!.slope).toBeCloseTo(3.1, 1);
  });

  it('says when the direct variant did not get a direct jump, and why', () => {
    const c = cell('sid-cloud/mitigations-off/test-run');
    expect(c.direct!.mechanism).toBe('plain-indirect');
    expect(c.warnings.join('\n')).toMatch(/direct: the JIT evidence does not show a direct jump \(plain-indirect\)/);
    expect(c.warnings.join('\n')).toMatch(/bpf_jit_harden=2/);
    // Its "saving" would compare two indirect jumps: withheld, with the reason.
    expect(c.comparison).toBeNull();
    expect(c.withheldReason).toBe('direct is plain-indirect, not a proven direct jump');
  });

  it('keeps the console tail of a failed cell and no numbers', () => {
    const c = cell('sid-cloud/retpoline/test-run');
    expect(c.status).toBe('panic');
    expect(c.direct).toBeNull();
    expect(c.comparison).toBeNull();
    expect(c.consoleExcerpt.at(-1)).toMatch(/end Kernel panic/);
  });

  it('compares direct with indirect: saving, its share and the ratio', () => {
    const c = cell('6.1-cloud/retpoline/test-run');
    const k = c.comparison!;
    expect(k.savingNs).toBeCloseTo(c.indirect!.fit!.slope - c.direct!.fit!.slope, 10);
    expect(k.savingCi[0]).toBeLessThan(k.savingNs);
    expect(k.savingPct).toBeCloseTo(100 * (1 - 2.4 / 17.8), 0);
    expect(k.ratioCi![0]).toBeLessThan(k.ratio!);
    expect(k.ratioCi![1]).toBeGreaterThan(k.ratio!);
    expect(k.savingPctCi![0]).toBeLessThan(k.savingPct!);
  });
});

describe('cell order', () => {
  it('follows the matrix recorded in run.json, names outside it last', async () => {
    const loaded = await loadResultDirs([FIXTURE_ROOT]);
    if (!loaded.ok) throw new Error(loaded.error);
    const order = matrixOrder(loaded.value.runs);
    expect(order.kernels).toEqual(['5.10-cloud', '6.1-cloud', '6.12-cloud', 'sid-cloud']);
    expect(order.boots).toEqual(['retpoline', 'mitigations-off']);
    const inMatrixOrder = analyse(
      loaded.value.cells.map((c) => c.cell),
      order,
    ).cells.map((c) => c.boot.name);
    expect(inMatrixOrder.slice(0, 2)).toEqual(['retpoline', 'mitigations-off']);
    expect(summary.cells.slice(0, 2).map((c) => c.boot.name)).toEqual(['mitigations-off', 'retpoline']);
    expect(byListThenName(['b'], 'a', 'b')).toBeGreaterThan(0);
    expect(byListThenName([], 'k-9', 'k-10')).toBeLessThan(0);
  });
});

describe('variant analysis', () => {
  it('leaves out samples whose retval is not their depth, and says so', () => {
    const m = fixtureModels()[2]!;
    const v = generateCell(m).variants[0]!;
    const bad = { ...v, samples: v.samples.map((s, i) => (i < 3 ? { ...s, retval: s.depth + 1, durationNs: 1e6 } : s)) };
    const a = analyseVariant(bad, 'hardware-ns');
    expect(a.summary.invalidSamples).toBe(3);
    expect(a.warnings.join('\n')).toMatch(/3 sample\(s\) returned a retval/);
    expect(a.summary.fit!.slope).toBeCloseTo(analyseVariant(v, 'hardware-ns').summary.fit!.slope, 1);
  });
});

describe('loading result folders', () => {
  it('accepts run folders one by one as well as a folder of runs', async () => {
    const loaded = await loadResultDirs([path.join(FIXTURE_ROOT, KVM_RUN), path.join(FIXTURE_ROOT, TCG_RUN)]);
    expect(loaded.ok && loaded.value.cells.length).toBe(8);
    expect(loaded.ok && loaded.value.runs.length).toBe(2);
  });

  it('names the file and the field of a bad cell result', async () => {
    const dir = path.join(tmp, 'bad');
    await cp(path.join(FIXTURE_ROOT, KVM_RUN), dir, { recursive: true });
    const file = path.join(dir, 'cells', '6.1-cloud--retpoline--test-run.json');
    const doc = JSON.parse(await readFile(file, 'utf8'));
    doc.variants[0].samples[4].durationNs = 'fast';
    delete doc.accelerator;
    await writeFile(file, JSON.stringify(doc));
    const loaded = await loadResultDirs([dir]);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toContain(file);
    expect(loaded.error).toContain('variants[0].samples[4].durationNs');
    expect(loaded.error).toMatch(/accelerator/);
  });

  it('refuses the same cell twice and folders with no cells', async () => {
    const dup = await loadResultDirs([FIXTURE_ROOT, path.join(FIXTURE_ROOT, KVM_RUN)]);
    expect(!dup.ok && dup.error).toMatch(/also in/);
    const empty = path.join(tmp, 'empty');
    await mkdir(empty, { recursive: true });
    const none = await loadResultDirs([empty]);
    expect(!none.ok && none.error).toMatch(/no cells\/ folder/);
    const missing = await loadResultDirs([path.join(tmp, 'nope')]);
    expect(!missing.ok && missing.error).toMatch(/not a directory/);
  });
});

describe("the runner's own output", () => {
  // A real `tailmatrix run --kernel 6.1-cloud --accel tcg` on the 2-core build machine while other
  // jobs loaded it (load average ~13): TCG timings, noisy, but the mechanisms and the order hold.
  const REAL = path.join(FIXTURE_ROOT, 'real');

  it('analyses a real TCG run: proven mechanisms, indirect dearer than direct, noise flagged', async () => {
    const analysed = await analyseResultDirs([REAL]);
    if (!analysed.ok) throw new Error(analysed.error);
    const s = analysed.value;
    expect(s.totals).toEqual({ cells: 2, ok: 2, failed: 0, skipped: 0, emulated: 2, byKind: { 'emulated-ns': 2 } });
    expect(s.cells.map((c) => [c.boot.name, c.direct?.mechanism, c.indirect?.mechanism])).toEqual([
      ['retpoline', 'direct-jump', 'retpoline-thunk'],
      ['mitigations-off', 'direct-jump', 'plain-indirect'],
    ]);
    for (const c of s.cells) {
      expect(c.spectreV2).toMatch(c.boot.name === 'retpoline' ? /^Mitigation: Retpolines/ : /^Vulnerable/);
      expect(c.direct!.fit!.n).toBe(33);
      expect(c.comparison!.savingCi[0]).toBeGreaterThan(0);
      // An R² this far below a quiet machine's is said out loud rather than hidden.
      if (c.direct!.fit!.r2 < 0.9) expect(c.warnings.join('\n')).toMatch(/direct: poor linear fit/);
    }
  });
});

describe('degenerate slopes', () => {
  it('keeps summary.json valid when a fitted slope is exactly zero', () => {
    const flat = (variant: 'direct' | 'indirect') => ({
      variant,
      jit: { mechanism: variant === 'direct' ? ('direct-jump' as const) : ('retpoline-thunk' as const), sites: [], images: [] },
      warmup: 1,
      samples: Array.from({ length: 33 }, (_, depth) => ({ depth, durationNs: 500, retval: depth, repeat: 100 })),
    });
    const base = generateCell(fixtureModels()[0]!);
    const s = analyse([{ ...base, variants: [flat('direct'), flat('indirect')] }]);
    const k = s.cells[0]!.comparison!;
    expect(k.savingNs).toBe(0);
    expect(k.ratio).toBeNull();
    expect(k.savingPct).toBeNull();
    expect(summarySchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });
});

describe('cells timed beside others', () => {
  const base = generateCell(fixtureModels()[0]!);
  const warned = (c: typeof base) => analyse([c]).cells[0]!.warnings.some((w) => /other cell\(s\) ran on this host/.test(w));

  it('warns on a timed cell that shared the host, never on one timed alone', () => {
    expect(base.figureKind ?? 'hardware-ns').not.toBe('instructions');
    expect(warned({ ...base, concurrentCells: 3 })).toBe(true);
    expect(warned({ ...base, concurrentCells: 1 })).toBe(false);
    expect(warned(base)).toBe(false);
  });

  it('never on an instruction-counted cell: a neighbour cannot change a count', () => {
    expect(warned({ ...base, figureKind: 'instructions', icountShift: 3, concurrentCells: 2 })).toBe(false);
  });
});

describe('replicates of one run', () => {
  it('keep a unique key each (#r<i>) and their replicate index', () => {
    const base = generateCell(fixtureModels()[0]!);
    const s = analyse([0, 1].map((r) => ({ ...base, cellId: `${base.cellId}__r${r}`, replicate: r })));
    const key = `${base.kernel.id}/${base.boot.name}/${base.benchmark.name}`;
    expect(s.cells.map((c) => [c.key, c.replicate])).toEqual([
      [`${key}#r0`, 0],
      [`${key}#r1`, 1],
    ]);
  });
});
