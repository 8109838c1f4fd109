// The running kernel's cells: one `host` boot each (plan.ts), timed after every VM cell, one at a time.
import { describe, expect, it } from 'vitest';
import { parseMatrix } from '../../src/matrix/load.js';
import { hostBoot, planCells } from '../../src/cells/plan.js';
import { scheduleCells } from '../../src/cells/schedule.js';

const matrix = (() => {
  const m = parseMatrix({
    kernels: [
      { id: 'host', source: { type: 'running' } },
      { id: 'a', source: { type: 'local', path: '/a' } },
      { id: 'b', source: { type: 'local', path: '/b' } },
    ],
    boots: [
      { name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' },
      { name: 'off', cmdline: 'spectre_v2=off' },
    ],
    benchmarks: [
      { name: 't1', type: 'test-run' },
      { name: 't2', type: 'test-run' },
    ],
  });
  if (!m.ok) throw new Error(m.error.join('\n'));
  return m.value;
})();
const host = () => hostBoot('BOOT_IMAGE=/vmlinuz root=/dev/vda ro');

describe('planCells with the running kernel', () => {
  it('gives the running kernel one boot per benchmark, named host, with the command line it booted with', () => {
    const cells = planCells(matrix, {}, host);
    if (!cells.ok) throw new Error(cells.error.join('\n'));
    const mine = cells.value.filter((c) => c.kernel.id === 'host');
    expect(mine.map((c) => c.id)).toEqual(['host__host__t1', 'host__host__t2']);
    expect(mine.map((c) => c.boot)).toEqual([host(), host()]);
    // The VM kernels keep the matrix's boots.
    expect(cells.value.filter((c) => c.kernel.id === 'a').map((c) => c.boot.name)).toEqual(['retpoline', 'retpoline', 'off', 'off']);
  });

  it('accepts --boot host (and only then keeps just the host cells); a matrix without a running kernel does not', () => {
    const only = planCells(matrix, { boots: ['host'] }, host);
    expect(only.ok && only.value.map((c) => c.id)).toEqual(['host__host__t1', 'host__host__t2']);
    const noHost = planCells(matrix, { boots: ['off'] }, host);
    expect(noHost.ok && noHost.value.every((c) => c.kernel.id !== 'host')).toBe(true);
    const vmOnly = parseMatrix({ ...matrix, kernels: matrix.kernels.filter((k) => k.id !== 'host') });
    if (!vmOnly.ok) throw new Error(vmOnly.error.join('\n'));
    const refused = planCells(vmOnly.value, { boots: ['host'] }, host);
    expect(refused.ok ? [] : refused.error).toEqual(['--boot host: no such boot in the matrix (known: retpoline, off)']);
  });

  it('reads /proc/cmdline only when a running kernel is planned', () => {
    let reads = 0;
    const counting = () => {
      reads++;
      return host();
    };
    planCells(matrix, { kernels: ['a'] }, counting);
    expect(reads).toBe(0);
    planCells(matrix, {}, counting);
    expect(reads).toBe(1);
  });
});

describe('scheduleCells', () => {
  const cells = (() => {
    const c = planCells(matrix, {}, host);
    if (!c.ok) throw new Error(c.error.join('\n'));
    return c.value;
  })();

  it('runs VM cells first, in parallel, then native cells one at a time', () => {
    const phases = scheduleCells(cells, 3);
    expect(phases.map((p) => [p.kind, p.concurrency, p.cells.length])).toEqual([
      ['vm', 3, 8],
      ['native', 1, 2],
    ]);
    expect(phases[0]!.cells.every((c) => c.kernel.source.type !== 'running')).toBe(true);
    expect(phases[1]!.cells.map((c) => c.id)).toEqual(['host__host__t1', 'host__host__t2']);
  });

  it('keeps the matrix order inside a phase and leaves empty phases out', () => {
    const phases = scheduleCells(cells, 2);
    expect(phases[0]!.cells.map((c) => c.id)).toEqual(cells.filter((c) => c.kernel.id !== 'host').map((c) => c.id));
    expect(
      scheduleCells(
        cells.filter((c) => c.kernel.id === 'host'),
        4,
      ).map((p) => p.kind),
    ).toEqual(['native']);
    expect(
      scheduleCells(
        cells.filter((c) => c.kernel.id !== 'host'),
        4,
      ).map((p) => p.kind),
    ).toEqual(['vm']);
    expect(scheduleCells([], 4)).toEqual([]);
  });

  it('never runs VM cells below one at a time', () => {
    expect(scheduleCells(cells, 0)[0]!.concurrency).toBe(1);
  });
});
