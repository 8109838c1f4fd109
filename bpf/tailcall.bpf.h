/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tail-call chain shared by both variants (see docs/measurement.md, "The chain").
 *
 * Program i tail-calls slot i+1 and returns i when that slot is empty, so the retval of a test run
 * from program 0 equals the number of tail calls that happened. The two objects differ only in
 * whether the verifier knows the key: TAILCALL(i) is defined by the including file.
 */
#ifndef TAILCALL_BPF_H
#define TAILCALL_BPF_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* 34 programs (0..33) give depths 0..33; max_entries > 34 so slot 34 exists and stays empty. */
#define CHAIN_PROGRAMS 34
#define CHAIN_SLOTS 40

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, CHAIN_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp_table SEC(".maps");

/*
 * Lives in .data (a writable array map): the verifier cannot know its value, unlike .rodata /
 * const volatile, which it reads as a constant. Both variants read it, so both do the same work.
 */
volatile __u32 key_offset SEC(".data") = 0;

/*
 * The return is opaque to clang after the call: left as `I + off`, clang drops program 0's `+ 0`, so
 * the last program of a depth-0 run is one instruction shorter than that of any other depth and
 * depth 0 falls below the exact line the others lie on (a fitted 22.005 instead of 22).
 */
#define PROG(I)                                                   \
	SEC("tc")                                                 \
	int prog_##I(struct __sk_buff *skb)                       \
	{                                                         \
		__u32 off = key_offset;                           \
		__u32 depth;                                      \
		TAILCALL(skb, I + 1, off);                        \
		depth = I;                                        \
		asm volatile("" : "+r"(depth));                   \
		return depth + off;                               \
	}

PROG(0) PROG(1) PROG(2) PROG(3) PROG(4) PROG(5) PROG(6) PROG(7) PROG(8) PROG(9)
PROG(10) PROG(11) PROG(12) PROG(13) PROG(14) PROG(15) PROG(16) PROG(17) PROG(18) PROG(19)
PROG(20) PROG(21) PROG(22) PROG(23) PROG(24) PROG(25) PROG(26) PROG(27) PROG(28) PROG(29)
PROG(30) PROG(31) PROG(32) PROG(33)

char LICENSE[] SEC("license") = "GPL";

#endif
