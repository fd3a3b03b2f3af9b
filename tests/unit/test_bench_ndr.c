/*
 * Unit tests of the NDR / PDR search (bench/ndr.c) against a simulated
 * device, no platform and no clock.
 *
 * The device forwards up to 'cap' pps without loss; above that it loses
 * exactly what exceeds it (so PDR, 0.5 % loss, is cap / 0.995). What is
 * checked: the bounds come out within the width of the true rates, the
 * NDR below or at the true NDR and the PDR likewise; every bound the
 * result names was measured at the final duration and the upper bound
 * lost more than the target; the first trial is unpaced; a device whose
 * capacity drops in long trials (a short trial passes where a long one
 * loses) ends with a bound from the long trials; a device faster than the
 * generator gives the cap, flagged; one slower than the floor gives no
 * bound; a generator that falls short counts as loss; an invalid trial
 * stops the search with -EPROTO; bad options are refused. With the
 * default exceed ratio (0.5 of 3 final trials) a device that loses in
 * one trial of three at any rate still gets its true NDR, from at least
 * two clean final trials at it; the strict search (exceed ratio 0, one
 * trial) names a single clean trial; a rate that loses in two trials of
 * three is an upper bound; bad goal options are refused.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bench/ndr.h"

#define MAX_TRIALS 256

struct dev {
	double cap;       /* pps forwarded without loss in long trials */
	double short_cap; /* pps in trials shorter than 1 s (0: as cap) */
	double gen_max;   /* the generator's full speed */
	double gen_short; /* the generator falls short above this (0: never) */
	int invalid_at;   /* trial id reported invalid (-1: none) */
	unsigned int
	        stall_every; /* every n-th trial of >= 1 s loses stall_lost packets (0: never) */
	uint64_t stall_lost;
	unsigned int nb_long; /* trials of >= 1 s so far */
	unsigned int n;
	struct ndr_trial log[MAX_TRIALS];
	unsigned int progress_calls;
};

static int sim_trial(void *arg, struct ndr_trial *t)
{
	struct dev *d = arg;
	double rate = t->rate > 0 ? t->rate : d->gen_max;
	double cap = t->duration < 1.0 && d->short_cap ? d->short_cap : d->cap;
	double fwd = rate < cap ? rate : cap;

	t->offered = (uint64_t)llround(rate * t->duration);
	t->lost = t->offered - (uint64_t)llround(fwd * t->duration);
	if (d->stall_every && t->rate > 0 && t->duration >= 1.0 &&
	    ++d->nb_long % d->stall_every == 0 && t->lost < d->stall_lost)
		t->lost = d->stall_lost; /* a host stall, whatever the rate */
	t->offered_pps = rate;
	t->delivered_pps = fwd;
	t->rate_short = d->gen_short > 0 && rate > d->gen_short;
	t->valid = (int)t->id != d->invalid_at;
	assert_true(d->n < MAX_TRIALS);
	d->log[d->n++] = *t;
	return 0;
}

static void count_progress(void *arg, unsigned int phase, unsigned int nb_phases,
                           const char *target, const struct ndr_trial *t)
{
	struct dev *d = arg;

	assert_true(phase < nb_phases);
	assert_non_null(target);
	assert_int_equal(t->id, d->progress_calls);
	d->progress_calls++;
}

static void dev_init(struct dev *d, double cap, double gen_max)
{
	memset(d, 0, sizeof(*d));
	d->cap = cap;
	d->gen_max = gen_max;
	d->invalid_at = -1;
}

static void opts_init(struct ndr_opts *o, struct dev *d)
{
	ndr_opts_default(o);
	o->progress = count_progress;
	o->progress_arg = d;
}

/* The trial a bound names, checked against the log. */
static const struct ndr_trial *logged(const struct dev *d, unsigned int id)
{
	assert_true(id < d->n);
	assert_int_equal(d->log[id].id, id);
	return &d->log[id];
}

static void check_bound(const struct dev *d, const struct ndr_opts *o, const struct ndr_bound *b,
                        double truth, double allowed)
{
	const struct ndr_trial *lo, *hi;

	assert_true(b->found);
	assert_true(b->rate <= truth + 1);
	assert_true(b->rate >= truth * (1 - o->width) - 1);
	lo = logged(d, b->lower_id);
	assert_true(lo->duration == o->final_s);
	assert_true(lo->rate == b->rate);
	assert_true(ndr_loss_ratio(lo) <= allowed);
	if (b->upper > 0) {
		hi = logged(d, b->upper_id);
		assert_true(hi->duration == o->final_s);
		assert_true(hi->rate == b->upper);
		assert_true(ndr_loss_ratio(hi) > allowed);
		assert_true(b->upper - b->rate <= o->width * b->upper + 1);
	}
}

static void test_finds_both_rates(void **state)
{
	static const double caps[] = {20000, 333333, 1.2e6, 2.9e6};
	(void)state;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct ndr_opts o;
		struct ndr_result r;
		struct dev d;

		dev_init(&d, caps[i], 5e6);
		opts_init(&o, &d);
		assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
		assert_true(d.log[0].rate == 0); /* the unpaced trial first */
		assert_true(r.max_rate == 5e6);
		assert_false(r.capped);
		check_bound(&d, &o, &r.ndr, caps[i], 0);
		check_bound(&d, &o, &r.pdr, caps[i] / (1 - o.pdr_loss), o.pdr_loss);
		assert_true(r.pdr.rate >= r.ndr.rate);
		assert_int_equal(r.trials, d.n);
		assert_int_equal(d.progress_calls, d.n);
		assert_true(r.trials < 60);
	}
}

static void test_short_trials_are_hints(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	/* 1 Mpps in short trials, 0.8 Mpps in long ones */
	dev_init(&d, 800000, 4e6);
	d.short_cap = 1e6;
	opts_init(&o, &d);
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	check_bound(&d, &o, &r.ndr, 800000, 0);
}

static void test_generator_limited(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	dev_init(&d, 9e6, 2e6);
	opts_init(&o, &d);
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	assert_true(r.capped);
	assert_true(r.ndr.found && r.ndr.rate == 2e6);
	assert_true(r.ndr.upper == 0);
	assert_true(logged(&d, r.ndr.lower_id)->duration == o.final_s);
	assert_true(r.pdr.rate == 2e6);

	/* a cap given in the options wins over the generator's speed */
	dev_init(&d, 9e6, 2e6);
	opts_init(&o, &d);
	o.max_rate = 500000;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	assert_true(r.capped && r.ndr.rate == 500000);
}

static void test_below_floor(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	dev_init(&d, 5000, 1e6);
	opts_init(&o, &d);
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	assert_false(r.ndr.found);
	assert_true(r.ndr.rate == 0);
	assert_false(r.pdr.found);
	assert_false(r.capped);
}

static void test_generator_short_is_loss(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	/* the device could take 3 Mpps but the generator only paces 1 Mpps exactly */
	dev_init(&d, 3e6, 4e6);
	d.gen_short = 1e6;
	opts_init(&o, &d);
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	check_bound(&d, &o, &r.ndr, 1e6, 0);
	assert_false(r.capped);
}

static void test_invalid_trial_stops(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	dev_init(&d, 1e6, 4e6);
	d.invalid_at = 3;
	opts_init(&o, &d);
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EPROTO);
	assert_int_equal(r.trials, 4);
	assert_int_equal(d.n, 4);
}

static void test_single_phase_and_bad_options(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	dev_init(&d, 700000, 4e6);
	opts_init(&o, &d);
	o.phases = 1;
	o.final_s = 3;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	for (unsigned int i = 0; i < d.n; i++)
		assert_true(d.log[i].duration == 3);
	check_bound(&d, &o, &r.ndr, 700000, 0);

	opts_init(&o, &d);
	o.phases = 0;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EINVAL);
	opts_init(&o, &d);
	o.initial_s = 5; /* longer than the final trials */
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EINVAL);
	opts_init(&o, &d);
	o.width = 0;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EINVAL);
	opts_init(&o, &d);
	o.pdr_loss = 0;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EINVAL);
	assert_int_equal(ndr_search(&o, NULL, &d, &r), -EINVAL);
}

static void test_exceed_ratio_rides_out_stalls(void **state)
{
	struct ndr_opts o;
	struct ndr_result r, strict;
	unsigned int stalled_at_ndr = 0;
	struct dev d;
	(void)state;

	/* 1.2 Mpps without loss, but every third long trial loses 40 packets;
	 * the stalls fall on other trials for each offset */
	for (unsigned int off = 0; off < 3; off++) {
		dev_init(&d, 1.2e6, 5e6);
		d.stall_every = 3;
		d.stall_lost = 40;
		d.nb_long = off;
		opts_init(&o, &d);
		assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
		check_bound(&d, &o, &r.ndr, 1.2e6, 0);
		/* 2 or 3 final trials at the lower bound, at most one of them losing */
		assert_true(r.ndr.lower_trials >= 2 && r.ndr.lower_trials <= 3);
		assert_true(r.ndr.lower_losing <= 1);
		assert_true(r.ndr.lower_trials - r.ndr.lower_losing >= 2);
		stalled_at_ndr += r.ndr.lower_losing;
		for (unsigned int i = 0; i < d.n; i++)
			if (d.log[i].duration == o.final_s && d.log[i].rate == r.ndr.rate)
				assert_true(d.log[i].lost <= 40);
	}
	/* a stall hit the NDR's own trials at least once, and was outvoted */
	assert_true(stalled_at_ndr > 0);

	/* the strict search: one final trial per rate */
	dev_init(&d, 1.2e6, 5e6);
	d.stall_every = 3;
	d.stall_lost = 40;
	opts_init(&o, &d);
	o.exceed_ratio = 0;
	o.goal_trials = 1;
	o.phases = 1; /* every trial at the final duration, as in RFC 2544's binary search */
	assert_int_equal(ndr_search(&o, sim_trial, &d, &strict), 0);
	/* strict: the bound is one final trial, without loss; no rate above it passed */
	assert_true(strict.ndr.found && strict.ndr.rate <= 1.2e6);
	assert_true(strict.ndr.lower_trials == 1 && strict.ndr.lower_losing == 0);
}

static void test_losing_twice_in_three_is_upper(void **state)
{
	struct ndr_opts o;
	struct ndr_result r;
	struct dev d;
	(void)state;

	/* two trials in three lose: no rate above the floor can pass NDR */
	dev_init(&d, 1e6, 4e6);
	d.stall_every = 1;
	d.stall_lost = 5;
	opts_init(&o, &d);
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), 0);
	assert_false(r.ndr.found);
	/* 5 packets are far below 0.5 %: PDR is unaffected */
	check_bound(&d, &o, &r.pdr, 1e6 / (1 - o.pdr_loss), o.pdr_loss);

	opts_init(&o, &d);
	o.goal_trials = 0;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EINVAL);
	opts_init(&o, &d);
	o.exceed_ratio = 1;
	assert_int_equal(ndr_search(&o, sim_trial, &d, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_finds_both_rates),
	        cmocka_unit_test(test_short_trials_are_hints),
	        cmocka_unit_test(test_generator_limited),
	        cmocka_unit_test(test_below_floor),
	        cmocka_unit_test(test_generator_short_is_loss),
	        cmocka_unit_test(test_invalid_trial_stops),
	        cmocka_unit_test(test_single_phase_and_bad_options),
	        cmocka_unit_test(test_exceed_ratio_rides_out_stalls),
	        cmocka_unit_test(test_losing_twice_in_three_is_upper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
