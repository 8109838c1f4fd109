// Benchmark: the default matrix (its four Debian kernels × two boot configurations), warm, once timed
// under plain TCG and twice with instruction counting, in one invocation, through the real `run`
// command: both wall times side by side, and whether the two icount runs gave byte-identical figures.
//
//   npx tsx bench/timing-modes.ts [-m matrix.json] [--keep]     (npm run bench:timing)
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.js';
import { cellResult, type CellResult } from '../src/results/cell-result.js';
import { summary as summarySchema, type Summary } from '../src/analysis/summary-schema.js';

const { values } = parseArgs({
  options: { matrix: { type: 'string', short: 'm', default: 'matrix.json' }, keep: { type: 'boolean', default: false } },
});

const root = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-bench-timing-'));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Outcome {
  wallMs: number;
  exitCode: number;
  cells: CellResult[];
  summary: Summary;
}

async function runMode(timing: 'icount' | 'timed', label: string): Promise<Outcome> {
  const results = path.join(root, label);
  const started = Date.now();
  const exitCode = await main([
    'node',
    'tailmatrix',
    'run',
    '-m',
    values.matrix,
    '--accel',
    'tcg',
    '--timing',
    timing,
    '--results',
    results,
    '--quiet',
  ]);
  const wallMs = Date.now() - started;
  const [runDir] = await readdir(results);
  if (!runDir) throw new Error(`${label}: no run directory (exit ${exitCode})`);
  const dir = path.join(results, runDir);
  const names = (await readdir(path.join(dir, 'cells'))).filter((n) => n.endsWith('.json')).sort();
  const cells = await Promise.all(names.map(async (n) => cellResult.parse(JSON.parse(await readFile(path.join(dir, 'cells', n), 'utf8')))));
  const summary = summarySchema.parse(JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')));
  return { wallMs, exitCode, cells, summary };
}

/** The figures a run reports: per cell and variant, the per-depth instruction counts and the fit. */
function figures(o: Outcome): string {
  return JSON.stringify(o.summary.cells.map((c) => [c.key, c.unit, [c.direct, c.indirect].map((v) => [v?.variant, v?.points, v?.fit])]));
}

/** Every raw sample too: a timer interrupt inside one sample moves it, not the median of three. */
function rawSamples(o: Outcome): string {
  return JSON.stringify(
    o.cells.map((c) => [
      c.cellId,
      c.variants.map((v) => [
        v.variant,
        [...v.samples].sort((a, b) => a.depth - b.depth || a.durationNs - b.durationNs).map((s) => s.instructions),
      ]),
    ]),
  );
}

try {
  const icount1 = await runMode('icount', 'icount-1');
  const icount2 = await runMode('icount', 'icount-2');
  const timed = await runMode('timed', 'timed');
  const identical = figures(icount1) === figures(icount2);
  const okCells = (o: Outcome) => `${o.cells.filter((c) => c.status === 'ok').length}/${o.cells.length}`;
  console.log(
    `Default matrix, warm cache, TCG on ${os.cpus()[0]?.model ?? '?'} (${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)})`,
  );
  console.log('| run | wall | cells ok | exit |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| timed (plain TCG, today's default; baseline) | ${secs(timed.wallMs)} | ${okCells(timed)} | ${timed.exitCode} |`);
  console.log(`| icount, run 1 | ${secs(icount1.wallMs)} | ${okCells(icount1)} | ${icount1.exitCode} |`);
  console.log(`| icount, run 2 | ${secs(icount2.wallMs)} | ${okCells(icount2)} | ${icount2.exitCode} |`);
  console.log(`icount figures (per-depth medians and fits) byte-identical across the two runs: ${identical ? 'yes' : 'NO'}`);
  console.log(`every raw icount sample identical too: ${rawSamples(icount1) === rawSamples(icount2) ? 'yes' : 'no'}`);
  console.log('');
  console.log('| kernel | boot | direct instr/call | indirect instr/call | indirect JIT | min R² |');
  console.log('| --- | --- | ---: | ---: | --- | ---: |');
  for (const c of icount1.summary.cells) {
    const r2 = Math.min(c.direct?.fit?.r2 ?? 0, c.indirect?.fit?.r2 ?? 0);
    console.log(
      `| ${c.kernel.id} (${c.kernel.release ?? '?'}) | ${c.boot.name} | ${c.direct?.fit?.slope.toFixed(2) ?? '—'} | ${c.indirect?.fit?.slope.toFixed(2) ?? '—'} | ${c.indirect?.mechanism ?? '—'} | ${r2.toFixed(5)} |`,
    );
  }
} finally {
  if (values.keep) console.log(`results kept in ${root}`);
  else await rm(root, { recursive: true, force: true });
}
