/*
 * Per-tenant netdev XDP program: every frame goes to the AF_XDP socket of
 * the queue it arrived on (XSKMAP keyed by rx_queue_index), or to the
 * stack (XDP_PASS) when that queue has no socket. One counter per outcome.
 * Maps and counters: bpf/tenet_xsk.h; loader: lib/xsk_prog.c.
 *
 * This is the program a tenant's own netdev (SR-IOV VF, or a per-tenant
 * veth fed by the classifier's DEVMAP steering) runs: the classifier has
 * already chosen the tenant, so nothing is parsed here.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tenet_xsk.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, TENET_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} tnt_xsk_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TENET_XSK_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tnt_xsk_cnt SEC(".maps");

static __always_inline void count(__u32 k)
{
	__u64 *c = bpf_map_lookup_elem(&tnt_xsk_cnt, &k);

	if (c)
		(*c)++;
}

SEC("xdp")
int tenet_xsk_redir(struct xdp_md *ctx)
{
	/* a queue without an entry (or beyond the map) falls back to XDP_PASS */
	long act = bpf_redirect_map(&tnt_xsk_map, ctx->rx_queue_index, XDP_PASS);

	count(act == XDP_REDIRECT ? TENET_XSK_CNT_REDIRECTED : TENET_XSK_CNT_PASS);
	return (int)act;
}
