/*
 * The manager's side of an NF's tx ring: every descriptor an NF wrote is
 * hostile; this reads each once and checks the copy against the pool and
 * its ownership table. Not part of the NF API.
 */
#ifndef TENET_LIB_RING_MGR_H
#define TENET_LIB_RING_MGR_H

#include <stdint.h>

#include "tenet/ring.h"

struct tenet_pool;

/* Why descriptors from an NF were rejected. */
struct tenet_ring_rejects {
	uint64_t buf_range;   /* index >= pool size: forged */
	uint64_t not_owner;   /* buffer not held by this NF: stale, doubled, never received */
	uint64_t bad_len;     /* off/len outside the buffer */
	uint64_t bad_verdict; /* verdict not in enum tenet_verdict */
	uint64_t freed;       /* of bad_len + bad_verdict: buffers taken back and freed */
};

/*
 * Manager: dequeue up to n descriptors from an NF's tx ring, keep only
 * those that are valid, and take them back from the NF. A descriptor is
 * valid when buf < pool size, the ownership table says 'nf_id' holds buf,
 * off + len fits in the buffer (len > 0) and verdict is known. Each valid
 * buffer's owner becomes TENET_OWNER_MGR at once, so an index repeated in
 * the same burst is rejected the second time. Rejected descriptors are
 * counted in *rej. A rejected descriptor whose buffer the NF does hold
 * (bad length or verdict) ends the packet: the buffer is freed and counted
 * in rej->freed. Any other rejected index is ignored, never followed.
 * Returns the number of valid descriptors written to out (0..n).
 */
unsigned int tenet_ring_dequeue_checked(struct tenet_ring *r, struct tenet_pool *pool,
                                        uint16_t nf_id, struct tenet_desc *out, unsigned int n,
                                        struct tenet_ring_rejects *rej);

#endif
