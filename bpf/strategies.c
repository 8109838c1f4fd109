// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 3 (bpf/PROTOCOL.md, "Benchmark 3: strategies"): what each alternative to a tail call costs per
 * transfer. Every strategy's chain is loaded (a kernel or verifier that refuses one makes it `unsupported`
 * with the reason, never an error), its JIT images dumped, then the depths are timed with BPF_PROG_TEST_RUN,
 * strategies interleaved per depth as Benchmark 1 interleaves its variants (sweep.c time_prog).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"

/* How a strategy's depth is set at run time. */
enum depth_by {
	/* Slots 1..depth of the prog array filled (the tail-call chains). */
	BY_SLOTS,
	/* One program per depth (a call chain cannot be cut short without a branch). */
	BY_PROGRAM,
	/* The iteration count in the object's .data. */
	BY_LOOP_COUNT,
	/* Not built into this agent (the reason says why). */
	BY_NONE,
};

struct strategy {
	const char *name;
	const char *object;
	/* Program names, printf'd with 0..nprogs-1. */
	const char *prog_fmt;
	int nprogs;
	enum depth_by by;
	/* The deepest depth the strategy allows, and which limit sets it (the `strategy` record's `limit`). */
	int limit;
	const char *limit_why;
	/* The first Linux release that has the strategy on x86-64 (the `strategy` record's `needs`). */
	const char *needs;
};

static const struct strategy strategies[] = {
	{"tailcall-const", "tailcall_direct.bpf.o", "prog_%d", CHAIN_PROGRAMS, BY_SLOTS, CHAIN_PROGRAMS - 1, "33 tail calls", "4.2 (a patched direct jmp on x86-64 from 5.5)"},
	{"tailcall-dynamic", "tailcall_indirect.bpf.o", "prog_%d", CHAIN_PROGRAMS, BY_SLOTS, CHAIN_PROGRAMS - 1, "33 tail calls", "4.2"},
	{"call-static", "strategies_call.bpf.o", "c%d_0", 8, BY_PROGRAM, 7, "8 call frames", "4.16"},
	{"call-global", "strategies_global.bpf.o", "g%d_0", 8, BY_PROGRAM, 7, "8 call frames", "5.6"},
	{"tailcall-subprog", "strategies_tailsub.bpf.o", "prog_%d", CHAIN_PROGRAMS, BY_SLOTS, CHAIN_PROGRAMS - 1,
	 "33 tail calls; frames of at most 256 bytes when calls and tail calls mix", "5.10"},
	{"loop", "strategies_loop.bpf.o", "loop_%d", 1, BY_LOOP_COUNT, CHAIN_PROGRAMS - 1, "as the chains (bpf_loop allows 8388608)", "5.17"},
	{"gotox", NULL, NULL, 0, BY_NONE, 0, "", "6.19"},
};
#define NSTRATEGIES (int)(sizeof(strategies) / sizeof(strategies[0]))

/* One loaded strategy. */
struct loaded {
	const struct strategy *s;
	struct chain c;
	int ready;
	int max_depth;
	/* BY_LOOP_COUNT: the .data map (key_offset, loop_count). */
	int data_fd;
};

static int parse_strategies(struct strategies_opts *so, const char *list, char *why, size_t why_len)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	so->n = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int k = 0;
		while (k < NSTRATEGIES && strcmp(strategies[k].name, tok))
			k++;
		for (int i = 0; i < so->n && k < NSTRATEGIES; i++)
			if (so->which[i] == k)
				k = NSTRATEGIES;
		if (k == NSTRATEGIES || so->n == MAX_STRATEGIES) {
			snprintf(why, why_len, "--strategies: %s is not a strategy, or is named twice (tailcall-const, "
				 "tailcall-dynamic, call-static, call-global, tailcall-subprog, loop, gotox)", tok);
			return -1;
		}
		so->which[so->n++] = k;
	}
	if (!so->n) {
		snprintf(why, why_len, "--strategies: empty list");
		return -1;
	}
	return 0;
}

/* gotox (indirect jumps inside one program through an instruction array) came with Linux 6.19. */
static void gotox_reason(char *why, size_t why_len)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	if (major < 6 || (major == 6 && minor < 19))
		snprintf(why, why_len, "kernel %d.%d has no gotox (instruction-array indirect jumps came with 6.19)", major, minor);
	else
		snprintf(why, why_len, "kernel %d.%d has gotox, but this agent cannot build it: it needs an instruction-array "
			 "map, which libbpf 1.1.2 (the agent's) cannot create, and clang >= 21 to assemble it (the agent's is 14)",
			 major, minor);
}

static int find_data_map(struct loaded *l, char *why, size_t why_len)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, l->c.obj) {
		const char *n = bpf_map__name(m);
		size_t len = strlen(n);
		if (bpf_map__is_internal(m) && len >= 5 && !strcmp(n + len - 5, ".data")) {
			/* key_offset then loop_count (declaration order): two u32. */
			if (bpf_map__value_size(m) != 8) {
				snprintf(why, why_len, "%s: .data is %u bytes, expected 8 (key_offset, loop_count)", l->s->object,
					 bpf_map__value_size(m));
				return -1;
			}
			l->data_fd = bpf_map__fd(m);
			return 0;
		}
	}
	snprintf(why, why_len, "%s: no .data map", l->s->object);
	return -1;
}

/* The program that runs depth d, set up for it; -1 after an error record. */
static int set_depth(struct loaded *l, int d)
{
	switch (l->s->by) {
	case BY_SLOTS:
		return fill_depth(l->s->name, &l->c, d) ? -1 : l->c.prog_fd[0];
	case BY_PROGRAM:
		return l->c.prog_fd[d];
	case BY_LOOP_COUNT: {
		__u32 key = 0, value[2] = {0, (__u32)d};
		if (bpf_map_update_elem(l->data_fd, &key, value, BPF_ANY)) {
			report_error("fill", l->s->name, "depth %d: .data: %s", d, strerror(errno));
			return -1;
		}
		return l->c.prog_fd[0];
	}
	case BY_NONE:
		break;
	}
	return -1;
}

/*
 * The verifier's own words when the load log has them (the lines between libbpf's BEGIN/END PROG LOAD LOG
 * markers, less the `processed ...` statistics), else what libbpf said: the reason a strategy is unsupported.
 */
static void verifier_reason(const char *why, char *out, size_t out_len)
{
	const char *begin = strstr(why, "-- BEGIN PROG LOAD LOG --\n");
	if (!begin) {
		snprintf(out, out_len, "%s", why);
		return;
	}
	begin += strlen("-- BEGIN PROG LOAD LOG --\n");
	const char *end = strstr(begin, "\nprocessed ");
	if (!end)
		end = strstr(begin, "-- END PROG LOAD LOG --");
	int n = end ? (int)(end - begin) : (int)strlen(begin);
	snprintf(out, out_len, "the verifier refused it: %.*s", n, begin);
}

static void strategy_record(const struct loaded *l, const char *status, const char *why)
{
	begin("strategy");
	put_kv_str("strategy", l->s->name);
	put_kv_str("status", status);
	if (l->s->object)
		put_kv_str("object", l->s->object);
	putf(",\"programs\":%d,\"min_depth\":0,\"max_depth\":%d", l->s->nprogs, l->max_depth);
	put_kv_str("limit", l->s->limit_why);
	put_kv_str("needs", l->s->needs);
	if (why)
		put_kv_str("reason", why);
	finish();
}

/*
 * Load and fill; with `record` (the first load) also the `strategy` record and the `jit` records. l->ready
 * when it can be timed. A later load is the same objects loaded afresh (--loads): only a strategy that
 * was ready comes here again, and a failure then is an error, not "unsupported".
 */
static void prepare_strategy(const struct opts *o, struct loaded *l, int record)
{
	char why[LIBBPF_LOG_KEEP + 4096 + 128];
	l->ready = 0;
	memset(&l->c, 0, sizeof(l->c));
	l->max_depth = o->max_depth < l->s->limit ? o->max_depth : l->s->limit;
	if (l->s->by == BY_NONE) {
		gotox_reason(why, sizeof(why));
		strategy_record(l, "unsupported", why);
		return;
	}
	int e = open_chain(o->objdir, l->s->object, l->s->prog_fmt, l->s->nprogs, &l->c, why, sizeof(why));
	if (e == CHAIN_LOAD_FAILED && record) {
		/* The kernel lacks it (an unknown helper, no subprogram tail calls) or the verifier refuses it. */
		char reason[sizeof(why)];
		verifier_reason(why, reason, sizeof(reason));
		strategy_record(l, "unsupported", reason);
		return;
	}
	if (e || (l->s->by == BY_LOOP_COUNT && find_data_map(l, why, sizeof(why)))) {
		report_error(e == CHAIN_OPEN_FAILED ? "open" : "load", l->s->name, "%s", why);
		return;
	}
	/* Every slot filled for the dump, as Benchmark 1: the images are those of the deepest chain. */
	if (l->s->by == BY_SLOTS && fill_depth(l->s->name, &l->c, CHAIN_PROGRAMS - 1))
		return;
	l->ready = 1;
	if (!record)
		return;
	strategy_record(l, "ready", NULL);
	for (int i = 0; i < l->s->nprogs; i++) {
		char name[32];
		snprintf(name, sizeof(name), l->s->prog_fmt, i);
		dump_prog_jit("strategy", l->s->name, i, name, l->c.prog_fd[i], l->s->by == BY_SLOTS ? i + 1 < l->s->nprogs : -1);
	}
}

/* One load's sweep: every depth in a seeded shuffled order, the ready strategies in a fresh order at each. */
static void sweep_strategies(const struct opts *o, struct loaded *ls, int n, int deepest, int samples, int load)
{
	int depths[CHAIN_PROGRAMS], nd = deepest + 1;
	for (int d = 0; d < nd; d++)
		depths[d] = d;
	shuffle(depths, nd);
	for (int k = 0; k < nd; k++) {
		int order[MAX_STRATEGIES];
		for (int i = 0; i < n; i++)
			order[i] = i;
		shuffle(order, n);
		for (int i = 0; i < n; i++) {
			struct loaded *l = &ls[order[i]];
			if (!l->ready || depths[k] > l->max_depth)
				continue;
			int fd = set_depth(l, depths[k]), retakes_left = o->retakes;
			if (fd < 0 || time_prog(o, "strategy", l->s->name, fd, depths[k], samples, load, &retakes_left))
				l->ready = 0;
		}
	}
}

/*
 * As Benchmark 1 (sweep.c run_variants): with --loads N the strategies are loaded afresh N times and each
 * load sweeps every depth with its share of the samples; the records and JIT images come from the first.
 */
static void run_strategies(const struct opts *o)
{
	struct loaded ls[MAX_STRATEGIES];
	memset(ls, 0, sizeof(ls));
	int n = o->strategies.n, deepest = 0;
	for (int i = 0; i < n; i++)
		ls[i].s = &strategies[o->strategies.which[i]];
	for (int load = 0; load < sweep_loads(o); load++) {
		for (int i = 0; i < n; i++) {
			if (load == 0)
				prepare_strategy(o, &ls[i], 1);
			else if (ls[i].ready)
				prepare_strategy(o, &ls[i], 0);
			if (load == 0 && ls[i].ready && ls[i].max_depth > deepest)
				deepest = ls[i].max_depth;
		}
		if (load == 0)
			isolate_sweep(o->no_isolate);
		sweep_strategies(o, ls, n, deepest, load_samples(o, load), load);
		for (int i = 0; i < n; i++) {
			bpf_object__close(ls[i].c.obj);
			ls[i].c.obj = NULL;
		}
	}
	restore_isolation();
}

static const struct option strategies_options[] = {
	{"strategies", required_argument, 0, 'G'},
	{0, 0, 0, 0},
};

static void strategies_defaults(struct opts *o)
{
	o->strategies.n = 0;
	for (int k = 0; k < NSTRATEGIES; k++)
		o->strategies.which[o->strategies.n++] = k;
}

static int strategies_parse_opt(struct opts *o, int ch, const char *arg, char *why, size_t why_len)
{
	return ch == 'G' ? parse_strategies(&o->strategies, arg, why, why_len) : -1;
}

static void strategies_hello(const struct opts *o)
{
	putf(",\"bench\":\"strategies\",\"loads\":%d,\"strategies\":[", sweep_loads(o));
	for (int i = 0; i < o->strategies.n; i++)
		putf("%s\"%s\"", i ? "," : "", strategies[o->strategies.which[i]].name);
	put("]");
}

const struct bench bench_strategies = {
	.name = "strategies",
	.options = strategies_options,
	.defaults = strategies_defaults,
	.parse_opt = strategies_parse_opt,
	.hello = strategies_hello,
	.run = run_strategies,
};
