/*
 * The gen port's keys (ports/gen.h): rate, count and duration, frame
 * sizes, flow groups, payload patterns and the seed, read and checked
 * into struct cfg_gen. Apart from ports/gen.c because the generator
 * itself is long already; the driver table (port_gen) points here.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ports/gen.h"
#include "ports/port.h"

const char *const port_gen_keys[] = {"rate",  "count",   "duration", "size",
                                     "flows", "payload", "seed",     NULL};

static int parse_size(struct cfg_reader *r, yaml_node_t *n, struct cfg_gen *g)
{
	static const char *const expect = "an integer in 64..1518, a list of them, or imix";
	yaml_node_item_t *items;
	unsigned int nb;
	uint64_t u;
	bool neg;

	if (n->type == YAML_SCALAR_NODE && !strcmp(cfg_text(n), "imix")) {
		g->imix = true;
		g->sizes[0] = 64;
		g->sizes[1] = 570;
		g->sizes[2] = 1518;
		g->nb_sizes = 3;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE) {
		if (!cfg_parse_int(cfg_text(n), &neg, &u) || neg || u < 64 || u > 1518)
			return cfg_fail(r, n, "bad size %s; expected %s", cfg_text(n), expect);
		g->sizes[0] = (uint16_t)u;
		g->nb_sizes = 1;
		return 0;
	}
	if (cfg_want_list(r, n, "size", expect, &items, &nb) < 0)
		return -1;
	if (!nb)
		return cfg_fail(r, n, "empty size list; expected %s", expect);
	if (nb > CFG_MAX_SIZES)
		return cfg_fail(r, n, "too many sizes (%u); expected at most %d", nb,
		                CFG_MAX_SIZES);
	for (unsigned int i = 0; i < nb; i++) {
		yaml_node_t *s = cfg_node(r, items[i]);
		char d[64];

		if (s->type != YAML_SCALAR_NODE || !cfg_parse_int(cfg_text(s), &neg, &u) || neg ||
		    u < 64 || u > 1518)
			return cfg_fail(r, s,
			                "bad size %s in list; expected an integer in 64..1518",
			                cfg_describe(s, d, sizeof(d)));
		g->sizes[i] = (uint16_t)u;
	}
	g->nb_sizes = nb;
	return 0;
}

/* How many distinct values a prefix or range holds, saturated at 2^32. */
static uint64_t span_prefix(uint8_t family, uint8_t plen)
{
	int host = (family == 4 ? 32 : 128) - plen;

	return host >= 32 ? (1ull << 32) : (1ull << host);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a && b > (1ull << 32) / a ? (1ull << 32) : a * b;
}

static int parse_flow(struct cfg_reader *r, yaml_node_t *n, struct cfg_gen_flow *f)
{
	static const char *const keys[] = {"src",  "dst",   "proto",  "sport", "dport",
	                                   "vlan", "count", "weight", NULL};
	static const char *const protos[] = {"tcp", "udp", NULL};
	uint8_t dfam = 0;
	yaml_node_t *v;
	uint64_t combos;
	int64_t i64;
	int p;

	if (cfg_want_map(r, n, "flow",
	                 "a mapping {src, dst, proto, sport, dport, vlan, count, weight}") < 0 ||
	    cfg_check_keys(r, n, "flow", keys) < 0)
		return -1;
	f->proto = 17;
	f->sport_lo = f->dport_lo = 1024;
	f->sport_hi = f->dport_hi = 65535;
	f->count = 1;
	f->weight = 1;
	if (!(v = cfg_get(r, n, "src")))
		return cfg_fail(r, n, "missing required key 'src' in flow; expected src: CIDR");
	if (cfg_get_cidr(r, v, "src", &f->family, f->src, &f->src_plen) < 0)
		return -1;
	if (!(v = cfg_get(r, n, "dst")))
		return cfg_fail(r, n, "missing required key 'dst' in flow; expected dst: CIDR");
	if (cfg_get_cidr(r, v, "dst", &dfam, f->dst, &f->dst_plen) < 0)
		return -1;
	if (dfam != f->family)
		return cfg_fail(r, v,
		                "dst is IPv%u but src is IPv%u; expected the same address family",
		                dfam, f->family);
	if ((v = cfg_get(r, n, "proto"))) {
		if (cfg_get_enum(r, v, "proto", protos, &p) < 0)
			return -1;
		f->proto = p == 0 ? 6 : 17;
	}
	if ((v = cfg_get(r, n, "sport")) &&
	    cfg_get_port_range(r, v, "sport", &f->sport_lo, &f->sport_hi) < 0)
		return -1;
	if ((v = cfg_get(r, n, "dport")) &&
	    cfg_get_port_range(r, v, "dport", &f->dport_lo, &f->dport_hi) < 0)
		return -1;
	if ((v = cfg_get(r, n, "vlan"))) {
		if (cfg_get_int(r, v, "vlan", 0, 4095, &i64) < 0)
			return -1;
		f->vlan = (uint16_t)i64;
	}
	if ((v = cfg_get(r, n, "weight"))) {
		if (cfg_get_int(r, v, "weight", 1, 1000000, &i64) < 0)
			return -1;
		f->weight = (uint32_t)i64;
	}
	if ((v = cfg_get(r, n, "count"))) {
		if (cfg_get_int(r, v, "count", 1, 1 << 24, &i64) < 0)
			return -1;
		f->count = (uint32_t)i64;
		combos = sat_mul(span_prefix(f->family, f->src_plen),
		                 span_prefix(f->family, f->dst_plen));
		combos = sat_mul(combos, (uint64_t)(f->sport_hi - f->sport_lo + 1));
		combos = sat_mul(combos, (uint64_t)(f->dport_hi - f->dport_lo + 1));
		if (combos < f->count)
			return cfg_fail(
			        r, v,
			        "count %u is more than the %llu distinct flows the addresses "
			        "and ports allow; expected at most %llu",
			        f->count, (unsigned long long)combos, (unsigned long long)combos);
	}
	return 0;
}

/* A payload pattern: the text with \xNN and \\ unescaped, no NUL. */
static int parse_pattern(struct cfg_reader *r, yaml_node_t *n, char out[CFG_PATTERN_MAX])
{
	char raw[4 * CFG_PATTERN_MAX];
	size_t o = 0;

	if (cfg_get_str(r, n, "pattern", raw, sizeof(raw)) < 0)
		return -1;
	for (const char *s = raw; *s; s++) {
		unsigned int byte = (unsigned char)*s;

		if (*s == '\\') {
			if (s[1] == '\\') {
				s++;
			} else if (s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
			           isxdigit((unsigned char)s[3])) {
				char hex[3] = {s[2], s[3], 0};

				byte = (unsigned int)strtoul(hex, NULL, 16);
				s += 3;
				if (!byte)
					return cfg_fail(r, n,
					                "pattern contains \\x00; expected non-zero "
					                "bytes (a pattern is a C string)");
			} else {
				return cfg_fail(
				        r, n,
				        "bad escape in pattern '%s'; expected \\xNN (two hex "
				        "digits) or \\\\",
				        raw);
			}
		}
		if (o + 1 >= CFG_PATTERN_MAX)
			return cfg_fail(r, n, "pattern '%s' is too long; expected at most %d bytes",
			                raw, CFG_PATTERN_MAX - 1);
		out[o++] = (char)byte;
	}
	out[o] = '\0';
	return 0;
}

static int parse_payload(struct cfg_reader *r, yaml_node_t *n, struct cfg_gen *g)
{
	static const char *const keys[] = {"patterns", "fraction", NULL};
	yaml_node_item_t *items;
	yaml_node_t *v, *pv;
	unsigned int nb = 0;

	if (cfg_want_map(r, n, "payload", "a mapping {patterns: [...], fraction: 0..1}") < 0 ||
	    cfg_check_keys(r, n, "payload", keys) < 0)
		return -1;
	if ((pv = cfg_get(r, n, "patterns"))) {
		if (cfg_want_list(r, pv, "patterns", "a list of strings", &items, &nb) < 0)
			return -1;
		if (nb > CFG_MAX_PATTERNS)
			return cfg_fail(r, pv, "too many patterns (%u); expected at most %d", nb,
			                CFG_MAX_PATTERNS);
		for (unsigned int i = 0; i < nb; i++)
			if (parse_pattern(r, cfg_node(r, items[i]), g->patterns[i]) < 0)
				return -1;
		g->nb_patterns = nb;
	}
	g->pattern_fraction = nb ? 0.01 : 0;
	if ((v = cfg_get(r, n, "fraction"))) {
		if (cfg_get_num(r, v, "fraction", 0, 1, &g->pattern_fraction) < 0)
			return -1;
		if (g->pattern_fraction > 0 && !nb)
			return cfg_fail(
			        r, v,
			        "payload fraction without patterns; expected patterns: [...] "
			        "to place in that fraction of packets");
	}
	return 0;
}

int port_gen_parse(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p)
{
	struct cfg_gen *g = &p->gen;
	yaml_node_item_t *items;
	unsigned int nb;
	yaml_node_t *v;

	if (port_parse_limits(r, n, g) < 0)
		return -1;
	g->sizes[0] = 64;
	g->nb_sizes = 1;
	g->seed = 1;
	if ((v = cfg_get(r, n, "size")) && parse_size(r, v, g) < 0)
		return -1;
	if ((v = cfg_get(r, n, "flows"))) {
		if (cfg_want_list(r, v, "flows", "a list of flows {src, dst, ...}", &items, &nb) <
		    0)
			return -1;
		if (!nb)
			return cfg_fail(r, v,
			                "empty flows list; expected at least one flow {src, dst}");
		if (nb > CFG_MAX_FLOWS)
			return cfg_fail(r, v, "too many flows (%u); expected at most %d", nb,
			                CFG_MAX_FLOWS);
		for (unsigned int i = 0; i < nb; i++)
			if (parse_flow(r, cfg_node(r, items[i]), &g->flows[i]) < 0)
				return -1;
		g->nb_flows = nb;
	} else {
		/* one flow between two hosts, so that a bare gen port sends something */
		struct cfg_gen_flow *f = &g->flows[0];

		f->family = 4;
		memcpy(f->src, (const uint8_t[]){10, 0, 0, 1}, 4);
		memcpy(f->dst, (const uint8_t[]){10, 0, 0, 2}, 4);
		f->src_plen = f->dst_plen = 32;
		f->proto = 17;
		f->sport_lo = f->sport_hi = f->dport_lo = f->dport_hi = 1024;
		f->count = f->weight = 1;
		g->nb_flows = 1;
	}
	if ((v = cfg_get(r, n, "payload")) && parse_payload(r, v, g) < 0)
		return -1;
	if ((v = cfg_get(r, n, "seed")) && cfg_get_u64(r, v, "seed", &g->seed) < 0)
		return -1;
	return 0;
}

/*
 * The largest frame a gen port sends (its sizes are on the wire, with the
 * 4-byte FCS that a software port does not carry; a frame too small for
 * its headers and stamp is made longer, at most GEN_FRAME_FLOOR bytes).
 */
#define GEN_FRAME_FLOOR 94 /* IPv6 + TCP + VLAN headers (78) + the 16-byte stamp */

unsigned int port_gen_max_frame(const struct cfg_port *p)
{
	unsigned int max = GEN_FRAME_FLOOR;

	for (unsigned int i = 0; i < p->gen.nb_sizes; i++)
		if (p->gen.sizes[i] >= 4 && p->gen.sizes[i] - 4u > max)
			max = p->gen.sizes[i] - 4u;
	return max;
}
