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

void dump_prog_jit(const char *key, const char *label, int prog, const char *name, int fd, int next_filled)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		report_error("jit", label, "%s: bpf_obj_get_info_by_fd: %s", name, strerror(errno));
		return;
	}
	__u32 img_len = info.jited_prog_len, nksyms = info.nr_jited_ksyms, nlens = info.nr_jited_func_lens;
	unsigned char *img = calloc(1, img_len ? img_len : 1);
	__u64 *ksyms = calloc(nksyms ? nksyms : 1, sizeof(__u64));
	__u32 *lens = calloc(nlens ? nlens : 1, sizeof(__u32));
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = img_len;
	info.jited_prog_insns = (__u64)(uintptr_t)img;
	info.nr_jited_ksyms = nksyms;
	info.jited_ksyms = (__u64)(uintptr_t)ksyms;
	info.nr_jited_func_lens = nlens;
	info.jited_func_lens = (__u64)(uintptr_t)lens;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		report_error("jit", label, "%s: bpf_obj_get_info_by_fd (image): %s", name, strerror(errno));
		img_len = 0;
	}
	char symbol[64 + BPF_OBJ_NAME_LEN] = "";
	/* The kernel's own ksym name for a JITed program (kernel/bpf/core.c bpf_get_prog_name). */
	int pos = snprintf(symbol, sizeof(symbol), "bpf_prog_");
	for (int t = 0; t < BPF_TAG_SIZE; t++)
		pos += snprintf(symbol + pos, sizeof(symbol) - pos, "%02x", info.tag[t]);
	snprintf(symbol + pos, sizeof(symbol) - pos, "_%s", info.name);

	begin("jit");
	put_kv_str(key, label);
	putf(",\"prog\":%d,\"name\":\"%s\"", prog, name);
	if (next_filled >= 0)
		putf(",\"next_filled\":%s", next_filled ? "true" : "false");
	putf(",\"addr\":\"%llx\",\"len\":%u", (unsigned long long)(nksyms && info.jited_ksyms ? ksyms[0] : 0), img_len);
	put_kv_str("symbol", symbol);
	/*
	 * A program with subprograms is several functions laid out one after the other in the image, each at
	 * its own address: `funcs` gives each one's address and length, so a `call rel32` can be resolved.
	 * One function (every chain of Benchmark 1): no field, the record as before.
	 */
	if (nksyms > 1 && nlens == nksyms && info.jited_func_lens) {
		put(",\"funcs\":[");
		for (__u32 f = 0; f < nksyms; f++)
			putf("%s{\"addr\":\"%llx\",\"len\":%u}", f ? "," : "", (unsigned long long)ksyms[f], lens[f]);
		put("]");
	}
	put(",\"hex\":");
	put_hex(img, info.jited_prog_insns ? img_len : 0);
	finish();
	/*
	 * len 0 (never JITed: the interpreter runs it) and a withheld image (len > 0, no bytes) are states of
	 * the kernel, not failures: the host names them (no-jit, image-unavailable).
	 */
	free(img);
	free(ksyms);
	free(lens);
}

void dump_jit(const char *variant, const struct chain *c)
{
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "prog_%d", i);
		dump_prog_jit("variant", variant, i, name, c->prog_fd[i], i + 1 < CHAIN_PROGRAMS);
	}
}
