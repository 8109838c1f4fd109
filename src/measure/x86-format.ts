// biome-ignore-all lint/complexity/useSimpleNumberKeys: opcode tables keyed in hex, as the Intel manual lists them
// AT&T text (objdump's syntax) for the instructions the kernel's BPF JIT emits, so a report can list a
// tail-call sequence instruction by instruction. It formats what x86-decode.ts has already decoded;
// forms it does not know come out as their bytes (`.byte …`), never as a guess.
import type { X86Insn } from './x86-decode.js';

const REG64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** r/m-and-register ALU forms: opcode → mnemonic (direction from the opcode's bit 1). */
const ALU_RM: Record<number, string> = {
  0x01: 'add',
  0x03: 'add',
  0x09: 'or',
  0x0b: 'or',
  0x21: 'and',
  0x23: 'and',
  0x29: 'sub',
  0x2b: 'sub',
  0x31: 'xor',
  0x33: 'xor',
  0x39: 'cmp',
  0x3b: 'cmp',
  0x85: 'test',
  0x87: 'xchg',
  0x89: 'mov',
  0x8b: 'mov',
  0x8d: 'lea',
  0x63: 'movslq',
};
/** The forms whose destination is the ModRM.reg register (the others write r/m). */
const RM_TO_REG = new Set([0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b, 0x8b, 0x8d]);
/** Group 1 (0x81, 0x83) by ModRM.reg. */
const GROUP1 = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

/** Resolves an absolute jump target (offset in the image) to a name, e.g. the next program or a thunk. */
type TargetName = (imageOffset: number) => string | undefined;

const hex = (n: number | bigint): string =>
  typeof n === 'bigint'
    ? n < 0n
      ? `-0x${(-n).toString(16)}`
      : `0x${n.toString(16)}`
    : n < 0
      ? `-0x${(-n).toString(16)}`
      : `0x${n.toString(16)}`;

function readSigned(bytes: Uint8Array, at: number, size: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 1) return BigInt(view.getInt8(at));
  if (size === 2) return BigInt(view.getInt16(at, true));
  if (size === 4) return BigInt(view.getInt32(at, true));
  return view.getBigInt64(at, true);
}

interface Operands {
  /** The ModRM.reg register (REX.R applied). */
  reg: number;
  /** The r/m operand as text, at the given register width. */
  rm: (names: string[]) => string;
  memory: boolean;
}

function modrmOperands(bytes: Uint8Array, insn: X86Insn): Operands | undefined {
  if (insn.modrm === undefined || insn.modrmAt === undefined) return undefined;
  const rex = insn.rex ?? 0;
  const at = insn.offset + insn.modrmAt;
  const mod = insn.modrm >> 6;
  const reg = ((insn.modrm >> 3) & 7) | ((rex & 4) << 1);
  const rmLow = insn.modrm & 7;
  if (mod === 3) return { reg, memory: false, rm: (names) => `%${names[rmLow | ((rex & 1) << 3)]}` };
  let base: string | undefined;
  let index = '';
  let next = at + 1;
  if (rmLow === 4) {
    const sib = bytes[next++]!;
    const scale = 1 << (sib >> 6);
    const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
    const b = (sib & 7) | ((rex & 1) << 3);
    if (idx !== 4) index = `,%${REG64[idx]},${scale}`;
    base = mod === 0 && (sib & 7) === 5 ? undefined : REG64[b];
  } else if (mod === 0 && rmLow === 5) {
    base = 'rip';
  } else {
    base = REG64[rmLow | ((rex & 1) << 3)];
  }
  const dispSize = mod === 1 ? 1 : mod === 2 || base === 'rip' || (base === undefined && rmLow === 4) ? 4 : 0;
  const disp = dispSize > 0 ? hex(readSigned(bytes, next, dispSize)) : '';
  const text = `${disp}(${base ? `%${base}` : ''}${index})`;
  return { reg, memory: true, rm: () => text };
}

function immediate(bytes: Uint8Array, insn: X86Insn): string {
  const size = insn.immSize ?? 0;
  return size > 0 ? `$${hex(readSigned(bytes, insn.offset + insn.length - size, size))}` : '';
}

/** objdump's operand-size suffix, needed only when no register operand says the size. */
const suffix = (insn: X86Insn, ops: Operands): string =>
  !ops.memory ? '' : (insn.rex ?? 0) & 8 ? 'q' : insn.prefixes.includes(0x66) ? 'w' : 'l';

function branchTarget(insn: X86Insn, name?: TargetName): string {
  const target = insn.offset + insn.length + (insn.rel ?? 0);
  return name?.(target) ?? hex(target);
}

/** One decoded instruction in AT&T syntax (objdump -d), or `.byte …` for a form this file does not name. */
export function formatInsn(bytes: Uint8Array, insn: X86Insn, name?: TargetName): string {
  const rex = insn.rex ?? 0;
  const w = (rex & 8) !== 0;
  const names = w ? REG64 : insn.prefixes.includes(0x66) ? REG16 : REG32;
  const op = insn.opcode;
  const ops = modrmOperands(bytes, insn);
  const raw = `.byte ${Array.from(bytes.subarray(insn.offset, insn.offset + insn.length), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;

  if (op >= 0x50 && op <= 0x57) return `push %${REG64[(op & 7) | ((rex & 1) << 3)]}`;
  if (op >= 0x58 && op <= 0x5f) return `pop %${REG64[(op & 7) | ((rex & 1) << 3)]}`;
  if (op >= 0xb8 && op <= 0xbf) {
    // objdump prints a 64-bit immediate (a kernel address) unsigned.
    const imm = w ? `$0x${BigInt.asUintN(64, readSigned(bytes, insn.offset + insn.length - 8, 8)).toString(16)}` : immediate(bytes, insn);
    return `${w ? 'movabs' : 'mov'} ${imm},%${names[(op & 7) | ((rex & 1) << 3)]}`;
  }
  if (op === 0x90) return insn.length === 1 ? 'nop' : `nop (${insn.length} bytes)`;
  if (op === 0xc3) return 'ret';
  if (op === 0xc9) return 'leave';
  if (op === 0xcc) return 'int3';
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x0f80 && op <= 0x0f8f)) return `j${CONDITIONS[op & 0xf]} ${branchTarget(insn, name)}`;
  if (op === 0xe9 || op === 0xeb) return `jmp ${branchTarget(insn, name)}`;
  if (op === 0xe8) return `call ${branchTarget(insn, name)}`;
  if (op === 0x0f1e && insn.prefixes.includes(0xf3) && insn.modrm === 0xfa) return 'endbr64';
  if (op === 0x0fae && insn.modrm === 0xe8) return 'lfence';
  if (op === 0x0f1f) return `nop${w ? 'q' : insn.prefixes.includes(0x66) ? 'w' : 'l'} (${insn.length} bytes)`;
  if (!ops) return raw;
  const regName = `%${names[ops.reg]}`;
  if (ALU_RM[op] !== undefined) {
    const m = ALU_RM[op]!;
    if (op === 0x63) return `${m} ${ops.rm(REG32)},%${REG64[ops.reg]}`;
    return RM_TO_REG.has(op) ? `${m} ${ops.rm(names)},${regName}` : `${m} ${regName},${ops.rm(names)}`;
  }
  if (op === 0x81 || op === 0x83) return `${GROUP1[ops.reg & 7]}${suffix(insn, ops)} ${immediate(bytes, insn)},${ops.rm(names)}`;
  if (op === 0xc7 && (ops.reg & 7) === 0) return `mov${suffix(insn, ops)} ${immediate(bytes, insn)},${ops.rm(names)}`;
  if (op === 0xff) {
    const sub = ops.reg & 7;
    if (sub === 4) return `jmp *${ops.rm(REG64)}`;
    if (sub === 2) return `call *${ops.rm(REG64)}`;
    if (sub === 0 || sub === 1) return `${sub === 0 ? 'inc' : 'dec'}${suffix(insn, ops)} ${ops.rm(names)}`;
  }
  if (op === 0x0fb6 || op === 0x0fb7)
    return `movz${op === 0x0fb6 ? 'b' : 'w'}${w ? 'q' : 'l'} ${ops.rm(op === 0x0fb6 ? ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'] : REG16)},${regName}`;
  return raw;
}
