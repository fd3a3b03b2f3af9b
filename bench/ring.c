/*
 * tenet-bench ring: cross-thread ring burst throughput, ours against DPDK's
 * rte_ring, and the pool's alloc/free rate.
 *
 * One producer thread and one consumer thread (pinned to two different CPUs
 * when the affinity mask allows) move --count 16-byte descriptors through a
 * 1024-slot ring in bursts of 1, 8 and 32. rte_ring runs in SP/SC mode with
 * 16-byte elements (the _elem API), so both sides copy the same bytes; it is
 * initialised on plain aligned memory with rte_ring_init, no EAL. Both rings
 * are measured by the same code in the same run, interleaved (the order
 * alternates every repetition), and the median of --reps runs is reported.
 * The consumer checks the sequence it receives, so a run that loses or
 * reorders anything is an error, not a number.
 *
 * The pool figure is single-threaded: alloc_bulk of 32 buffers then
 * free_bulk of the same 32, in a loop; one op is one buffer allocated and
 * freed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_DPDK
#include <rte_ring.h>
#include <rte_ring_elem.h>
#endif

#include "lib/pool_mgr.h"
#include "bench/bench.h"
#include "bench/opts.h"
#include "tenet/log.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

#define RING_SLOTS     1024u
#define MAX_BURST      32u
#define MAX_REPS       101
#define DEFAULT_COUNT  20000000u
#define DEFAULT_REPS   5
#define POOL_BUFS      4096u
#define POOL_OPS_SCALE 4 /* pool loop moves this many times --count buffers */

static const unsigned int bursts[] = {1, 8, 32};

enum impl { IMPL_TENET, IMPL_RTE };

struct run {
	enum impl impl;
	unsigned int burst;
	uint64_t count;
	int cpu[2]; /* producer, consumer; -1: not pinned */
	void *rte;
	/* each thread's private state on its own lines: no false sharing */
	_Alignas(TENET_RING_GAP) struct tenet_ring prod;
	_Alignas(TENET_RING_GAP) struct tenet_ring cons;
	uint64_t t_end;                  /* ns, consumer: last descriptor received */
	uint64_t errors;                 /* consumer: sequence breaks */
	_Alignas(TENET_RING_GAP) int go; /* set by the main thread once both workers spin */
	int ready;                       /* workers that are spinning on go */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Wait step of a worker that found the ring full or empty. After a long run
 * of empty polls the other thread is probably descheduled (a busy machine):
 * give the CPU away rather than spin through its time slice. Both rings go
 * through the same code, so this cannot favour either.
 */
#define SPINS_BEFORE_YIELD 1024u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static inline void backoff(unsigned int *spins)
{
	if (++*spins % SPINS_BEFORE_YIELD == 0)
		sched_yield();
	else
		cpu_relax();
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void wait_go(struct run *r)
{
	__atomic_fetch_add(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static inline unsigned int enq(struct run *r, const struct tenet_desc *d, unsigned int n)
{
#ifdef HAVE_DPDK
	if (r->impl == IMPL_RTE)
		return rte_ring_sp_enqueue_burst_elem(r->rte, d, sizeof(*d), n, NULL);
#endif
	return tenet_ring_enqueue_burst(&r->prod, d, n);
}

static inline unsigned int deq(struct run *r, struct tenet_desc *d, unsigned int n)
{
#ifdef HAVE_DPDK
	if (r->impl == IMPL_RTE)
		return rte_ring_sc_dequeue_burst_elem(r->rte, d, sizeof(*d), n, NULL);
#endif
	return tenet_ring_dequeue_burst(&r->cons, d, n);
}

static void *producer(void *arg)
{
	struct run *r = arg;
	struct tenet_desc d[MAX_BURST];
	uint64_t seq = 0;
	unsigned int spins = 0;

	pin(r->cpu[0]);
	memset(d, 0, sizeof(d));
	wait_go(r);
	while (seq < r->count) {
		unsigned int n = r->burst, sent = 0;

		if (n > r->count - seq)
			n = (unsigned int)(r->count - seq);
		for (unsigned int i = 0; i < n; i++)
			d[i].buf = (uint32_t)(seq + i);
		while (sent < n) {
			unsigned int k = enq(r, d + sent, n - sent);

			if (k == 0)
				backoff(&spins);
			else
				spins = 0;
			sent += k;
		}
		seq += n;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	struct tenet_desc d[MAX_BURST];
	uint64_t seq = 0, errors = 0;
	unsigned int spins = 0;

	pin(r->cpu[1]);
	wait_go(r);
	while (seq < r->count) {
		unsigned int k = deq(r, d, r->burst);

		if (k == 0) {
			backoff(&spins);
			continue;
		}
		spins = 0;
		for (unsigned int i = 0; i < k; i++, seq++)
			errors += d[i].buf != (uint32_t)seq;
	}
	r->t_end = now_ns();
	r->errors = errors;
	return NULL;
}

/* One timed transfer of r->count descriptors. Returns Mops/s, or -1. */
static double run_once(struct run *r)
{
	pthread_t tp, tc;
	uint64_t t0;

	r->go = 0;
	r->ready = 0;
	r->errors = 0;
	if (pthread_create(&tc, NULL, consumer, r))
		return -1;
	if (pthread_create(&tp, NULL, producer, r)) {
		r->count = 0; /* the consumer has nothing to wait for */
		__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
		pthread_join(tc, NULL);
		return -1;
	}
	while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) < 2)
		sched_yield();
	t0 = now_ns();
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	if (r->errors)
		return -1;
	return (double)r->count / ((double)(r->t_end - t0) / 1e9) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The first two CPUs this process may run on; -1 where there are none. */
static void pick_cpus(int cpu[2])
{
	cpu_set_t set;
	int found = 0;

	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int i = 0; i < CPU_SETSIZE && found < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[found++] = i;
	if (found < 2)
		cpu[0] = cpu[1] = -1; /* one CPU: let the scheduler share it */
}

static double pool_rate(uint64_t ops)
{
	struct tenet_pool *p;
	uint32_t bufs[MAX_BURST];
	uint64_t t0, done = 0;
	tenet_log_fn old = tenet_set_log(NULL);

	p = tenet_pool_create("bench", POOL_BUFS, 0, TENET_POOL_F_NO_HUGE);
	tenet_set_log(old);
	if (!p)
		return -1;
	t0 = now_ns();
	while (done < ops) {
		if (tenet_pool_alloc_bulk(p, bufs, MAX_BURST) ||
		    tenet_pool_free_bulk(p, bufs, MAX_BURST) != MAX_BURST) {
			tenet_pool_destroy(p);
			return -1;
		}
		done += MAX_BURST;
	}
	t0 = now_ns() - t0;
	tenet_pool_destroy(p);
	return (double)done / ((double)t0 / 1e9) / 1e6;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench ring [--count N] [--reps N] [--json]\n"
	        "\n"
	        "Cross-thread SPSC ring throughput at burst 1, 8 and 32: tenet's ring and\n"
	        "DPDK rte_ring (SP/SC, 16-byte elements) measured side by side, interleaved,\n"
	        "median of the repetitions; then the pool's alloc+free rate (bulk 32).\n"
	        "\n"
	        "  --count N   descriptors per run (default %u); the pool loop does 4x N\n"
	        "  --reps N    repetitions per ring and burst size, 1..%d (default %d)\n"
	        "  --json      print a JSON array instead of text\n"
	        "  --help      this text\n",
	        DEFAULT_COUNT, MAX_REPS, DEFAULT_REPS);
}

int bench_ring(int argc, char **argv)
{
	uint64_t count = DEFAULT_COUNT, reps = DEFAULT_REPS;
	double res[2][sizeof(bursts) / sizeof(bursts[0])];
	double samples[2][MAX_REPS], pool_samples[MAX_REPS], pool_med;
	struct run r;
	void *tenet_mem = NULL, *rte_mem = NULL;
	bool json = false, have_rte = false;
	int rc = 1;

	{
		struct bench_opts o;
		int e;

		bench_opts_default(&o);
		o.count = DEFAULT_COUNT;
		o.reps = DEFAULT_REPS;
		o.max_reps = MAX_REPS;
		e = bench_opts_parse(argc, argv, "tenet-bench ring", NULL, NULL, NULL, usage, &o);
		if (e)
			return e == 1 ? 0 : e;
		if (o.ndr || o.csv || o.plot) {
			fprintf(stderr, "tenet-bench ring: --ndr, --csv and --plot are not for the "
			                "ring micro-benchmark\n");
			return 2;
		}
		if (o.count > UINT32_MAX) {
			fprintf(stderr, "tenet-bench ring: --count wants 1..%u\n", UINT32_MAX);
			return 2;
		}
		count = o.count;
		reps = o.reps;
		json = o.json;
	}

	memset(&r, 0, sizeof(r));
	pick_cpus(r.cpu);
	tenet_mem = aligned_alloc(TENET_RING_GAP,
	                          (tenet_ring_memsize(RING_SLOTS) + TENET_RING_GAP - 1) /
	                                  TENET_RING_GAP * TENET_RING_GAP);
	if (!tenet_mem)
		goto out;
#ifdef HAVE_DPDK
	{
		ssize_t sz = rte_ring_get_memsize_elem(sizeof(struct tenet_desc), RING_SLOTS);

		if (sz > 0)
			rte_mem = aligned_alloc(RTE_CACHE_LINE_SIZE,
			                        ((size_t)sz + RTE_CACHE_LINE_SIZE - 1) /
			                                RTE_CACHE_LINE_SIZE * RTE_CACHE_LINE_SIZE);
		have_rte = rte_mem && rte_ring_init(rte_mem, "bench", RING_SLOTS,
		                                    RING_F_SP_ENQ | RING_F_SC_DEQ) == 0;
		if (!have_rte)
			fprintf(stderr, "tenet-bench ring: rte_ring_init on plain memory failed\n");
	}
#endif
	if (!json)
		fprintf(stderr,
		        "# %llu descriptors per run, %llu reps, ring %u slots, producer cpu %d, "
		        "consumer cpu %d%s\n",
		        (unsigned long long)count, (unsigned long long)reps, RING_SLOTS, r.cpu[0],
		        r.cpu[1], r.cpu[0] < 0 ? " (not pinned)" : "");

	for (size_t b = 0; b < sizeof(bursts) / sizeof(bursts[0]); b++) {
		for (uint64_t rep = 0; rep < reps; rep++) {
			for (int k = 0; k < 2; k++) {
				/* alternate which ring runs first */
				enum impl impl = (enum impl)((k + rep) % 2);

				if (impl == IMPL_RTE && !have_rte)
					continue;
				r.impl = impl;
				r.burst = bursts[b];
				r.count = count;
				if (impl == IMPL_TENET) {
					tenet_ring_init(tenet_mem, RING_SLOTS);
					tenet_ring_bind_producer(&r.prod, tenet_mem,
					                         tenet_ring_memsize(RING_SLOTS),
					                         RING_SLOTS);
					tenet_ring_bind_consumer(&r.cons, tenet_mem,
					                         tenet_ring_memsize(RING_SLOTS),
					                         RING_SLOTS);
				}
#ifdef HAVE_DPDK
				else {
					rte_ring_reset(rte_mem);
					r.rte = rte_mem;
				}
#endif
				samples[impl][rep] = run_once(&r);
				if (samples[impl][rep] < 0) {
					fprintf(stderr,
					        "tenet-bench ring: %s run at burst %u failed "
					        "(lost or reordered descriptors)\n",
					        impl == IMPL_TENET ? "tenet" : "rte_ring",
					        bursts[b]);
					goto out;
				}
			}
		}
		res[IMPL_TENET][b] = median(samples[IMPL_TENET], (int)reps);
		res[IMPL_RTE][b] = have_rte ? median(samples[IMPL_RTE], (int)reps) : 0;
		if (!json) {
			if (have_rte)
				printf("burst %u: tenet %.1f Mops/s, rte_ring %.1f Mops/s, ratio "
				       "%.2f\n",
				       bursts[b], res[IMPL_TENET][b], res[IMPL_RTE][b],
				       res[IMPL_TENET][b] / res[IMPL_RTE][b]);
			else
				printf("burst %u: tenet %.1f Mops/s, rte_ring not built\n",
				       bursts[b], res[IMPL_TENET][b]);
			fflush(stdout);
		}
	}

	for (uint64_t rep = 0; rep < reps; rep++) {
		pool_samples[rep] = pool_rate(count * POOL_OPS_SCALE);
		if (pool_samples[rep] < 0) {
			fprintf(stderr, "tenet-bench ring: pool run failed\n");
			goto out;
		}
	}
	pool_med = median(pool_samples, (int)reps);

	if (json) {
		printf("[\n");
		for (size_t b = 0; b < sizeof(bursts) / sizeof(bursts[0]); b++) {
			printf("  {\"bench\": \"ring\", \"burst\": %u, \"count\": %llu, \"reps\": "
			       "%llu, "
			       "\"tenet_mops\": %.2f, ",
			       bursts[b], (unsigned long long)count, (unsigned long long)reps,
			       res[IMPL_TENET][b]);
			if (have_rte)
				printf("\"rte_ring_mops\": %.2f, \"ratio\": %.3f},\n",
				       res[IMPL_RTE][b], res[IMPL_TENET][b] / res[IMPL_RTE][b]);
			else
				printf("\"rte_ring_mops\": null, \"ratio\": null},\n");
		}
		printf("  {\"bench\": \"pool\", \"op\": \"alloc+free bulk\", \"burst\": %u, "
		       "\"reps\": %llu, \"mops\": %.2f}\n]\n",
		       MAX_BURST, (unsigned long long)reps, pool_med);
	} else {
		printf("pool: alloc+free bulk %u %.1f Mops/s\n", MAX_BURST, pool_med);
	}
	rc = 0;
out:
	free(tenet_mem);
	free(rte_mem);
	return rc;
}
