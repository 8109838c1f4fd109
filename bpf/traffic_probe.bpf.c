/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark 2's second method (bpf/PROTOCOL.md, "Benchmark 2: traffic"): a probe pair around the tc
 * classifier call that runs the chain, cls_bpf_classify, timing each invocation into a log2 histogram.
 * The agent loads either the fentry/fexit pair (needs the cls_bpf module's BTF) or the kprobe/kretprobe
 * pair (any kernel with kprobes); the other pair is not loaded (autoload off).
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define HIST_BUCKETS 64

/* When this CPU entered the classifier; softirq context, one classification at a time per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HIST_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

/* [0] invocations, [1] total ns. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static __always_inline void enter(void)
{
	__u32 k = 0;
	__u64 *t = bpf_map_lookup_elem(&start, &k);
	if (t)
		*t = bpf_ktime_get_ns();
}

static __always_inline void leave(void)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 k = 0;
	__u64 *t = bpf_map_lookup_elem(&start, &k);
	if (!t || *t == 0)
		return; /* attached while a classification was already running */
	__u64 d = now - *t;
	*t = 0;
	__u32 b = log2_u64(d);
	__u64 *h = bpf_map_lookup_elem(&hist, &b);
	if (h)
		__sync_fetch_and_add(h, 1);
	__u32 ck = 0, tk = 1;
	__u64 *c = bpf_map_lookup_elem(&totals, &ck);
	if (c)
		__sync_fetch_and_add(c, 1);
	__u64 *s = bpf_map_lookup_elem(&totals, &tk);
	if (s)
		__sync_fetch_and_add(s, d);
}

SEC("fentry/cls_bpf_classify")
int BPF_PROG(cls_entry_fentry)
{
	enter();
	return 0;
}

SEC("fexit/cls_bpf_classify")
int BPF_PROG(cls_exit_fexit)
{
	leave();
	return 0;
}

SEC("kprobe/cls_bpf_classify")
int cls_entry_kprobe(struct pt_regs *ctx)
{
	enter();
	return 0;
}

SEC("kretprobe/cls_bpf_classify")
int cls_exit_kretprobe(struct pt_regs *ctx)
{
	leave();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
