/*
 * Per-tenant netdev XDP program (bpf/xsk_redirect.bpf.c) and its loader
 * (lib/xsk_prog.c): what both sides share. Compiles with `clang -target
 * bpf` and in user space: fixed-width types only, no libc.
 *
 * Maps (BPF map names):
 *
 *   tnt_xsk_map  XSKMAP[TENET_XSK_MAX_QUEUES]  rx queue -> AF_XDP socket,
 *                written by the loader (tenet_xsk_prog_set).
 *   tnt_xsk_cnt  PERCPU_ARRAY[TENET_XSK_CNT_MAX] __u64 counters.
 *
 * Every frame ends in exactly one counter: redirected (handed to the
 * socket of its rx queue; the socket may still drop it, see its
 * XDP_STATISTICS) or pass (no socket on that queue: XDP_PASS to the
 * stack).
 */
#ifndef TENET_BPF_TENET_XSK_H
#define TENET_BPF_TENET_XSK_H

#include <linux/types.h>

#define TENET_XSK_PROG_NAME  "tenet_xsk_redir" /* BPF program name, for cleanup */
#define TENET_XSK_MAX_QUEUES 64

enum tenet_xsk_cnt {
	TENET_XSK_CNT_REDIRECTED = 0, /* bpf_redirect_map found a socket */
	TENET_XSK_CNT_PASS,           /* no socket for the rx queue: XDP_PASS */
	TENET_XSK_CNT_MAX,
};

#endif /* TENET_BPF_TENET_XSK_H */
