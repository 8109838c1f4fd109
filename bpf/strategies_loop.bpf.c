/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bpf_loop-driven chain (Linux 5.17+; from 6.0 the verifier inlines the helper into a loop that calls
 * the callback directly): loop_0 runs the shared body, then bpf_loop(loop_count, loop_cb, NULL, 0); each
 * iteration, the transfer, runs loop_cb, which runs the same body and returns 0 (go on). bpf_loop returns
 * the iterations made, so the retval is the depth. loop_count lives in .data beside key_offset: the agent
 * writes it per depth (the map's one value), the verifier cannot know it. Depths 0..33 like the chains.
 */
#include "chain_body.bpf.h"

volatile __u32 loop_count SEC(".data") = 0;

static __attribute__((naked, noinline, used)) int loop_cb(void)
{
	asm volatile(CHAIN_BODY
		     "r0 = 0\n\t"
		     "exit\n\t"
		     :
		     : CHAIN_BODY_ARGS(0, 1));
}

SEC("tc") __attribute__((naked)) int loop_0(void)
{
	asm volatile(CHAIN_BODY
		     "r1 = %[count] ll\n\t"
		     "r1 = *(u32 *)(r1 + 0)\n\t"
		     "r2 = loop_cb ll\n\t"
		     "r3 = 0\n\t"
		     "r4 = 0\n\t"
		     "call %[loop]\n\t"
		     "r0 += r6\n\t"
		     "exit\n\t"
		     :
		     : CHAIN_BODY_ARGS(0, 1), [count] "i"(&loop_count), [loop] "i"(BPF_FUNC_loop));
}

char LICENSE[] SEC("license") = "GPL";
