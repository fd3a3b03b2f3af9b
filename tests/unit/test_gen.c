/*
 * Unit tests of the traffic generator port (ports/gen.c).
 *
 * What is checked: every frame parses (lib/pkt.c) into its flow group's
 * address prefixes, port ranges, protocol and VLAN; IPv4 header and TCP /
 * UDP-over-IPv6 checksums are valid, also with patterns at odd offsets;
 * each group yields exactly 'count' distinct 5-tuples; frame sizes follow
 * the configuration (fixed, uniform list, imix 7:4:1) and a frame too small
 * for its headers is grown; the pattern fraction holds and placed patterns
 * are really in the payload; group weights hold; count ends the source
 * with -ENODATA; the same seed gives the same frames; stamps carry
 * consecutive per-flow sequence numbers. Proportions, never timings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ports/port.h"
#include "ports/stamp.h"
#include "tenet/pkt.h"

#define BURST 64

static void v4(uint8_t *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

static struct cfg_gen_flow flow_v4_udp(void)
{
	struct cfg_gen_flow f = {0};

	f.family = 4;
	v4(f.src, 10, 1, 0, 0);
	f.src_plen = 16;
	v4(f.dst, 192, 168, 7, 0);
	f.dst_plen = 24;
	f.proto = 17;
	f.sport_lo = 1000;
	f.sport_hi = 1999;
	f.dport_lo = 80;
	f.dport_hi = 80;
	f.count = 100;
	f.weight = 1;
	return f;
}

static struct cfg_gen_flow flow_v6_tcp(void)
{
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8};
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
	struct cfg_gen_flow f = {0};

	f.family = 6;
	memcpy(f.src, src, 16);
	f.src_plen = 64;
	memcpy(f.dst, dst, 16);
	f.dst_plen = 120;
	f.proto = 6;
	f.sport_lo = 5000;
	f.sport_hi = 5009;
	f.dport_lo = 443;
	f.dport_hi = 444;
	f.vlan = 42;
	f.count = 50;
	f.weight = 1;
	return f;
}

static struct cfg_gen_flow flow_v6_udp(void)
{
	struct cfg_gen_flow f = flow_v6_tcp();

	f.proto = 17;
	f.vlan = 0;
	f.count = 7;
	return f;
}

static struct cfg_port base_cfg(void)
{
	struct cfg_port c = {0};

	strcpy(c.name, "gen0");
	c.driver = CFG_DRV_GEN;
	c.gen.seed = 1;
	c.gen.sizes[0] = 64;
	c.gen.nb_sizes = 1;
	return c;
}

static void open_gen(struct port *p, const struct cfg_port *cfg)
{
	char err[256] = "";
	int rc;

	memset(p, 0, sizeof(*p));
	p->drv = port_driver_find(CFG_DRV_GEN);
	assert_ptr_equal(p->drv, &port_gen);
	p->cfg = cfg;
	rc = p->drv->open(p, cfg, err, sizeof(err));
	if (rc)
		fail_msg("open: %s", err);
}

static int open_gen_err(const struct cfg_port *cfg, char *err, size_t errlen)
{
	struct port p = {.drv = &port_gen, .cfg = cfg};
	int rc = port_gen.open(&p, cfg, err, errlen);

	if (rc == 0)
		port_gen.close(&p);
	return rc;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += rd16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Ones-complement sum over the IPv4 header is 0xffff when valid. */
static bool ipv4_csum_ok(const uint8_t *f, const struct tenet_pkt_info *in)
{
	return csum_fold(csum_add(0, f + in->l3_off, 20)) == 0xffff;
}

/* TCP / UDP checksum over pseudo-header and segment; UDP/IPv4 must be 0. */
static bool l4_csum_ok(const uint8_t *f, uint32_t len, const struct tenet_pkt_info *in)
{
	unsigned int alen = in->ip_version == 4 ? 4 : 16;
	uint32_t l4len = len - in->l4_off, s = 0;
	const uint8_t *l4 = f + in->l4_off;

	if (in->proto == 17 && in->ip_version == 4)
		return rd16(l4 + 6) == 0;
	if (in->proto == 17 && rd16(l4 + 6) == 0)
		return false; /* mandatory over IPv6 */
	s = csum_add(s, in->src, alen);
	s = csum_add(s, in->dst, alen);
	s += in->proto;
	s += l4len;
	s = csum_add(s, l4, l4len);
	return csum_fold(s) == 0xffff;
}

static bool in_prefix(const uint8_t *a, const uint8_t *base, unsigned int plen)
{
	for (unsigned int i = 0; i < plen; i++) {
		unsigned int bit = 7 - (i & 7);

		if (((a[i / 8] >> bit) & 1) != ((base[i / 8] >> bit) & 1))
			return false;
	}
	return true;
}

static const struct cfg_gen_flow *group_of(const struct cfg_gen *g, const struct tenet_pkt_info *in)
{
	for (unsigned int i = 0; i < g->nb_flows; i++) {
		const struct cfg_gen_flow *c = &g->flows[i];

		if (c->family == in->ip_version && c->proto == in->proto && c->vlan == in->vlan &&
		    in_prefix(in->src, c->src, c->src_plen) &&
		    in_prefix(in->dst, c->dst, c->dst_plen) && in->sport >= c->sport_lo &&
		    in->sport <= c->sport_hi && in->dport >= c->dport_lo &&
		    in->dport <= c->dport_hi)
			return c;
	}
	return NULL;
}

/* Parse, check headers against the config and return the stamp. */
static void check_frame(const struct cfg_gen *g, const struct tenet_frame *f, struct stamp *st,
                        struct tenet_pkt_info *in)
{
	const struct cfg_gen_flow *c;

	assert_int_equal(tenet_pkt_parse(f->data, f->len, in), TENET_PKT_OK);
	c = group_of(g, in);
	assert_non_null(c);
	if (in->ip_version == 4) {
		assert_true(ipv4_csum_ok(f->data, in));
		assert_int_equal(rd16(f->data + in->l3_off + 2), f->len - in->l3_off);
	} else {
		assert_int_equal(rd16(f->data + in->l3_off + 4), f->len - in->l3_off - 40);
	}
	assert_true(l4_csum_ok(f->data, f->len, in));
	assert_int_equal(in->payload_off + in->payload_len, f->len);
	assert_true(stamp_read(f->data + in->payload_off, in->payload_len, st));
}

struct tuple {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
	bool seen;
};

static void test_headers_ranges_checksums(void **state)
{
	struct cfg_port cfg = base_cfg();
	struct tenet_frame fr[BURST];
	struct port p;
	struct tuple *tup = calloc(1 << 16, sizeof(*tup));
	uint64_t *next_seq = calloc(1 << 16, sizeof(*next_seq));
	unsigned int distinct = 0, groups[3] = {0};

	(void)state;
	assert_non_null(tup);
	assert_non_null(next_seq);
	cfg.gen.flows[0] = flow_v4_udp();
	cfg.gen.flows[1] = flow_v6_tcp();
	cfg.gen.flows[2] = flow_v6_udp();
	cfg.gen.nb_flows = 3;
	cfg.gen.sizes[0] = 64;
	cfg.gen.sizes[1] = 200;
	cfg.gen.sizes[2] = 1518;
	cfg.gen.nb_sizes = 3;
	open_gen(&p, &cfg);

	for (int b = 0; b < 400; b++) {
		int n = p.drv->rx(&p, fr, BURST);

		assert_int_equal(n, BURST);
		for (int i = 0; i < n; i++) {
			struct tenet_pkt_info in;
			struct stamp st;
			struct tuple *t;
			uint32_t id;

			check_frame(&cfg.gen, &fr[i], &st, &in);
			groups[in.ip_version == 4 ? 0 : in.proto == 6 ? 1 : 2]++;
			assert_int_equal(st.flow >> STAMP_FLOW_BITS, 0); /* port index 0 */
			id = st.flow & ((1u << STAMP_FLOW_BITS) - 1);
			assert_true(id < 157);
			/* consecutive per-flow sequence numbers */
			assert_int_equal(st.seq, (uint32_t)next_seq[id]);
			next_seq[id]++;
			/* one flow id, one 5-tuple */
			t = &tup[id];
			if (!t->seen) {
				t->seen = true;
				memcpy(t->src, in.src, 16);
				memcpy(t->dst, in.dst, 16);
				t->sport = in.sport;
				t->dport = in.dport;
				t->proto = in.proto;
				distinct++;
			} else {
				assert_memory_equal(t->src, in.src, 16);
				assert_memory_equal(t->dst, in.dst, 16);
				assert_int_equal(t->sport, in.sport);
				assert_int_equal(t->dport, in.dport);
				assert_int_equal(t->proto, in.proto);
			}
			if (in.ip_version == 6 && in.proto == 6)
				assert_int_equal(in.vlan, 42);
			else
				assert_int_equal(in.nb_vlan, 0);
		}
	}
	/* all 157 flows appeared, and their tuples are pairwise distinct */
	assert_int_equal(distinct, 157);
	for (unsigned int a = 0; a < 157; a++)
		for (unsigned int b = a + 1; b < 157; b++)
			assert_false(!memcmp(tup[a].src, tup[b].src, 16) &&
			             !memcmp(tup[a].dst, tup[b].dst, 16) &&
			             tup[a].sport == tup[b].sport && tup[a].dport == tup[b].dport &&
			             tup[a].proto == tup[b].proto);
	assert_true(groups[0] > 0 && groups[1] > 0 && groups[2] > 0);
	p.drv->close(&p);
	assert_null(p.priv);
	free(tup);
	free(next_seq);
}

/* Counts of each frame length over nb frames. */
static void length_histogram(struct cfg_port *cfg, unsigned int nb, unsigned int *by_len)
{
	struct tenet_frame fr[BURST];
	struct port p;
	unsigned int got = 0;

	open_gen(&p, cfg);
	while (got < nb) {
		int n = p.drv->rx(&p, fr, nb - got < BURST ? nb - got : BURST);

		assert_true(n > 0);
		for (int i = 0; i < n; i++)
			by_len[fr[i].len]++;
		got += (unsigned int)n;
	}
	p.drv->close(&p);
}

static void assert_share(unsigned int part, unsigned int whole, double expect, double tol)
{
	double share = (double)part / whole;

	if (share < expect - tol || share > expect + tol)
		fail_msg("share %.4f, expected %.4f +- %.4f", share, expect, tol);
}

static void test_sizes(void **state)
{
	struct cfg_port cfg = base_cfg();
	unsigned int *by_len = calloc(2048, sizeof(*by_len));
	const unsigned int nb = 100000;

	(void)state;
	assert_non_null(by_len);
	cfg.gen.flows[0] = flow_v4_udp();
	cfg.gen.nb_flows = 1;

	/* fixed: sizes include the FCS */
	cfg.gen.sizes[0] = 128;
	cfg.gen.nb_sizes = 1;
	length_histogram(&cfg, 10000, by_len);
	assert_int_equal(by_len[124], 10000);

	/* uniform over the list */
	memset(by_len, 0, 2048 * sizeof(*by_len));
	cfg.gen.sizes[0] = 64;
	cfg.gen.sizes[1] = 512;
	cfg.gen.sizes[2] = 1518;
	cfg.gen.nb_sizes = 3;
	length_histogram(&cfg, nb, by_len);
	assert_int_equal(by_len[60] + by_len[508] + by_len[1514], nb);
	assert_share(by_len[60], nb, 1.0 / 3, 0.01);
	assert_share(by_len[508], nb, 1.0 / 3, 0.01);
	assert_share(by_len[1514], nb, 1.0 / 3, 0.01);

	/* imix 7:4:1 */
	memset(by_len, 0, 2048 * sizeof(*by_len));
	cfg.gen.imix = true;
	length_histogram(&cfg, nb, by_len);
	assert_int_equal(by_len[60] + by_len[566] + by_len[1514], nb);
	assert_share(by_len[60], nb, 7.0 / 12, 0.01);
	assert_share(by_len[566], nb, 4.0 / 12, 0.01);
	assert_share(by_len[1514], nb, 1.0 / 12, 0.01);

	/* IPv6 + VLAN + TCP headers and the stamp do not fit 64 B: grown to fit */
	memset(by_len, 0, 2048 * sizeof(*by_len));
	cfg.gen.imix = false;
	cfg.gen.flows[0] = flow_v6_tcp();
	cfg.gen.sizes[0] = 64;
	cfg.gen.nb_sizes = 1;
	length_histogram(&cfg, 1000, by_len);
	assert_int_equal(by_len[14 + 4 + 40 + 20 + STAMP_LEN], 1000);

	/* untagged UDP/IPv4 at 64 B carries the stamp in 60 bytes */
	memset(by_len, 0, 2048 * sizeof(*by_len));
	cfg.gen.flows[0] = flow_v4_udp();
	length_histogram(&cfg, 1000, by_len);
	assert_int_equal(by_len[60], 1000);
	free(by_len);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle));
}

static void test_patterns(void **state)
{
	struct cfg_port cfg = base_cfg();
	struct tenet_frame fr[BURST];
	struct port p;
	const unsigned int nb = 100000;
	unsigned int got = 0, with = 0, per[2] = {0};

	(void)state;
	cfg.gen.flows[0] = flow_v4_udp();
	cfg.gen.flows[1] = flow_v6_tcp();
	cfg.gen.flows[2] = flow_v6_udp();
	cfg.gen.nb_flows = 3;
	cfg.gen.sizes[0] = 128;
	cfg.gen.sizes[1] = 300;
	cfg.gen.nb_sizes = 2;
	strcpy(cfg.gen.patterns[0], "attack");
	strcpy(cfg.gen.patterns[1], "evil-payload-xyz");
	cfg.gen.nb_patterns = 2;
	cfg.gen.pattern_fraction = 0.3;
	open_gen(&p, &cfg);
	while (got < nb) {
		int n = p.drv->rx(&p, fr, BURST);

		assert_int_equal(n, BURST);
		for (int i = 0; i < n; i++) {
			struct tenet_pkt_info in;
			struct stamp st;
			const uint8_t *pl;
			size_t len;
			bool a, b;

			/* checksums stay valid with a pattern at any offset */
			check_frame(&cfg.gen, &fr[i], &st, &in);
			pl = fr[i].data + in.payload_off + STAMP_LEN;
			len = in.payload_len - STAMP_LEN;
			a = find(pl, len, "attack") != NULL;
			b = find(pl, len, "evil-payload-xyz") != NULL;
			assert_false(a && b); /* one pattern per frame */
			/* the rest of the payload is zero */
			if (!a && !b)
				for (size_t j = 0; j < len; j++)
					assert_int_equal(pl[j], 0);
			with += a || b;
			per[0] += a;
			per[1] += b;
		}
		got += (unsigned int)n;
	}
	assert_share(with, nb, 0.3, 0.01);
	assert_share(per[0], with, 0.5, 0.02);
	p.drv->close(&p);

	/* a pattern longer than the payload is never placed, and is counted */
	cfg.gen.nb_flows = 1;
	cfg.gen.sizes[0] = 64;
	cfg.gen.nb_sizes = 1;
	cfg.gen.nb_patterns = 1;
	strcpy(cfg.gen.patterns[0], "this-pattern-is-much-longer-than-the-payload");
	cfg.gen.pattern_fraction = 1.0;
	open_gen(&p, &cfg);
	assert_int_equal(p.drv->rx(&p, fr, BURST), BURST);
	for (int i = 0; i < BURST; i++)
		assert_null(find(fr[i].data, fr[i].len, "this-pattern"));
	{
		char *buf = NULL;
		size_t sz = 0;
		FILE *out = open_memstream(&buf, &sz);

		assert_non_null(out);
		p.drv->report_json(&p, out);
		fclose(out);
		assert_non_null(strstr(buf, "\"pattern_no_fit\": 64"));
		assert_non_null(strstr(buf, "\"packets\": 64"));
		free(buf);
	}
	p.drv->close(&p);
}

static void test_weights(void **state)
{
	struct cfg_port cfg = base_cfg();
	struct tenet_frame fr[BURST];
	struct port p;
	const unsigned int nb = 100000;
	unsigned int got = 0, v4n = 0;

	(void)state;
	cfg.gen.flows[0] = flow_v4_udp();
	cfg.gen.flows[0].weight = 3;
	cfg.gen.flows[1] = flow_v6_tcp();
	cfg.gen.flows[1].weight = 1;
	cfg.gen.nb_flows = 2;
	open_gen(&p, &cfg);
	while (got < nb) {
		int n = p.drv->rx(&p, fr, BURST);

		for (int i = 0; i < n; i++)
			v4n += (fr[i].data[12] == 0x08);
		got += (unsigned int)n;
	}
	assert_share(v4n, got, 0.75, 0.01);
	p.drv->close(&p);
}

static void test_count_ends(void **state)
{
	struct cfg_port cfg = base_cfg();
	struct tenet_frame fr[BURST];
	struct port p;
	unsigned int total = 0;
	int n;

	(void)state;
	cfg.gen.count = 1000;
	open_gen(&p, &cfg);
	while ((n = p.drv->rx(&p, fr, BURST)) > 0)
		total += (unsigned int)n;
	assert_int_equal(n, -ENODATA);
	assert_int_equal(total, 1000);
	assert_int_equal(p.drv->rx(&p, fr, BURST), -ENODATA);
	p.drv->close(&p);

	/* duration ends it too (no assertion on when) */
	cfg.gen.count = 0;
	cfg.gen.duration = 0.02;
	open_gen(&p, &cfg);
	for (long i = 0; i < 100000000L; i++)
		if ((n = p.drv->rx(&p, fr, BURST)) < 0)
			break;
	assert_int_equal(n, -ENODATA);
	p.drv->close(&p);

	/* a rate starts with one token: the first call gives one frame */
	cfg.gen.duration = 0;
	cfg.gen.rate_pps = 1;
	open_gen(&p, &cfg);
	assert_int_equal(p.drv->rx(&p, fr, BURST), 1);
	p.drv->close(&p);
}

/* Frame bytes with the stamp's time word and the L4 checksum masked out. */
static void masked(const struct tenet_frame *f, uint8_t *out)
{
	struct tenet_pkt_info in;

	memcpy(out, f->data, f->len);
	assert_int_equal(tenet_pkt_parse(out, f->len, &in), TENET_PKT_OK);
	memset(out + in.payload_off, 0, 8);
	memset(out + in.l4_off + (in.proto == 6 ? 16 : 6), 0, 2);
}

static void test_same_seed_same_frames(void **state)
{
	struct cfg_port cfg = base_cfg();
	struct tenet_frame fa[BURST], fb[BURST];
	struct port a, b;
	uint8_t ma[2048], mb[2048];
	unsigned int differ = 0;

	(void)state;
	cfg.gen.flows[0] = flow_v4_udp();
	cfg.gen.flows[1] = flow_v6_tcp();
	cfg.gen.nb_flows = 2;
	cfg.gen.imix = true;
	strcpy(cfg.gen.patterns[0], "needle");
	cfg.gen.nb_patterns = 1;
	cfg.gen.pattern_fraction = 0.5;
	cfg.gen.seed = 42;
	open_gen(&a, &cfg);
	open_gen(&b, &cfg);
	for (int r = 0; r < 50; r++) {
		assert_int_equal(a.drv->rx(&a, fa, BURST), BURST);
		assert_int_equal(b.drv->rx(&b, fb, BURST), BURST);
		for (int i = 0; i < BURST; i++) {
			assert_int_equal(fa[i].len, fb[i].len);
			masked(&fa[i], ma);
			masked(&fb[i], mb);
			assert_memory_equal(ma, mb, fa[i].len);
		}
	}
	b.drv->close(&b);

	/* another seed: other flows */
	cfg.gen.seed = 43;
	open_gen(&b, &cfg);
	assert_int_equal(a.drv->rx(&a, fa, BURST), BURST);
	assert_int_equal(b.drv->rx(&b, fb, BURST), BURST);
	for (int i = 0; i < BURST; i++)
		differ += fa[i].len != fb[i].len || memcmp(fa[i].data, fb[i].data, 42);
	assert_true(differ > 0);
	a.drv->close(&a);
	b.drv->close(&b);
}

static void test_flow_ids_carry_port_index(void **state)
{
	struct cfg_port cfg = base_cfg();
	struct tenet_frame fr[BURST];
	struct port p = {.drv = &port_gen, .index = 3};
	char err[256];

	(void)state;
	p.cfg = &cfg;
	assert_int_equal(port_gen.open(&p, &cfg, err, sizeof(err)), 0);
	assert_int_equal(p.drv->rx(&p, fr, BURST), BURST);
	for (int i = 0; i < BURST; i++) {
		struct tenet_pkt_info in;
		struct stamp st;

		/* default flow: one UDP/IPv4 flow */
		assert_int_equal(tenet_pkt_parse(fr[i].data, fr[i].len, &in), TENET_PKT_OK);
		assert_true(stamp_read(fr[i].data + in.payload_off, in.payload_len, &st));
		assert_int_equal(st.flow, STAMP_FLOW(3, 0));
		assert_int_equal(st.seq, (uint32_t)i);
	}
	port_gen.close(&p);
}

static void test_open_errors(void **state)
{
	struct cfg_port cfg = base_cfg();
	char err[256];

	(void)state;
	/* 10 ports x 1 address = 10 distinct flows, not 11 */
	cfg.gen.flows[0] = flow_v4_udp();
	cfg.gen.flows[0].src_plen = 32;
	cfg.gen.flows[0].dst_plen = 32;
	cfg.gen.flows[0].sport_hi = 1009;
	cfg.gen.flows[0].count = 10;
	cfg.gen.nb_flows = 1;
	assert_int_equal(open_gen_err(&cfg, err, sizeof(err)), 0);
	cfg.gen.flows[0].count = 11;
	assert_int_equal(open_gen_err(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exceeds the 10 distinct flows"));

	cfg.gen.flows[0].count = 1;
	cfg.gen.flows[0].proto = 1;
	assert_int_equal(open_gen_err(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "protocol 1"));

	cfg.gen.flows[0].proto = 17;
	cfg.gen.sizes[0] = 2000;
	assert_int_equal(open_gen_err(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "frame size 2000"));

	cfg.gen.sizes[0] = 64;
	cfg.gen.flows[0].weight = 0;
	assert_int_equal(open_gen_err(&cfg, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_headers_ranges_checksums),
	        cmocka_unit_test(test_sizes),
	        cmocka_unit_test(test_patterns),
	        cmocka_unit_test(test_weights),
	        cmocka_unit_test(test_count_ends),
	        cmocka_unit_test(test_same_seed_same_frames),
	        cmocka_unit_test(test_flow_ids_carry_port_index),
	        cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
