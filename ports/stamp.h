/*
 * The generator's payload stamp: 16 bytes at the start of every L4 payload
 * the gen port produces, read back by the sink port to measure loss,
 * reordering, duplicates and latency.
 *
 * 16 bytes, not 24, so that the smallest frame carries it: a 64 B frame on
 * the wire is 60 B without FCS, and UDP/IPv4 leaves 60 - 14 - 20 - 8 = 18 B
 * of payload. To fit, the sequence number and timestamp are truncated and a
 * check byte replaces a long magic:
 *
 *   off  size  field (all little-endian)
 *    0    8    word0: bits  0..39  ts_ns, CLOCK_MONOTONIC ns, low 40 bits
 *                     bits 40..47  check = fold8(flow ^ seq32 ^ ts40) ^ 0xa5
 *                     bits 48..63  magic 0x7e57
 *    8    4    flow: (gen port index << 24) | flow index within that port
 *   12    4    seq:  per-flow sequence number from 0, low 32 bits
 *
 * A 40-bit timestamp wraps every 1099 s; latency is (now - ts) mod 2^40,
 * correct for any latency below that. The sink extends seq to 64 bits per
 * flow (the value nearest to the highest seen). Magic and check byte
 * together make a false positive on foreign payload about 1 in 2^24.
 */
#ifndef TENET_PORT_STAMP_H
#define TENET_PORT_STAMP_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define STAMP_LEN           16u
#define STAMP_MAGIC         0x7e57u
#define STAMP_TS_BITS       40
#define STAMP_TS_MASK       ((UINT64_C(1) << STAMP_TS_BITS) - 1)
#define STAMP_FLOW_BITS     24 /* flows per generator port */
#define STAMP_FLOW(port, i) (((uint32_t)(port) << STAMP_FLOW_BITS) | (uint32_t)(i))

struct stamp {
	uint32_t flow;
	uint32_t seq;   /* low 32 bits of the per-flow sequence number */
	uint64_t ts_ns; /* low 40 bits of CLOCK_MONOTONIC ns */
};

static inline uint64_t stamp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint8_t stamp_check(uint32_t flow, uint32_t seq, uint64_t ts40)
{
	uint64_t x = (uint64_t)(flow ^ seq) ^ ts40;

	x ^= x >> 32;
	x ^= x >> 16;
	x ^= x >> 8;
	return (uint8_t)(x ^ 0xa5);
}

static inline void stamp_put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static inline void stamp_put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static inline uint64_t stamp_get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline uint32_t stamp_get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* Write a stamp at p (STAMP_LEN bytes). seq and ts_ns are truncated as above. */
static inline void stamp_write(uint8_t *p, uint32_t flow, uint64_t seq, uint64_t ts_ns)
{
	uint64_t ts40 = ts_ns & STAMP_TS_MASK;
	uint32_t seq32 = (uint32_t)seq;
	uint64_t w0 =
	        ts40 | (uint64_t)stamp_check(flow, seq32, ts40) << 40 | (uint64_t)STAMP_MAGIC << 48;

	stamp_put_le64(p, w0);
	stamp_put_le32(p + 8, flow);
	stamp_put_le32(p + 12, seq32);
}

/*
 * Read a stamp from a payload of len bytes. Returns false (and leaves *s
 * unchanged) when the payload is too short or carries no valid stamp.
 */
static inline bool stamp_read(const uint8_t *p, uint32_t len, struct stamp *s)
{
	uint64_t w0, ts40;
	uint32_t flow, seq;

	if (len < STAMP_LEN)
		return false;
	w0 = stamp_get_le64(p);
	if ((w0 >> 48) != STAMP_MAGIC)
		return false;
	ts40 = w0 & STAMP_TS_MASK;
	flow = stamp_get_le32(p + 8);
	seq = stamp_get_le32(p + 12);
	if ((uint8_t)(w0 >> 40) != stamp_check(flow, seq, ts40))
		return false;
	s->flow = flow;
	s->seq = seq;
	s->ts_ns = ts40;
	return true;
}

/* Nanoseconds from a stamp's truncated timestamp to now (full ns). */
static inline uint64_t stamp_age_ns(uint64_t now_ns, uint64_t ts40)
{
	return (now_ns - ts40) & STAMP_TS_MASK;
}

#endif /* TENET_PORT_STAMP_H */
