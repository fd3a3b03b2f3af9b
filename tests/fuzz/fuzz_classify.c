/*
 * libFuzzer target for the classifier: the input is a program of add,
 * del, lookup and clone operations on a small id space (so ids collide and
 * shapes and hash entries are created and emptied often). Every lookup is
 * compared with a linear reference over a shadow copy of the rules, and
 * the listing is checked against the shadow after every change.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define NIDS 64

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* Few distinct values, so rules and packets meet. */
static uint16_t port(struct input *in)
{
	uint8_t b = u8(in);

	return b < 200 ? (uint16_t)(b % 8) : (uint16_t)(0xfff8 + b % 8);
}

static void addr(struct input *in, uint8_t a[16], unsigned int n)
{
	memset(a, 0, 16);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t b = u8(in);

		a[i] = (uint8_t)(b & 0x80 ? b : b & 0x03);
	}
}

static void read_rule(struct input *in, struct tenet_rule *r)
{
	struct tenet_match *m = &r->match;
	uint8_t f = u8(in), b;
	unsigned int amax;

	memset(r, 0, sizeof(*r));
	r->id = u8(in) % NIDS;
	r->priority = (int8_t)u8(in) % 8;
	r->tenant = u8(in);
	r->chain = u8(in);
	m->family = f % 3 == 0 ? 0 : f % 3 == 1 ? 4 : 6;
	if (f >= 250)
		m->family = f; /* invalid now and then */
	amax = m->family == 4 ? 32 : m->family == 6 ? 128 : 0;
	addr(in, m->src, amax / 8);
	addr(in, m->dst, amax / 8);
	m->src_plen = (uint8_t)(u8(in) % (amax + 2));
	m->dst_plen = (uint8_t)(u8(in) % (amax + 2));
	b = u8(in);
	m->proto = b < 128 ? TENET_ANY
	                   : (int16_t)(b % 4 == 0   ? 6
	                               : b % 4 == 1 ? 17
	                               : b % 4 == 2 ? 1
	                                            : 300);
	b = u8(in);
	m->sport_lo = b & 1 ? port(in) : 0;
	m->sport_hi = b & 1 ? port(in) : 0xffff;
	m->dport_lo = b & 2 ? port(in) : 0;
	m->dport_hi = b & 2 ? port(in) : 0xffff;
	b = u8(in);
	m->vlan = b & 1 ? (int32_t)(b >> 1) % 4 : TENET_ANY;
	m->in_port = b & 0x80 ? (int32_t)(b >> 3) % 4 : TENET_ANY;
}

static void read_pkt(struct input *in, struct tenet_pkt_info *pi, int *in_port)
{
	uint8_t b = u8(in);

	memset(pi, 0, sizeof(*pi));
	pi->ip_version = b % 3 == 0 ? 0 : b % 3 == 1 ? 4 : 6;
	if (pi->ip_version) {
		addr(in, pi->src, pi->ip_version == 4 ? 4 : 16);
		addr(in, pi->dst, pi->ip_version == 4 ? 4 : 16);
		b = u8(in);
		pi->proto = b % 4 == 0 ? 6 : b % 4 == 1 ? 17 : b % 4 == 2 ? 1 : b;
		pi->flags = (uint8_t)((b >> 4) & 3);
		if (pi->flags == TENET_PKT_F_FRAG_FIRST)
			pi->flags = 0;
		if (pi->proto == 6 || pi->proto == 17) {
			pi->sport = port(in);
			pi->dport = port(in);
		}
	}
	b = u8(in);
	pi->vlan = b % 4;
	*in_port = (b >> 2) % 5;
}

static bool prefix_ok(const uint8_t *a, const uint8_t *p, unsigned int plen)
{
	for (unsigned int i = 0; i < plen; i++)
		if ((a[i / 8] ^ p[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static bool ref_match(const struct tenet_match *m, const struct tenet_pkt_info *pi, int in_port)
{
	bool ip = pi->ip_version == 4 || pi->ip_version == 6;
	bool later = (pi->flags & TENET_PKT_F_FRAG) && !(pi->flags & TENET_PKT_F_FRAG_FIRST);
	bool ports = ip && (pi->proto == 6 || pi->proto == 17) && !later;
	bool constrains = m->sport_lo != 0 || m->sport_hi != 0xffff || m->dport_lo != 0 ||
	                  m->dport_hi != 0xffff;

	if (m->family && m->family != pi->ip_version)
		return false;
	if (m->proto != TENET_ANY && (!ip || m->proto != pi->proto))
		return false;
	if (constrains && !ports)
		return false;
	if (pi->sport < m->sport_lo || pi->sport > m->sport_hi || pi->dport < m->dport_lo ||
	    pi->dport > m->dport_hi)
		return false;
	if (!prefix_ok(pi->src, m->src, m->src_plen) || !prefix_ok(pi->dst, m->dst, m->dst_plen))
		return false;
	if (m->vlan != TENET_ANY && m->vlan != pi->vlan)
		return false;
	return m->in_port == TENET_ANY || m->in_port == in_port;
}

static bool valid(const struct tenet_match *m)
{
	unsigned int amax = m->family == 4 ? 32 : m->family == 6 ? 128 : 0;

	return (m->family == 0 || m->family == 4 || m->family == 6) && m->src_plen <= amax &&
	       m->dst_plen <= amax && m->proto >= TENET_ANY && m->proto <= 255 &&
	       m->sport_lo <= m->sport_hi && m->dport_lo <= m->dport_hi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tenet_rule shadow[NIDS];
	static bool used[NIDS];
	struct input in = {data, size};
	struct tenet_action dflt = {.tenant = 9, .chain = 9}, a;
	struct tenet_classifier *c, *k;
	struct tenet_pkt_info pi;
	struct tenet_rule r;
	unsigned int n = 0;
	int in_port, err;
	bool has_dflt = size && (data[0] & 1);

	memset(used, 0, sizeof(used));
	c = tenet_classifier_create(has_dflt ? &dflt : NULL);
	CHECK(c);
	u8(&in);
	while (in.n) {
		switch (u8(&in) % 8) {
		case 0:
		case 1:
		case 2:
			read_rule(&in, &r);
			err = tenet_classifier_add(c, &r);
			if (!valid(&r.match))
				CHECK(err == -EINVAL);
			else if (used[r.id])
				CHECK(err == -EEXIST);
			else {
				CHECK(err == 0);
				used[r.id] = true;
				shadow[r.id] = r;
				n++;
			}
			break;
		case 3: {
			uint32_t id = u8(&in) % (NIDS + 1);

			err = tenet_classifier_del(c, id);
			CHECK(err == (id < NIDS && used[id] ? 0 : -ENOENT));
			if (!err) {
				used[id] = false;
				n--;
			}
			break;
		}
		case 4:
			k = tenet_classifier_clone(c);
			CHECK(k);
			tenet_classifier_destroy(c);
			c = k;
			break;
		default: {
			const struct tenet_rule *best = NULL;
			bool got;

			read_pkt(&in, &pi, &in_port);
			for (unsigned int i = 0; i < NIDS; i++) {
				const struct tenet_rule *x = &shadow[i];

				if (!used[i] || !ref_match(&x->match, &pi, in_port))
					continue;
				if (!best || x->priority < best->priority ||
				    (x->priority == best->priority && x->id < best->id))
					best = x;
			}
			got = tenet_classifier_lookup(c, &pi, in_port, &a);
			if (best)
				CHECK(got && a.rule_id == best->id && a.tenant == best->tenant &&
				      a.chain == best->chain);
			else if (has_dflt)
				CHECK(got && a.rule_id == TENET_RULE_DEFAULT && a.tenant == 9);
			else
				CHECK(!got);
			break;
		}
		}
		CHECK(tenet_classifier_count(c) == n);
	}
	for (unsigned int i = 0, j = 0; i < NIDS; i++) {
		if (!used[i])
			continue;
		CHECK(tenet_classifier_rule(c, j) &&
		      memcmp(tenet_classifier_rule(c, j), &shadow[i], sizeof(shadow[i])) == 0);
		j++;
	}
	CHECK(tenet_classifier_rule(c, n) == NULL);
	tenet_classifier_destroy(c);
	return 0;
}
