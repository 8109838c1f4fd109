// SPDX-License-Identifier: GPL-2.0
/* The `jit` records: every program's JITed image and address, the proof of which jump really ran. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent.h"

void dump_jit(const char *variant, const struct chain *c)
{
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(c->prog_fd[i], &info, &len)) {
			report_error("jit", variant, "prog_%d: bpf_obj_get_info_by_fd: %s", i, strerror(errno));
			continue;
		}
		__u32 img_len = info.jited_prog_len, nksyms = info.nr_jited_ksyms;
		unsigned char *img = calloc(1, img_len ? img_len : 1);
		__u64 *ksyms = calloc(nksyms ? nksyms : 1, sizeof(__u64));
		memset(&info, 0, sizeof(info));
		info.jited_prog_len = img_len;
		info.jited_prog_insns = (__u64)(uintptr_t)img;
		info.nr_jited_ksyms = nksyms;
		info.jited_ksyms = (__u64)(uintptr_t)ksyms;
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(c->prog_fd[i], &info, &len)) {
			report_error("jit", variant, "prog_%d: bpf_obj_get_info_by_fd (image): %s", i, strerror(errno));
			img_len = 0;
		}
		char symbol[64 + BPF_OBJ_NAME_LEN] = "";
		/* The kernel's own ksym name for a JITed program (kernel/bpf/core.c bpf_get_prog_name). */
		int pos = snprintf(symbol, sizeof(symbol), "bpf_prog_");
		for (int t = 0; t < BPF_TAG_SIZE; t++)
			pos += snprintf(symbol + pos, sizeof(symbol) - pos, "%02x", info.tag[t]);
		snprintf(symbol + pos, sizeof(symbol) - pos, "_%s", info.name);

		begin("jit");
		put_kv_str("variant", variant);
		putf(",\"prog\":%d,\"name\":\"prog_%d\",\"next_filled\":%s", i, i, i + 1 < CHAIN_PROGRAMS ? "true" : "false");
		putf(",\"addr\":\"%llx\",\"len\":%u", (unsigned long long)(nksyms && info.jited_ksyms ? ksyms[0] : 0),
		     img_len);
		put_kv_str("symbol", symbol);
		put(",\"hex\":");
		put_hex(img, info.jited_prog_insns ? img_len : 0);
		finish();
		/*
		 * len 0 (never JITed: the interpreter runs it) and a withheld image (len > 0, no bytes) are
		 * states of the kernel, not failures: the host names them (no-jit, image-unavailable).
		 */
		free(img);
		free(ksyms);
	}
}
