// The JIT proof for arm64 images (the x86-64 one is ./jit-symmetry.ts): the two variants' images of every
// program must be the same words outside the tail-call sequence, the immediates of move-wide instructions
// (movz/movn/movk: the map and program addresses the JIT builds, and the key) aside. With that, whatever
// the two variants cost differs only where the key is made, and the sequence itself is the arm64 JIT's one
// tail call in both (bounds check, counter, load, br).
import type { JitDifference, JitEvidence, JitSequence, JitSymmetry, Variant } from '../results/cell-result.js';
import { unchecked } from './symmetry-unchecked.js';
import { decodeA64, formatA64 } from './arm64-decode.js';

/** The program whose sequence the proof shows (program 1 has its next slot filled, as in the x86 proof). */
const SHOWN_PROG = 1;

/** MOVN/MOVZ/MOVK (sf opc 100101 hw imm16 Rd): the same instruction and register, the immediate masked. */
function normalise(word: number): number {
  const w = word >>> 0;
  if ((w & 0x1f800000) >>> 0 === 0x12800000) return (w & 0x9f80001f) >>> 0; // keep sf and Rd; opc (movn/movz) and imm masked
  return w;
}

/**
 * The words outside the tail-call sequence as comparison tokens, each with the index of its first word. A
 * run of move-wide instructions into one register is one token: the JIT builds a 64-bit address (a map,
 * the program array) with movz/movn and then a movk per 16-bit chunk that differs from the first's fill, so
 * the run's length depends on the address itself (an address with a zero chunk needs one word less); it is
 * the same instruction whatever its length.
 */
function outside(c: { w: number[]; start: number; end: number }): Array<{ token: number; index: number }> {
  const out: Array<{ token: number; index: number }> = [];
  for (let k = 0; k < c.w.length; k++) {
    if (k >= c.start && k < c.end) continue;
    if (isPltPad(c.w, k)) continue;
    const token = normalise(c.w[k]!);
    const prev = out.at(-1);
    if (prev !== undefined && isMoveWide(c.w[k]!) && token === prev.token && prev.index < k && !(prev.index < c.start && k >= c.end))
      continue;
    out.push({ token, index: k });
  }
  return out;
}

const isMoveWide = (word: number): boolean => ((word >>> 0) & 0x1f800000) >>> 0 === 0x12800000;

const NOP = 0xd503201f;
/** LDR (literal), 64-bit: the first word of the JIT's PLT (`ldr x10, target; br x10; .quad target`). */
const isLdrLiteral64 = (word: number): boolean => ((word >>> 0) & 0xff000000) >>> 0 === 0x58000000;

/**
 * The `nop` the JIT puts before its PLT at the end of an image when that keeps the PLT's 8-byte target
 * aligned (build_plt): whether it is there follows from the length of the code before it, so a move-wide
 * run a word shorter (above) adds or drops it. Padding, not an instruction of the program.
 */
const isPltPad = (w: readonly number[], k: number): boolean => w[k] === NOP && w[k + 1] !== undefined && isLdrLiteral64(w[k + 1]!);

const words = (hex: string): number[] => {
  const b = Buffer.from(hex, 'hex');
  const out: number[] = [];
  for (let at = 0; at + 4 <= b.length; at += 4) out.push(b.readUInt32LE(at));
  return out;
};

export function proveA64Symmetry(direct: JitEvidence, indirect: JitEvidence): JitSymmetry {
  const progs = [...new Set(direct.images.map((i) => i.prog))]
    .filter((p) => indirect.images.some((i) => i.prog === p))
    .sort((a, b) => a - b);
  if (progs.length === 0) return unchecked('no program has a readable image in both variants');
  const differences: JitDifference[] = [];
  const sequences: JitSequence[] = [];
  let programsDiffering = 0;
  for (const prog of progs) {
    const cut: Array<{ variant: Variant; w: number[]; start: number; end: number }> = [];
    for (const [variant, e] of [
      ['direct', direct],
      ['indirect', indirect],
    ] as const) {
      const img = e.images.find((i) => i.prog === prog)!;
      const site = e.sites.find((s) => s.prog === prog && s.mechanism === 'arm64-br');
      if (site?.offset === undefined || site.bytes === undefined)
        return unchecked(`${variant} prog_${prog}: no arm64 tail-call sequence recognised in the image`, progs.length);
      const w = words(img.hex);
      const start = site.offset / 4;
      const end = start + site.bytes.length / 8;
      cut.push({ variant, w, start, end });
      if (prog === (progs.includes(SHOWN_PROG) ? SHOWN_PROG : progs[0])) {
        const insns = w.slice(start, end).map((word, k) => {
          const offset = (start + k) * 4;
          return { offset, bytes: Buffer.from(Uint32Array.of(word).buffer).toString('hex'), text: formatA64(decodeA64(word, offset)) };
        });
        sequences.push({ variant, prog, mechanism: 'arm64-br', insns, executed: insns.length });
      }
    }
    const [d, x] = cut as [(typeof cut)[0], (typeof cut)[0]];
    const [dw, xw] = [outside(d), outside(x)];
    let differs = dw.length !== xw.length;
    for (let k = 0; k < Math.max(dw.length, xw.length); k++) {
      if (dw[k] !== undefined && xw[k] !== undefined && dw[k]!.token === xw[k]!.token) continue;
      differs = true;
      for (const [c, list] of [
        [d, dw],
        [x, xw],
      ] as const) {
        const at = list[k];
        if (at === undefined) continue;
        const word = c.w[at.index]!;
        const offset = at.index * 4;
        differences.push({
          prog,
          variant: c.variant,
          offset,
          bytes: Buffer.from(Uint32Array.of(word).buffer).toString('hex'),
          text: formatA64(decodeA64(word, offset)),
        });
      }
    }
    if (differs) programsDiffering++;
  }
  return {
    verdict: programsDiffering === 0 ? 'identical' : 'differ',
    programs: progs.length,
    programsDiffering,
    differences: differences.slice(0, 64),
    sequences,
  };
}
