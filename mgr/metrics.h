/*
 * Prometheus metrics (mgr/metrics.c, mgr/metrics_text.c): an HTTP server
 * on its own thread (libmicrohttpd) that answers GET /metrics with every
 * counter of the platform in the text exposition format 0.0.4.
 *
 * Two halves. metrics_render() is a pure function from a snapshot of plain
 * numbers and names (struct metrics_snap) to the text; it is what the unit
 * test checks. The server (metrics_start and friends) fills such a
 * snapshot per scrape: the data-path counters it reads itself, with
 * relaxed atomic loads of single-writer counters as the live table does;
 * what only the control thread may read (which NF holds which slot, the
 * chains added at run time, supervisor and ctl counters) the control
 * thread publishes every METRICS_PUBLISH_S (metrics_publish).
 */
#ifndef TENET_MGR_METRICS_H
#define TENET_MGR_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mgr/state.h"

#define METRICS_CONNS        64    /* HTTP connections open at once; more are refused */
#define METRICS_TIMEOUT_S    5     /* an idle connection is closed after this */
#define METRICS_CONN_MEM     16384 /* bytes of request memory per connection */
#define METRICS_PUBLISH_S    0.1   /* the control thread's snapshot is at most this old */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Upper bounds (le) of tenet_sink_latency_seconds, in ns; +Inf follows. */
#define METRICS_LE_MAX 22
extern const uint64_t metrics_le_ns[METRICS_LE_MAX];

/* Why the manager rejected a descriptor an NF handed back (tenet_nf_rejects_total{kind}). */
enum metrics_reject {
	REJ_BUF_RANGE,   /* buffer index outside the pool */
	REJ_NOT_OWNER,   /* a buffer the NF does not hold */
	REJ_BAD_LEN,     /* offset + length outside the buffer */
	REJ_BAD_VERDICT, /* unknown verdict or target */
	REJ_BAD_INDEX,   /* ring index that breaks the ring invariant */
	REJ_MAX
};
const char *metrics_reject_name(enum metrics_reject k);

struct metrics_latency {
	uint64_t bucket[METRICS_LE_MAX]; /* samples in (le[i-1], le[i]]: not cumulative */
	uint64_t inf;                    /* samples above the last bound */
	uint64_t sum_ns;
};

struct metrics_port {
	const char *name, *driver, *steer;
	uint64_t in; /* received, plus frames XDP saw and dropped */
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	bool sink; /* the fields below are set */
	uint64_t reordered, duplicates, lost, csum_bad;
	struct metrics_latency lat;
};

struct metrics_tenant {
	const char *name;
	uint64_t in, delivered, copies_in;
	uint64_t drops[DROP_MAX];
	uint64_t pool_bufs, pool_free, buf_size;
};

struct metrics_chain {
	const char *name, *tenant;
	uint64_t pkts;
};

struct metrics_service {
	const char *name, *tenant;
	uint64_t restarts, deaths;
};

/* One instance of a service, over all its lives (the counters do not restart with it). */
struct metrics_nf {
	const char *service, *tenant;
	unsigned int instance;
	bool up; /* attached now */
	uint64_t rx, tx, verdict_drop, rx_full, kicks, kick_errors, reclaimed;
	uint64_t rejects[REJ_MAX];
};

struct metrics_snap {
	double start_time;      /* s since the epoch */
	double uptime;          /* s */
	const char *microhttpd; /* libmicrohttpd's version, for tenet_build_info */
	unsigned int nb_ports, nb_tenants, nb_chains, nb_services, nb_nfs;
	struct metrics_port ports[CFG_MAX_PORTS];
	struct metrics_tenant tenants[CFG_MAX_TENANTS];
	uint64_t drops_no_tenant[DROP_MAX]; /* before any tenant's chain held the packet */
	struct metrics_chain chains[CFG_MAX_CHAINS];
	struct metrics_service services[CFG_MAX_SERVICES];
	const struct metrics_nf *nfs;
	uint64_t wakeups;
	uint64_t parse_err[TENET_PKT_ERR_MAX];
	uint64_t ctl_requests, ctl_errors, ctl_timeouts, ctl_evicted;
};

/*
 * Write s to out in the Prometheus text format 0.0.4: every family with
 * # HELP and # TYPE, label values escaped. Returns 0, or -1 if out failed.
 */
int metrics_render(const struct metrics_snap *s, FILE *out);

/* Add a sink latency histogram (ports/sink.h) into the buckets of *lat. */
void metrics_latency_fill(struct metrics_latency *lat, const struct sink_hist *h);

/*
 * Start serving http://cfg->metrics/metrics for m on a new thread. The
 * listening socket is bound here, so a busy port is an error now. Returns
 * the server, or NULL with one line in err. Call on the control thread
 * after setup (ports, pools), before any NF attaches.
 */
struct metrics *metrics_start(struct mgr *m, const struct cfg_listen *addr, char *err,
                              size_t errlen);
/* Stop the server's thread and close every connection. NULL: no-op. */
void metrics_stop(struct metrics *mx);
/*
 * Control thread: publish what only it may read, if the last publication
 * is older than METRICS_PUBLISH_S or force. Never waits: if the server
 * holds the snapshot at that moment, it tries again next time. NULL: no-op.
 */
void metrics_publish(struct metrics *mx, double now, bool force);
/* Control thread: the NF's life ended; keep its counters in its instance's totals. */
void metrics_nf_life_end(struct metrics *mx, const struct nf *nf);

#endif
