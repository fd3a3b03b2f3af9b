/*
 * Counters and one-way flags between the threads of one process (the
 * manager's, and the port threads of drivers that run their own): each
 * counter has one writer and any number of relaxed readers; a flag is
 * raised once and never lowered. No read-modify-write anywhere.
 */
#ifndef TENET_LIB_CNT_H
#define TENET_LIB_CNT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* CPU time of the calling thread, ns (NIC-stage and host CPU accounting). */
static inline uint64_t mgr_thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Plain counters written by one thread, read by the stats code. */
static inline void cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t cnt_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* One-way flags between manager threads: raised once, never lowered. */
static inline void flag_raise(uint32_t *f)
{
	__atomic_store_n(f, 1, __ATOMIC_RELEASE); /* pairs with flag_up's acquire */
}

static inline bool flag_up(const uint32_t *f)
{
	return __atomic_load_n(f, __ATOMIC_ACQUIRE); /* pairs with flag_raise's release */
}

#endif /* TENET_LIB_CNT_H */
