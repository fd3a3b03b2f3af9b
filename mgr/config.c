/*
 * Config loader: reads the YAML file given to `tenet run` (through
 * lib/cfgread.h, libyaml's document API: every node keeps its line and
 * column) and turns it into the plain structs of mgr/config.h, checking
 * everything on the way. This file walks the document and reads the
 * manager, the keys every port has, and the tenants, and checks the pools
 * against the ports and the machine; each port driver reads its own keys
 * (struct port_driver, ports/port.h); mgr/config_chain.c reads services,
 * chains and the default, and the fragments tenet ctl sends.
 *
 * The file is loaded whole, then the sections are walked in dependency
 * order (manager, ports, tenants, services, chains, default) whatever their
 * order in the file, so that every name can be resolved to an index the
 * moment it is read. The first problem stops the load: it is reported as
 * one line "FILE:LINE:COL: what was wrong; expected ..." (1-based) and
 * nothing is returned. Unknown keys, duplicate keys and driver options on
 * the wrong driver are errors, never silently ignored: a typo in a config
 * must not turn into a default.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "lib/cfgread.h"
#include "lib/err.h"
#include "lib/file.h"
#include "mgr/config.h"
#include "mgr/config_parse.h"
#include "ports/port.h"
#include "tenet/pool.h"

#define CFG_FILE_MAX (16u << 20) /* a config larger than this is a mistake */

/* ---------------------------------------------------------------- manager */

int config_listen_parse(const char *s, struct cfg_listen *out, char *why, size_t len)
{
	struct cfg_listen l = {.set = true};
	char host[48];
	const char *port = s, *end;
	unsigned long v = 0;
	size_t hl = 0;

	if (s[0] == '[') { /* [IPv6]:PORT */
		end = strchr(s, ']');
		if (!end || end[1] != ':') {
			snprintf(why, len, "an IPv6 address is written [ADDR]:PORT");
			return -1;
		}
		hl = (size_t)(end - s - 1);
		port = end + 2;
		l.v6 = true;
		if (hl >= sizeof(host))
			goto bad_addr;
		memcpy(host, s + 1, hl);
	} else if ((end = strrchr(s, ':'))) { /* A.B.C.D:PORT or :PORT */
		hl = (size_t)(end - s);
		port = end + 1;
		if (hl >= sizeof(host))
			goto bad_addr;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    (v = strtoul(port, NULL, 10)) < 1 || v > 65535) {
		snprintf(why, len, "port '%.16s' is not a number in 1..65535", port);
		return -1;
	}
	l.port = (uint16_t)v;
	if (!hl && !l.v6) {
		l.addr[0] = 127;
		l.addr[3] = 1;
	} else if (inet_pton(l.v6 ? AF_INET6 : AF_INET, host, l.addr) != 1) {
		goto bad_addr;
	}
	if (l.v6)
		snprintf(l.text, sizeof(l.text), "[%s]:%u", host, l.port);
	else
		snprintf(l.text, sizeof(l.text), "%u.%u.%u.%u:%u", l.addr[0], l.addr[1], l.addr[2],
		         l.addr[3], l.port);
	*out = l;
	return 0;
bad_addr:
	snprintf(why, len, "'%.*s' is not a numeric %s address", (int)(hl < 40 ? hl : 40),
	         hl < sizeof(host) ? host : s, l.v6 ? "IPv6" : "IPv4");
	return -1;
}

static int parse_cpus(struct ctx *c, yaml_node_t *n, struct cfg_manager *m)
{
	static const char *const keys[] = {"manager", "nfs", NULL};
	yaml_node_t *v;

	if (n->type == YAML_SCALAR_NODE && !strcmp(cfg_text(n), "auto"))
		return 0;
	if (n->type == YAML_SCALAR_NODE && !strcmp(cfg_text(n), "none")) {
		m->place = CFG_PLACE_NONE;
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return cfg_bad(&c->r, n, "cpus",
		               "auto, none or a mapping {manager: CPUS, nfs: CPUS}");
	if (cfg_check_keys(&c->r, n, "cpus", keys) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "manager")) &&
	    config_get_cpus(&c->r, v, "manager", &m->mgr_cpus) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "nfs")) && config_get_cpus(&c->r, v, "nfs", &m->nf_cpus) < 0)
		return -1;
	return 0;
}

static int parse_manager(struct ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = {"socket_dir", "poll",        "stats_interval", "cpus",
	                                   "metrics",    "dispatchers", "nic_stage",      NULL};
	static const char *const stages[] = {"auto", "thread", "inline", NULL};
	char addr[64], why[96];
	struct cfg_manager *m = &c->cfg->mgr;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	yaml_node_t *v;
	int64_t i64;
	int len = -1;

	if (xdg && *xdg)
		len = snprintf(m->socket_dir, sizeof(m->socket_dir), "%s/tenet", xdg);
	if (len < 0 || (size_t)len >= sizeof(m->socket_dir))
		snprintf(m->socket_dir, sizeof(m->socket_dir), "/tmp/tenet-%u",
		         (unsigned int)getuid());
	m->poll = false;
	m->stats_interval = 1;
	m->dispatchers = 1;
	if (!n || cfg_is_null(n))
		return 0;
	if (cfg_want_map(&c->r, n, "manager",
	                 "a mapping with keys socket_dir, poll, stats_interval, cpus, metrics, "
	                 "dispatchers, nic_stage") < 0 ||
	    cfg_check_keys(&c->r, n, "manager", keys) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "socket_dir")) &&
	    cfg_get_str(&c->r, v, "socket_dir", m->socket_dir, sizeof(m->socket_dir)) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "poll")) && cfg_get_bool(&c->r, v, "poll", &m->poll) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "stats_interval")) &&
	    cfg_get_num(&c->r, v, "stats_interval", 0, 86400, &m->stats_interval) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "cpus")) && parse_cpus(c, v, m) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "metrics")) &&
	    (cfg_get_str(&c->r, v, "metrics", addr, sizeof(addr)) < 0 ||
	     (config_listen_parse(addr, &m->metrics, why, sizeof(why)) < 0 &&
	      cfg_fail(&c->r, v, "metrics '%s': %s; expected " CFG_LISTEN_EXPECT, addr, why) < 0)))
		return -1;
	if ((v = cfg_get(&c->r, n, "dispatchers"))) {
		if (cfg_get_int(&c->r, v, "dispatchers", 1, CFG_MAX_DISPATCHERS, &i64) < 0)
			return -1;
		m->dispatchers = (unsigned int)i64;
		m->dispatchers_at = cfg_pos_of(v);
	}
	if ((v = cfg_get(&c->r, n, "nic_stage"))) {
		int e;

		if (cfg_get_enum(&c->r, v, "nic_stage", stages, &e) < 0)
			return -1;
		m->nic_stage = (enum cfg_nic_stage)e;
		if (m->nic_stage == CFG_NIC_STAGE_INLINE && m->dispatchers > 1)
			return cfg_fail(&c->r, v,
			                "nic_stage: inline runs the NIC stages in the one "
			                "dispatcher's thread; expected dispatchers: 1 with it, or "
			                "nic_stage: auto or thread");
	}
	return 0;
}

/* ---------------------------------------------------------------- ports */

static const char *const steer_names[] = {"nic", "cpu", "shared", NULL};

static const char *const port_keys[] = {"name", "driver", "steer", NULL};

const char *cfg_steer_name(enum cfg_steer s)
{
	return (unsigned int)s < 3 ? steer_names[s] : "?";
}

/* The keys every port has and the driver's own (struct port_driver, ports/port.h). */
static int port_check_keys(struct ctx *c, yaml_node_t *n, enum cfg_driver drv)
{
	const char *const *own = port_driver_find(drv)->keys;
	char list[CFG_LIST_MAX];
	yaml_node_pair_t *p;

	if (cfg_check_keys(&c->r, n, "port", NULL) < 0)
		return -1;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(&c->r, p->key);

		if (cfg_in_list(cfg_text(k), port_keys) || cfg_in_list(cfg_text(k), own))
			continue;
		cfg_join(list, sizeof(list), port_keys);
		for (const char *const *o = own; *o; o++)
			cfg_append(list, sizeof(list), ", %s", *o);
		for (int d = 0; port_driver_names[d]; d++)
			if (cfg_in_list(cfg_text(k), port_driver_find((enum cfg_driver)d)->keys))
				return cfg_fail(
				        &c->r, k,
				        "key '%s' is for driver %s, not %s; expected one of: %s",
				        cfg_text(k), port_driver_names[d], port_driver_names[drv],
				        list);
		return cfg_fail(&c->r, k, "unknown key '%s' in %s port; expected one of: %s",
		                cfg_text(k), port_driver_names[drv], list);
	}
	return 0;
}

static int parse_port(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	struct cfg_port *p = &c->cfg->ports[idx];
	const struct port_driver *drv;
	yaml_node_t *v;
	int e;

	if (cfg_want_map(&c->r, n, "port", "a mapping {name, driver, ...}") < 0)
		return -1;
	p->line = (int)n->start_mark.line + 1;
	c->port_node[idx] = n;
	if (!(v = cfg_get(&c->r, n, "driver")))
		return cfg_fail(
		        &c->r, n,
		        "missing required key 'driver' in port; expected driver: gen, sink, "
		        "pcap, afpacket or afxdp");
	if (cfg_get_enum(&c->r, v, "driver", port_driver_names, &e) < 0)
		return -1;
	p->driver = (enum cfg_driver)e;
	if (port_check_keys(c, n, p->driver) < 0)
		return -1;
	if (!(v = cfg_get(&c->r, n, "name")))
		return cfg_fail(&c->r, n,
		                "missing required key 'name' in port; expected name: NAME");
	if (cfg_get_name(&c->r, v, "name", p->name) < 0)
		return -1;
	for (unsigned int i = 0; i < idx; i++)
		if (!strcmp(c->cfg->ports[i].name, p->name))
			return cfg_fail(
			        &c->r, v,
			        "duplicate port name '%s' (first at line %d); expected unique "
			        "names",
			        p->name, c->cfg->ports[i].line);
	p->steer = CFG_STEER_NIC;
	if ((v = cfg_get(&c->r, n, "steer"))) {
		if (cfg_get_enum(&c->r, v, "steer", steer_names, &e) < 0)
			return -1;
		p->steer = (enum cfg_steer)e;
		c->steer_node[idx] = v;
	}
	drv = port_driver_find(p->driver);
	p->can_rx = drv->rx != NULL;
	p->can_tx = drv->tx != NULL;
	return drv->parse ? drv->parse(&c->r, n, p) : 0;
}

/*
 * steer shared means one global pool for every NF: it cannot coexist with
 * per-tenant pools. A port that did not say (a sink, usually) follows the
 * platform; one that did and disagrees is an error.
 */
static int check_steer(struct ctx *c)
{
	struct tenet_config *cfg = c->cfg;
	int shared = -1, other = -1;

	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		bool rx = port_driver_find(cfg->ports[i].driver)->rx != NULL;

		if (!c->steer_node[i] && !rx)
			continue;
		if (cfg->ports[i].steer == CFG_STEER_SHARED) {
			if (shared < 0)
				shared = (int)i;
		} else if (other < 0) {
			other = (int)i;
		}
	}
	if (shared < 0)
		return 0;
	if (other >= 0) {
		unsigned int late = (unsigned int)(shared > other ? shared : other);
		unsigned int early = (unsigned int)(shared > other ? other : shared);
		yaml_node_t *at = c->steer_node[late] ? c->steer_node[late] : c->port_node[late];

		return cfg_fail(
		        &c->r, at,
		        "port '%s' uses steer %s%s but port '%s' uses steer %s, and the shared "
		        "pool is platform-wide (one pool for all tenants); expected every "
		        "port to use steer shared, or none",
		        cfg->ports[late].name, cfg_steer_name(cfg->ports[late].steer),
		        c->steer_node[late] ? "" : " (the default)", cfg->ports[early].name,
		        cfg_steer_name(cfg->ports[early].steer));
	}
	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		cfg->ports[i].steer = CFG_STEER_SHARED;
	return 0;
}

/*
 * Dispatcher shards own tenant pools (pool k: shard k % dispatchers).
 * steer shared has one pool, so one shard; an afxdp port's zero-copy
 * transmit queue and its receive path have one consumer, the one
 * dispatcher (ports/afxdp_xsk.c). Both are refused with more than one shard.
 */
static int check_dispatchers(struct ctx *c)
{
	struct tenet_config *cfg = c->cfg;

	if (cfg->mgr.dispatchers <= 1)
		return 0;
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		if (cfg->ports[i].steer == CFG_STEER_SHARED)
			return cfg_fail_at(
			        &c->r, cfg->mgr.dispatchers_at,
			        "dispatchers %u with port '%s' on steer shared: the shared pool "
			        "has one owner; expected dispatchers: 1, or steer nic or cpu",
			        cfg->mgr.dispatchers, cfg->ports[i].name);
		if (cfg->ports[i].driver == CFG_DRV_AFXDP)
			return cfg_fail_at(
			        &c->r, cfg->mgr.dispatchers_at,
			        "dispatchers %u with afxdp port '%s': an afxdp port serves one "
			        "dispatcher; expected dispatchers: 1, or no afxdp port",
			        cfg->mgr.dispatchers, cfg->ports[i].name);
	}
	return 0;
}

static int parse_ports(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (cfg_want_list(&c->r, n, "ports", "a list of ports", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_PORTS)
			return cfg_fail(&c->r, cfg_node(&c->r, items[i]),
			                "too many ports; expected at most %d", CFG_MAX_PORTS);
		if (parse_port(c, cfg_node(&c->r, items[i]), i) < 0)
			return -1;
		c->cfg->nb_ports = i + 1;
	}
	return check_steer(c);
}

/* ---------------------------------------------------------------- tenants */

uint32_t cfg_buf_size_default(const struct tenet_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		if (cfg->ports[i].driver == CFG_DRV_AFXDP)
			return CFG_BUF_SIZE_XSK;
	return CFG_BUF_SIZE_SPREAD;
}

static int parse_tenant(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",     "uid",      "gid",         "pool_bufs",
	                                   "inflight", "buf_size", "socket_mode", NULL};
	struct cfg_tenant *t = &c->cfg->tenants[idx];
	yaml_node_t *v;
	int64_t i64;

	if (cfg_want_map(&c->r, n, "tenant", "a mapping {name, uid, gid, pool_bufs, ...}") < 0 ||
	    cfg_check_keys(&c->r, n, "tenant", keys) < 0)
		return -1;
	t->line = (int)n->start_mark.line + 1;
	t->at = cfg_pos_of(n);
	c->tenant_node[idx] = n;
	if (!(v = cfg_get(&c->r, n, "name")))
		return cfg_fail(&c->r, n,
		                "missing required key 'name' in tenant; expected name: NAME");
	if (cfg_get_name(&c->r, v, "name", t->name) < 0)
		return -1;
	for (unsigned int i = 0; i < idx; i++)
		if (!strcmp(c->cfg->tenants[i].name, t->name))
			return cfg_fail(
			        &c->r, v,
			        "duplicate tenant name '%s' (first at line %d); expected unique "
			        "names",
			        t->name, c->cfg->tenants[i].line);
	if ((v = cfg_get(&c->r, n, "uid"))) {
		if (cfg_get_int(&c->r, v, "uid", 0, UINT32_MAX - 1, &i64) < 0)
			return -1;
		t->uid = (uid_t)i64;
		t->has_uid = true;
	}
	if ((v = cfg_get(&c->r, n, "gid"))) {
		if (cfg_get_int(&c->r, v, "gid", 0, UINT32_MAX - 1, &i64) < 0)
			return -1;
		t->gid = (gid_t)i64;
		t->has_gid = true;
	}
	t->pool_bufs = 8192;
	if ((v = cfg_get(&c->r, n, "pool_bufs"))) {
		if (cfg_get_int(&c->r, v, "pool_bufs", 64, 1048576, &i64) < 0)
			return -1;
		t->pool_bufs = (uint32_t)i64;
	}
	t->inflight = CFG_INFLIGHT_DEFAULT;
	if ((v = cfg_get(&c->r, n, "inflight"))) {
		if (cfg_get_int(&c->r, v, "inflight", 32, 1048576, &i64) < 0)
			return -1;
		t->inflight = (uint32_t)i64;
	}
	if (t->inflight > t->pool_bufs)
		t->inflight = t->pool_bufs; /* the pool bounds it anyway */
	t->buf_size = cfg_buf_size_default(c->cfg);
	if ((v = cfg_get(&c->r, n, "buf_size"))) {
		c->buf_size_node[idx] = v;
		if (cfg_get_int(&c->r, v, "buf_size", 512, 65536, &i64) < 0)
			return -1;
		if (i64 % 64)
			return cfg_fail(
			        &c->r, v,
			        "buf_size %lld is not a multiple of 64; expected a multiple "
			        "of 64 in 512..65536",
			        (long long)i64);
		t->buf_size = (uint32_t)i64;
	}
	t->socket_mode = 0660;
	if ((v = cfg_get(&c->r, n, "socket_mode"))) {
		/* always octal, as chmod takes it: 660, 0660, "0660" and 0o660 agree */
		const char *s = v->type == YAML_SCALAR_NODE ? cfg_text(v) : "";
		unsigned long mode;
		char *end;

		if (s[0] == '0' && s[1] == 'o')
			s += 2;
		errno = 0;
		mode = strtoul(s, &end, 8);
		if (v->type != YAML_SCALAR_NODE || !*s || *end || errno || mode > 0777 ||
		    !isdigit((unsigned char)*s))
			return cfg_bad(&c->r, v, "socket_mode",
			               "an octal file mode in 0..0777, e.g. 0660");
		t->socket_mode = (uint32_t)mode;
	}
	return 0;
}

static int parse_tenants(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (cfg_want_list(&c->r, n, "tenants", "a list of tenants", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_TENANTS)
			return cfg_fail(&c->r, cfg_node(&c->r, items[i]),
			                "too many tenants; expected at most %d", CFG_MAX_TENANTS);
		if (parse_tenant(c, cfg_node(&c->r, items[i]), i) < 0)
			return -1;
		c->cfg->nb_tenants = i + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- pools */

/*
 * Memory this machine can give the pools now, in bytes, and where that
 * figure came from. MemAvailable: the pools are mapped MAP_POPULATE (every
 * byte is allocated at start, lib/pool.c), so what counts is what can be
 * allocated now without swapping, not the installed total. Free huge pages
 * are added: lib/pool.c takes a pool from them when some are reserved, and
 * reserved huge pages are not part of MemAvailable. MemTotal, then
 * sysinfo(), only when the kernel does not report MemAvailable (before
 * Linux 3.14). 0: unknown (no check).
 */
static uint64_t mem_available(const char **src)
{
	uint64_t avail = 0, total = 0, huge_free = 0, huge_size = 0;
	struct sysinfo si;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
				avail = (uint64_t)v << 10;
			else if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
				total = (uint64_t)v << 10;
			else if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
				huge_free = v;
			else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
				huge_size = (uint64_t)v << 10;
		}
		fclose(f);
	}
	if (avail && huge_free && huge_size) {
		*src = "MemAvailable + free huge pages in /proc/meminfo";
		return avail + huge_free * huge_size;
	}
	if (avail) {
		*src = "MemAvailable in /proc/meminfo";
		return avail;
	}
	if (total) {
		*src = "MemTotal in /proc/meminfo";
		return total;
	}
	if (sysinfo(&si) == 0 && si.totalram) {
		*src = "sysinfo() total RAM";
		return (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
	}
	return 0;
}

static double gib(uint64_t b)
{
	return (double)b / (double)(1ull << 30);
}

/* steer shared: one pool holds every tenant's buffers, at most 2^24 of them */
static int check_pool_buffers(struct ctx *c)
{
	const struct tenet_config *cfg = c->cfg;
	uint64_t bufs = 0;

	if (!cfg->nb_tenants || !cfg->nb_ports || cfg->ports[0].steer != CFG_STEER_SHARED)
		return 0;
	for (unsigned int t = 0; t < cfg->nb_tenants; t++)
		bufs += cfg->tenants[t].pool_bufs;
	if (bufs <= (1u << 24))
		return 0;
	return cfg_fail(&c->r, c->tenant_node[cfg->nb_tenants - 1],
	                "steer shared puts every tenant's buffers in one pool: %llu buffers in "
	                "all; expected at most %u (pool_bufs summed over tenants)",
	                (unsigned long long)bufs, 1u << 24);
}

/*
 * All the tenants' pools together against the machine's memory: a config
 * asking for more than there is would end in the OOM killer, not in an
 * error. With steer shared, the one pool holds every tenant's buffers at
 * the largest buf_size.
 */
static int check_pool_memory(struct ctx *c)
{
	const struct tenet_config *cfg = c->cfg;
	bool shared = cfg->nb_ports && cfg->ports[0].steer == CFG_STEER_SHARED;
	uint64_t total = 0, avail;
	uint32_t size = 0;
	const char *src = "";
	int over = -1;

	for (unsigned int t = 0; t < cfg->nb_tenants; t++)
		if (cfg->tenants[t].buf_size > size)
			size = cfg->tenants[t].buf_size;
	avail = mem_available(&src);
	for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
		total += (uint64_t)cfg->tenants[t].pool_bufs *
		         (shared ? size : cfg->tenants[t].buf_size);
		if (over < 0 && avail && total > avail)
			over = (int)t;
	}
	if (over < 0)
		return 0;
	{
		const struct cfg_tenant *t = &cfg->tenants[over];
		uint32_t tsize = shared ? size : t->buf_size;

		return cfg_fail_at(
		        &c->r, t->at,
		        "the pools need %.2f GiB (%llu bytes) in all, more than the %.2f GiB "
		        "this machine has (%s); the sum passes it at tenant '%s' (%u x %u B = "
		        "%.1f GiB); expected pools (pool_bufs x buf_size, summed over tenants) "
		        "that fit in memory",
		        gib(total), (unsigned long long)total, gib(avail), src, t->name,
		        t->pool_bufs, tsize, gib((uint64_t)t->pool_bufs * tsize));
	}
}

/* A CPU list names only CPUs this process may run on (sched_getaffinity). */
static int check_cpus(struct ctx *c, const struct cfg_cpus *cpus, const char *key)
{
	cpu_set_t allowed, both;
	char have[128];
	size_t len = 0;

	if (!cpus->given)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return cfg_fail_at(&c->r, cpus->at, "%s: cannot read this process's CPUs: %s", key,
		                   strerror(errno));
	CPU_AND(&both, &cpus->set, &allowed);
	if (CPU_EQUAL(&both, &cpus->set))
		return 0;
	have[0] = '\0';
	for (int i = 0; i < CPU_SETSIZE && len + 8 < sizeof(have); i++)
		if (CPU_ISSET(i, &allowed))
			len += (size_t)snprintf(have + len, sizeof(have) - len, "%s%d",
			                        len ? "," : "", i);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cpus->set) && !CPU_ISSET(i, &allowed))
			return cfg_fail_at(
			        &c->r, cpus->at,
			        "%s: CPU %d is not one this process may run on; expected "
			        "CPUs from %s",
			        key, i, have);
	return 0;
}

int tenet_config_check_host(const struct tenet_config *cfg, char *err, size_t errlen)
{
	struct ctx c = {.r = {.name = cfg->path, .err = err, .errlen = errlen},
	                .cfg = (struct tenet_config *)(uintptr_t)cfg};

	if (err && errlen)
		err[0] = '\0';
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		const struct port_driver *drv = port_driver_find(cfg->ports[i].driver);

		if (drv->check_host && drv->check_host(&c.r, &cfg->ports[i]) < 0)
			return -1;
	}
	for (unsigned int i = 0; i < cfg->nb_services; i++)
		if (cfg->services[i].patterns[0] &&
		    cfg_check_file(&c.r, cfg->services[i].patterns_at, "patterns",
		                   cfg->services[i].patterns, TENET_FILE_MAX) < 0)
			return -1;
	if (check_cpus(&c, &cfg->mgr.mgr_cpus, "cpus.manager") < 0 ||
	    check_cpus(&c, &cfg->mgr.nf_cpus, "cpus.nfs") < 0)
		return -1;
	for (unsigned int i = 0; i < cfg->nb_services; i++)
		if (check_cpus(&c, &cfg->services[i].cpus, "cpus") < 0)
			return -1;
	return check_pool_memory(&c);
}

/*
 * Every pool must hold the largest frame every receiving port whose
 * largest frame the config fixes (gen: its sizes) can deliver: rules can
 * send any port's traffic to any tenant (also at run time, tenet ctl).
 * Ports whose frames the config does not bound (pcap records, afpacket and
 * afxdp frames: the file, the MTU, GRO) are checked frame by frame on
 * receive instead, and what does not fit is dropped as oversize.
 */
static int check_pool_frames(struct ctx *c)
{
	const struct tenet_config *cfg = c->cfg;
	bool shared = cfg->nb_ports && cfg->ports[0].steer == CFG_STEER_SHARED;
	uint32_t shared_size = 0;

	for (unsigned int t = 0; t < cfg->nb_tenants; t++)
		if (cfg->tenants[t].buf_size > shared_size)
			shared_size = cfg->tenants[t].buf_size;
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		struct cfg_port *p = &c->cfg->ports[i];
		const struct port_driver *drv;
		unsigned int max;

		for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
			uint32_t room =
			        (shared ? shared_size : cfg->tenants[t].buf_size) - TENET_HEADROOM;

			if (!p->min_room || room < p->min_room) {
				p->min_room = room;
				snprintf(p->min_room_tenant, sizeof(p->min_room_tenant), "%s",
				         cfg->tenants[t].name);
			}
		}
		drv = port_driver_find(p->driver);
		if (!drv->max_frame || !(max = drv->max_frame(p)))
			continue;
		for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
			const struct cfg_tenant *tn = &cfg->tenants[t];
			uint32_t size = shared ? shared_size : tn->buf_size;
			unsigned int need = (max + TENET_HEADROOM + 63) / 64 * 64;
			yaml_node_t *at =
			        c->buf_size_node[t] ? c->buf_size_node[t] : c->tenant_node[t];

			if (max + TENET_HEADROOM <= size)
				continue;
			return cfg_fail(
			        &c->r, at,
			        "tenant '%s' %spool cannot hold the frames of port '%s' (%s, "
			        "line %d): its buffers take frames of up to %u bytes (buf_size "
			        "%u less %u of headroom), the port sends frames of up to %u "
			        "bytes (size %u less the 4-byte FCS); expected buf_size >= %u "
			        "or smaller %s sizes",
			        tn->name, shared ? "(shared) " : "", p->name, drv->name, p->line,
			        size - TENET_HEADROOM, size, TENET_HEADROOM, max, max + 4,
			        need < 512 ? 512 : need, drv->name);
		}
	}
	return 0;
}

/* Driver keys that name tenants (afxdp tenant_ifs): the tenants are read after the ports. */
static int resolve_ports(struct ctx *c)
{
	const char *names[CFG_MAX_TENANTS];

	for (unsigned int t = 0; t < c->cfg->nb_tenants; t++)
		names[t] = c->cfg->tenants[t].name;
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++) {
		const struct port_driver *drv = port_driver_find(c->cfg->ports[i].driver);

		if (drv->resolve && drv->resolve(&c->r, c->port_node[i], &c->cfg->ports[i], names,
		                                 c->cfg->nb_tenants) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- top level */

static int parse_root(struct ctx *c, yaml_node_t *root)
{
	static const char *const keys[] = {"manager", "ports",   "tenants", "services",
	                                   "chains",  "default", NULL};
	yaml_node_t *v;

	if (cfg_want_map(&c->r, root, "the config",
	                 "a mapping with sections manager, ports, tenants, services, chains, "
	                 "default") < 0 ||
	    cfg_check_keys(&c->r, root, "the config", keys) < 0)
		return -1;
	if (parse_manager(c, cfg_get(&c->r, root, "manager")) < 0)
		return -1;
	if ((v = cfg_get(&c->r, root, "ports")) && parse_ports(c, v) < 0)
		return -1;
	if (check_dispatchers(c) < 0)
		return -1;
	if ((v = cfg_get(&c->r, root, "tenants")) && parse_tenants(c, v) < 0)
		return -1;
	if (check_pool_buffers(c) < 0 || check_pool_frames(c) < 0)
		return -1;
	if (resolve_ports(c) < 0)
		return -1;
	if ((v = cfg_get(&c->r, root, "services")) && config_parse_services(c, v) < 0)
		return -1;
	if ((v = cfg_get(&c->r, root, "chains")) && config_parse_chains(c, v) < 0)
		return -1;
	return config_parse_default(c, cfg_get(&c->r, root, "default"));
}

struct tenet_config *tenet_config_parse(const char *text, size_t len, const char *name, char *err,
                                        size_t errlen)
{
	struct ctx c = {.r = {.name = name ? name : "<config>", .err = err, .errlen = errlen}};
	yaml_node_t *root;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (!c.cfg) {
		cfg_fail(&c.r, NULL, "out of memory; expected room for the config");
		return NULL;
	}
	snprintf(c.cfg->path, sizeof(c.cfg->path), "%s", c.r.name);
	if (cfg_load(&c.r, text, len,
	             "the config is empty; expected a mapping with sections manager, ports, "
	             "tenants, services, chains, default",
	             true, &root) < 0) {
		free(c.cfg);
		return NULL;
	}
	rc = parse_root(&c, root);
	cfg_unload(&c.r);
	if (rc < 0) {
		tenet_config_free(c.cfg);
		return NULL;
	}
	return c.cfg;
}

struct tenet_config *tenet_config_load(const char *path, char *err, size_t errlen)
{
	struct tenet_config *cfg;
	char ferr[CFG_PATH_MAX + 128], *buf;
	size_t len;

	/* a regular file only (a FIFO would block the open, /dev/zero never
	 * end), opened without blocking, close-on-exec, at most CFG_FILE_MAX */
	if (tenet_file_read(path, CFG_FILE_MAX, &buf, &len, ferr, sizeof(ferr)) < 0) {
		tenet_err(err, errlen, "%s (the YAML config)", ferr);
		return NULL;
	}
	cfg = tenet_config_parse(buf, len, path, err, errlen);
	free(buf);
	return cfg;
}

void tenet_config_free(struct tenet_config *cfg)
{
	if (!cfg)
		return;
	for (unsigned int i = 0; i < cfg->nb_services; i++)
		for (unsigned int a = 0; a < CFG_MAX_ARGS && cfg->services[i].argv[a]; a++)
			free(cfg->services[i].argv[a]);
	free(cfg);
}
