/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constant key: r3 = (key_offset & 0) + i + 1. The verifier tracks the AND with 0 and knows r3 is the
 * constant i + 1 on the call's only path, so it records a poke descriptor and the x86-64 JIT emits a
 * patched `jmp rel32` (Linux >= 5.5). key_offset is read (and returned) exactly as in the indirect
 * variant.
 */
#define KEY_MASK 0
#include "tailcall.bpf.h"
