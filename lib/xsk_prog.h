/*
 * Loader of the per-tenant netdev XDP program (bpf/xsk_redirect.bpf.c):
 * puts it on an interface in native or generic mode and fills its XSKMAP
 * with AF_XDP sockets (lib/xsk.h), one per rx queue.
 *
 * The program is attached with bpf_xdp_attach, single program (no libxdp
 * dispatcher), and only if the interface has no XDP program in that mode.
 * A program left by a killed process is found by its name and removed by
 * tenet_xsk_prog_cleanup.
 *
 * Functions return 0 or -errno, constructors NULL with errno set; messages
 * go through tenet_log. One thread at a time per object.
 */
#ifndef TENET_LIB_XSK_PROG_H
#define TENET_LIB_XSK_PROG_H

#include <stdint.h>

#include "bpf/tenet_xsk.h"

struct tenet_xsk;

enum tenet_xsk_prog_mode {
	TENET_XSK_PROG_NATIVE,  /* driver mode (XDP_FLAGS_DRV_MODE) */
	TENET_XSK_PROG_GENERIC, /* skb mode, any netdev (XDP_FLAGS_SKB_MODE) */
};

struct tenet_xsk_prog;

/*
 * Load obj_path (e.g. build/bpf/xsk_redirect.bpf.o) and attach its program
 * to ifindex in the given mode, with an empty map (every frame passes).
 * NULL with errno: ENOENT (no object or program), EBUSY (another XDP
 * program is attached in that mode), EOPNOTSUPP (mode not supported by
 * the device), or the load's error.
 */
struct tenet_xsk_prog *tenet_xsk_prog_open(const char *obj_path, int ifindex,
                                           enum tenet_xsk_prog_mode mode);
/* Detach our program (never one that replaced it) and free everything. NULL: no-op. */
void tenet_xsk_prog_close(struct tenet_xsk_prog *p);

/*
 * Frames arriving on rx queue 'queue' go to x (which must be bound to this
 * interface and queue); x NULL removes the entry (frames pass). -ERANGE
 * for a queue beyond TENET_XSK_MAX_QUEUES.
 */
int tenet_xsk_prog_set(struct tenet_xsk_prog *p, uint32_t queue, const struct tenet_xsk *x);

/* Counters summed over CPUs, indexed by enum tenet_xsk_cnt. */
int tenet_xsk_prog_read_stats(const struct tenet_xsk_prog *p, uint64_t cnt[TENET_XSK_CNT_MAX]);

/*
 * Remove tenet_xsk_redir programs (found by name) left on ifindex in any
 * mode; other programs are left alone. Returns how many were removed, or
 * -errno.
 */
int tenet_xsk_prog_cleanup(int ifindex);

#endif /* TENET_LIB_XSK_PROG_H */
