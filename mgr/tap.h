/*
 * Packet taps: `tenet ctl tap CHAIN[:HOP]` streams copies of the packets
 * passing one point of a chain to the operator's ctl connection.
 *
 * Where a tap looks (tap->at, an index like bufmeta.hop): hop index h is
 * the packets as the dispatcher hands them to the NF of the chain's hop
 * h (0-based here; the user's HOP is h + 1), after a cross-tenant copy,
 * before the NF sees them; TAP_AT_OUT is what the chain sends out of a
 * port (end of the chain, or an NF's out-port verdict). A TO_SERVICE
 * detour is not a hop of the chain and is not seen.
 *
 * The cost to the data path is bounded and the data path never waits:
 *
 *   dispatcher                           control thread
 *   tap_hook: one relaxed load of        tap_poll: takes records off the
 *   chain->tap and a not-taken branch    ring into a bounded output buffer
 *   per hop; when the bit is set,        (TAP_OUT_MAX) and sends what the
 *   tap_copy copies at most TAP_SNAPLEN  client's socket takes, without
 *   bytes into a free slot of the tap's  blocking; a full buffer leaves the
 *   ring, or counts a drop when the      records on the ring, and the ring
 *   ring is full (TAP_RING slots)        fills: the dispatcher drops copies
 *
 * The ring is manager-private memory; the packet is copied, never lent: a
 * reader cannot reach a pool buffer through a tap.
 *
 * Starting and stopping a tap without waiting for the dispatcher: the
 * control thread publishes chain and hop, then an odd generation number
 * (release); the dispatcher reads the generation (acquire), then chain
 * and hop, and stamps every record with the generation it read. Stopping
 * makes the generation even. A record stamped with an old generation (a
 * copy that raced a stop and a restart of the same slot) is dropped by the
 * control thread unseen; slots and rings are freed only at tap_close,
 * once the dispatcher has stopped.
 */
#ifndef TENET_MGR_TAP_H
#define TENET_MGR_TAP_H

#include <stdint.h>

#include "mgr/ctl_req.h"
#include "mgr/state.h"

#define TAP_MAX     4            /* taps running at once */
#define TAP_SNAPLEN 2048         /* bytes of a packet copied at most */
#define TAP_RING    512          /* records between the dispatcher and control, per tap */
#define TAP_OUT_MAX (256 * 1024) /* bytes queued toward one client at most */
#define TAP_AT_OUT  CFG_MAX_HOPS /* tap->at of a tap on what the chain sends out */
#define TAP_AT_NONE 15           /* a bit of chain.tap never set: tap_hook at no hop */
#define TAP_LINGER  2.0          /* s to hand the client the end of its stream */

_Static_assert(TAP_AT_OUT < TAP_AT_NONE && TAP_AT_NONE < 8 * sizeof(((struct chain *)0)->tap),
               "chain.tap has a bit per hop, one for out and one never set");

/*
 * The stream on the ctl connection, after the request line: either the
 * usual "error: ...\n" and EOF, or the line TAP_HELLO, then records, each
 * a struct tap_wire (host byte order: the socket is a local one) and
 * caplen bytes of the frame; then one struct tap_wire with caplen
 * TAP_WIRE_END, one line "end: N packets, D dropped (WHY)\n" and EOF.
 * The record header has the fields and order of a pcap record header with
 * nanosecond timestamps; the client writes the pcap file with libpcap.
 */
#define TAP_HELLO    "ok tap v1 snaplen %u nanoseconds\n"
#define TAP_WIRE_END 0xffffffffu
#define TAP_END_MAX  160 /* bytes of the end line, newline included */

struct tap_wire {
	uint32_t ts_sec; /* CLOCK_REALTIME when the dispatcher copied it */
	uint32_t ts_nsec;
	uint32_t caplen; /* bytes that follow, <= snaplen; TAP_WIRE_END: the end */
	uint32_t len;    /* the frame's length */
};

/* One slot of a tap's ring. */
struct tap_rec {
	uint64_t gen; /* the generation it was copied for */
	struct tap_wire h;
	uint8_t data[TAP_SNAPLEN];
};

struct tap {
	/* shared with the dispatcher */
	uint64_t gen;     /* (control) odd while running; release-stored after chain, at */
	uint32_t chain;   /* (control) chain index */
	uint32_t at;      /* (control) hop index, or TAP_AT_OUT */
	uint64_t dropped; /* (dispatch) copies not taken: the ring was full */
	uint32_t prod __attribute__((aligned(64))); /* (dispatch) released after its slot */
	uint32_t cons __attribute__((aligned(64))); /* (control) released after reading */
	struct tap_rec *ring;                       /* TAP_RING slots, kept once allocated */
	/* control thread only */
	int fd; /* the client's connection, -1: slot free */
	uint64_t count, sent, dropped0;
	char *out; /* TAP_OUT_MAX bytes */
	size_t outlen, outoff;
	bool ending; /* the end is queued: close once it is out, or at end_by */
	double end_by;
	uint32_t events; /* what epoll watches for it now */
};

/* What a tap request resolved to. */
struct tap_spec {
	unsigned int chain, at;
	uint64_t count; /* 0: until stopped */
};

/* Taps of a manager (m->control.taps), and their totals for the summary. */
struct mgr_taps {
	struct tap tap[TAP_MAX];
	int efd; /* the dispatcher kicks control when a ring fills up */
	/* the rings' producer side: one dispatcher shard at a time (taken by
	 * tap_copy when dispatchers > 1; a tapped chain may cross shards) */
	pthread_mutex_t prod_lock;
	uint32_t tag;                       /* epoll tags: tag | slot, tag | TAP_MAX for efd */
	uint64_t started, packets, dropped; /* of taps that ended */
};

/* Set up m->control.taps; epoll tags are tag | slot. 0 or -errno. */
int tap_open(struct mgr *m, uint32_t tag);
/* End every tap ("manager stopping"), then free; the dispatcher must have stopped. */
void tap_close(struct mgr *m);

/*
 * Resolve a tap request against the running chains: 0, or -1 with one
 * line "WHAT; expected ..." in err (unknown or removed chain, hop out of
 * range, every tap slot taken).
 */
int tap_resolve(struct mgr *m, const struct ctl_req *req, struct tap_spec *spec, char *err,
                size_t errlen);
/*
 * Start a resolved tap on the client's connection fd: on success (0) the
 * tap owns fd (non-blocking, in m->control.epfd already: its registration is
 * changed to the tap's tag) and has queued TAP_HELLO; -1 with err set
 * and fd untouched otherwise.
 */
int tap_start(struct mgr *m, int fd, const struct tap_spec *spec, char *err, size_t errlen);
/* An epoll event of tag | idx. */
void tap_event(struct mgr *m, unsigned int idx);
/* Move records to clients, end finished taps; every turn of the control loop. */
void tap_poll(struct mgr *m, double now);
/* Totals over the run (ended and running taps). */
void tap_totals(struct mgr *m, uint64_t *started, uint64_t *packets, uint64_t *dropped);

/* Dispatcher (any shard): copy one packet to every running tap at (chain c, at). */
void tap_copy(struct mgr *m, const struct chain *c, unsigned int at, const struct tenet_pool *pool,
              const struct mdesc *d);

/*
 * The dispatcher's hook at hop index 'at' (or TAP_AT_OUT) of chain c, for
 * the packet d in pool: with no tap on the chain, one relaxed load and a
 * branch predicted not taken.
 */
static inline void tap_hook(struct mgr *m, const struct chain *c, unsigned int at,
                            const struct tenet_pool *pool, const struct mdesc *d)
{
	if (__builtin_expect((__atomic_load_n(&c->tap, __ATOMIC_RELAXED) >> at) & 1u, 0))
		tap_copy(m, c, at, pool, d);
}

#endif
