import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellResult } from '../../src/results/cell-result.js';
import { measureCell } from '../../src/bisect/metric.js';
import { renderHtml, renderMarkdown, reportRows } from '../../src/bisect/report.js';
import { newState, stepFor, type BisectState } from '../../src/bisect/state.js';
import type { BisectEnd } from '../../src/bisect/bisect-end.js';
import { fixtureModels, generateCell } from '../fixtures/results/generate.js';

const ICOUNT_61 = path.join(
  import.meta.dirname,
  '..',
  'fixtures',
  'icount',
  '2026-12-07T02-30-01Z-649217',
  'cells',
  '6.1-cloud__retpoline__test-run.json',
);
const models = fixtureModels();
const tcg612 = generateCell(models.find((m) => m.kernelId === '6.12-cloud' && m.boot.name === 'retpoline')!);
const panicked = generateCell(models.find((m) => m.kernelId === 'sid-cloud' && m.failure !== undefined)!);

describe('measureCell', () => {
  it('reads the direct, indirect and saving figures of a cell, with the kind of figure', () => {
    const d = measureCell(tcg612, 'direct');
    const i = measureCell(tcg612, 'indirect');
    const s = measureCell(tcg612, 'saving');
    if (!d.ok || !i.ok || !s.ok) throw new Error('no figure');
    expect(d.value.kind).toBe('emulated-ns');
    expect(d.value.value).toBeCloseTo(9.1, 0);
    expect(i.value.value).toBeCloseTo(62.3, 0);
    expect(s.value.value).toBeCloseTo(i.value.value - d.value.value, 6);
    expect(d.value.ci[0]).toBeLessThan(d.value.value);
  });
  it('reads an instruction-counted cell in instructions (a real -icount run of 6.1)', () => {
    const counted = cellResult.parse(JSON.parse(readFileSync(ICOUNT_61, 'utf8')));
    const d = measureCell(counted, 'direct');
    if (!d.ok) throw new Error('no figure');
    expect(d.value.kind).toBe('instructions');
    // 17 instructions per constant-key tail call on 6.1: the 9 of the direct sequence and the 8 of the
    // next program's body up to its own tail call (docs/measurement.md), exactly
    expect(d.value.value).toBeCloseTo(17, 9);
  });
  it('a failed cell has no figure (the step is then a skip)', () => {
    const r = measureCell(panicked, 'direct');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^cell panic: Kernel panic/);
  });
});

function sampleState(): BisectState {
  const c = (i: number) => ({
    sha: `${i}`.repeat(40),
    subject: `commit ${i} | with a pipe`,
    authorDate: `2026-01-0${i + 1}T12:00:00+00:00`,
  });
  const s = newState(
    { tree: '/src/linux', good: c(0).sha, bad: c(4).sha, metric: 'direct', bench: 'test-run', boot: 'retpoline', repeatCap: 5 },
    [1, 2, 3, 4].map(c),
  );
  s.rule = { threshold: 35, badAbove: true, origin: 'midpoint' };
  const run = (value: number) => ({ value, ci: [value - 1, value + 1] as [number, number], kind: 'emulated-ns' as const, wallMs: 40_000 });
  Object.assign(stepFor(s, c(0), 'good-end'), { verdict: 'good', runs: [run(9)], build: { cached: true, totalMs: 900 }, wallMs: 41_000 });
  Object.assign(stepFor(s, c(4), 'bad-end'), {
    verdict: 'bad',
    runs: [run(61)],
    build: { cached: false, totalMs: 95_000, compileMs: 80_000 },
    wallMs: 136_000,
  });
  Object.assign(stepFor(s, c(2), 'search'), {
    verdict: 'skip',
    reason: 'build failed: kernel/bpf/syscall.c:1: error: expected ;',
    wallMs: 30_000,
  });
  Object.assign(stepFor(s, c(3), 'search'), {
    verdict: 'bad',
    runs: [run(60), run(62)],
    build: { cached: false, totalMs: 60_000 },
    wallMs: 140_000,
  });
  return s;
}

describe('bisect report', () => {
  const s = sampleState();
  const outcome: BisectEnd = { kind: 'found', dir: '/r', firstBad: s.commits[2]!, range: [s.commits[1]!], state: s, files: [] };

  it('lists the tested commits in history order with their figure, runs, verdict and build', () => {
    const rows = reportRows(s);
    expect(rows.map((r) => r.commit.sha[0])).toEqual(['0', '2', '3', '4']);
    expect(rows[1]).toMatchObject({ verdict: 'skip', build: 'failed', value: undefined });
    expect(rows[2]).toMatchObject({ verdict: 'bad', runs: 2, value: 61, build: '60 s' });
  });

  it('Markdown: the answer (a range when skips hide it), the rule with its unit, and the table', () => {
    const md = renderMarkdown(s, outcome, reportRows(s));
    expect(md).toContain('Skipped commits leave a range: the first bad commit is one of 222222222222, 333333333333');
    expect(md).toContain('Rule: direct above 35.00 ns (emulated) is bad (midpoint of the two ends: closer to bad than to good)');
    expect(md).toContain('| 222222222222 | commit 2 \\| with a pipe |');
    expect(md).toMatch(/\| skip \| failed \| 30 s \| build failed: kernel\/bpf\/syscall\.c/);
    expect(md).toContain('emulated ns (TCG): relative only');
  });

  it('HTML: an inline SVG chart over commits with the skipped one marked, and the same table', async () => {
    const html = await renderHtml(s, outcome, reportRows(s));
    expect(html).toContain('<svg');
    expect(html).toMatch(/<text[^>]*>skip<\/text>/);
    expect(html).toContain('<tr class="skip">');
    expect(html).toContain('commit 2 | with a pipe');
  });
});
