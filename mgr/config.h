/*
 * Manager configuration: the YAML file given to `tenet run`, parsed into
 * plain structs. Every error names file, line and column and what was
 * expected; unknown keys are errors. Names are resolved to indices here
 * (hop -> service, chain output -> port, rule port -> port), so the rest
 * of the manager never looks a name up on the data path.
 *
 * Schema (see docs/config.md for every key, default and an example):
 *
 *   manager:  {socket_dir, poll, stats_interval, cpus, metrics}
 *   ports:    [{name, driver: gen|sink|pcap|afpacket|afxdp, steer: nic|cpu|shared, ...}]
 *   tenants:  [{name, uid, gid, pool_bufs, inflight, buf_size, socket_mode}]
 *   services: [{name, tenant, command, instances, restart}]
 *   chains:   [{name, match: {...}, priority, hops: [tenant/service | {service, on}],
 *               output, on_failure: drop|skip}]
 *   default:  drop | CHAIN-NAME
 */
#ifndef TENET_MGR_CONFIG_H
#define TENET_MGR_CONFIG_H

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
	uint32_t buf_size;    /* default 2048 */
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

struct cfg_manager {
	char socket_dir[CFG_PATH_MAX]; /* default $XDG_RUNTIME_DIR/tenet, else /tmp/tenet-UID */
	bool poll;                     /* pure polling (default false: adaptive) */
	double stats_interval;         /* seconds between live tables, 0: off (default 1) */
	enum cfg_place place;          /* cpus: auto | none | {manager, nfs} */
	struct cfg_cpus mgr_cpus;      /* cpus.manager: the manager's data-plane threads */
	struct cfg_cpus nf_cpus;       /* cpus.nfs: the NFs it starts */
	struct cfg_listen metrics;     /* Prometheus /metrics server (default: off) */
	unsigned int dispatchers;      /* dispatcher shards, 1..CFG_MAX_DISPATCHERS (default 1) */
	struct cfg_pos dispatchers_at;
};

/*
 * Parse a listen address: "PORT" or ":PORT" (127.0.0.1, loopback),
 * "A.B.C.D:PORT", "[IPv6]:PORT"; numeric addresses only, PORT 1..65535.
 * 0 and *out filled, or -1 with what was wrong in why (*out unchanged).
 */
int config_listen_parse(const char *s, struct cfg_listen *out, char *why, size_t len);
#define CFG_LISTEN_EXPECT "PORT, :PORT (127.0.0.1), A.B.C.D:PORT or [IPv6]:PORT"

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

/*
 * Load and check a config file. On error returns NULL and writes one line
 * "FILE:LINE:COL: what was wrong, what was expected" into err.
 */
struct tenet_config *tenet_config_load(const char *path, char *err, size_t errlen);
/* Same, from a string (tests); 'name' stands in for the file name in messages. */
struct tenet_config *tenet_config_parse(const char *text, size_t len, const char *name, char *err,
                                        size_t errlen);
void tenet_config_free(struct tenet_config *cfg);

/*
 * The checks that depend on the machine, for the manager that is about to
 * run cfg (tenet run), not for a client of a running one (tenet ctl: the
 * manager's pools already hold their memory, and relative paths may not
 * resolve from the client's directory): every file the config names that
 * the manager or an NF reads (patterns, pcap in) is a regular file, opened
 * without blocking, of bounded size (lib/file.h); all pools together fit
 * in the memory the machine has available now (MemAvailable). 0, or -1
 * with one line "FILE:LINE:COL: what was wrong; expected ..." in err.
 */
int tenet_config_check_host(const struct tenet_config *cfg, char *err, size_t errlen);

const char *cfg_steer_name(enum cfg_steer s);

/*
 * Run-time changes (tenet ctl). Parse one chain, given as a YAML mapping
 * with the keys of a config chain, into cfg->chains[cfg->nb_chains] and
 * return that index; the caller commits it by incrementing nb_chains.
 * Messages are "request:LINE:COL: ...". Returns -1 on error.
 */
int tenet_config_parse_chain(struct tenet_config *cfg, const char *text, size_t len, char *err,
                             size_t errlen);

/* A classification rule added at run time: match -> chain. */
struct cfg_rule {
	struct tenet_match match;
	int32_t priority;
	int chain;
};

/* Parse {match: {...}, chain: NAME, priority: N}. 0 or -1 with err set. */
int tenet_config_parse_rule(struct tenet_config *cfg, const char *text, size_t len,
                            struct cfg_rule *out, char *err, size_t errlen);

#endif /* TENET_MGR_CONFIG_H */
