/*
 * Unit tests of the software ports' pacer (ports/pace.h), on a fake clock.
 *
 * What is checked: a consumer that keeps up gets exactly rate x time and
 * misses nothing; one that stalls for less than the receive ring's worth
 * of frames gets them all afterwards in one burst, missing nothing; one
 * that stalls longer misses exactly what arrived beyond the ring, and
 * produced + missed is still rate x time (the wire does not wait); count
 * bounds produced + missed; after the duration the ring is still drained,
 * then the source ends; an unpaced source is never missed and its frames
 * have no age; the frames taken after a stall carry their arrival times
 * (pace_age_ns), oldest first, one frame time apart, and those taken
 * after the end arrived before it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ports/pace.h"

#define MS 1000000ull

/* Take everything on offer at now, in bursts of 32; returns the frames taken. */
static uint64_t take_all(struct pace *pc, uint64_t now)
{
	uint64_t got = 0;
	int k;

	while ((k = pace_take(pc, now, 32)) > 0) {
		pace_commit(pc, (unsigned int)k, (unsigned int)k);
		got += (uint64_t)k;
	}
	return got;
}

static void test_keeps_up(void **state)
{
	struct pace pc;
	uint64_t got = 0, t0 = 1000 * MS;
	(void)state;

	pace_init(&pc, 1e6, 0, 0); /* 1 Mpps: 1000 frames a millisecond */
	got += take_all(&pc, t0);
	for (uint64_t t = 1; t <= 100; t++)
		got += take_all(&pc, t0 + t * MS);
	/* one token at the start, then 1000 a millisecond */
	assert_int_equal(got, 100 * 1000 + 1);
	assert_int_equal(pc.missed, 0);
	assert_int_equal(pc.sent, got);
}

static void test_short_stall_loses_nothing(void **state)
{
	struct pace pc;
	uint64_t got, t0 = 1000 * MS;
	(void)state;

	pace_init(&pc, 1e6, 0, 0);
	take_all(&pc, t0);
	/* 4 ms without a look: 4000 frames wait in the ring (PACE_RX_RING) */
	got = take_all(&pc, t0 + 4 * MS);
	assert_int_equal(got, 4000);
	assert_int_equal(pc.missed, 0);
}

static void test_long_stall_misses_the_rest(void **state)
{
	struct pace pc;
	uint64_t got, t0 = 1000 * MS;
	(void)state;

	pace_init(&pc, 1e6, 0, 0);
	take_all(&pc, t0);
	/* 10 ms: 10000 frames arrived, the ring held PACE_RX_RING of them */
	got = take_all(&pc, t0 + 10 * MS);
	assert_true(got >= PACE_RX_RING && got <= PACE_RX_RING + 1);
	assert_int_equal(got + pc.missed, 10000);
	assert_int_equal(pc.sent, 10000 + 1);
	/* afterwards the rate goes on as before */
	got = take_all(&pc, t0 + 11 * MS);
	assert_true(got >= 999 && got <= 1001);
}

static void test_count_bounds_produced_and_missed(void **state)
{
	struct pace pc;
	uint64_t got, t0 = 1000 * MS;
	(void)state;

	pace_init(&pc, 1e6, 5000, 0);
	got = take_all(&pc, t0);
	got += take_all(&pc, t0 + 20 * MS); /* 20000 arrive, the count is 5000 */
	assert_int_equal(got + pc.missed, 5000);
	assert_int_equal(pace_take(&pc, t0 + 21 * MS, 32), -ENODATA);
}

static void test_duration_drains_the_ring(void **state)
{
	struct pace pc;
	uint64_t got, t0 = 1000 * MS;
	(void)state;

	pace_init(&pc, 1e6, 0, 0.002); /* 2 ms */
	got = take_all(&pc, t0);
	/* no look until long after the end: what arrived up to the end is taken */
	got += take_all(&pc, t0 + 50 * MS);
	assert_int_equal(got, 2000 + 1); /* one at the start, then one each 1 us */
	assert_int_equal(pc.missed, 0);
	assert_int_equal(pace_take(&pc, t0 + 51 * MS, 32), -ENODATA);
}

static void test_ages_are_arrival_times(void **state)
{
	struct pace pc;
	uint64_t t0 = 1000 * MS, now = t0 + 2 * MS;
	int k;
	(void)state;

	pace_init(&pc, 1e6, 0, 0.010); /* 1 frame a microsecond, 10 ms */
	take_all(&pc, t0);
	/* 2 ms later 2000 frames wait: the first 32 taken are the oldest */
	k = pace_take(&pc, now, 32);
	assert_int_equal(k, 32);
	assert_in_range(pace_age_ns(&pc, now, 32, 0), 1999 * 1000, 2000 * 1000);
	assert_in_range(pace_age_ns(&pc, now, 32, 31), 1968 * 1000, 1969 * 1000);
	assert_int_equal(pace_age_ns(&pc, now, 32, 0) - pace_age_ns(&pc, now, 32, 1), 1000);
	pace_commit(&pc, 32, 32);
	take_all(&pc, now);
	/* taken 5 ms after the end: the 8000 frames that waited arrived
	 * between 2 and 10 ms, none after the end */
	now = t0 + 15 * MS;
	k = pace_take(&pc, now, 32);
	assert_int_equal(k, 32);
	assert_in_range(pace_age_ns(&pc, now, 32, 0), 12999 * 1000, 13000 * 1000);
	assert_in_range(pace_age_ns(&pc, now, 32, 31), 12968 * 1000, 12969 * 1000);
	pace_commit(&pc, 32, 32);
	take_all(&pc, now);
	assert_int_equal(pace_take(&pc, now, 32), -ENODATA);
}

static void test_unpaced_never_misses(void **state)
{
	struct pace pc;
	int k;
	(void)state;

	pace_init(&pc, 0, 100, 0);
	k = pace_take(&pc, 1000 * MS, 64);
	assert_int_equal(k, 64);
	/* made when taken: no time in a receive ring */
	assert_int_equal(pace_age_ns(&pc, 1000 * MS, 64, 0), 0);
	pace_commit(&pc, 64, 64);
	k = pace_take(&pc, 5000 * MS, 64);
	assert_int_equal(k, 36);
	pace_commit(&pc, 36, 36);
	assert_int_equal(pace_take(&pc, 5000 * MS, 64), -ENODATA);
	assert_int_equal(pc.missed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keeps_up),
	        cmocka_unit_test(test_short_stall_loses_nothing),
	        cmocka_unit_test(test_long_stall_misses_the_rest),
	        cmocka_unit_test(test_count_bounds_produced_and_missed),
	        cmocka_unit_test(test_duration_drains_the_ring),
	        cmocka_unit_test(test_unpaced_never_misses),
	        cmocka_unit_test(test_ages_are_arrival_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
