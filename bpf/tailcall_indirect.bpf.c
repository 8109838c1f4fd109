/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Same key, but computed from a global in .data the verifier cannot know: the JIT must emit the
 * indirect jump (retpoline thunk, lfence+jmp, or plain jmp *%rcx depending on the mitigation).
 */
#define TAILCALL(ctx, slot, off) bpf_tail_call(ctx, &jmp_table, (slot) + (off))
#include "tailcall.bpf.h"
