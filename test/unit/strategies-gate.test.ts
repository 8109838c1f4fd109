// The gate over strategies cells, beyond one figure against its own: a strategy with a figure on one side
// only (lost: fails the gate in every format; new: shown, not a failure), and hardware strategy figures
// whose baseline curve has a knee, gated per regime like Benchmark 1's variants. The lost/new cases start
// from the real run in test/fixtures/strategies-runs; the regime cases from its host cell with each
// strategy's samples replaced by a constructed curve (as test/unit/gate.test.ts bends a variant's).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseStrategiesCell } from '../../src/analysis/analyse-strategies.js';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import { summary as summarySchema, type CellSummary, type Summary } from '../../src/analysis/summary-schema.js';
import { analyseResultDirs } from '../../src/benchmarks/analyse.js';
import { EXIT, exitCodeOf } from '../../src/cli/exit-codes.js';
import { summaryVerdict } from '../../src/engine/verdict.js';
import type { StrategyName } from '../../src/matrix/schema.js';
import { githubAnnotations } from '../../src/report/github-annotations.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { cellResult } from '../../src/results/cell-result.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { mulberry32 as prng } from '../../src/util/prng.js';

const RUN = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'strategies-runs', '2026-12-07T09-07-37Z-6ae0a7');
const GATE = { instructions: 1, thresholdNs: 1, thresholdPct: 10, aloneNs: 1, alonePct: 10, alpha: 0.05 };
const EXACT = '6.1-cloud/retpoline/strategies';

let summary: Summary;
beforeAll(async () => {
  const analysed = await analyseResultDirs([path.dirname(RUN)]);
  if (!analysed.ok) throw new Error(analysed.error);
  summary = analysed.value;
});

/** The summary with the exact cell's strategies edited (a copy). */
function editExact(s: Summary, edit: (c: CellSummary) => void): Summary {
  const out = structuredClone(s);
  edit(out.cells.find((c) => c.key === EXACT)!);
  return out;
}

const VERIFIER = 'verifier: R1 type=scalar expected=ctx (loop callback refused)';

/** Now: `loop` refused by the verifier, `call-global` no longer swept. */
const lostNow = (s: Summary) =>
  editExact(s, (c) => {
    const loop = c.strategies!.find((x) => x.strategy === 'loop')!;
    Object.assign(loop, { status: 'unsupported', reason: VERIFIER, fit: null, tailFit: null, points: [], proof: null, mechanism: null });
    c.strategies = c.strategies!.filter((x) => x.strategy !== 'call-global');
  });

/** The baseline: `tailcall-subprog` unsupported there (it is ready in the fixture, so supported now). */
const subprogUnsupportedThen = (s: Summary) =>
  editExact(s, (c) => {
    const sp = c.strategies!.find((x) => x.strategy === 'tailcall-subprog')!;
    Object.assign(sp, { status: 'unsupported', reason: 'kernel 5.4 cannot mix calls and tail calls', fit: null, points: [] });
  });

describe('the gate: a strategy with a figure on one side only', () => {
  it('fails a figure the baseline had that is unsupported or gone now, naming the strategy, the cell and the reason', () => {
    const b = compareWithBaseline(lostNow(summary), summary, 'baseline', GATE);
    expect(b.regressions).toBe(0);
    const lost = b.problems.filter((p) => p.problem === 'figure-missing-now');
    expect(lost.map((p) => [p.key, p.figureKind, p.figure])).toEqual([
      [EXACT, 'instructions', 'strategy:call-global'],
      [EXACT, 'instructions', 'strategy:loop'],
    ]);
    expect(lost[1]!.detail).toBe(
      `strategy:loop: 23.00 instr/transfer in the baseline; now unsupported in 6.1-cloud__retpoline__strategies: ${VERIFIER}`,
    );
    expect(lost[0]!.detail).toBe(
      'strategy:call-global: 15.00 instr/transfer in the baseline; now not swept in 6.1-cloud__retpoline__strategies (not among params.strategies)',
    );
    // Everything else still compared: the four strategies left of the exact cell.
    expect(b.comparisons.filter((k) => k.key === EXACT).map((k) => k.variant)).toEqual([
      'strategy:tailcall-const',
      'strategy:tailcall-dynamic',
      'strategy:call-static',
      'strategy:tailcall-subprog',
    ]);
    expect(b.newFigures).toEqual([]);
  });

  it('a figure the baseline had and this run lacks fails the run in every format the gate reports in', async () => {
    const cur: Summary = { ...lostNow(summary), baseline: compareWithBaseline(lostNow(summary), summary, 'base/summary.json', GATE) };
    const verdict = summaryVerdict(cur);
    expect(verdict).toEqual({
      kind: 'cell-failures',
      cells: [`${EXACT} strategy:call-global: figure-missing-now`, `${EXACT} strategy:loop: figure-missing-now`],
    });
    expect(exitCodeOf(verdict)).toBe(EXIT.cellFailures);

    const line = `${EXACT} (instructions) strategy:loop: a figure in the baseline, none now: strategy:loop: 23.00 instr/transfer in the baseline; now unsupported in 6.1-cloud__retpoline__strategies: ${VERIFIER}`;
    const md = renderMarkdown(cur);
    expect(md).toContain('**no regression in 12 comparison(s), 2 figure(s) in the baseline missing now (each fails the gate).**');
    expect(md).toContain('Failed or missing cells and figures (each fails the gate):\n\n- ❌ ');
    expect(md).toContain(`\n- ❌ ${line}\n`);

    const html = await renderHtml(cur);
    expect(html).toContain('<p>Failed or missing cells and figures (each fails the gate):</p><ul><li class="failed">');
    expect(html).toContain('strategy:loop: a figure in the baseline, none now: strategy:loop: 23.00 instr/transfer in the baseline;');
    expect(html).toContain('verifier: R1 type=scalar expected=ctx (loop callback refused)');

    const xml = renderJunit(cur);
    expect(xml).toContain(
      `<testcase classname="tailmatrix.gate" name="${EXACT} strategy:loop (instructions)" time="0"><failure type="figure-missing-now" message="${line}"/></testcase>`,
    );
    expect(xml).toMatch(/<testsuite name="baseline gate" tests="2" failures="2"/);
    // The strategy's own case stays skipped with the verifier's reason, and says what the gate made of it.
    expect(xml).toMatch(
      /name="6\.1-cloud \/ retpoline \/ loop" time="0">\s*<skipped message="unsupported: verifier: R1[^"]*"\/>\s*<system-out>[^<]*gate: 6\.1-cloud\/retpoline\/strategies \(instructions\) strategy:loop: a figure in the baseline, none now/,
    );

    const notes = githubAnnotations(cur);
    expect(notes).toContain(`::error title=tailmatrix%3A ${EXACT} strategy%3Aloop figure-missing-now::${line}`);

    const json = JSON.parse(renderJson(cur));
    expect(summarySchema.safeParse(json).success).toBe(true);
    expect(json.baseline.problems[1]).toMatchObject({ problem: 'figure-missing-now', figure: 'strategy:loop' });
  });

  it('shows a strategy supported now and not in the baseline as new, never as a failure', async () => {
    const base = subprogUnsupportedThen(summary);
    const b = compareWithBaseline(summary, base, 'baseline', GATE);
    expect(b.problems).toEqual([]);
    expect(b.newFigures).toEqual([
      {
        key: EXACT,
        figureKind: 'instructions',
        figure: 'strategy:tailcall-subprog',
        detail:
          'strategy:tailcall-subprog: 26.00 instr/transfer now; in the baseline unsupported in 6.1-cloud__retpoline__strategies: kernel 5.4 cannot mix calls and tail calls',
      },
    ]);
    expect(b.comparisons.some((k) => k.variant === 'strategy:tailcall-subprog' && k.key === EXACT)).toBe(false);
    const cur: Summary = { ...summary, baseline: b };
    expect(exitCodeOf(summaryVerdict(cur))).toBe(EXIT.ok);

    const line = `${EXACT} (instructions) strategy:tailcall-subprog: new, not in the baseline (not a failure): ${b.newFigures[0]!.detail}`;
    const md = renderMarkdown(cur);
    expect(md).toContain('**no regression in 13 comparison(s), 1 new figure(s) (not in the baseline, not a failure).**');
    expect(md).toContain(`New figures (not in the baseline: nothing to compare with, not a failure):\n\n- 🆕 ${line}\n`);
    expect(md).not.toContain('each fails the gate');
    expect(await renderHtml(cur)).toContain(`<li class="new">${line}</li>`);
    const xml = renderJunit(cur);
    expect(xml).not.toContain('baseline gate');
    expect(xml).toMatch(/<testsuites name="tailmatrix" tests="14" failures="0"/);
    expect(xml).toContain(`gate: ${line}`);
    expect(githubAnnotations(cur)).toEqual([`::notice title=tailmatrix%3A ${EXACT} strategy%3Atailcall-subprog new::${line}`]);
    expect(summarySchema.safeParse(JSON.parse(renderJson(cur))).success).toBe(true);
  });

  it('a strategy still ready now but without a fit has lost its figure too', () => {
    const noFit = editExact(summary, (c) => {
      const tc = c.strategies!.find((x) => x.strategy === 'tailcall-const')!;
      Object.assign(tc, { fit: null, points: tc.points.slice(0, 2) });
    });
    const b = compareWithBaseline(noFit, summary, 'baseline', GATE);
    expect(b.problems.map((p) => [p.figure, p.detail])).toEqual([
      [
        'strategy:tailcall-const',
        'strategy:tailcall-const: 17.00 instr/transfer in the baseline; now ready in 6.1-cloud__retpoline__strategies but without a fit (its cell warnings say why)',
      ],
    ]);
  });

  it('a strategy unsupported on both sides is neither lost nor new', () => {
    // gotox is unsupported on both kernels of the fixture, on both sides.
    const b = compareWithBaseline(summary, summary, 'self', GATE);
    expect(b.problems).toEqual([]);
    expect(b.newFigures).toEqual([]);
  });
});

// --- hardware strategy figures with a knee ---

const HOST_CELL = cellResult.parse(JSON.parse(readFileSync(path.join(RUN, 'cells', 'host__host__strategies.json'), 'utf8')));

/** A strategy's true curve: `lower` ns per transfer up to depth `knee`, `upper` ns from there on. */
interface Curve {
  lower: number;
  upper: number;
  knee: number;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

/**
 * One replicate of the host cell (another boot: its own seed), every ready strategy's samples replaced by
 * `curves[name]` (linear at 3 ns per transfer when not given) with 2 % noise per sample; the sample count,
 * depths and contamination flags are the real run's.
 */
function hostReplicate(seed: number, curves: Partial<Record<StrategyName, Curve>>): CellSummary {
  const rand = prng(seed);
  const strategies = HOST_CELL.strategies!.map((s) => {
    const c = curves[s.strategy] ?? { lower: 3, upper: 3, knee: 0 };
    const truth = (d: number) => 40 + c.lower * Math.min(d, c.knee) + c.upper * Math.max(0, d - c.knee);
    return { ...s, samples: s.samples.map((x) => ({ ...x, durationNs: Math.trunc(truth(x.depth) * (1 + 0.02 * gaussian(rand))) })) };
  });
  return analyseStrategiesCell({ ...HOST_CELL, runId: `replicate-${seed}`, strategies });
}

const replicates = (seed: number, curves: Partial<Record<StrategyName, Curve>>): Summary => ({
  ...summary,
  cells: [0, 1, 2, 3].map((r) => hostReplicate(seed + 97 * r, curves)),
});

/** tailcall-const bends at depth 16: 2 ns per transfer below, 6 ns from there on. */
const BENT: Curve = { lower: 2, upper: 6, knee: 16 };

describe('the gate: hardware strategy figures whose baseline curve has a knee', () => {
  it('are gated per regime, every strategy of the cell by the Welch t rule; a re-measurement passes', () => {
    const base = replicates(1, { 'tailcall-const': BENT });
    for (const c of base.cells) expect(c.strategies!.find((s) => s.strategy === 'tailcall-const')!.curve!.knee).not.toBeNull();
    const b = compareWithBaseline(replicates(5000, { 'tailcall-const': BENT }), base, 'baseline', GATE);
    const k = b.comparisons;
    expect(k.map((x) => x.variant)).toEqual([
      'strategy:tailcall-const:below-knee',
      'strategy:tailcall-const:above-knee',
      'strategy:tailcall-dynamic',
      'strategy:call-static',
      'strategy:call-global',
      'strategy:tailcall-subprog',
      'strategy:loop',
    ]);
    expect(k.every((x) => x.method === 'welch-t' && x.status === 'ok' && x.figureKind === 'hardware-ns')).toBe(true);
    // The regimes leave out the depths a knee could be bimodal at; the linear strategies keep all their depths.
    const below = k[0]!.depths!;
    const above = k[1]!.depths!;
    expect(below[0]).toBe(0);
    expect(below[1]).toBeLessThan(16);
    expect(above[0]).toBeGreaterThan(16);
    expect(above[1]).toBe(32);
    expect(k.find((x) => x.variant === 'strategy:call-static')!.depths).toEqual([0, 7]);
    expect(k[0]!.note).toContain('alpha 0.05 / 7 regime figure(s)');
    expect(b.problems).toEqual([]);
  });

  it('catches a regression confined to one regime of one strategy and names the regime, its depths and the test', async () => {
    const base = replicates(1, { 'tailcall-const': BENT });
    // Only the upper regime of tailcall-const rises: +1.5 ns (+25 %) per transfer from depth 16 on.
    const nowSummary = replicates(9000, { 'tailcall-const': { ...BENT, upper: 7.5 } });
    const b = compareWithBaseline(nowSummary, base, 'baseline', GATE);
    expect(b.comparisons.filter((x) => x.regression).map((x) => x.variant)).toEqual(['strategy:tailcall-const:above-knee']);
    const up = b.comparisons.find((x) => x.regression)!;
    expect(up.deltaNs).toBeGreaterThan(1.3);
    expect(up.deltaNs).toBeLessThan(1.7);
    expect(b.comparisons.find((x) => x.variant === 'strategy:tailcall-const:below-knee')!.status).toBe('ok');

    const cur: Summary = { ...nowSummary, baseline: b };
    expect(exitCodeOf(summaryVerdict(cur))).toBe(EXIT.regression);
    const md = renderMarkdown(cur);
    expect(md).toMatch(
      /\| host\/host\/strategies \| tailcall-const above-knee cost per transfer, depths \d+–32 \| hardware-ns \| 6\.\d\d .* \| 7\.\d\d .* \| \+1\.\d\d ns \(\+2\d\.\d %\) \| Welch t per regime \| ❌ regression: Welch t = [\d.]+ against [\d.]+ \(one-sided, alpha 0\.05 \/ 7 regime figure\(s\)/,
    );
    // JUnit: the strategy's own case fails (its regime figure regressed); the other strategies pass.
    const xml = renderJunit(cur);
    expect(xml).toMatch(
      /name="host \/ host \/ tailcall-const" time="0">\s*<failure type="regression" message="tailcall-const above-knee cost per transfer/,
    );
    expect(xml).toMatch(/name="host \/ host \/ loop" time="0">\s*<system-out>/);
    expect(githubAnnotations(cur).filter((l) => l.startsWith('::error'))).toHaveLength(1);
    expect(summarySchema.safeParse(JSON.parse(renderJson(cur))).success).toBe(true);
  });
});
