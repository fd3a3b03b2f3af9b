/*
 * The parsed configuration: the plain structs mgr/config.c and
 * mgr/config_chain.c fill from the YAML file (and tenet ctl's fragments),
 * and their limits. No code: the verbs that read a config are in
 * mgr/config.h (the file) and mgr/config_chain.h (the run-time fragments);
 * both readers include this, so their arrows point one way
 * (config.c -> config_chain.c -> config_parse.c -> this).
 */
#ifndef TENET_MGR_CONFIG_TYPES_H
#define TENET_MGR_CONFIG_TYPES_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/cfgread.h"
#include "lib/classify.h"
#include "ports/port_cfg.h"

#define CFG_MAX_PORTS     16
#define CFG_MAX_SERVICES  128
#define CFG_MAX_INSTANCES 16  /* of one service */
#define CFG_MAX_CHAINS    250 /* chain indices travel in a byte; 0xff is reserved */
#define CFG_MAX_HOPS      8
#define CFG_MAX_ARGS      32

#define CFG_MAX_DISPATCHERS  8   /* manager.dispatchers (MGR_MAX_SHARDS) */
#define CFG_INFLIGHT_DEFAULT 512 /* a tenant's packets past the NIC at once */

/*
 * Default buf_size: 33 cache lines. Buffers sit buf_size apart, and with
 * a power of two (2048) every buffer's first lines - where the frame and
 * its headers are - fall in the same 1/32 of a cache's sets, so a few
 * hundred buffers in flight evict each other from L1 and L2; an odd
 * number of lines spreads them over every set (measured: a 1-hop chain at
 * full speed 8.8 Mpps against 7.7-8.1, the NIC stage 49 ns a frame
 * against 57-59; docs/RESULTS.md). A config with an afxdp port keeps 2048:
 * its pools are UMEMs, and a chunk of 33 lines would straddle pages, which
 * a zero-copy driver refuses without huge pages.
 */
#define CFG_BUF_SIZE_SPREAD 2112u
#define CFG_BUF_SIZE_XSK    2048u

/* A CPU list (manager.cpus, services[].cpus), e.g. "0-3,6"; docs/config.md. */
struct cfg_cpus {
	cpu_set_t set;
	bool given;
	struct cfg_pos at;
};

enum cfg_place {
	CFG_PLACE_AUTO, /* default: mgr/placement.c picks from the CPUs the process may use */
	CFG_PLACE_NONE, /* threads and NFs go where the kernel puts them */
};

struct cfg_tenant {
	char name[CFG_NAME_MAX];
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	uint32_t pool_bufs;   /* default 8192 */
	uint32_t inflight;    /* default CFG_INFLIGHT_DEFAULT, at most pool_bufs */
	uint32_t buf_size;    /* default cfg_buf_size_default() */
	uint32_t socket_mode; /* default 0660 */
	int line;
	struct cfg_pos at; /* the tenant's entry */
};

struct cfg_service {
	char name[CFG_NAME_MAX];
	uint16_t tenant;              /* index into tenants */
	char *argv[CFG_MAX_ARGS + 1]; /* command; argv[0] NULL: NFs are started by hand */
	unsigned int instances;       /* default 1 */
	bool restart;                 /* default true */
	char patterns[CFG_PATH_MAX]; /* scan patterns file, needed for a hop of it to run on: nic */
	struct cfg_pos patterns_at;
	struct cfg_cpus cpus; /* where its instances run (default: manager.cpus' nfs) */
	int line;
};

enum cfg_hop_where { CFG_ON_HOST, CFG_ON_NIC };
enum cfg_failure { CFG_FAIL_DROP, CFG_FAIL_SKIP };

struct cfg_hop {
	uint16_t service;      /* index into services */
	enum cfg_hop_where on; /* on: nic only for a leading scan hop */
};

struct cfg_chain {
	char name[CFG_NAME_MAX];
	struct tenet_match match; /* classification rule for this chain */
	int32_t priority;         /* default: order in the file (0, 1, 2, ...) */
	uint16_t tenant;          /* tenant the packet lands in: the first hop's */
	struct cfg_hop hops[CFG_MAX_HOPS];
	unsigned int nb_hops; /* >= 1 */
	int output;           /* port index, or -1: drop at the end of the chain */
	enum cfg_failure
	        on_failure; /* an NF of the chain is down: drop (default) or skip the hop */
	int line;
};

/* A TCP address to listen on (manager: metrics; tenet run --metrics). */
struct cfg_listen {
	bool set; /* false: off (the default) */
	bool v6;  /* addr holds 16 bytes of IPv6, else 4 of IPv4 */
	uint8_t addr[16];
	uint16_t port; /* 1..65535 */
	char text[64]; /* "127.0.0.1:9464", "[::1]:9464": for messages */
};

/* manager.nic_stage: a software port's NIC stage on a thread of its own, or in the dispatcher's. */
enum cfg_nic_stage { CFG_NIC_STAGE_AUTO, CFG_NIC_STAGE_THREAD, CFG_NIC_STAGE_INLINE };

struct cfg_manager {
	char socket_dir[CFG_PATH_MAX]; /* default $XDG_RUNTIME_DIR/tenet, else /tmp/tenet-UID */
	bool poll;                     /* pure polling (default false: adaptive) */
	double stats_interval;         /* seconds between live tables, 0: off (default 1) */
	enum cfg_place place;          /* cpus: auto | none | {manager, nfs} */
	struct cfg_cpus mgr_cpus;      /* cpus.manager: the manager's data-plane threads */
	struct cfg_cpus nf_cpus;       /* cpus.nfs: the NFs it starts */
	struct cfg_listen metrics;     /* Prometheus /metrics server (default: off) */
	unsigned int dispatchers;      /* dispatcher shards, 1..CFG_MAX_DISPATCHERS (default 1) */
	enum cfg_nic_stage nic_stage;  /* where the software ports' NIC stages run (default auto) */
	struct cfg_pos dispatchers_at;
};

struct tenet_config {
	char path[CFG_PATH_MAX];
	struct cfg_manager mgr;
	struct cfg_port ports[CFG_MAX_PORTS];
	unsigned int nb_ports;
	struct cfg_tenant tenants[CFG_MAX_TENANTS];
	unsigned int nb_tenants;
	struct cfg_service services[CFG_MAX_SERVICES];
	unsigned int nb_services;
	struct cfg_chain chains[CFG_MAX_CHAINS];
	unsigned int nb_chains;
	int default_chain; /* -1: drop unmatched packets (default) */
};

/* A classification rule added at run time: match -> chain. */
struct cfg_rule {
	struct tenet_match match;
	int32_t priority;
	int chain;
};

#endif /* TENET_MGR_CONFIG_TYPES_H */
