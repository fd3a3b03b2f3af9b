/*
 * Unit tests of the trial figures of tenet-bench's harness
 * (bench_trial_derive in bench/harness.c) on made-up manager results.
 *
 * What is checked: every count and CPU figure is the total minus the
 * warm-up snapshot, over the window after it; drops by a scan verdict (NF
 * or NIC) are not loss, other drops are, and drops during the warm-up are
 * counted apart; without a snapshot the whole run is the window; a paced
 * trial whose generator sent everything at the rate is not short, one
 * that offered the window below the rate by more than the tolerance or
 * sent less than its count is; a run that ended early (a signal) is
 * stopped, a slow one is not; conservation is the manager's.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bench/harness.h"

/* A 2.5 s paced trial at 1 Mpps with a 0.5 s warm-up, as the manager would report it. */
static void paced(struct bench_load *l, struct bench_trial *t)
{
	struct mgr_result *r = &t->r;

	*l = (struct bench_load){.rate = 1e6,
	                         .count = 2500000,
	                         .duration = 4.25,
	                         .warmup = 0.5,
	                         .rate_tol = 0.01,
	                         .size = 64};
	memset(t, 0, sizeof(*t));
	r->elapsed = 2.5;
	r->conserved = true;
	r->packets_in = 2500000;
	r->drops[DROP_NF_RX_FULL] = 30;  /* 10 of them in the warm-up */
	r->drops[DROP_NF_VERDICT] = 100; /* 20 in the warm-up */
	r->drops[DROP_NIC_SCAN] = 5;
	r->dropped = 135;
	r->delivered = r->packets_in - r->dropped;
	r->nic_ns = 250000000;
	r->dispatcher_ns = 900000000;
	r->router_ns = 100000000;
	r->nf_ns = 1500000000;
	r->lat.p50_ns = 99000; /* whole run: not what the window reports */
	r->lat.count = 1;
	r->warm = (struct mgr_snapshot){.taken = true,
	                                .at = 0.5,
	                                .packets_in = 500000,
	                                .delivered = 499970,
	                                .dropped = 30,
	                                .nic_ns = 50000000,
	                                .dispatcher_ns = 100000000,
	                                .router_ns = 0,
	                                .nf_ns = 300000000};
	r->warm.drops[DROP_NF_RX_FULL] = 10;
	r->warm.drops[DROP_NF_VERDICT] = 20;
	r->lat_after_warm =
	        (struct sink_latency){.count = 1999000, .p50_ns = 12000, .p99_ns = 40000};
}

static void test_window_after_warmup(void **state)
{
	struct bench_load l;
	struct bench_trial t;
	(void)state;

	paced(&l, &t);
	bench_trial_derive(&l, &t);
	assert_true(fabs(t.window_s - 2.0) < 1e-9);
	assert_int_equal(t.offered, 2000000);
	assert_int_equal(t.delivered, 2500000 - 135 - 499970);
	assert_int_equal(t.verdict_drop, 85);
	assert_int_equal(t.lost, 20); /* rx_full after the warm-up only */
	assert_int_equal(t.warm_lost, 10);
	assert_true(fabs(t.loss_pct - 100.0 * 20 / 2000000) < 1e-9);
	assert_true(fabs(t.offered_mpps - 1.0) < 1e-9);
	assert_true(fabs(t.nic_ns_per_pkt - 200000000.0 / 2000000) < 1e-6);
	assert_true(fabs(t.dispatch_ns_per_pkt - 900000000.0 / t.delivered) < 1e-6);
	assert_true(fabs(t.router_ns_per_pkt - 100000000.0 / t.delivered) < 1e-6);
	assert_true(fabs(t.nf_ns_per_pkt - 1200000000.0 / t.delivered) < 1e-6);
	assert_true(fabs(t.host_ns_per_pkt - t.dispatch_ns_per_pkt - t.nf_ns_per_pkt) < 1e-6);
	assert_true(t.lat_p50_us == 12.0 && t.lat_p99_us == 40.0);
	assert_int_equal(t.lat_count, 1999000);
	assert_true(t.conserved);
	assert_false(t.rate_short);
	assert_false(t.stopped);
}

static void test_generator_short_and_stopped(void **state)
{
	struct bench_load l;
	struct bench_trial t;
	(void)state;

	/* the window offered 2 % below the rate: short */
	paced(&l, &t);
	t.r.elapsed = 2.5 + 0.04;
	bench_trial_derive(&l, &t);
	assert_true(t.rate_short);
	assert_false(t.stopped); /* slow, not stopped */

	/* within the tolerance: not short */
	paced(&l, &t);
	t.r.elapsed = 2.5 + 0.01;
	bench_trial_derive(&l, &t);
	assert_false(t.rate_short);

	/* a signal: fewer than 'count' frames, and early */
	paced(&l, &t);
	t.r.packets_in = 1200000;
	t.r.elapsed = 1.2;
	bench_trial_derive(&l, &t);
	assert_true(t.rate_short);
	assert_true(t.stopped);

	/* an unpaced, time-bounded trial that ended well before its time */
	paced(&l, &t);
	l.rate = 0;
	l.count = 0;
	l.duration = 0.7;
	t.r.elapsed = 0.3;
	bench_trial_derive(&l, &t);
	assert_false(t.rate_short);
	assert_true(t.stopped);

	/* conservation is the manager's verdict */
	paced(&l, &t);
	t.r.conserved = false;
	bench_trial_derive(&l, &t);
	assert_false(t.conserved);
}

static void test_no_snapshot(void **state)
{
	struct bench_load l;
	struct bench_trial t;
	(void)state;

	paced(&l, &t);
	l.warmup = 0;
	memset(&t.r.warm, 0, sizeof(t.r.warm));
	bench_trial_derive(&l, &t);
	assert_true(t.window_s == 2.5);
	assert_int_equal(t.offered, 2500000);
	assert_int_equal(t.lost, 30);
	assert_int_equal(t.verdict_drop, 105);
	assert_int_equal(t.warm_lost, 0);
	assert_true(t.lat_p50_us == 99.0); /* the whole run's histogram */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_window_after_warmup),
	        cmocka_unit_test(test_generator_short_and_stopped),
	        cmocka_unit_test(test_no_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
