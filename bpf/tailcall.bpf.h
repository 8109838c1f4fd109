/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tail-call chain shared by both variants (see docs/measurement.md, "The chain").
 *
 * Program i tail-calls slot i+1 and returns i when that slot is empty, so the retval of a test run
 * from program 0 equals the number of tail calls that happened.
 *
 * Every program is written in BPF assembly (a naked function: clang adds nothing), so both variants
 * use the same registers, save the same callee-saved register (r6, rbx on x86-64) and run the same
 * body and epilogue; left to clang, the register allocation around bpf_tail_call_static() differed
 * and the x86-64 JIT pushed r13/r14 in one variant only. The variants differ in one immediate:
 *
 *     r3 = r6 ; r3 &= KEY_MASK ; r3 += i + 1
 *
 * KEY_MASK (defined by the including file) is 0 in the direct variant, so the verifier knows r3 is the
 * constant i + 1 and records a poke descriptor (a patched `jmp rel32` on x86-64, Linux >= 5.5); it is
 * -1 in the indirect one, so r3 depends on key_offset (.data), which the verifier cannot know, and the
 * JIT emits the indirect sequence. The x86-64 JIT turns both `&=` into `and $imm8,%rdx` (48 83 e2 00
 * and 48 83 e2 ff): same instruction, same length; only the tail-call sequence differs
 * (src/measure/jit-symmetry.ts proves it on every cell from the JIT images).
 *
 * The programs are declared without parameters: the body reads the context from r1 as every program
 * does, and a naked function's parameter would reach BTF without a name, which the kernel refuses
 * ("Invalid arg#1"). libbpf then loads the chain without BTF, and the traffic benchmark's fexit on
 * prog_0 fails ("The target program doesn't have BTF"). With no parameter the object's BTF loads.
 */
#ifndef TAILCALL_BPF_H
#define TAILCALL_BPF_H

#include "chain_body.bpf.h"

/*
 * r1 (the context) is passed through untouched to the helper call. The return is `r0 = r6; r0 += i`,
 * never `r0 = i`: the JIT encodes `mov $0` as a two-byte xor, so prog_0 would differ from the others;
 * an `add $imm8` is the same instruction for every i (prog_0 included), so all 34 programs are
 * identical instruction for instruction and every depth lies on one exact line.
 */
#define PROG(I)                                                             \
	SEC("tc")                                                           \
	__attribute__((naked)) int prog_##I(void)                          \
	{                                                                   \
		asm volatile(CHAIN_BODY                                     \
			     "call %[tail_call]\n\t"                        \
			     "r0 = r6\n\t"                                  \
			     "r0 += %[depth]\n\t"                           \
			     "exit\n\t"                                     \
			     :                                              \
			     : CHAIN_BODY_ARGS(KEY_MASK, (I) + 1),           \
			       [depth] "i"(I),                              \
			       [tail_call] "i"(BPF_FUNC_tail_call));        \
	}

PROG(0) PROG(1) PROG(2) PROG(3) PROG(4) PROG(5) PROG(6) PROG(7) PROG(8) PROG(9)
PROG(10) PROG(11) PROG(12) PROG(13) PROG(14) PROG(15) PROG(16) PROG(17) PROG(18) PROG(19)
PROG(20) PROG(21) PROG(22) PROG(23) PROG(24) PROG(25) PROG(26) PROG(27) PROG(28) PROG(29)
PROG(30) PROG(31) PROG(32) PROG(33)

char LICENSE[] SEC("license") = "GPL";

#endif
