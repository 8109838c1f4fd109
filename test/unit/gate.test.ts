import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeExact, judgeTimed } from '../../src/analysis/gate-judge.js';
import { gate as gateSchema } from '../../src/matrix/schema.js';
import { summary as summarySchema } from '../../src/analysis/summary-schema.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { writeReports } from '../../src/engine/report.js';
import { fixtureModels, generateCell, KVM_RUN, writeRuns, type CellModel } from '../fixtures/results/generate.js';

const GATE = gateSchema.parse({});
const TARGET = '6.1-cloud/retpoline/test-run';
let tmp: string;
let baselineDir: string;

/** The KVM run of the fixtures, re-measured: new noise (another seed), optionally one slope changed. */
async function rerun(name: string, indirectSlope?: number): Promise<string> {
  const models: CellModel[] = fixtureModels()
    .filter((m) => m.runId === KVM_RUN)
    .map((m) => ({
      ...m,
      runId: `${name}-run`,
      seed: m.seed + 1000,
      indirect:
        indirectSlope !== undefined && `${m.kernelId}/${m.boot.name}/test-run` === TARGET
          ? { ...m.indirect, slope: indirectSlope }
          : m.indirect,
    }));
  const [dir] = await writeRuns(path.join(tmp, name), models.map(generateCell));
  return dir!;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-gate-'));
  [baselineDir] = (await writeRuns(
    path.join(tmp, 'base'),
    fixtureModels()
      .filter((m) => m.runId === KVM_RUN)
      .map(generateCell),
  )) as [string];
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function gateAgainst(current: string, baseline: string) {
  const res = await writeReports({
    resultDirs: [current],
    outDir: path.join(current, 'report'),
    baseline,
    gate: GATE,
    formats: ['json', 'junit', 'md'],
  });
  if (!res.ok) throw new Error(res.error);
  return res.value;
}

describe('baseline gate', () => {
  it('passes a re-measurement that differs only by noise', async () => {
    const out = await gateAgainst(await rerun('noise'), baselineDir);
    // direct, indirect and their ratio for each of the 4 KVM cells
    expect(out.summary.baseline!.comparisons).toHaveLength(12);
    expect(out.summary.baseline!.regressions).toBe(0);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.ok);
  });

  it('fails a cell whose retpoline got 3 ns slower, naming it in JUnit and Markdown', async () => {
    const cur = await rerun('slower', 21);
    const out = await gateAgainst(cur, baselineDir);
    const regs = out.summary.baseline!.comparisons.filter((c) => c.regression);
    // The indirect/direct ratio, the CPU-speed-robust second figure, rose with it.
    expect(regs.map((r) => `${r.key} ${r.variant}`)).toEqual([`${TARGET} indirect`, `${TARGET} ratio`]);
    expect(regs[0]!.deltaNs).toBeCloseTo(3.2, 0);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.regression);
    const junit = await readFile(path.join(cur, 'report', 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /<failure type="regression" message="indirect slope \(hardware-ns\) regression: 17\.\d\d \[[\d., ]+\] ns\/call \(1 replicate, 95 % CI\) → 2[01]\.\d\d \[[\d., ]+\] ns\/call \(1 replicate, 95 % CI\): \+3\.\d\d ns \(\+\d+\.\d %\), minimum effect only; one replicate a side/,
    );
    const md = await readFile(path.join(cur, 'report', 'report.md'), 'utf8');
    expect(md).toContain('**2 regression(s) in 12 comparison(s).**');
    expect(md).toMatch(
      /\| 6\.1-cloud\/retpoline\/test-run \| indirect slope \| hardware-ns \|.* ns\/call .*\| ❌ regression: one replicate a side/,
    );
  });

  it('lets a real but small rise (0.4 ns, under the 1 ns threshold) through', async () => {
    const out = await gateAgainst(await rerun('small', 18.2), baselineDir);
    const k = out.summary.baseline!.comparisons.find((c) => c.key === TARGET && c.variant === 'indirect')!;
    // The intervals are narrow enough to tell the change apart; the threshold is what keeps it quiet.
    expect(k.currentCi![0]).toBeGreaterThan(k.baselineCi![1]);
    expect(k.regression).toBe(false);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.ok);
  });

  it('reads the baseline back from a previous summary.json the same way', async () => {
    const base = await gateAgainst(baselineDir, baselineDir);
    expect(base.summary.baseline!.regressions).toBe(0);
    const out = await gateAgainst(await rerun('slower2', 21), path.join(baselineDir, 'report', 'summary.json'));
    expect(out.summary.baseline!.regressions).toBe(2); // the indirect slope and the ratio
    expect(exitCodeOf(out.verdict)).toBe(EXIT.regression);
    // A previous report folder (summary.json, no cells/) works as well.
    const again = await gateAgainst(await rerun('slower3', 21), path.join(baselineDir, 'report'));
    expect(again.summary.baseline!.regressions).toBe(2);
  });

  it('never compares emulated timings with hardware ones', async () => {
    const models = fixtureModels()
      .filter((m) => m.runId === KVM_RUN)
      .map((m) => ({ ...m, runId: 'tcg-run', accelerator: 'tcg' as const, intercept: 300, indirect: { ...m.indirect, slope: 60 } }));
    const [cur] = await writeRuns(path.join(tmp, 'tcg'), models.map(generateCell));
    const out = await gateAgainst(cur!, baselineDir);
    expect(out.summary.baseline!.regressions).toBe(0);
    expect(
      out.summary.baseline!.comparisons.every(
        (c) => c.status === 'not-comparable' && c.note === 'figure kind changed (hardware-ns → emulated-ns): not comparable',
      ),
    ).toBe(true);
    // Not comparable is never a pass.
    expect(exitCodeOf(out.verdict)).toBe(EXIT.notComparable);
  });

  it('never compares instruction counts with timings, and gates instruction counts in instructions', async () => {
    const counted = (runId: string, slope: number) =>
      fixtureModels()
        .filter((m) => m.runId === KVM_RUN)
        .map((m) => {
          const c = generateCell({
            ...m,
            runId,
            accelerator: 'tcg' as const,
            noise: 0,
            intercept: 64,
            direct: { ...m.direct, slope: 11 },
            indirect: { ...m.indirect, slope },
          });
          // Exact counts: the same whole numbers in every sample, as -icount gives.
          const variants = c.variants.map((v) => ({
            ...v,
            samples: v.samples.map((s) => ({
              ...s,
              durationNs: 8 * (64 + (v.variant === 'direct' ? 11 : slope) * s.depth),
              instructions: 64 + (v.variant === 'direct' ? 11 : slope) * s.depth,
            })),
          }));
          return { ...c, figureKind: 'instructions' as const, icountShift: 3, variants };
        });
    const [icountBase] = await writeRuns(path.join(tmp, 'icount-base'), counted('icount-base', 14));
    const [timedTcg] = await writeRuns(
      path.join(tmp, 'timed-tcg'),
      fixtureModels()
        .filter((m) => m.runId === KVM_RUN)
        .map((m) => generateCell({ ...m, runId: 'timed-tcg', accelerator: 'tcg' as const })),
    );
    const mixed = await gateAgainst(timedTcg!, icountBase!);
    expect(mixed.summary.baseline!.regressions).toBe(0);
    expect(
      mixed.summary.baseline!.comparisons.every(
        (c) => c.status === 'not-comparable' && c.note === 'figure kind changed (instructions → emulated-ns): not comparable',
      ),
    ).toBe(true);
    // Each side in its own unit: the baseline's 11 instructions are not "11.00 ns/call", and no difference is given.
    for (const c of mixed.summary.baseline!.comparisons)
      expect(c).toMatchObject({ unit: 'ns', baselineUnit: 'instructions', deltaPct: null });
    const mixedMd = await readFile(path.join(timedTcg!, 'report', 'report.md'), 'utf8');
    const directRow = mixedMd.split('\n').find((l) => l.includes('| direct slope |'))!;
    expect(directRow).toMatch(/\| 11\.00 .*instr\/call.* \| [\d.]+ .*ns\/call.* \| — \(other units\) \|/);

    // 14 → 17 instructions per call: +3 instr (+21 %), exact, so a regression in instructions.
    const [slower] = await writeRuns(path.join(tmp, 'icount-slower'), counted('icount-slower', 17));
    const out = await gateAgainst(slower!, icountBase!);
    const regs = out.summary.baseline!.comparisons.filter((c) => c.regression);
    expect(regs).toHaveLength(4);
    for (const r of regs)
      expect(r).toMatchObject({ variant: 'indirect', figureKind: 'instructions', unit: 'instructions', deltaNs: 3, method: 'exact' });
    const junit = await readFile(path.join(slower!, 'report', 'junit.xml'), 'utf8');
    expect(junit).toContain(
      'message="indirect slope (instructions) regression: 14.00 [14.00, 14.00] instr/call (1 replicate, 95 % CI) → 17.00 [17.00, 17.00] instr/call (1 replicate, 95 % CI): +3.00 instr (+21.4 %), exact count"',
    );
  });

  it('reports a baseline that cannot be read as bad input', async () => {
    const res = await writeReports({ resultDirs: [baselineDir], outDir: path.join(tmp, 'x'), baseline: path.join(tmp, 'missing.json') });
    expect(!res.ok && res.error).toMatch(/baseline not found/);
  });
});

describe('the gate with replicates (cells sharing kernel/boot/benchmark and kind)', () => {
  /** `n` re-measurements of the KVM fixtures (separate runs: other seeds), the target's indirect slope set. */
  async function replicates(name: string, n: number, indirectSlope?: number, cpuModel?: string): Promise<string> {
    const root = path.join(tmp, name);
    for (let r = 0; r < n; r++) {
      const cells = fixtureModels()
        .filter((m) => m.runId === KVM_RUN)
        .map((m) => ({
          ...m,
          runId: `${name}-r${r}`,
          seed: m.seed + 7919 * (r + 1) + name.length,
          indirect:
            indirectSlope !== undefined && `${m.kernelId}/${m.boot.name}/test-run` === TARGET
              ? { ...m.indirect, slope: indirectSlope }
              : m.indirect,
        }))
        .map(generateCell)
        .map((c) => (cpuModel === undefined ? c : { ...c, fingerprint: { ...c.fingerprint!, cpuModel } }));
      await writeRuns(root, cells);
    }
    return root;
  }

  it('decides a timed rise by a U test across the replicates and the minimum effect, and names both', async () => {
    const base = await replicates('rep-base', 5);
    const out = await gateAgainst(await replicates('rep-slower', 5, 20), base);
    const b = out.summary.baseline!;
    const k = b.comparisons.find((c) => c.key === TARGET && c.variant === 'indirect')!;
    expect(k).toMatchObject({ status: 'regression', method: 'u-test', unit: 'ns', figureKind: 'hardware-ns' });
    expect(k.baselineValues).toHaveLength(5);
    // Every current replicate above every baseline one: the smallest p five against five can give.
    expect(k.pValue).toBeCloseTo(1 / 252, 10);
    expect(b.comparisons.filter((c) => c.regression).map((c) => `${c.key} ${c.variant}`)).toEqual([
      `${TARGET} indirect`,
      `${TARGET} ratio`,
    ]);
    const md = await readFile(path.join(tmp, 'rep-slower', 'report', 'report.md'), 'utf8');
    expect(md).toMatch(
      /\| 6\.1-cloud\/retpoline\/test-run \| indirect slope \| hardware-ns \| 17\.\d\d \[[\d., ]+\] ns\/call \(5 replicates, range\) \| 2[01]\.\d\d \[[\d., ]+\] ns\/call \(5 replicates, range\) \| \+\d\.\d\d ns \(\+\d+\.\d %\) \| U test, p = 0\.0040 \| ❌ regression \|/,
    );
  });

  it('never flags replicates of the same kernel against each other', async () => {
    const out = await gateAgainst(await replicates('rep-again', 5), await replicates('rep-base2', 5));
    const b = out.summary.baseline!;
    expect(b.comparisons).toHaveLength(12);
    expect(b.comparisons.every((c) => c.status === 'ok')).toBe(true);
    // 5.10/retpoline's direct chain bends at depth ~4 (cheaper first hops): gated per regime; the rest by slope.
    const bent = b.comparisons.filter((c) => c.key === '5.10-cloud/retpoline/test-run');
    expect(bent.map((c) => c.variant)).toEqual(['direct:below-knee', 'direct:above-knee', 'indirect']);
    expect(bent.every((c) => c.method === 'welch-t')).toBe(true);
    expect(b.comparisons.filter((c) => c.key !== '5.10-cloud/retpoline/test-run').every((c) => c.method === 'u-test')).toBe(true);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.ok);
  });

  /** `n` replicates of 5.10/retpoline alone, its direct chain's two regimes set: `lower` ns/call up to `knee`, then `upper`. */
  async function bentReplicates(name: string, n: number, lower: number, upper: number, knee: number): Promise<string> {
    const root = path.join(tmp, name);
    const m = fixtureModels().find((x) => x.runId === KVM_RUN && x.kernelId === '5.10-cloud' && x.boot.name === 'retpoline')!;
    for (let r = 0; r < n; r++) {
      const model = {
        ...m,
        runId: `${name}-r${r}`,
        seed: m.seed + 7919 * (r + 1) + name.length,
        direct: { ...m.direct, slope: upper, bend: lower - upper, bendDepths: knee },
      };
      await writeRuns(root, [generateCell(model)]);
    }
    return root;
  }

  it('catches a regression confined to one regime, which the whole slope would average away', async () => {
    const base = await bentReplicates('bent-base', 4, 1.5, 3.1, 8);
    // Only the upper regime rises (+1.4 ns, +45 %: past any default minimum effect).
    const out = await gateAgainst(await bentReplicates('bent-upper', 4, 1.5, 4.5, 8), base);
    const b = out.summary.baseline!;
    const regs = b.comparisons.filter((c) => c.regression).map((c) => c.variant);
    expect(regs).toEqual(['direct:above-knee']);
    expect(b.comparisons.find((c) => c.variant === 'direct:below-knee')!.status).toBe('ok');
    const md = await readFile(path.join(tmp, 'bent-upper', 'report', 'report.md'), 'utf8');
    expect(md).toMatch(
      /\| direct above-knee cost, depths 11–32 \| hardware-ns \| 3\.10 .* \| 4\.50 .* \| \+1\.4\d ns \(\+45\.\d %\) \| Welch t per regime \| ❌ regression: Welch t = [\d.]+ against [\d.]+ \(one-sided, alpha 0\.05 \/ 3 regime figure\(s\)/,
    );
  });

  it('catches a knee that moved to a shallower depth (the steeper regime starts earlier)', async () => {
    const base = await bentReplicates('knee-base', 4, 1.5, 6, 12);
    const out = await gateAgainst(await bentReplicates('knee-moved', 4, 1.5, 6, 6), base);
    const regs = out.summary.baseline!.comparisons.filter((c) => c.regression);
    expect(regs.map((c) => c.variant)).toEqual(['direct:below-knee']);
    // Fixed by the baseline's knee (depth 13, the first of the steeper regime) and its bootstrap range
    // (from 12): that range and the depth before it belong to neither regime.
    expect(regs[0]!.depths).toEqual([0, 10]);
  });

  it('calls hardware timings of another CPU model not comparable, which is never a pass', async () => {
    const out = await gateAgainst(
      await replicates('rep-other-cpu', 3, undefined, 'Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz'),
      await replicates('rep-base3', 3),
    );
    const b = out.summary.baseline!;
    expect(b.notComparable).toBe(12);
    expect(b.comparisons[0]!.note).toBe(
      'CPU model changed (AMD EPYC 7763 64-Core Processor → Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz): not comparable',
    );
    expect(exitCodeOf(out.verdict)).toBe(EXIT.notComparable);
    const md = await readFile(path.join(tmp, 'rep-other-cpu', 'report', 'report.md'), 'utf8');
    expect(md).toContain('12 not comparable (never a pass)');
  });

  it('fails the gate on cells missing on either side and on a cell that failed in the baseline', async () => {
    const models = fixtureModels().filter((m) => m.runId === KVM_RUN);
    const [dropped, broken] = [models[0]!, models[1]!];
    const [baseDir] = await writeRuns(
      path.join(tmp, 'problems-base'),
      models
        .filter((m) => m !== dropped)
        .map((m) =>
          generateCell(m === broken ? { ...m, failure: { status: 'timeout', message: 'no result in 600 s', consoleTail: ['…'] } } : m),
        ),
    );
    const [curDir] = await writeRuns(
      path.join(tmp, 'problems-cur'),
      models.filter((m) => m !== models[3]).map((m) => generateCell({ ...m, runId: 'problems-cur', seed: m.seed + 5 })),
    );
    const out = await gateAgainst(curDir!, baseDir!);
    const key = (m: typeof dropped) => `${m.kernelId}/${m.boot.name}/test-run`;
    expect(out.summary.baseline!.problems.map((p) => [p.key, p.problem])).toEqual([
      [key(dropped), 'missing-in-baseline'],
      [key(broken), 'failed-in-baseline'],
      [key(models[3]!), 'missing-now'],
    ]);
    expect(out.summary.baseline!.regressions).toBe(0);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.cellFailures);
    const junit = await readFile(path.join(curDir!, 'report', 'junit.xml'), 'utf8');
    expect(junit).toContain(`<testcase classname="tailmatrix.gate" name="${key(models[3]!)}" time="0"><failure type="missing-now"`);
    expect(junit).toContain('failed in the baseline: ');
  });
});

describe('judgeTimed', () => {
  it('holds back a rise past the minimum effect that the spread between replicates explains', () => {
    const j = judgeTimed([10, 12, 14, 16, 18], [11.5, 13.5, 15.5, 17.5, 19.5], GATE, true);
    expect(j.delta).toBeCloseTo(1.5, 10);
    expect(j.deltaPct!).toBeGreaterThan(10);
    expect(j.method).toBe('u-test');
    expect(j.pValue!).toBeGreaterThan(0.05);
    expect(j.regression).toBe(false);
  });

  it('flags exactly the minimum effect (>=): +1 ns and +10 % where those are set', () => {
    const g = gateSchema.parse({ thresholdNs: 1, thresholdPct: 10 });
    const j = judgeTimed([10, 10, 10, 10], [11, 11, 11, 11], g, true);
    expect([j.delta, j.deltaPct, j.regression]).toEqual([1, 10, true]);
    expect(judgeTimed([10, 10, 10, 10], [10.9, 10.9, 10.9, 10.9], g, true).regression).toBe(false);
  });

  it('a test decides with the default 5 %; alone, the minimum effect must reach the larger 1 ns and 10 %', () => {
    expect(GATE).toMatchObject({ thresholdNs: 0, thresholdPct: 5, aloneNs: 1, alonePct: 10 });
    // +6 %, 4 against 4 fully apart: the U test (p = 1/70) and the 5 % decide.
    expect(judgeTimed([10, 10.1, 10.2, 10.3], [10.6, 10.7, 10.8, 10.9], GATE, true)).toMatchObject({ regression: true, method: 'u-test' });
    // The same +6 % from one boot a side: nothing knows the boot-to-boot scatter, so 1 ns and 10 % must be reached.
    expect(judgeTimed([10], [10.6], GATE, true)).toMatchObject({ regression: false, method: 'thresholds' });
    expect(judgeTimed([10], [11.1], GATE, true)).toMatchObject({ regression: true, method: 'thresholds' });
    // The unitless ratio has no ns floor: 10 % alone decides it.
    expect(judgeTimed([2], [2.2], GATE, false).regression).toBe(true);
  });

  it('with one replicate a side, or too few for the test to reach alpha, says it decided on the minimum effect alone', () => {
    const one = judgeTimed([10], [11.5], GATE, true);
    expect(one).toMatchObject({ regression: true, method: 'thresholds', pValue: null });
    expect(one.note).toMatch(/^one replicate a side: no spread between boots is known/);
    const two = judgeTimed([10, 10.1], [12, 12.1], GATE, true);
    expect(two.method).toBe('thresholds');
    expect(two.note).toBe('2 vs 2 replicates: the U test cannot reach p ≤ 0.05 (smallest p = 0.167), decided on the minimum effect alone');
  });

  it('never flags a speed-up', () => {
    expect(judgeTimed([10, 10.1, 10.2, 10.3, 10.4], [5, 5.1, 5.2, 5.3, 5.4], GATE, true).regression).toBe(false);
  });
});

describe('judgeExact', () => {
  it('flags a rise of gate.instructions (default 1) per tail call, and nothing less', () => {
    expect(judgeExact([11], [12], GATE)).toMatchObject({ regression: true, delta: 1, method: 'exact' });
    // Fits of whole counts carry float rounding: the slopes of a real patched linux-6.1 (test/slow/gate-exact.test.ts).
    expect(judgeExact([22.005347593582886], [23.005347593582893], GATE)).toMatchObject({ regression: true, delta: 1 });
    expect(judgeExact([22.005347593582893], [23.005347593582886], GATE)).toMatchObject({ regression: true, delta: 1 });
    expect(judgeExact([11, 11], [11, 11], GATE).regression).toBe(false);
    expect(judgeExact([11], [11.5], GATE).regression).toBe(false);
    expect(judgeExact([11], [13], gateSchema.parse({ instructions: 3 })).regression).toBe(false);
  });

  it('reads the old thresholdInstructions ("more than t") as instructions ⌊t⌋ + 1', () => {
    expect(gateSchema.parse({ thresholdInstructions: 0 }).instructions).toBe(1);
    expect(gateSchema.parse({ thresholdInstructions: 2 }).instructions).toBe(3);
    expect(gateSchema.parse({ thresholdInstructions: 2, instructions: 1 }).instructions).toBe(1);
    expect(gateSchema.parse({})).toEqual({ instructions: 1, thresholdNs: 0, thresholdPct: 5, aloneNs: 1, alonePct: 10, alpha: 0.05 });
  });
});

describe('older summaries', () => {
  it('a summary.json written before the gate had kinds still loads as a baseline, and its own gate section still renders', async () => {
    const base = await gateAgainst(baselineDir, baselineDir);
    const json = JSON.parse(await readFile(path.join(baselineDir, 'report', 'summary.json'), 'utf8')) as Record<string, unknown>;
    // The baseline section as the previous version wrote it: thresholds "more than", no status, method or replicates.
    const k = base.summary.baseline!.comparisons[0]!;
    json.baseline = {
      source: 'old',
      gate: { thresholdNs: 1, thresholdInstructions: 0, thresholdPct: 10 },
      comparisons: [
        {
          key: k.key,
          variant: 'direct',
          figureKind: 'hardware-ns',
          unit: 'ns',
          baselineSlope: 3,
          baselineCi: [2.9, 3.1],
          currentSlope: 3,
          currentCi: [2.9, 3.1],
          deltaNs: 0,
          deltaPct: 0,
          regression: false,
          note: null,
        },
      ],
      regressions: 0,
      missing: [],
    };
    const file = path.join(tmp, 'old-summary.json');
    await writeFile(file, JSON.stringify(json));
    const out = await gateAgainst(await rerun('vs-old'), file);
    expect(out.summary.baseline!.comparisons).toHaveLength(12);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.ok);
    const old = summarySchema.parse(json);
    expect(old.baseline).toMatchObject({ notComparable: 0, problems: [] });
    expect(renderMarkdown(old)).toContain('Gate: (older summary) a slope regressed when it rose by more than 1 ns (0 instr)');
  });
});
