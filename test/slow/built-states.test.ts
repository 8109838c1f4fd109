// The JIT states on real kernels built with the project's own build engine from Debian's
// linux-source-6.1 (test/slow/linux-6.1-variants.ts builds them ahead): no BPF JIT (interpreter), the
// JIT without KALLSYMS, the JIT without RETPOLINE, plus the base kernel booted with and without
// retpolines for the retpoline's own price. Each boots under TCG with instruction counting through the
// qemu backend, runs the real agent, and goes through the real analysis and every report writer; the
// test then reads each format and checks it claims nothing the evidence does not show.
// TAILMATRIX_STATES_STREAMS=<dir> keeps each cell's raw agent stream there (fixture refresh).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import type { CellSummary, Summary } from '../../src/analysis/summary-schema.js';
import { failureMessage } from '../../src/kernels/source.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import type { Matrix } from '../../src/matrix/schema.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { escapeXml } from '../../src/report/escape.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { assembleCellResult } from '../../src/cells/assemble.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import type { CellRunSpec } from '../../src/vm/types.js';
import { cellSpec, testPayload } from '../integration/qemu-kernels.js';
import { buildLinux61, type Linux61Variant } from './linux-6.1.js';

/** Cached builds take seconds; a cold one of all four can take hours on 2 loaded cores. */
const TIMEOUT_MS = 4 * 60 * 60_000;

async function build(variant?: Linux61Variant): Promise<FetchedKernel> {
  const label = `linux-6.1-${variant ?? 'build'}`;
  const r = await buildLinux61(label, [], undefined, variant);
  if (!r.ok) throw new Error(`${label}: ${failureMessage(r.error)}`);
  console.log(`[${label}] ${r.value.cached ? 'cache hit' : `built in ${(r.value.totalMs / 1000).toFixed(0)} s`}`);
  return r.value.kernel;
}

let matrix: Matrix;
async function runCell(kernel: FetchedKernel, bootName: string): Promise<CellResult> {
  const boot = matrix.boots.find((b) => b.name === bootName);
  if (!boot) throw new Error(`matrix.json has no boot ${bootName}`);
  const timing = { mode: 'icount', shift: ICOUNT_SHIFT } as const;
  const spec: CellRunSpec = {
    ...cellSpec(kernel, await testPayload(), { cmdline: boot.cmdline, timeoutSec: 1200, params: matrix.benchmarks[0]!.params, timing }),
    cellId: `${kernel.id}__${bootName}`,
    boot,
  };
  const workDir = spec.workDir;
  const startedAt = new Date();
  const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: () => undefined });
  const keep = process.env.TAILMATRIX_STATES_STREAMS;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    copyFileSync(path.join(workDir, 'agent.jsonl'), path.join(keep, `${spec.cellId}.jsonl`));
  }
  console.log(`[${spec.cellId}] ${outcome.status} in ${(outcome.wallMs / 1000).toFixed(0)} s ${outcome.message ?? ''}`);
  return assembleCellResult({ runId: 'built-states', spec, backend: 'qemu', outcome, startedAt, finishedAt: new Date() });
}

let summary: Summary;
let formats: { markdown: string; html: string; json: string; junit: string };
const cell = (kernelId: string, boot = 'retpoline'): CellSummary => {
  const c = summary.cells.find((x) => x.kernel.id === kernelId && x.boot.name === boot);
  if (!c) throw new Error(`no cell ${kernelId}/${boot}`);
  return c;
};

beforeAll(async () => {
  const loaded = await loadMatrix(path.join(PACKAGE_ROOT, 'matrix.json'));
  if (!loaded.ok) throw new Error(loaded.error.join('\n'));
  matrix = loaded.value.matrix;
  // One build after another: they share one `make O=` directory.
  const noJit = await build('no-jit');
  const noKallsyms = await build('no-kallsyms');
  const noRetpoline = await build('no-retpoline');
  const base = await build();
  const cells: CellResult[] = [];
  // One guest at a time: two cores, and a build may be running next to the test.
  for (const [k, boot] of [
    [noJit, 'retpoline'],
    [noKallsyms, 'retpoline'],
    [noRetpoline, 'retpoline'],
    [base, 'retpoline'],
    [base, 'mitigations-off'],
  ] as const) {
    cells.push(await runCell(k, boot));
  }
  summary = analyse(cells);
  formats = { markdown: renderMarkdown(summary), html: await renderHtml(summary), json: renderJson(summary), junit: renderJunit(summary) };
}, TIMEOUT_MS);

/** The row (Markdown, HTML) or test case (JUnit) of one cell in each text format. */
function rendered(c: CellSummary): { format: string; text: string }[] {
  const md = formats.markdown.split('\n').find((l) => l.startsWith(`| ${c.kernel.id} (`) && l.includes(`| ${c.boot.name} |`));
  const html = formats.html.split('\n').find((l) => l.includes(`data-key="${c.key}"`) && l.startsWith('<tr'));
  const junit = formats.junit
    .split('<testcase ')
    .find(
      (t) =>
        t.startsWith(`classname="tailmatrix.${c.benchmark.name}.${c.kernel.id}"`) && t.includes(`name="${c.kernel.id} / ${c.boot.name}"`),
    );
  for (const [f, t] of [
    ['markdown', md],
    ['html', html],
    ['junit', junit],
  ] as const)
    if (t === undefined) throw new Error(`${f}: no entry for ${c.key}`);
  return [
    { format: 'markdown', text: md! },
    { format: 'html', text: html! },
    { format: 'junit', text: junit! },
  ];
}

const FALSE_CLAIMS = [/did not emit a direct jump/, /not a direct jump/];

/** A cell measured without proof of its jumps: every format withholds the saving and gives the reason. */
function expectWithheldEverywhere(c: CellSummary, reason: RegExp): void {
  expect(c.comparison).toBeNull();
  expect(c.withheldReason).toMatch(reason);
  const json = (JSON.parse(formats.json) as Summary).cells.find((x) => x.key === c.key)!;
  expect(json.comparison).toBeNull();
  expect(json.withheldReason).toBe(c.withheldReason);
  for (const { format, text } of rendered(c)) {
    const withheld = `withheld: ${c.withheldReason}`;
    expect(text, format).toContain(format === 'markdown' ? withheld : escapeXml(withheld));
    for (const claim of FALSE_CLAIMS) expect(text, `${format}: ${claim}`).not.toMatch(claim);
    // No saving figure: the only "saving" is the withheld one.
    expect(text, format).not.toMatch(/saving: -?\d/);
  }
  const warnings = formats.markdown.split('\n').filter((l) => l.startsWith(`- \`${c.key}\``));
  for (const claim of FALSE_CLAIMS) expect(warnings.join('\n')).not.toMatch(claim);
}

describe('built kernels: the states the JIT evidence shows, and no false claim in any format', () => {
  it(
    'no BPF JIT: the interpreter ran every tail call, the cell is ok and measured, mechanism no-jit',
    () => {
      const c = cell('linux-6.1-no-jit');
      expect(c.status, c.message ?? '').toBe('ok');
      expect(c.bpfJitHarden).toBe('');
      for (const v of [c.direct!, c.indirect!]) {
        expect(v.mechanism).toBe('no-jit');
        expect(v.mechanismReason).toMatch(/without CONFIG_BPF_JIT/);
        expect(v.fit!.n).toBe(33);
        expect(v.fit!.slope).toBeGreaterThan(0);
      }
      expect(c.warnings.join('\n')).toMatch(/direct: no JIT: .*interpreter/);
      expectWithheldEverywhere(c, /^direct is not JITed/);
    },
    TIMEOUT_MS,
  );

  it(
    'the JIT without KALLSYMS: image-unavailable with the reason, never "not a direct jump"',
    () => {
      const c = cell('linux-6.1-no-kallsyms');
      expect(c.status, c.message ?? '').toBe('ok');
      for (const v of [c.direct!, c.indirect!]) {
        expect(v.mechanism).toBe('image-unavailable');
        expect(v.mechanismReason).toMatch(/CONFIG_KALLSYMS/);
      }
      expect(c.warnings.join('\n')).toMatch(/direct: which jump ran is unproven/);
      expectWithheldEverywhere(c, /^direct is unproven/);
      // The interpreter's chain costs far more per call than the JIT's: these cells differ in kind.
      expect(cell('linux-6.1-no-jit').indirect!.fit!.slope).toBeGreaterThan(c.indirect!.fit!.slope);
    },
    TIMEOUT_MS,
  );

  it(
    'the JIT without RETPOLINE: a direct jump and a plain jmp *reg, compared',
    () => {
      const c = cell('linux-6.1-no-retpoline');
      expect(c.status, c.message ?? '').toBe('ok');
      expect(c.direct!.mechanism).toBe('direct-jump');
      expect(c.indirect!.mechanism).toBe('plain-indirect');
      expect(c.withheldReason).toBeNull();
      expect(c.comparison!.unit).toBe('instructions');
      expect(c.comparison!.savingNs).toBeGreaterThan(0);
      for (const { format, text } of rendered(c)) {
        expect(text, format).not.toMatch(/withheld/);
        expect(text, format).toMatch(/\d instr/);
      }
    },
    TIMEOUT_MS,
  );

  it(
    "the retpoline's own price on the base kernel: retpoline boot minus mitigations-off boot, in every format",
    () => {
      const retpoline = cell('linux-6.1-build', 'retpoline');
      const off = cell('linux-6.1-build', 'mitigations-off');
      expect(retpoline.indirect!.mechanism).toBe('retpoline-thunk');
      expect(off.indirect!.mechanism).toBe('plain-indirect');
      const prices = summary.retpolinePrices.filter((p) => p.kernel.id === 'linux-6.1-build');
      expect(prices).toHaveLength(1);
      const p = prices[0]!;
      expect(p).toMatchObject({
        figureKind: 'instructions',
        unit: 'instructions',
        retpoline: { boot: 'retpoline' },
        plain: { boot: 'mitigations-off' },
      });
      expect(p.price).toBeCloseTo(retpoline.indirect!.fit!.slope - off.indirect!.fit!.slope, 9);
      expect(p.price).toBeGreaterThan(0);
      // No other kernel here has both kinds of boot: no price is made up across kernels.
      expect(summary.retpolinePrices).toHaveLength(1);
      const figure = `${p.price.toFixed(2)} [${p.priceCi[0].toFixed(2)}, ${p.priceCi[1].toFixed(2)}] instr/call`;
      expect(formats.markdown).toContain(figure);
      expect(formats.html).toContain(figure);
      expect(formats.junit).toContain(`retpoline&apos;s own price: ${figure}`);
      expect((JSON.parse(formats.json) as Summary).retpolinePrices).toEqual(summary.retpolinePrices);
      console.log(`[price] linux-6.1 retpoline's own price: ${figure}`);
    },
    TIMEOUT_MS,
  );

  it('prints the rows the report shows for the built kernels', () => {
    const rows = formats.markdown.split('\n').filter((l) => /^\| linux-6\.1-/.test(l));
    console.log(rows.join('\n'));
    expect(rows.length).toBeGreaterThanOrEqual(5);
  });
});
