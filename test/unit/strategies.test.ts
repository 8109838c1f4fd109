// The strategies benchmark (Benchmark 3) on the host side, from real recorded agent streams
// (test/fixtures/strategies: the default kernels under TCG -icount shift=3): the matrix type and its
// driver, the stream's `strategy` records and strategy-labelled samples, and the per-strategy analysis.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseStrategiesCell } from '../../src/analysis/analyse-strategies.js';
import { summary } from '../../src/analysis/summary-schema.js';
import { resolveBenchmark } from '../../src/benchmarks/registry.js';
import { fromAgentStream } from '../../src/cells/assemble.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { STRATEGY_NAMES, type Benchmark } from '../../src/matrix/schema.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { cellResult, type CellResult } from '../../src/results/cell-result.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { isMetric, measureCell } from '../../src/bisect/metric.js';

const SHIFT = 3;
const fixture = (name: string) => readFileSync(path.join(PACKAGE_ROOT, 'test/fixtures/strategies', `${name}.jsonl`), 'utf8');

function matrixWith(params?: Record<string, unknown>) {
  return parseMatrix({
    kernels: [{ id: 'k', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
    boots: [{ name: 'default' }],
    benchmarks: [{ name: 'alt', type: 'strategies', ...(params ? { params } : {}) }],
  });
}

function strategiesBenchmark(params?: Record<string, unknown>): Benchmark {
  const r = matrixWith(params);
  if (!r.ok) throw new Error(r.error.join('; '));
  return r.value.benchmarks[0]!;
}

/** A cell result around a recorded stream, as src/cells/assemble.ts builds it under -icount. */
function cellOf(stream: string, params: Record<string, unknown> = {}): CellResult {
  const agent = parseAgentOutput(stream);
  return cellResult.parse({
    version: 1,
    cellId: 'k-default-alt',
    runId: 'run',
    kernel: { id: 'k', sha256: '0'.repeat(64), source: 'fixture' },
    boot: { name: 'default', cmdline: 'spectre_v2=retpoline,generic' },
    benchmark: { name: 'alt', type: 'strategies', params },
    backend: 'qemu',
    accelerator: 'tcg',
    emulated: true,
    figureKind: 'instructions',
    icountShift: SHIFT,
    status: 'ok',
    startedAt: '2026-12-07T00:00:00Z',
    finishedAt: '2026-12-07T00:01:00Z',
    wallMs: 60_000,
    ...fromAgentStream(agent, SHIFT),
    consoleTail: [],
    host: { hostname: 'h', cpuModel: 'c', tool: 'tailmatrix test' },
  });
}

describe('strategies benchmark in matrix.json', () => {
  it("fills Benchmark 1's sweep defaults, one warm-up call and all seven strategies", () => {
    const b = strategiesBenchmark();
    expect(b).toEqual({
      name: 'alt',
      type: 'strategies',
      params: { maxDepth: 32, samples: 20, repeat: 20_000, loads: 20, warmup: 1, strategies: [...STRATEGY_NAMES] },
    });
  });

  it('refuses an unknown strategy, a repeated one, an empty list and a variant list', () => {
    for (const params of [
      { strategies: ['tailcall-const', 'jump'] },
      { strategies: ['loop', 'loop'] },
      { strategies: [] },
      { variants: ['direct'] },
    ]) {
      const r = matrixWith(params);
      expect(r.ok, JSON.stringify(params)).toBe(false);
      if (!r.ok) expect(r.error.join(' ')).toMatch(/strateg|variants/);
    }
  });

  it('under instruction counting the agent gets 3 samples of one repetition, the strategies and the seed', () => {
    const r = resolveBenchmark(strategiesBenchmark({ maxDepth: 12, seed: 7, strategies: ['loop', 'call-static'] }), {
      mode: 'icount',
      shift: SHIFT,
    });
    expect(r.needs.agentArgs).toEqual([
      '--bench',
      'strategies',
      '--max-depth',
      '12',
      '--samples',
      '3',
      '--repeat',
      '1',
      // One load: an instruction count does not depend on where the JIT put the code.
      '--loads',
      '1',
      '--warmup',
      '1',
      '--strategies',
      'loop,call-static',
      '--seed',
      '7',
    ]);
    expect(r.benchmark.type === 'strategies' && r.benchmark.params.samples).toBe(3);
    expect(r.needs.modules).toEqual([]);
  });
});

describe('strategy records of a real stream (6.1, retpoline)', () => {
  const agent = parseAgentOutput(fixture('6.1-cloud.retpoline'));

  it('reads every record: no garbage, no error, no Benchmark 1 variant', () => {
    expect(agent.garbage).toEqual([]);
    expect(agent.errors).toEqual([]);
    expect(agent.complete).toBe(true);
    expect(agent.variants).toEqual([]);
  });

  it('gives each strategy its status, depth limit and samples in the order the agent reported them', () => {
    const s = agent.strategies ?? [];
    expect(s.map((x) => x.strategy)).toEqual([...STRATEGY_NAMES]);
    const byName = new Map(s.map((x) => [x.strategy, x]));
    expect(byName.get('call-static')).toMatchObject({
      status: 'ready',
      maxDepth: 7,
      limit: '8 call frames',
      object: 'strategies_call.bpf.o',
    });
    expect(byName.get('gotox')).toMatchObject({ status: 'unsupported', reason: expect.stringContaining('6.19'), samples: [] });
    // 3 samples per depth 0..max_depth, for every ready strategy.
    for (const x of s.filter((y) => y.status === 'ready')) expect(x.samples).toHaveLength(3 * (x.maxDepth + 1));
  });

  it('proves each transfer where the images are', () => {
    const mech = Object.fromEntries((agent.strategies ?? []).map((x) => [x.strategy, x.proof?.mechanism ?? null]));
    expect(mech).toEqual({
      'tailcall-const': 'direct-jump',
      'tailcall-dynamic': 'retpoline-thunk',
      'call-static': 'subprog-call',
      'call-global': 'subprog-call',
      'tailcall-subprog': 'subprog-call+direct-jump',
      loop: 'loop-call',
      gotox: null,
    });
    for (const x of agent.strategies ?? []) if (x.proof) expect(x.proof.bodyDifferences).toEqual([]);
  });

  it('is complete for the driver; a lost depth or strategy is named', () => {
    const b = strategiesBenchmark({ samples: 3, repeat: 1 });
    const missing = resolveBenchmark(b, { mode: 'timed' }).needs.missing;
    expect(missing(agent)).toEqual([]);
    const cut = parseAgentOutput(
      fixture('6.1-cloud.retpoline')
        .split('\n')
        .filter((l) => !(l.includes('"type":"sample"') && l.includes('"strategy":"loop"') && l.includes('"depth":5,')))
        .join('\n'),
    );
    expect(missing(cut)).toEqual(['strategy loop depth 5: 0/3 samples']);
    const noRecord = parseAgentOutput(
      fixture('6.1-cloud.retpoline')
        .split('\n')
        .filter((l) => !l.includes('"strategy":"gotox"'))
        .join('\n'),
    );
    expect(missing(noRecord)).toEqual(['strategy gotox: no strategy record']);
  });
});

// Instructions per transfer the recorded streams hold (docs/measurement.md, "Benchmark 3: strategies").
const EXPECTED: Record<string, Record<string, number | 'unsupported'>> = {
  '5.10-cloud.retpoline': {
    'tailcall-const': 17,
    'tailcall-dynamic': 27,
    'call-static': 15,
    'call-global': 15,
    'tailcall-subprog': 26,
    loop: 'unsupported',
    gotox: 'unsupported',
  },
  '6.1-cloud.retpoline': {
    'tailcall-const': 17,
    'tailcall-dynamic': 27,
    'call-static': 15,
    'call-global': 15,
    'tailcall-subprog': 26,
    loop: 23,
    gotox: 'unsupported',
  },
  'sid-cloud.spectre-off': {
    'tailcall-const': 23,
    'tailcall-dynamic': 30,
    'call-static': 17,
    'call-global': 17,
    'tailcall-subprog': 33,
    loop: 25,
    gotox: 'unsupported',
  },
};

describe.each(Object.keys(EXPECTED))('analysis of %s', (name) => {
  const cell = cellOf(fixture(name), { maxDepth: 32, samples: 3, repeat: 1, warmup: 1, strategies: [...STRATEGY_NAMES] });
  const s = analyseStrategiesCell(cell);

  it('each ready strategy: a whole number of instructions per transfer, R² 1, every depth on the line; unsupported ones with their reason', () => {
    const got = Object.fromEntries(
      (s.strategies ?? []).map((x) => [x.strategy, x.status === 'unsupported' ? 'unsupported' : x.fit?.slope]),
    );
    expect(got).toEqual(EXPECTED[name]);
    for (const x of s.strategies ?? []) {
      if (x.status === 'unsupported') {
        expect(x.reason).toBeTruthy();
        expect(x.fit).toBeNull();
        expect(x.wholeNumber).toBeNull();
        continue;
      }
      expect(x.wholeNumber).toBe(true);
      expect(x.fit!.r2).toBeCloseTo(1, 12);
      expect(x.fit!.slopeCi[1] - x.fit!.slopeCi[0]).toBeCloseTo(0, 9);
      expect(x.points).toHaveLength(x.maxDepth + 1);
      expect(x.proof?.bodyDifferences).toEqual([]);
    }
    expect(s.warnings).toEqual([]);
    expect(s.status).toBe('ok');
  });

  it('is a valid summary cell', () => {
    const parsed = summary.shape.cells.element.safeParse(s);
    expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
  });
});

describe('an exact figure that is not whole', () => {
  it('is flagged with a warning: odd depths one instruction more than the line (an interrupt in every sample there)', () => {
    const cell = cellOf(fixture('6.1-cloud.retpoline'));
    const loop = cell.strategies!.find((x) => x.strategy === 'loop')!;
    loop.samples = loop.samples.map((x) => ({ ...x, instructions: x.instructions! + (x.depth % 2) }));
    const s = analyseStrategiesCell(cell).strategies!.find((x) => x.strategy === 'loop')!;
    expect(s.wholeNumber).toBe(false);
    expect(analyseStrategiesCell(cell).warnings.join('\n')).toMatch(/loop: .* instructions per transfer is not a whole number/);
  });
});

describe('bisect metric strategy:<name>', () => {
  const cell = cellOf(fixture('6.1-cloud.retpoline'));

  it("names a strategy's cost per transfer, exact under instruction counting", () => {
    expect(isMetric('strategy:loop')).toBe(true);
    expect(isMetric('strategy:jump')).toBe(false);
    const m = measureCell(cell, 'strategy:loop');
    expect(m).toEqual({ ok: true, value: { value: 23, ci: [23, 23], kind: 'instructions' } });
  });

  it('an unsupported strategy has no figure, with the reason', () => {
    const m = measureCell(cell, 'strategy:gotox');
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.error).toMatch(/gotox is unsupported on this kernel: kernel 6.1 has no gotox/);
  });
});
