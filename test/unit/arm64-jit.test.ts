// The arm64 JIT's tail call, read from real images: the stream of a real arm64 cell (Debian bookworm
// 6.1.176-1 cloud-arm64 under qemu-system-aarch64, test/fixtures/jit/arm64/). Both variants show the one
// sequence the arm64 JIT emits (bounds check, counter, load, cbz, br x10), the images are the same words
// outside it (move immediates aside), and the cell's comparison is "same mechanism on this architecture":
// neither a saving nor withheld, with the exact whole-number instruction counts per tail call.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseCell } from '../../src/analysis/analyse-cell.js';
import { decodeA64, decodeA64Image, findA64TailCalls, formatA64 } from '../../src/measure/arm64-decode.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { proveSymmetry } from '../../src/measure/jit-symmetry.js';
import { savingText } from '../../src/report/format.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { fromAgentStream } from '../../src/cells/assemble.js';
import { fixtureModels, generateCell } from '../fixtures/results/generate.js';

const FILE = path.join(import.meta.dirname, '..', 'fixtures', 'jit', 'arm64', 'linux-6.1.176-cloud-arm64.jsonl');
const agent = parseAgentOutput(readFileSync(FILE, 'utf8'));
const jit = (v: 'direct' | 'indirect') => agent.variants.find((x) => x.variant === v)!.jit!;

describe('the arm64 decoder', () => {
  it('names the forms of the tail-call sequence from their words', () => {
    // Words of the real images (objdump -m aarch64 agrees on each).
    expect(formatA64(decodeA64(0xd61f0140, 0xa8))).toBe('br x10');
    expect(formatA64(decodeA64(0xb40000cb, 0x94))).toBe('cbz x11, +0xac');
    expect(formatA64(decodeA64(0x540001e2, 0x70))).toBe('b.hs +0xac');
    // Words of the 6.1 sequence the classifier does not need, named for the report (objdump's spelling).
    expect(formatA64(decodeA64(0x5280042a, 0x60))).toBe('movz w10, #0x21');
    expect(formatA64(decodeA64(0x8b0a002a, 0x80))).toBe('add x10, x1, x10');
    expect(formatA64(decodeA64(0xd37df04b, 0x84))).toBe('lsl x11, x2, #3');
    expect(formatA64(decodeA64(0xf2a00020, 0x88))).toBe('movk x0, #0x1, lsl #16');
    expect(formatA64(decodeA64(0xd503201f, 0x8c))).toBe('.word 0xd503201f'); // nop: not one of them, left as its word
    expect(decodeA64(0xeb0a035f, 0x78)).toEqual({ kind: 'cmp', offset: 0x78, rn: 26, sf: true }); // cmp x26, x10
    expect(decodeA64(0x6b0a005f, 0x6c)).toEqual({ kind: 'cmp', offset: 0x6c, rn: 2, sf: false }); // cmp w2, w10
    expect(decodeA64(0x9100075a, 0x80)).toEqual({ kind: 'add-imm', offset: 0x80, rd: 26, rn: 26, imm: 1, sf: true }); // add x26, x26, #1
    expect(decodeA64(0xf86b694b, 0x90)).toMatchObject({ kind: 'ldr', rt: 11, rn: 10, literal: false }); // ldr x11, [x10, x11]
    expect(decodeA64(0xb86a682a, 0x64)).toMatchObject({ kind: 'ldr', rt: 10, rn: 1, literal: false }); // ldr w10, [x1, x10]
    expect(decodeA64(0x5800004a, 0xd8)).toMatchObject({ kind: 'ldr', rt: 10, literal: true }); // ldr x10, <literal>
    expect(decodeA64(0xd65f03c0, 0xd4).kind).toBe('other'); // ret
  });

  it("finds one sequence per program and not the trailing ldr-literal; br (the JIT's branch to a trampoline)", () => {
    for (const v of ['direct', 'indirect'] as const) {
      for (const img of jit(v).images) {
        const calls = findA64TailCalls(decodeA64Image(Buffer.from(img.hex, 'hex')));
        expect(calls, `${v} prog_${img.prog}`).toEqual([
          {
            boundsCheck: 0x70,
            counterCheck: 0x7c,
            counterIncrement: 0x80,
            counterInMemory: false,
            nullCheck: 0x94,
            jump: 0xa8,
            register: 10,
            start: 0x6c,
            end: 0xac,
          },
        ]);
      }
    }
  });
});

describe('6.12: the counter behind a pointer', () => {
  it('trixie 6.12.117 cloud-arm64: the same sequence with ldr/str of the counter, 33 instructions per tail call in both variants', () => {
    const a = parseAgentOutput(readFileSync(path.join(path.dirname(FILE), 'linux-6.12.117-cloud-arm64.jsonl'), 'utf8'));
    const j = (v: 'direct' | 'indirect') => a.variants.find((x) => x.variant === v)!.jit!;
    for (const v of ['direct', 'indirect'] as const) {
      expect(j(v).mechanism).toBe('arm64-br');
      const img = j(v).images.find((i) => i.prog === 1)!;
      expect(findA64TailCalls(decodeA64Image(Buffer.from(img.hex, 'hex')))).toMatchObject([
        { counterInMemory: true, jump: 0x9c, register: 10 },
      ]);
    }
    expect(proveSymmetry(j('direct'), j('indirect'))).toMatchObject({ verdict: 'identical', programs: 34 });
    const d = fromAgentStream(a, 3);
    for (const v of d.variants) for (const x of v.samples) expect(x.instructions, `${v.variant} depth ${x.depth}`).toBe(189 + 33 * x.depth);
  });
});

describe('an arm64 cell from a real guest', () => {
  it('both variants are arm64-br at all 34 programs, and the images are the same outside the sequence', () => {
    expect(agent.fingerprint?.release).toBe('6.1.0-50-cloud-arm64');
    for (const v of ['direct', 'indirect'] as const) {
      expect(jit(v).mechanism).toBe('arm64-br');
      expect(jit(v).sites).toHaveLength(34);
      expect(jit(v).note).toBeUndefined();
    }
    const s = proveSymmetry(jit('direct'), jit('indirect'));
    expect(s).toMatchObject({ verdict: 'identical', programs: 34, programsDiffering: 0, differences: [] });
    expect(s.sequences.map((q) => [q.variant, q.prog, q.mechanism, q.executed])).toEqual([
      ['direct', 1, 'arm64-br', 16],
      ['indirect', 1, 'arm64-br', 16],
    ]);
    expect(s.sequences[0]!.insns.at(-1)!.text).toBe('br x10');
  });

  it('an address built with one movk fewer (a zero 16-bit chunk) is the same instruction; any other word that differs is not', () => {
    // The JIT builds each map address with movz/movn + one movk per chunk that is not the fill, so the run's
    // length depends on the address: seen on a real boot, where one variant's program array needed a word less.
    const d = jit('direct');
    const isMoveK = (w: number) => ((w >>> 0) & 0x7f800000) >>> 0 === 0x72800000;
    const shorter = {
      ...d,
      images: d.images.map((img) => {
        const b = Buffer.from(img.hex, 'hex');
        const site = d.sites.find((x) => x.prog === img.prog && x.mechanism === 'arm64-br')!;
        let at = -1;
        for (let k = 0; k * 4 < site.offset!; k++) if (isMoveK(b.readUInt32LE(k * 4))) at = k;
        expect(at, `prog_${img.prog}: a movk before the sequence`).toBeGreaterThanOrEqual(0);
        // A word less before the PLT flips the alignment nop the JIT puts in front of it (seen on a real boot
        // too): here no image has the nop, so the shorter one gains it, as build_plt would emit it.
        let plt = -1; // the PLT: ldr x10, literal; br x10
        for (let k = 0; k * 4 + 8 <= b.length; k++)
          if (b.readUInt32LE(k * 4) >>> 24 === 0x58 && b.readUInt32LE(k * 4 + 4) === 0xd61f0140) plt = k * 4;
        expect(plt, `prog_${img.prog}: the PLT`).toBeGreaterThan(at * 4);
        expect(b.readUInt32LE(plt - 4), `prog_${img.prog}: no alignment nop before the PLT yet`).not.toBe(0xd503201f);
        const nop = Buffer.alloc(4);
        nop.writeUInt32LE(0xd503201f);
        return { ...img, hex: Buffer.concat([b.subarray(0, at * 4), b.subarray(at * 4 + 4, plt), nop, b.subarray(plt)]).toString('hex') };
      }),
      sites: d.sites.map((x) => (x.mechanism === 'arm64-br' ? { ...x, offset: x.offset! - 4 } : x)),
    };
    expect(proveSymmetry(shorter, jit('indirect'))).toMatchObject({ verdict: 'identical', programs: 34, programsDiffering: 0 });
    // An add with another immediate right after the sequence is a real difference, named.
    const changed = {
      ...d,
      images: d.images.map((img) => {
        if (img.prog !== 1) return img;
        const b = Buffer.from(img.hex, 'hex');
        const site = d.sites.find((x) => x.prog === 1 && x.mechanism === 'arm64-br')!;
        const after = site.offset! + site.bytes!.length / 2;
        b.writeUInt32LE(0x91000421, after); // add x1, x1, #0x1
        return { ...img, hex: b.toString('hex') };
      }),
    };
    const s = proveSymmetry(changed, jit('indirect'));
    expect(s).toMatchObject({ verdict: 'differ', programsDiffering: 1 });
    expect(s.differences.find((x) => x.variant === 'direct')?.text).toBe('add x1, x1, #0x1');
  });

  it('the comparison is "same mechanism on this architecture", with exact whole-number instructions per tail call', () => {
    const base = generateCell(fixtureModels()[4]!);
    const cell: CellResult = {
      ...base,
      kernel: { ...base.kernel, id: '6.1-cloud-arm64', arch: 'arm64' },
      accelerator: 'tcg',
      emulated: true,
      figureKind: 'instructions',
      icountShift: 3,
      ...fromAgentStream(agent, 3),
    };
    const c = analyseCell(cell);
    expect(c.comparison).toBeNull();
    expect(c.withheldReason).toBeNull();
    expect(c.sameMechanism).toMatch(/^same mechanism on this architecture: its JIT has no direct tail call/);
    expect(savingText(c)).toBe(c.sameMechanism);
    // 32 instructions per tail call for both, exactly (docs/measurement.md: the arm64 figures, instruction by instruction).
    expect(c.direct?.fit?.slope).toBe(32);
    expect(c.indirect?.fit?.slope).toBe(32);
    expect(c.warnings.filter((w) => /JIT evidence/.test(w))).toEqual([]);
    // Exact in every sample, not only in the fit: 147 instructions at depth 0, 32 more per tail call (the
    // generic timer at 1 GHz, src/arch/arm64.ts, sees every instruction under -icount shift=3).
    for (const v of cell.variants)
      for (const x of v.samples) expect(x.instructions, `${v.variant} depth ${x.depth}`).toBe(147 + 32 * x.depth);
  });
});
