/*
 * XDP classifier loader: puts bpf/classify.bpf.c on an interface and keeps
 * its maps in step with the manager's rule table (struct tenet_classifier),
 * pattern set and per-tenant destinations.
 *
 * Rule changes are atomic from the data path's point of view: the loader
 * writes a complete table (rules, default, scan settings) into the inactive
 * half of the double-buffered maps, flips one 4-byte index, and waits for
 * an RCU grace period, so every packet sees either the old table or the new
 * one and the old half is idle before it is ever rewritten. Map layout and
 * counters: bpf/tenet_xdp.h.
 *
 * Limits: TENET_XDP_MAX_RULES rules (the table is scanned in (priority, id)
 * order by bpf_loop, one iteration per rule up to the first match; a table
 * that is larger is refused with -E2BIG and the live table stays as it
 * was), tenants 0..TENET_XDP_MAX_TENANTS-1. Offload mode needs a NIC that
 * runs the program's helpers and map types (bpf_loop, DEVMAP, per-CPU
 * maps); a NIC that does not refuses the load and open fails.
 *
 * Functions return 0 or -errno, constructors NULL with errno set; messages
 * go through tenet_log. One thread at a time per object.
 */
#ifndef TENET_LIB_XDP_H
#define TENET_LIB_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/tenet_xdp.h"
#include "lib/classify.h"

enum tenet_xdp_mode {
	TENET_XDP_NATIVE,  /* driver mode (XDP_FLAGS_DRV_MODE) */
	TENET_XDP_GENERIC, /* skb mode, any netdev (XDP_FLAGS_SKB_MODE) */
	TENET_XDP_OFFLOAD, /* runs on the NIC (XDP_FLAGS_HW_MODE) */
};

struct tenet_xdp_opts {
	const char *obj_path; /* e.g. build/bpf/classify.bpf.o */
	int ifindex;          /* ingress interface */
	enum tenet_xdp_mode mode;
	enum tenet_xdp_steer steer;
	int in_port;    /* this port's index, matched by rules with in_port */
	bool miss_pass; /* no rule and default drop: XDP_PASS instead of XDP_DROP */
};

/* Counters summed over CPUs; indices as enum tenet_xdp_cnt. */
struct tenet_xdp_stats {
	uint64_t cnt[TENET_XDP_CNT_MAX];
	uint64_t tenant[TENET_XDP_MAX_TENANTS]; /* frames redirected to each tenant */
};

struct tenet_xdp;

/*
 * Open and load the object, with an empty table whose default is drop. The
 * program is not attached yet (tenet_xdp_attach). NULL with errno on error
 * (ENOENT: no object file; EINVAL: bad options; or the load's error).
 */
struct tenet_xdp *tenet_xdp_open(const struct tenet_xdp_opts *o);

/* Detach (if attached), then free the program and every map. NULL: no-op. */
void tenet_xdp_close(struct tenet_xdp *x);

/*
 * Attach to the interface in the mode given at open. -EBUSY if the
 * interface already runs an XDP program in that mode (a tenet one left by a
 * killed manager is removed by tenet_xdp_cleanup), -EOPNOTSUPP if the
 * device cannot run it in that mode.
 */
int tenet_xdp_attach(struct tenet_xdp *x);
/* Detach our program only (never another one that replaced it). */
int tenet_xdp_detach(struct tenet_xdp *x);

/* The loaded program's fd and id (for tests and listings). */
int tenet_xdp_prog_fd(const struct tenet_xdp *x);

/*
 * Publish the rules and default of c (see the atomicity note above).
 * -E2BIG beyond TENET_XDP_MAX_RULES, -ERANGE for a tenant outside
 * 0..TENET_XDP_MAX_TENANTS-1; on error the live table is unchanged.
 */
int tenet_xdp_set_rules(struct tenet_xdp *x, const struct tenet_classifier *c);

/*
 * Scan the payload of the frames of the tenants in the bit set 'tenants'
 * with prog (compiled by lib/nicscan.c); a drop verdict is handled as
 * 'action'. prog NULL or action TENET_XDP_SCAN_OFF: no scan. Published
 * atomically like rules.
 */
int tenet_xdp_set_scan(struct tenet_xdp *x, const struct tenet_nicscan_prog *prog,
                       enum tenet_xdp_scan_action action, uint64_t tenants);

/* DEVMAP steering: frames of tenant go out ifindex (0 removes the entry). */
int tenet_xdp_set_dev(struct tenet_xdp *x, unsigned int tenant, int ifindex);

/* Read the counters (sum over CPUs) into *s. */
int tenet_xdp_read_stats(const struct tenet_xdp *x, struct tenet_xdp_stats *s);

/* Counter name ("ok", "trunc_l2", ..., "no_rule", "redirected", ...); "?" if out of range. */
const char *tenet_xdp_cnt_name(unsigned int i);
const char *tenet_xdp_mode_name(enum tenet_xdp_mode m);

/*
 * Remove tenet classifier programs (found by program name) left attached
 * on ifindex in any mode, e.g. by a manager killed with -9. Other programs
 * are left alone. Returns how many were removed, or -errno.
 */
int tenet_xdp_cleanup(int ifindex);

#endif /* TENET_LIB_XDP_H */
