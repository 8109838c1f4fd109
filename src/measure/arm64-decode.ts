// The arm64 BPF JIT's tail call, read from a program's image: AArch64 has fixed 4-byte little-endian
// instructions, so decoding is a word at a time, and only the forms the tail-call sequence uses are named
// (arch/arm64/net/bpf_jit_comp.c, emit_bpf_tail_call). The arm64 JIT has no direct tail call: whatever the
// key, it emits the same sequence —
//   bounds:  ldr w10, [x1, x10] (max_entries); mov w2, w2; cmp w2, w10; b.hs out
//   counter: cmp x26, x10 (tail_call_cnt against MAX_TAIL_CALL_CNT); b.hs out; add x26, x26, #1
//            (6.12+: the counter lives behind a pointer: ldr xC, [xP] before the cmp, str xC, [xP] after the load)
//   load:    add x10, x1, x10 (ptrs); lsl x11, x2, #3; ldr x11, [x10, x11]; cbz x11, out
//   jump:    ldr x10, [x11, x10] (bpf_func); add x10, x10, #prologue; br x10
// and the classifier below finds it by its shape: a `br` whose register was just loaded from memory, behind
// a `cbz` and two `b.hs` that all leave to the same label past the `br`.

/** One decoded instruction: the forms the classifier needs, everything else `other`. */
type A64Insn =
  | { kind: 'br'; offset: number; rn: number }
  | { kind: 'cbz'; offset: number; rt: number; target: number; sf: boolean }
  | { kind: 'bcond'; offset: number; cond: number; target: number }
  | { kind: 'cmp'; offset: number; rn: number; sf: boolean }
  | { kind: 'add-imm'; offset: number; rd: number; rn: number; imm: number; sf: boolean }
  | { kind: 'ldr'; offset: number; rt: number; rn: number; literal: boolean }
  | { kind: 'str'; offset: number; rt: number; rn: number }
  | { kind: 'other'; offset: number; word: number };

/** b.hs (= b.cs, carry set: unsigned >=), the JIT's "index/count too large: goto out". */
const COND_HS = 0x2;

const signExtend = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);
/** `(w & mask) === value` on unsigned words (JavaScript's & yields a signed 32-bit number). */
const is = (w: number, mask: number, value: number): boolean => (w & mask) >>> 0 === value;

/** Decode one instruction word at byte offset `offset` (Arm ARM, A64 base encodings). */
export function decodeA64(word: number, offset: number): A64Insn {
  const w = word >>> 0;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const sf = w >>> 31 === 1;
  // BR Xn: 1101011 0000 11111 000000 Rn 00000
  if (is(w, 0xfffffc1f, 0xd61f0000)) return { kind: 'br', offset, rn };
  // CBZ: sf 011010 0 imm19 Rt
  if (is(w, 0x7f000000, 0x34000000)) return { kind: 'cbz', offset, rt: rd, target: offset + signExtend((w >>> 5) & 0x7ffff, 19) * 4, sf };
  // B.cond: 0101010 0 imm19 0 cond
  if (is(w, 0xff000010, 0x54000000))
    return { kind: 'bcond', offset, cond: w & 0xf, target: offset + signExtend((w >>> 5) & 0x7ffff, 19) * 4 };
  // CMP = SUBS with Rd = 31: shifted register (sf 1101011 sh 0 Rm imm6 Rn 11111) or immediate (sf 1110001 sh imm12 Rn 11111)
  if (rd === 31 && (is(w, 0x7f200000, 0x6b000000) || is(w, 0x7f800000, 0x71000000))) return { kind: 'cmp', offset, rn, sf };
  // ADD (immediate): sf 0010001 sh imm12 Rn Rd
  if (is(w, 0x7f800000, 0x11000000)) {
    const imm12 = (w >>> 10) & 0xfff;
    return { kind: 'add-imm', offset, rd, rn, imm: (w >>> 22) & 1 ? imm12 << 12 : imm12, sf };
  }
  // LDR (register): size 111000 01 1 Rm option S 10 Rn Rt; LDR (unsigned offset): size 111001 01 imm12 Rn Rt (32- and 64-bit)
  if (is(w, 0xbfe00c00, 0xb8600800) || is(w, 0xbfc00000, 0xb9400000)) return { kind: 'ldr', offset, rt: rd, rn, literal: false };
  // LDR (literal), 64-bit: 01 011 0 00 imm19 Rt
  if (is(w, 0xff000000, 0x58000000)) return { kind: 'ldr', offset, rt: rd, rn: -1, literal: true };
  // STR (unsigned offset), 64-bit: 11 111001 00 imm12 Rn Rt
  if (is(w, 0xffc00000, 0xf9000000)) return { kind: 'str', offset, rt: rd, rn };
  return { kind: 'other', offset, word: w };
}

/** Every instruction of an image; a trailing partial word (never in a JIT image) is left out. */
export function decodeA64Image(bytes: Uint8Array): A64Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: A64Insn[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) out.push(decodeA64(view.getUint32(at, true), at));
  return out;
}

/** The tail-call sequence found in an image, by byte offsets of its parts. */
interface A64TailCall {
  /** `b.hs out` after `cmp index, max_entries`. */
  boundsCheck: number;
  /** `b.hs out` after `cmp tail_call_cnt, MAX_TAIL_CALL_CNT`. */
  counterCheck: number;
  /** `add xC, xC, #1`: the counter's increment. */
  counterIncrement: number;
  /** 6.12+: the counter is loaded from and stored back behind a pointer (not kept in a register). */
  counterInMemory: boolean;
  /** `cbz prog, out` after loading array->ptrs[index]. */
  nullCheck: number;
  /** `br xN` into prog->bpf_func past its prologue. */
  jump: number;
  /** The register `br` jumps through. */
  register: number;
  /** Where the sequence starts (the bounds check's compare) and ends (after `br`): the bytes it spans. */
  start: number;
  end: number;
}

/** How far back from `br` the sequence may start: 6.12's, the longest, is under 30 instructions. */
const WINDOW = 40;

/** The tail-call sequences of one image (a chain program has one; a PLT's `ldr literal; br` is not one). */
export function findA64TailCalls(insns: readonly A64Insn[]): A64TailCall[] {
  const found: A64TailCall[] = [];
  insns.forEach((br, k) => {
    if (br.kind !== 'br') return;
    const before = insns.slice(Math.max(0, k - WINDOW), k);
    // The jump's register was loaded from memory (prog->bpf_func), possibly plus the prologue offset.
    const load = [...before].reverse().find((i) => i.kind === 'ldr' && i.rt === br.rn);
    if (load === undefined || load.kind !== 'ldr' || load.literal) return;
    const cbz = [...before].reverse().find((i) => i.kind === 'cbz' && i.offset < load.offset);
    if (cbz === undefined || cbz.kind !== 'cbz' || cbz.target <= br.offset) return;
    const out = cbz.target;
    const exits = before.filter(
      (i): i is Extract<A64Insn, { kind: 'bcond' }> =>
        i.kind === 'bcond' && i.cond === COND_HS && i.target === out && i.offset < cbz.offset,
    );
    if (exits.length < 2) return;
    const [bounds, counter] = exits.slice(-2) as [Extract<A64Insn, { kind: 'bcond' }>, Extract<A64Insn, { kind: 'bcond' }>];
    const compare = [...before].reverse().find((i) => i.kind === 'cmp' && i.offset < counter.offset);
    const boundsCompare = [...before].reverse().find((i) => i.kind === 'cmp' && i.offset < bounds.offset);
    if (compare?.kind !== 'cmp' || boundsCompare?.kind !== 'cmp') return;
    const inc = before.find(
      (i) =>
        i.kind === 'add-imm' &&
        i.imm === 1 &&
        i.rd === compare.rn &&
        i.rn === compare.rn &&
        i.offset > counter.offset &&
        i.offset < cbz.offset,
    );
    if (inc === undefined) return;
    // 6.12+: ldr xC, [xP] just before the compare and str xC, [xP] after the null check.
    const counterInMemory = before.some((i) => i.kind === 'str' && i.rt === compare.rn && i.offset > cbz.offset);
    found.push({
      boundsCheck: bounds.offset,
      counterCheck: counter.offset,
      counterIncrement: inc.offset,
      counterInMemory,
      nullCheck: cbz.offset,
      jump: br.offset,
      register: br.rn,
      start: boundsCompare.offset,
      end: br.offset + 4,
    });
  });
  return found;
}

const reg = (n: number, sf = true): string => (n === 31 ? (sf ? 'sp' : 'wsp') : `${sf ? 'x' : 'w'}${n}`);

/** The named instructions in assembler words, others as their hex word: for site notes and tests. */
export function formatA64(i: A64Insn): string {
  switch (i.kind) {
    case 'br':
      return `br ${reg(i.rn)}`;
    case 'cbz':
      return `cbz ${reg(i.rt, i.sf)}, +0x${i.target.toString(16)}`;
    case 'bcond':
      return `b.${i.cond === COND_HS ? 'hs' : `cond${i.cond}`} +0x${i.target.toString(16)}`;
    case 'cmp':
      return `cmp ${reg(i.rn, i.sf)}, …`;
    case 'add-imm':
      return `add ${reg(i.rd, i.sf)}, ${reg(i.rn, i.sf)}, #0x${i.imm.toString(16)}`;
    case 'ldr':
      return i.literal ? `ldr ${reg(i.rt)}, =literal` : `ldr ${reg(i.rt)}, [${reg(i.rn)}, …]`;
    case 'str':
      return `str ${reg(i.rt)}, [${reg(i.rn)}, …]`;
    case 'other':
      return formatOther(i.word);
  }
}

/**
 * The other words the JIT's tail-call sequence holds, named for the report (the classifier never needs
 * them): move-wide immediates (the key, offsetof values), an add of two registers, and lsl (a UBFM alias).
 * Anything else stays its hex word, never a guess.
 */
function formatOther(word: number): string {
  const w = word >>> 0;
  const sf = w >>> 31 === 1;
  const rd = w & 0x1f;
  const rn = (w >>> 5) & 0x1f;
  if (is(w, 0x1f800000, 0x12800000) && ((w >>> 29) & 3) !== 1) {
    const op = ['movn', '', 'movz', 'movk'][(w >>> 29) & 3];
    const hw = (w >>> 21) & 3;
    return `${op} ${reg(rd, sf)}, #0x${((w >>> 5) & 0xffff).toString(16)}${hw ? `, lsl #${hw * 16}` : ''}`;
  }
  if (is(w, 0x7f200000, 0x0b000000) && ((w >>> 22) & 3) === 0 && ((w >>> 10) & 0x3f) === 0) {
    return `add ${reg(rd, sf)}, ${reg(rn, sf)}, ${reg((w >>> 16) & 0x1f, sf)}`;
  }
  // UBFM with imms + 1 === immr is `lsl #(width - 1 - imms)`.
  if (is(w, 0x7f800000, 0x53000000)) {
    const immr = (w >>> 16) & 0x3f;
    const imms = (w >>> 10) & 0x3f;
    const width = sf ? 64 : 32;
    if (imms !== width - 1 && imms + 1 === immr) return `lsl ${reg(rd, sf)}, ${reg(rn, sf)}, #${width - 1 - imms}`;
  }
  return `.word 0x${w.toString(16).padStart(8, '0')}`;
}
