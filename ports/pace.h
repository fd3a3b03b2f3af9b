/*
 * Pacing for the software rx ports (gen, pcap): a token bucket against
 * CLOCK_MONOTONIC for rate_pps, plus the packet count and the duration
 * after which the source is finished. Private to ports/.
 *
 * The bucket holds at most 'burst' tokens (64 packets or 1 ms of traffic,
 * whichever is more), so a consumer that stalls does not get a long burst
 * afterwards; over any longer window the average rate is rate_pps. The
 * duration clock starts at the first pace_take().
 */
#ifndef TENET_PORT_PACE_H
#define TENET_PORT_PACE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

struct pace {
	double rate;  /* packets per second, 0: unlimited */
	double burst; /* bucket depth, packets */
	double tokens;
	uint64_t last_ns;
	uint64_t start_ns;
	uint64_t count;  /* packets in all, 0: unbounded */
	uint64_t dur_ns; /* 0: unbounded */
	uint64_t sent;
	bool started;
};

static inline void pace_init(struct pace *pc, double rate_pps, uint64_t count, double duration)
{
	*pc = (struct pace){0};
	pc->rate = rate_pps > 0 ? rate_pps : 0;
	pc->burst = pc->rate / 1000.0 > 64.0 ? pc->rate / 1000.0 : 64.0;
	pc->count = count;
	pc->dur_ns = duration > 0 ? (uint64_t)(duration * 1e9) : 0;
}

/*
 * How many of n frames may be produced at now_ns: 0..n, or -ENODATA once
 * count or duration is reached. The caller reports what it produced with
 * pace_commit(), which returns unused tokens.
 */
static inline int pace_take(struct pace *pc, uint64_t now_ns, unsigned int n)
{
	if (!pc->started) {
		pc->started = true;
		pc->start_ns = now_ns;
		pc->last_ns = now_ns;
		pc->tokens = pc->rate > 0 ? 1.0 : 0;
	}
	if (pc->count && pc->sent >= pc->count)
		return -ENODATA;
	if (pc->dur_ns && now_ns - pc->start_ns >= pc->dur_ns)
		return -ENODATA;
	if (pc->count && pc->count - pc->sent < n)
		n = (unsigned int)(pc->count - pc->sent);
	if (pc->rate > 0) {
		if (now_ns > pc->last_ns) {
			pc->tokens += (double)(now_ns - pc->last_ns) * pc->rate * 1e-9;
			if (pc->tokens > pc->burst)
				pc->tokens = pc->burst;
			pc->last_ns = now_ns;
		}
		if (pc->tokens < (double)n)
			n = (unsigned int)pc->tokens;
		pc->tokens -= (double)n;
	}
	return (int)n;
}

/* 'used' of the 'granted' frames were produced. */
static inline void pace_commit(struct pace *pc, unsigned int granted, unsigned int used)
{
	pc->sent += used;
	if (pc->rate > 0)
		pc->tokens += (double)(granted - used);
}

#endif /* TENET_PORT_PACE_H */
