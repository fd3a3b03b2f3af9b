/*
 * afpacket: a port on a real Linux interface through one AF_PACKET socket.
 * It needs CAP_NET_RAW and sees every queue of the interface (cfg->queue
 * is not used; queue steering is afxdp's business).
 *
 * rx: a TPACKET_V3 ring of AFP_BLOCKS blocks of AFP_BLOCK_SIZE bytes mapped
 * into this process. The kernel fills a block with frames and hands it over
 * (block_status TP_STATUS_USER) when it is full or AFP_RETIRE_MS after its
 * first frame, whichever is sooner; rx walks the handed-over block and
 * returns frames pointing into the ring - zero copy. A block is given back
 * to the kernel (TP_STATUS_KERNEL) at the rx call after the one that
 * returned its last frame, so frames stay valid until the next rx call, as
 * ports/port.h promises. When no block is ready, rx waits in poll() for at
 * most AFP_POLL_MS and returns 0: a live source never ends (-ENODATA is
 * never returned). A frame the kernel finds no room for is dropped and
 * counted by the kernel; PACKET_STATISTICS (folded into our totals, since
 * reading it resets it) reports it as kernel_drops.
 *
 * A frame is handed out whole or not at all: one the ring cut short (a
 * frame larger than a block, e.g. a GRO aggregate or a jumbo frame on an
 * interface with a large MTU: tp_snaplen < tp_len) or one longer than a
 * frame length can say (65535 B) is skipped and counted (rx_truncated,
 * rx_oversize); rx_oversize() reports both to the NIC stage, which counts
 * them in packets_in and as oversize drops.
 *
 * The kernel strips a VLAN tag into the frame's metadata on most devices
 * (rx VLAN offload). rx puts it back into the frame, so the platform sees
 * what was on the wire; PACKET_RESERVE keeps room for it before the frame.
 *
 * tx: sendmmsg() in batches of up to AFP_TX_BATCH, straight from the
 * caller's frames (the kernel copies them: nothing to manage, nothing held
 * after return). A TX ring would save the per-message overhead but needs
 * its own frame management and a kick; at the rates veth and AF_PACKET
 * reach, the syscall batch is not what limits. Sends block while the
 * socket's buffer is full (backpressure from the device, as a NIC's tx
 * ring gives), but at most AFP_TX_TIMEOUT_MS, so a wedged interface cannot
 * hold the caller. PACKET_QDISC_BYPASS is set where the kernel has it (a
 * full driver queue then shows up as ENOBUFS, which tx retries a bounded
 * number of times). A frame the kernel refuses otherwise (too long for the
 * MTU, interface down, timed out) is counted in tx_errors with its errno
 * and skipped.
 *
 * The socket ignores outgoing frames (PACKET_IGNORE_OUTGOING, Linux 4.20+;
 * on older kernels rx skips them by packet type), so the port never
 * receives what it or anyone else on the host sends out of the interface.
 * Promiscuous mode is off unless port_afpacket_promisc() turns it on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/err.h"
#include "ports/afpacket.h"
#include "ports/port.h"
#include "tenet/log.h"

#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define AFP_BLOCK_SIZE    (1u << 14) /* 16 KiB: ~140 minimum-size frames, or a 9 KB jumbo */
#define AFP_BLOCKS        2048       /* 32 MiB; >= 2 s of traffic when blocks retire by time */
#define AFP_FRAME_SIZE    2048       /* only for the ring geometry check; V3 frames are variable */
#define AFP_RETIRE_MS     1          /* a partly filled block is handed over after this */
#define AFP_POLL_MS       10         /* rx waits at most this long for a block */
#define AFP_RESERVE       16         /* room before each frame to re-insert a VLAN tag */
#define AFP_TX_BATCH      64
#define AFP_TX_RETRIES    1000 /* ENOBUFS retries before a frame counts as an error */
#define AFP_TX_TIMEOUT_MS 100  /* a send blocked this long (socket buffer full) gives up */
#define AFP_MAGIC         0xaf9ac3e7u
#define AFP_L2_MAX        18 /* Ethernet header + one VLAN tag on top of the MTU */

struct afp {
	uint32_t magic;
	int fd;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t *ring;
	size_t ring_len;
	/* rx cursor (rx thread only) */
	unsigned int cur;          /* block being read */
	bool open;                 /* cur is ours: read, or to be released */
	uint32_t left;             /* frames of cur not yet returned */
	struct tpacket3_hdr *next; /* next frame of cur */
	/* tx scratch (tx thread only) */
	struct mmsghdr msg[AFP_TX_BATCH];
	struct iovec iov[AFP_TX_BATCH];
	/* counters: rx ones written by the rx thread, tx ones by the tx thread */
	uint64_t rx_packets, rx_bytes, rx_blocks, rx_truncated, rx_oversize, rx_outgoing;
	uint64_t tx_packets, tx_bytes, tx_errors, tx_retries;
	int last_tx_errno;
	/* PACKET_STATISTICS totals, under kstat_lock (any thread) */
	pthread_mutex_t kstat_lock;
	uint64_t kernel_packets, kernel_drops, kernel_freezes;
	bool qdisc_bypass, ignore_outgoing, promisc;
};

static inline void ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static inline struct tpacket_block_desc *block(struct afp *a, unsigned int i)
{
	return (struct tpacket_block_desc *)(a->ring + (size_t)i * AFP_BLOCK_SIZE);
}

static void afp_close(struct port *p)
{
	struct afp *a = p->priv;

	if (!a)
		return;
	if (a->ring)
		munmap(a->ring, a->ring_len);
	if (a->fd >= 0)
		close(a->fd);
	pthread_mutex_destroy(&a->kstat_lock);
	free(a);
	p->priv = NULL;
}

static int set_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int afp_open(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen)
{
	struct tpacket_req3 req = {
	        .tp_block_size = AFP_BLOCK_SIZE,
	        .tp_block_nr = AFP_BLOCKS,
	        .tp_frame_size = AFP_FRAME_SIZE,
	        .tp_frame_nr = AFP_BLOCKS * (AFP_BLOCK_SIZE / AFP_FRAME_SIZE),
	        .tp_retire_blk_tov = AFP_RETIRE_MS,
	};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	const struct timeval sndtimeo = {.tv_sec = 0, .tv_usec = AFP_TX_TIMEOUT_MS * 1000};
	const char *ifn = cfg->ifname;
	struct ifreq ifr;
	struct afp *a;
	int ret;

	if (!ifn[0]) {
		tenet_err(err, errlen, "afpacket: port '%s' has no ifname", cfg->name);
		return -EINVAL;
	}
	if (strlen(ifn) >= IF_NAMESIZE) {
		tenet_err(err, errlen, "afpacket: interface name '%s' is too long", ifn);
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		tenet_err(err, errlen, "afpacket: out of memory");
		return -ENOMEM;
	}
	a->fd = -1;
	pthread_mutex_init(&a->kstat_lock, NULL);
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifn);
	p->priv = a;

	a->ifindex = (int)if_nametoindex(ifn);
	if (!a->ifindex) {
		ret = -errno;
		tenet_err(err, errlen, "afpacket: no interface '%s' in this network namespace (%s)",
		          ifn, strerror(-ret));
		goto err_close;
	}
	/* protocol 0: nothing is queued before the ring exists and the bind says what */
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		ret = -errno;
		if (ret == -EPERM || ret == -EACCES)
			tenet_err(err, errlen,
			          "afpacket: interface '%s': an AF_PACKET socket needs CAP_NET_RAW "
			          "(run as root or grant the capability): %s",
			          ifn, strerror(-ret));
		else
			tenet_err(err, errlen, "afpacket: interface '%s': socket(AF_PACKET): %s",
			          ifn, strerror(-ret));
		goto err_close;
	}
	ret = set_opt(a->fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3);
	if (ret < 0) {
		tenet_err(err, errlen, "afpacket: interface '%s': TPACKET_V3: %s", ifn,
		          strerror(-ret));
		goto err_close;
	}
	ret = set_opt(a->fd, SOL_PACKET, PACKET_RESERVE, AFP_RESERVE);
	if (ret < 0) {
		tenet_err(err, errlen, "afpacket: interface '%s': PACKET_RESERVE: %s", ifn,
		          strerror(-ret));
		goto err_close;
	}
	a->ignore_outgoing = set_opt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1) == 0;
	a->qdisc_bypass = set_opt(a->fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1) == 0;
	if (setsockopt(a->fd, SOL_SOCKET, SO_SNDTIMEO, &sndtimeo, sizeof(sndtimeo)) < 0) {
		ret = -errno;
		tenet_err(err, errlen, "afpacket: interface '%s': SO_SNDTIMEO: %s", ifn,
		          strerror(-ret));
		goto err_close;
	}
	if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		ret = -errno;
		tenet_err(err, errlen, "afpacket: interface '%s': rx ring of %u x %u bytes: %s",
		          ifn, AFP_BLOCKS, AFP_BLOCK_SIZE, strerror(-ret));
		goto err_close;
	}
	a->ring_len = (size_t)AFP_BLOCKS * AFP_BLOCK_SIZE;
	a->ring = mmap(NULL, a->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, a->fd,
	               0);
	if (a->ring == MAP_FAILED) {
		ret = -errno;
		a->ring = NULL;
		tenet_err(err, errlen, "afpacket: interface '%s': mmap of the rx ring: %s", ifn,
		          strerror(-ret));
		goto err_close;
	}
	sll.sll_ifindex = a->ifindex;
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		tenet_err(err, errlen, "afpacket: interface '%s': bind: %s", ifn, strerror(-ret));
		goto err_close;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifn);
	/* the MTU, not the config, bounds a received frame (GRO aside): say so
	 * when it allows frames that a pool cannot hold (dropped as oversize) */
	if (ioctl(a->fd, SIOCGIFMTU, &ifr) == 0 && cfg->min_room &&
	    (uint32_t)ifr.ifr_mtu + AFP_L2_MAX > cfg->min_room)
		tenet_log(TENET_LOG_WARN,
		          "afpacket: interface '%s' has MTU %d: frames of up to %u bytes, but "
		          "tenant '%s' buffers hold %u; longer frames are dropped as oversize",
		          ifn, ifr.ifr_mtu, (unsigned int)ifr.ifr_mtu + AFP_L2_MAX,
		          cfg->min_room_tenant, cfg->min_room);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifn);
	if (ioctl(a->fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP))
		tenet_log(TENET_LOG_WARN,
		          "afpacket: interface '%s' is down: nothing is received or sent until "
		          "it is up",
		          ifn);
	a->magic = AFP_MAGIC;
	return 0;

err_close:
	afp_close(p);
	return ret;
}

/* Put the VLAN tag the kernel took out back in front of the EtherType. */
static uint8_t *vlan_insert(uint8_t *mac, const struct tpacket3_hdr *h, uint32_t *len)
{
	uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid
	                        ? h->hv1.tp_vlan_tpid
	                        : ETH_P_8021Q;
	uint8_t *f = mac - 4;

	memmove(f, mac, 12);
	f[12] = (uint8_t)(tpid >> 8);
	f[13] = (uint8_t)tpid;
	f[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
	f[15] = (uint8_t)h->hv1.tp_vlan_tci;
	*len += 4;
	return f;
}

/* Give block cur back to the kernel and move on. */
static void block_release(struct afp *a)
{
	/* pairs with the kernel's read of block_status before it refills the block */
	__atomic_store_n(&block(a, a->cur)->hdr.bh1.block_status, TP_STATUS_KERNEL,
	                 __ATOMIC_RELEASE);
	a->cur = (a->cur + 1) % AFP_BLOCKS;
	a->open = false;
}

/* Take the next block if the kernel has handed it over; wait for it at most ms. */
static bool block_take(struct afp *a, int ms)
{
	struct tpacket_block_desc *bd = block(a, a->cur);

	/* pairs with the kernel's release of the filled block */
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
		struct pollfd pfd = {.fd = a->fd, .events = POLLIN};

		if (ms <= 0 || poll(&pfd, 1, ms) <= 0)
			return false;
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			return false;
	}
	a->open = true;
	a->left = bd->hdr.bh1.num_pkts;
	a->next = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	ctr_add(&a->rx_blocks, 1);
	return true;
}

static int afp_rx(struct port *p, struct tenet_frame *f, unsigned int n)
{
	struct afp *a = p->priv;
	unsigned int k = 0;
	uint64_t bytes = 0, trunc = 0, oversize = 0, outgoing = 0;

	if (a->open && !a->left)
		block_release(a);
	if (!a->open && !block_take(a, AFP_POLL_MS))
		return 0;
	while (k < n) {
		struct tpacket3_hdr *h;
		const struct sockaddr_ll *sll;
		uint8_t *data;
		uint32_t len;

		if (!a->left) {
			/* an empty block is never handed over, but do not hold one */
			if (k)
				break;
			block_release(a);
			if (!block_take(a, 0))
				break;
			continue;
		}
		h = a->next;
		a->left--;
		if (a->left)
			a->next = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
		sll = (const struct sockaddr_ll *)((uint8_t *)h +
		                                   TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
		if (sll->sll_pkttype == PACKET_OUTGOING) {
			outgoing++;
			continue;
		}
		data = (uint8_t *)h + h->tp_mac;
		len = h->tp_snaplen;
		if (h->tp_status & TP_STATUS_VLAN_VALID)
			data = vlan_insert(data, h, &len);
		if (h->tp_snaplen < h->tp_len) { /* cut by the ring: never pass on a part */
			trunc++;
			continue;
		}
		if (len > UINT16_MAX) {
			oversize++;
			continue;
		}
		f[k].data = data;
		f[k].len = (uint16_t)len;
		f[k].tenant = 0;
		bytes += len;
		k++;
	}
	ctr_add(&a->rx_packets, k);
	ctr_add(&a->rx_bytes, bytes);
	if (trunc)
		ctr_add(&a->rx_truncated, trunc);
	if (oversize)
		ctr_add(&a->rx_oversize, oversize);
	if (outgoing)
		ctr_add(&a->rx_outgoing, outgoing);
	return (int)k;
}

static uint64_t afp_rx_oversize(struct port *p)
{
	struct afp *a = p->priv;

	return ctr_get(&a->rx_truncated) + ctr_get(&a->rx_oversize);
}

static void afp_tx(struct port *p, const struct tenet_frame *f, unsigned int n)
{
	struct afp *a = p->priv;
	unsigned int i = 0, retries = 0;
	uint64_t sent = 0, bytes = 0, errs = 0;

	while (i < n) {
		unsigned int b = n - i < AFP_TX_BATCH ? n - i : AFP_TX_BATCH;
		int r;

		for (unsigned int j = 0; j < b; j++) {
			a->iov[j].iov_base = f[i + j].data;
			a->iov[j].iov_len = f[i + j].len;
			memset(&a->msg[j], 0, sizeof(a->msg[j]));
			a->msg[j].msg_hdr.msg_iov = &a->iov[j];
			a->msg[j].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(a->fd, a->msg, b, 0);
		if (r > 0) {
			for (int j = 0; j < r; j++)
				bytes += f[i + (unsigned int)j].len;
			sent += (unsigned int)r;
			i += (unsigned int)r;
			retries = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOBUFS && retries < AFP_TX_RETRIES) {
			retries++;
			ctr_add(&a->tx_retries, 1);
			sched_yield();
			continue;
		}
		/* the kernel refuses frame i: count it and go on with the rest */
		__atomic_store_n(&a->last_tx_errno, r < 0 ? errno : EIO, __ATOMIC_RELAXED);
		errs++;
		i++;
		retries = 0;
	}
	ctr_add(&a->tx_packets, sent);
	ctr_add(&a->tx_bytes, bytes);
	if (errs)
		ctr_add(&a->tx_errors, errs);
}

static struct afp *afp_of(struct port *p)
{
	struct afp *a = p ? p->priv : NULL;

	if (!p || p->drv != &port_afpacket || !a || a->magic != AFP_MAGIC)
		return NULL;
	return a;
}

/* Fold PACKET_STATISTICS (reset by each read) into the totals. */
static void kstat_fold(struct afp *a)
{
	struct tpacket_stats_v3 ks;
	socklen_t len = sizeof(ks);

	pthread_mutex_lock(&a->kstat_lock);
	memset(&ks, 0, sizeof(ks));
	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0) {
		ctr_add(&a->kernel_packets, ks.tp_packets);
		ctr_add(&a->kernel_drops, ks.tp_drops);
		ctr_add(&a->kernel_freezes, ks.tp_freeze_q_cnt);
	}
	pthread_mutex_unlock(&a->kstat_lock);
}

int port_afpacket_stats(struct port *p, struct afpacket_stats *st)
{
	struct afp *a = afp_of(p);

	if (!a)
		return -EINVAL;
	kstat_fold(a);
	memset(st, 0, sizeof(*st));
	st->rx_packets = ctr_get(&a->rx_packets);
	st->rx_bytes = ctr_get(&a->rx_bytes);
	st->rx_blocks = ctr_get(&a->rx_blocks);
	st->rx_truncated = ctr_get(&a->rx_truncated);
	st->rx_oversize = ctr_get(&a->rx_oversize);
	st->rx_outgoing = ctr_get(&a->rx_outgoing);
	st->kernel_packets = ctr_get(&a->kernel_packets);
	st->kernel_drops = ctr_get(&a->kernel_drops);
	st->kernel_freezes = ctr_get(&a->kernel_freezes);
	st->tx_packets = ctr_get(&a->tx_packets);
	st->tx_bytes = ctr_get(&a->tx_bytes);
	st->tx_errors = ctr_get(&a->tx_errors);
	st->tx_retries = ctr_get(&a->tx_retries);
	st->last_tx_errno = __atomic_load_n(&a->last_tx_errno, __ATOMIC_RELAXED);
	st->qdisc_bypass = a->qdisc_bypass;
	st->ignore_outgoing = a->ignore_outgoing;
	st->promisc = __atomic_load_n(&a->promisc, __ATOMIC_RELAXED);
	return 0;
}

int port_afpacket_promisc(struct port *p, bool on)
{
	struct afp *a = afp_of(p);
	struct packet_mreq mr = {.mr_type = PACKET_MR_PROMISC};

	if (!a)
		return -EINVAL;
	if (on == a->promisc)
		return 0;
	mr.mr_ifindex = a->ifindex;
	if (setsockopt(a->fd, SOL_PACKET, on ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mr,
	               sizeof(mr)) < 0)
		return -errno;
	__atomic_store_n(&a->promisc, on, __ATOMIC_RELAXED);
	return 0;
}

static void afp_report_json(struct port *p, FILE *out)
{
	struct afpacket_stats st;

	if (port_afpacket_stats(p, &st) < 0)
		return;
	fprintf(out,
	        "\"ifname\": \"%s\", \"rx_packets\": %llu, \"rx_bytes\": %llu, \"rx_blocks\": "
	        "%llu, "
	        "\"rx_truncated\": %llu, \"rx_oversize\": %llu, \"rx_outgoing\": %llu, "
	        "\"kernel_packets\": %llu, \"kernel_drops\": %llu, \"kernel_freezes\": %llu, "
	        "\"tx_packets\": %llu, \"tx_bytes\": %llu, \"tx_errors\": %llu, "
	        "\"tx_retries\": %llu, \"last_tx_error\": \"%s\", \"qdisc_bypass\": %s, "
	        "\"ignore_outgoing\": %s, \"promisc\": %s",
	        ((struct afp *)p->priv)->ifname, (unsigned long long)st.rx_packets,
	        (unsigned long long)st.rx_bytes, (unsigned long long)st.rx_blocks,
	        (unsigned long long)st.rx_truncated, (unsigned long long)st.rx_oversize,
	        (unsigned long long)st.rx_outgoing, (unsigned long long)st.kernel_packets,
	        (unsigned long long)st.kernel_drops, (unsigned long long)st.kernel_freezes,
	        (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
	        (unsigned long long)st.tx_errors, (unsigned long long)st.tx_retries,
	        st.last_tx_errno ? strerror(st.last_tx_errno) : "",
	        st.qdisc_bypass ? "true" : "false", st.ignore_outgoing ? "true" : "false",
	        st.promisc ? "true" : "false");
}

/* afpacket reads queue and xdp_mode as afxdp does, and does not use them */
static const char *const afpacket_keys[] = {"ifname", "queue", "xdp_mode", NULL};

const struct port_driver port_afpacket = {
        .name = "afpacket",
        .keys = afpacket_keys,
        .parse = port_parse_if,
        .open = afp_open,
        .close = afp_close,
        .rx = afp_rx,
        .rx_oversize = afp_rx_oversize,
        .tx = afp_tx,
        .report_json = afp_report_json,
};
