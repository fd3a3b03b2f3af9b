/*
 * libFuzzer target for the manager's config parser (mgr/config.c). Every
 * input goes three ways: as a whole config file (tenet_config_parse), and
 * as a run-time chain and a run-time rule (tenet_config_parse_chain,
 * tenet_config_parse_rule) against a fixed valid base config. On success
 * every index the parser resolved must be in range; on failure the message
 * must read "NAME:LINE:COL: ...; expected ...".
 *
 * It also checks what config.h promises beyond that: one line, and
 * "expected" still there in the 512-byte buffer the manager passes
 * (crashes/config-err-* broke both until the messages were made safe);
 * and, on success, that every pool holds the largest frame of every gen
 * port (size less the FCS, plus the headroom) and that each port's
 * min_room is the smallest room of the pools.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgr/config.h"
#include "tenet/pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define ERR_LEN 512 /* what mgr/mgr.c and mgr/ctl.c pass */

static const char base_text[] = "ports:\n"
                                "  - name: gen0\n"
                                "    driver: gen\n"
                                "    flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16}]\n"
                                "  - {name: sink0, driver: sink}\n"
                                "  - {name: cap0, driver: pcap, in: in.pcap, out: out.pcap}\n"
                                "tenants:\n"
                                "  - {name: alice}\n"
                                "  - {name: bob}\n"
                                "services:\n"
                                "  - {name: scan, tenant: alice, patterns: p.txt}\n"
                                "  - {name: fwd, tenant: alice}\n"
                                "  - {name: monitor, tenant: bob}\n"
                                "chains:\n"
                                "  - name: web\n"
                                "    match: {src: 10.1.0.0/16, proto: udp, dport: 80}\n"
                                "    hops: [{service: alice/scan, on: nic}, alice/fwd]\n"
                                "    output: sink0\n"
                                "  - name: all\n"
                                "    hops: [bob/monitor]\n"
                                "default: all\n";

static bool match_ok(const struct tenet_match *m, unsigned int nb_ports)
{
	unsigned int amax = m->family == 4 ? 32 : m->family == 6 ? 128 : 0;

	return (m->family == 0 || m->family == 4 || m->family == 6) && m->src_plen <= amax &&
	       m->dst_plen <= amax && m->proto >= TENET_ANY && m->proto <= 255 &&
	       m->sport_lo <= m->sport_hi && m->dport_lo <= m->dport_hi && m->vlan >= TENET_ANY &&
	       m->vlan <= 4095 &&
	       (m->in_port == TENET_ANY ||
	        (m->in_port >= 0 && (unsigned int)m->in_port < nb_ports));
}

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, CFG_NAME_MAX);

	return n > 0 && n < CFG_NAME_MAX;
}

static void check_chain(const struct tenet_config *cfg, const struct cfg_chain *ch)
{
	bool host = false;
	unsigned int first_host = 0;

	CHECK(name_ok(ch->name) && strcmp(ch->name, "drop") != 0);
	CHECK(ch->nb_hops >= 1 && ch->nb_hops <= CFG_MAX_HOPS);
	for (unsigned int j = 0; j < ch->nb_hops; j++) {
		const struct cfg_hop *h = &ch->hops[j];

		CHECK(h->service < cfg->nb_services);
		CHECK(h->on == CFG_ON_HOST || h->on == CFG_ON_NIC);
		if (h->on == CFG_ON_NIC) {
			CHECK(!host); /* nic hops only lead */
			CHECK(cfg->services[h->service].patterns[0]);
		} else if (!host) {
			host = true;
			first_host = j;
		}
	}
	CHECK(ch->tenant < cfg->nb_tenants);
	CHECK(ch->tenant == cfg->services[ch->hops[first_host].service].tenant);
	CHECK(ch->output == -1 || (ch->output >= 0 && (unsigned int)ch->output < cfg->nb_ports));
	CHECK(ch->on_failure == CFG_FAIL_DROP || ch->on_failure == CFG_FAIL_SKIP);
	CHECK(match_ok(&ch->match, cfg->nb_ports));
}

static void check_config(const struct tenet_config *cfg)
{
	CHECK(cfg->nb_ports <= CFG_MAX_PORTS && cfg->nb_tenants <= CFG_MAX_TENANTS &&
	      cfg->nb_services <= CFG_MAX_SERVICES && cfg->nb_chains <= CFG_MAX_CHAINS);
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		const struct cfg_port *p = &cfg->ports[i];
		bool shared = p->steer == CFG_STEER_SHARED;
		uint32_t largest = 0, min_room = 0;

		CHECK(name_ok(p->name));
		for (unsigned int t = 0; t < cfg->nb_tenants; t++)
			if (cfg->tenants[t].buf_size > largest)
				largest = cfg->tenants[t].buf_size;
		for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
			uint32_t room =
			        (shared ? largest : cfg->tenants[t].buf_size) - TENET_HEADROOM;

			min_room = !min_room || room < min_room ? room : min_room;
			for (unsigned int k = 0; p->driver == CFG_DRV_GEN && k < p->gen.nb_sizes;
			     k++)
				CHECK(p->gen.sizes[k] - 4u <= room);
		}
		CHECK(p->min_room == min_room);
	}
	for (unsigned int i = 0; i < cfg->nb_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		unsigned int a = 0;

		CHECK(name_ok(s->name));
		CHECK(s->tenant < cfg->nb_tenants);
		while (a <= CFG_MAX_ARGS && s->argv[a])
			a++;
		CHECK(a <= CFG_MAX_ARGS);
	}
	for (unsigned int i = 0; i < cfg->nb_chains; i++) {
		check_chain(cfg, &cfg->chains[i]);
		for (unsigned int j = 0; j < i; j++)
			CHECK(strcmp(cfg->chains[i].name, cfg->chains[j].name) != 0);
	}
	CHECK(cfg->default_chain == -1 ||
	      (cfg->default_chain >= 0 && (unsigned int)cfg->default_chain < cfg->nb_chains));
}

/* "NAME:LINE:COL: ...expected...", one line, positions within the input. */
static void check_err(const char *err, const char *name, size_t size)
{
	size_t n = strlen(name);
	unsigned long line, col;
	char *end;

	CHECK(strncmp(err, name, n) == 0 && err[n] == ':');
	line = strtoul(err + n + 1, &end, 10);
	CHECK(end > err + n + 1 && *end == ':');
	col = strtoul(end + 1, &end, 10);
	CHECK(*end == ':' && end[1] == ' ');
	CHECK(line >= 1 && line <= size + 1 && col >= 1 && col <= size + 1);
	CHECK(strstr(err, "expected") != NULL);
	CHECK(strchr(err, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tenet_config *base;
	const char *text = (const char *)data;
	struct tenet_config *cfg;
	char err[ERR_LEN], err2[ERR_LEN];
	struct cfg_rule rule;
	unsigned int nb;
	int idx;

	if (!base) {
		base = tenet_config_parse(base_text, sizeof(base_text) - 1, "base", err,
		                          sizeof(err));
		CHECK(base);
		check_config(base);
	}

	/* a whole config file */
	cfg = tenet_config_parse(text, size, "f.yaml", err, sizeof(err));
	if (cfg) {
		check_config(cfg);
		tenet_config_free(cfg);
	} else {
		check_err(err, "f.yaml", size);
	}

	/* a chain added at run time; committing it makes the same text a duplicate */
	nb = base->nb_chains;
	idx = tenet_config_parse_chain(base, text, size, err, sizeof(err));
	CHECK(base->nb_chains == nb);
	if (idx >= 0) {
		CHECK((unsigned int)idx == nb);
		check_chain(base, &base->chains[idx]);
		base->nb_chains++;
		CHECK(tenet_config_parse_chain(base, text, size, err2, sizeof(err2)) < 0);
		check_err(err2, "request", size);
		CHECK(strstr(err2, "duplicate chain name") != NULL);
		base->nb_chains = nb;
	} else {
		CHECK(idx == -1);
		check_err(err, "request", size);
	}
	memset(&base->chains[nb], 0, sizeof(base->chains[nb]));

	/* a classification rule added at run time */
	if (tenet_config_parse_rule(base, text, size, &rule, err, sizeof(err)) == 0) {
		CHECK(rule.chain >= 0 && (unsigned int)rule.chain < base->nb_chains);
		CHECK(match_ok(&rule.match, base->nb_ports));
	} else {
		check_err(err, "request", size);
	}
	return 0;
}
