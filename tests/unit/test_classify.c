/*
 * Unit tests for lib/classify.c: each match field on its own, priority and
 * id tie-breaks, defaults, add/del/list/clone, fragments and non-IP, then a
 * randomized differential test: 10,000 random rules and 100,000 random
 * packets, every lookup compared with a naive linear reference written
 * here from the semantics in the header (not from the implementation).
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

#include "lib/classify.h"

/* ---- helpers ---- */

static struct tenet_match any_match(void)
{
	struct tenet_match m;

	memset(&m, 0, sizeof(m));
	m.proto = TENET_ANY;
	m.sport_hi = 0xffff;
	m.dport_hi = 0xffff;
	m.vlan = TENET_ANY;
	m.in_port = TENET_ANY;
	return m;
}

static struct tenet_rule mkrule(uint32_t id, int32_t prio, struct tenet_match m, uint16_t tenant,
                                uint16_t chain)
{
	struct tenet_rule r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.priority = prio;
	r.match = m;
	r.tenant = tenant;
	r.chain = chain;
	return r;
}

static void set4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

static struct tenet_match m4(uint8_t s0, uint8_t s1, uint8_t s2, uint8_t s3, uint8_t splen)
{
	struct tenet_match m = any_match();

	m.family = 4;
	set4(m.src, s0, s1, s2, s3);
	m.src_plen = splen;
	return m;
}

static struct tenet_pkt_info pkt4(uint8_t s0, uint8_t s1, uint8_t s2, uint8_t s3, uint8_t proto,
                                  uint16_t sport, uint16_t dport)
{
	struct tenet_pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.ethertype = 0x0800;
	pi.ip_version = 4;
	pi.proto = proto;
	set4(pi.src, s0, s1, s2, s3);
	set4(pi.dst, 192, 168, 0, 1);
	pi.sport = sport;
	pi.dport = dport;
	return pi;
}

static void add_ok(struct tenet_classifier *c, struct tenet_rule r)
{
	assert_int_equal(tenet_classifier_add(c, &r), 0);
}

/* Rule id that pi hits on port in_port, TENET_RULE_DEFAULT, or -1 for drop. */
static int64_t hit(const struct tenet_classifier *c, const struct tenet_pkt_info *pi, int in_port)
{
	struct tenet_action a;

	if (!tenet_classifier_lookup(c, pi, in_port, &a))
		return -1;
	return a.rule_id;
}

/*
 * A table for a focused test. With *state set, it is padded with rules of
 * 24 distinct shapes that no test packet hits (3fff::/16 space, worst
 * priority), so lookups go through the prefix filter path as well.
 */
static struct tenet_classifier *new_table(void **state, const struct tenet_action *dflt)
{
	struct tenet_classifier *c = tenet_classifier_create(dflt);

	assert_non_null(c);
	if (state && *state) {
		for (uint32_t i = 0; i < 24; i++) {
			struct tenet_match m = any_match();

			m.family = 6;
			m.src[0] = m.dst[0] = 0x3f;
			m.src[1] = m.dst[1] = 0xff;
			m.src_plen = (uint8_t)(16 + 8 * (i % 12));
			m.dst_plen = (uint8_t)(16 + 8 * (i / 12));
			add_ok(c, mkrule(1000000 + i, INT32_MAX, m, 0, 0));
		}
	}
	return c;
}

/* ---- focused tests ---- */

static void test_priority_and_ties(void **state)
{
	struct tenet_classifier *c = new_table(state, NULL);
	struct tenet_pkt_info pi = pkt4(10, 1, 2, 3, 6, 1000, 80);
	struct tenet_action a;

	assert_non_null(c);
	add_ok(c, mkrule(5, 100, m4(10, 0, 0, 0, 8), 1, 1));
	add_ok(c, mkrule(6, 50, m4(10, 1, 0, 0, 16), 2, 2));
	add_ok(c, mkrule(7, 10, any_match(), 3, 3)); /* broadest, best priority */
	assert_true(tenet_classifier_lookup(c, &pi, 0, &a));
	assert_int_equal(a.rule_id, 7);
	assert_int_equal(a.tenant, 3);
	assert_int_equal(a.chain, 3);
	assert_int_equal(tenet_classifier_del(c, 7), 0);
	assert_int_equal(hit(c, &pi, 0), 6);
	assert_int_equal(tenet_classifier_del(c, 6), 0);
	assert_int_equal(hit(c, &pi, 0), 5);

	/* ties: same priority, lower id wins, whatever the insertion order */
	add_ok(c, mkrule(40, 100, m4(10, 1, 2, 0, 24), 4, 4));
	add_ok(c, mkrule(30, 100, m4(10, 1, 0, 0, 16), 4, 5));
	assert_int_equal(hit(c, &pi, 0), 5);
	add_ok(c, mkrule(3, 100, m4(10, 1, 2, 3, 32), 4, 6));
	assert_int_equal(hit(c, &pi, 0), 3);
	/* same key, same priority, in one entry */
	add_ok(c, mkrule(2, 100, m4(10, 1, 2, 3, 32), 4, 7));
	assert_int_equal(hit(c, &pi, 0), 2);
	add_ok(c, mkrule(1, 101, m4(10, 1, 2, 3, 32), 4, 8));
	assert_int_equal(hit(c, &pi, 0), 2);
	/* negative priorities work */
	add_ok(c, mkrule(99, -5, m4(10, 0, 0, 0, 8), 9, 9));
	assert_int_equal(hit(c, &pi, 0), 99);
	tenet_classifier_destroy(c);
}

static void test_prefix_v4(void **state)
{
	struct tenet_classifier *c = new_table(state, NULL);
	struct tenet_pkt_info pi;
	struct tenet_match m;

	add_ok(c, mkrule(1, 1, m4(10, 1, 2, 3, 32), 0, 0));
	add_ok(c, mkrule(2, 2, m4(10, 1, 2, 0, 31), 0, 0));  /* 10.1.2.0-1 */
	add_ok(c, mkrule(3, 3, m4(10, 1, 2, 16, 28), 0, 0)); /* .16-.31 */
	add_ok(c, mkrule(4, 4, m4(10, 1, 2, 0, 24), 0, 0));
	add_ok(c, mkrule(5, 5, m4(10, 1, 0xff, 0xff, 17), 0, 0)); /* 10.1.128/17 */
	add_ok(c, mkrule(6, 6, m4(10, 0, 0, 0, 8), 0, 0));
	m = m4(0, 0, 0, 0, 0);
	m.dst_plen = 32;
	set4(m.dst, 192, 168, 0, 1);
	add_ok(c, mkrule(7, 7, m, 0, 0));

	pi = pkt4(10, 1, 2, 3, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 1);
	pi = pkt4(10, 1, 2, 1, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 2);
	pi = pkt4(10, 1, 2, 2, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 4);
	pi = pkt4(10, 1, 2, 31, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 3);
	pi = pkt4(10, 1, 2, 32, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 4);
	pi = pkt4(10, 1, 200, 9, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 5);
	pi = pkt4(10, 1, 127, 9, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 6);
	pi = pkt4(11, 1, 2, 3, 6, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 7);
	pi.dst[3] = 2;
	assert_int_equal(hit(c, &pi, 0), -1);
	/* an IPv6 packet with the same leading bytes is not an IPv4 match */
	pi = pkt4(10, 1, 2, 3, 6, 1, 2);
	pi.ip_version = 6;
	assert_int_equal(hit(c, &pi, 0), -1);
	tenet_classifier_destroy(c);
}

static void test_prefix_v6(void **state)
{
	struct tenet_classifier *c = new_table(state, NULL);
	struct tenet_pkt_info pi;
	struct tenet_match m = any_match();
	static const uint8_t net[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4};

	m.family = 6;
	memcpy(m.dst, net, 16);
	m.dst_plen = 128;
	add_ok(c, mkrule(1, 1, m, 0, 0));
	m.dst_plen = 127;
	add_ok(c, mkrule(2, 2, m, 0, 0));
	m.dst_plen = 64;
	add_ok(c, mkrule(3, 3, m, 0, 0));
	m.dst_plen = 35; /* 2001:db8:0000::/35 .. 2001:db8:1fff:: */
	add_ok(c, mkrule(4, 4, m, 0, 0));

	memset(&pi, 0, sizeof(pi));
	pi.ip_version = 6;
	pi.proto = 17;
	memcpy(pi.dst, net, 16);
	assert_int_equal(hit(c, &pi, 0), 1);
	pi.dst[15] = 5;
	assert_int_equal(hit(c, &pi, 0), 2);
	pi.dst[15] = 6;
	assert_int_equal(hit(c, &pi, 0), 3);
	pi.dst[5] = 2;
	assert_int_equal(hit(c, &pi, 0), 4);
	pi.dst[4] = 0x1f;
	assert_int_equal(hit(c, &pi, 0), 4);
	pi.dst[4] = 0x20;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.ip_version = 4;
	memcpy(pi.dst, net, 16);
	assert_int_equal(hit(c, &pi, 0), -1);
	tenet_classifier_destroy(c);
}

static void test_ports(void **state)
{
	struct tenet_classifier *c = new_table(state, NULL);
	struct tenet_pkt_info pi;
	struct tenet_match m = any_match();

	m.dport_lo = m.dport_hi = 80;
	add_ok(c, mkrule(1, 1, m, 0, 0));
	m = any_match();
	m.dport_lo = 1000;
	m.dport_hi = 1999;
	add_ok(c, mkrule(2, 2, m, 0, 0));
	m = any_match();
	m.sport_lo = 5;
	m.sport_hi = 6;
	m.dport_lo = 1500;
	m.dport_hi = 1500;
	add_ok(c, mkrule(3, 0, m, 0, 0));
	m = any_match();
	m.dport_lo = 0;
	m.dport_hi = 0;
	add_ok(c, mkrule(4, 4, m, 0, 0));

	pi = pkt4(1, 2, 3, 4, 6, 7, 80);
	assert_int_equal(hit(c, &pi, 0), 1);
	pi.dport = 79;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.dport = 81;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.dport = 999;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.dport = 1000;
	assert_int_equal(hit(c, &pi, 0), 2);
	pi.dport = 1999;
	assert_int_equal(hit(c, &pi, 0), 2);
	pi.dport = 2000;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.dport = 1500;
	assert_int_equal(hit(c, &pi, 0), 2);
	pi.sport = 5;
	assert_int_equal(hit(c, &pi, 0), 3);
	pi.sport = 6;
	pi.proto = 17;
	assert_int_equal(hit(c, &pi, 0), 3);
	pi.sport = 4;
	assert_int_equal(hit(c, &pi, 0), 2);
	/* port 0 on a TCP packet matches an exact-0 rule ... */
	pi.dport = 0;
	assert_int_equal(hit(c, &pi, 0), 4);
	/* ... but ICMP has no ports and matches no port rule */
	pi = pkt4(1, 2, 3, 4, 1, 0, 0);
	assert_int_equal(hit(c, &pi, 0), -1);
	tenet_classifier_destroy(c);
}

static void test_proto_vlan_inport(void **state)
{
	struct tenet_classifier *c = new_table(state, NULL);
	struct tenet_pkt_info pi;
	struct tenet_match m = any_match();

	m.proto = 17;
	add_ok(c, mkrule(1, 10, m, 0, 0));
	m = any_match();
	m.vlan = 100;
	add_ok(c, mkrule(2, 5, m, 0, 0));
	m = any_match();
	m.in_port = 3;
	add_ok(c, mkrule(3, 1, m, 0, 0));
	m = any_match();
	m.vlan = 0;
	m.proto = 1;
	add_ok(c, mkrule(4, 20, m, 0, 0));

	pi = pkt4(1, 1, 1, 1, 17, 1, 2);
	assert_int_equal(hit(c, &pi, 0), 1);
	assert_int_equal(hit(c, &pi, 3), 3);
	assert_int_equal(hit(c, &pi, 2), 1);
	pi.vlan = 100;
	assert_int_equal(hit(c, &pi, 0), 2);
	assert_int_equal(hit(c, &pi, 3), 3);
	pi.vlan = 101;
	assert_int_equal(hit(c, &pi, 0), 1);
	pi.proto = 6;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.proto = 1;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.vlan = 0;
	assert_int_equal(hit(c, &pi, 0), 4);
	tenet_classifier_destroy(c);
}

static void test_default(void **state)
{
	struct tenet_action dflt = {.tenant = 7, .chain = 9, .rule_id = 123};
	struct tenet_classifier *drop = tenet_classifier_create(NULL);
	struct tenet_classifier *chain = tenet_classifier_create(&dflt);
	struct tenet_pkt_info pi = pkt4(1, 2, 3, 4, 6, 1, 2);
	struct tenet_action a;

	(void)state;
	assert_false(tenet_classifier_lookup(drop, &pi, 0, &a));
	assert_true(tenet_classifier_lookup(chain, &pi, 0, &a));
	assert_int_equal(a.tenant, 7);
	assert_int_equal(a.chain, 9);
	assert_int_equal(a.rule_id, TENET_RULE_DEFAULT);
	add_ok(chain, mkrule(1, 1, m4(1, 0, 0, 0, 8), 2, 3));
	assert_true(tenet_classifier_lookup(chain, &pi, 0, &a));
	assert_int_equal(a.rule_id, 1);
	assert_int_equal(a.tenant, 2);
	pi.src[0] = 2;
	assert_true(tenet_classifier_lookup(chain, &pi, 0, &a));
	assert_int_equal(a.rule_id, TENET_RULE_DEFAULT);
	tenet_classifier_destroy(drop);
	tenet_classifier_destroy(chain);
	tenet_classifier_destroy(NULL);
}

static void test_add_del_list(void **state)
{
	struct tenet_classifier *c = tenet_classifier_create(NULL);
	struct tenet_rule r = mkrule(10, 1, any_match(), 1, 1);
	static const uint32_t ids[] = {50, 10, 30, 20, 40};

	(void)state;
	for (unsigned int i = 0; i < 5; i++) {
		r = mkrule(ids[i], (int32_t)i, m4(10, (uint8_t)i, 0, 0, 16), (uint16_t)i, 0);
		assert_int_equal(tenet_classifier_add(c, &r), 0);
	}
	assert_int_equal(tenet_classifier_add(c, &r), -EEXIST);
	assert_int_equal(tenet_classifier_count(c), 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(tenet_classifier_rule(c, i)->id, 10 * (i + 1));
	assert_null(tenet_classifier_rule(c, 5));
	assert_int_equal(tenet_classifier_rule(c, 2)->tenant, 2);
	assert_int_equal(tenet_classifier_rule(c, 2)->match.src[1], 2);

	assert_int_equal(tenet_classifier_del(c, 30), 0);
	assert_int_equal(tenet_classifier_del(c, 30), -ENOENT);
	assert_int_equal(tenet_classifier_del(c, 31), -ENOENT);
	assert_int_equal(tenet_classifier_count(c), 4);
	assert_int_equal(tenet_classifier_rule(c, 2)->id, 40);

	/* bad matches */
	r = mkrule(100, 0, any_match(), 0, 0);
	r.match.family = 5;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = any_match();
	r.match.src_plen = 8; /* prefix without a family */
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = m4(1, 2, 3, 4, 33);
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = any_match();
	r.match.family = 6;
	r.match.dst_plen = 129;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = any_match();
	r.match.proto = 256;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match.proto = -2;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = any_match();
	r.match.sport_lo = 10;
	r.match.sport_hi = 9;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = any_match();
	r.match.vlan = 4096;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	r.match = any_match();
	r.match.in_port = -2;
	assert_int_equal(tenet_classifier_add(c, &r), -EINVAL);
	assert_int_equal(tenet_classifier_add(c, NULL), -EINVAL);
	assert_int_equal(tenet_classifier_count(c), 4);

	/* delete everything, the table works again after */
	for (unsigned int i = 0; i < 5; i++)
		tenet_classifier_del(c, ids[i]);
	assert_int_equal(tenet_classifier_count(c), 0);
	r = mkrule(1, 0, any_match(), 0, 0);
	assert_int_equal(tenet_classifier_add(c, &r), 0);
	struct tenet_pkt_info pi = pkt4(9, 9, 9, 9, 6, 1, 1);
	assert_int_equal(hit(c, &pi, 0), 1);
	tenet_classifier_destroy(c);
}

static void test_clone(void **state)
{
	struct tenet_action dflt = {.tenant = 1, .chain = 2};
	struct tenet_classifier *c = tenet_classifier_create(&dflt), *k;
	struct tenet_pkt_info pi = pkt4(10, 1, 1, 1, 6, 1, 2);

	(void)state;
	add_ok(c, mkrule(1, 5, m4(10, 0, 0, 0, 8), 3, 3));
	add_ok(c, mkrule(2, 6, m4(10, 1, 0, 0, 16), 4, 4));
	k = tenet_classifier_clone(c);
	assert_non_null(k);
	assert_int_equal(tenet_classifier_count(k), 2);
	assert_int_equal(hit(k, &pi, 0), 1);

	/* edits on either side stay on that side */
	assert_int_equal(tenet_classifier_del(k, 1), 0);
	add_ok(k, mkrule(3, 0, m4(10, 1, 1, 1, 32), 5, 5));
	assert_int_equal(hit(k, &pi, 0), 3);
	assert_int_equal(hit(c, &pi, 0), 1);
	assert_int_equal(tenet_classifier_count(c), 2);
	add_ok(c, mkrule(4, -1, any_match(), 6, 6));
	assert_int_equal(hit(c, &pi, 0), 4);
	assert_int_equal(hit(k, &pi, 0), 3);
	tenet_classifier_destroy(c);
	pi.src[0] = 99;
	assert_int_equal(hit(k, &pi, 0), TENET_RULE_DEFAULT);
	tenet_classifier_destroy(k);
}

static void test_frag_and_non_ip(void **state)
{
	struct tenet_classifier *c = new_table(state, NULL);
	struct tenet_pkt_info pi;
	struct tenet_match m = m4(10, 0, 0, 0, 8);

	m.proto = 17;
	m.dport_lo = m.dport_hi = 53;
	add_ok(c, mkrule(1, 1, m, 1, 1)); /* the flow's port rule */
	m.dport_lo = 0;
	m.dport_hi = 0xffff;
	add_ok(c, mkrule(2, 2, m, 2, 2)); /* the address + proto rule */
	m = any_match();
	m.vlan = 7;
	add_ok(c, mkrule(3, 3, m, 3, 3)); /* vlan only: matches non-IP too */
	m.proto = 17;
	add_ok(c, mkrule(4, 0, m, 4, 4)); /* needs IP */

	pi = pkt4(10, 0, 0, 1, 17, 9999, 53);
	assert_int_equal(hit(c, &pi, 0), 1);
	pi.flags = TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST;
	assert_int_equal(hit(c, &pi, 0), 1);
	/* later fragments: no ports, so only rules that do not constrain them */
	pi.flags = TENET_PKT_F_FRAG;
	pi.sport = pi.dport = 0;
	assert_int_equal(hit(c, &pi, 0), 2);
	pi.dport = 53; /* even if a caller left ports in */
	assert_int_equal(hit(c, &pi, 0), 2);

	memset(&pi, 0, sizeof(pi));
	pi.ethertype = 0x0806;
	assert_int_equal(hit(c, &pi, 0), -1);
	pi.vlan = 7;
	pi.nb_vlan = 1;
	assert_int_equal(hit(c, &pi, 0), 3);
	tenet_classifier_destroy(c);
}

/* ---- randomized differential test ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint32_t rndn(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static void rnd_addr(uint8_t a[16], uint8_t family)
{
	memset(a, 0, 16);
	if (family == 4) {
		a[0] = 10;
		a[1] = (uint8_t)rndn(16);
		a[2] = (uint8_t)rndn(64);
		a[3] = (uint8_t)rnd();
	} else {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = (uint8_t)rndn(4);
		a[3] = (uint8_t)rndn(16);
		for (int i = 4; i < 16; i++)
			a[i] = (uint8_t)(i < 8 ? rndn(4) : rnd());
	}
}

static uint8_t rnd_plen(uint8_t family)
{
	static const uint8_t p4[] = {0, 8, 12, 16, 20, 24, 24, 28, 30, 32, 32};
	static const uint8_t p6[] = {0, 16, 32, 36, 48, 56, 64, 64, 96, 127, 128};

	if (rndn(10) == 0)
		return (uint8_t)rndn(family == 4 ? 33 : 129);
	return family == 4 ? p4[rndn(sizeof(p4))] : p6[rndn(sizeof(p6))];
}

static void rnd_ports(uint16_t *lo, uint16_t *hi)
{
	uint32_t k = rndn(8), a, b;

	if (k < 4) {
		*lo = 0;
		*hi = 0xffff;
	} else if (k < 6) {
		*lo = *hi = (uint16_t)(rndn(4) == 0 ? rnd() : 1000 + rndn(64));
	} else {
		a = 1000 + rndn(64);
		b = a + rndn(k == 6 ? 8 : 2000);
		*lo = (uint16_t)a;
		*hi = (uint16_t)(b > 0xffff ? 0xffff : b);
	}
}

static struct tenet_rule rnd_rule(uint32_t id)
{
	static const int16_t protos[] = {TENET_ANY, TENET_ANY, 6, 17, 1};
	struct tenet_match m = any_match();
	uint32_t k = rndn(100);
	int32_t spec;

	m.family = k < 55 ? 4 : k < 98 ? 6 : 0;
	if (m.family) {
		rnd_addr(m.src, m.family);
		rnd_addr(m.dst, m.family);
		m.src_plen = rnd_plen(m.family);
		m.dst_plen = rnd_plen(m.family);
	}
	m.proto = protos[rndn(5)];
	rnd_ports(&m.sport_lo, &m.sport_hi);
	rnd_ports(&m.dport_lo, &m.dport_hi);
	m.vlan = rndn(5) == 0 ? (int32_t)rndn(4) : TENET_ANY;
	m.in_port = rndn(5) == 0 ? (int32_t)rndn(4) : TENET_ANY;
	if (m.family == 0) { /* keep catch-alls rare so lookups go deep */
		m.vlan = (int32_t)rndn(4);
		m.in_port = (int32_t)rndn(4);
	} else if (m.src_plen + m.dst_plen < 16) {
		m.src_plen = (uint8_t)(m.family == 4 ? 24 : 48);
	}
	/* more specific rules tend to, but need not, have better priorities */
	spec = m.family == 4 ? 2 * (m.src_plen + m.dst_plen) : (m.src_plen + m.dst_plen) / 2;
	spec += (m.proto >= 0) * 10 + (m.vlan >= 0) * 20 + (m.in_port >= 0) * 20;
	spec += (m.sport_lo == m.sport_hi) * 20 + (m.dport_lo == m.dport_hi) * 20;
	return mkrule(id, (int32_t)rndn(100) - spec, m, (uint16_t)rndn(16), (uint16_t)rnd());
}

/* Copy a's first plen bits, keep b's others. */
static void blend(uint8_t *out, const uint8_t *a, unsigned int plen)
{
	for (unsigned int i = 0; i < plen; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		out[i / 8] = (uint8_t)((out[i / 8] & ~bit) | (a[i / 8] & bit));
	}
}

static uint16_t port_near(uint16_t lo, uint16_t hi)
{
	switch (rndn(6)) {
	case 0:
		return (uint16_t)(lo - 1);
	case 1:
		return (uint16_t)(hi + 1);
	case 2:
		return lo;
	case 3:
		return hi;
	default:
		return (uint16_t)(lo + rndn((uint32_t)(hi - lo) + 1));
	}
}

/* A packet aimed at (near) rule r, or anywhere. */
static struct tenet_pkt_info rnd_pkt(const struct tenet_rule *r, int *in_port)
{
	static const uint8_t protos[] = {6, 17, 1, 58, 50};
	struct tenet_pkt_info pi;
	const struct tenet_match *m = &r->match;
	bool aim = rndn(8) != 0;

	memset(&pi, 0, sizeof(pi));
	if (rndn(40) == 0) { /* non-IP */
		pi.ethertype = 0x0806;
		pi.vlan = (uint16_t)rndn(5);
		*in_port = (int)rndn(5);
		return pi;
	}
	pi.ip_version = (aim && m->family) ? m->family : (rndn(2) ? 4 : 6);
	if (rndn(30) == 0)
		pi.ip_version = pi.ip_version == 4 ? 6 : 4;
	rnd_addr(pi.src, pi.ip_version);
	rnd_addr(pi.dst, pi.ip_version);
	if (aim && m->family == pi.ip_version) {
		blend(pi.src, m->src, rndn(8) ? m->src_plen : rndn(m->src_plen + 1));
		blend(pi.dst, m->dst, rndn(8) ? m->dst_plen : rndn(m->dst_plen + 1));
	}
	pi.proto = (aim && m->proto >= 0 && rndn(8)) ? (uint8_t)m->proto : protos[rndn(5)];
	if (pi.proto == 6 || pi.proto == 17) {
		pi.sport = aim ? port_near(m->sport_lo, m->sport_hi) : (uint16_t)rnd();
		pi.dport = aim ? port_near(m->dport_lo, m->dport_hi) : (uint16_t)rnd();
	}
	switch (rndn(20)) {
	case 0:
		pi.flags = TENET_PKT_F_FRAG;
		pi.sport = pi.dport = 0;
		break;
	case 1:
		pi.flags = TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST;
		break;
	default:
		break;
	}
	pi.vlan = (aim && m->vlan >= 0 && rndn(4)) ? (uint16_t)m->vlan : (uint16_t)rndn(5);
	*in_port = (aim && m->in_port >= 0 && rndn(4)) ? m->in_port : (int)rndn(5);
	return pi;
}

static bool ref_prefix(const uint8_t *a, const uint8_t *p, unsigned int plen)
{
	unsigned int rest = plen % 8;

	if (memcmp(a, p, plen / 8) != 0)
		return false;
	return rest == 0 || ((a[plen / 8] ^ p[plen / 8]) >> (8 - rest)) == 0;
}

static bool ref_match(const struct tenet_match *m, const struct tenet_pkt_info *pi, int in_port)
{
	bool ip = pi->ip_version == 4 || pi->ip_version == 6;
	bool later_frag = (pi->flags & TENET_PKT_F_FRAG) && !(pi->flags & TENET_PKT_F_FRAG_FIRST);
	bool has_ports = ip && (pi->proto == 6 || pi->proto == 17) && !later_frag;
	bool constrains = !(m->sport_lo == 0 && m->sport_hi == 0xffff && m->dport_lo == 0 &&
	                    m->dport_hi == 0xffff);

	if (m->family && m->family != pi->ip_version)
		return false;
	if (m->vlan != TENET_ANY && m->vlan != pi->vlan)
		return false;
	if (m->in_port != TENET_ANY && m->in_port != in_port)
		return false;
	if (m->proto != TENET_ANY && (!ip || m->proto != pi->proto))
		return false;
	if (constrains && !has_ports)
		return false;
	if (pi->sport < m->sport_lo || pi->sport > m->sport_hi || pi->dport < m->dport_lo ||
	    pi->dport > m->dport_hi)
		return false;
	if (!ref_prefix(pi->src, m->src, m->src_plen) || !ref_prefix(pi->dst, m->dst, m->dst_plen))
		return false;
	return true;
}

static int by_prio_id(const void *a, const void *b)
{
	const struct tenet_rule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* rules[] sorted by (priority, id): the first match is the answer. */
static int64_t ref_lookup(const struct tenet_rule *rules, unsigned int n,
                          const struct tenet_pkt_info *pi, int in_port)
{
	for (unsigned int i = 0; i < n; i++)
		if (ref_match(&rules[i].match, pi, in_port))
			return rules[i].id;
	return -1;
}

static unsigned int compare_all(const struct tenet_classifier *c, const struct tenet_rule *rules,
                                unsigned int n, const struct tenet_rule *aim, unsigned int naim,
                                unsigned int npkts)
{
	unsigned int hits = 0;

	for (unsigned int i = 0; i < npkts; i++) {
		int in_port;
		struct tenet_pkt_info pi = rnd_pkt(&aim[rndn(naim)], &in_port);
		int64_t want = ref_lookup(rules, n, &pi, in_port);
		struct tenet_action a;
		bool got = tenet_classifier_lookup(c, &pi, in_port, &a);

		if (want < 0) {
			assert_false(got);
			continue;
		}
		hits++;
		assert_true(got);
		if (a.rule_id != (uint32_t)want)
			fail_msg("packet %u: got rule %u, want %u", i, a.rule_id, (uint32_t)want);
		for (unsigned int k = 0; k < n; k++) {
			if (rules[k].id == a.rule_id) {
				assert_int_equal(a.tenant, rules[k].tenant);
				assert_int_equal(a.chain, rules[k].chain);
				break;
			}
		}
	}
	return hits;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* How many different rules answer n random aimed packets. */
static unsigned int distinct_hits(const struct tenet_classifier *c, unsigned int n)
{
	uint32_t *ids = calloc(n, sizeof(*ids));
	unsigned int m = 0, d = 0, nr = tenet_classifier_count(c);

	assert_non_null(ids);
	for (unsigned int i = 0; i < n; i++) {
		struct tenet_action a;
		int in_port;
		struct tenet_pkt_info pi = rnd_pkt(tenet_classifier_rule(c, rndn(nr)), &in_port);

		if (tenet_classifier_lookup(c, &pi, in_port, &a))
			ids[m++] = a.rule_id;
	}
	qsort(ids, m, sizeof(*ids), cmp_u32);
	for (unsigned int i = 0; i < m; i++)
		d += i == 0 || ids[i] != ids[i - 1];
	free(ids);
	print_message("%u distinct rules answered %u lookups\n", d, n);
	return d;
}

static void test_random_vs_linear(void **state)
{
	enum { NR = 10000, NP = 100000 };
	struct tenet_rule *rules = calloc(NR, sizeof(*rules)), *sorted = calloc(NR, sizeof(*rules));
	struct tenet_classifier *c = tenet_classifier_create(NULL), *k;
	unsigned int n = 0, hits;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	const char *env = getenv("TENET_TEST_SEED");

	(void)state;
	if (env)
		seed = strtoull(env, NULL, 0);
	print_message("seed 0x%llx (set TENET_TEST_SEED to replay)\n", (unsigned long long)seed);
	rng_state = seed * 2 + 1; /* xorshift needs a nonzero state */
	assert_non_null(rules);
	assert_non_null(sorted);
	assert_non_null(c);
	for (uint32_t i = 0; i < NR; i++) {
		/* sparse, shuffled ids */
		rules[i] = rnd_rule(i * 7 + rndn(7));
		assert_int_equal(tenet_classifier_add(c, &rules[i]), 0);
	}
	assert_int_equal(tenet_classifier_count(c), NR);
	for (unsigned int i = 1; i < NR; i++)
		assert_true(tenet_classifier_rule(c, i - 1)->id < tenet_classifier_rule(c, i)->id);
	memcpy(sorted, rules, NR * sizeof(*rules));
	qsort(sorted, NR, sizeof(*sorted), by_prio_id);
	hits = compare_all(c, sorted, NR, rules, NR, NP);
	print_message("%u of %u packets matched a rule\n", hits, NP);
	/* the generator really exercises both matches and misses */
	assert_true(hits > NP / 4);
	assert_true(hits < NP);
	assert_true(distinct_hits(c, 20000) > 1000);

	/* clone, then delete every other rule from the original */
	k = tenet_classifier_clone(c);
	assert_non_null(k);
	for (unsigned int i = 0; i < NR; i++) {
		if (i % 2)
			assert_int_equal(tenet_classifier_del(c, rules[i].id), 0);
		else
			sorted[n++] = rules[i];
	}
	assert_int_equal(tenet_classifier_count(c), n);
	qsort(sorted, n, sizeof(*sorted), by_prio_id);
	compare_all(c, sorted, n, rules, NR, NP / 5);

	/* the clone still has all of them */
	memcpy(sorted, rules, NR * sizeof(*rules));
	qsort(sorted, NR, sizeof(*sorted), by_prio_id);
	compare_all(k, sorted, NR, rules, NR, NP / 5);

	/* delete all from the clone, in random order, checking as we go */
	for (unsigned int i = NR; i > 1; i--) {
		unsigned int j = rndn(i);
		struct tenet_rule t = rules[j];

		rules[j] = rules[i - 1];
		rules[i - 1] = t;
	}
	for (unsigned int i = 0; i < NR; i++) {
		assert_int_equal(tenet_classifier_del(k, rules[i].id), 0);
		if (i % 1000 == 999) {
			n = NR - i - 1;
			memcpy(sorted, rules + i + 1, n * sizeof(*rules));
			qsort(sorted, n, sizeof(*sorted), by_prio_id);
			compare_all(k, sorted, n, rules, NR, 2000);
		}
	}
	assert_int_equal(tenet_classifier_count(k), 0);
	tenet_classifier_destroy(k);
	tenet_classifier_destroy(c);
	free(sorted);
	free(rules);
}

int main(void)
{
	static int padded = 1;
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_and_ties),
		cmocka_unit_test(test_prefix_v4),
		cmocka_unit_test(test_prefix_v6),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_proto_vlan_inport),
		cmocka_unit_test(test_frag_and_non_ip),
		/* the same with enough shapes for the prefix filter */
		cmocka_unit_test_prestate(test_priority_and_ties, &padded),
		cmocka_unit_test_prestate(test_prefix_v4, &padded),
		cmocka_unit_test_prestate(test_prefix_v6, &padded),
		cmocka_unit_test_prestate(test_ports, &padded),
		cmocka_unit_test_prestate(test_proto_vlan_inport, &padded),
		cmocka_unit_test_prestate(test_frag_and_non_ip, &padded),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_add_del_list),
		cmocka_unit_test(test_clone),
		cmocka_unit_test(test_random_vs_linear),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
