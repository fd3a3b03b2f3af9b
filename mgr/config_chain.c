/*
 * The config's services, chains and default (the sections that refer to
 * ports and tenants by name, read after them by mgr/config.c), and the
 * run-time fragments tenet ctl sends: a chain, a rule. Same conventions as
 * mgr/config.c: every name resolved to an index here, the first problem
 * reported as one line "FILE:LINE:COL: ...; expected ...".
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfgread.h"
#include "mgr/config_chain.h"
#include "mgr/config_parse.h"

static int get_vlan(struct ctx *c, yaml_node_t *n, int32_t *out)
{
	int64_t v;

	if (cfg_get_int(&c->r, n, "vlan", 0, 4095, &v) < 0)
		return -1;
	*out = (int32_t)v;
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
	                                   "restart", "patterns", "cpus",    NULL};
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
	if ((t = config_find_tenant(c, tname)) < 0) {
		config_tenant_list(c, list, sizeof(list));
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
	if ((v = cfg_get(&c->r, n, "cpus")) && config_get_cpus(&c->r, v, "cpus", &s->cpus) < 0)
		return -1;
	return 0;
}

int config_parse_services(struct ctx *c, yaml_node_t *n)
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

		if (config_find_port(c, v, "port", &p) < 0)
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
	if ((t = config_find_tenant(c, tname)) < 0) {
		config_tenant_list(c, list, sizeof(list));
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

		if (config_find_port(c, v, "output", &ch->output) < 0)
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

int config_parse_chains(struct ctx *c, yaml_node_t *n)
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

int config_parse_default(struct ctx *c, yaml_node_t *n)
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
