/*
 * AF_XDP socket over a tenant pool (contract: lib/xsk.h).
 *
 * libxdp's <xdp/xsk.h> does the setup (UMEM registration, ring mmaps,
 * bind) with INHIBIT_PROG_LOAD: libxdp never loads or attaches a program
 * here (its multi-program dispatcher needs freplace, which not every kernel
 * allows); the caller's own XDP program steers frames in. The data path is
 * libxdp's inline ring helpers, wrapped in burst verbs that speak UMEM
 * offsets.
 *
 * The ring structs live zeroed in our own object: libxdp 1.3.1 sets up
 * the completion ring without initialising its cached indices, so they
 * must start at zero (the kernel's producer and consumer do too).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/if_xdp.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "lib/xsk.h"
#include "tenet/log.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

_Static_assert(TENET_XSK_XDP_HEADROOM == 256, "XDP_PACKET_HEADROOM");

/* EBUSY at bind is retried this often (a just-closed socket's queue is freed late) */
#define BUSY_TRIES   20
#define BUSY_WAIT_US 25000

struct tenet_xsk {
	struct xsk_ring_prod fill; /* zeroed before xsk_umem__create: see the top */
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	int fd;
	bool zerocopy;
	bool unaligned;
	uint32_t frame_size;
	uint32_t rx_off; /* 256 + headroom */
	uint64_t umem_len;
	uint32_t tx_pending;       /* submitted, not yet completed */
	struct tenet_xsk_stats st; /* user-side counters */
	char ifname[IF_NAMESIZE];
	uint32_t queue;
};

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (level == LIBXDP_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	tenet_log(level == LIBXDP_WARN ? TENET_LOG_WARN : TENET_LOG_DEBUG, "xsk: libxdp: %s", buf);
	return 0;
}

static void say(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tenet_log(TENET_LOG_ERR, "xsk: %s", buf);
	if (err && errlen)
		snprintf(err, errlen, "%s", buf);
}

static unsigned long long memlock_kib(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (unsigned long long)rl.rlim_cur / 1024;
}

/* Why the UMEM could not be made: e is a positive errno. */
static void explain_umem(const struct tenet_xsk_opts *o, int e, char *err, size_t errlen)
{
	switch (e) {
	case EPERM:
	case EACCES:
		say(err, errlen,
		    "%s queue %u: cannot create an AF_XDP socket: %s (needs CAP_NET_RAW, and "
		    "CAP_IPC_LOCK to pin a UMEM beyond RLIMIT_MEMLOCK)",
		    o->ifname, o->queue, strerror(e));
		break;
	case ENOBUFS:
	case ENOMEM:
		say(err, errlen,
		    "%s queue %u: cannot pin the %zu KiB UMEM: %s (without CAP_IPC_LOCK a UMEM "
		    "must fit RLIMIT_MEMLOCK, %llu KiB here)",
		    o->ifname, o->queue, o->umem_len / 1024, strerror(e), memlock_kib());
		break;
	case EAFNOSUPPORT:
		say(err, errlen, "%s queue %u: this kernel has no AF_XDP (CONFIG_XDP_SOCKETS)",
		    o->ifname, o->queue);
		break;
	default:
		say(err, errlen,
		    "%s queue %u: UMEM registration of %zu bytes at %p, frames of %u B, "
		    "headroom %u failed: %s",
		    o->ifname, o->queue, o->umem_len, o->umem_area, o->frame_size, o->headroom,
		    strerror(e));
	}
}

/* Why the socket could not be bound: e is a positive errno. */
static void explain_bind(const struct tenet_xsk_opts *o, int e, char *err, size_t errlen)
{
	switch (e) {
	case EBUSY:
		say(err, errlen,
		    "%s queue %u is busy: another AF_XDP socket with its own UMEM is bound to "
		    "it (one UMEM per device queue: give each tenant its own queue or netdev)",
		    o->ifname, o->queue);
		break;
	case EOPNOTSUPP:
		say(err, errlen,
		    "%s queue %u: the driver has no AF_XDP zero-copy (use copy or auto mode)",
		    o->ifname, o->queue);
		break;
	case EINVAL:
		say(err, errlen,
		    "%s queue %u: bind refused (%s): the device may have no queue %u, or the "
		    "ring size %u is not accepted",
		    o->ifname, o->queue, strerror(e), o->queue,
		    o->ring_size ? o->ring_size : TENET_XSK_RING_DEFAULT);
		break;
	case EPERM:
	case EACCES:
		say(err, errlen, "%s queue %u: %s (AF_XDP needs CAP_NET_RAW)", o->ifname, o->queue,
		    strerror(e));
		break;
	default:
		say(err, errlen, "%s queue %u: AF_XDP socket setup failed: %s", o->ifname, o->queue,
		    strerror(e));
	}
}

static int check_opts(const struct tenet_xsk_opts *o, uint32_t ring, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);

	if (!o->ifname || !o->umem_area || !o->umem_len) {
		say(err, errlen, "no interface or no UMEM area given");
		return -EINVAL;
	}
	if ((uintptr_t)o->umem_area % (uintptr_t)page) {
		say(err, errlen, "%s queue %u: UMEM area %p is not page aligned", o->ifname,
		    o->queue, o->umem_area);
		return -EINVAL;
	}
	if (o->frame_size < 2048 || o->headroom >= o->frame_size - TENET_XSK_XDP_HEADROOM) {
		say(err, errlen,
		    "%s queue %u: frame size %u (at least 2048) or headroom %u (below frame size "
		    "- 256) out of range",
		    o->ifname, o->queue, o->frame_size, o->headroom);
		return -EINVAL;
	}
	if (pow2(o->frame_size) && o->frame_size <= (uint32_t)page && o->umem_len % o->frame_size) {
		say(err, errlen,
		    "%s queue %u: UMEM length %zu is not a multiple of the frame size %u",
		    o->ifname, o->queue, o->umem_len, o->frame_size);
		return -EINVAL;
	}
	if (!pow2(ring) || ring > (1u << 20)) {
		say(err, errlen, "%s queue %u: ring size %u is not a power of two", o->ifname,
		    o->queue, ring);
		return -EINVAL;
	}
	if (o->mode < TENET_XSK_AUTO || o->mode > TENET_XSK_ZEROCOPY) {
		say(err, errlen, "%s queue %u: bad mode %d", o->ifname, o->queue, o->mode);
		return -EINVAL;
	}
	return 0;
}

struct tenet_xsk *tenet_xsk_create(const struct tenet_xsk_opts *o, char *err, size_t errlen)
{
	struct xsk_socket_config sc;
	struct xsk_umem_config uc;
	struct xdp_options xo;
	libxdp_print_fn_t old_print;
	socklen_t xolen = sizeof(xo);
	struct tenet_xsk *x;
	uint32_t ring;
	long page = sysconf(_SC_PAGESIZE);
	int e;

	if (err && errlen)
		err[0] = '\0';
	if (!o) {
		say(err, errlen, "no options");
		errno = EINVAL;
		return NULL;
	}
	ring = o->ring_size ? o->ring_size : TENET_XSK_RING_DEFAULT;
	e = check_opts(o, ring, err, errlen);
	if (e) {
		errno = -e;
		return NULL;
	}
	if (!if_nametoindex(o->ifname)) {
		e = errno;
		say(err, errlen, "no interface %s: %s", o->ifname, strerror(e));
		errno = e == ENXIO ? ENODEV : e;
		return NULL;
	}
	x = calloc(1, sizeof(*x)); /* zeroed rings: see the top of the file */
	if (!x) {
		say(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	snprintf(x->ifname, sizeof(x->ifname), "%s", o->ifname);
	x->queue = o->queue;
	x->frame_size = o->frame_size;
	x->rx_off = TENET_XSK_XDP_HEADROOM + o->headroom;
	x->umem_len = o->umem_len;
	x->unaligned = !(pow2(o->frame_size) && o->frame_size <= (uint32_t)page);

	memset(&uc, 0, sizeof(uc));
	uc.fill_size = ring;
	uc.comp_size = ring;
	uc.frame_size = o->frame_size;
	uc.frame_headroom = o->headroom;
	uc.flags = x->unaligned ? XDP_UMEM_UNALIGNED_CHUNK_FLAG : 0;

	memset(&sc, 0, sizeof(sc));
	sc.rx_size = ring;
	sc.tx_size = ring;
	sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
	sc.bind_flags = XDP_USE_NEED_WAKEUP;
	if (o->mode == TENET_XSK_COPY)
		sc.bind_flags |= XDP_COPY;
	else if (o->mode == TENET_XSK_ZEROCOPY)
		sc.bind_flags |= XDP_ZEROCOPY;
	/* TENET_XSK_AUTO: no flag, the kernel tries zero-copy and falls back to copy */

	old_print = libxdp_set_print(libxdp_print);
	for (int attempt = 0;; attempt++) {
		e = -xsk_umem__create(&x->umem, o->umem_area, o->umem_len, &x->fill, &x->comp, &uc);
		if (e) {
			explain_umem(o, e, err, errlen);
			goto err_print;
		}
		e = -xsk_socket__create(&x->sock, o->ifname, o->queue, x->umem, &x->rx, &x->tx,
		                        &sc);
		if (!e) {
			if (attempt)
				tenet_log(TENET_LOG_INFO,
				          "xsk: %s queue %u was busy, free after %d ms (a socket "
				          "closed just before)",
				          o->ifname, o->queue, attempt * BUSY_WAIT_US / 1000);
			break;
		}
		xsk_umem__delete(x->umem);
		x->umem = NULL;
		if (e != EBUSY || attempt == BUSY_TRIES - 1) {
			explain_bind(o, e, err, errlen);
			goto err_print;
		}
		/*
		 * The kernel lets go of a closed socket's queue asynchronously
		 * (its pool is released from a workqueue after an RCU grace
		 * period): a queue whose socket was just closed stays busy for
		 * a moment. Start again from a clean slate.
		 */
		memset(&x->fill, 0, sizeof(x->fill));
		memset(&x->comp, 0, sizeof(x->comp));
		memset(&x->rx, 0, sizeof(x->rx));
		memset(&x->tx, 0, sizeof(x->tx));
		usleep(BUSY_WAIT_US);
	}
	libxdp_set_print(old_print);
	x->fd = xsk_socket__fd(x->sock);
	/* the manager forks NFs: none may inherit the socket (it maps the rings) */
	if (fcntl(x->fd, F_SETFD, FD_CLOEXEC) < 0)
		tenet_log(TENET_LOG_WARN, "xsk: %s queue %u: FD_CLOEXEC: %s", o->ifname, o->queue,
		          strerror(errno));

	memset(&xo, 0, sizeof(xo));
	if (getsockopt(x->fd, SOL_XDP, XDP_OPTIONS, &xo, &xolen) == 0)
		x->zerocopy = (xo.flags & XDP_OPTIONS_ZEROCOPY) != 0;
	else
		x->zerocopy = o->mode == TENET_XSK_ZEROCOPY; /* bind would have failed otherwise */
	tenet_log(TENET_LOG_INFO,
	          "xsk: %s queue %u: AF_XDP socket in %s mode%s; UMEM = the caller's %zu KiB "
	          "(%llu frames of %u B, %s chunks), rx data at frame offset %u, rings %u",
	          o->ifname, o->queue, x->zerocopy ? "zero-copy" : "copy",
	          !x->zerocopy && o->mode == TENET_XSK_AUTO ? " (no driver zero-copy)" : "",
	          o->umem_len / 1024, (unsigned long long)(o->umem_len / o->frame_size),
	          o->frame_size, x->unaligned ? "unaligned" : "aligned", x->rx_off, ring);
	return x;

err_print:
	libxdp_set_print(old_print);
	free(x);
	errno = e;
	return NULL;
}

void tenet_xsk_destroy(struct tenet_xsk *x)
{
	if (!x)
		return;
	xsk_socket__delete(x->sock);
	xsk_umem__delete(x->umem);
	free(x);
}

int tenet_xsk_fd(const struct tenet_xsk *x)
{
	return x ? x->fd : -EINVAL;
}

bool tenet_xsk_zerocopy(const struct tenet_xsk *x)
{
	return x && x->zerocopy;
}

uint32_t tenet_xsk_rx_offset(const struct tenet_xsk *x)
{
	return x->rx_off;
}

uint32_t tenet_xsk_frame_max(const struct tenet_xsk *x)
{
	return x->frame_size - x->rx_off;
}

unsigned int tenet_xsk_fill(struct tenet_xsk *x, const uint64_t *addr, unsigned int n)
{
	uint32_t idx, room = xsk_prod_nb_free(&x->fill, n);

	if (n > room)
		n = room;
	if (!n || xsk_ring_prod__reserve(&x->fill, n, &idx) != n)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = addr[i];
	xsk_ring_prod__submit(&x->fill, n);
	x->st.filled += n;
	return n;
}

unsigned int tenet_xsk_rx(struct tenet_xsk *x, uint64_t *addr, uint32_t *len, unsigned int n)
{
	uint32_t idx;

	n = xsk_ring_cons__peek(&x->rx, n, &idx);
	for (unsigned int i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);

		/* unaligned chunks: offset in the top 16 bits; hand out one plain offset */
		addr[i] = x->unaligned ? xsk_umem__add_offset_to_addr(d->addr) : d->addr;
		len[i] = d->len;
	}
	if (n)
		xsk_ring_cons__release(&x->rx, n);
	x->st.rx += n;
	return n;
}

static uint32_t tx_consumer(const struct tenet_xsk *x)
{
	return __atomic_load_n(x->tx.consumer, __ATOMIC_ACQUIRE);
}

/*
 * Wake the kernel for the tx ring while it makes progress. In copy mode a
 * sendto() transmits up to 32 frames (the kernel's budget) synchronously and says EAGAIN
 * if more remain; no progress (completion ring full) or a driver that
 * sends asynchronously (zero-copy) ends the loop after one kick.
 */
static void kick_tx(struct tenet_xsk *x)
{
	for (;;) {
		uint32_t before = tx_consumer(x);

		if (before == *x->tx.producer || !xsk_ring_prod__needs_wakeup(&x->tx))
			return;
		x->st.kicks++;
		if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EBUSY && errno != ENOBUFS) {
			x->st.kick_err++; /* e.g. ENETDOWN: the frames stay queued */
			return;
		}
		if (tx_consumer(x) == before)
			return;
	}
}

unsigned int tenet_xsk_tx(struct tenet_xsk *x, const uint64_t *addr, const uint32_t *len,
                          unsigned int n)
{
	uint32_t idx, room = xsk_prod_nb_free(&x->tx, n);
	unsigned int ok = 0;

	if (n > room)
		n = room;
	/*
	 * A descriptor the kernel would refuse is never completed, so its
	 * buffer would be lost: stop before the first one that leaves the
	 * UMEM or (aligned chunks) crosses the end of its frame.
	 */
	while (ok < n) {
		uint64_t a = addr[ok];

		if (!len[ok] || a >= x->umem_len || len[ok] > x->umem_len - a)
			break;
		if (!x->unaligned && a % x->frame_size + len[ok] > x->frame_size)
			break;
		ok++;
	}
	if (ok && xsk_ring_prod__reserve(&x->tx, ok, &idx) == ok) {
		for (unsigned int i = 0; i < ok; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx + i);

			d->addr = addr[i];
			d->len = len[i];
			d->options = 0;
		}
		xsk_ring_prod__submit(&x->tx, ok);
		x->tx_pending += ok;
		x->st.tx += ok;
	} else {
		ok = 0;
	}
	kick_tx(x);
	return ok;
}

unsigned int tenet_xsk_complete(struct tenet_xsk *x, uint64_t *addr, unsigned int n)
{
	uint32_t idx;

	n = xsk_ring_cons__peek(&x->comp, n, &idx);
	for (unsigned int i = 0; i < n; i++)
		addr[i] = *xsk_ring_cons__comp_addr(&x->comp, idx + i);
	if (n) {
		xsk_ring_cons__release(&x->comp, n);
		x->tx_pending -= n;
		x->st.completed += n;
	}
	if (x->tx_pending)
		kick_tx(x);
	return n;
}

int tenet_xsk_wakeup(struct tenet_xsk *x)
{
	if (!x)
		return -EINVAL;
	if (xsk_ring_prod__needs_wakeup(&x->fill)) {
		x->st.kicks++;
		if (recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0 && errno != EAGAIN &&
		    errno != EBUSY)
			return -errno;
	}
	kick_tx(x);
	return 0;
}

int tenet_xsk_read_stats(const struct tenet_xsk *x, struct tenet_xsk_stats *s)
{
	struct xdp_statistics k;
	socklen_t len = sizeof(k);

	if (!x || !s)
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	if (getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &k, &len))
		return -errno;
	*s = x->st;
	s->rx_dropped = k.rx_dropped;
	s->rx_invalid_descs = k.rx_invalid_descs;
	s->tx_invalid_descs = k.tx_invalid_descs;
	s->rx_ring_full = k.rx_ring_full;
	s->rx_fill_ring_empty = k.rx_fill_ring_empty_descs;
	s->tx_ring_empty = k.tx_ring_empty_descs;
	return 0;
}

int tenet_xsk_map_set(int xskmap_fd, uint32_t key, const struct tenet_xsk *x)
{
	uint32_t v;

	if (!x || xskmap_fd < 0)
		return -EINVAL;
	v = (uint32_t)x->fd;
	if (bpf_map_update_elem(xskmap_fd, &key, &v, BPF_ANY)) {
		int e = errno;

		tenet_log(TENET_LOG_ERR, "xsk: XSKMAP fd %d [%u] = socket of %s queue %u: %s",
		          xskmap_fd, key, x->ifname, x->queue, strerror(e));
		return -e;
	}
	return 0;
}
