/*
 * sink: the port that swallows what the platform transmits and measures
 * it. Per tenant it counts frames and bytes; for frames carrying the
 * generator's stamp (ports/stamp.h) it tracks every flow's sequence numbers
 * (loss, reordering, duplicates) and records latency in a log-linear
 * histogram. This header lets the manager's summary and the benchmarks read
 * those numbers without parsing JSON.
 *
 * Counters are written by the port's thread only; every reader here may run
 * on any thread at any time and sees each counter whole (possibly a few
 * frames old, and counters taken together need not be from the same
 * instant).
 */
#ifndef TENET_PORT_SINK_H
#define TENET_PORT_SINK_H

#include <stdint.h>

#include "ports/port.h"

/*
 * Log-linear latency histogram in ns (HdrHistogram's layout): values below
 * 256 ns have 1 ns buckets; above, each power of two is split into 128
 * buckets, so any value is known within 1/128 (0.8 %). The range is
 * 0 .. 2^34 - 1 ns (17 s); larger values count in 'overflow' and 'max_ns'.
 */
#define SINK_HIST_SUB_BITS 7
#define SINK_HIST_MAX_BITS 34
#define SINK_HIST_BUCKETS  ((SINK_HIST_MAX_BITS - SINK_HIST_SUB_BITS + 1) << SINK_HIST_SUB_BITS)

struct sink_hist {
	uint64_t count;  /* samples, including overflow */
	uint64_t sum_ns; /* for the mean */
	uint64_t min_ns; /* UINT64_MAX while empty */
	uint64_t max_ns;
	uint64_t overflow; /* samples >= 2^SINK_HIST_MAX_BITS ns */
	uint64_t bucket[SINK_HIST_BUCKETS];
};

void sink_hist_init(struct sink_hist *h);
void sink_hist_record(struct sink_hist *h, uint64_t ns);
/*
 * Value at percentile pct (0..100): the smallest recorded value v such that
 * at least pct % of samples are <= v, rounded up to the top of its bucket
 * and capped at max_ns. 0 for an empty histogram.
 */
uint64_t sink_hist_value_at(const struct sink_hist *h, double pct);
/* Bucket index of a value and the highest value of a bucket (for tests). */
unsigned int sink_hist_index(uint64_t ns);
uint64_t sink_hist_bucket_top(unsigned int idx);

struct sink_latency {
	uint64_t count, min_ns, mean_ns, p50_ns, p99_ns, p999_ns, max_ns, overflow;
};

struct sink_stats {
	uint64_t packets, bytes;     /* every frame (bytes without FCS) */
	uint64_t stamped, unstamped; /* with / without a valid generator stamp */
	uint64_t csum_checked;       /* stamped frames whose IPv4/TCP/UDP checksums were verified */
	uint64_t csum_bad;   /* of those, frames with a wrong checksum: altered in transit */
	uint64_t flows;      /* distinct stamped flows tracked */
	uint64_t untracked;  /* stamped frames of flows beyond the flow table */
	uint64_t lost;       /* sequence numbers never seen (so far) */
	uint64_t reordered;  /* arrived after a higher sequence number of their flow */
	uint64_t duplicates; /* sequence number seen before */
	uint64_t tenant_packets[CFG_MAX_TENANTS], tenant_bytes[CFG_MAX_TENANTS];
	uint64_t tenant_other; /* frames whose tenant index is >= CFG_MAX_TENANTS */
	uint64_t tenant_csum_bad[CFG_MAX_TENANTS]; /* csum_bad per tenant */
	struct sink_latency lat;                   /* over stamped frames */
};

struct sink_flow_stats {
	uint64_t packets, lost, reordered, duplicates;
	uint64_t max_seq; /* highest sequence number seen */
};

/*
 * Snapshot of a sink port's counters with the latency percentiles worked
 * out. Returns 0, or -EINVAL if p is not an open sink port.
 */
int port_sink_stats(struct port *p, struct sink_stats *st);
/* Copy of the latency histogram. 0 or -EINVAL. */
int port_sink_hist(struct port *p, struct sink_hist *h);
/* One flow's counters by stamp flow id. 0, -ENOENT if never seen, -EINVAL. */
int port_sink_flow(struct port *p, uint32_t flow, struct sink_flow_stats *fs);

#endif /* TENET_PORT_SINK_H */
