/*
 * The manager's internal state: tenants and their pools, services and NF
 * instances, chains, ports, and the counters that account for every
 * packet. One process, four kinds of thread:
 *
 *   control    (main)    config, control sockets, attach, supervisor, stats
 *   nic        (per rx port) the NIC model: parse, classify, DMA into a pool
 *   router     (steer: cpu only) classify + copy from the ingress pool
 *   dispatch   (manager.dispatchers shards, 1 by default) NF rings, chain
 *                        hops, cross-tenant copies, tx ports
 *
 * Pool free lists are single-threaded: only the dispatcher shard that owns
 * a pool (pool k: shard k % dispatchers, pool_shard) allocates from and
 * frees to it. The nic and router threads get empty buffers through fill
 * rings that the owner keeps topped up (as a NIC gets them from an AF_XDP
 * fill ring) and hand full ones back through ingress rings, one per shard.
 * A shard that copies a packet into another shard's pool takes the empty
 * buffer from an xfill ring the owner keeps topped up, and hands the copy
 * over on a handoff ring (dispatch.c). Only the router touches the
 * ingress pool.
 */
#ifndef TENET_MGR_STATE_H
#define TENET_MGR_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/ring_mgr.h"
#include "lib/pool_mgr.h"
#include "lib/classify.h"
#include "lib/nicscan.h"
#include "mgr/config.h"
#include "mgr/placement.h"
#include "lib/xring.h"
#include "ports/host.h"
#include "ports/port.h"
#include "ports/sink.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

/*
 * NF rx/tx rings: MGR_RING_SIZE slots (OpenNetVM: NF_QUEUE_RINGSIZE 16384),
 * or for a larger pool as many as its buffers, at most MGR_RING_MAX (a
 * 64k ring is 1 MiB of the NF's ring memory). The stall budget of a pool
 * is at most a ring less a fill ring (setup.c, set_budgets): a pool too
 * large for its rings would buffer no longer a stall than a smaller one.
 */
#define MGR_MAX_NF       64
#define MGR_BURST        32
#define MGR_RING_SIZE    16384 /* NF rings: at least (above) */
#define MGR_RING_MAX     65536 /* NF rings: at most */
#define MGR_FILL_SIZE    4096  /* fill and ingress rings between threads */
#define MGR_FILL_TARGET  2048  /* fill level the dispatcher keeps (a NIC's posted rx descriptors) */
#define MGR_FILL_DEMAND  512   /* the same for an on-demand source (fill.c) */
#define MGR_XFILL_TARGET 256   /* fill level of an xfill ring (cross-shard copies) */
#define MGR_MAX_SHARDS   8     /* manager.dispatchers at most (CFG_MAX_DISPATCHERS) */
/* epoll tags of the control thread: the kind in the high half, an index in the low */
#define EV_LISTEN  0x10000u /* listen socket of tenant i */
#define EV_NF      0x20000u /* NF control connection of id i */
#define EV_SIGNAL  0x30000u
#define EV_CTL     0x40000u /* tenet ctl sockets (listener and connections, ctl.c) */
#define EV_PENDING 0x50000u /* a connection waiting for its hello */

#define MGR_EPOLL_BATCH 16 /* events taken per epoll_wait (control and dispatcher) */

/* Control thread: how long one epoll_wait sleeps, ms, in each phase of a run. */
#define MGR_START_TICK_MS 100  /* waiting for the supervised NFs to attach */
#define MGR_RUN_TICK_MS   50   /* running: stats, supervisor, ctl deadlines */
#define MGR_STOP_TICK_MS  20   /* stopping: waiting for the NFs to leave */
#define MGR_START_WAIT    10.0 /* s to wait for the supervised NFs before opening the ports */
#define MGR_STOP_WAIT     3.0  /* s to wait for the NFs to leave after TENET_MSG_STOP */

/* Exit codes of a run (mgr_run): 1 set-up or summary failed, 2 the config, 3 the accounting. */
#define MGR_EXIT_ERROR      1
#define MGR_EXIT_CONFIG     2 /* the config did not load, or does not fit this host */
#define MGR_EXIT_ACCOUNTING 3 /* packets_in != delivered + dropped */

/* The name of a drop reason (enum drop_reason: ports/host.h). */
const char *drop_reason_name(enum drop_reason r);

/* Monotonic seconds. */
double mgr_now(void);

/* Manager-private state per buffer of a pool. */
#define BUF_EMPTY 0xff /* bufmeta.chain of a buffer that holds no packet (fill rings) */
struct bufmeta {
	uint8_t chain; /* chain index, or BUF_EMPTY */
	uint8_t hop;   /* index into the chain's hops of the current hop */
	uint8_t port;  /* ingress port */
	uint8_t spare;
	uint16_t txlen; /* bytes handed to an AF_XDP transmit, for the completion */
	uint16_t pad;
	uint32_t hash; /* flow hash from ingress (the NF's copy is not trusted) */
};

struct mgr_pool {
	struct tenet_pool *pool;
	struct bufmeta *meta;
	unsigned int index;
	uint32_t inflight;     /* budget of buffers past the NIC under overload (fill.c) */
	uint32_t burst_max;    /* ...and while it is not overloaded, to absorb a stall */
	uint32_t nf_ring;      /* slots of each rx/tx ring of its tenants' NFs */
	uint64_t over_since;   /* (dispatch) ns since when it has been at inflight, 0: not */
	bool overloaded;       /* (dispatch) the budget is inflight, not burst_max */
	bool withheld;         /* (dispatch; atomic) its fill rings get no more for now (fill.h) */
	uint32_t free_at_stop; /* free buffers once the platform stopped, before the drain */
	unsigned int shard;    /* the dispatcher shard that owns it: index % dispatchers */
	/* owner shard -> shard a: empty buffers a copies into (a != shard; dispatchers > 1) */
	struct xring xfill[MGR_MAX_SHARDS];
};

struct tenant {
	const struct cfg_tenant *cfg;
	unsigned int index;
	struct mgr_pool *mp; /* own pool, or the shared one (steer: shared) */
	int listen_fd;
	char sock_path[CFG_PATH_MAX + CFG_NAME_MAX + 8];
	/* counters */
	uint64_t in; /* (the shard of its pool) packets classified into this tenant */
	/* delivered, dropped (by reason) and copies_in are per shard: struct shard_acct */
};

enum nf_state { NF_FREE, NF_LIVE, NF_DEAD };

struct nf {
	uint16_t id;
	enum nf_state state; /* written by control; LIVE once dispatch adopts it */
	bool in_dispatch;    /* dispatch: listed in its service's instances */
	bool ever_used;
	unsigned int service;
	unsigned int instance;
	pid_t pid; /* SO_PEERCRED pid at attach */
	int sock;
	int rings_fd;
	/* kick sockets (see lib/proto.h): the manager's own ends, never passed
	 * on; it only sends and receives on them with MSG_DONTWAIT */
	int rx_kick;      /* manager -> NF: data on rx while the NF sleeps */
	int tx_kick;      /* NF -> manager: read by the dispatcher's epoll */
	bool tx_kick_off; /* (dispatch) dropped from epoll: the NF's end hung up */
	void *rings;
	size_t rings_len;
	struct tenet_ring rx; /* manager produces (guarded) */
	struct tenet_ring tx; /* manager consumes (checked) */
	uint32_t kick_cons;   /* rx cons seen at the last kick */
	bool kick_armed;
	struct tenet_desc out[MGR_BURST]; /* dispatch: staged for rx */
	unsigned int nb_out;
	/* counters (dispatch) */
	uint64_t rx_pkts, tx_pkts, rx_full, verdict_drop, kicks, reclaimed;
	uint64_t kick_errors; /* failed kicks, and kick sockets it hung up while attached */
	struct tenet_ring_rejects rej;
};

/*
 * Counters of NF lives that ended, summed (stats_nf_life_end): the nfs[]
 * slots are reused, the totals count every life.
 */
struct nf_totals {
	uint64_t lives;
	uint64_t rx, tx, verdict_drop, rx_full, kicks, reclaimed;
	uint64_t buf_range, not_owner, bad_len, bad_verdict, bad_index;
};

#define MGR_RESTART_MAX    1000 /* restarts per service over the manager's life */
#define MGR_BACKOFF_MIN_MS 100  /* first delay after a quick death, doubling... */
#define MGR_BACKOFF_MAX_MS 5000 /* ...up to this */
#define MGR_UP_OK          5.0  /* s up after which a death is not quick */

struct service {
	const struct cfg_service *cfg;
	unsigned int index;
	unsigned int tenant;
	struct nf *inst[MGR_MAX_NF]; /* dispatch: live instances */
	unsigned int nb_inst;
	/*
	 * Supervisor (control). Instance k is a running child (child[k] > 0),
	 * a restart due at restart_at[k] (> 0), or stopped for good (nf stop,
	 * restart: false, MGR_RESTART_MAX reached). An instance that dies
	 * within MGR_UP_OK s of its start is restarted
	 * after backoff_ms[k], which doubles from MGR_BACKOFF_MIN_MS up to
	 * MGR_BACKOFF_MAX_MS; one that stayed up longer starts the ladder again.
	 */
	pid_t child[CFG_MAX_INSTANCES];
	bool no_restart[CFG_MAX_INSTANCES];   /* stopped by tenet ctl: leave it stopped */
	bool attached[CFG_MAX_INSTANCES];     /* the instance's process attached since it started */
	double started[CFG_MAX_INSTANCES];    /* mgr_now() when it was last started */
	double restart_at[CFG_MAX_INSTANCES]; /* > 0: start it again at this mgr_now() */
	unsigned int backoff_ms[CFG_MAX_INSTANCES]; /* next restart's delay after a quick death */
	unsigned int restarts;                      /* all instances, over the run */
	unsigned int deaths;                        /* exits and crashes while running */
	unsigned int max_backoff_ms;                /* longest delay it waited */
	struct nf_totals lives;                     /* every NF life of this service that ended */
	struct tenet_nicscan *nicscan;              /* for hops of it that run on the NIC */
	uint64_t cpu_ns;                            /* CPU time of exited instances (wait4) */
};

struct chain {
	const struct cfg_chain *cfg;
	unsigned int first_host_hop; /* hops before it run on the NIC */
	unsigned int tenant;
	bool removed;  /* tenet ctl chain del: no new packets */
	uint16_t tap;  /* (control) bit h: a tap at hop index h, or TAP_AT_OUT (tap.h) */
	uint64_t pkts; /* (dispatch) entered the chain */
	/* (nic) offloaded scan hops */
	uint64_t nic_scanned, nic_tagged, nic_to_host;
};

#define MGR_CTL_CONNS 16 /* tenet ctl connections open at once */

struct ctl_stats {
	uint64_t requests; /* answered (ok or error) */
	uint64_t errors;   /* answered with an error */
	uint64_t timeouts; /* closed: not done within the deadline */
	uint64_t evicted;  /* closed: the oldest, to make room for a new one */
};

/*
 * A port as the manager holds it, in parts with one job each: the driver
 * (its own state behind port.priv: afxdp's sockets too), the rings between
 * its receive thread and the dispatcher, the NIC stage's counters (that
 * thread's), the transmit side (the dispatcher's), and what a driver with
 * a thread of its own is lent of all that (ports/host.h).
 */
struct mport {
	struct port port;
	const struct cfg_port *cfg;
	unsigned int index;
	pthread_t thread;
	bool has_thread;
	/* (control, before the threads start) its NIC stage runs inline, in
	 * shard 0's thread (manager.nic_stage; mgr.c, plan_nic_stages) */
	bool inline_stage;
	uint32_t stage_closed; /* (shard 0) the inline stage is done: flag_raise */
	/* nic thread <-> dispatcher */
	struct xring ingress[MGR_MAX_SHARDS]; /* nic -> shard s: buffers of s's pools */
	struct xring fill[CFG_MAX_TENANTS];   /* pool k's shard -> nic: empty buffers */
	int nic_efd; /* wakes the nic thread waiting for empty buffers (> 0 when open) */
	struct port_rx_stats rx;      /* (nic) */
	uint64_t xdp_drops[DROP_MAX]; /* (control) dropped by XDP or the kernel before a socket */
	struct port_tx tx;            /* (dispatch) */
	struct port_host host;        /* lent to a driver with its own thread (port_host.c) */
	/* (port thread) parse errors of its classify callback: the dispatcher counts them */
	uint64_t reclassify_parse_err[TENET_PKT_ERR_MAX];
};

/*
 * Attachments in progress (connected, no hello yet), per tenant: each
 * tenant's control socket has its own budget, so one tenant's silent
 * connections cannot keep another tenant's NFs from attaching.
 */
#define MGR_PENDING_PER_TENANT 8
#define MGR_PENDING            (CFG_MAX_TENANTS * MGR_PENDING_PER_TENANT)

struct pending {
	int fd;
	unsigned int tenant;
	double deadline;
};

/* The router (steer: cpu): its thread, the ingress pool and its rings. */
struct mgr_router {
	struct tenet_pool *ingress_pool;     /* only the router touches it */
	struct xring in[CFG_MAX_PORTS];      /* nic -> router: ingress buffers */
	struct xring fill[CFG_MAX_PORTS];    /* router -> nic: empty ingress buffers */
	struct xring out[MGR_MAX_SHARDS];    /* router -> shard s: buffers of s's pools */
	struct xring tfill[CFG_MAX_TENANTS]; /* pool k's shard -> router: tenant buffers */
	pthread_t thread;
	bool started;                          /* (control) the thread runs */
	uint64_t pkts, ns, epoch;              /* (router) */
	uint64_t drops[DROP_MAX];              /* (router) */
	uint64_t parse_err[TENET_PKT_ERR_MAX]; /* (router) */
};

/*
 * Commands from the control thread to a dispatcher shard (NFs to adopt or
 * let go of): each shard has its own queue, for the NFs of its pools.
 */
struct mgr_cmds {
	pthread_mutex_t lock;
	uint32_t pending; /* atomic flag */
	uint16_t add[MGR_MAX_NF], del[MGR_MAX_NF];
	unsigned int nb_add, nb_del;
	uint32_t done; /* dispatch: bumps after applying commands */
};

/*
 * The accounting a dispatcher shard writes (one writer each: cnt_add).
 * A packet of tenant t's chain may end in another shard (after a
 * cross-tenant hop), so t's counters are summed over the shards
 * (tenant_delivered, ...).
 */
struct shard_acct {
	uint64_t drops[DROP_MAX];
	uint64_t drops_no_tenant[DROP_MAX];  /* the part of drops[] that no tenant's chain held */
	uint64_t delivered[CFG_MAX_TENANTS]; /* sent out of a port from tenant t's chains */
	uint64_t dropped[CFG_MAX_TENANTS];   /* dropped after classification */
	uint64_t tdrops[CFG_MAX_TENANTS][DROP_MAX]; /* the same, by reason (tenant_drop) */
	uint64_t copies_in[CFG_MAX_TENANTS];        /* cross-tenant copies into t's pool */
	uint64_t copies;
};

/*
 * A dispatcher shard (dispatch.c): the thread that owns the pools k with
 * k % nb_shards == index - their free lists, ownership tables, fill rings,
 * in-flight budgets - and the NFs of those pools' tenants.
 */
struct shard {
	struct mgr *m;
	unsigned int index;
	pthread_t thread;
	bool started;
	int efd;             /* kicks it: nic threads, the router, control, other shards */
	struct mgr_cmds cmd; /* control -> shard */
	/* hand[a]: shard a -> this shard: packets a copied into one of its pools */
	struct xring hand[MGR_MAX_SHARDS];
	struct shard_acct acct;
	/* (shard) */
	uint64_t pkts;      /* taken from ingress, NF tx and handoff rings */
	uint64_t hand_pkts; /* of those, handed over by other shards */
	uint64_t hand_full; /* not handed over: the handoff ring was full (nf_rx_full) */
	uint64_t wakeups, ns, epoch;
	/* of ns: thread CPU in the turns that moved packets or buffers, less
	 * nf_kick_ns (work), and in waking sleeping NFs (nf_kick_ns); the
	 * rest is waiting - polling with nothing to do, sleeping, being woken */
	uint64_t work_ns, nf_kick_ns;
	uint64_t last_work_ns; /* mgr_now() in ns of the last loop that moved a packet */
};

struct mgr_taps;
struct metrics;

/* The tenet ctl socket and its connections (control thread; see ctl.c). */
struct mgr_ctl {
	int fd;
	char path[CFG_PATH_MAX + 16];
	struct ctl_conn *conns; /* MGR_CTL_CONNS slots */
	uint32_t tag;           /* epoll tag base of the ctl sockets */
	struct ctl_stats stats;
	double note_t; /* rate limit of ctl warnings */
	unsigned int note_n, note_quiet;
};

/* Stop flags, each raised once by control (flag_raise), polled by the threads (flag_up). */
struct mgr_stop {
	uint32_t wire;     /* control -> shard 0: the ports are open (inline NIC stages poll) */
	uint32_t nic;      /* control -> nic/router threads */
	uint32_t tx;       /* control -> afxdp threads: stop transmitting too */
	uint32_t dispatch; /* control -> dispatcher shards */
};

/*
 * What the control thread alone serves (loop.c and the parts it calls):
 * its epoll set, attachments in progress, tenet ctl, taps, /metrics, and
 * the run's times. No data-path thread reads it, except the dispatcher's
 * copies into the taps (tap_copy, tap.h).
 */
struct mgr_control {
	int epfd;                            /* the control loop's epoll set (EV_* tags) */
	struct pending pending[MGR_PENDING]; /* tenant t: [t * PER_TENANT, (t + 1) * PER_TENANT) */
	uint64_t pending_refused[CFG_MAX_TENANTS]; /* connections over the budget */
	struct mgr_ctl ctl;                        /* tenet ctl (ctl.c) */
	struct mgr_taps *taps;                     /* tenet ctl tap (tap.h) */
	struct metrics *metrics; /* the /metrics server, NULL when off (metrics.c) */
	double start_time;       /* the ports opened */
	double stop_time;        /* the run decided to stop */
};

/*
 * The manager: first what the data-path threads read (the rule table,
 * pools, tenants, services, chains, ports, NF slots, the router and the
 * dispatcher shards, the stop flags), then the control thread's own.
 */
struct mgr {
	struct tenet_config *cfg;
	struct placement place; /* (control) set before the threads start */
	bool poll;
	bool shared; /* steer: shared: one pool for everyone */
	bool have_router;
	struct tenet_classifier *cls; /* readers: __atomic_load once per burst; see rules.c */
	uint32_t next_rule_id;        /* (control) the next run-time rule's id (rules.c) */
	struct mgr_pool pools[CFG_MAX_TENANTS];
	unsigned int nb_pools;
	struct tenant tenants[CFG_MAX_TENANTS];
	struct service services[CFG_MAX_SERVICES];
	struct chain chains[CFG_MAX_CHAINS];
	struct mport ports[CFG_MAX_PORTS];
	struct nf nfs[MGR_MAX_NF + 1]; /* index = id; 0 unused (TENET_OWNER_MGR) */

	struct mgr_router router; /* steer: cpu */

	/* dispatch */
	struct shard shards[MGR_MAX_SHARDS];
	unsigned int nb_shards;                     /* manager.dispatchers */
	uint64_t shard_pools[MGR_MAX_SHARDS];       /* bit k: pool k is the shard's */
	uint64_t host_parse_err[TENET_PKT_ERR_MAX]; /* steer: shared classifies on the host */

	struct mgr_stop stop;
	struct mgr_control control;
};

/* The rule table now; acquire pairs with the release in rules.c's rules_publish(). */
static inline const struct tenet_classifier *mgr_cls(struct mgr *m)
{
	return __atomic_load_n(&m->cls, __ATOMIC_ACQUIRE);
}

/* The shard that owns pool k. */
static inline struct shard *pool_shard(struct mgr *m, const struct mgr_pool *mp)
{
	return &m->shards[mp->shard];
}

/* n packets of tenant t's chains dropped after classification, for why (by shard a). */
static inline void tenant_drop(struct shard_acct *a, unsigned int t, enum drop_reason why,
                               uint64_t n)
{
	cnt_add(&a->drops[why], n);
	cnt_add(&a->dropped[t], n);
	cnt_add(&a->tdrops[t][why], n);
}

/* Tenant t's counters, summed over the shards (readers: stats, ctl). */
static inline uint64_t tenant_delivered(const struct mgr *m, unsigned int t)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s < m->nb_shards; s++)
		n += cnt_get(&m->shards[s].acct.delivered[t]);
	return n;
}

static inline uint64_t tenant_dropped(const struct mgr *m, unsigned int t)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s < m->nb_shards; s++)
		n += cnt_get(&m->shards[s].acct.dropped[t]);
	return n;
}

static inline uint64_t tenant_drops(const struct mgr *m, unsigned int t, enum drop_reason r)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s < m->nb_shards; s++)
		n += cnt_get(&m->shards[s].acct.tdrops[t][r]);
	return n;
}

static inline uint64_t tenant_copies_in(const struct mgr *m, unsigned int t)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s < m->nb_shards; s++)
		n += cnt_get(&m->shards[s].acct.copies_in[t]);
	return n;
}

/* n packets dropped by a dispatcher shard before any tenant's chain held them, for why. */
static inline void no_tenant_drop(struct shard_acct *a, enum drop_reason why, uint64_t n)
{
	cnt_add(&a->drops[why], n);
	cnt_add(&a->drops_no_tenant[why], n);
}

static inline uint64_t no_tenant_drops(const struct mgr *m, enum drop_reason why)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s < m->nb_shards; s++)
		n += cnt_get(&m->shards[s].acct.drops_no_tenant[why]);
	return n;
}

/*
 * The counters at the end of the warm-up (mgr_opts.warmup), so that a
 * benchmark reports the window after it: subtract these from the totals.
 * nf_ns is the CPU time the running NF processes had used by then.
 */
struct mgr_snapshot {
	bool taken; /* the run lasted past the warm-up */
	double at;  /* s after the ports opened */
	uint64_t packets_in, delivered, dropped, drops[DROP_MAX];
	uint64_t nic_ns, dispatcher_ns, router_ns, nf_ns;
	uint64_t nic_wait_ns, dispatcher_work_ns, dispatcher_kick_ns; /* of nic_ns, dispatcher_ns */
	uint64_t nic_stalls, nic_stall_ns;
};

/* What a run measured, for benchmarks. Times in ns of CPU. */
struct mgr_result {
	double elapsed; /* from opening the ports to the stop decision */
	bool conserved;
	uint64_t packets_in, delivered, dropped, copies;
	uint64_t drops[DROP_MAX];
	uint64_t rx_bytes, tx_bytes;
	uint64_t nic_ns;                          /* NIC stages (not host CPU) */
	uint64_t dispatcher_ns, router_ns, nf_ns; /* host CPU; nf_ns of supervised NFs */
	uint64_t nic_wait_ns;               /* of nic_ns: asleep, yielding, waiting, kicking */
	uint64_t nic_stalls, nic_stall_ns;  /* paced ports unpolled >= 1 ms (ports/host.h) */
	uint64_t dispatcher_work_ns;        /* of dispatcher_ns: moving packets and buffers */
	uint64_t dispatcher_kick_ns;        /* of dispatcher_ns: waking sleeping NFs */
	uint64_t host_ns;                   /* dispatcher + router + NFs */
	bool huge_pages;                    /* every pool on huge pages */
	struct sink_latency lat;            /* of the (last) sink port */
	struct mgr_snapshot warm;           /* at the end of the warm-up */
	struct sink_latency lat_after_warm; /* lat over the packets after the warm-up */
};

/*
 * The counters a live table's rates are taken from. Each reader of rates
 * owns its own (the run loop's live table); nothing else writes it.
 */
struct stats_snap {
	uint64_t port_rx[CFG_MAX_PORTS], port_tx[CFG_MAX_PORTS];
	uint64_t t_in[CFG_MAX_TENANTS], t_del[CFG_MAX_TENANTS], t_drop[CFG_MAX_TENANTS];
	uint64_t nf_rx[MGR_MAX_NF + 1], nf_tx[MGR_MAX_NF + 1];
};
#endif
