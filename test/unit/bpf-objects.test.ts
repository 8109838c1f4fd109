// The two chain objects, built by the real Makefile with clang and read back with llvm-objdump: the
// variants are the same BPF code but for the key mask (r3 &= 0 in direct, r3 &= -1 in indirect), and
// every program is the same ten instructions with only its own slot and depth as immediates
// (bpf/tailcall.bpf.h; docs/measurement.md, "Two variants, one difference"). The JIT images are
// checked on real kernels by every cell (src/measure/jit-symmetry.ts, test/integration/icount.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { execOrThrow } from '../../src/util/exec.js';

let build: string;
const dis: Record<'direct' | 'indirect', string[]> = { direct: [], indirect: [] };

/** llvm-objdump's instruction lines, without addresses and the file name line. */
function instructions(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^\s+\d+:\t/.test(l) || /^[0-9a-f]+ <prog_\d+>:$/.test(l))
    .map((l) =>
      l
        .replace(/^\s+\d+:\t/, '')
        .replace(/^[0-9a-f]+ /, '')
        .trim(),
    );
}

beforeAll(async () => {
  build = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-test-bpf-'));
  const objects = (['direct', 'indirect'] as const).map((v) => path.join(build, `tailcall_${v}.bpf.o`));
  await execOrThrow('make', ['-s', '-C', path.join(PACKAGE_ROOT, 'bpf'), `BUILD=${build}`, ...objects]);
  for (const v of ['direct', 'indirect'] as const) {
    dis[v] = instructions(
      (await execOrThrow('llvm-objdump', ['-d', '--no-show-raw-insn', path.join(build, `tailcall_${v}.bpf.o`)])).stdout,
    );
  }
}, 120_000);

afterAll(async () => {
  if (build) await rm(build, { recursive: true, force: true });
});

describe('the chain objects (clang + llvm-objdump)', () => {
  it('differ only in the key mask: r3 &= 0 (direct) against r3 &= -1 (indirect), once per program', () => {
    expect(dis.direct.length).toBe(dis.indirect.length);
    const differing = dis.direct.map((d, i) => [d, dis.indirect[i]!]).filter(([d, x]) => d !== x);
    expect(differing).toHaveLength(34);
    for (const pair of differing) expect(pair).toEqual(['r3 &= 0', 'r3 &= -1']);
  });

  it('are 34 programs of the same ten instructions, with only their slot and depth as immediates, in r0, r2, r3 and r6', () => {
    for (const v of ['direct', 'indirect'] as const) {
      const starts = dis[v].map((l, i) => [l, i] as const).filter(([l]) => /^<prog_\d+>:$/.test(l));
      expect(starts.map(([l]) => l)).toEqual(Array.from({ length: 34 }, (_, i) => `<prog_${i}>:`));
      for (const [k, [, at]] of starts.entries()) {
        const body = dis[v].slice(at + 1, starts[k + 1]?.[1] ?? dis[v].length);
        expect(body, `${v} prog_${k}`).toEqual([
          'r6 = 0 ll',
          'r6 = *(u32 *)(r6 + 0)',
          'r3 = r6',
          v === 'direct' ? 'r3 &= 0' : 'r3 &= -1',
          `r3 += ${k + 1}`,
          'r2 = 0 ll',
          'call 12',
          'r0 = r6',
          `r0 += ${k}`,
          'exit',
        ]);
      }
    }
  });
});
