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

/* The chain's return value, kept as calls seen, smallest and largest. */
static __always_inline void record(__u64 r)
{
	__u32 k0 = 0, k1 = 1, k2 = 2;
	__u64 *n = bpf_map_lookup_elem(&seen, &k0);
	__u64 *lo = bpf_map_lookup_elem(&seen, &k1);
	__u64 *hi = bpf_map_lookup_elem(&seen, &k2);
	if (!n || !lo || !hi)
		return;
	__sync_fetch_and_add(n, 1);
	if (r < *lo)
		*lo = r;
	if (r > *hi)
		*hi = r;
}

/*
 * prog_0 has no parameter in its BTF (bpf/tailcall.bpf.h), yet newer kernels' trampolines still save the
 * context in the first slot, so the slot the BTF names is not the return value there: bpf_get_func_ret
 * (Linux >= 5.17) reads it wherever it is. The agent tries this program first and chain_exit_ctx after.
 */
SEC("fexit/prog_0")
int chain_exit(void *ctx)
{
	__u64 ret = 0;
	if (bpf_get_func_ret(ctx, &ret) == 0)
		record((__u32)ret);
	return 0;
}

/* Before bpf_get_func_ret (5.10): the return value follows the BTF's parameters, here none. */
SEC("fexit/prog_0")
int BPF_PROG(chain_exit_ctx, int ret)
{
	record((__u32)ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
