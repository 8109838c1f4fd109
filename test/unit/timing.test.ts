import { describe, expect, it } from 'vitest';
import { benchmark, matrix } from '../../src/matrix/schema.js';
import { ICOUNT_REPEAT, ICOUNT_SAMPLES, sweepParams } from '../../src/measure/sweep-params.js';
import { resolveBenchmark } from '../../src/benchmarks/registry.js';

const sweepBenchmark = (b: Parameters<typeof resolveBenchmark>[0], timing: Parameters<typeof resolveBenchmark>[1]) =>
  resolveBenchmark(b, timing).benchmark;
import { testRunParams } from '../support/test-run.js';
import { figureKindFor, ICOUNT_SHIFT, resolveTiming } from '../../src/measure/timing.js';
import { icountArgs } from '../../src/vm/icount-args.js';

describe('resolveTiming', () => {
  it('auto: instruction counting under TCG, hardware timing under KVM and natively', () => {
    expect(resolveTiming('auto', 'tcg')).toEqual({ ok: true, value: { mode: 'icount', shift: ICOUNT_SHIFT } });
    expect(resolveTiming('auto', 'kvm')).toEqual({ ok: true, value: { mode: 'timed' } });
    expect(resolveTiming('auto', 'none')).toEqual({ ok: true, value: { mode: 'timed' } });
  });
  it('timed stays timed; icount under KVM is a clear error, not a silent fallback', () => {
    expect(resolveTiming('timed', 'tcg')).toEqual({ ok: true, value: { mode: 'timed' } });
    expect(resolveTiming('icount', 'tcg', 5)).toEqual({ ok: true, value: { mode: 'icount', shift: 5 } });
    const kvm = resolveTiming('icount', 'kvm');
    expect(!kvm.ok && kvm.error).toBe(
      'timing icount needs TCG, but the accelerator is kvm: use --accel tcg (or --timing auto for hardware timing)',
    );
  });
  it('names the figure kind of each mode', () => {
    expect(figureKindFor({ mode: 'icount', shift: 3 }, 'tcg')).toBe('instructions');
    expect(figureKindFor({ mode: 'timed' }, 'tcg')).toBe('emulated-ns');
    expect(figureKindFor({ mode: 'timed' }, 'kvm')).toBe('hardware-ns');
    expect(figureKindFor({ mode: 'timed' }, 'none')).toBe('hardware-ns');
  });
  it('builds the QEMU option', () => {
    expect(icountArgs(0)).toEqual(['-icount', 'shift=0,sleep=off']);
    expect(() => icountArgs(-1)).toThrow(/expected 0\.\.10/);
    expect(() => icountArgs(1.5)).toThrow(/expected 0\.\.10/);
  });
  it('is auto by default in the schema and in matrix.json', async () => {
    const m = matrix.parse({
      kernels: [{ id: 'k', source: { type: 'local', path: 'b' } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    });
    expect(m.runner.timing).toBe('auto');
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile('matrix.json', 'utf8')).runner.timing).toBe('auto');
    expect(matrix.safeParse({ ...m, runner: { ...m.runner, timing: 'fast' } }).success).toBe(false);
  });
});

describe('sweepParams', () => {
  const b = benchmark.parse({ name: 't', type: 'test-run', params: { maxDepth: 32, samples: 10, repeat: 20000, seed: 4 } });
  const params = testRunParams(b);
  it('keeps the matrix parameters when timed, the loads at most one per sample', () => {
    // The default 20 loads, at most one per sample: these 10 samples run over 10.
    expect(params.loads).toBe(20);
    expect(sweepParams(params, { mode: 'timed' })).toEqual({ ...params, loads: 10 });
    expect(sweepParams({ ...params, samples: 3 }, { mode: 'timed' }).loads).toBe(3);
    expect(sweepParams({ ...params, loads: 4 }, { mode: 'timed' }).loads).toBe(4);
  });
  it('under -icount: three samples and repeat 1, so the truncated average divides exactly at every shift', () => {
    // One load: an instruction count does not depend on where the JIT put the code.
    expect(sweepParams(params, { mode: 'icount', shift: 3 })).toEqual({
      ...params,
      samples: ICOUNT_SAMPLES,
      repeat: ICOUNT_REPEAT,
      loads: 1,
    });
    expect(ICOUNT_REPEAT).toBe(1);
    // duration = ⌊instructions × 2^shift / repeat⌋; converted back it is the instruction count itself.
    for (const shift of [0, 1, 3, 6]) {
      for (const instructions of [64, 65, 415, 1_000_003]) {
        expect(Math.floor((instructions * 2 ** shift) / ICOUNT_REPEAT) / 2 ** shift).toBe(instructions);
      }
    }
    expect(testRunParams(sweepBenchmark(b, { mode: 'icount', shift: 2 })).repeat).toBe(1);
    expect(sweepBenchmark(b, { mode: 'icount', shift: 2 }).name).toBe('t');
  });
  it('leaves a traffic benchmark as the matrix has it: its windows are set by time, not repetitions', () => {
    const t = benchmark.parse({ name: 'traffic', type: 'traffic' });
    expect(sweepBenchmark(t, { mode: 'icount', shift: 3 })).toBe(t);
  });
});
