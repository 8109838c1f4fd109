/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tail calls made from a subprogram (x86-64 since 5.10): program i calls its static subprogram ts_i,
 * whose body is Benchmark 1's direct level (constant key, patched jmp): it tail-calls program i + 1, which
 * replaces ts_i's frame and returns to program i, which returns what it got. So a level is one call, one
 * tail call and one return; the tail-call counter crosses the call (in a register before 6.12, by
 * pointer since). Depths 0..33 as Benchmark 1 (the tail-call limit); no stack, so the 256-byte rule for
 * frames mixing calls and tail calls holds.
 */
#include "chain_body.bpf.h"

#define NAKED __attribute__((naked, noinline, used))

#define LEVEL(I)                                                            \
	static NAKED int ts_##I(void)                                       \
	{                                                                   \
		asm volatile(CHAIN_BODY                                     \
			     "call %[tail_call]\n\t"                        \
			     "r0 = r6\n\t"                                  \
			     "r0 += %[depth]\n\t"                           \
			     "exit\n\t"                                     \
			     :                                              \
			     : CHAIN_BODY_ARGS(0, (I) + 1), [depth] "i"(I),  \
			       [tail_call] "i"(BPF_FUNC_tail_call));        \
	}                                                                   \
	SEC("tc") __attribute__((naked)) int prog_##I(void)                 \
	{                                                                   \
		asm volatile("call ts_" #I "\n\t"                           \
			     "exit\n\t");                                   \
	}

LEVEL(0) LEVEL(1) LEVEL(2) LEVEL(3) LEVEL(4) LEVEL(5) LEVEL(6) LEVEL(7) LEVEL(8) LEVEL(9)
LEVEL(10) LEVEL(11) LEVEL(12) LEVEL(13) LEVEL(14) LEVEL(15) LEVEL(16) LEVEL(17) LEVEL(18) LEVEL(19)
LEVEL(20) LEVEL(21) LEVEL(22) LEVEL(23) LEVEL(24) LEVEL(25) LEVEL(26) LEVEL(27) LEVEL(28) LEVEL(29)
LEVEL(30) LEVEL(31) LEVEL(32) LEVEL(33)

char LICENSE[] SEC("license") = "GPL";
