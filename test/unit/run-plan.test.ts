import { describe, expect, it } from 'vitest';
import { parseMatrix } from '../../src/matrix/load.js';
import { cellId, githubMatrix, planCells } from '../../src/cells/plan.js';
import { defaultParallelism } from '../../src/cells/parallelism.js';
import { concurrencyTracker } from '../../src/cells/concurrency.js';

const TIMED = { mode: 'timed' } as const;
import { pickConfig } from '../../src/cells/assemble.js';

const matrix = (() => {
  const m = parseMatrix({
    kernels: [
      { id: 'a', source: { type: 'local', path: '/a' } },
      { id: 'b', source: { type: 'local', path: '/b' } },
    ],
    boots: [
      { name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' },
      { name: 'off', cmdline: 'spectre_v2=off' },
    ],
    benchmarks: [{ name: 'test-run', type: 'test-run' }],
  });
  if (!m.ok) throw new Error(m.error.join('\n'));
  return m.value;
})();

describe('planCells', () => {
  it('expands kernels × boots × benchmarks in matrix order', () => {
    const cells = planCells(matrix);
    expect(cells.ok && cells.value.map((c) => c.id)).toEqual([
      'a__retpoline__test-run',
      'a__off__test-run',
      'b__retpoline__test-run',
      'b__off__test-run',
    ]);
  });

  it('filters by kernel, boot and benchmark', () => {
    const cells = planCells(matrix, { kernels: ['b'], boots: ['off'] });
    expect(cells.ok && cells.value.map((c) => c.id)).toEqual([cellId('b', 'off', 'test-run')]);
  });

  it('replicates: every cell once per round, ids unique and suffixed only when there is more than one', () => {
    const cells = planCells({ ...matrix, runner: { ...matrix.runner, replicates: 3 } }, { kernels: ['b'], boots: ['off'] });
    expect(cells.ok && cells.value.map((c) => [c.id, c.replicate])).toEqual([
      ['b__off__test-run__r0', 0],
      ['b__off__test-run__r1', 1],
      ['b__off__test-run__r2', 2],
    ]);
    const all = planCells({ ...matrix, runner: { ...matrix.runner, replicates: 2 } });
    expect(all.ok && all.value.map((c) => c.id).slice(0, 5)).toEqual([
      'a__retpoline__test-run__r0',
      'a__off__test-run__r0',
      'b__retpoline__test-run__r0',
      'b__off__test-run__r0',
      'a__retpoline__test-run__r1',
    ]);
    expect(all.ok && new Set(all.value.map((c) => c.id)).size).toBe(8);
    const one = planCells(matrix);
    expect(one.ok && one.value.map((c) => c.replicate)).toEqual([0, 0, 0, 0]);
  });

  it('names every unknown filter value with what the matrix has', () => {
    const cells = planCells(matrix, { kernels: ['c'], boots: ['nope'] });
    expect(cells.ok).toBe(false);
    expect(!cells.ok && cells.error).toEqual([
      '--kernel c: no such kernel in the matrix (known: a, b)',
      '--boot nope: no such boot in the matrix (known: retpoline, off)',
    ]);
  });

  it('prints a GitHub Actions strategy matrix, one job per cell', () => {
    const cells = planCells(matrix, { kernels: ['a'], boots: ['off'] });
    expect(cells.ok && githubMatrix(cells.value)).toEqual({
      include: [{ cell: 'a__off__test-run', kernel: 'a', boot: 'off', bench: 'test-run' }],
    });
  });
});

describe('defaultParallelism', () => {
  const icount = { mode: 'icount', shift: 3 } as const;
  it('times one cell at a time unless runner.parallel says otherwise', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512 }, TIMED, 64, 24 * 1024)).toBe(1);
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512, parallel: 2 }, TIMED, 64, 24 * 1024)).toBe(2);
  });
  it('is bounded by cores per VM', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512 }, icount, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 2, memoryMiB: 512, parallel: 2 }, TIMED, 2, 24 * 1024)).toBe(1);
  });
  it('is bounded by memory', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 4096 }, icount, 64, 2048 + 2 * (4096 + 256))).toBe(2);
  });
  it('never exceeds the machine even when asked', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512, parallel: 16 }, TIMED, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512, parallel: 16 }, icount, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512, parallel: 1 }, icount, 8, 24 * 1024)).toBe(1);
  });
  it('under instruction counting, one core per cell whatever its vCPUs (QEMU runs them in one thread)', () => {
    expect(defaultParallelism({ cpus: 2, memoryMiB: 512 }, icount, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 4, memoryMiB: 512 }, icount, 8, 24 * 1024)).toBe(8);
    expect(defaultParallelism({ cpus: 4, memoryMiB: 512, parallel: 8 }, TIMED, 8, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 1, memoryMiB: 4096 }, icount, 64, 2048 + 3 * (4096 + 256))).toBe(3);
  });
});

describe('concurrencyTracker', () => {
  it('gives each cell the most cells that ran at once during its life, itself included', () => {
    const t = concurrencyTracker();
    const a = t.enter();
    const b = t.enter();
    expect(b.leave()).toBe(2);
    const c = t.enter();
    const d = t.enter();
    expect(a.leave()).toBe(3);
    expect(c.leave()).toBe(3);
    expect(d.leave()).toBe(3);
    expect(t.enter().leave()).toBe(1);
  });
});

describe('pickConfig', () => {
  it('keeps the options that decide the jump, including unset ones', () => {
    const text = [
      'CONFIG_BPF_JIT=y',
      'CONFIG_BPF_JIT_ALWAYS_ON=y',
      '# CONFIG_MITIGATION_RETPOLINE is not set',
      'CONFIG_RETPOLINE=y',
      'CONFIG_HZ=250',
      'CONFIG_LOCALVERSION="-x"',
    ].join('\n');
    expect(pickConfig(text)).toEqual({
      CONFIG_BPF_JIT: 'y',
      CONFIG_BPF_JIT_ALWAYS_ON: 'y',
      CONFIG_MITIGATION_RETPOLINE: 'n',
      CONFIG_RETPOLINE: 'y',
    });
  });
});
