// A run of the user's own kernel next to reference kernels states, per figure, the user's kernel minus each
// reference (difference and interval, in the figure's unit and kind) in report.md, report.html, summary.json
// and the step summary. From a real run (test/fixtures/icount: exact instruction counts of four Debian
// kernels), with sid-cloud marked in run.json as the user's kernel, as `run --kernel sid=PATH` marks it.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/engine/report.js';
import { patchedVsReference } from '../../src/analysis/patched-vs-reference.js';
import { analyse } from '../../src/benchmarks/analyse.js';
import { loadResultDirs } from '../../src/results/load.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'icount', '2026-12-07T02-30-01Z-649217');
const TIMED = path.join(import.meta.dirname, '..', 'fixtures', 'results', '20261126-010512-tcg');

let tmp: string;
let run: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-patched-'));
  run = path.join(tmp, path.basename(FIXTURE));
  await cp(FIXTURE, run, { recursive: true });
  const meta = JSON.parse(await readFile(path.join(run, 'run.json'), 'utf8'));
  await writeFile(path.join(run, 'run.json'), JSON.stringify({ ...meta, userKernels: ['sid-cloud'] }));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

// Each writeReports renders the HTML page (vega): seconds on a loaded machine.
describe('patched vs reference', { timeout: 120_000 }, () => {
  it('every format states the user kernel minus each reference per figure, exact counts without an interval', async () => {
    const stepSummary = path.join(tmp, 'step-summary.md');
    const res = await writeReports({ resultDirs: [run], outDir: path.join(tmp, 'report'), formats: ['md', 'html', 'json'], stepSummary });
    if (!res.ok) throw new Error(res.error);
    // sid: 23 direct, 33 through the retpoline, 30 with jmp *reg; 5.10 and 6.1: 17, 27, 24 (fixture README).
    const line =
      'Exact instruction counts (TCG with -icount): instructions per tail call: your kernel sid-cloud minus reference 5.10-cloud (retpoline / test-run): direct +6.00 instr/call (exact), indirect +6.00 instr/call (exact) (patched − reference, 95 % intervals in brackets).';
    const md = await readFile(path.join(tmp, 'report', 'report.md'), 'utf8');
    expect(md).toContain(`- ${line}`);
    // Under "What this run found", before the tables: three references × two boots.
    const found = md.slice(md.indexOf('## What this run found'));
    expect(found.split('\n').filter((l) => l.includes('your kernel sid-cloud minus reference'))).toHaveLength(6);
    expect(await readFile(stepSummary, 'utf8')).toContain(`- ${line}`);
    expect(await readFile(path.join(tmp, 'report', 'report.html'), 'utf8')).toContain(line);
    const json = JSON.parse(await readFile(path.join(tmp, 'report', 'summary.json'), 'utf8'));
    expect(json.patchedVsReference).toHaveLength(12);
    expect(json.patchedVsReference[0]).toMatchObject({
      patched: { kernel: 'sid-cloud' },
      figureKind: 'instructions',
      unit: 'instructions',
      variant: 'direct',
      difference: 6,
    });
    // No user kernel, no such line.
    const plain = await writeReports({ resultDirs: [FIXTURE], outDir: path.join(tmp, 'plain'), formats: ['md'] });
    expect(plain.ok && plain.value.summary.patchedVsReference).toBeUndefined();
    expect(await readFile(path.join(tmp, 'plain', 'report.md'), 'utf8')).not.toContain('your kernel');
  });

  it('timed figures carry their interval; cells of another kind, boot or benchmark are never paired', async () => {
    const loaded = await loadResultDirs([TIMED, FIXTURE]);
    if (!loaded.ok) throw new Error(loaded.error);
    const summary = analyse(loaded.value.cells.map((c) => c.cell));
    // sid-cloud has emulated-ns cells (the TCG fixture) and exact instruction cells (the icount fixture).
    const diffs = patchedVsReference(summary.cells, ['sid-cloud']);
    expect(new Set(diffs.map((d) => d.figureKind))).toEqual(new Set(['emulated-ns', 'instructions']));
    for (const d of diffs) {
      const ref = summary.cells.find((c) => c.key === d.reference.key)!;
      const mine = summary.cells.find((c) => c.key === d.patched.key)!;
      expect(mine.kernel.id).toBe('sid-cloud');
      expect(ref.kernel.id).not.toBe('sid-cloud');
      expect([ref.figureKind, ref.boot.name, ref.benchmark.name]).toEqual([mine.figureKind, mine.boot.name, mine.benchmark.name]);
      expect(d.unit).toBe(d.figureKind === 'instructions' ? 'instructions' : 'ns');
      expect(d.difference).toBeCloseTo(mine[d.variant]!.fit!.slope - ref[d.variant]!.fit!.slope, 9);
      // Timed figures have noise: a real interval around the difference.
      if (d.figureKind !== 'instructions') expect(d.differenceCi![0]).toBeLessThan(d.differenceCi![1]);
    }
  });
});
