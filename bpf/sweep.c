// SPDX-License-Identifier: GPL-2.0
/*
 * The variants' chains: load each, fill its prog array, dump its JIT (jit_dump.c), then time every
 * depth with BPF_PROG_TEST_RUN, variants interleaved per depth, both orders seeded (`variant` and
 * `sample` records), pinned and at real-time priority, contaminated calls re-taken (isolation.c). With
 * --loads N the chains are loaded N times afresh and each load times every depth with its share of the
 * samples, so a depth's samples cover N placements of the JIT images.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"

int open_chain(const char *objdir, const char *objname, const char *prog_fmt, int nprogs, struct chain *c, char *why,
	       size_t why_len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", objdir, objname);
	libbpf_log_clear();
	c->obj = bpf_object__open_file(path, NULL);
	if (!c->obj) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return CHAIN_OPEN_FAILED;
	}
	int e = bpf_object__load(c->obj);
	if (e) {
		snprintf(why, why_len, "bpf_object__load: %d (%s): %s", e, strerror(-e), libbpf_log_tail());
		return CHAIN_LOAD_FAILED;
	}
	c->map_fd = bpf_object__find_map_fd_by_name(c->obj, "jmp_table");
	if (c->map_fd < 0) {
		snprintf(why, why_len, "map jmp_table not found in %s", objname);
		return CHAIN_INCOMPLETE;
	}
	for (int i = 0; i < nprogs; i++) {
		char name[32];
		snprintf(name, sizeof(name), prog_fmt, i);
		struct bpf_program *p = bpf_object__find_program_by_name(c->obj, name);
		c->prog_fd[i] = p ? bpf_program__fd(p) : -1;
		if (c->prog_fd[i] < 0) {
			snprintf(why, why_len, "program %s not found in %s", name, objname);
			return CHAIN_INCOMPLETE;
		}
	}
	return 0;
}

static int load_chain(const struct opts *o, const char *variant, struct chain *c, char *objname, size_t objname_len)
{
	char why[LIBBPF_LOG_KEEP + 4096 + 128];
	snprintf(objname, objname_len, "tailcall_%s.bpf.o", variant);
	int e = open_chain(o->objdir, objname, "prog_%d", CHAIN_PROGRAMS, c, why, sizeof(why));
	if (e)
		report_error(e == CHAIN_OPEN_FAILED ? "open" : "load", variant, "%s", why);
	return e ? -1 : 0;
}

static int set_slot(struct chain *c, int slot, int filled)
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

void shuffle(int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(rng_next() % (uint64_t)(i + 1));
		int t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* Ethernet + IPv4 + UDP headers, zero payload: a valid frame for any classifier. */
static unsigned char frame[FRAME_LEN] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, 0x45, 0x00,
					 0x00, 50,   0, 0, 0x40, 0, 0x40, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
					 0x30, 0x39, 0x30, 0x39, 0x00, 30};

int fill_depth(const char *variant, struct chain *c, int depth)
{
	for (int s = 1; s < CHAIN_PROGRAMS; s++) {
		if (set_slot(c, s, s <= depth)) {
			report_error("fill", variant, "depth %d slot %d: %s", depth, s, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * One label at one depth, its program set for the depth: warm-up calls, then the timed samples. A call
 * during which the thread was switched out (isolation.c) is written with `retaken` and timed again, up to
 * --retakes times per label and depth; after that a contaminated call is kept, flagged, and the host
 * leaves it out of the estimate. The retval is the number of transfers that happened. -1 on error.
 */
int time_prog(const struct opts *o, const char *key, const char *label, int prog_fd, int depth, int samples, int load,
	      int *retakes_left)
{
	for (int call = 0; call < o->warmup + samples; call++) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame), .repeat = o->repeat);
		struct sched_window w;
		window_open(&w);
		int e = bpf_prog_test_run_opts(prog_fd, &t);
		window_close(&w);
		if (e) {
			report_error("run", label, "depth %d: BPF_PROG_TEST_RUN: %d (%s)", depth, e, strerror(-e));
			return -1;
		}
		if (call < o->warmup)
			continue;
		int retaken = w.contaminated && *retakes_left > 0;
		begin("sample");
		put_kv_str(key, label);
		putf(",\"depth\":%d,\"duration_ns\":%u,\"retval\":%u,\"repeat\":%u,\"load\":%d", depth, t.duration, t.retval,
		     o->repeat, load);
		put_window(&w);
		putf(",\"retaken\":%s", retaken ? "true" : "false");
		finish();
		if (t.retval != (__u32)depth)
			report_error("retval", label, "depth %d: retval %u, expected %d", depth, t.retval, depth);
		if (retaken) {
			(*retakes_left)--;
			call--;
		}
	}
	return 0;
}

/* One variant at one depth: its slots filled for the depth, then `samples` timed calls (time_prog). -1 on error. */
static int time_depth(const struct opts *o, const char *variant, struct chain *c, int depth, int samples, int load)
{
	if (fill_depth(variant, c, depth))
		return -1;
	int retakes_left = o->retakes;
	return time_prog(o, "variant", variant, c->prog_fd[0], depth, samples, load, &retakes_left);
}

/*
 * Load the variant's chain and fill slots 0..33; with `record`, write its `variant` record and dump its
 * JIT. 0 when it is ready to be timed.
 */
static int load_variant(const struct opts *o, const char *variant, struct chain *c, int record)
{
	char objname[64];
	if (load_chain(o, variant, c, objname, sizeof(objname)))
		return -1;
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		if (set_slot(c, i, 1)) {
			report_error("fill", variant, "slot %d: %s", i, strerror(errno));
			return -1;
		}
	}
	if (!record)
		return 0;
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

int prepare_variant(const struct opts *o, const char *variant, struct chain *c)
{
	return load_variant(o, variant, c, 1);
}

/*
 * One load's sweep, its chains loaded: each depth, in a seeded shuffled order, times every variant in a
 * fresh seeded order, `samples` calls each. Run back to back, a slow drift of the machine (frequency, a
 * neighbour, thermal) would land in the direct-vs-indirect difference; interleaved, both variants see the
 * same drift at every depth. See docs/measurement.md, "Interleaved variants". A variant that fails at a
 * depth is skipped after it, in this load and every later one (ready[] is the caller's).
 */
static void sweep_load(const struct opts *o, struct chain *chains, int *ready, int samples, int load)
{
	int depths[CHAIN_PROGRAMS], nd = o->max_depth + 1;
	for (int d = 0; d < nd; d++)
		depths[d] = d;
	shuffle(depths, nd);
	for (int k = 0; k < nd; k++) {
		int order[MAX_VARIANTS];
		for (int v = 0; v < o->nvariants; v++)
			order[v] = v;
		shuffle(order, o->nvariants);
		for (int i = 0; i < o->nvariants; i++) {
			int v = order[i];
			if (ready[v] && time_depth(o, o->variants[v], &chains[v], depths[k], samples, load))
				ready[v] = 0;
		}
	}
}

/*
 * Every variant's chain is loaded (and its JIT dumped) before any is timed. With --loads N, after each
 * load's sweep the chains are closed and loaded afresh, so the JIT places them anew; the samples are
 * shared out among the loads (the first loads take one more when they do not divide). The JIT images
 * are dumped from the first load only: the same objects on the same kernel JIT to the same code, only
 * the addresses differ. Isolation starts after the first load (its loads and JIT dumps need no
 * protection, and they may sleep) and lasts over the later loads, which only load and fill.
 */
static void run_variants(const struct opts *o)
{
	int ready[MAX_VARIANTS];
	for (int v = 0; v < o->nvariants; v++)
		ready[v] = 1;
	for (int load = 0; load < sweep_loads(o); load++) {
		struct chain chains[MAX_VARIANTS];
		memset(chains, 0, sizeof(chains));
		for (int v = 0; v < o->nvariants; v++)
			if (ready[v])
				ready[v] = load_variant(o, o->variants[v], &chains[v], load == 0) == 0;
		if (load == 0)
			isolate_sweep(o->no_isolate);
		sweep_load(o, chains, ready, load_samples(o, load), load);
		for (int v = 0; v < o->nvariants; v++)
			bpf_object__close(chains[v].obj);
	}
	restore_isolation();
}

int sweep_loads(const struct opts *o)
{
	return o->loads < o->samples ? o->loads : o->samples;
}

int load_samples(const struct opts *o, int load)
{
	int loads = sweep_loads(o);
	return o->samples / loads + (load < o->samples % loads);
}

static void test_run_hello(const struct opts *o)
{
	putf(",\"loads\":%d", sweep_loads(o));
}

const struct bench bench_test_run = {
	.name = "test-run",
	.hello = test_run_hello,
	.run = run_variants,
};
