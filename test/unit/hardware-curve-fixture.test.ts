// A real two-regime stream (test/fixtures/results/hardware-curve: the running kernel of an AMD EPYC host
// with retpolines, native, hardware ns) re-derived from its raw agent stream and written in every format:
// each gives the knee and both regimes, and none gives one slope over all depths as the cost.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summary as summarySchema, type CellSummary } from '../../src/analysis/summary-schema.js';
import { writeReports } from '../../src/engine/report.js';
import { cellResult } from '../../src/results/cell-result.js';
import { headline } from '../../src/cells/headline.js';

const RUN = path.join(import.meta.dirname, '..', 'fixtures', 'results', 'hardware-curve', '2026-12-07T03-40-44Z-ec3f91');
let out: string;
let cell: CellSummary;
const read = (name: string) => readFile(path.join(out, name), 'utf8');
/** The single-slope headline the report gave before the curve: "8.33 ± 1.43 ns/call". */
const oneSlope = (c: CellSummary, v: 'direct' | 'indirect') => {
  const f = c[v]!.fit!;
  return `${f.slope.toFixed(2)} ± ${((f.slopeCi[1] - f.slopeCi[0]) / 2).toFixed(2)} ns/call`;
};

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-curve-fixture-'));
  const res = await writeReports({ resultDirs: [RUN], outDir: out, formats: ['md', 'html', 'json', 'junit'], rederive: true });
  if (!res.ok) throw new Error(res.error);
  cell = res.value.summary.cells[0]!;
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('a real two-regime host stream through the analysis', () => {
  it('finds a knee and two regimes in both chains, and pairs the saving', () => {
    expect(cell.figureKind).toBe('hardware-ns');
    expect(cell.backend).toBe('native');
    const d = cell.direct!.curve!;
    const i = cell.indirect!.curve!;
    expect(d.model).toBe('segmented');
    expect(i.model).toBe('segmented');
    // The direct chain's knee sits near depth 19 on this run, the indirect one's near 9 (the fixture's README).
    expect(d.knee!.depth).toBeGreaterThanOrEqual(15);
    expect(d.knee!.depth).toBeLessThanOrEqual(23);
    expect(i.knee!.depth).toBeGreaterThanOrEqual(6);
    expect(i.knee!.depth).toBeLessThanOrEqual(12);
    for (const c of [d, i]) {
      expect(c.regimes.map((r) => r.regime)).toEqual(['below-knee', 'above-knee']);
      expect(c.knee!.ci[0]).toBeLessThanOrEqual(c.knee!.depth);
      expect(c.knee!.ci[1]).toBeGreaterThanOrEqual(c.knee!.depth);
      expect(c.step!.value).toBeGreaterThan(30);
      // Above the knee each tail call costs more than below it, on this CPU.
      expect(c.regimes[1]!.slope).toBeGreaterThan(c.regimes[0]!.slope);
      expect(c.profile).toHaveLength(33);
    }
    expect(cell.pairedSaving!.method).toBe('paired');
    expect(cell.pairedSaving!.regimes.map((r) => r.regime)).toEqual(['below-knee', 'above-knee']);
  });

  it("the progress line of the finished cell gives each chain's regimes, not one slope", async () => {
    const result = cellResult.parse(JSON.parse(await readFile(path.join(RUN, 'cells', 'host__host__test-run.json'), 'utf8')));
    const line = headline(result);
    expect(line).toMatch(
      /^ok · direct [\d.]+ → [\d.]+ ns\/call \(knee at depth \d+\) \[direct-jump\] · indirect [\d.]+ → [\d.]+ ns\/call \(knee at depth \d+\) \[retpoline-thunk\]/,
    );
    for (const v of ['direct', 'indirect'] as const) expect(line).not.toContain(`${v} ${cell[v]!.fit!.slope.toFixed(1)} ns/call`);
  });

  it('Markdown: the per-regime headline, the knee, the sentence and the per-depth profile; no single slope', async () => {
    const md = await read('report.md');
    // The answer at the top says so too: per regime, no single ratio.
    expect(md).toMatch(
      /## What this run found\n\n- Hardware timing: ns per tail call on host \/ host: one line does not describe the cost \(a knee\), so no single ratio is given: direct [\d.]+ ± [\d.]+ ns\/call → /,
    );
    const row = md.split('\n').find((l) => l.startsWith('| host'))!;
    expect(row).toMatch(/ns\/call → [\d.]+ ± [\d.]+ ns\/call \(knee at depth \d+ \[95 %: [\d–]+\]\)/);
    for (const v of ['direct', 'indirect'] as const) expect(row).not.toContain(oneSlope(cell, v));
    expect(row).toMatch(/below the knee, depths 0–\d+\) · [\d.]+ ± [\d.]+ ns \(from the knee on, depths \d+–32\) \[paired\]/);
    expect(md).toContain('### Hardware cost curve: per-depth profile and regimes');
    expect(md.match(/one line does not describe these data/g)?.length).toBeGreaterThanOrEqual(2);
    expect(md).toMatch(/direct median per depth 0–32: `[▁▂▃▄▅▆▇█]{33}`/);
    expect(md).toMatch(/\| 32 \| [\d.]+ \[[\d.]+, [\d.]+\] ns \| [\d.]+ \[[\d.]+, [\d.]+\] ns \|/);
  });

  it('HTML: the profile chart rendered to SVG, with the knee and both regimes in words', async () => {
    const html = await read('report.html');
    const fig = html.match(/<figure class="chart" data-chart="curve"[^>]*>[\s\S]*?<\/figure>/)?.[0] ?? '';
    expect(fig).toContain('<svg');
    expect(fig).toContain('data-kind="hardware-ns"');
    expect(html).toMatch(/<div class="curve-cell"[^>]*>[\s\S]*knee at depth \d+[\s\S]*one line does not describe these data/);
    expect(html).toContain('below the knee');
    for (const v of ['direct', 'indirect'] as const) expect(html).not.toContain(`>${oneSlope(cell, v)}<`);
  });

  it('JSON: summary.json holds the curve and the paired saving, and loads again', async () => {
    const json = summarySchema.parse(JSON.parse(await read('summary.json')));
    const c = json.cells[0]!;
    expect(c.direct!.curve!.knee!.depth).toBe(cell.direct!.curve!.knee!.depth);
    expect(c.indirect!.curve!.regimes).toHaveLength(2);
    expect(c.pairedSaving!.regimes).toHaveLength(2);
  });

  it('JUnit: both regimes and the knee in the cell output; no single slope', async () => {
    const xml = await read('junit.xml');
    expect(xml).toMatch(/direct: [\d.]+ ± [\d.]+ ns\/call → [\d.]+ ± [\d.]+ ns\/call \(knee at depth \d+/);
    expect(xml).toMatch(/indirect: [\d.]+ ± [\d.]+ ns\/call → [\d.]+ ± [\d.]+ ns\/call \(knee at depth \d+/);
    expect(xml).toMatch(/direct: one line does not describe these data/);
    expect(xml).toMatch(/saving per regime: .*\[paired\]/);
    for (const v of ['direct', 'indirect'] as const) expect(xml).not.toContain(`${v}: ${oneSlope(cell, v)}`);
  });
});
