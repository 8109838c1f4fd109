import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegression } from '../../src/analysis/compare-baseline.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import { writeReports } from '../../src/report/write-reports.js';
import { fixtureModels, generateCell, KVM_RUN, writeRuns, type CellModel } from '../fixtures/results/generate.js';

const GATE = { thresholdNs: 1, thresholdInstructions: 0, thresholdPct: 10 };
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
        indirectSlope !== undefined && `${m.kernelId}/${m.boot.name}/test-run` === TARGET ? { ...m.indirect, slope: indirectSlope } : m.indirect,
    }));
  const [dir] = await writeRuns(path.join(tmp, name), models.map(generateCell));
  return dir!;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-gate-'));
  [baselineDir] = (await writeRuns(path.join(tmp, 'base'), fixtureModels().filter((m) => m.runId === KVM_RUN).map(generateCell))) as [string];
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function gateAgainst(current: string, baseline: string) {
  const res = await writeReports({ resultDirs: [current], outDir: path.join(current, 'report'), baseline, gate: GATE, formats: ['json', 'junit', 'md'] });
  if (!res.ok) throw new Error(res.error);
  return res.value;
}

describe('baseline gate', () => {
  it('passes a re-measurement that differs only by noise', async () => {
    const out = await gateAgainst(await rerun('noise'), baselineDir);
    expect(out.summary.baseline!.comparisons).toHaveLength(8);
    expect(out.summary.baseline!.regressions).toBe(0);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.ok);
  });

  it('fails a cell whose retpoline got 3 ns slower, naming it in JUnit and Markdown', async () => {
    const cur = await rerun('slower', 21);
    const out = await gateAgainst(cur, baselineDir);
    const regs = out.summary.baseline!.comparisons.filter((c) => c.regression);
    expect(regs.map((r) => `${r.key} ${r.variant}`)).toEqual([`${TARGET} indirect`]);
    expect(regs[0]!.deltaNs).toBeCloseTo(3.2, 0);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.regression);
    const junit = await readFile(path.join(cur, 'report', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure type="regression" message="indirect slope rose from 17\.\d\d \[[\d., ]+\] ns\/call to 2[01]\.\d\d \[[\d., ]+\] ns\/call: \+3\.\d\d ns/);
    const md = await readFile(path.join(cur, 'report', 'report.md'), 'utf8');
    expect(md).toContain('**1 regression(s)**');
    expect(md).toMatch(/\| 6\.1-cloud\/retpoline\/test-run \| indirect \|.*❌ regression \|/);
  });

  it('lets a real but small rise (0.4 ns, under the 1 ns threshold) through', async () => {
    const out = await gateAgainst(await rerun('small', 18.2), baselineDir);
    const k = out.summary.baseline!.comparisons.find((c) => c.key === TARGET && c.variant === 'indirect')!;
    // The intervals are narrow enough to tell the change apart; the threshold is what keeps it quiet.
    expect(k.currentCi[0]).toBeGreaterThan(k.baselineCi[1]);
    expect(k.regression).toBe(false);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.ok);
  });

  it('reads the baseline back from a previous summary.json the same way', async () => {
    const base = await gateAgainst(baselineDir, baselineDir);
    expect(base.summary.baseline!.regressions).toBe(0);
    const out = await gateAgainst(await rerun('slower2', 21), path.join(baselineDir, 'report', 'summary.json'));
    expect(out.summary.baseline!.regressions).toBe(1);
    expect(exitCodeOf(out.verdict)).toBe(EXIT.regression);
    // A previous report folder (summary.json, no cells/) works as well.
    const again = await gateAgainst(await rerun('slower3', 21), path.join(baselineDir, 'report'));
    expect(again.summary.baseline!.regressions).toBe(1);
  });

  it('never compares emulated timings with hardware ones', async () => {
    const models = fixtureModels()
      .filter((m) => m.runId === KVM_RUN)
      .map((m) => ({ ...m, runId: 'tcg-run', accelerator: 'tcg' as const, intercept: 300, indirect: { ...m.indirect, slope: 60 } }));
    const [cur] = await writeRuns(path.join(tmp, 'tcg'), models.map(generateCell));
    const out = await gateAgainst(cur!, baselineDir);
    expect(out.summary.baseline!.regressions).toBe(0);
    expect(out.summary.baseline!.comparisons.every((c) => c.note === 'figure kind changed (hardware-ns → emulated-ns), not compared')).toBe(true);
  });

  it('never compares instruction counts with timings, and gates instruction counts in instructions', async () => {
    const counted = (runId: string, slope: number) =>
      fixtureModels()
        .filter((m) => m.runId === KVM_RUN)
        .map((m) => {
          const c = generateCell({ ...m, runId, accelerator: 'tcg' as const, noise: 0, intercept: 64, direct: { ...m.direct, slope: 11 }, indirect: { ...m.indirect, slope } });
          // Exact counts: the same whole numbers in every sample, as -icount gives.
          const variants = c.variants.map((v) => ({
            ...v,
            samples: v.samples.map((s) => ({ ...s, durationNs: 8 * (64 + (v.variant === 'direct' ? 11 : slope) * s.depth), instructions: 64 + (v.variant === 'direct' ? 11 : slope) * s.depth })),
          }));
          return { ...c, figureKind: 'instructions' as const, icountShift: 3, variants };
        });
    const [icountBase] = await writeRuns(path.join(tmp, 'icount-base'), counted('icount-base', 14));
    const [timedTcg] = await writeRuns(path.join(tmp, 'timed-tcg'), fixtureModels().filter((m) => m.runId === KVM_RUN).map((m) => generateCell({ ...m, runId: 'timed-tcg', accelerator: 'tcg' as const })));
    const mixed = await gateAgainst(timedTcg!, icountBase!);
    expect(mixed.summary.baseline!.regressions).toBe(0);
    expect(mixed.summary.baseline!.comparisons.every((c) => c.note === 'figure kind changed (instructions → emulated-ns), not compared')).toBe(true);

    // 14 → 17 instructions per call: +3 instr (+21 %), exact, so a regression in instructions.
    const [slower] = await writeRuns(path.join(tmp, 'icount-slower'), counted('icount-slower', 17));
    const out = await gateAgainst(slower!, icountBase!);
    const regs = out.summary.baseline!.comparisons.filter((c) => c.regression);
    expect(regs).toHaveLength(4);
    for (const r of regs) expect(r).toMatchObject({ variant: 'indirect', figureKind: 'instructions', unit: 'instructions', deltaNs: 3 });
    const junit = await readFile(path.join(slower!, 'report', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/message="indirect slope rose from 14\.00 \[14\.00, 14\.00\] instr\/call to 17\.00 \[17\.00, 17\.00\] instr\/call: \+3\.00 instr \(\+21\.4 %\)"/);
  });

  it('reports a baseline that cannot be read as bad input', async () => {
    const res = await writeReports({ resultDirs: [baselineDir], outDir: path.join(tmp, 'x'), baseline: path.join(tmp, 'missing.json') });
    expect(!res.ok && res.error).toMatch(/baseline not found/);
  });
});

describe('isRegression', () => {
  it.each([
    ['rise past both thresholds, intervals apart', { slope: 10, ci: [9.5, 10.5] }, { slope: 12, ci: [11.5, 12.5] }, true],
    ['past the ns threshold (+1.5 ns) but not the % (+7.5 %)', { slope: 20, ci: [19.8, 20.2] }, { slope: 21.5, ci: [21.3, 21.7] }, false],
    ['past the % threshold (+25 %) but not the ns (+0.5 ns)', { slope: 2, ci: [1.95, 2.05] }, { slope: 2.5, ci: [2.45, 2.55] }, false],
    ['past both thresholds but intervals overlap', { slope: 10, ci: [9.5, 10.5] }, { slope: 12, ci: [10.4, 13.6] }, false],
    ['faster', { slope: 10, ci: [9.5, 10.5] }, { slope: 5, ci: [4.5, 5.5] }, false],
  ] as const)('%s', (_name, base, cur, expected) => {
    expect(isRegression(base, cur, GATE)).toBe(expected);
  });
});
