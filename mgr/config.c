/*
 * Config loader: reads the YAML file given to `tenet run` with libyaml's
 * document API (every node keeps its line and column) and turns it into
 * the plain structs of mgr/config.h, checking everything on the way.
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
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include <yaml.h>

#include "lib/cfgread.h"
#include "lib/err.h"
#include "lib/file.h"
#include "mgr/config.h"
#include "ports/port.h"
#include "tenet/pool.h"

#define CFG_FILE_MAX (16u << 20) /* a config larger than this is a mistake */

struct ctx {
	struct cfg_reader r; /* the document, the file name and the error buffer */
	struct tenet_config *cfg;
	/* per port: the steer node if given (NULL: defaulted), and the port node */
	yaml_node_t *steer_node[CFG_MAX_PORTS];
	yaml_node_t *port_node[CFG_MAX_PORTS];
	yaml_node_t *tenant_node[CFG_MAX_TENANTS], *buf_size_node[CFG_MAX_TENANTS];
};

static int get_vlan(struct ctx *c, yaml_node_t *n, int32_t *out)
{
	int64_t v;

	if (cfg_get_int(&c->r, n, "vlan", 0, 4095, &v) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* ---------------------------------------------------------------- manager */

static int parse_manager(struct ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = {"socket_dir", "poll", "stats_interval", NULL};
	struct cfg_manager *m = &c->cfg->mgr;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	yaml_node_t *v;
	int len = -1;

	if (xdg && *xdg)
		len = snprintf(m->socket_dir, sizeof(m->socket_dir), "%s/tenet", xdg);
	if (len < 0 || (size_t)len >= sizeof(m->socket_dir))
		snprintf(m->socket_dir, sizeof(m->socket_dir), "/tmp/tenet-%u",
		         (unsigned int)getuid());
	m->poll = false;
	m->stats_interval = 1;
	if (!n || cfg_is_null(n))
		return 0;
	if (cfg_want_map(&c->r, n, "manager",
	                 "a mapping with keys socket_dir, poll, stats_interval") < 0 ||
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

static int find_port(struct ctx *c, yaml_node_t *n, const char *key, int *out)
{
	char name[CFG_NAME_MAX], list[CFG_LIST_MAX] = "";

	if (cfg_get_str(&c->r, n, key, name, sizeof(name)) < 0)
		return -1;
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++)
		if (!strcmp(c->cfg->ports[i].name, name)) {
			*out = (int)i;
			return 0;
		}
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++)
		cfg_append(list, sizeof(list), "%s%s", i ? ", " : "", c->cfg->ports[i].name);
	return cfg_fail(&c->r, n, "unknown port '%s' for %s; expected one of: %s", name, key,
	                c->cfg->nb_ports ? list : "(no ports declared)");
}

/* ---------------------------------------------------------------- tenants */

static int parse_tenant(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",     "uid",         "gid", "pool_bufs",
	                                   "buf_size", "socket_mode", NULL};
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
	t->buf_size = 2048;
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

static int find_tenant(struct ctx *c, const char *name)
{
	for (unsigned int i = 0; i < c->cfg->nb_tenants; i++)
		if (!strcmp(c->cfg->tenants[i].name, name))
			return (int)i;
	return -1;
}

static void tenant_list(struct ctx *c, char *list, size_t size)
{
	list[0] = '\0';
	for (unsigned int i = 0; i < c->cfg->nb_tenants; i++)
		cfg_append(list, size, "%s%s", i ? ", " : "", c->cfg->tenants[i].name);
	if (!c->cfg->nb_tenants)
		cfg_append(list, size, "(no tenants declared)");
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

/* ---------------------------------------------------------------- services */

static int add_arg(struct ctx *c, yaml_node_t *at, struct cfg_service *s, unsigned int *argc,
                   const char *arg, size_t len)
{
	if (*argc == CFG_MAX_ARGS)
		return cfg_fail(&c->r, at, "command has too many arguments; expected at most %d",
		                CFG_MAX_ARGS);
	s->argv[*argc] = strndup(arg, len);
	if (!s->argv[*argc])
		return cfg_fail(&c->r, at, "out of memory; expected a smaller config");
	(*argc)++;
	return 0;
}

static int parse_command(struct ctx *c, yaml_node_t *n, struct cfg_service *s)
{
	static const char *const expect = "a command line (string) or a list of arguments";
	unsigned int argc = 0;

	if (n->type == YAML_SCALAR_NODE && !cfg_is_null(n)) {
		const char *p = cfg_text(n);

		if (strlen(p) != n->data.scalar.length)
			return cfg_fail(&c->r, n, "command contains a NUL byte; expected text");
		for (;;) {
			size_t len;

			p += strspn(p, " \t");
			if (!*p)
				break;
			len = strcspn(p, " \t");
			if (add_arg(c, n, s, &argc, p, len) < 0)
				return -1;
			p += len;
		}
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			yaml_node_t *a = cfg_node(&c->r, *i);

			if (a->type != YAML_SCALAR_NODE || cfg_is_null(a))
				return cfg_bad(&c->r, a, "command argument", "a string");
			if (strlen(cfg_text(a)) != a->data.scalar.length)
				return cfg_fail(
				        &c->r, a,
				        "command argument contains a NUL byte; expected text");
			if (add_arg(c, a, s, &argc, cfg_text(a), a->data.scalar.length) < 0)
				return -1;
		}
	} else {
		return cfg_bad(&c->r, n, "command", expect);
	}
	if (!argc || !s->argv[0][0])
		return cfg_fail(&c->r, n, "empty command; expected %s", expect);
	return 0;
}

static int parse_service(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",    "tenant",   "command", "instances",
	                                   "restart", "patterns", NULL};
	struct cfg_service *s = &c->cfg->services[idx];
	char tname[CFG_NAME_MAX], list[CFG_LIST_MAX];
	yaml_node_t *v;
	int64_t i64;
	int t;

	if (cfg_want_map(&c->r, n, "service", "a mapping {name, tenant, command, ...}") < 0 ||
	    cfg_check_keys(&c->r, n, "service", keys) < 0)
		return -1;
	s->line = (int)n->start_mark.line + 1;
	if (!(v = cfg_get(&c->r, n, "name")))
		return cfg_fail(&c->r, n,
		                "missing required key 'name' in service; expected name: NAME");
	if (cfg_get_name(&c->r, v, "name", s->name) < 0)
		return -1;
	if (!(v = cfg_get(&c->r, n, "tenant")))
		return cfg_fail(&c->r, n,
		                "missing required key 'tenant' in service; expected tenant: "
		                "TENANT-NAME");
	if (cfg_get_str(&c->r, v, "tenant", tname, sizeof(tname)) < 0)
		return -1;
	if ((t = find_tenant(c, tname)) < 0) {
		tenant_list(c, list, sizeof(list));
		return cfg_fail(&c->r, v, "unknown tenant '%s' for service; expected one of: %s",
		                tname, list);
	}
	s->tenant = (uint16_t)t;
	for (unsigned int i = 0; i < idx; i++)
		if (c->cfg->services[i].tenant == s->tenant &&
		    !strcmp(c->cfg->services[i].name, s->name))
			return cfg_fail(
			        &c->r, cfg_get(&c->r, n, "name"),
			        "duplicate service '%s/%s' (first at line %d); expected unique "
			        "names within a tenant",
			        tname, s->name, c->cfg->services[i].line);
	if ((v = cfg_get(&c->r, n, "command")) && !cfg_is_null(v) && parse_command(c, v, s) < 0)
		return -1;
	s->instances = 1;
	if ((v = cfg_get(&c->r, n, "instances"))) {
		if (cfg_get_int(&c->r, v, "instances", 1, CFG_MAX_INSTANCES, &i64) < 0)
			return -1;
		s->instances = (unsigned int)i64;
	}
	s->restart = true;
	if ((v = cfg_get(&c->r, n, "restart")) &&
	    cfg_get_bool(&c->r, v, "restart", &s->restart) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "patterns"))) {
		if (cfg_get_str(&c->r, v, "patterns", s->patterns, sizeof(s->patterns)) < 0)
			return -1;
		s->patterns_at = cfg_pos_of(v);
	}
	return 0;
}

static int parse_services(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (cfg_want_list(&c->r, n, "services", "a list of services", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_SERVICES)
			return cfg_fail(&c->r, cfg_node(&c->r, items[i]),
			                "too many services; expected at most %d", CFG_MAX_SERVICES);
		/* count it first, so that tenet_config_free sees a half-parsed argv */
		c->cfg->nb_services = i + 1;
		if (parse_service(c, cfg_node(&c->r, items[i]), i) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- chains */

static int parse_match(struct ctx *c, yaml_node_t *n, struct tenet_match *m)
{
	static const char *const keys[] = {"src",   "dst",  "proto", "sport",
	                                   "dport", "vlan", "port",  NULL};
	static const struct {
		const char *name;
		int16_t proto;
	} protos[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmp6", 58}};
	uint8_t fam = 0;
	yaml_node_t *v;

	memset(m, 0, sizeof(*m));
	m->proto = TENET_ANY;
	m->sport_hi = m->dport_hi = 65535;
	m->vlan = TENET_ANY;
	m->in_port = TENET_ANY;
	if (!n || cfg_is_null(n))
		return 0;
	if (cfg_want_map(&c->r, n, "match",
	                 "a mapping {src, dst, proto, sport, dport, vlan, port}") < 0 ||
	    cfg_check_keys(&c->r, n, "match", keys) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "src")) &&
	    cfg_get_cidr(&c->r, v, "src", &m->family, m->src, &m->src_plen) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "dst"))) {
		if (cfg_get_cidr(&c->r, v, "dst", &fam, m->dst, &m->dst_plen) < 0)
			return -1;
		if (m->family && fam != m->family)
			return cfg_fail(&c->r, v,
			                "dst is IPv%u but src is IPv%u; expected the same address "
			                "family",
			                fam, m->family);
		m->family = fam;
	}
	if ((v = cfg_get(&c->r, n, "proto"))) {
		size_t i;

		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (v->type == YAML_SCALAR_NODE && !strcmp(cfg_text(v), protos[i].name))
				break;
		if (i < sizeof(protos) / sizeof(protos[0])) {
			m->proto = protos[i].proto;
		} else {
			bool neg;
			uint64_t u;

			if (v->type != YAML_SCALAR_NODE || !cfg_parse_int(cfg_text(v), &neg, &u) ||
			    neg || u > 255)
				return cfg_bad(&c->r, v, "proto",
				               "tcp, udp, icmp, icmp6 or a protocol number 0..255");
			m->proto = (int16_t)u;
		}
	}
	if ((v = cfg_get(&c->r, n, "sport")) &&
	    cfg_get_port_range(&c->r, v, "sport", &m->sport_lo, &m->sport_hi) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "dport")) &&
	    cfg_get_port_range(&c->r, v, "dport", &m->dport_lo, &m->dport_hi) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "vlan")) && get_vlan(c, v, &m->vlan) < 0)
		return -1;
	if ((v = cfg_get(&c->r, n, "port"))) {
		int p;

		if (find_port(c, v, "port", &p) < 0)
			return -1;
		if (!c->cfg->ports[p].can_rx)
			return cfg_fail(
			        &c->r, v,
			        "port '%s' (driver %s) receives nothing; expected a port that "
			        "receives (gen, pcap with in, afpacket, afxdp)",
			        c->cfg->ports[p].name, cfg_driver_name(c->cfg->ports[p].driver));
		m->in_port = p;
	}
	return 0;
}

static int find_service(struct ctx *c, yaml_node_t *n, const char *ref)
{
	char tname[CFG_NAME_MAX], list[CFG_LIST_MAX] = "";
	const char *slash = strchr(ref, '/');
	int t;

	if (!slash || slash == ref || !slash[1] || (size_t)(slash - ref) >= sizeof(tname))
		return cfg_fail(&c->r, n, "bad hop '%s'; expected TENANT/SERVICE, e.g. alice/scan",
		                ref);
	memcpy(tname, ref, (size_t)(slash - ref));
	tname[slash - ref] = '\0';
	if ((t = find_tenant(c, tname)) < 0) {
		tenant_list(c, list, sizeof(list));
		return cfg_fail(&c->r, n, "unknown tenant '%s' in hop '%s'; expected one of: %s",
		                tname, ref, list);
	}
	for (unsigned int i = 0; i < c->cfg->nb_services; i++)
		if (c->cfg->services[i].tenant == t && !strcmp(c->cfg->services[i].name, slash + 1))
			return (int)i;
	for (unsigned int i = 0; i < c->cfg->nb_services; i++)
		cfg_append(list, sizeof(list), "%s%s/%s", i ? ", " : "",
		           c->cfg->tenants[c->cfg->services[i].tenant].name,
		           c->cfg->services[i].name);
	return cfg_fail(&c->r, n, "unknown service '%s' in hop; expected one of: %s", ref,
	                c->cfg->nb_services ? list : "(no services declared)");
}

static int parse_hops(struct ctx *c, yaml_node_t *chain, yaml_node_t *n, struct cfg_chain *ch)
{
	static const char *const hop_keys[] = {"service", "on", NULL};
	static const char *const where[] = {"host", "nic", NULL};
	static const char *const expect = "a list of TENANT/SERVICE or {service: TENANT/SERVICE, "
	                                  "on: nic|host}";
	yaml_node_item_t *items;
	unsigned int nb;
	int first_host = -1;

	if (!n)
		return cfg_fail(&c->r, chain,
		                "missing required key 'hops' in chain '%s'; expected hops: %s",
		                ch->name, expect);
	if (cfg_want_list(&c->r, n, "hops", expect, &items, &nb) < 0)
		return -1;
	if (!nb)
		return cfg_fail(&c->r, n,
		                "chain '%s' has no hops; expected at least one TENANT/SERVICE",
		                ch->name);
	if (nb > CFG_MAX_HOPS)
		return cfg_fail(&c->r, cfg_node(&c->r, items[CFG_MAX_HOPS]),
		                "chain '%s' has too many hops (%u); expected at most %d", ch->name,
		                nb, CFG_MAX_HOPS);
	for (unsigned int i = 0; i < nb; i++) {
		yaml_node_t *h = cfg_node(&c->r, items[i]), *ref = h, *on = NULL;
		struct cfg_hop *hop = &ch->hops[i];
		char name[2 * CFG_NAME_MAX];
		int s, w = CFG_ON_HOST;

		if (h->type == YAML_MAPPING_NODE) {
			if (cfg_check_keys(&c->r, h, "hop", hop_keys) < 0)
				return -1;
			if (!(ref = cfg_get(&c->r, h, "service")))
				return cfg_fail(&c->r, h,
				                "missing required key 'service' in hop; expected "
				                "service: TENANT/SERVICE");
			if ((on = cfg_get(&c->r, h, "on")) &&
			    cfg_get_enum(&c->r, on, "on", where, &w) < 0)
				return -1;
		}
		if (ref->type != YAML_SCALAR_NODE)
			return cfg_bad(&c->r, ref, "hop", expect);
		if (cfg_get_str(&c->r, ref, "hop", name, sizeof(name)) < 0)
			return -1;
		if ((s = find_service(c, ref, name)) < 0)
			return -1;
		hop->service = (uint16_t)s;
		hop->on = (enum cfg_hop_where)w;
		if (hop->on == CFG_ON_NIC) {
			if (first_host >= 0)
				return cfg_fail(
				        &c->r, on,
				        "hop %u (%s) runs on: nic after hop %d runs on the host; "
				        "expected on: nic only on the leading hops of a chain",
				        i + 1, name, first_host + 1);
			if (!c->cfg->services[s].patterns[0])
				return cfg_fail(
				        &c->r, on,
				        "hop %u (%s) runs on: nic but service %s has no "
				        "patterns file; expected patterns: FILE on the service "
				        "(only a payload scan can run on the NIC)",
				        i + 1, name, name);
		} else if (first_host < 0) {
			first_host = (int)i;
		}
	}
	ch->nb_hops = nb;
	ch->tenant = c->cfg->services[ch->hops[first_host >= 0 ? first_host : 0].service].tenant;
	return 0;
}

static int parse_chain(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",   "match",      "priority", "hops",
	                                   "output", "on_failure", NULL};
	static const char *const failures[] = {"drop", "skip", NULL};
	struct cfg_chain *ch = &c->cfg->chains[idx];
	yaml_node_t *v;
	int64_t i64;
	int e;

	if (cfg_want_map(&c->r, n, "chain", "a mapping {name, match, hops, output, ...}") < 0 ||
	    cfg_check_keys(&c->r, n, "chain", keys) < 0)
		return -1;
	ch->line = (int)n->start_mark.line + 1;
	if (!(v = cfg_get(&c->r, n, "name")))
		return cfg_fail(&c->r, n,
		                "missing required key 'name' in chain; expected name: NAME");
	if (cfg_get_name(&c->r, v, "name", ch->name) < 0)
		return -1;
	if (!strcmp(ch->name, "drop"))
		return cfg_fail(&c->r, v,
		                "chain name 'drop' is reserved (default: drop); expected another "
		                "name");
	for (unsigned int i = 0; i < idx; i++)
		if (!strcmp(c->cfg->chains[i].name, ch->name))
			return cfg_fail(
			        &c->r, v,
			        "duplicate chain name '%s' (first at line %d); expected unique "
			        "names",
			        ch->name, c->cfg->chains[i].line);
	if (parse_match(c, cfg_get(&c->r, n, "match"), &ch->match) < 0)
		return -1;
	ch->priority = (int32_t)idx;
	if ((v = cfg_get(&c->r, n, "priority"))) {
		if (cfg_get_int(&c->r, v, "priority", INT32_MIN, INT32_MAX, &i64) < 0)
			return -1;
		ch->priority = (int32_t)i64;
	}
	if (parse_hops(c, n, cfg_get(&c->r, n, "hops"), ch) < 0)
		return -1;
	ch->output = -1;
	if ((v = cfg_get(&c->r, n, "output")) && !cfg_is_null(v)) {
		struct cfg_port *p;

		if (find_port(c, v, "output", &ch->output) < 0)
			return -1;
		p = &c->cfg->ports[ch->output];
		if (!p->can_tx)
			return cfg_fail(
			        &c->r, v,
			        "port '%s' (driver %s) cannot transmit; expected a sink, pcap "
			        "with out, afpacket or afxdp port",
			        p->name, cfg_driver_name(p->driver));
	}
	ch->on_failure = CFG_FAIL_DROP;
	if ((v = cfg_get(&c->r, n, "on_failure"))) {
		if (cfg_get_enum(&c->r, v, "on_failure", failures, &e) < 0)
			return -1;
		ch->on_failure = (enum cfg_failure)e;
	}
	return 0;
}

static int parse_chains(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (cfg_want_list(&c->r, n, "chains", "a list of chains", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_CHAINS)
			return cfg_fail(&c->r, cfg_node(&c->r, items[i]),
			                "too many chains; expected at most %d", CFG_MAX_CHAINS);
		if (parse_chain(c, cfg_node(&c->r, items[i]), i) < 0)
			return -1;
		c->cfg->nb_chains = i + 1;
	}
	return 0;
}

static int parse_default(struct ctx *c, yaml_node_t *n)
{
	char name[CFG_NAME_MAX], list[CFG_LIST_MAX] = "";

	c->cfg->default_chain = -1;
	if (!n)
		return 0;
	if (n->type != YAML_SCALAR_NODE || cfg_is_null(n) || n->data.scalar.length >= sizeof(name))
		return cfg_bad(&c->r, n, "default", "drop or a chain name");
	memcpy(name, cfg_text(n), n->data.scalar.length + 1);
	if (!strcmp(name, "drop"))
		return 0;
	for (unsigned int i = 0; i < c->cfg->nb_chains; i++)
		if (!strcmp(c->cfg->chains[i].name, name)) {
			c->cfg->default_chain = (int)i;
			return 0;
		}
	for (unsigned int i = 0; i < c->cfg->nb_chains; i++)
		cfg_append(list, sizeof(list), ", %s", c->cfg->chains[i].name);
	return cfg_fail(&c->r, n, "unknown chain '%s' for default; expected drop%s%s", name,
	                c->cfg->nb_chains ? " or one of" : "", list);
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
	if ((v = cfg_get(&c->r, root, "tenants")) && parse_tenants(c, v) < 0)
		return -1;
	if (check_pool_buffers(c) < 0 || check_pool_frames(c) < 0)
		return -1;
	if (resolve_ports(c) < 0)
		return -1;
	if ((v = cfg_get(&c->r, root, "services")) && parse_services(c, v) < 0)
		return -1;
	if ((v = cfg_get(&c->r, root, "chains")) && parse_chains(c, v) < 0)
		return -1;
	return parse_default(c, cfg_get(&c->r, root, "default"));
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

/* ---------------------------------------------------------------- run-time fragments */

/* Parse one YAML document from text and hand its root to fn. */
static int parse_fragment(struct tenet_config *cfg, const char *text, size_t len, char *err,
                          size_t errlen, int (*fn)(struct ctx *c, yaml_node_t *root, void *arg),
                          void *arg)
{
	struct ctx c = {.r = {.name = "request", .err = err, .errlen = errlen}, .cfg = cfg};
	yaml_node_t *root;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (cfg_load(&c.r, text, len, "empty request; expected a YAML mapping", false, &root) < 0)
		return -1;
	rc = fn(&c, root, arg);
	cfg_unload(&c.r);
	return rc;
}

static int chain_fragment(struct ctx *c, yaml_node_t *root, void *arg)
{
	(void)arg;
	if (c->cfg->nb_chains >= CFG_MAX_CHAINS)
		return cfg_fail(&c->r, root, "too many chains; expected at most %d",
		                CFG_MAX_CHAINS);
	memset(&c->cfg->chains[c->cfg->nb_chains], 0, sizeof(c->cfg->chains[0]));
	if (parse_chain(c, root, c->cfg->nb_chains) < 0)
		return -1;
	return (int)c->cfg->nb_chains;
}

int tenet_config_parse_chain(struct tenet_config *cfg, const char *text, size_t len, char *err,
                             size_t errlen)
{
	return parse_fragment(cfg, text, len, err, errlen, chain_fragment, NULL);
}

static int rule_fragment(struct ctx *c, yaml_node_t *root, void *arg)
{
	static const char *const keys[] = {"match", "chain", "priority", NULL};
	struct cfg_rule *r = arg;
	char name[CFG_NAME_MAX];
	yaml_node_t *v;
	int64_t i64;

	if (cfg_want_map(&c->r, root, "rule", "a mapping {match, chain, priority}") < 0 ||
	    cfg_check_keys(&c->r, root, "rule", keys) < 0)
		return -1;
	if (parse_match(c, cfg_get(&c->r, root, "match"), &r->match) < 0)
		return -1;
	if (!(v = cfg_get(&c->r, root, "chain")))
		return cfg_fail(&c->r, root,
		                "missing required key 'chain' in rule; expected chain: NAME");
	if (cfg_get_str(&c->r, v, "chain", name, sizeof(name)) < 0)
		return -1;
	r->chain = -1;
	for (unsigned int i = 0; i < c->cfg->nb_chains; i++)
		if (!strcmp(c->cfg->chains[i].name, name))
			r->chain = (int)i;
	if (r->chain < 0)
		return cfg_fail(&c->r, v, "unknown chain '%s'; expected the name of a chain", name);
	r->priority = 0;
	if ((v = cfg_get(&c->r, root, "priority"))) {
		if (cfg_get_int(&c->r, v, "priority", INT32_MIN, INT32_MAX, &i64) < 0)
			return -1;
		r->priority = (int32_t)i64;
	}
	return 0;
}

int tenet_config_parse_rule(struct tenet_config *cfg, const char *text, size_t len,
                            struct cfg_rule *out, char *err, size_t errlen)
{
	return parse_fragment(cfg, text, len, err, errlen, rule_fragment, out);
}
