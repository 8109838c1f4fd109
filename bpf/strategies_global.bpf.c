/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf-to-bpf calls to global functions: the verifier checks each once, on its own (BTF linkage global),
 * not per call site; at run time the JIT emits the same `call rel32` as for a static subprogram.
 */
#include "strategies.bpf.h"
CALL_CHAINS(, g)
