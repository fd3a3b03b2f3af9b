/*
 * Packet descriptor: what moves through the rings.
 *
 * A descriptor names a packet by buffer index within the holder's tenant
 * pool, never by pointer, so it means the same thing in every process that
 * maps the pool and nothing at all in a process that does not. It is copied
 * by value (16 bytes, four per cache line).
 *
 * Trust: every field an NF writes is hostile input to the manager. The
 * manager validates buf against the pool size and its private ownership
 * table, off/len against the buffer size, and verdict/arg against the
 * chain; it keeps the authoritative chain position and ingress port in its
 * own private per-buffer state, so an NF cannot skip or repeat a hop by
 * rewriting hop or port.
 */
#ifndef TENET_DESC_H
#define TENET_DESC_H

#include <stdint.h>

/* Verdicts an NF returns for a packet. */
enum tenet_verdict {
	TENET_V_NEXT = 0,       /* continue to the next hop of the chain */
	TENET_V_DROP = 1,       /* drop the packet (counted as dropped by the NF) */
	TENET_V_TO_SERVICE = 2, /* send to service number 'arg' (same chain rules apply) */
	TENET_V_OUT_PORT = 3,   /* send out of port number 'arg' */
	TENET_V_MAX
};

struct tenet_desc {
	uint32_t buf;    /* buffer index in the holder's tenant pool */
	uint16_t off;    /* offset of the frame from the start of the buffer */
	uint16_t len;    /* frame length in bytes */
	uint32_t hash;   /* flow hash (symmetric 5-tuple hash, 0 if not IP) */
	uint8_t port;    /* ingress port */
	uint8_t hop;     /* chain position of the hop that holds the packet */
	uint8_t verdict; /* enum tenet_verdict, written by the NF */
	uint8_t arg;     /* verdict argument: service or port number */
};

_Static_assert(sizeof(struct tenet_desc) == 16, "descriptor must stay 16 bytes");

#endif /* TENET_DESC_H */
