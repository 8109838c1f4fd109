// HC3 slope errors against numpy's sandwich (X'X)⁻¹ X' diag(eᵢ² / (1 − hᵢ)²) X (X'X)⁻¹, computed from the
// full design matrix (an independent route to the same number), and on a real agent stream.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseVariant } from '../../src/analysis/analyse-variant.js';
import { hc3SlopeSe, withRobustSlope } from '../../src/analysis/robust-fit.js';
import { linearFit, tCritical } from '../../src/analysis/stats.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';

describe('hc3SlopeSe', () => {
  it('matches numpy on noise that grows with x (HC3 0.5619 vs OLS 0.3568)', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7];
    const ys = [10, 12.5, 13.2, 17.9, 18.1, 24.0, 21.5, 31.0];
    const fit = linearFit(xs, ys)!;
    expect(fit.slope).toBeCloseTo(2.67380952, 7);
    expect(fit.slopeSe).toBeCloseTo(0.3568279034538856, 12);
    expect(hc3SlopeSe(xs, ys, fit)).toBeCloseTo(0.5619429733707267, 12);
    const robust = withRobustSlope(fit, xs, ys);
    const t = tCritical(6);
    expect(robust.slopeCi[0]).toBeCloseTo(fit.slope - t * 0.5619429733707267, 12);
    expect(robust.slopeCi[1]).toBeCloseTo(fit.slope + t * 0.5619429733707267, 12);
    expect({ ...robust, slopeSe: 0, slopeCi: [0, 0] }).toEqual({ ...fit, slopeSe: 0, slopeCi: [0, 0] });
  });

  it('is 0 for an exact line (instruction counts), and a point of leverage 1 adds nothing', () => {
    const xs = [0, 1, 2, 3];
    const ys = xs.map((x) => 610 + 37 * x);
    expect(hc3SlopeSe(xs, ys, linearFit(xs, ys)!)).toBe(0);
    // x = [0, 0, 1]: the last point has leverage 1 and residual 0 (no 0/0). By hand: x̄ = 1/3, Sxx = 2/3,
    // line 2 + 3x, residuals −1, 1, 0, h = 1/2 for x = 0: √(2 · (1/9) · 1 / (1/2)²) / (2/3) = √2.
    const lx = [0, 0, 1];
    const ly = [1, 3, 5];
    const se = hc3SlopeSe(lx, ly, linearFit(lx, ly)!);
    expect(Number.isFinite(se)).toBe(true);
    expect(se).toBeCloseTo(Math.SQRT2, 12);
  });

  it('is what analyse-variant puts in the fit, on a real stream (7.2.13 under TCG, direct: 3.776 vs OLS 3.042 ns)', () => {
    const text = readFileSync(
      path.join(import.meta.dirname, '..', 'fixtures', 'jit', 'linux-7.2.13-cloud.retpoline-generic.jsonl'),
      'utf8',
    );
    const direct = parseAgentOutput(text).variants.find((v) => v.variant === 'direct')!;
    const { summary } = analyseVariant(direct, 'emulated-ns');
    const xs = summary.points.map((p) => p.depth);
    const ys = summary.points.map((p) => p.medianNs);
    expect(linearFit(xs, ys)!.slopeSe).toBeCloseTo(3.042146624, 8);
    expect(summary.fit!.slopeSe).toBeCloseTo(3.77587968, 7);
  });
});
