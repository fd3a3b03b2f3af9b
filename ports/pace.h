/*
 * Pacing for the software rx ports (gen, pcap): a token bucket against
 * CLOCK_MONOTONIC for rate_pps, plus the packet count and the duration
 * after which the source is finished. Private to ports/.
 *
 * The wire does not wait for the host. Frames arrive at rate_pps whether
 * or not the NIC stage's thread runs; the ones it has not taken wait in
 * the port's receive ring, PACE_RX_RING descriptors as on a NIC, and the
 * stage takes them in bursts when it runs again. What arrives while the
 * ring is full is lost as a NIC loses it (DPDK's imissed): counted in
 * 'missed' (and in 'sent': the wire sent it), never produced; the driver
 * reports it through rx_missed (ports/port.h) and the NIC stage counts it
 * in packets_in and drops it as rx_missed. So a thread that stalls loses
 * frames only past the ring, and the offered rate stays rate_pps over any
 * window. The duration clock starts at the first pace_take().
 */
#ifndef TENET_PORT_PACE_H
#define TENET_PORT_PACE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* Descriptors in the software port's receive ring (mlx5 and ice: 8192, 8160 at most). */
#define PACE_RX_RING 8192

struct pace {
	double rate;  /* packets per second, 0: unlimited */
	double burst; /* bucket depth: the receive ring, packets */
	double tokens;
	uint64_t last_ns;
	uint64_t start_ns;
	uint64_t count;  /* packets in all, 0: unbounded */
	uint64_t dur_ns; /* 0: unbounded */
	uint64_t sent;   /* produced or missed */
	uint64_t missed; /* arrived while the receive ring was full */
	bool started;
};

static inline void pace_init(struct pace *pc, double rate_pps, uint64_t count, double duration)
{
	*pc = (struct pace){0};
	pc->rate = rate_pps > 0 ? rate_pps : 0;
	pc->burst = PACE_RX_RING;
	pc->count = count;
	pc->dur_ns = duration > 0 ? (uint64_t)(duration * 1e9) : 0;
}

/*
 * How many of n frames may be produced at now_ns: 0..n, or -ENODATA once
 * count is reached, or duration is and the ring is empty. The caller
 * reports what it produced with pace_commit(), which returns unused
 * tokens.
 */
static inline int pace_take(struct pace *pc, uint64_t now_ns, unsigned int n)
{
	uint64_t end;
	bool over;

	if (!pc->started) {
		pc->started = true;
		pc->start_ns = now_ns;
		pc->last_ns = now_ns;
		pc->tokens = pc->rate > 0 ? 1.0 : 0;
	}
	if (pc->count && pc->sent >= pc->count)
		return -ENODATA;
	end = pc->dur_ns ? pc->start_ns + pc->dur_ns : UINT64_MAX;
	over = now_ns >= end;
	if (pc->rate == 0) {
		if (over)
			return -ENODATA;
	} else {
		uint64_t t = now_ns < end ? now_ns : end; /* nothing arrives after the end */

		if (t > pc->last_ns) {
			pc->tokens += (double)(t - pc->last_ns) * pc->rate * 1e-9;
			if (pc->tokens > pc->burst) {
				/* arrived with the ring full: lost, unless the count is done */
				uint64_t lost = (uint64_t)(pc->tokens - pc->burst);

				if (pc->count && lost > pc->count - pc->sent)
					lost = pc->count - pc->sent;
				pc->missed += lost;
				pc->sent += lost;
				pc->tokens -= (double)lost;
				if (pc->tokens > pc->burst + 1)
					pc->tokens = pc->burst;
			}
			pc->last_ns = t;
		}
		/* after the end, what waits in the ring is still taken */
		if (over && pc->tokens < 1.0)
			return -ENODATA;
		if (pc->tokens < (double)n)
			n = (unsigned int)pc->tokens;
	}
	if (pc->count && pc->count - pc->sent < n)
		n = (unsigned int)(pc->count - pc->sent);
	if (pc->rate > 0)
		pc->tokens -= (double)n;
	return (int)n;
}

/*
 * How long before now_ns (the last pace_take's) the i-th of the k frames
 * it granted arrived on the wire, in ns; 0 for a source without a rate,
 * whose frames are made when taken. Call it before pace_commit. The
 * granted frames are the oldest in the ring: the tokens left after the
 * grant are the frames that arrived after them, one every 1/rate s, and
 * nothing arrives after the end (last_ns stops there). A latency measured
 * from this time includes the wait in the receive ring, as a tester's
 * timestamp at transmission does.
 */
static inline uint64_t pace_age_ns(const struct pace *pc, uint64_t now_ns, unsigned int k,
                                   unsigned int i)
{
	double later;

	if (pc->rate <= 0)
		return 0;
	later = pc->tokens + (double)(k - 1 - i);
	return (now_ns - pc->last_ns) + (uint64_t)(later * 1e9 / pc->rate);
}

/* 'used' of the 'granted' frames were produced. */
static inline void pace_commit(struct pace *pc, unsigned int granted, unsigned int used)
{
	pc->sent += used;
	if (pc->rate > 0)
		pc->tokens += (double)(granted - used);
}

#endif /* TENET_PORT_PACE_H */
