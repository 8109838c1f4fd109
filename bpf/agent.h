// SPDX-License-Identifier: GPL-2.0
/*
 * What the agent's files share: the options, the JSON Lines writer (output.c), the host/guest
 * settings (setup.c), the kernel facts (fingerprint.c, thunks.c), the chain (sweep.c, jit_dump.c).
 * One job per file; main() in agent.c wires them in the order of bpf/PROTOCOL.md.
 */
#ifndef TAILMATRIX_AGENT_H
#define TAILMATRIX_AGENT_H

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
};

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
	int bench_traffic;
	struct traffic_opts traffic;
};

struct bpf_object;

/* One loaded chain: the object, its prog array and the 34 programs. */
struct chain {
	struct bpf_object *obj;
	int map_fd;
	int prog_fd[CHAIN_PROGRAMS];
	/* What each slot holds now: only slots that change are written (each write re-patches JIT images). */
	int filled[CHAIN_PROGRAMS];
};

/* agent.c */
/* CLOCK_MONOTONIC in ms: how long a stage took (elapsed, never a measured figure). */
long long now_ms(void);

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
void read_small(const char *path, char *buf, size_t size);
int write_small(const char *path, const char *value);
void capture_libbpf_log(void);
void libbpf_log_clear(void);
const char *libbpf_log_tail(void);
void setup_system(void);

/* sysctls.c: sets the JIT sysctls, restores what it changed at exit and on fatal signals. */
void set_sysctls(void);

/* fingerprint.c, thunks.c */
void emit_fingerprint(void);
void emit_thunks(void);

/* jit_dump.c */
void dump_jit(const char *variant, const struct chain *c);

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
/* Loads the variant's chain, fills it, writes its `variant` and `jit` records; -1 after an error record. */
int prepare_variant(const struct opts *o, const char *variant, struct chain *c);
/* Slots 1..depth filled, the rest empty (only changed slots are written); -1 after a `fill` error record. */
int fill_depth(const char *variant, struct chain *c, int depth);
/* Benchmark 1: every variant loaded, then the depths timed with the variants interleaved. */
void run_variants(const struct opts *o);

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
int parse_depths(struct traffic_opts *t, const char *list, char *why, size_t why_len);
void run_traffic(const struct opts *o);
int open_traffic_net(struct traffic_net *n);
void close_traffic_net(struct traffic_net *n);
int enter_ns(int fd);
int start_iperf_server(const struct traffic_net *n, const char *iperf3);
void stop_child(int pid);
/* Runs the client for the window; its stdout (-J) in json; the exit status, or -1 when it could not run. */
int run_iperf_client(const struct traffic_net *n, const struct traffic_opts *t, char *json, size_t json_size);

#endif
