/*
 * Unit tests of tenet-bench's runs side by side (bench_ndr_run_side in
 * bench/harness.c), on a made-up back end: a device per run that forwards
 * up to its capacity and loses the rest, so that every search is
 * deterministic.
 *
 * What is checked: each run finds what it finds alone (the same NDR, PDR
 * and trial count as bench_ndr_run one after the other); every trial runs
 * on the calling thread; the runs take turns, one trial each, while all
 * of them are searching (the trial log is A B C A B C ... up to the
 * shortest run); a run that finishes first drops out and the others go on
 * to the end; a trial stopped by a signal ends every run.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bench/harness.h"

#define MAX_LOG 4096

/* One made-up device: forwards up to cap pps without loss. */
struct device {
	unsigned int id;
	double cap;
};

static unsigned int trial_log[MAX_LOG], nb_log;
static bool off_thread;     /* a trial ran on another thread than the caller's */
static pthread_t caller;    /* the thread that called bench_ndr_run_side */
static int stop_after = -1; /* the trial at which a signal "arrives" (-1: none) */

static int fake_backend(void *be, void *arg, const struct bench_load *l, struct bench_trial *t)
{
	const struct device *d = arg;
	double s = l->trial_s, rate = l->rate > 0 ? l->rate : d->cap * 1.5;
	uint64_t offered = (uint64_t)(rate * s);
	uint64_t sent = (uint64_t)((rate < d->cap ? rate : d->cap) * s);

	(void)be;
	if (!pthread_equal(pthread_self(), caller))
		off_thread = true;
	if (nb_log < MAX_LOG)
		trial_log[nb_log] = d->id;
	memset(t, 0, sizeof(*t));
	t->stopped = stop_after >= 0 && nb_log >= (unsigned int)stop_after;
	nb_log++;
	t->window_s = s;
	t->offered = offered;
	t->delivered = sent;
	t->lost = offered - sent;
	t->offered_mpps = (double)offered / s / 1e6;
	t->mpps = (double)sent / s / 1e6;
	t->loss_pct = offered ? 100.0 * (double)t->lost / (double)offered : 0;
	t->conserved = true;
	return 0;
}

static void harness(struct bench_harness *h)
{
	memset(h, 0, sizeof(*h));
	h->who = "test";
	h->err = fopen("/dev/null", "w");
	assert_non_null(h->err);
	h->backend = fake_backend;
	caller = pthread_self();
	nb_log = 0;
	off_thread = false;
	stop_after = -1;
}

static void opts(struct bench_ndr_opts *o, const char *label)
{
	bench_ndr_opts_default(o);
	o->warmup = 0;
	o->search.final_s = 1;
	o->search.initial_s = 0.1;
	o->size = 64;
	o->label = label;
}

static struct device dev[3] = {{0, 1.5e6}, {1, 4.2e6}, {2, 2.75e6}};
static const char *const names[3] = {"A", "B", "C"};

static void test_side_by_side_finds_what_alone_finds(void **state)
{
	struct bench_harness h;
	struct bench_side side[3];
	struct bench_ndr alone[3];
	unsigned int trials[3] = {0}, shortest = UINT32_MAX;
	(void)state;

	harness(&h);
	for (int i = 0; i < 3; i++) {
		struct bench_ndr_opts o;

		opts(&o, names[i]);
		assert_int_equal(bench_ndr_run(&h, NULL, &dev[i], &o, &alone[i]), 0);
	}
	harness(&h);
	for (int i = 0; i < 3; i++) {
		side[i] = (struct bench_side){.cfg = NULL, .arg = &dev[i]};
		opts(&side[i].o, names[i]);
	}
	assert_int_equal(bench_ndr_run_side(&h, side, 3), 0);
	assert_false(off_thread);
	assert_null(h.side);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(side[i].rc, 0);
		assert_true(side[i].out.res.ndr.found);
		assert_true(side[i].out.res.ndr.rate == alone[i].res.ndr.rate);
		assert_true(side[i].out.res.pdr.rate == alone[i].res.pdr.rate);
		assert_int_equal(side[i].out.res.trials, alone[i].res.trials);
		/* the device's capacity, within the search's width */
		assert_true(side[i].out.res.ndr.rate <= dev[i].cap);
		assert_true(side[i].out.res.ndr.rate >= dev[i].cap * 0.98);
	}
	/* every trial is logged once: the searches' and the latency trials */
	for (unsigned int k = 0; k < nb_log; k++)
		trials[trial_log[k]]++;
	for (int i = 0; i < 3; i++) {
		unsigned int lat = side[i].out.lat_done[0] + side[i].out.lat_done[1];

		assert_int_equal(trials[i], side[i].out.res.trials + lat);
		if (trials[i] < shortest)
			shortest = trials[i];
	}
	/* in turns while all three run: A B C A B C ... */
	assert_true(shortest > 3);
	for (unsigned int k = 0; k < 3 * shortest; k++)
		assert_int_equal(trial_log[k], k % 3);
	/* then the others go on without the one that finished */
	assert_int_equal(nb_log, trials[0] + trials[1] + trials[2]);
	fclose(h.err);
}

static void test_a_stopped_trial_ends_every_run(void **state)
{
	struct bench_harness h;
	struct bench_side side[3];
	(void)state;

	harness(&h);
	stop_after = 4; /* the fifth trial (B's second) is stopped */
	for (int i = 0; i < 3; i++) {
		side[i] = (struct bench_side){.cfg = NULL, .arg = &dev[i]};
		opts(&side[i].o, names[i]);
	}
	assert_int_equal(bench_ndr_run_side(&h, side, 3), 0);
	/* the stopped one and every later request end their runs: no trial
	 * after the stopped one reaches the back end */
	assert_int_equal(nb_log, 5);
	for (int i = 0; i < 3; i++)
		assert_int_equal(side[i].rc, -EINTR);
	assert_null(h.side);
	fclose(h.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_side_by_side_finds_what_alone_finds),
	        cmocka_unit_test(test_a_stopped_trial_ends_every_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
