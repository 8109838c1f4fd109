// Instruction lengths and NOP forms the classifier relies on, checked against encodings whose
// lengths the Intel SDM fixes (and that objdump decodes the same way).
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeOne, isJmpReg, isLfence, isNop } from '../../src/measure/x86-decode.js';

const insn = (hex: string) => decodeOne(Buffer.from(hex, 'hex'), 0);

describe('decodeOne', () => {
  it.each([
    ['endbr64', 'f30f1efa', 4],
    ['movabs $imm64, %rdi', '48bf00e00540ec9affff', 10],
    ['mov 0x110(%rsi,%rdx,8), %rcx', '488b8cd610010000', 8],
    ['mov -0x4(%rbp), %eax', '8b85fcffffff', 6],
    ['cmpq $0x21, (%rax)', '48833821', 4],
    ['mov %edx, %edx', '89d2', 2],
    ['jmp rel32', 'e93a6ccce1', 5],
    ['ja rel8', '7719', 2],
    ['jae rel32', '0f8312345678', 6],
    ['test $imm32, %eax-form f7 /0', 'f7c001000000', 6],
    ['mov $imm32, %edx', 'ba01000000', 5],
  ])('%s is %i bytes', (_name, hex, length) => {
    expect(insn(hex)?.length).toBe(length);
  });

  it('gives up on forms the JIT never emits instead of guessing a length', () => {
    expect(insn('d8c1')).toBeUndefined(); // x87 fadd
    expect(decodeImage(Buffer.from('90d8c190', 'hex')).stoppedAt).toBe(1);
  });
});

describe('NOP forms (decoded, not matched as one byte string)', () => {
  it.each([
    ['nop', '90'],
    ['data16 nop', '6690'],
    ['5.10 ideal nop5: 66 66 66 66 90', '6666666690'],
    ['nopl 0x0(%rax,%rax,1)', '0f1f440000'],
    ['nopw 0x0(%rax,%rax,1)', '660f1f440000'],
    ['nopl 0x0(%rax)', '0f1f4000'],
  ])('%s', (_name, hex) => {
    const i = insn(hex)!;
    expect(i.length).toBe(hex.length / 2);
    expect(isNop(i)).toBe(true);
  });

  it.each([
    ['pause (f3 90)', 'f390'],
    ['xchg %eax, %r8d (41 90)', '4190'],
    ['0f 1f /1 is not the NOP opcode extension', '0f1f4c0000'],
  ])('not a NOP: %s', (_name, hex) => {
    expect(isNop(insn(hex)!)).toBe(false);
  });
});

describe('indirect jump forms', () => {
  it('jmp *%rcx and jmp *%r11 are register jumps; call *%rcx is not', () => {
    expect(isJmpReg(insn('ffe1')!)).toBe(true);
    expect(isJmpReg(insn('41ffe3')!)).toBe(true);
    expect(isJmpReg(insn('ffd1')!)).toBe(false);
  });
  it('lfence is 0f ae e8, mfence is not', () => {
    expect(isLfence(insn('0faee8')!)).toBe(true);
    expect(isLfence(insn('0faef0')!)).toBe(false);
  });
});
