// SPDX-License-Identifier: GPL-2.0
/*
 * What the agent's files share: the options, the JSON Lines writer (output.c), the host/guest
 * settings (setup.c), the kernel facts (fingerprint.c, thunks.c), the chain (sweep.c, jit_dump.c).
 * One job per file; main() in agent.c wires them in the order of bpf/PROTOCOL.md.
 */
#ifndef TAILMATRIX_AGENT_H
#define TAILMATRIX_AGENT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The stream's protocol (the hello record's `protocol`): 2 interleaves the variants per depth
 * (bpf/PROTOCOL.md, "Order"); 3 adds the `isolation` record, each sample's switch counters and run
 * time, and writes re-taken (contaminated) calls too. Every record's `v` is the record format, which
 * did not change: only fields were added, and a host ignores fields it does not know.
 */
#define PROTOCOL_VERSION 3
#define RECORD_VERSION 1
/* --variants takes each variant at most once. */
#define MAX_VARIANTS 2
/* --loads: a bound, not a target (each load costs a chain load, ~0.1-0.3 s natively). */
#define MAX_LOADS 100
/* Must match tailcall.bpf.h: 34 programs in a 40-slot array (slot 34 is never filled). */
#define CHAIN_PROGRAMS 34
/* A 64-byte Ethernet frame: the smallest frame on the wire, the same input as the reference studies. */
#define FRAME_LEN 64
/* Generous for one record: a JITed image of ~300 bytes is ~600 hex characters. */
#define LINE_MAX_LEN (256 * 1024)
/* Keep the tail of libbpf's log (the verifier's verdict is at the end) for error records. */
#define LIBBPF_LOG_KEEP 600

/* Benchmark 2 (traffic*.c): --bench traffic and its flags (bpf/PROTOCOL.md). */
struct traffic_opts {
	int depths[CHAIN_PROGRAMS];
	int ndepths;
	int duration_ms;
	int udp;
	int udp_rate;
	int udp_len;
	const char *iperf3;
	int sub_ms; /* sub-window: the methods' counters read this often within the window */
};

/* Benchmark 3 (strategies*.c): --bench strategies and its flag (bpf/PROTOCOL.md). */
#define MAX_STRATEGIES 8
struct strategies_opts {
	/* Indices into the strategy table of strategies.c, in --strategies order. */
	int which[MAX_STRATEGIES];
	int n;
};

struct bench;

struct opts {
	const char *objdir;
	const char *out;
	int max_depth;
	int samples;
	int warmup;
	unsigned int repeat;
	unsigned long long seed;
	/* Contaminated calls re-taken per variant and depth before contaminated samples are kept (flagged). */
	int retakes;
	/* --no-isolate: neither pinned nor prioritised (to measure what isolation buys). */
	int no_isolate;
	char variants[MAX_VARIANTS][16];
	int nvariants;
	/*
	 * --loads (test-run, strategies): fresh loads of the chains that a depth's samples are spread over. Where the JIT
	 * places the programs moves a chain's cost on some CPUs; one load is one draw of that placement
	 * (docs/measurement.md, "Where the JIT puts the code").
	 */
	int loads;
	/* The benchmark the agent received (--bench, default test-run): one entry of bench_table. */
	const struct bench *bench;
	struct traffic_opts traffic;
	struct strategies_opts strategies;
};

/*
 * One benchmark: one C file owns it (sweep.c test-run, traffic.c traffic, strategies.c strategies) and
 * exports only this; bench.c lists them, agent.c dispatches on the name it receives. A benchmark's own
 * flags are parsed by its file, whichever benchmark runs (so a flag's error does not depend on order).
 */
struct bench {
	const char *name;
	/* Its own long options ({0} ends them); parse_opt gets their val. NULL when it has none. */
	const struct option *options;
	void (*defaults)(struct opts *o);
	/* 0, or -1 with why (names the flag). */
	int (*parse_opt)(struct opts *o, int ch, const char *arg, char *why, size_t why_len);
	/* After parsing, when this benchmark runs: 0, or -1 with why. */
	int (*check)(const struct opts *o, char *why, size_t why_len);
	/* Its fields in the hello record (after the common ones); NULL writes none. */
	void (*hello)(const struct opts *o);
	void (*run)(const struct opts *o);
};

/* bench.c: every benchmark, NULL-terminated; the first is the default. */
extern const struct bench *const bench_table[];

struct bpf_object;

/* One loaded chain: the object, its prog array and the 34 programs. */
struct chain {
	struct bpf_object *obj;
	int map_fd;
	int prog_fd[CHAIN_PROGRAMS];
	/* What each slot holds now: only slots that change are written (each write re-patches JIT images). */
	int filled[CHAIN_PROGRAMS];
};

/* util.c: helpers below every other file (none of them calls back). */
/* CLOCK_MONOTONIC in ms: how long a stage took (elapsed, never a measured figure). */
long long now_ms(void);
/* Whole small file (proc/sysfs), trailing newline stripped; "" when absent. */
void read_small(const char *path, char *buf, size_t size);
/* 0 or -errno. */
int write_small(const char *path, const char *value);

/* output.c: one record at a time, begin() .. put*() .. finish(). */
extern unsigned long records;
extern unsigned long errors;
/* Opens --out (a tty is put in raw mode); -1 with errno when it cannot. */
int open_out(const char *path);
void close_out(void);
void begin(const char *type);
void finish(void);
void put_raw(const char *s, size_t n);
void put(const char *s);
void putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void put_str(const char *s);
void put_kv_str(const char *k, const char *v);
void put_hex(const unsigned char *b, size_t n);
void report_error(const char *stage, const char *variant, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* setup.c */
void capture_libbpf_log(void);
void libbpf_log_clear(void);
const char *libbpf_log_tail(void);
void setup_system(void);

/* sysctls.c: sets the JIT sysctls, restores what it changed at exit and on fatal signals. */
void set_sysctls(void);

/* fingerprint.c, thunks.c */
void emit_fingerprint(void);
void emit_thunks(void);

/* jit_dump.c: one `jit` record per program, labelled `"<key>":"<label>"` (variant or strategy). */
void dump_jit(const char *variant, const struct chain *c);
/* next_filled: 1/0, or -1 to leave the field out. A multi-function image adds `funcs` (PROTOCOL.md). */
void dump_prog_jit(const char *key, const char *label, int prog, const char *name, int fd, int next_filled);

/* isolation.c: pinning and priority for the sweep, and what happened to the thread in one timed window. */
struct sched_window {
	long nvcsw, nivcsw;
	/* CLOCK_MONOTONIC across the call; the thread's run time across it, -1 when schedstat gives none. */
	long long wall_ns, run_ns;
	int contaminated;
};
/* Pins to the current CPU at SCHED_FIFO, writes the `isolation` record (what it got, or why not). */
void isolate_sweep(int skip);
/* Puts the affinity and policy back as they were before isolate_sweep(). */
void restore_isolation(void);
void window_open(struct sched_window *w);
void window_close(struct sched_window *w);
/* The sample record's window fields (voluntary, involuntary, wall_ns, run_ns, contaminated). */
void put_window(const struct sched_window *w);

/* sweep.c */
void seed_rng(unsigned long long seed);
/* Opens and loads objdir/objname, finds jmp_table and nprogs programs named prog_fmt % i; 0, or one of these with why. */
#define CHAIN_OPEN_FAILED -1
#define CHAIN_LOAD_FAILED -2
#define CHAIN_INCOMPLETE -3
int open_chain(const char *objdir, const char *objname, const char *prog_fmt, int nprogs, struct chain *c, char *why,
	       size_t why_len);
/* Loads the variant's chain, fills it, writes its `variant` and `jit` records; -1 after an error record. */
int prepare_variant(const struct opts *o, const char *variant, struct chain *c);
/* Slots 1..depth filled, the rest empty (only changed slots are written); -1 after a `fill` error record. */
int fill_depth(const char *variant, struct chain *c, int depth);
/*
 * One label (a variant or a strategy) at one depth, the program already set for it: warm-up calls, then
 * `samples` timed calls, each a `sample` record labelled `"<key>":"<label>"`, switched-out calls re-taken (*retakes_left counts down).
 * -1 after an error record.
 */
int time_prog(const struct opts *o, const char *key, const char *label, int prog_fd, int depth, int samples, int load,
	      int *retakes_left);
/* The loads a sweep runs (--loads, at most one per sample) and the samples of load `load` (the first take the remainder). */
int sweep_loads(const struct opts *o);
int load_samples(const struct opts *o, int load);
/* Fisher-Yates over n ints from the one seeded generator (PROTOCOL.md, "Order"). */
void shuffle(int *a, int n);
extern const struct bench bench_test_run;

/* traffic.c, traffic_net.c, traffic_iperf.c: Benchmark 2 (bpf/PROTOCOL.md, "Benchmark 2: traffic"). */
#define TRAFFIC_TX_DEV "tmtx0"
#define TRAFFIC_RX_DEV "tmrx0"
#define TRAFFIC_TX_ADDR "10.199.0.1"
#define TRAFFIC_RX_ADDR "10.199.0.2"
/* The caller's namespace and the two private ones (descriptors only: nothing named, nothing pinned). */
struct traffic_net {
	int home;
	int tx_ns;
	int rx_ns;
};
extern const struct bench bench_traffic;
int open_traffic_net(struct traffic_net *n);
void close_traffic_net(struct traffic_net *n);
int enter_ns(int fd);
int start_iperf_server(const struct traffic_net *n, const char *iperf3);
void stop_child(int pid);
/* Runs the client for the window; its stdout (-J) in json; tick(ctx) every t->sub_ms while it runs; the exit status, or -1 when it could not run. */
int run_iperf_client(const struct traffic_net *n, const struct traffic_opts *t, char *json, size_t json_size, void (*tick)(void *),
		     void *ctx);

/* strategies.c: Benchmark 3 (bpf/PROTOCOL.md, "Benchmark 3: strategies"). */
extern const struct bench bench_strategies;

#endif
