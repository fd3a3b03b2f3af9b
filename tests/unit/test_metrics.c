/*
 * Unit tests of the Prometheus text (mgr/metrics_text.c) over hand-made
 * snapshots, and of the metrics listen address (config_listen_parse, the
 * manager: metrics key).
 *
 * What is checked: label values with '"', '\' and newlines are escaped;
 * every family has one # HELP and one # TYPE before its samples; every
 * drop reason appears for every tenant and for tenant=""; the latency
 * histogram's buckets are cumulative, end in +Inf == _count, and put each
 * sample under the first bound that holds it; addresses default to
 * loopback and bad ones are refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mgr/config.h"
#include "mgr/metrics.h"
#include "ports/sink.h"

static char *render(const struct metrics_snap *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(metrics_render(s, out), 0);
	fclose(out);
	return text;
}

static struct metrics_snap *snap_new(void)
{
	struct metrics_snap *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->nb_ports = 2;
	s->ports[0] = (struct metrics_port){.name = "gen0",
	                                    .driver = "gen",
	                                    .steer = "nic",
	                                    .in = 100,
	                                    .rx_frames = 100,
	                                    .rx_bytes = 6400};
	s->ports[1] = (struct metrics_port){
	        .name = "sink0", .driver = "sink", .steer = "none", .tx_frames = 90, .sink = true};
	s->nb_tenants = 2;
	s->tenants[0] = (struct metrics_tenant){.name = "alice", .in = 60, .delivered = 55};
	s->tenants[0].drops[DROP_NF_VERDICT] = 5;
	s->tenants[1] =
	        (struct metrics_tenant){.name = "we\"ird\\na\nme", .in = 40, .delivered = 35};
	s->drops_no_tenant[DROP_NO_RULE] = 3;
	return s;
}

/* The value of the sample whose line starts with 'prefix' (name and labels). */
static long long value_of(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, n) && l[n] == ' ')
			return atoll(l + n + 1);
	fail_msg("no sample %s", prefix);
	return -1;
}

static void test_escaping(void **state)
{
	struct metrics_snap *s = snap_new();
	char *t;

	(void)state;
	t = render(s);
	/* '"' -> \", '\' -> \\, newline -> \n: one line, still parseable */
	assert_int_equal(value_of(t, "tenet_delivered_total{tenant=\"we\\\"ird\\\\na\\nme\"}"), 35);
	assert_int_equal(value_of(t, "tenet_delivered_total{tenant=\"alice\"}"), 55);
	assert_int_equal(value_of(t, "tenet_packets_in_total{port=\"gen0\"}"), 100);
	assert_int_equal(value_of(t, "tenet_up"), 1);
	for (const char *p = t; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	free(t);
	free(s);
}

/* Every sample's family was introduced by exactly one HELP and one TYPE, just before. */
static void test_families(void **state)
{
	struct metrics_snap *s = snap_new();
	char *t, *save = NULL, family[128] = "", type[16] = "";
	unsigned int helps = 0, types = 0;

	(void)state;
	t = render(s);
	for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[128];
		size_t n;

		if (!strncmp(l, "# HELP ", 7)) {
			helps++;
			assert_int_equal(sscanf(l + 7, "%127s", family), 1);
			type[0] = '\0';
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			types++;
			assert_int_equal(sscanf(l + 7, "%127s %15s", name, type), 2);
			assert_string_equal(name, family);
			assert_true(!strcmp(type, "counter") || !strcmp(type, "gauge") ||
			            !strcmp(type, "histogram"));
			continue;
		}
		n = strcspn(l, "{ ");
		assert_true(n < sizeof(name));
		memcpy(name, l, n);
		name[n] = '\0';
		assert_true(type[0]); /* a TYPE came first */
		assert_int_equal(strncmp(name, "tenet_", 6), 0);
		if (!strcmp(type, "histogram")) {
			size_t f = strlen(family);

			assert_int_equal(strncmp(name, family, f), 0);
			assert_true(!strcmp(name + f, "_bucket") || !strcmp(name + f, "_sum") ||
			            !strcmp(name + f, "_count"));
		} else {
			assert_string_equal(name, family);
		}
		if (!strcmp(type, "counter"))
			assert_true(strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"));
	}
	assert_int_equal(helps, types);
	assert_true(types > 30);
	free(t);
	free(s);
}

static void test_drop_reasons(void **state)
{
	struct metrics_snap *s = snap_new();
	char *t, want[160];

	(void)state;
	t = render(s);
	for (unsigned int r = 0; r < DROP_MAX; r++) {
		snprintf(want, sizeof(want), "tenet_dropped_total{reason=\"%s\",tenant=\"alice\"}",
		         drop_reason_name(r));
		assert_int_equal(value_of(t, want), r == DROP_NF_VERDICT ? 5 : 0);
		snprintf(want, sizeof(want), "tenet_dropped_total{reason=\"%s\",tenant=\"\"}",
		         drop_reason_name(r));
		assert_int_equal(value_of(t, want), r == DROP_NO_RULE ? 3 : 0);
		snprintf(want, sizeof(want),
		         "tenet_dropped_total{reason=\"%s\",tenant=\"we\\\"ird\\\\na\\nme\"}",
		         drop_reason_name(r));
		assert_int_equal(value_of(t, want), 0);
	}
	free(t);
	free(s);
}

static void test_histogram(void **state)
{
	struct metrics_snap *s = snap_new();
	struct sink_hist *h = malloc(sizeof(*h));
	long long prev = 0, v;
	char *t, want[160];

	(void)state;
	assert_non_null(h);
	sink_hist_init(h);
	sink_hist_record(h, 500); /* <= 1 us */
	sink_hist_record(h, 500);
	sink_hist_record(h, 1000);     /* its sink bucket is 1000..1003 ns: counts under 2.5 us */
	sink_hist_record(h, 3000);     /* (2.5 us, 5 us] */
	sink_hist_record(h, 20000000); /* 20 ms: (10 ms, 25 ms] */
	sink_hist_record(h, 20000000000u); /* 20 s: past the sink's range and every bound */
	metrics_latency_fill(&s->ports[1].lat, h);
	t = render(s);
	for (unsigned int b = 0; b < METRICS_LE_MAX; b++) {
		snprintf(want, sizeof(want),
		         "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"%.9g\"}",
		         (double)metrics_le_ns[b] / 1e9);
		v = value_of(t, want);
		assert_true(v >= prev); /* cumulative */
		prev = v;
	}
	assert_int_equal(
	        value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"1e-06\"}"), 2);
	assert_int_equal(
	        value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"2.5e-06\"}"), 3);
	assert_int_equal(
	        value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"5e-06\"}"), 4);
	assert_int_equal(
	        value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"0.01\"}"), 4);
	assert_int_equal(
	        value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"0.025\"}"), 5);
	assert_int_equal(value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"10\"}"),
	                 5);
	assert_int_equal(
	        value_of(t, "tenet_sink_latency_seconds_bucket{port=\"sink0\",le=\"+Inf\"}"), 6);
	assert_int_equal(value_of(t, "tenet_sink_latency_seconds_count{port=\"sink0\"}"), 6);
	assert_non_null(strstr(t, "tenet_sink_latency_seconds_sum{port=\"sink0\"} 20.020005000\n"));
	/* a port that is not a sink has no latency series */
	assert_null(strstr(t, "tenet_sink_latency_seconds_bucket{port=\"gen0\""));
	free(t);
	free(h);
	free(s);
}

static void test_nfs(void **state)
{
	struct metrics_snap *s = snap_new();
	struct metrics_nf nfs[2] = {
	        {.tenant = "alice", .service = "fwd", .instance = 0, .up = true, .rx = 7, .tx = 6},
	        {.tenant = "alice", .service = "fwd", .instance = 1, .up = false, .rx = 2},
	};
	char *t;

	(void)state;
	nfs[0].rejects[REJ_NOT_OWNER] = 4;
	s->nfs = nfs;
	s->nb_nfs = 2;
	t = render(s);
	assert_int_equal(
	        value_of(t, "tenet_nf_up{tenant=\"alice\",service=\"fwd\",instance=\"0\"}"), 1);
	assert_int_equal(
	        value_of(t, "tenet_nf_up{tenant=\"alice\",service=\"fwd\",instance=\"1\"}"), 0);
	assert_int_equal(value_of(t, "tenet_nf_rx_packets_total{tenant=\"alice\",service=\"fwd\","
	                             "instance=\"1\"}"),
	                 2);
	assert_int_equal(value_of(t, "tenet_nf_rejects_total{tenant=\"alice\",service=\"fwd\","
	                             "instance=\"0\",kind=\"not_owner\"}"),
	                 4);
	assert_int_equal(value_of(t, "tenet_nf_rejects_total{tenant=\"alice\",service=\"fwd\","
	                             "instance=\"0\",kind=\"bad_index\"}"),
	                 0);
	free(t);
	free(s);
}

static void test_listen_parse(void **state)
{
	static const char *const bad[] = {"",       "abc",          "1.2.3.4:",     "1.2.3.4:0",
	                                  ":65536", "localhost:80", "[::1]9464",    "::1:9464",
	                                  ":12a",   "1.2.3:80",     "[1.2.3.4]:80", "1.2.3.4:+80",
	                                  "[::1]:", "9464 ",        "999999999999"};
	struct cfg_listen l;
	char why[96];

	(void)state;
	assert_int_equal(config_listen_parse("9464", &l, why, sizeof(why)), 0);
	assert_true(l.set && !l.v6 && l.port == 9464);
	assert_string_equal(l.text, "127.0.0.1:9464");
	assert_int_equal(config_listen_parse(":19464", &l, why, sizeof(why)), 0);
	assert_string_equal(l.text, "127.0.0.1:19464");
	assert_int_equal(config_listen_parse("0.0.0.0:80", &l, why, sizeof(why)), 0);
	assert_string_equal(l.text, "0.0.0.0:80");
	assert_int_equal(config_listen_parse("[::1]:9464", &l, why, sizeof(why)), 0);
	assert_true(l.v6 && l.port == 9464 && l.addr[15] == 1);
	assert_string_equal(l.text, "[::1]:9464");
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0x5a, sizeof(l));
		why[0] = '\0';
		if (!config_listen_parse(bad[i], &l, why, sizeof(why)))
			fail_msg("'%s' accepted", bad[i]);
		assert_true(why[0]);
		assert_int_equal(l.port, 0x5a5a); /* unchanged */
	}
}

static void test_config_key(void **state)
{
	static const char good[] = "manager: {metrics: \":19464\"}\n";
	static const char bad[] = "manager:\n  metrics: localhost:9464\n";
	char err[512];
	struct tenet_config *c;

	(void)state;
	c = tenet_config_parse(good, strlen(good), "t.yaml", err, sizeof(err));
	assert_non_null(c);
	assert_true(c->mgr.metrics.set);
	assert_string_equal(c->mgr.metrics.text, "127.0.0.1:19464");
	tenet_config_free(c);
	c = tenet_config_parse("manager: {poll: false}\n", 23, "t.yaml", err, sizeof(err));
	assert_non_null(c);
	assert_false(c->mgr.metrics.set); /* off by default */
	tenet_config_free(c);
	c = tenet_config_parse(bad, strlen(bad), "t.yaml", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "t.yaml:2:12: metrics 'localhost:9464': "));
	assert_non_null(strstr(err, "; expected PORT, :PORT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_escaping),     cmocka_unit_test(test_families),
	        cmocka_unit_test(test_drop_reasons), cmocka_unit_test(test_histogram),
	        cmocka_unit_test(test_nfs),          cmocka_unit_test(test_listen_parse),
	        cmocka_unit_test(test_config_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
