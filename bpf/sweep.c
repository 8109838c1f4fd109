// SPDX-License-Identifier: GPL-2.0
/*
 * One variant: load its chain, fill the prog array, dump the JIT (jit_dump.c), then time every depth
 * in a seeded random order with BPF_PROG_TEST_RUN (`variant` and `sample` records).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"

static int load_chain(const struct opts *o, const char *variant, struct chain *c, char *objname, size_t objname_len)
{
	char path[4096];
	snprintf(objname, objname_len, "tailcall_%s.bpf.o", variant);
	snprintf(path, sizeof(path), "%s/%s", o->objdir, objname);
	libbpf_log_clear();
	c->obj = bpf_object__open_file(path, NULL);
	if (!c->obj) {
		report_error("open", variant, "%s: %s", path, strerror(errno));
		return -1;
	}
	int e = bpf_object__load(c->obj);
	if (e) {
		report_error("load", variant, "bpf_object__load: %d (%s): %s", e, strerror(-e), libbpf_log_tail());
		return -1;
	}
	c->map_fd = bpf_object__find_map_fd_by_name(c->obj, "jmp_table");
	if (c->map_fd < 0) {
		report_error("load", variant, "map jmp_table not found in %s", objname);
		return -1;
	}
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "prog_%d", i);
		struct bpf_program *p = bpf_object__find_program_by_name(c->obj, name);
		c->prog_fd[i] = p ? bpf_program__fd(p) : -1;
		if (c->prog_fd[i] < 0) {
			report_error("load", variant, "program %s not found in %s", name, objname);
			return -1;
		}
	}
	return 0;
}

int set_slot(struct chain *c, int slot, int filled)
{
	__u32 key = (__u32)slot;
	int e;
	if (c->filled[slot] == filled)
		return 0;
	if (filled) {
		e = bpf_map_update_elem(c->map_fd, &key, &c->prog_fd[slot], BPF_ANY);
	} else {
		e = bpf_map_delete_elem(c->map_fd, &key);
		if (e == -ENOENT || (e < 0 && errno == ENOENT))
			e = 0;
	}
	if (e == 0)
		c->filled[slot] = filled;
	return e;
}

static uint64_t rng_state;

/* xorshift64*: a seeded, reproducible shuffle without pulling in anything. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

void seed_rng(unsigned long long seed)
{
	/* xorshift must not start at 0. */
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static void sweep(const struct opts *o, const char *variant, struct chain *c)
{
	int depths[CHAIN_PROGRAMS];
	int nd = o->max_depth + 1;
	for (int d = 0; d < nd; d++)
		depths[d] = d;
	for (int d = nd - 1; d > 0; d--) { /* Fisher-Yates */
		int j = (int)(rng_next() % (uint64_t)(d + 1));
		int t = depths[d];
		depths[d] = depths[j];
		depths[j] = t;
	}

	/* Ethernet + IPv4 + UDP headers, zero payload: a valid frame for any classifier. */
	unsigned char frame[FRAME_LEN] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, 0x45, 0x00,
					  0x00, 50,   0, 0, 0x40, 0, 0x40, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
					  0x30, 0x39, 0x30, 0x39, 0x00, 30};

	for (int k = 0; k < nd; k++) {
		int depth = depths[k];
		for (int s = 1; s < CHAIN_PROGRAMS; s++) {
			if (set_slot(c, s, s <= depth)) {
				report_error("fill", variant, "depth %d slot %d: %s", depth, s, strerror(errno));
				return;
			}
		}
		for (int call = 0; call < o->warmup + o->samples; call++) {
			LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame),
				    .repeat = o->repeat);
			int e = bpf_prog_test_run_opts(c->prog_fd[0], &t);
			if (e) {
				report_error("run", variant, "depth %d: BPF_PROG_TEST_RUN: %d (%s)", depth, e, strerror(-e));
				return;
			}
			if (call < o->warmup)
				continue;
			begin("sample");
			put_kv_str("variant", variant);
			putf(",\"depth\":%d,\"duration_ns\":%u,\"retval\":%u,\"repeat\":%u", depth, t.duration, t.retval,
			     o->repeat);
			finish();
			if (t.retval != (__u32)depth)
				report_error("retval", variant, "depth %d: retval %u, expected %d", depth, t.retval, depth);
		}
	}
}

int prepare_variant(const struct opts *o, const char *variant, struct chain *c)
{
	char objname[64];
	if (load_chain(o, variant, c, objname, sizeof(objname)) != 0)
		return -1;
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		if (set_slot(c, i, 1)) {
			report_error("fill", variant, "slot %d: %s", i, strerror(errno));
			return -1;
		}
	}
	struct bpf_map_info mi;
	__u32 mlen = sizeof(mi);
	memset(&mi, 0, sizeof(mi));
	bpf_obj_get_info_by_fd(c->map_fd, &mi, &mlen);
	begin("variant");
	put_kv_str("variant", variant);
	put_kv_str("object", objname);
	putf(",\"programs\":%d,\"max_entries\":%u", CHAIN_PROGRAMS, mi.max_entries);
	finish();
	dump_jit(variant, c);
	return 0;
}

void run_variant(const struct opts *o, const char *variant)
{
	struct chain c;
	memset(&c, 0, sizeof(c));
	if (prepare_variant(o, variant, &c) == 0)
		sweep(o, variant, &c);
	bpf_object__close(c.obj);
}
