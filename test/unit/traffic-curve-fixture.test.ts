// A real native traffic stream (test/fixtures/results/traffic-curve: the running kernel of an AMD EPYC host
// with retpolines, hardware ns, bpf_stats) re-derived from its raw agent stream and written in every format:
// each gives the per-depth profile, the direct chain's knee and regimes, the indirect chain's tested line
// and the saving per regime, and none gives one slope over all depths as the direct chain's cost.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summary as summarySchema, type CellSummary, type TrafficVariant } from '../../src/analysis/summary-schema.js';
import { headline } from '../../src/cells/headline.js';
import { writeReports } from '../../src/engine/report.js';
import { cellResult } from '../../src/results/cell-result.js';

const RUN = path.join(import.meta.dirname, '..', 'fixtures', 'results', 'traffic-curve', '2026-12-07T08-57-48Z-82db19');
let out: string;
let cell: CellSummary;
const read = (name: string) => readFile(path.join(out, name), 'utf8');
const variant = (name: 'direct' | 'indirect'): TrafficVariant => cell.traffic!.methods[0]!.variants.find((v) => v.variant === name)!;
/** The single OLS slope the table gave before the curve: "6.52 ± 0.41 ns/call". */
const oneSlope = (v: TrafficVariant) => `${v.fit!.slope.toFixed(2)} ± ${((v.fit!.slopeCi[1] - v.fit!.slopeCi[0]) / 2).toFixed(2)} ns/call`;

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-traffic-curve-'));
  const res = await writeReports({ resultDirs: [RUN], outDir: out, formats: ['md', 'html', 'json', 'junit'], rederive: true });
  if (!res.ok) throw new Error(res.error);
  cell = res.value.summary.cells[0]!;
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('a real native traffic stream through the curve analysis', () => {
  it('profiles every depth, finds the direct chain two regimes and the indirect one a tested line', () => {
    expect(cell.figureKind).toBe('hardware-ns');
    expect(cell.backend).toBe('native');
    expect(cell.traffic!.methods.map((m) => m.method)).toEqual(['bpf-stats']);
    const d = variant('direct').curve!;
    const i = variant('indirect').curve!;
    for (const c of [d, i]) {
      expect(c.profile).toHaveLength(30);
      // One window's mean per packet per depth: no interval of its own, the packets behind it counted.
      for (const p of c.profile) {
        expect(p.ci).toBeNull();
        expect(p.samples).toBeGreaterThan(10_000);
      }
    }
    expect(d.model).toBe('segmented');
    expect(d.regimes.map((r) => r.regime)).toEqual(['below-knee', 'above-knee']);
    expect(d.knee!.depth).toBe(24);
    expect(d.knee!.ci[0]).toBeLessThanOrEqual(24);
    expect(d.knee!.ci[1]).toBeGreaterThanOrEqual(24);
    expect(d.knee!.bootstrap).toBeGreaterThan(100);
    expect(d.step!.ci[0]).toBeGreaterThan(0);
    expect(i.model).toBe('linear');
    expect(i.regimes.map((r) => r.regime)).toEqual(['all']);
    // The retpoline costs more per tail call than the direct jump in every regime.
    for (const r of d.regimes) expect(i.regimes[0]!.slope).toBeGreaterThan(r.slope);
    const saving = cell.traffic!.methods[0]!.regimeSaving!;
    expect(saving.method).toBe('welch');
    expect(saving.regimes.map((r) => r.regime)).toEqual(['below-knee', 'above-knee']);
  });

  it("the progress line gives the direct chain's regimes, not one slope", async () => {
    const result = cellResult.parse(JSON.parse(await readFile(path.join(RUN, 'cells', 'host__host__traffic.json'), 'utf8')));
    const line = headline(result);
    expect(line).toMatch(/direct [\d.]+ → [\d.]+ ns\/call \(knee at depth 24\) \[direct-jump\]/);
    expect(line).toMatch(/indirect [\d.]+ ns\/call \[retpoline-thunk\]/);
  });

  it('Markdown: per-regime cost in the table, the curve section with the profile; no single direct slope', async () => {
    const md = await read('report.md');
    const row = md.split('\n').find((l) => l.startsWith('| host') && l.includes('bpf_stats'))!;
    expect(row).toMatch(/ns\/call → [\d.]+ ± [\d.]+ ns\/call \(knee at depth 24 \[95 %: [\d–]+\]\)/);
    expect(row).not.toContain(oneSlope(variant('direct')));
    expect(row).toMatch(/\(below the knee, depths 0–23\) · .* \(from the knee on, depths 24–33\) \[welch\]/);
    expect(md).toContain('#### host / host / traffic · under traffic, bpf-stats');
    expect(md).toMatch(/one line does not describe these data/);
    expect(md).toMatch(/indirect: [\d.]+ ± [\d.]+ ns\/call \(depths 0–33\), linear \(hardware ns\)/);
    expect(md).toMatch(/direct mean per packet per depth 0–33: `[▁▂▃▄▅▆▇█]{30}`/);
    expect(md).toMatch(/\| 33 \| [\d.]+ ns \| [\d.]+ ns \|/);
    expect(md).toMatch(/Hardware ns: where one line does not describe the per-depth profile/);
  });

  it('HTML: the traffic curve chart rendered to SVG, with the knee and both regimes in words', async () => {
    const html = await read('report.html');
    const fig = html.match(/<figure class="chart" data-chart="curve"[^>]*>[\s\S]*?<\/figure>/)?.[0] ?? '';
    expect(fig).toContain('<svg');
    expect(fig).toContain('mean per packet');
    expect(html).toMatch(
      /<div class="curve-cell"[^>]*data-method="bpf-stats"[^>]*>[\s\S]*knee at depth 24[\s\S]*one line does not describe these data/,
    );
    expect(html).not.toContain(`>${oneSlope(variant('direct'))}<`);
    // The bars give the direct chain a bar per regime (and the indirect its one slope); the depth chart no single direct line.
    expect(html).toMatch(/data-chart="traffic-bars"[^>]*data-groups="3"/);
    expect(html).toContain('direct: one line does not describe it, its regimes are in the cost curve below');
  });

  it('JSON: summary.json holds both curves and the saving per regime, and loads again', async () => {
    const json = summarySchema.parse(JSON.parse(await read('summary.json')));
    const m = json.cells[0]!.traffic!.methods[0]!;
    expect(m.variants.find((v) => v.variant === 'direct')!.curve!.knee!.depth).toBe(24);
    expect(m.variants.find((v) => v.variant === 'indirect')!.curve!.model).toBe('linear');
    expect(m.regimeSaving!.regimes).toHaveLength(2);
  });

  it('JUnit: the regimes and the knee in the cell output; no single direct slope', async () => {
    const xml = await read('junit.xml');
    expect(xml).toMatch(
      /bpf_stats \(run_time_ns \/ run_cnt\), direct: [\d.]+ ± [\d.]+ ns\/call → [\d.]+ ± [\d.]+ ns\/call \(knee at depth 24/,
    );
    expect(xml).toMatch(/bpf-stats, direct: one line does not describe these data/);
    expect(xml).toMatch(/bpf-stats, saving per regime: .*\[welch\]/);
    expect(xml).not.toContain(`direct: ${oneSlope(variant('direct'))}`);
  });
});
