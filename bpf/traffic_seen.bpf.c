/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Proof that the chain ran to the depth under real packets (bpf/PROTOCOL.md, "Proof of depth"): fexit
 * on the variant's entry program, prog_0, whose return value is the whole chain's (a tail call never
 * returns to its caller). The agent sets the attach target (the loaded prog_0) before loading.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* [0] calls seen, [1] smallest return value, [2] largest; [1] starts at ~0 (set by the agent). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("fexit/prog_0")
int BPF_PROG(chain_exit, void *skb, int ret)
{
	__u32 k0 = 0, k1 = 1, k2 = 2;
	__u64 r = (__u32)ret;
	__u64 *n = bpf_map_lookup_elem(&seen, &k0);
	__u64 *lo = bpf_map_lookup_elem(&seen, &k1);
	__u64 *hi = bpf_map_lookup_elem(&seen, &k2);
	if (!n || !lo || !hi)
		return 0;
	__sync_fetch_and_add(n, 1);
	if (r < *lo)
		*lo = r;
	if (r > *hi)
		*hi = r;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
