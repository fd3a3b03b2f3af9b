/*
 * AF_XDP socket over a tenant pool: the NIC path of an afxdp port.
 *
 * One tenet_xsk is one AF_XDP socket bound to one (netdev, queue), with its
 * own UMEM, and that UMEM is exactly the caller's memory: the buffer area
 * of a tenant pool (pool->data, nb_bufs * buf_size bytes). Nothing is
 * copied in user space: the kernel (copy mode) or the NIC (zero-copy)
 * writes each received frame straight into a pool buffer, and transmits
 * frames straight from pool buffers. The pool must outlive the socket.
 *
 * Addresses. Every buffer is named by its UMEM offset, i.e. its offset from
 * umem_area: addr = buf_index * frame_size (+ an offset inside the frame
 * where a frame is meant). So buf = addr / frame_size and
 * off = addr % frame_size, exactly the (buf, off) of a tenet_desc.
 *
 *   fill      the caller posts empty buffers. Any address inside a frame
 *             names that frame (aligned mode: the kernel masks the offset).
 *   rx        addr is the UMEM offset of the frame's first byte, len its
 *             length. The kernel leaves XDP_PACKET_HEADROOM (256) bytes for
 *             the XDP program plus o->headroom in front of the frame, so
 *             in every frame the data starts at
 *                 off = tenet_xsk_rx_offset(x) = 256 + headroom,
 *             in copy and in zero-copy mode alike, and at most
 *             tenet_xsk_frame_max(x) = frame_size - off bytes are received
 *             (longer frames are dropped by the kernel, counted in
 *             rx_dropped). Note that this is past pool->headroom
 *             (TENET_HEADROOM, 128): the kernel cannot be asked to place a
 *             frame closer to the buffer start than 256 bytes.
 *   tx        addr is the UMEM offset of the first byte to send (any
 *             offset in the frame; the frame must not cross the end of its
 *             buffer), len its length.
 *   complete  returns each tx address exactly as it was submitted: that
 *             buffer is the caller's again.
 *
 * Between fill and rx, and between tx and complete, a buffer belongs to
 * the kernel: the caller must neither write nor reuse it.
 *
 * Rings. Fill, completion, rx and tx rings have ring_size entries each.
 * The kernel reads the fill ring in batches and publishes how far it has
 * read only when it has used up the batch it last took, so fill-ring room
 * comes back in steps, not frame by frame. Keep at most ring_size / 2
 * buffers posted: then a recycled buffer always finds room, and the kernel
 * never runs dry while buffers wait outside the ring (which would drop
 * frames, counted in rx_fill_ring_empty).
 * One thread at a time per object (the rings are single-producer and
 * single-consumer on the user side). The verbs are bursts: each moves
 * 0..n entries and returns how many.
 *
 * Modes. TENET_XSK_AUTO asks the kernel for zero-copy and falls back to
 * copy mode when the driver cannot (veth, generic XDP); _COPY forces copy,
 * _ZEROCOPY fails with EOPNOTSUPP where the driver has no zero-copy. What
 * was granted is logged at create and returned by tenet_xsk_zerocopy().
 *
 * Frames reach the socket only by an XDP program redirecting them with
 * bpf_redirect_map into an XSKMAP entry, from the same device and queue
 * the socket is bound to (bpf/xsk_redirect.bpf.c, lib/xsk_prog.h, or the
 * classifier's XSKMAP steering in lib/xdp.h).
 *
 * Errors: functions return 0, a count, or -errno; tenet_xsk_create returns
 * NULL with errno set and an explanation in err. Messages go to tenet_log.
 */
#ifndef TENET_LIB_XSK_H
#define TENET_LIB_XSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TENET_XSK_RING_DEFAULT 2048u
#define TENET_XSK_XDP_HEADROOM 256u /* XDP_PACKET_HEADROOM: kernel-reserved in every frame */

enum tenet_xsk_mode {
	TENET_XSK_AUTO = 0, /* zero-copy if the driver has it, else copy */
	TENET_XSK_COPY,     /* force copy mode */
	TENET_XSK_ZEROCOPY, /* zero-copy or fail (EOPNOTSUPP) */
};

struct tenet_xsk_opts {
	const char *ifname;
	uint32_t queue;      /* the device's rx/tx queue the socket is bound to */
	void *umem_area;     /* the tenant pool's buffer area: pool->data; page aligned */
	size_t umem_len;     /* nb_bufs * buf_size */
	uint32_t frame_size; /* pool->buf_size; a power of two 2048..4096 gives aligned mode,
	                      * any other size (>= 2048) unaligned chunks */
	uint32_t headroom;   /* extra bytes the kernel leaves before rx frames (beyond 256) */
	uint32_t ring_size;  /* fill/comp/rx/tx entries, power of two; 0: 2048 */
	int mode;            /* enum tenet_xsk_mode */
};

/* Kernel counters of the socket (XDP_STATISTICS) and user-side counts. */
struct tenet_xsk_stats {
	uint64_t rx_dropped;                /* (k) dropped: e.g. longer than tenet_xsk_frame_max */
	uint64_t rx_invalid_descs;          /* (k) bad fill addresses */
	uint64_t tx_invalid_descs;          /* (k) bad tx descriptors (out of UMEM, too long) */
	uint64_t rx_ring_full;              /* (k) dropped: the rx ring was full */
	uint64_t rx_fill_ring_empty;        /* (k) dropped: no buffer on the fill ring */
	uint64_t tx_ring_empty;             /* (k) kicks that found the tx ring empty */
	uint64_t rx, tx, filled, completed; /* (u) frames through each verb */
	uint64_t kicks;                     /* (u) sendto/recvfrom wakeups issued */
	uint64_t kick_err; /* (u) failed tx kicks (e.g. ENETDOWN): the frames stay queued */
};

struct tenet_xsk;

/*
 * Create the UMEM over o->umem_area (registered as is, pinned by the
 * kernel), the four rings and the socket, bound to o->ifname queue
 * o->queue. No XDP program is loaded: the caller steers frames to the
 * socket (tenet_xsk_map_set). On error NULL is returned, errno is set and
 * err (if not NULL) says what failed in words, e.g.:
 *   EINVAL      bad options (area not page aligned, len not a multiple of
 *               frame_size, ring size not a power of two, no such queue)
 *   ENODEV      no such interface
 *   EBUSY       the queue already has an AF_XDP socket with another UMEM
 *               (retried for 0.5 s first: the kernel frees the queue of a
 *               socket closed just before asynchronously)
 *   EOPNOTSUPP  TENET_XSK_ZEROCOPY on a driver without zero-copy
 *   EPERM       no CAP_NET_RAW (socket) or no CAP_IPC_LOCK beyond
 *   ENOBUFS     RLIMIT_MEMLOCK (UMEM pinning)
 */
struct tenet_xsk *tenet_xsk_create(const struct tenet_xsk_opts *o, char *err, size_t errlen);

/*
 * Close the socket and unregister the UMEM; the area is not touched and may
 * be unmapped right after (the kernel writes no frame into it once the
 * socket is closed, and drops its page pins and the queue binding a moment
 * later, asynchronously). NULL: no-op.
 */
void tenet_xsk_destroy(struct tenet_xsk *x);

/* The socket fd: for poll() and for XSKMAP entries. */
int tenet_xsk_fd(const struct tenet_xsk *x);
/* true if the kernel granted zero-copy, false in copy mode. */
bool tenet_xsk_zerocopy(const struct tenet_xsk *x);
/* Offset inside a frame where received data starts: 256 + headroom. */
uint32_t tenet_xsk_rx_offset(const struct tenet_xsk *x);
/* Longest frame the socket receives: frame_size - tenet_xsk_rx_offset(). */
uint32_t tenet_xsk_frame_max(const struct tenet_xsk *x);

/* Post up to n empty buffers on the fill ring; returns how many were posted. */
unsigned int tenet_xsk_fill(struct tenet_xsk *x, const uint64_t *addr, unsigned int n);
/* Take up to n received frames (addr, len as described above); returns how many. */
unsigned int tenet_xsk_rx(struct tenet_xsk *x, uint64_t *addr, uint32_t *len, unsigned int n);
/*
 * Queue up to n frames for transmission and kick the kernel (copy mode
 * sends at most 32 frames per kick; the kicks are repeated while the
 * kernel makes progress). Returns how many were queued; each comes back
 * through tenet_xsk_complete.
 */
unsigned int tenet_xsk_tx(struct tenet_xsk *x, const uint64_t *addr, const uint32_t *len,
                          unsigned int n);
/* Take up to n completed tx addresses (the buffers are free again); kicks a stalled tx. */
unsigned int tenet_xsk_complete(struct tenet_xsk *x, uint64_t *addr, unsigned int n);
/*
 * need_wakeup handling: wake the kernel if it asked to be woken for the
 * fill ring (rx side) or for a tx ring that still holds frames. Returns 0
 * or -errno.
 */
int tenet_xsk_wakeup(struct tenet_xsk *x);

/* Kernel and user counters. Returns 0 or -errno. */
int tenet_xsk_read_stats(const struct tenet_xsk *x, struct tenet_xsk_stats *s);

/*
 * Put the socket in an XSKMAP: xskmap[key] = x. The program using the map
 * must run on the socket's device, and key must lead frames of the
 * socket's queue there. Returns 0 or -errno.
 */
int tenet_xsk_map_set(int xskmap_fd, uint32_t key, const struct tenet_xsk *x);

#endif /* TENET_LIB_XSK_H */
