/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constant key: bpf_tail_call_static() pins r3 to an immediate on the call's only path, so the
 * verifier records a poke descriptor and the x86-64 JIT emits a patched `jmp rel32` (Linux >= 5.5).
 * `off` is read (and returned) exactly as in the indirect variant but is not part of the key.
 */
#define TAILCALL(ctx, slot, off) bpf_tail_call_static(ctx, &jmp_table, slot)
#include "tailcall.bpf.h"
