/*
 * sink: a tx-only port that counts and measures what reaches it (contract
 * and reader API: ports/sink.h).
 *
 * Per frame: count it for its tenant; parse it (lib/pkt.c); if its L4
 * payload starts with a valid generator stamp, update that flow's sequence
 * state and record now - ts_ns in the latency histogram; otherwise count it
 * as unstamped.
 *
 * Sequence state per flow: the highest sequence number seen and a 64-bit
 * window of which of the 64 numbers up to it arrived. A jump forward adds
 * the gap to 'lost'; a number below the highest is a duplicate if its window
 * bit is set, else a reordered frame that fills a gap (lost - 1). Below the
 * window it cannot be told from a duplicate and counts as reordered. So at
 * any time lost = (highest + 1) - distinct numbers seen, per flow.
 *
 * Flows live in a fixed open-addressing table keyed by stamp flow id; its
 * zeroed memory is only touched as flows arrive. Flows beyond its capacity
 * are counted as 'untracked' (their latency is still recorded).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ports/sink.h"
#include "ports/stamp.h"
#include "tenet/pkt.h"

#define SINK_TABLE_BITS 20
#define SINK_TABLE_SIZE (1u << SINK_TABLE_BITS)
#define SINK_MAX_FLOWS  (SINK_TABLE_SIZE / 2)
#define SINK_DETAIL     16 /* flows listed in report_json, in arrival order */

struct sink_flow {
	uint32_t key; /* flow id + 1, 0: empty slot */
	uint32_t pad;
	uint64_t max_seq;
	uint64_t window; /* bit i: max_seq - i arrived */
	uint64_t packets, lost, reordered, duplicates;
	uint64_t pad2;
};

struct sink {
	uint32_t magic;
	struct sink_flow *table;
	uint64_t nb_flows;
	uint32_t detail[SINK_DETAIL];
	unsigned int nb_detail;
	uint64_t packets, bytes, stamped, unstamped, untracked;
	uint64_t lost, reordered, duplicates;
	uint64_t csum_checked, csum_bad; /* end-to-end integrity of stamped frames */
	uint64_t tenant_csum_bad[CFG_MAX_TENANTS];
	uint64_t tenant_packets[CFG_MAX_TENANTS], tenant_bytes[CFG_MAX_TENANTS], tenant_other;
	struct sink_hist hist;
};

#define SINK_MAGIC 0x5e1c0001u

static inline void ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline void ctr_sub(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) - v, __ATOMIC_RELAXED);
}

static inline void ctr_set(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

static inline uint64_t ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* ---- histogram ----------------------------------------------------------------------------- */

unsigned int sink_hist_index(uint64_t ns)
{
	unsigned int msb, shift;

	if (ns >> SINK_HIST_MAX_BITS)
		return SINK_HIST_BUCKETS; /* overflow */
	msb = ns ? 63u - (unsigned int)__builtin_clzll(ns) : 0;
	shift = msb > SINK_HIST_SUB_BITS ? msb - SINK_HIST_SUB_BITS : 0;
	return (shift << SINK_HIST_SUB_BITS) + (unsigned int)(ns >> shift);
}

uint64_t sink_hist_bucket_top(unsigned int idx)
{
	unsigned int shift, sub = 1u << SINK_HIST_SUB_BITS;

	if (idx < 2 * sub)
		return idx;
	shift = (idx >> SINK_HIST_SUB_BITS) - 1;
	return ((uint64_t)(idx - (shift << SINK_HIST_SUB_BITS)) << shift) +
	       ((UINT64_C(1) << shift) - 1);
}

void sink_hist_init(struct sink_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

void sink_hist_record(struct sink_hist *h, uint64_t ns)
{
	unsigned int i = sink_hist_index(ns);

	if (i < SINK_HIST_BUCKETS)
		ctr_add(&h->bucket[i], 1);
	else
		ctr_add(&h->overflow, 1);
	ctr_add(&h->count, 1);
	ctr_add(&h->sum_ns, ns);
	if (ns < h->min_ns)
		ctr_set(&h->min_ns, ns);
	if (ns > h->max_ns)
		ctr_set(&h->max_ns, ns);
}

uint64_t sink_hist_value_at(const struct sink_hist *h, double pct)
{
	uint64_t total = ctr_get(&h->overflow), rank, seen = 0, max = ctr_get(&h->max_ns);

	for (unsigned int i = 0; i < SINK_HIST_BUCKETS; i++)
		total += ctr_get(&h->bucket[i]);
	if (!total)
		return 0;
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	rank = (uint64_t)ceil(pct / 100.0 * (double)total - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	for (unsigned int i = 0; i < SINK_HIST_BUCKETS; i++) {
		seen += ctr_get(&h->bucket[i]);
		if (seen >= rank) {
			uint64_t top = sink_hist_bucket_top(i);

			return top < max ? top : max;
		}
	}
	return max;
}

/* ---- flows --------------------------------------------------------------------------------- */

/* Find or add a flow; *created tells which. NULL when the table is full. */
static struct sink_flow *flow_lookup(struct sink *s, uint32_t id, bool *created)
{
	uint32_t h = (uint32_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - SINK_TABLE_BITS));

	for (;; h = (h + 1) & (SINK_TABLE_SIZE - 1)) {
		struct sink_flow *f = &s->table[h];

		*created = false;
		if (f->key == id + 1)
			return f;
		if (f->key)
			continue;
		if (s->nb_flows >= SINK_MAX_FLOWS)
			return NULL;
		*created = true;
		__atomic_store_n(&f->key, id + 1, __ATOMIC_RELEASE);
		ctr_add(&s->nb_flows, 1);
		if (s->nb_detail < SINK_DETAIL) {
			s->detail[s->nb_detail] = id;
			__atomic_store_n(&s->nb_detail, s->nb_detail + 1, __ATOMIC_RELEASE);
		}
		return f;
	}
}

static void flow_seq(struct sink *s, struct sink_flow *f, uint32_t seq32, bool first)
{
	uint64_t seq, back;
	int32_t d;

	ctr_add(&f->packets, 1);
	if (first) {
		ctr_set(&f->max_seq, seq32);
		f->window = 1;
		ctr_add(&f->lost, seq32);
		ctr_add(&s->lost, seq32);
		return;
	}
	/* extend to 64 bits: the value nearest to the highest seen */
	d = (int32_t)(seq32 - (uint32_t)f->max_seq);
	if (d < 0 && (uint64_t)(-(int64_t)d) > f->max_seq)
		seq = seq32;
	else
		seq = f->max_seq + (uint64_t)(int64_t)d;

	if (seq > f->max_seq) {
		uint64_t jump = seq - f->max_seq;

		ctr_add(&f->lost, jump - 1);
		ctr_add(&s->lost, jump - 1);
		f->window = jump >= 64 ? 1 : (f->window << jump) | 1;
		ctr_set(&f->max_seq, seq);
		return;
	}
	back = f->max_seq - seq;
	if (back < 64 && (f->window >> back) & 1) {
		ctr_add(&f->duplicates, 1);
		ctr_add(&s->duplicates, 1);
		return;
	}
	if (back < 64)
		f->window |= UINT64_C(1) << back;
	ctr_add(&f->reordered, 1);
	ctr_add(&s->reordered, 1);
	if (f->lost) {
		ctr_sub(&f->lost, 1);
		ctr_sub(&s->lost, 1);
	}
}

/* ---- port ---------------------------------------------------------------------------------- */

static void sink_close(struct port *p)
{
	struct sink *s = p->priv;

	if (!s)
		return;
	free(s->table);
	free(s);
	p->priv = NULL;
}

static int sink_open(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen)
{
	struct sink *s;

	(void)cfg;
	s = calloc(1, sizeof(*s));
	if (s)
		s->table = calloc(SINK_TABLE_SIZE, sizeof(*s->table));
	if (!s || !s->table) {
		free(s);
		tenet_err(err, errlen, "sink: out of memory");
		return -ENOMEM;
	}
	s->magic = SINK_MAGIC;
	sink_hist_init(&s->hist);
	p->priv = s;
	return 0;
}

/* Ones'-complement sum of len bytes, big-endian 16-bit words. */
static uint32_t sum16(const uint8_t *b, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * Verify the IPv4 header checksum and the TCP/UDP checksum (a UDP/IPv4
 * checksum of 0 means "none" and is not checked). Returns -1 when nothing
 * could be checked, 0 when a checksum is wrong, 1 when all are right: a
 * frame altered on the way (by an NF, or by a bug) fails here.
 */
static int csum_ok(const uint8_t *f, const struct tenet_pkt_info *in)
{
	unsigned int alen = in->ip_version == 6 ? 16 : 4;
	size_t l4len = (size_t)in->payload_off - in->l4_off + in->payload_len;
	const uint8_t *l4 = f + in->l4_off;
	uint32_t s;

	if (in->ip_version == 4 && fold(sum16(f + in->l3_off, in->l4_off - in->l3_off)) != 0xffff)
		return 0;
	if (in->proto == 17 && in->ip_version == 4 && !(l4[6] | l4[7]))
		return 1; /* no UDP checksum: the IPv4 header was checked */
	s = sum16(in->src, alen) + sum16(in->dst, alen) + in->proto + (uint32_t)l4len +
	    sum16(l4, l4len);
	return fold(s) == 0xffff;
}

static void sink_tx(struct port *p, const struct tenet_frame *fr, unsigned int n)
{
	struct sink *s = p->priv;
	uint64_t now = stamp_now_ns(), bytes = 0, stamped = 0;

	/* the frames were written long before (the NIC stage, maybe an NF)
	 * and are out of this CPU's cache: start every miss of the burst
	 * now, so that they overlap rather than add up */
	for (unsigned int i = 0; i < n; i++)
		__builtin_prefetch(fr[i].data);
	for (unsigned int i = 0; i < n; i++) {
		const struct tenet_frame *f = &fr[i];
		struct tenet_pkt_info info;
		struct sink_flow *fl;
		struct stamp st;
		bool first;

		bytes += f->len;
		if (f->tenant < CFG_MAX_TENANTS) {
			ctr_add(&s->tenant_packets[f->tenant], 1);
			ctr_add(&s->tenant_bytes[f->tenant], f->len);
		} else {
			ctr_add(&s->tenant_other, 1);
		}
		if (tenet_pkt_parse(f->data, f->len, &info) != TENET_PKT_OK ||
		    (info.proto != 6 && info.proto != 17) ||
		    (info.flags & (TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST)) ==
		            TENET_PKT_F_FRAG ||
		    !stamp_read(f->data + info.payload_off, info.payload_len, &st)) {
			ctr_add(&s->unstamped, 1);
			continue;
		}
		stamped++;
		switch (csum_ok(f->data, &info)) {
		case 0:
			ctr_add(&s->csum_bad, 1);
			if (f->tenant < CFG_MAX_TENANTS)
				ctr_add(&s->tenant_csum_bad[f->tenant], 1);
			/* fall through */
		case 1:
			ctr_add(&s->csum_checked, 1);
			break;
		default:
			break;
		}
		sink_hist_record(&s->hist, stamp_age_ns(now, st.ts_ns));
		fl = flow_lookup(s, st.flow, &first);
		if (!fl) {
			ctr_add(&s->untracked, 1);
			continue;
		}
		flow_seq(s, fl, st.seq, first);
	}
	ctr_add(&s->packets, n);
	ctr_add(&s->bytes, bytes);
	ctr_add(&s->stamped, stamped);
}

static struct sink *sink_of(struct port *p)
{
	struct sink *s = p ? p->priv : NULL;

	if (!p || p->drv != &port_sink || !s || s->magic != SINK_MAGIC)
		return NULL;
	return s;
}

int port_sink_hist(struct port *p, struct sink_hist *h)
{
	struct sink *s = sink_of(p);

	if (!s)
		return -EINVAL;
	h->count = ctr_get(&s->hist.count);
	h->sum_ns = ctr_get(&s->hist.sum_ns);
	h->min_ns = ctr_get(&s->hist.min_ns);
	h->max_ns = ctr_get(&s->hist.max_ns);
	h->overflow = ctr_get(&s->hist.overflow);
	for (unsigned int i = 0; i < SINK_HIST_BUCKETS; i++)
		h->bucket[i] = ctr_get(&s->hist.bucket[i]);
	return 0;
}

int port_sink_stats(struct port *p, struct sink_stats *st)
{
	struct sink *s = sink_of(p);
	struct sink_hist *h;

	if (!s)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->packets = ctr_get(&s->packets);
	st->bytes = ctr_get(&s->bytes);
	st->stamped = ctr_get(&s->stamped);
	st->unstamped = ctr_get(&s->unstamped);
	st->csum_checked = ctr_get(&s->csum_checked);
	st->csum_bad = ctr_get(&s->csum_bad);
	st->flows = ctr_get(&s->nb_flows);
	st->untracked = ctr_get(&s->untracked);
	st->lost = ctr_get(&s->lost);
	st->reordered = ctr_get(&s->reordered);
	st->duplicates = ctr_get(&s->duplicates);
	for (unsigned int i = 0; i < CFG_MAX_TENANTS; i++) {
		st->tenant_packets[i] = ctr_get(&s->tenant_packets[i]);
		st->tenant_bytes[i] = ctr_get(&s->tenant_bytes[i]);
		st->tenant_csum_bad[i] = ctr_get(&s->tenant_csum_bad[i]);
	}
	st->tenant_other = ctr_get(&s->tenant_other);

	h = malloc(sizeof(*h));
	if (!h)
		return 0; /* counters without latency */
	port_sink_hist(p, h);
	st->lat.count = h->count;
	st->lat.overflow = h->overflow;
	if (h->count) {
		st->lat.min_ns = h->min_ns;
		st->lat.max_ns = h->max_ns;
		st->lat.mean_ns = h->sum_ns / h->count;
		st->lat.p50_ns = sink_hist_value_at(h, 50);
		st->lat.p99_ns = sink_hist_value_at(h, 99);
		st->lat.p999_ns = sink_hist_value_at(h, 99.9);
	}
	free(h);
	return 0;
}

int port_sink_flow(struct port *p, uint32_t flow, struct sink_flow_stats *fs)
{
	struct sink *s = sink_of(p);
	uint32_t h;

	if (!s)
		return -EINVAL;
	h = (uint32_t)((flow * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - SINK_TABLE_BITS));
	for (;; h = (h + 1) & (SINK_TABLE_SIZE - 1)) {
		const struct sink_flow *f = &s->table[h];
		uint32_t key = __atomic_load_n(&f->key, __ATOMIC_ACQUIRE);

		if (!key)
			return -ENOENT;
		if (key != flow + 1)
			continue;
		fs->packets = ctr_get(&f->packets);
		fs->lost = ctr_get(&f->lost);
		fs->reordered = ctr_get(&f->reordered);
		fs->duplicates = ctr_get(&f->duplicates);
		fs->max_seq = ctr_get(&f->max_seq);
		return 0;
	}
}

static void sink_report_json(struct port *p, FILE *out)
{
	struct sink *s = p->priv;
	struct sink_stats st;
	unsigned int nd, first = 1;

	port_sink_stats(p, &st);
	fprintf(out,
	        "\"packets\": %llu, \"bytes\": %llu, \"stamped\": %llu, \"unstamped\": %llu, "
	        "\"flows\": %llu, \"untracked\": %llu, \"lost\": %llu, \"reordered\": %llu, "
	        "\"duplicates\": %llu, \"csum_checked\": %llu, \"csum_bad\": %llu, ",
	        (unsigned long long)st.packets, (unsigned long long)st.bytes,
	        (unsigned long long)st.stamped, (unsigned long long)st.unstamped,
	        (unsigned long long)st.flows, (unsigned long long)st.untracked,
	        (unsigned long long)st.lost, (unsigned long long)st.reordered,
	        (unsigned long long)st.duplicates, (unsigned long long)st.csum_checked,
	        (unsigned long long)st.csum_bad);
	fprintf(out,
	        "\"latency_ns\": {\"count\": %llu, \"min\": %llu, \"mean\": %llu, \"p50\": %llu, "
	        "\"p99\": %llu, \"p99_9\": %llu, \"max\": %llu, \"overflow\": %llu}, ",
	        (unsigned long long)st.lat.count, (unsigned long long)st.lat.min_ns,
	        (unsigned long long)st.lat.mean_ns, (unsigned long long)st.lat.p50_ns,
	        (unsigned long long)st.lat.p99_ns, (unsigned long long)st.lat.p999_ns,
	        (unsigned long long)st.lat.max_ns, (unsigned long long)st.lat.overflow);
	fprintf(out, "\"tenants\": [");
	for (unsigned int i = 0; i < CFG_MAX_TENANTS; i++) {
		if (!st.tenant_packets[i])
			continue;
		fprintf(out,
		        "%s{\"tenant\": %u, \"packets\": %llu, \"bytes\": %llu, \"csum_bad\": "
		        "%llu}",
		        first ? "" : ", ", i, (unsigned long long)st.tenant_packets[i],
		        (unsigned long long)st.tenant_bytes[i],
		        (unsigned long long)st.tenant_csum_bad[i]);
		first = 0;
	}
	fprintf(out, "], \"tenant_other\": %llu, \"flow_detail\": [",
	        (unsigned long long)st.tenant_other);
	nd = __atomic_load_n(&s->nb_detail, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < nd; i++) {
		struct sink_flow_stats fs;

		if (port_sink_flow(p, s->detail[i], &fs) < 0)
			continue;
		fprintf(out,
		        "%s{\"flow\": %u, \"packets\": %llu, \"lost\": %llu, \"reordered\": %llu, "
		        "\"duplicates\": %llu}",
		        i ? ", " : "", s->detail[i], (unsigned long long)fs.packets,
		        (unsigned long long)fs.lost, (unsigned long long)fs.reordered,
		        (unsigned long long)fs.duplicates);
	}
	fprintf(out, "]");
}

static const char *const sink_keys[] = {NULL};

const struct port_driver port_sink = {
        .name = "sink",
        .keys = sink_keys,
        .open = sink_open,
        .close = sink_close,
        .rx = NULL,
        .tx = sink_tx,
        .report_json = sink_report_json,
};
