/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Same key computation, but r3 = (key_offset & -1) + i + 1 depends on a global in .data the verifier
 * cannot know: the JIT must emit the indirect jump (retpoline thunk, lfence+jmp, or plain jmp *%rcx
 * depending on the mitigation).
 */
#define KEY_MASK -1
#include "tailcall.bpf.h"
