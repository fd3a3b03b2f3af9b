/*
 * Tenant classifier (contract: lib/classify.h): tuple space search.
 *
 * Fields live in a fixed 48-byte key: src and dst address (16 bytes each),
 * sport, dport, vlan, proto, IP version, in_port. Each rule keeps its own
 * exact mask and masked key (prefixes to the bit, every field it sets
 * exactly) and is filed in a "shape": a mask shared by many rules, with an
 * open-addressing hash table (linear probing, backward-shift delete) from
 * the masked key to an entry holding that key's rules sorted by
 * (priority, id). A shape's mask is always within its rules' masks, so a
 * hit entry only narrows the candidates; rule_ok then checks the rule's
 * own mask (6 words), its port ranges, and that the packet is IP / carries
 * ports when the rule needs it.
 *
 * Placement keeps the number of shapes small: prefixes are rounded down to
 * whole bytes, and a rule goes into the "address" shape (prefixes and
 * family only) unless its entry there already holds ENTRY_CROWDED rules;
 * then into the "full" shape (adding proto, exact ports, vlan, in_port).
 * So a table of host/port rules costs roughly one shape per prefix-length
 * pair, and a table of vlan or port rules with no prefix still hashes on
 * vlan/port instead of piling into one entry.
 *
 * A lookup builds the packet key once and visits shapes in order of the
 * best (priority, id) they hold, stopping when the next shape cannot beat
 * the match in hand. Per shape: 6 ANDs, a hash (or a direct compare when
 * the shape has one entry), a probe, and a scan of the hit entry up to its
 * first matching rule. With PFX_MIN_SHAPES or more shapes, a prefix filter
 * runs first (OVS's prefix tracking, by byte length): a refcounted set of
 * the (family, side, length, prefix) in use says which src/dst prefix
 * lengths can match this packet, and shapes needing any other length are
 * skipped without touching their tables. Cost grows with the shapes that
 * survive the filter, not with rules; the worst case (many distinct
 * prefix-length pairs with broad priorities) degrades towards O(shapes).
 *
 * Semantics:
 *  - lower priority value wins; equal priorities: lower id wins.
 *  - family 0 with both prefix lengths 0 matches any packet, IP or not,
 *    unless the rule sets proto or constrains ports, which need IP. A
 *    prefix needs family 4 or 6 (family 0 with a prefix is -EINVAL).
 *  - a rule that constrains ports (not the full 0..65535 on either side)
 *    matches only TCP/UDP packets that carry a port header. Non-first
 *    fragments carry none, so they match only rules that do not constrain
 *    ports and follow their flow's address/proto rule.
 *  - vlan compares with the packet's outer VLAN id (0 when untagged, so
 *    vlan 0 means "untagged or priority-tagged").
 *  - lookups trust *pi: callers classify only what tenet_pkt_parse
 *    accepted (or NON_IP frames).
 *
 * Single writer: add/del/clone must not race with lookups on the same
 * table. The manager builds a clone, edits it, and swaps pointers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/classify.h"

#define KEY_WORDS 6
#define K_SRC     0
#define K_DST     16
#define K_SPORT   32
#define K_DPORT   34
#define K_VLAN    36
#define K_PROTO   38
#define K_FAMILY  39
#define K_INPORT  40

/* Rules in one address entry before new ones go to a more exact shape. */
#define ENTRY_CROWDED 4

#define P_TCP 6
#define P_UDP 17

struct ckey {
	uint64_t w[KEY_WORDS];
};

struct crule {
	int32_t prio;
	uint32_t id;
	uint16_t sp_lo, sp_hi, dp_lo, dp_hi;
	uint8_t need_ip, need_ports;
	uint16_t tenant, chain;
	struct ckey mask, key; /* everything but port ranges, bit-exact */
	struct centry *entry;
	struct tenet_rule rule;
};

struct centry {
	struct ckey key;
	uint64_t hash;
	uint32_t n, cap;
	struct crule **rules; /* sorted by (prio, id) */
	struct cshape *shape;
};

struct slot {
	uint64_t hash;
	struct centry *e; /* NULL: empty */
};

struct cshape {
	int32_t best_prio; /* best (prio, id) of any rule in the shape */
	uint32_t best_id;
	uint8_t slen, dlen;  /* src/dst prefix bytes in the mask (prefix filter) */
	struct centry *only; /* the entry when there is exactly one: no hashing */
	struct slot *slots;
	uint32_t slot_mask; /* table size - 1, a power of two */
	uint32_t nb_entries;
	struct ckey mask;
	uint32_t nb_rules;
	uint32_t pos; /* index in classifier->shapes */
};

struct tenet_classifier {
	bool has_dflt;
	struct tenet_action dflt;
	struct crule **by_id; /* sorted by id */
	uint32_t nb_rules, cap_rules;
	struct cshape **shapes; /* sorted by (best_prio, best_id) */
	uint32_t nb_shapes, cap_shapes;
	/*
	 * Prefix filter: the set of (family, side, byte length, prefix) that
	 * some rule uses (entries of a table used as a refcounted set), and
	 * per (side, family) how many rules use each byte length 1..16.
	 */
	struct cshape *pfx;
	uint32_t pfx_len_cnt[2][2][17];
	uint32_t pfx_len_bits[2][2];
};

/* Below this many shapes a lookup probes them all without the prefix filter. */
#ifndef PFX_MIN_SHAPES
#define PFX_MIN_SHAPES 16
#endif

/* (prio, id) order: true if a comes before b. */
static inline bool before(int32_t ap, uint32_t ai, int32_t bp, uint32_t bi)
{
	return ap < bp || (ap == bp && ai < bi);
}

/*
 * Multilinear sum (the six products are independent, so they overlap in the
 * pipeline) folded by murmur3's fmix64: a lookup hashes once per shape.
 */
static inline uint64_t key_hash(const struct ckey *k)
{
	uint64_t h = k->w[0] * 0x9e3779b97f4a7c15ull + k->w[1] * 0xc2b2ae3d27d4eb4full +
	             k->w[2] * 0x165667b19e3779f9ull + k->w[3] * 0xd6e8feb86659fd93ull +
	             k->w[4] * 0xff51afd7ed558ccdull + k->w[5] * 0xc4ceb9fe1a85ec53ull;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline bool key_eq(const struct ckey *a, const struct ckey *b)
{
	uint64_t d = 0;

	for (int i = 0; i < KEY_WORDS; i++)
		d |= a->w[i] ^ b->w[i];
	return d == 0;
}

/*
 * The key's bytes at the K_* offsets. Little-endian: composed as whole
 * words, each stored once - built byte by byte, the lookup's reads of
 * whole words right after stalled on store forwarding (a third of its
 * time in the NIC stage's profile).
 */
static void key_put(struct ckey *k, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
                    uint16_t dport, uint16_t vlan, uint8_t proto, uint8_t family, uint32_t in_port)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&k->w[0], src, 16);
	memcpy(&k->w[2], dst, 16);
	k->w[4] = (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)vlan << 32 |
	          (uint64_t)proto << 48 | (uint64_t)family << 56;
	k->w[5] = in_port;
#else
	uint8_t *b = (uint8_t *)k->w;

	memset(k, 0, sizeof(*k));
	memcpy(b + K_SRC, src, 16);
	memcpy(b + K_DST, dst, 16);
	memcpy(b + K_SPORT, &sport, 2);
	memcpy(b + K_DPORT, &dport, 2);
	memcpy(b + K_VLAN, &vlan, 2);
	b[K_PROTO] = proto;
	b[K_FAMILY] = family;
	memcpy(b + K_INPORT, &in_port, 4);
#endif
}

/*
 * A packet's key, as key_put builds it, written as whole 16-byte pairs: the
 * lookup reads the key back 16 bytes at a time (vectorised), and a wide
 * load of bytes that narrower stores just wrote waits for them to reach
 * the cache instead of being forwarded - three such stalls a lookup were
 * a third of the NIC stage's classification time (perf, steer nic). For
 * the same reason an IPv4 address is read as the 4 bytes the parser wrote
 * and the rest of it keyed as zero (tenet_pkt_parse clears it anyway):
 * those 12 bytes never decide a match, since a rule with an address sets
 * its family too, and an IPv4 prefix covers the first 4 bytes only.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint64_t kpair __attribute__((vector_size(16)));

static inline void key_pair(struct ckey *k, int w, uint64_t a, uint64_t b)
{
	kpair v = {a, b};

	memcpy(&k->w[w], &v, sizeof(v));
}

static void pkt_key(struct ckey *k, const struct tenet_pkt_info *pi, uint32_t in_port)
{
	uint64_t s[2], d[2];

	if (pi->ip_version == 4) {
		uint32_t s4, d4;

		memcpy(&s4, pi->src, 4);
		memcpy(&d4, pi->dst, 4);
		s[0] = s4;
		d[0] = d4;
		s[1] = d[1] = 0;
	} else {
		memcpy(s, pi->src, 16);
		memcpy(d, pi->dst, 16);
	}
	key_pair(k, 0, s[0], s[1]);
	key_pair(k, 2, d[0], d[1]);
	key_pair(k, 4,
	         (uint64_t)pi->sport | (uint64_t)pi->dport << 16 | (uint64_t)pi->vlan << 32 |
	                 (uint64_t)pi->proto << 48 | (uint64_t)pi->ip_version << 56,
	         in_port);
}
#else
static void pkt_key(struct ckey *k, const struct tenet_pkt_info *pi, uint32_t in_port)
{
	key_put(k, pi->src, pi->dst, pi->sport, pi->dport, pi->vlan, pi->proto, pi->ip_version,
	        in_port);
}
#endif

/* Prefix mask, bit-exact or rounded down to whole bytes. */
static void prefix_mask(uint8_t m[16], unsigned int plen, bool bytes)
{
	memset(m, 0, 16);
	memset(m, 0xff, plen / 8);
	if (!bytes && plen % 8)
		m[plen / 8] = (uint8_t)(0xff00u >> (plen % 8));
}

static bool ports_any(uint16_t lo, uint16_t hi)
{
	return lo == 0 && hi == 0xffff;
}

static int match_check(const struct tenet_match *m)
{
	unsigned int amax = m->family == 4 ? 32 : m->family == 6 ? 128 : 0;

	if (m->family != 0 && m->family != 4 && m->family != 6)
		return -EINVAL;
	if (m->src_plen > amax || m->dst_plen > amax)
		return -EINVAL;
	if (m->proto < TENET_ANY || m->proto > 255)
		return -EINVAL;
	if (m->sport_lo > m->sport_hi || m->dport_lo > m->dport_hi)
		return -EINVAL;
	if (m->vlan < TENET_ANY || m->vlan > 4095)
		return -EINVAL;
	if (m->in_port < TENET_ANY)
		return -EINVAL;
	return 0;
}

/*
 * A rule's masks: its own exact one (what rule_ok checks), and the two
 * shapes it may live in: "addr" (byte-rounded prefixes and family only)
 * and "full" (byte-rounded prefixes and every exact field).
 */
static void rule_masks(const struct tenet_match *m, struct ckey *exact, struct ckey *addr,
                       struct ckey *full, struct ckey *key)
{
	uint8_t sm[16], dm[16], sb[16], db[16];
	struct ckey raw;
	bool sx = m->sport_lo == m->sport_hi, dx = m->dport_lo == m->dport_hi;
	uint16_t spm = sx ? 0xffff : 0, dpm = dx ? 0xffff : 0, vm = m->vlan >= 0 ? 0xffff : 0;
	uint8_t pm = m->proto >= 0 ? 0xff : 0, fm = m->family ? 0xff : 0;
	uint32_t im = m->in_port >= 0 ? 0xffffffffu : 0;

	prefix_mask(sm, m->src_plen, false);
	prefix_mask(dm, m->dst_plen, false);
	prefix_mask(sb, m->src_plen, true);
	prefix_mask(db, m->dst_plen, true);
	key_put(exact, sm, dm, spm, dpm, vm, pm, fm, im);
	key_put(full, sb, db, spm, dpm, vm, pm, fm, im);
	key_put(addr, sb, db, 0, 0, 0, 0, fm, 0);
	key_put(&raw, m->src, m->dst, m->sport_lo, m->dport_lo, (uint16_t)m->vlan,
	        (uint8_t)m->proto, m->family, (uint32_t)m->in_port);
	for (int i = 0; i < KEY_WORDS; i++)
		key->w[i] = raw.w[i] & exact->w[i];
}

static void key_and(struct ckey *out, const struct ckey *k, const struct ckey *mask)
{
	for (int i = 0; i < KEY_WORDS; i++)
		out->w[i] = k->w[i] & mask->w[i];
}

static inline bool rule_ok(const struct crule *r, const struct tenet_pkt_info *pi,
                           const struct ckey *pk, bool has_ip, bool has_ports)
{
	uint64_t d = 0;

	if (r->need_ip && !has_ip)
		return false;
	if (r->need_ports && !has_ports)
		return false;
	for (int i = 0; i < KEY_WORDS; i++)
		d |= (pk->w[i] & r->mask.w[i]) ^ r->key.w[i];
	return d == 0 && pi->sport >= r->sp_lo && pi->sport <= r->sp_hi && pi->dport >= r->dp_lo &&
	       pi->dport <= r->dp_hi;
}

/* ---- per-shape hash table ---- */

static struct centry *table_find(const struct cshape *s, const struct ckey *k, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & s->slot_mask;; i = (i + 1) & s->slot_mask) {
		const struct slot *sl = &s->slots[i];

		if (!sl->e)
			return NULL;
		if (sl->hash == h && key_eq(&sl->e->key, k))
			return sl->e;
	}
}

static void table_put(struct slot *slots, uint32_t mask, struct centry *e)
{
	uint32_t i = (uint32_t)e->hash & mask;

	while (slots[i].e)
		i = (i + 1) & mask;
	slots[i].hash = e->hash;
	slots[i].e = e;
}

/* Make room for one more entry (load factor <= 1/2). */
static int table_reserve(struct cshape *s)
{
	uint32_t cap = s->slot_mask + 1, ncap = cap * 2;
	struct slot *ns;

	if ((s->nb_entries + 1) * 2 <= cap)
		return 0;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		if (s->slots[i].e)
			table_put(ns, ncap - 1, s->slots[i].e);
	free(s->slots);
	s->slots = ns;
	s->slot_mask = ncap - 1;
	return 0;
}

static void table_remove(struct cshape *s, const struct centry *e)
{
	uint32_t mask = s->slot_mask, i = (uint32_t)e->hash & mask, j, k;

	while (s->slots[i].e != e)
		i = (i + 1) & mask;
	/* backward shift: pull later members of the probe run into the hole */
	for (j = i;;) {
		j = (j + 1) & mask;
		if (!s->slots[j].e)
			break;
		k = (uint32_t)s->slots[j].hash & mask;
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i].e = NULL;
	s->slots[i].hash = 0;
}

/* ---- shapes ---- */

static void shape_set_only(struct cshape *s)
{
	s->only = NULL;
	if (s->nb_entries != 1)
		return;
	for (uint32_t i = 0; i <= s->slot_mask; i++)
		if (s->slots[i].e)
			s->only = s->slots[i].e;
}

static void shape_swap(struct tenet_classifier *c, uint32_t a, uint32_t b)
{
	struct cshape *t = c->shapes[a];

	c->shapes[a] = c->shapes[b];
	c->shapes[b] = t;
	c->shapes[a]->pos = a;
	c->shapes[b]->pos = b;
}

/* Restore the (best_prio, best_id) order after s's best changed. */
static void shape_reorder(struct tenet_classifier *c, struct cshape *s)
{
	while (s->pos > 0) {
		const struct cshape *p = c->shapes[s->pos - 1];

		if (!before(s->best_prio, s->best_id, p->best_prio, p->best_id))
			break;
		shape_swap(c, s->pos - 1, s->pos);
	}
	while (s->pos + 1 < c->nb_shapes) {
		const struct cshape *n = c->shapes[s->pos + 1];

		if (!before(n->best_prio, n->best_id, s->best_prio, s->best_id))
			break;
		shape_swap(c, s->pos, s->pos + 1);
	}
}

static void shape_rebest(struct cshape *s)
{
	s->best_prio = INT32_MAX;
	s->best_id = UINT32_MAX;
	for (uint32_t i = 0; i <= s->slot_mask; i++) {
		const struct centry *e = s->slots[i].e;

		if (e && before(e->rules[0]->prio, e->rules[0]->id, s->best_prio, s->best_id)) {
			s->best_prio = e->rules[0]->prio;
			s->best_id = e->rules[0]->id;
		}
	}
}

static struct cshape *shape_find(const struct tenet_classifier *c, const struct ckey *mask)
{
	for (uint32_t i = 0; i < c->nb_shapes; i++)
		if (key_eq(&c->shapes[i]->mask, mask))
			return c->shapes[i];
	return NULL;
}

static struct cshape *shape_new(const struct ckey *mask)
{
	struct cshape *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->slots = calloc(8, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return NULL;
	}
	s->slot_mask = 7;
	s->mask = *mask;
	while (s->slen < 16 && ((const uint8_t *)mask->w)[K_SRC + s->slen] == 0xff)
		s->slen++;
	while (s->dlen < 16 && ((const uint8_t *)mask->w)[K_DST + s->dlen] == 0xff)
		s->dlen++;
	s->best_prio = INT32_MAX;
	s->best_id = UINT32_MAX;
	return s;
}

static void shape_free(struct cshape *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i <= s->slot_mask; i++) {
		if (s->slots[i].e) {
			free(s->slots[i].e->rules);
			free(s->slots[i].e);
		}
	}
	free(s->slots);
	free(s);
}

/* ---- rule array by id ---- */

/* Index of id in by_id, or where it would go (*found tells which). */
static uint32_t id_search(const struct tenet_classifier *c, uint32_t id, bool *found)
{
	uint32_t lo = 0, hi = c->nb_rules;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->by_id[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->nb_rules && c->by_id[lo]->id == id;
	return lo;
}

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, (size_t)ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* ---- prefix filter ---- */

struct pfx_ref {
	struct centry *e;
	bool is_new;
};

static void pfx_key(struct ckey *k, uint8_t family, unsigned int side, const uint8_t *addr,
                    unsigned int len)
{
	uint8_t *b = (uint8_t *)k->w;

	memset(k, 0, sizeof(*k));
	memcpy(b, addr, len);
	b[K_FAMILY] = family;
	b[K_INPORT] = (uint8_t)side;
	b[K_INPORT + 1] = (uint8_t)len;
}

/* Find or make (unlinked) the set entry for one side of a rule; len 0: none. */
static int pfx_prepare(struct tenet_classifier *c, uint8_t family, unsigned int side,
                       const uint8_t *addr, unsigned int len, struct pfx_ref *ref)
{
	struct ckey k;
	uint64_t h;

	ref->e = NULL;
	ref->is_new = false;
	if (len == 0)
		return 0;
	pfx_key(&k, family, side, addr, len);
	h = key_hash(&k);
	ref->e = table_find(c->pfx, &k, h);
	if (ref->e)
		return 0;
	/* room for both sides of a rule: reserve as if one were linked already */
	c->pfx->nb_entries++;
	if (table_reserve(c->pfx)) {
		c->pfx->nb_entries--;
		return -ENOMEM;
	}
	c->pfx->nb_entries--;
	ref->e = calloc(1, sizeof(*ref->e));
	if (!ref->e)
		return -ENOMEM;
	ref->e->key = k;
	ref->e->hash = h;
	ref->is_new = true;
	return 0;
}

static void pfx_len_update(struct tenet_classifier *c, unsigned int side, unsigned int fi,
                           unsigned int len, int delta)
{
	c->pfx_len_cnt[side][fi][len] += (uint32_t)delta;
	if (c->pfx_len_cnt[side][fi][len])
		c->pfx_len_bits[side][fi] |= 1u << len;
	else
		c->pfx_len_bits[side][fi] &= ~(1u << len);
}

static void pfx_commit(struct tenet_classifier *c, const struct pfx_ref *ref, uint8_t family,
                       unsigned int side, unsigned int len)
{
	if (!ref->e)
		return;
	if (ref->is_new) {
		table_put(c->pfx->slots, c->pfx->slot_mask, ref->e);
		c->pfx->nb_entries++;
	}
	ref->e->n++;
	pfx_len_update(c, side, family == 6, len, 1);
}

static void pfx_abort(struct pfx_ref *ref)
{
	if (ref->is_new)
		free(ref->e);
}

static void pfx_release(struct tenet_classifier *c, uint8_t family, unsigned int side,
                        const uint8_t *addr, unsigned int len)
{
	struct centry *e;
	struct ckey k;

	if (len == 0)
		return;
	pfx_key(&k, family, side, addr, len);
	e = table_find(c->pfx, &k, key_hash(&k));
	if (--e->n == 0) {
		table_remove(c->pfx, e);
		c->pfx->nb_entries--;
		free(e);
	}
	pfx_len_update(c, side, family == 6, len, -1);
}

/* Bit L set: some rule's prefix on this side, L bytes long, matches addr (bit 0: always). */
static uint32_t pfx_match(const struct tenet_classifier *c, unsigned int side, uint8_t family,
                          const uint8_t *addr)
{
	uint32_t bits = c->pfx_len_bits[side][family == 6], ok = 1;
	struct ckey k;

	while (bits) {
		unsigned int len = (unsigned int)__builtin_ctz(bits);

		bits &= bits - 1;
		pfx_key(&k, family, side, addr, len);
		if (table_find(c->pfx, &k, key_hash(&k)))
			ok |= 1u << len;
	}
	return ok;
}

/* ---- public API ---- */

struct tenet_classifier *tenet_classifier_create(const struct tenet_action *dflt)
{
	struct tenet_classifier *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->pfx = shape_new(&(struct ckey){{0}});
	if (!c->pfx) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	if (dflt) {
		c->has_dflt = true;
		c->dflt = *dflt;
		c->dflt.rule_id = TENET_RULE_DEFAULT;
	}
	return c;
}

void tenet_classifier_destroy(struct tenet_classifier *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->nb_shapes; i++)
		shape_free(c->shapes[i]);
	for (uint32_t i = 0; i < c->nb_rules; i++)
		free(c->by_id[i]);
	shape_free(c->pfx);
	free(c->shapes);
	free(c->by_id);
	free(c);
}

int tenet_classifier_add(struct tenet_classifier *c, const struct tenet_rule *r)
{
	const struct tenet_match *m;
	struct ckey mask, full, key;
	struct pfx_ref sref, dref;
	struct cshape *s;
	struct centry *e;
	struct crule *cr;
	uint32_t at, pos;
	uint64_t h;
	bool found, new_shape = false, new_entry = false;
	int err;

	if (!c || !r || match_check(&r->match))
		return -EINVAL;
	m = &r->match;
	at = id_search(c, r->id, &found);
	if (found)
		return -EEXIST;
	if (grow((void **)&c->by_id, &c->cap_rules, c->nb_rules + 1, sizeof(*c->by_id)) ||
	    grow((void **)&c->shapes, &c->cap_shapes, c->nb_shapes + 1, sizeof(*c->shapes)))
		return -ENOMEM;

	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return -ENOMEM;
	cr->rule = *r;
	cr->prio = r->priority;
	cr->id = r->id;
	cr->sp_lo = m->sport_lo;
	cr->sp_hi = m->sport_hi;
	cr->dp_lo = m->dport_lo;
	cr->dp_hi = m->dport_hi;
	cr->need_ports =
	        !ports_any(m->sport_lo, m->sport_hi) || !ports_any(m->dport_lo, m->dport_hi);
	cr->need_ip = cr->need_ports || m->proto >= 0 || m->family != 0;
	cr->tenant = r->tenant;
	cr->chain = r->chain;

	rule_masks(m, &cr->mask, &mask, &full, &cr->key);
	/*
	 * Placement: by address alone unless that entry is already crowded,
	 * then by every exact field. Any shape whose mask is within the
	 * rule's own is correct; this keeps the shape count near the number
	 * of distinct prefix-length pairs.
	 */
	key_and(&key, &cr->key, &mask);
	h = key_hash(&key);
	s = shape_find(c, &mask);
	if (s && !key_eq(&mask, &full)) {
		e = table_find(s, &key, h);
		if (e && e->n >= ENTRY_CROWDED) {
			mask = full;
			key_and(&key, &cr->key, &mask);
			h = key_hash(&key);
			s = shape_find(c, &mask);
		}
	}
	if (!s) {
		s = shape_new(&mask);
		if (!s)
			goto err_free_rule;
		new_shape = true;
	}
	e = table_find(s, &key, h);
	if (!e) {
		if (table_reserve(s))
			goto err_free_shape;
		e = calloc(1, sizeof(*e));
		if (!e)
			goto err_free_shape;
		e->key = key;
		e->hash = h;
		e->shape = s;
		new_entry = true;
	}
	err = grow((void **)&e->rules, &e->cap, e->n + 1, sizeof(*e->rules));
	if (err)
		goto err_free_entry;
	if (pfx_prepare(c, m->family, 0, m->src, m->src_plen / 8u, &sref))
		goto err_free_entry;
	if (pfx_prepare(c, m->family, 1, m->dst, m->dst_plen / 8u, &dref)) {
		pfx_abort(&sref);
		goto err_free_entry;
	}

	/* nothing below can fail */
	pfx_commit(c, &sref, m->family, 0, m->src_plen / 8u);
	pfx_commit(c, &dref, m->family, 1, m->dst_plen / 8u);
	if (new_shape) {
		s->pos = c->nb_shapes;
		c->shapes[c->nb_shapes++] = s;
	}
	if (new_entry) {
		table_put(s->slots, s->slot_mask, e);
		s->nb_entries++;
		shape_set_only(s);
	}
	for (pos = e->n;
	     pos > 0 && before(cr->prio, cr->id, e->rules[pos - 1]->prio, e->rules[pos - 1]->id);
	     pos--)
		e->rules[pos] = e->rules[pos - 1];
	e->rules[pos] = cr;
	e->n++;
	cr->entry = e;
	s->nb_rules++;
	if (before(cr->prio, cr->id, s->best_prio, s->best_id)) {
		s->best_prio = cr->prio;
		s->best_id = cr->id;
	}
	shape_reorder(c, s);
	memmove(&c->by_id[at + 1], &c->by_id[at], (c->nb_rules - at) * sizeof(*c->by_id));
	c->by_id[at] = cr;
	c->nb_rules++;
	return 0;

err_free_entry:
	if (new_entry) {
		free(e->rules);
		free(e);
	}
err_free_shape:
	if (new_shape)
		shape_free(s);
err_free_rule:
	free(cr);
	return -ENOMEM;
}

int tenet_classifier_del(struct tenet_classifier *c, uint32_t id)
{
	struct crule *cr;
	struct centry *e;
	struct cshape *s;
	uint32_t at, i;
	bool found;

	if (!c)
		return -EINVAL;
	at = id_search(c, id, &found);
	if (!found)
		return -ENOENT;
	cr = c->by_id[at];
	e = cr->entry;
	s = e->shape;
	pfx_release(c, cr->rule.match.family, 0, cr->rule.match.src, cr->rule.match.src_plen / 8u);
	pfx_release(c, cr->rule.match.family, 1, cr->rule.match.dst, cr->rule.match.dst_plen / 8u);

	for (i = 0; e->rules[i] != cr; i++)
		;
	memmove(&e->rules[i], &e->rules[i + 1], (e->n - i - 1) * sizeof(*e->rules));
	e->n--;
	if (e->n == 0) {
		table_remove(s, e);
		s->nb_entries--;
		free(e->rules);
		free(e);
		shape_set_only(s);
	}
	s->nb_rules--;
	if (s->nb_rules == 0) {
		for (i = s->pos; i + 1 < c->nb_shapes; i++) {
			c->shapes[i] = c->shapes[i + 1];
			c->shapes[i]->pos = i;
		}
		c->nb_shapes--;
		shape_free(s);
	} else if (s->best_id == cr->id) {
		shape_rebest(s);
		shape_reorder(c, s);
	}
	memmove(&c->by_id[at], &c->by_id[at + 1], (c->nb_rules - at - 1) * sizeof(*c->by_id));
	c->nb_rules--;
	free(cr);
	return 0;
}

unsigned int tenet_classifier_count(const struct tenet_classifier *c)
{
	return c ? c->nb_rules : 0;
}

const struct tenet_rule *tenet_classifier_rule(const struct tenet_classifier *c, unsigned int i)
{
	if (!c || i >= c->nb_rules)
		return NULL;
	return &c->by_id[i]->rule;
}

struct tenet_classifier *tenet_classifier_clone(const struct tenet_classifier *c)
{
	struct tenet_classifier *n;
	int err;

	if (!c) {
		errno = EINVAL;
		return NULL;
	}
	n = tenet_classifier_create(c->has_dflt ? &c->dflt : NULL);
	if (!n)
		return NULL;
	for (uint32_t i = 0; i < c->nb_rules; i++) {
		err = tenet_classifier_add(n, &c->by_id[i]->rule);
		if (err) {
			tenet_classifier_destroy(n);
			errno = -err;
			return NULL;
		}
	}
	return n;
}

bool tenet_classifier_lookup(const struct tenet_classifier *c, const struct tenet_pkt_info *pi,
                             int in_port, struct tenet_action *act)
{
	const struct crule *best = NULL;
	struct ckey pk, mk;
	bool has_ip = pi->ip_version == 4 || pi->ip_version == 6;
	bool has_ports =
	        has_ip && (pi->proto == P_TCP || pi->proto == P_UDP) &&
	        (pi->flags & (TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST)) != TENET_PKT_F_FRAG;

	uint32_t sok = ~0u, dok = ~0u;

	pkt_key(&pk, pi, (uint32_t)in_port);
	if (c->nb_shapes >= PFX_MIN_SHAPES) {
		sok = dok = 1;
		if (has_ip) {
			sok = pfx_match(c, 0, pi->ip_version, pi->src);
			dok = pfx_match(c, 1, pi->ip_version, pi->dst);
		}
	}
	for (uint32_t i = 0; i < c->nb_shapes; i++) {
		const struct cshape *s = c->shapes[i];
		const struct centry *e;

		if (best && before(best->prio, best->id, s->best_prio, s->best_id))
			break; /* no rule in this or any later shape can win */
		if (!((sok >> s->slen) & (dok >> s->dlen) & 1))
			continue; /* no rule here has a prefix that fits the packet */
		for (int w = 0; w < KEY_WORDS; w++)
			mk.w[w] = pk.w[w] & s->mask.w[w];
		if (s->only)
			e = key_eq(&s->only->key, &mk) ? s->only : NULL;
		else
			e = table_find(s, &mk, key_hash(&mk));
		if (!e)
			continue;
		for (uint32_t j = 0; j < e->n; j++) {
			const struct crule *r = e->rules[j];

			if (best && before(best->prio, best->id, r->prio, r->id))
				break;
			if (rule_ok(r, pi, &pk, has_ip, has_ports)) {
				best = r;
				break;
			}
		}
	}
	if (best) {
		act->tenant = best->tenant;
		act->chain = best->chain;
		act->rule_id = best->id;
		return true;
	}
	if (c->has_dflt) {
		*act = c->dflt;
		return true;
	}
	return false;
}
