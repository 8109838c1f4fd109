/* SPDX-License-Identifier: GPL-2.0 */
/* bpf-to-bpf calls to static subprograms: the verifier checks them inline with their caller; the JIT emits `call rel32`. */
#include "strategies.bpf.h"
CALL_CHAINS(static, c)
