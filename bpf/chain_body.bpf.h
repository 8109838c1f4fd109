/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-level body every chain shares, tail-call chains (tailcall.bpf.h) and the strategies
 * (strategies.bpf.h) alike, so the chains differ only in the transfer that follows it:
 *
 *     r6 = key_offset ; r3 = r6 ; r3 &= MASK ; r3 += SLOT ; r2 = &jmp_table
 *
 * In BPF assembly (a naked function: clang adds nothing), so every chain uses the same registers and
 * saves the same callee-saved register (r6, rbx on x86-64). See tailcall.bpf.h for why each
 * instruction is what it is.
 */
#ifndef CHAIN_BODY_BPF_H
#define CHAIN_BODY_BPF_H

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
 * const volatile, which it reads as a constant. Every chain reads it and returns it, so all do the
 * same work; it is always 0, so the retval is the depth.
 */
volatile __u32 key_offset SEC(".data") = 0;

#define CHAIN_BODY                                                          \
	"r6 = %[off] ll\n\t"                                                \
	"r6 = *(u32 *)(r6 + 0)\n\t"                                         \
	"r3 = r6\n\t"                                                       \
	"r3 &= %[mask]\n\t"                                                 \
	"r3 += %[slot]\n\t"                                                 \
	"r2 = %[map] ll\n\t"

#define CHAIN_BODY_ARGS(MASK, SLOT) \
	[off] "i"(&key_offset), [map] "i"(&jmp_table), [mask] "i"(MASK), [slot] "i"(SLOT)

#endif
