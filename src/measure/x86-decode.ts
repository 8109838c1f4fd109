// A linear-sweep x86-64 instruction *length* decoder for the instruction forms the kernel's BPF JIT
// emits. The JIT classifier needs instruction boundaries so that bytes inside an immediate (a map
// address that happens to contain `ff e1`) are never read as a jump. It is not a disassembler: it
// reports length, opcode and the few operands the classifier looks at.

export interface X86Insn {
  offset: number;
  length: number;
  /** Opcode: one byte, or 0x0fXX for the two-byte map. */
  opcode: number;
  /** ModRM byte when the instruction has one. */
  modrm?: number;
  /** rel8/rel32 displacement of a jmp/call/jcc, relative to the end of the instruction. */
  rel?: number;
  /** Legacy prefixes seen (0x66, 0xf3 …), in order. */
  prefixes: number[];
  /** The REX byte (0x40-0x4f) when present. */
  rex?: number;
  /** Where the ModRM byte sits, counted from the instruction's first byte (when it has one). */
  modrmAt?: number;
  /**
   * Bytes of immediate and/or rel8/rel32 at the end of the instruction: what differs between two
   * otherwise identical instructions that load another address or jump elsewhere (jit-symmetry.ts).
   */
  immSize?: number;
}

const LEGACY_PREFIXES = new Set([0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36]);

/** Bytes taken by ModRM + SIB + displacement, starting at the ModRM byte. */
function modrmLength(bytes: Uint8Array, at: number): number | undefined {
  const modrm = bytes[at];
  if (modrm === undefined) return undefined;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 1;
  let len = 1;
  if (rm === 4) {
    const sib = bytes[at + 1];
    if (sib === undefined) return undefined;
    len += 1;
    if (mod === 0 && (sib & 7) === 5) len += 4;
  } else if (mod === 0 && rm === 5) {
    len += 4; // RIP-relative disp32
  }
  if (mod === 1) len += 1;
  if (mod === 2) len += 4;
  return len;
}

function readRel(bytes: Uint8Array, at: number, size: 1 | 4): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return size === 1 ? view.getInt8(at) : view.getInt32(at, true);
}

type Shape = { modrm: boolean; imm: number; rel?: 1 | 4 };

/** Operand shape of a one-byte-map opcode; undefined for opcodes the JIT never emits. */
function oneByteShape(op: number, rexW: boolean, opsize16: boolean): Shape | undefined {
  const imm32 = opsize16 ? 2 : 4;
  if (op <= 0x3f && op !== 0x0f) {
    const low = op & 7;
    if (low <= 3) return { modrm: true, imm: 0 };
    if (low === 4) return { modrm: false, imm: 1 };
    if (low === 5) return { modrm: false, imm: imm32 };
    return { modrm: false, imm: 0 }; // push/pop seg, daa …: invalid in 64-bit mode, one byte
  }
  if (op >= 0x50 && op <= 0x5f) return { modrm: false, imm: 0 };
  if (op === 0x63) return { modrm: true, imm: 0 };
  if (op === 0x68) return { modrm: false, imm: 4 };
  if (op === 0x69) return { modrm: true, imm: imm32 };
  if (op === 0x6a) return { modrm: false, imm: 1 };
  if (op === 0x6b) return { modrm: true, imm: 1 };
  if (op >= 0x70 && op <= 0x7f) return { modrm: false, imm: 0, rel: 1 };
  if (op === 0x80 || op === 0x82 || op === 0x83) return { modrm: true, imm: 1 };
  if (op === 0x81) return { modrm: true, imm: imm32 };
  if (op >= 0x84 && op <= 0x8f) return { modrm: true, imm: 0 };
  if (op >= 0x90 && op <= 0x9f) return { modrm: false, imm: 0 };
  if (op === 0xa8) return { modrm: false, imm: 1 };
  if (op === 0xa9) return { modrm: false, imm: imm32 };
  if (op >= 0xb0 && op <= 0xb7) return { modrm: false, imm: 1 };
  if (op >= 0xb8 && op <= 0xbf) return { modrm: false, imm: rexW ? 8 : imm32 };
  if (op === 0xc0 || op === 0xc1 || op === 0xc6) return { modrm: true, imm: 1 };
  if (op === 0xc2) return { modrm: false, imm: 2 };
  if (op === 0xc3 || op === 0xc9 || op === 0xcc || op === 0xf4) return { modrm: false, imm: 0 };
  if (op === 0xc7) return { modrm: true, imm: imm32 };
  if (op >= 0xd0 && op <= 0xd3) return { modrm: true, imm: 0 };
  if (op === 0xe8 || op === 0xe9) return { modrm: false, imm: 0, rel: 4 };
  if (op === 0xeb) return { modrm: false, imm: 0, rel: 1 };
  if (op === 0xf6 || op === 0xf7 || op === 0xfe || op === 0xff) return { modrm: true, imm: 0 }; // f6/f7 imm: below
  return undefined;
}

/** Operand shape of a 0x0f-map opcode. */
function twoByteShape(op: number): Shape | undefined {
  if (op >= 0x80 && op <= 0x8f) return { modrm: false, imm: 0, rel: 4 };
  if (op === 0x05 || op === 0x0b || op === 0xa2 || (op >= 0xc8 && op <= 0xcf)) return { modrm: false, imm: 0 };
  if (op === 0xba || op === 0x3a) return { modrm: true, imm: 1 }; // 0f 3a xx: third byte handled by caller
  if (op === 0x38) return { modrm: true, imm: 0 };
  // nop /0, endbr (f3 0f 1e fa), cmov, setcc, fences (0f ae), movzx/movsx, imul, bt*, xadd, cmpxchg
  if (
    op === 0x1f ||
    op === 0x1e ||
    (op >= 0x40 && op <= 0x4f) ||
    (op >= 0x90 && op <= 0x9f) ||
    op === 0xae ||
    op === 0xaf ||
    op === 0xa3 ||
    op === 0xab ||
    op === 0xb1 ||
    op === 0xb3 ||
    op === 0xb6 ||
    op === 0xb7 ||
    op === 0xbb ||
    op === 0xbe ||
    op === 0xbf ||
    op === 0xc1
  )
    return { modrm: true, imm: 0 };
  return undefined;
}

/** Decode one instruction at `offset`; undefined when the bytes are not a form we know. */
export function decodeOne(bytes: Uint8Array, offset: number): X86Insn | undefined {
  let at = offset;
  const prefixes: number[] = [];
  while (at < bytes.length && LEGACY_PREFIXES.has(bytes[at]!)) prefixes.push(bytes[at++]!);
  let rex: number | undefined;
  const maybeRex = bytes[at];
  if (maybeRex !== undefined && maybeRex >= 0x40 && maybeRex <= 0x4f) {
    rex = maybeRex;
    at++;
  }
  const rexW = rex !== undefined && (rex & 8) !== 0;
  const first = bytes[at];
  if (first === undefined) return undefined;
  at++;
  let opcode = first;
  let shape: Shape | undefined;
  if (first === 0x0f) {
    const second = bytes[at];
    if (second === undefined) return undefined;
    at++;
    opcode = 0x0f00 | second;
    shape = twoByteShape(second);
    if (second === 0x38 || second === 0x3a) at++; // three-byte maps: skip the third opcode byte
  } else {
    shape = oneByteShape(first, rexW, prefixes.includes(0x66));
  }
  if (!shape) return undefined;
  let modrm: number | undefined;
  const modrmAt = shape.modrm ? at - offset : undefined;
  let immFrom = at;
  if (shape.modrm) {
    modrm = bytes[at];
    const len = modrmLength(bytes, at);
    if (modrm === undefined || len === undefined) return undefined;
    at += len;
    immFrom = at;
    const reg = (modrm >> 3) & 7;
    if (first === 0xf6 && reg <= 1) at += 1; // test r/m8, imm8
    if (first === 0xf7 && reg <= 1) at += prefixes.includes(0x66) ? 2 : 4; // test r/m, imm32
  }
  at += shape.imm;
  let rel: number | undefined;
  if (shape.rel) {
    if (at + shape.rel > bytes.length) return undefined;
    rel = readRel(bytes, at, shape.rel);
    at += shape.rel;
  }
  if (at > bytes.length) return undefined;
  const immSize = at - immFrom;
  return {
    offset,
    length: at - offset,
    opcode,
    modrm,
    rel,
    prefixes,
    ...(rex !== undefined ? { rex } : {}),
    ...(modrmAt !== undefined ? { modrmAt } : {}),
    ...(immSize > 0 ? { immSize } : {}),
  };
}

interface DecodedImage {
  insns: X86Insn[];
  /** Offset where decoding stopped on an unknown form (undefined when the whole image decoded). */
  stoppedAt?: number;
}

/** Linear sweep: JITed BPF images hold code only (plus int3 padding), so a sweep from 0 is exact. */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const insns: X86Insn[] = [];
  let at = 0;
  while (at < bytes.length) {
    const insn = decodeOne(bytes, at);
    if (!insn) return { insns, stoppedAt: at };
    insns.push(insn);
    at += insn.length;
  }
  return { insns };
}

/** A NOP instruction in any of its encodings: 90 with operand-size prefixes, or 0f 1f /0. */
export function isNop(insn: X86Insn): boolean {
  const onlySizePrefixes = insn.prefixes.every((p) => p === 0x66 || p === 0x2e || p === 0x3e);
  if (!onlySizePrefixes) return false;
  // 41 90 is xchg %eax,%r8d, not a NOP.
  if (insn.opcode === 0x90) return insn.rex === undefined || (insn.rex & 1) === 0;
  return insn.opcode === 0x0f1f && insn.modrm !== undefined && ((insn.modrm >> 3) & 7) === 0;
}

/** `jmp *%reg`: ff /4 with a register operand. */
export function isJmpReg(insn: X86Insn): boolean {
  return insn.opcode === 0xff && insn.modrm !== undefined && insn.modrm >> 6 === 3 && ((insn.modrm >> 3) & 7) === 4;
}

/** `lfence`: 0f ae e8. */
export function isLfence(insn: X86Insn): boolean {
  return insn.opcode === 0x0fae && insn.modrm === 0xe8;
}
