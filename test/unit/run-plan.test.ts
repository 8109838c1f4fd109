import { describe, expect, it } from 'vitest';
import { parseMatrix } from '../../src/matrix/load.js';
import { cellId, githubMatrix, planCells } from '../../src/run/plan.js';
import { defaultParallelism } from '../../src/run/parallelism.js';

const TIMED = { mode: 'timed' } as const;
import { pickConfig } from '../../src/run/assemble.js';

const matrix = (() => {
  const m = parseMatrix({
    kernels: [
      { id: 'a', source: { type: 'local', path: '/a' } },
      { id: 'b', source: { type: 'local', path: '/b' } },
    ],
    boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }, { name: 'off', cmdline: 'spectre_v2=off' }],
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
  it('is bounded by cores per VM', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512 }, TIMED, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 2, memoryMiB: 512 }, TIMED, 2, 24 * 1024)).toBe(1);
  });
  it('is bounded by memory', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 4096 }, TIMED, 64, 2048 + 2 * (4096 + 256))).toBe(2);
  });
  it('never exceeds the machine even when asked', () => {
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512, parallel: 16 }, TIMED, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 1, memoryMiB: 512, parallel: 1 }, TIMED, 8, 24 * 1024)).toBe(1);
  });
  it('under instruction counting, one core per cell whatever its vCPUs (QEMU runs them in one thread)', () => {
    const icount = { mode: 'icount', shift: 3 } as const;
    expect(defaultParallelism({ cpus: 2, memoryMiB: 512 }, icount, 2, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 4, memoryMiB: 512 }, icount, 8, 24 * 1024)).toBe(8);
    expect(defaultParallelism({ cpus: 4, memoryMiB: 512 }, TIMED, 8, 24 * 1024)).toBe(2);
    expect(defaultParallelism({ cpus: 1, memoryMiB: 4096 }, icount, 64, 2048 + 3 * (4096 + 256))).toBe(3);
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
