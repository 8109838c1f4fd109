/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The strategies benchmark's chains (bpf/PROTOCOL.md, "Benchmark 3: strategies"; docs/measurement.md,
 * "Benchmark 3: strategies"). Every level runs the body every chain shares (chain_body.bpf.h), then its transfer; so
 * two strategies differ only in the transfer (src/measure/jit-strategies.ts proves it from the images).
 * The retval of a run is always the number of transfers that happened (the depth).
 *
 * The two tail-call strategies are Benchmark 1's chains (tailcall_direct/indirect.bpf.o). Here:
 *
 * - bpf-to-bpf calls (static or global subprograms): a call chain cannot be cut short at run time
 *   without a branch the tail-call chains do not have, so each depth D is its own program (<p>D_0) calling
 *   D subprograms <p>D_1 .. <p>D_D; the deepest returns r6 + D, the others return what they got. At most
 *   8 frames (MAX_CALL_FRAMES): depths 0..7.
 */
#ifndef STRATEGIES_BPF_H
#define STRATEGIES_BPF_H

#include "chain_body.bpf.h"

#define NAKED __attribute__((naked, noinline, used))

/* A level that calls the next one and returns what it returns. */
#define CALL_LEVEL(STORAGE, SECTION, NAME, NEXT, K)                         \
	SECTION STORAGE NAKED int NAME(void)                                \
	{                                                                   \
		asm volatile(CHAIN_BODY                                     \
			     "call " #NEXT "\n\t"                           \
			     "exit\n\t"                                     \
			     :                                              \
			     : CHAIN_BODY_ARGS(0, (K) + 1));                \
	}

/* The deepest level: no transfer, returns r6 + D (r6 is key_offset, 0). */
#define LAST_LEVEL(STORAGE, SECTION, NAME, K)                               \
	SECTION STORAGE NAKED int NAME(void)                                \
	{                                                                   \
		asm volatile(CHAIN_BODY                                     \
			     "r0 = r6\n\t"                                  \
			     "r0 += %[depth]\n\t"                           \
			     "exit\n\t"                                     \
			     :                                              \
			     : CHAIN_BODY_ARGS(0, (K) + 1), [depth] "i"(K)); \
	}

/* Chains of depth 0..7 with subprograms of storage S (static, or nothing for global functions). */
#define CALL_CHAINS(S, P)                                                                                   \
	LAST_LEVEL(, SEC("tc"), P##0_0, 0)                                                                  \
	CALL_LEVEL(, SEC("tc"), P##1_0, P##1_1, 0) LAST_LEVEL(S, , P##1_1, 1)                               \
	CALL_LEVEL(, SEC("tc"), P##2_0, P##2_1, 0) CALL_LEVEL(S, , P##2_1, P##2_2, 1)                       \
	LAST_LEVEL(S, , P##2_2, 2)                                                                          \
	CALL_LEVEL(, SEC("tc"), P##3_0, P##3_1, 0) CALL_LEVEL(S, , P##3_1, P##3_2, 1)                       \
	CALL_LEVEL(S, , P##3_2, P##3_3, 2) LAST_LEVEL(S, , P##3_3, 3)                                       \
	CALL_LEVEL(, SEC("tc"), P##4_0, P##4_1, 0) CALL_LEVEL(S, , P##4_1, P##4_2, 1)                       \
	CALL_LEVEL(S, , P##4_2, P##4_3, 2) CALL_LEVEL(S, , P##4_3, P##4_4, 3) LAST_LEVEL(S, , P##4_4, 4)    \
	CALL_LEVEL(, SEC("tc"), P##5_0, P##5_1, 0) CALL_LEVEL(S, , P##5_1, P##5_2, 1)                       \
	CALL_LEVEL(S, , P##5_2, P##5_3, 2) CALL_LEVEL(S, , P##5_3, P##5_4, 3)                               \
	CALL_LEVEL(S, , P##5_4, P##5_5, 4) LAST_LEVEL(S, , P##5_5, 5)                                       \
	CALL_LEVEL(, SEC("tc"), P##6_0, P##6_1, 0) CALL_LEVEL(S, , P##6_1, P##6_2, 1)                       \
	CALL_LEVEL(S, , P##6_2, P##6_3, 2) CALL_LEVEL(S, , P##6_3, P##6_4, 3)                               \
	CALL_LEVEL(S, , P##6_4, P##6_5, 4) CALL_LEVEL(S, , P##6_5, P##6_6, 5) LAST_LEVEL(S, , P##6_6, 6)    \
	CALL_LEVEL(, SEC("tc"), P##7_0, P##7_1, 0) CALL_LEVEL(S, , P##7_1, P##7_2, 1)                       \
	CALL_LEVEL(S, , P##7_2, P##7_3, 2) CALL_LEVEL(S, , P##7_3, P##7_4, 3)                               \
	CALL_LEVEL(S, , P##7_4, P##7_5, 4) CALL_LEVEL(S, , P##7_5, P##7_6, 5)                               \
	CALL_LEVEL(S, , P##7_6, P##7_7, 6) LAST_LEVEL(S, , P##7_7, 7)

char LICENSE[] SEC("license") = "GPL";

#endif
