// SPDX-License-Identifier: GPL-2.0
/*
 * tailmatrix measurement agent: runs as root inside the guest (or on the host itself for the running
 * kernel, src/vm/native.ts), parses the common flags, writes `hello`, the kernel facts, and hands over to
 * the benchmark it was given (--bench: bench.c's table; test-run in sweep.c loads the two tail-call
 * chains, dumps their JITed images and sweeps chain depths with BPF_PROG_TEST_RUN). Output is the JSON Lines protocol of bpf/PROTOCOL.md on --out (never
 * the kernel console). Linked statically against
 * bookworm's libbpf 1.1.2 so it runs in a bare busybox initramfs on any kernel 5.10 .. 7.x.
 *
 * Expected failures (load refused, retval mismatch) become `error` records and a non-zero exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include "agent.h"

/* A comma list of distinct variants: each is loaded once and timed at every depth. */
static int parse_variants(struct opts *o, const char *list)
{
	o->nvariants = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "direct") && strcmp(tok, "indirect"))
			return -1;
		for (int i = 0; i < o->nvariants; i++)
			if (!strcmp(o->variants[i], tok))
				return -1;
		snprintf(o->variants[o->nvariants++], sizeof(o->variants[0]), "%s", tok);
	}
	return o->nvariants ? 0 : -1;
}

/* A whole decimal number below 2^32 (it must stay exact as a JSON number and in the host's replay). */
static int parse_seed(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > 0xffffffffULL)
		return -1;
	*out = v;
	return 0;
}

/*
 * A fresh seed per run. time ^ pid alone repeats across guests: every guest's agent has the same pid and
 * cells booted in the same second (or under -icount's virtual clock) share the time, so all would time
 * the same order. The kernel's random pool differs per boot (RDRAND, interrupt timing); never blocks.
 * 32 bits: stays exact as a JSON number (< 2^53) so the host can replay the order.
 */
static unsigned long long fresh_seed(void)
{
	unsigned int r = 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		FILE *f = fopen("/dev/urandom", "rb");
		if (!f || fread(&r, sizeof(r), 1, f) != 1)
			r = 0;
		if (f)
			fclose(f);
	}
	unsigned long long mix = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() * 2654435761ULL) ^ r;
	return mix & 0xffffffffULL;
}

/* The long options: the common ones, then every benchmark's own (their vals are distinct, bench.c). */
static const struct option common_opts[] = {
	{"objdir", required_argument, 0, 'o'},	 {"out", required_argument, 0, 'O'},
	{"max-depth", required_argument, 0, 'd'}, {"samples", required_argument, 0, 's'},
	{"repeat", required_argument, 0, 'r'},	 {"variants", required_argument, 0, 'v'},
	{"seed", required_argument, 0, 'S'},	 {"warmup", required_argument, 0, 'w'},
	{"retakes", required_argument, 0, 'x'},	 {"no-isolate", no_argument, 0, 'N'},
	{"bench", required_argument, 0, 'b'},	 {"loads", required_argument, 0, 'A'},
	{0, 0, 0, 0},
};
#define MAX_OPTIONS 64

/* The benchmark owning option val ch, or NULL for a common option. */
static const struct bench *option_owner(int ch)
{
	for (const struct bench *const *b = bench_table; *b; b++)
		for (const struct option *op = (*b)->options; op && op->name; op++)
			if (op->val == ch)
				return *b;
	return NULL;
}

static const struct bench *bench_named(const char *name)
{
	for (const struct bench *const *b = bench_table; *b; b++)
		if (!strcmp((*b)->name, name))
			return *b;
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o = {.max_depth = 32, .samples = 10, .warmup = 1, .repeat = 20000, .retakes = -1, .loads = 1, .bench = bench_table[0]};
	int have_seed = 0, bad = 0;
	char bad_msg[256] = "";
	parse_variants(&o, "direct,indirect");
	struct option longopts[MAX_OPTIONS];
	int nopts = 0;
	for (const struct option *op = common_opts; op->name; op++)
		longopts[nopts++] = *op;
	for (const struct bench *const *b = bench_table; *b; b++) {
		if ((*b)->defaults)
			(*b)->defaults(&o);
		for (const struct option *op = (*b)->options; op && op->name && nopts < MAX_OPTIONS - 1; op++)
			longopts[nopts++] = *op;
	}
	memset(&longopts[nopts], 0, sizeof(longopts[0]));
	for (int ch; (ch = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		const struct bench *owner = ch == '?' ? NULL : option_owner(ch);
		if (owner) {
			if (owner->parse_opt(&o, ch, optarg, bad_msg, sizeof(bad_msg)))
				bad = 1;
			continue;
		}
		switch (ch) {
		case 'o': o.objdir = optarg; break;
		case 'O': o.out = optarg; break;
		case 'd': o.max_depth = atoi(optarg); break;
		case 's': o.samples = atoi(optarg); break;
		case 'r': o.repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': o.warmup = atoi(optarg); break;
		case 'N': o.no_isolate = 1; break;
		case 'A':
			o.loads = atoi(optarg);
			if (o.loads < 1 || o.loads > MAX_LOADS)
				bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--loads must be 1..%d", MAX_LOADS);
			break;
		case 'x': o.retakes = atoi(optarg); if (o.retakes < 0) bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--retakes must be >= 0"); break;
		case 'S':
			if (parse_seed(optarg, &o.seed)) {
				bad = 1;
				snprintf(bad_msg, sizeof(bad_msg), "--seed: expected a whole number 0..4294967295");
			}
			have_seed = 1;
			break;
		case 'v':
			if (parse_variants(&o, optarg)) {
				bad = 1;
				snprintf(bad_msg, sizeof(bad_msg), "--variants: expected direct and/or indirect, each once");
			}
			break;
		case 'b':
			o.bench = bench_named(optarg);
			if (!o.bench) {
				o.bench = bench_table[0];
				bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--bench: expected test-run, traffic or strategies");
			}
			break;
		default:
			bad = 1;
			snprintf(bad_msg, sizeof(bad_msg), "unknown option");
		}
	}
	if (!o.out) {
		fprintf(stderr, "usage: agent --objdir DIR --out PATH [--max-depth N] [--samples N] [--repeat N] "
				"[--variants direct,indirect] [--loads N] [--seed N] [--warmup N] [--retakes N] [--no-isolate]\n"
				"       agent --bench traffic --objdir DIR --out PATH [--depths 0,12,16,24,32] [--duration-ms N] "
				"[--protocol tcp|udp] [--udp-rate PPS] [--udp-len BYTES] [--iperf3 PATH]\n"
				"       agent --bench strategies --objdir DIR --out PATH [--strategies NAME,...] [--max-depth N] "
				"[--samples N] [--repeat N] [--loads N] [--seed N] [--warmup N] [--retakes N] [--no-isolate]\n");
		return 2;
	}
	if (open_out(o.out) < 0) {
		fprintf(stderr, "tailmatrix-agent: cannot open %s: %s\n", o.out, strerror(errno));
		return 2;
	}
	if (!bad && !o.objdir)
		bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--objdir is required");
	if (!bad && (o.max_depth < 0 || o.max_depth > CHAIN_PROGRAMS - 1))
		bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--max-depth must be 0..%d", CHAIN_PROGRAMS - 1);
	if (!bad && (o.samples < 1 || o.warmup < 0 || o.repeat < 1))
		bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--samples and --repeat must be >= 1, --warmup >= 0");
	/* Every benchmark's check, as before the table: a traffic flag out of range is refused whatever runs. */
	for (const struct bench *const *b = bench_table; *b && !bad; b++)
		if ((*b)->check && (*b)->check(&o, bad_msg, sizeof(bad_msg)))
			bad = 1;
	/* Default: as many re-takes per variant and depth as samples, so up to half the calls may be lost to preemption. */
	if (o.retakes < 0)
		o.retakes = o.samples;
	long long t0 = now_ms();
	if (!have_seed)
		o.seed = fresh_seed();
	seed_rng(o.seed);

	begin("hello");
	putf(",\"agent\":\"tailmatrix-agent\",\"protocol\":%d,\"seed\":%llu,\"max_depth\":%d,\"samples\":%d,"
	     "\"repeat\":%u,\"warmup\":%d,\"retakes\":%d,\"variants\":[",
	     PROTOCOL_VERSION, o.seed, o.max_depth, o.samples, o.repeat, o.warmup, o.retakes);
	for (int i = 0; i < o.nvariants; i++)
		putf("%s\"%s\"", i ? "," : "", o.variants[i]);
	put("]");
	if (o.bench->hello)
		o.bench->hello(&o);
	finish();

	if (bad) {
		report_error("args", NULL, "%s", bad_msg);
	} else {
		capture_libbpf_log();
		setup_system();
		emit_fingerprint();
		emit_thunks();
		o.bench->run(&o);
	}

	begin("end");
	putf(",\"status\":\"%s\",\"errors\":%lu,\"records\":%lu,\"elapsed_ms\":%lld", errors ? "error" : "ok", errors,
	     records, now_ms() - t0);
	finish();
	close_out();
	return bad ? 2 : errors ? 1 : 0;
}
