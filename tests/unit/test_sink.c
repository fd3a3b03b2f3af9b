/*
 * Unit tests of the sink port (ports/sink.c) and its latency histogram.
 *
 * What is checked: on crafted sequences, per-flow and total loss,
 * reordering and duplicates come out exactly as the contract says,
 * including gaps filled late, numbers below the window, a flow first seen
 * mid-stream and 32-bit sequence wrap-around; histogram percentiles match
 * a sorted reference on random data within one bucket (1/128); frames
 * without a valid stamp (non-IP, foreign payload, too short, bad check
 * byte) count as unstamped; per-tenant counters; a clean gen -> sink
 * stream shows no loss, a shuffled one reordering but no loss.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ports/port.h"
#include "ports/sink.h"
#include "ports/stamp.h"

#define FRAME_LEN 60

static void open_sink(struct port *p, struct cfg_port *cfg)
{
	char err[256] = "";

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->name, "sink0");
	cfg->driver = CFG_DRV_SINK;
	memset(p, 0, sizeof(*p));
	p->drv = port_driver_find(CFG_DRV_SINK);
	assert_ptr_equal(p->drv, &port_sink);
	p->cfg = cfg;
	if (p->drv->open(p, cfg, err, sizeof(err)))
		fail_msg("open: %s", err);
}

/* Write the IPv4 header checksum of a frame built by udp_frame. */
static void ip_csum(uint8_t *f)
{
	uint32_t sum = 0;

	f[24] = f[25] = 0;
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8);
	f[25] = (uint8_t)~sum;
}

/* UDP/IPv4 frame of FRAME_LEN bytes with a valid header checksum; payload (18 bytes) zero. */
static void udp_frame(uint8_t *f)
{
	memset(f, 0, FRAME_LEN);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = 0;
	f[17] = FRAME_LEN - 14;
	f[22] = 64;
	f[23] = 17;
	f[26] = 10;
	f[29] = 1;
	f[30] = 10;
	f[33] = 2;
	f[34] = 0x04;
	f[36] = 0x04;
	f[39] = FRAME_LEN - 34;
	ip_csum(f);
}

static void send_stamped(struct port *p, uint32_t flow, uint64_t seq, uint64_t ts, uint16_t tenant)
{
	uint8_t buf[FRAME_LEN];
	struct tenet_frame f = {.data = buf, .len = FRAME_LEN, .tenant = tenant};

	udp_frame(buf);
	stamp_write(buf + 42, flow, seq, ts);
	p->drv->tx(p, &f, 1);
}

static void send_seqs(struct port *p, uint32_t flow, const uint64_t *seq, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		send_stamped(p, flow, seq[i], stamp_now_ns(), 0);
}

static void assert_flow(struct port *p, uint32_t flow, uint64_t packets, uint64_t lost,
                        uint64_t reordered, uint64_t dups, uint64_t max_seq)
{
	struct sink_flow_stats fs;

	assert_int_equal(port_sink_flow(p, flow, &fs), 0);
	assert_int_equal(fs.packets, packets);
	assert_int_equal(fs.lost, lost);
	assert_int_equal(fs.reordered, reordered);
	assert_int_equal(fs.duplicates, dups);
	assert_int_equal(fs.max_seq, max_seq);
}

static void test_loss_reorder_dup(void **state)
{
	struct cfg_port cfg;
	struct port p;
	struct sink_stats st;
	struct sink_flow_stats fs;
	static const uint64_t a[] = {0, 1, 2, 5, 3, 3, 6, 4, 10};
	static const uint64_t b[] = {5, 6, 7};
	static const uint64_t c[] = {0, 200, 50, 50, 199};
	static const uint64_t d[] = {0xfffffffeu, 0xffffffffu, 0x100000000u, 0x100000001u};
	static const uint64_t e[] = {0, 1, 2, 3, 4};

	(void)state;
	open_sink(&p, &cfg);
	/*
	 * a: 5 opens a gap {3,4}; 3 fills it (reordered), 3 again is a
	 * duplicate; 4 fills the rest; 10 opens {7,8,9}.
	 */
	send_seqs(&p, 7, a, 9);
	assert_flow(&p, 7, 9, 3, 2, 1, 10);
	/* b: first seen at 5: 0..4 count as lost */
	send_seqs(&p, 8, b, 3);
	assert_flow(&p, 8, 3, 5, 0, 0, 7);
	/* c: 50 is below the 64-wide window: reordered both times, cannot tell dups */
	send_seqs(&p, 9, c, 5);
	assert_flow(&p, 9, 5, 199 - 3, 3, 0, 200);
	/* d: 32-bit wrap of the stamp's sequence number is followed */
	send_seqs(&p, 10, d, 4);
	assert_flow(&p, 10, 4, 0xfffffffeu, 0, 0, 0x100000001u);
	/* e: clean */
	send_seqs(&p, STAMP_FLOW(2, 123), e, 5);
	assert_flow(&p, STAMP_FLOW(2, 123), 5, 0, 0, 0, 4);

	assert_int_equal(port_sink_flow(&p, 11, &fs), -ENOENT);
	assert_int_equal(port_sink_stats(&p, &st), 0);
	assert_int_equal(st.packets, 26);
	assert_int_equal(st.stamped, 26);
	assert_int_equal(st.unstamped, 0);
	assert_int_equal(st.flows, 5);
	assert_int_equal(st.lost, 3 + 5 + 196 + 0xfffffffeull);
	assert_int_equal(st.reordered, 5);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.tenant_packets[0], 26);
	assert_int_equal(st.tenant_bytes[0], 26 * FRAME_LEN);
	p.drv->close(&p);
	assert_null(p.priv);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_hist_buckets(void **state)
{
	uint64_t s = 88172645463325252ull, prev_idx = 0;

	(void)state;
	/* exact below 256 ns, then within 1/128; indices increase with the value */
	for (uint64_t v = 0; v < 256; v++)
		assert_int_equal(sink_hist_bucket_top(sink_hist_index(v)), v);
	for (uint64_t v = 256; v < 100000; v++) {
		unsigned int i = sink_hist_index(v);

		assert_true(i >= prev_idx);
		prev_idx = i;
		assert_true(sink_hist_bucket_top(i) >= v);
		assert_true(sink_hist_bucket_top(i) - v <= v / 128);
	}
	for (int k = 0; k < 100000; k++) {
		uint64_t v = xorshift(&s) % (UINT64_C(1) << SINK_HIST_MAX_BITS);
		unsigned int i = sink_hist_index(v);

		assert_true(i < SINK_HIST_BUCKETS);
		assert_true(sink_hist_bucket_top(i) >= v);
		assert_true(sink_hist_bucket_top(i) - v <= v / 128);
		if (i > 0)
			assert_true(sink_hist_bucket_top(i - 1) < v);
	}
	assert_int_equal(sink_hist_index(UINT64_C(1) << SINK_HIST_MAX_BITS), SINK_HIST_BUCKETS);
	assert_int_equal(sink_hist_bucket_top(SINK_HIST_BUCKETS - 1),
	                 (UINT64_C(1) << SINK_HIST_MAX_BITS) - 1);
}

static void test_hist_percentiles(void **state)
{
	const unsigned int n = 200000;
	static const double pcts[] = {0, 0.1, 1, 25, 50, 90, 99, 99.9, 99.99, 100};
	struct sink_hist *h = malloc(sizeof(*h));
	uint64_t *v = malloc(n * sizeof(*v)), s = 0x1234567u;

	(void)state;
	assert_non_null(h);
	assert_non_null(v);
	sink_hist_init(h);
	assert_int_equal(sink_hist_value_at(h, 50), 0);
	/* log-uniform from 1 ns to 10 s */
	for (unsigned int i = 0; i < n; i++) {
		double u = (double)(xorshift(&s) >> 11) / 9007199254740992.0;

		v[i] = (uint64_t)exp(u * log(1e10));
		sink_hist_record(h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min_ns, v[0]);
	assert_int_equal(h->max_ns, v[n - 1]);
	for (unsigned int k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++) {
		uint64_t rank = (uint64_t)ceil(pcts[k] / 100.0 * n - 1e-9);
		uint64_t ref = v[rank ? rank - 1 : 0];
		uint64_t got = sink_hist_value_at(h, pcts[k]);

		if (got < ref || got - ref > ref / 128)
			fail_msg("p%g: got %llu, reference %llu", pcts[k], (unsigned long long)got,
			         (unsigned long long)ref);
	}
	/* beyond the range: counted as overflow and in max */
	sink_hist_record(h, UINT64_C(20000000000));
	assert_int_equal(h->overflow, 1);
	assert_int_equal(sink_hist_value_at(h, 100), UINT64_C(20000000000));
	free(v);
	free(h);
}

static void test_latency_through_port(void **state)
{
	struct cfg_port cfg;
	struct port p;
	struct sink_stats st;
	const uint64_t lag = 5000000; /* stamped 5 ms in the past */

	(void)state;
	open_sink(&p, &cfg);
	for (unsigned int i = 0; i < 1000; i++)
		send_stamped(&p, 1, i, stamp_now_ns() - lag, 0);
	assert_int_equal(port_sink_stats(&p, &st), 0);
	assert_int_equal(st.lat.count, 1000);
	assert_true(st.lat.min_ns >= lag);
	assert_true(st.lat.p50_ns >= lag);
	assert_true(st.lat.p50_ns <= st.lat.p99_ns);
	assert_true(st.lat.p99_ns <= st.lat.p999_ns);
	assert_true(st.lat.p999_ns <= st.lat.max_ns);
	assert_true(st.lat.mean_ns >= lag);
	p.drv->close(&p);
}

/* A frame altered after its checksum was written is counted, per tenant. */
static void test_checksum_errors(void **state)
{
	struct cfg_port cfg;
	struct port p;
	struct sink_stats st;
	uint8_t buf[FRAME_LEN];
	struct tenet_frame f = {.data = buf, .len = FRAME_LEN, .tenant = 2};

	(void)state;
	open_sink(&p, &cfg);
	send_stamped(&p, 7, 0, stamp_now_ns(), 2); /* intact */
	udp_frame(buf);
	stamp_write(buf + 42, 7, 1, stamp_now_ns());
	buf[22]--; /* TTL changed in transit, checksum not fixed */
	p.drv->tx(&p, &f, 1);
	assert_int_equal(port_sink_stats(&p, &st), 0);
	assert_int_equal(st.stamped, 2);
	assert_int_equal(st.csum_checked, 2);
	assert_int_equal(st.csum_bad, 1);
	assert_int_equal(st.tenant_csum_bad[2], 1);
	p.drv->close(&p);
}

static void test_unstamped_and_tenants(void **state)
{
	struct cfg_port cfg;
	struct port p;
	struct sink_stats st;
	uint8_t arp[FRAME_LEN] = {0}, foreign[FRAME_LEN], bad[FRAME_LEN], shortp[FRAME_LEN];
	struct tenet_frame f[4] = {
	        {.data = arp, .len = FRAME_LEN, .tenant = 3},
	        {.data = foreign, .len = FRAME_LEN, .tenant = 3},
	        {.data = bad, .len = FRAME_LEN, .tenant = 70},
	        {.data = shortp, .len = 50, .tenant = 0},
	};
	char *json = NULL;
	size_t sz = 0;
	FILE *out;

	(void)state;
	open_sink(&p, &cfg);
	arp[12] = 0x08;
	arp[13] = 0x06;
	udp_frame(foreign);
	memset(foreign + 42, 0xab, FRAME_LEN - 42);
	udp_frame(bad);
	stamp_write(bad + 42, 1, 2, 3);
	bad[42 + 5] ^= 1; /* check byte */
	udp_frame(shortp);
	shortp[17] = 50 - 14;
	shortp[39] = 50 - 34; /* 8 bytes of payload */
	p.drv->tx(&p, f, 4);
	send_stamped(&p, 1, 0, stamp_now_ns(), 3);

	assert_int_equal(port_sink_stats(&p, &st), 0);
	assert_int_equal(st.packets, 5);
	assert_int_equal(st.bytes, 4 * FRAME_LEN + 50);
	assert_int_equal(st.unstamped, 4);
	assert_int_equal(st.stamped, 1);
	assert_int_equal(st.lat.count, 1);
	assert_int_equal(st.tenant_packets[3], 3);
	assert_int_equal(st.tenant_bytes[3], 3 * FRAME_LEN);
	assert_int_equal(st.tenant_packets[0], 1);
	assert_int_equal(st.tenant_other, 1);

	out = open_memstream(&json, &sz);
	assert_non_null(out);
	p.drv->report_json(&p, out);
	fclose(out);
	assert_non_null(strstr(json, "\"unstamped\": 4"));
	assert_non_null(strstr(json, "\"stamped\": 1"));
	assert_non_null(
	        strstr(json, "{\"tenant\": 3, \"packets\": 3, \"bytes\": 180, \"csum_bad\": 0}"));
	assert_non_null(strstr(json, "\"tenant_other\": 1"));
	assert_int_equal(st.csum_checked, 1);
	assert_int_equal(st.csum_bad, 0);
	assert_non_null(strstr(json, "\"p99_9\": "));
	free(json);

	/* not a sink */
	{
		struct port other = {.drv = &port_gen};

		assert_int_equal(port_sink_stats(&other, &st), -EINVAL);
	}
	p.drv->close(&p);
}

static void test_gen_to_sink(void **state)
{
	struct cfg_port gcfg = {0}, scfg;
	struct port g, s;
	struct tenet_frame fr[64];
	struct sink_stats st;
	char err[256];

	(void)state;
	gcfg.driver = CFG_DRV_GEN;
	gcfg.gen.seed = 7;
	gcfg.gen.flows[0].family = 4;
	gcfg.gen.flows[0].src[0] = 10;
	gcfg.gen.flows[0].src_plen = 8;
	gcfg.gen.flows[0].dst[0] = 11;
	gcfg.gen.flows[0].dst_plen = 8;
	gcfg.gen.flows[0].sport_lo = 1;
	gcfg.gen.flows[0].sport_hi = 60000;
	gcfg.gen.flows[0].dport_lo = 53;
	gcfg.gen.flows[0].count = 20;
	gcfg.gen.flows[0].weight = 1;
	gcfg.gen.nb_flows = 1;
	gcfg.gen.imix = true;
	g = (struct port){.drv = &port_gen, .cfg = &gcfg};
	assert_int_equal(port_gen.open(&g, &gcfg, err, sizeof(err)), 0);
	open_sink(&s, &scfg);
	for (int r = 0; r < 200; r++) {
		assert_int_equal(g.drv->rx(&g, fr, 64), 64);
		s.drv->tx(&s, fr, 64);
	}
	assert_int_equal(port_sink_stats(&s, &st), 0);
	assert_int_equal(st.stamped, 200 * 64);
	assert_int_equal(st.flows, 20);
	assert_int_equal(st.lost + st.reordered + st.duplicates + st.unstamped, 0);

	/* reversed bursts: reordering, and once all arrived no loss */
	for (int r = 0; r < 200; r++) {
		assert_int_equal(g.drv->rx(&g, fr, 64), 64);
		for (int i = 63; i >= 0; i--)
			s.drv->tx(&s, &fr[i], 1);
	}
	assert_int_equal(port_sink_stats(&s, &st), 0);
	assert_true(st.reordered > 0);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.duplicates, 0);

	/* the same burst twice: duplicates */
	assert_int_equal(g.drv->rx(&g, fr, 64), 64);
	s.drv->tx(&s, fr, 64);
	s.drv->tx(&s, fr, 64);
	assert_int_equal(port_sink_stats(&s, &st), 0);
	assert_int_equal(st.duplicates, 64);
	g.drv->close(&g);
	s.drv->close(&s);
}

struct reader {
	struct port *p;
	int stop;
	uint64_t reads;
	bool monotonic;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t last = 0;
	FILE *null = fopen("/dev/null", "w");

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct sink_stats st;

		if (port_sink_stats(r->p, &st) || st.packets < last)
			r->monotonic = false;
		last = st.packets;
		if (null)
			r->p->drv->report_json(r->p, null);
		r->reads++;
	}
	if (null)
		fclose(null);
	return NULL;
}

/* Counters are read from another thread while the port thread writes them. */
static void test_concurrent_readers(void **state)
{
	struct cfg_port gcfg = {0}, scfg;
	struct port g, s;
	struct tenet_frame fr[32];
	struct reader r = {.monotonic = true};
	struct sink_stats st;
	pthread_t th;
	char err[256];

	(void)state;
	gcfg.driver = CFG_DRV_GEN;
	gcfg.gen.flows[0].src_plen = 8;
	gcfg.gen.flows[0].src[0] = 10;
	gcfg.gen.flows[0].count = 100;
	gcfg.gen.flows[0].weight = 1;
	gcfg.gen.nb_flows = 1;
	g = (struct port){.drv = &port_gen, .cfg = &gcfg};
	assert_int_equal(port_gen.open(&g, &gcfg, err, sizeof(err)), 0);
	open_sink(&s, &scfg);
	r.p = &s;
	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	for (int i = 0; i < 3000; i++) {
		assert_int_equal(g.drv->rx(&g, fr, 32), 32);
		s.drv->tx(&s, fr, 32);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_true(r.monotonic);
	assert_int_equal(port_sink_stats(&s, &st), 0);
	assert_int_equal(st.packets, 3000 * 32);
	assert_int_equal(st.flows, 100);
	assert_int_equal(st.lost, 0);
	g.drv->close(&g);
	s.drv->close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_loss_reorder_dup),
	        cmocka_unit_test(test_hist_buckets),
	        cmocka_unit_test(test_hist_percentiles),
	        cmocka_unit_test(test_latency_through_port),
	        cmocka_unit_test(test_unstamped_and_tenants),
	        cmocka_unit_test(test_checksum_errors),
	        cmocka_unit_test(test_gen_to_sink),
	        cmocka_unit_test(test_concurrent_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
