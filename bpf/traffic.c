// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 2 (bpf/PROTOCOL.md, "Benchmark 2: traffic"): the same chains as Benchmark 1, attached with
 * tc clsact ingress on the receiving end of a veth pair between two private namespaces
 * (traffic_net.c), iperf3 pushing packets for a set time per depth (traffic_iperf.c), timed two ways at
 * once: bpf_stats of the entry program and a probe pair around cls_bpf_classify (traffic_probe.bpf.c),
 * then a short burst proving the chain's return value under real packets (traffic_seen.bpf.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"

#define HIST_BUCKETS 64
/* iperf3 -J -i 0 prints a few KiB; room for a chatty version. */
#define IPERF_JSON_MAX (128 * 1024)
#define SEEN_PACKETS 16
#define SEEN_WAIT_MS 5000
/* The discard port: nothing listens, the datagrams only have to cross the receiver's ingress. */
#define SEEN_PORT 9

static int parse_depths(struct traffic_opts *t, const char *list, char *why, size_t why_len)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	t->ndepths = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long d = strtol(tok, &end, 10);
		if (*end || d < 0 || d > CHAIN_PROGRAMS - 1 || t->ndepths == CHAIN_PROGRAMS) {
			snprintf(why, why_len, "--depths: %s is not a depth 0..%d", tok, CHAIN_PROGRAMS - 1);
			return -1;
		}
		/* Direct-action: the chain's return value is the tc verdict (PROTOCOL.md, "Depths"). */
		if (d == 2 || d == 4 || d == 7 || d == 8) {
			snprintf(why, why_len, "--depths: %ld is a tc verdict that stops the packet (2 drop, 4/8 consume, 7 redirect); pick another depth", d);
			return -1;
		}
		t->depths[t->ndepths++] = (int)d;
	}
	if (t->ndepths == 0) {
		snprintf(why, why_len, "--depths: empty list");
		return -1;
	}
	return 0;
}

struct probe {
	struct bpf_object *obj;
	struct bpf_program *entry, *exit;
	const char *attach;
	int start_fd, hist_fd, totals_fd;
	/* Why the method is missing (a kernel without kprobes or trampolines): a null figure, not a failed cell. */
	char error[700];
};

/* fentry/fexit when the kernel has BTF and trampolines for cls_bpf, else kprobe/kretprobe; -1 with p->error when neither loads. */
static int load_probe(const struct opts *o, struct probe *p)
{
	static const struct {
		const char *entry, *exit, *attach;
	} kinds[] = {
		{"cls_entry_fentry", "cls_exit_fexit", "fexit:cls_bpf_classify"},
		{"cls_entry_kprobe", "cls_exit_kretprobe", "kretprobe:cls_bpf_classify"},
	};
	char path[4096], why[2][320] = {"", ""};
	snprintf(path, sizeof(path), "%s/traffic_probe.bpf.o", o->objdir);
	for (size_t k = 0; k < 2; k++) {
		p->obj = bpf_object__open_file(path, NULL);
		if (!p->obj) {
			report_error("open", NULL, "%s: %s", path, strerror(errno));
			return -1;
		}
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, p->obj)
		{
			const char *n = bpf_program__name(prog);
			bpf_program__set_autoload(prog, !strcmp(n, kinds[k].entry) || !strcmp(n, kinds[k].exit));
		}
		int e = bpf_object__load(p->obj);
		if (e == 0) {
			p->entry = bpf_object__find_program_by_name(p->obj, kinds[k].entry);
			p->exit = bpf_object__find_program_by_name(p->obj, kinds[k].exit);
			p->attach = kinds[k].attach;
			p->start_fd = bpf_object__find_map_fd_by_name(p->obj, "start");
			p->hist_fd = bpf_object__find_map_fd_by_name(p->obj, "hist");
			p->totals_fd = bpf_object__find_map_fd_by_name(p->obj, "totals");
			return 0;
		}
		snprintf(why[k], sizeof(why[k]), "%s: load %d (%s)", kinds[k].attach, e, strerror(-e));
		bpf_object__close(p->obj);
		p->obj = NULL;
	}
	snprintf(p->error, sizeof(p->error), "no probe around cls_bpf_classify loads: %s; %s", why[0], why[1]);
	return -1;
}

static void zero_map(int fd, unsigned entries, size_t value_size)
{
	void *zeros = calloc(1, value_size);
	for (__u32 k = 0; k < entries; k++)
		bpf_map_update_elem(fd, &k, zeros, BPF_ANY);
	free(zeros);
}

static void reset_probe(const struct probe *p)
{
	zero_map(p->start_fd, 1, sizeof(__u64) * (size_t)libbpf_num_possible_cpus());
	zero_map(p->hist_fd, HIST_BUCKETS, sizeof(__u64));
	zero_map(p->totals_fd, 2, sizeof(__u64));
}

static __u64 map_u64(int fd, __u32 k)
{
	__u64 v = 0;
	bpf_map_lookup_elem(fd, &k, &v);
	return v;
}

struct seen {
	struct bpf_object *obj;
	struct bpf_program *prog;
	int map_fd;
	char error[400];
};

/* The fexit programs of traffic_seen.bpf.o, newest kernels' first: the first that loads is used. */
static const char *const SEEN_PROGS[] = {"chain_exit", "chain_exit_ctx"};

static void load_seen(const struct opts *o, const struct chain *c, struct seen *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/traffic_seen.bpf.o", o->objdir);
	for (size_t k = 0; k < sizeof(SEEN_PROGS) / sizeof(SEEN_PROGS[0]); k++) {
		s->obj = bpf_object__open_file(path, NULL);
		s->prog = s->obj ? bpf_object__find_program_by_name(s->obj, SEEN_PROGS[k]) : NULL;
		int e = s->prog ? bpf_program__set_attach_target(s->prog, c->prog_fd[0], "prog_0") : -ENOENT;
		/* Only this one is loaded: the other may use a helper the kernel lacks. */
		for (size_t m = 0; e == 0 && m < sizeof(SEEN_PROGS) / sizeof(SEEN_PROGS[0]); m++)
			if (m != k)
				bpf_program__set_autoload(bpf_object__find_program_by_name(s->obj, SEEN_PROGS[m]), false);
		libbpf_log_clear();
		if (e == 0)
			e = bpf_object__load(s->obj);
		if (e == 0) {
			s->map_fd = bpf_object__find_map_fd_by_name(s->obj, "seen");
			s->error[0] = '\0'; /* an earlier program's failure is not this window's */
			return;
		}
		/* The verifier's own words: an EINVAL alone does not say which rule the target broke. */
		snprintf(s->error, sizeof(s->error), "fexit on prog_0 (%s): load %d (%s): %s", SEEN_PROGS[k], e, strerror(-e), libbpf_log_tail());
		bpf_object__close(s->obj);
		s->obj = NULL;
	}
}

/* SEEN_PACKETS datagrams from the sender across the receiver's ingress, with the fexit attached: the chain's return value. */
static int prove_depth(const struct traffic_net *n, struct seen *s, __u64 *count, __u64 *value)
{
	__u64 init[3] = {0, ~0ULL, 0};
	for (__u32 k = 0; k < 3; k++)
		bpf_map_update_elem(s->map_fd, &k, &init[k], BPF_ANY);
	struct bpf_link *link = bpf_program__attach_trace(s->prog);
	if (!link) {
		snprintf(s->error, sizeof(s->error), "attaching fexit on prog_0: %s", strerror(errno));
		return -1;
	}
	enter_ns(n->tx_ns);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	enter_ns(n->home);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(SEEN_PORT)};
	inet_pton(AF_INET, TRAFFIC_RX_ADDR, &to.sin_addr);
	for (int i = 0; fd >= 0 && i < SEEN_PACKETS; i++)
		sendto(fd, "tailmatrix", 10, 0, (struct sockaddr *)&to, sizeof(to));
	if (fd >= 0)
		close(fd);
	for (long long t0 = now_ms(); map_u64(s->map_fd, 0) < SEEN_PACKETS && now_ms() - t0 < SEEN_WAIT_MS;)
		usleep(10000);
	bpf_link__destroy(link);
	*count = map_u64(s->map_fd, 0);
	__u64 lo = map_u64(s->map_fd, 1), hi = map_u64(s->map_fd, 2);
	if (*count == 0) {
		snprintf(s->error, sizeof(s->error), "no packet reached prog_0 in %d ms", SEEN_WAIT_MS);
		return -1;
	}
	if (lo != hi) {
		snprintf(s->error, sizeof(s->error), "return values differ: %llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*value = lo;
	return 0;
}

/* No trampoline on this kernel: the chain as filled, run once by BPF_PROG_TEST_RUN (not under traffic, and said so). */
static int test_run_depth(const struct chain *c, __u64 *value)
{
	unsigned char frame[FRAME_LEN] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame), .repeat = 1);
	if (bpf_prog_test_run_opts(c->prog_fd[0], &t))
		return -1;
	*value = t.retval;
	return 0;
}

/* clsact on the receiver, prog_0 on its ingress; a missing module is named (PROTOCOL.md, stage `module`). */
static int attach_tc(const struct traffic_net *n, const char *variant, int prog_fd, struct bpf_tc_hook *hook)
{
	enter_ns(n->rx_ns);
	hook->ifindex = (int)if_nametoindex(TRAFFIC_RX_DEV);
	hook->attach_point = BPF_TC_INGRESS;
	int e = bpf_tc_hook_create(hook);
	if (e && e != -EEXIST) {
		enter_ns(n->home);
		if (e == -ENOENT || e == -EOPNOTSUPP)
			report_error("module", variant, "sch_ingress: the kernel has no clsact qdisc (%s): it lacks the sch_ingress module", strerror(-e));
		else
			report_error("tc", variant, "bpf_tc_hook_create(clsact on %s): %s", TRAFFIC_RX_DEV, strerror(-e));
		return -1;
	}
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	e = bpf_tc_attach(hook, &opts);
	enter_ns(n->home);
	if (e == -ENOENT || e == -EOPNOTSUPP) {
		report_error("module", variant, "cls_bpf: the kernel has no bpf classifier (%s): it lacks the cls_bpf module", strerror(-e));
		return -1;
	}
	if (e) {
		report_error("tc", variant, "bpf_tc_attach(ingress of %s): %s", TRAFFIC_RX_DEV, strerror(-e));
		return -1;
	}
	return 0;
}

static void detach_tc(const struct traffic_net *n, struct bpf_tc_hook *hook)
{
	enter_ns(n->rx_ns);
	hook->attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; /* both: removes the clsact qdisc itself */
	bpf_tc_hook_destroy(hook);
	enter_ns(n->home);
}

/*
 * Sub-windows: the counters of both methods read every --sub-window-ms within the window, so the host has
 * several means per packet per depth and gives the depth an interval. One more than the most sub-windows
 * (the snapshot at the start); a window longer than that leaves its last sub-window long, never a gap.
 */
#define MAX_SUB 240

struct subwin {
	const struct chain *c;
	const struct probe *p;
	int stats_ok, probe_ok;
	int n; /* snapshots taken: the sub-windows are their n - 1 differences */
	__u64 stats[MAX_SUB + 1][2], probe[MAX_SUB + 1][2];
};

static __u64 map_u64(int fd, __u32 k);
static int read_stats(int prog_fd, __u64 *cnt, __u64 *ns);

/* One snapshot of the cumulative counters (a method that failed to read is dropped from the sub-windows). */
static void snapshot(void *ctx)
{
	struct subwin *sw = ctx;
	if (sw->n > MAX_SUB - 1)
		return; /* the final snapshot always has its slot */
	if (sw->stats_ok && read_stats(sw->c->prog_fd[0], &sw->stats[sw->n][0], &sw->stats[sw->n][1]) != 0)
		sw->stats_ok = 0;
	if (sw->probe_ok) {
		sw->probe[sw->n][0] = map_u64(sw->p->totals_fd, 0);
		sw->probe[sw->n][1] = map_u64(sw->p->totals_fd, 1);
	}
	sw->n++;
}

struct window {
	int depth;
	long long duration_ms;
	int stats_ok;
	__u64 run_cnt, run_time_ns;
	int probe_ok;
	__u64 count, total_ns, hist[HIST_BUCKETS];
	int seen_ok;
	const char *seen_via;
	__u64 seen_count, seen_value;
	int iperf_exit;
	struct subwin sub;
};

/* "sub_windows":{"ms":250,"bpf_stats":[[run_cnt,run_time_ns],...],"probe":[[count,total_ns],...]}: each the difference of two snapshots. */
static void emit_sub_windows(const struct traffic_opts *t, const struct subwin *sw)
{
	putf(",\"sub_windows\":{\"ms\":%d", t->sub_ms);
	const char *names[2] = {"bpf_stats", "probe"};
	for (int m = 0; m < 2; m++) {
		int ok = m == 0 ? sw->stats_ok : sw->probe_ok;
		const __u64(*v)[2] = m == 0 ? sw->stats : sw->probe;
		if (!ok || sw->n < 2) {
			putf(",\"%s\":null", names[m]);
			continue;
		}
		putf(",\"%s\":[", names[m]);
		for (int i = 1; i < sw->n; i++)
			putf("%s[%llu,%llu]", i > 1 ? "," : "", (unsigned long long)(v[i][0] - v[i - 1][0]), (unsigned long long)(v[i][1] - v[i - 1][1]));
		put("]");
	}
	put("}");
}

static void emit_window(const char *variant, const struct traffic_opts *t, const struct window *w, const char *probe_attach,
			const char *probe_error, const char *seen_error, const char *json)
{
	begin("traffic");
	put_kv_str("variant", variant);
	putf(",\"depth\":%d,\"protocol\":\"%s\",\"duration_ms\":%lld", w->depth, t->udp ? "udp" : "tcp", w->duration_ms);
	if (w->stats_ok)
		putf(",\"bpf_stats\":{\"run_cnt\":%llu,\"run_time_ns\":%llu}", (unsigned long long)w->run_cnt, (unsigned long long)w->run_time_ns);
	else
		put(",\"bpf_stats\":null");
	if (w->probe_ok) {
		put(",\"probe\":{\"attach\":");
		put_str(probe_attach);
		putf(",\"count\":%llu,\"total_ns\":%llu,\"hist\":[", (unsigned long long)w->count, (unsigned long long)w->total_ns);
		for (int i = 0; i < HIST_BUCKETS; i++)
			putf("%s%llu", i ? "," : "", (unsigned long long)w->hist[i]);
		put("]}");
	} else {
		put(",\"probe\":null");
	}
	if (w->seen_ok)
		putf(",\"chain_depth_seen\":%llu", (unsigned long long)w->seen_value);
	else
		put(",\"chain_depth_seen\":null");
	putf(",\"seen_count\":%llu", (unsigned long long)w->seen_count);
	put_kv_str("seen_via", w->seen_ok ? w->seen_via : "");
	if (seen_error[0])
		put_kv_str("seen_error", seen_error);
	if (!w->probe_ok)
		put_kv_str("probe_error", probe_error);
	emit_sub_windows(t, &w->sub);
	putf(",\"iperf_exit\":%d", w->iperf_exit);
	put_kv_str("iperf", json);
	finish();
}

static int read_stats(int prog_fd, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

/* One depth: stats and probe on for exactly the iperf3 client's run, then the proof burst. */
static void run_window(const struct opts *o, const struct traffic_net *n, const char *variant, struct chain *c, struct probe *p,
		       struct seen *s, struct window *w, char *json)
{
	const struct traffic_opts *t = &o->traffic;
	if (p->obj)
		reset_probe(p);
	int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		report_error("stats", variant, "BPF_ENABLE_STATS: %s", strerror(errno));
	__u64 cnt0 = 0, ns0 = 0, cnt1 = 0, ns1 = 0;
	w->stats_ok = stats_fd >= 0 && read_stats(c->prog_fd[0], &cnt0, &ns0) == 0;
	struct bpf_link *in = p->obj ? bpf_program__attach(p->entry) : NULL;
	struct bpf_link *out = in ? bpf_program__attach(p->exit) : NULL;
	if (p->obj && !out)
		snprintf(p->error, sizeof(p->error), "attaching %s: %s", p->attach, strerror(errno));
	/* The first snapshot is the window's start (stats as read before the probes; the probe maps were reset); the last its end. */
	struct subwin *sw = &w->sub;
	*sw = (struct subwin){.c = c, .p = p, .stats_ok = w->stats_ok, .probe_ok = out != NULL, .n = 1};
	sw->stats[0][0] = cnt0;
	sw->stats[0][1] = ns0;
	long long t0 = now_ms();
	w->iperf_exit = run_iperf_client(n, t, json, IPERF_JSON_MAX, snapshot, sw);
	w->duration_ms = now_ms() - t0;
	bpf_link__destroy(out);
	bpf_link__destroy(in);
	w->stats_ok = w->stats_ok && read_stats(c->prog_fd[0], &cnt1, &ns1) == 0;
	if (stats_fd >= 0)
		close(stats_fd);
	w->run_cnt = cnt1 - cnt0;
	w->run_time_ns = ns1 - ns0;
	w->probe_ok = out != NULL;
	if (w->probe_ok) {
		w->count = map_u64(p->totals_fd, 0);
		w->total_ns = map_u64(p->totals_fd, 1);
		for (int i = 0; i < HIST_BUCKETS; i++)
			w->hist[i] = map_u64(p->hist_fd, (__u32)i);
	}
	/* The final snapshot is the whole window's end figures, so the sub-windows add up to the window exactly. */
	sw->stats_ok = sw->stats_ok && w->stats_ok;
	sw->stats[sw->n][0] = cnt1;
	sw->stats[sw->n][1] = ns1;
	sw->probe[sw->n][0] = w->count;
	sw->probe[sw->n][1] = w->total_ns;
	sw->n++;
	if (w->iperf_exit != 0)
		report_error("iperf3", variant, "depth %d: %s -c exited with %d: %.300s", w->depth, t->iperf3, w->iperf_exit, json);
	/* Loaded per depth: a tracing program's attach target is used up by its first attach. */
	load_seen(o, c, s);
	w->seen_via = "fexit";
	w->seen_ok = s->obj && prove_depth(n, s, &w->seen_count, &w->seen_value) == 0;
	int loaded = s->obj != NULL;
	bpf_object__close(s->obj);
	s->obj = NULL;
	if (!loaded) {
		w->seen_via = "test-run";
		w->seen_ok = test_run_depth(c, &w->seen_value) == 0;
	}
	if (w->seen_ok && w->seen_value != (__u64)w->depth)
		report_error("retval", variant, "depth %d: the chain returned %llu under traffic", w->depth, (unsigned long long)w->seen_value);
}

static void traffic_variant(const struct opts *o, const struct traffic_net *n, const char *variant, char *json)
{
	struct chain c;
	memset(&c, 0, sizeof(c));
	if (prepare_variant(o, variant, &c) != 0) {
		bpf_object__close(c.obj);
		return;
	}
	LIBBPF_OPTS(bpf_tc_hook, hook);
	struct probe p = {0};
	struct seen s = {0};
	if (attach_tc(n, variant, c.prog_fd[0], &hook) == 0) {
		/* After the attach: cls_bpf is loaded now, so its BTF and symbol exist for the probe. */
		load_probe(o, &p);
		begin("traffic_setup");
		put_kv_str("variant", variant);
		put_kv_str("sender", TRAFFIC_TX_DEV);
		put_kv_str("receiver", TRAFFIC_RX_DEV);
		put_kv_str("sender_addr", TRAFFIC_TX_ADDR);
		put_kv_str("receiver_addr", TRAFFIC_RX_ADDR);
		put_kv_str("attach", "tc-ingress-da");
		put_kv_str("probe", p.obj ? p.attach : "");
		if (!p.obj)
			put_kv_str("probe_error", p.error);
		put_kv_str("stats", "enable-stats-fd");
		finish();
		for (int k = 0; k < o->traffic.ndepths; k++) {
			struct window w = {.depth = o->traffic.depths[k]};
			if (fill_depth(variant, &c, w.depth))
				break;
			s.error[0] = '\0';
			run_window(o, n, variant, &c, &p, &s, &w, json);
			emit_window(variant, &o->traffic, &w, p.attach, p.error, s.error, json);
		}
		detach_tc(n, &hook);
	}
	bpf_object__close(p.obj);
	bpf_object__close(c.obj);
}

static void run_traffic(const struct opts *o)
{
	struct traffic_net n;
	if (open_traffic_net(&n) != 0)
		return;
	char *json = malloc(IPERF_JSON_MAX);
	pid_t server = json ? start_iperf_server(&n, o->traffic.iperf3) : -1;
	if (server > 0) {
		for (int i = 0; i < o->nvariants; i++)
			traffic_variant(o, &n, o->variants[i], json);
	}
	stop_child(server);
	free(json);
	close_traffic_net(&n);
}

static const struct option traffic_options[] = {
	{"depths", required_argument, 0, 'D'},	   {"duration-ms", required_argument, 0, 'T'},
	{"protocol", required_argument, 0, 'P'},   {"udp-rate", required_argument, 0, 'R'},
	{"udp-len", required_argument, 0, 'L'},	   {"iperf3", required_argument, 0, 'I'},
	{"sub-window-ms", required_argument, 0, 'W'},
	{0, 0, 0, 0},
};

static void traffic_defaults(struct opts *o)
{
	o->traffic = (struct traffic_opts){.duration_ms = 1000, .udp_rate = 2000, .udp_len = 64, .iperf3 = "iperf3", .sub_ms = 250};
	char why[160];
	parse_depths(&o->traffic, "0,12,16,24,32", why, sizeof(why));
}

static int traffic_parse_opt(struct opts *o, int ch, const char *arg, char *why, size_t why_len)
{
	struct traffic_opts *t = &o->traffic;
	switch (ch) {
	case 'D': return parse_depths(t, arg, why, why_len);
	case 'T': t->duration_ms = atoi(arg); return 0;
	case 'P':
		t->udp = strcmp(arg, "udp") == 0;
		if (!t->udp && strcmp(arg, "tcp")) {
			snprintf(why, why_len, "--protocol: expected tcp or udp");
			return -1;
		}
		return 0;
	case 'R': t->udp_rate = atoi(arg); return 0;
	case 'L': t->udp_len = atoi(arg); return 0;
	case 'I': t->iperf3 = arg; return 0;
	case 'W': t->sub_ms = atoi(arg); return 0;
	}
	return -1;
}

static int traffic_check(const struct opts *o, char *why, size_t why_len)
{
	const struct traffic_opts *t = &o->traffic;
	if (t->duration_ms < 1 || t->udp_rate < 1 || t->udp_len < 16 || t->udp_len > 65000 || t->sub_ms < 10) {
		snprintf(why, why_len, "--duration-ms and --udp-rate must be >= 1, --udp-len 16..65000, --sub-window-ms >= 10");
		return -1;
	}
	return 0;
}

static void traffic_hello(const struct opts *o)
{
	put(",\"bench\":\"traffic\",\"depths\":[");
	for (int i = 0; i < o->traffic.ndepths; i++)
		putf("%s%d", i ? "," : "", o->traffic.depths[i]);
	putf("],\"duration_ms\":%d,\"traffic_protocol\":\"%s\",\"udp_rate\":%d,\"udp_len\":%d,\"sub_window_ms\":%d", o->traffic.duration_ms,
	     o->traffic.udp ? "udp" : "tcp", o->traffic.udp_rate, o->traffic.udp_len, o->traffic.sub_ms);
}

const struct bench bench_traffic = {
	.name = "traffic",
	.options = traffic_options,
	.defaults = traffic_defaults,
	.parse_opt = traffic_parse_opt,
	.check = traffic_check,
	.hello = traffic_hello,
	.run = run_traffic,
};
