/*
 * Packet taps (see tap.h): a request resolved against the chains, the
 * ctl connection handed over to a tap slot, the dispatcher's bounded copy
 * into the slot's ring, and the control thread's drain of the ring toward
 * the client, which never blocks: what the client does not take stays in
 * a bounded buffer, then on the ring, and the dispatcher drops (and
 * counts) the copies that find the ring full.
 *
 * The manager sends records, not a pcap file: the client writes the file
 * with libpcap (pcap_dump_fopen on its stdout), so the pcap format is
 * libpcap's, and the manager needs no FILE over a non-blocking socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/wait.h"
#include "mgr/tap.h"

_Static_assert((TAP_RING & (TAP_RING - 1)) == 0, "TAP_RING is a power of two");
_Static_assert(TAP_OUT_MAX >= 2 * (sizeof(struct tap_wire) + TAP_SNAPLEN) + TAP_END_MAX + 64,
               "the output buffer holds a record, the hello and the end");

#define TAP_EV_IN (EPOLLIN | EPOLLRDHUP)

int tap_open(struct mgr *m, uint32_t tag)
{
	struct mgr_taps *ts = calloc(1, sizeof(*ts));
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag | TAP_MAX};

	if (!ts)
		return -ENOMEM;
	for (unsigned int i = 0; i < TAP_MAX; i++)
		ts->tap[i].fd = -1;
	ts->tag = tag;
	pthread_mutex_init(&ts->prod_lock, NULL);
	ts->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ts->efd < 0 || epoll_ctl(m->control.epfd, EPOLL_CTL_ADD, ts->efd, &ev) < 0) {
		int err = errno;

		if (ts->efd >= 0)
			close(ts->efd);
		free(ts);
		return -err;
	}
	m->control.taps = ts;
	return 0;
}

/* Tell the dispatcher which points of a chain the running taps watch. */
static void chain_bits(struct mgr *m, unsigned int chain)
{
	uint16_t bits = 0;

	for (unsigned int i = 0; i < TAP_MAX; i++) {
		const struct tap *t = &m->control.taps->tap[i];

		if (t->fd >= 0 && !t->ending && t->chain == chain)
			bits |= (uint16_t)(1u << t->at);
	}
	/* relaxed: tap_copy checks the generation (acquire) before it trusts a tap */
	__atomic_store_n(&m->chains[chain].tap, bits, __ATOMIC_RELAXED);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int tap_resolve(struct mgr *m, const struct ctl_req *req, struct tap_spec *spec, char *err,
                size_t errlen)
{
	const struct tenet_config *c = m->cfg;
	const struct cfg_chain *cc;
	unsigned int busy = 0, nb;
	int idx = -1;

	for (unsigned int i = 0; i < c->nb_chains; i++)
		if (!strcmp(c->chains[i].name, req->arg) && !m->chains[i].removed)
			idx = (int)i;
	if (idx < 0) /* the parser let only [A-Za-z0-9._-] through: quoting is safe */
		return fail(err, errlen, "no chain '%s'; expected a name from 'tenet ctl chains'",
		            req->arg);
	cc = &c->chains[idx];
	nb = cc->nb_hops;
	if (req->hop == CTL_TAP_DEFAULT) /* the chain's first hop on the host */
		spec->at = m->chains[idx].first_host_hop < nb ? m->chains[idx].first_host_hop
		                                              : TAP_AT_OUT;
	else if (req->hop == CTL_TAP_OUT || req->hop == nb + 1)
		spec->at = TAP_AT_OUT;
	else if (req->hop >= 1 && req->hop <= nb)
		spec->at = req->hop - 1;
	else
		return fail(err, errlen,
		            "chain %s has %u hop(s), no hop %u; expected 1 to %u, or %u or 'out' "
		            "for what it sends out",
		            cc->name, nb, req->hop, nb, nb + 1);
	for (unsigned int i = 0; i < TAP_MAX; i++)
		busy += m->control.taps->tap[i].fd >= 0;
	if (busy >= TAP_MAX)
		return fail(err, errlen,
		            "%u taps are running; expected at most %u at once (end one first)",
		            busy, TAP_MAX);
	spec->chain = (unsigned int)idx;
	spec->count = req->num;
	return 0;
}

/* Watch what the tap needs: the client's end while running, room to write while queued. */
static void set_events(struct mgr *m, struct tap *t)
{
	uint32_t want = (t->ending ? 0 : TAP_EV_IN) | (t->outlen > t->outoff ? EPOLLOUT : 0);
	struct epoll_event ev = {.events = want,
	                         .data.u32 = m->control.taps->tag |
	                                     (uint32_t)(t - m->control.taps->tap)};

	if (want == t->events)
		return;
	epoll_ctl(m->control.epfd, EPOLL_CTL_MOD, t->fd, &ev);
	t->events = want;
}

int tap_start(struct mgr *m, int fd, const struct tap_spec *spec, char *err, size_t errlen)
{
	struct mgr_taps *ts = m->control.taps;
	struct tap *t = NULL;
	struct epoll_event ev;
	unsigned int slot;

	for (slot = 0; slot < TAP_MAX && !t; slot++)
		if (ts->tap[slot].fd < 0)
			t = &ts->tap[slot];
	if (!t)
		return fail(err, errlen, "%u taps are running; expected at most %u at once",
		            TAP_MAX, TAP_MAX);
	slot--;
	if (!t->ring) {
		t->ring = aligned_alloc(64, TAP_RING * sizeof(*t->ring));
		t->out = malloc(TAP_OUT_MAX);
		if (!t->ring || !t->out) {
			free(t->ring);
			free(t->out);
			t->ring = NULL;
			t->out = NULL;
			return fail(err, errlen, "out of memory for a tap; expected %zu bytes free",
			            TAP_RING * sizeof(*t->ring) + TAP_OUT_MAX);
		}
	}
	ev = (struct epoll_event){.events = TAP_EV_IN, .data.u32 = ts->tag | slot};
	if (epoll_ctl(m->control.epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return fail(err, errlen, "cannot watch the connection: %s", strerror(errno));
	t->fd = fd;
	t->count = spec->count;
	t->sent = 0;
	t->ending = false;
	t->events = TAP_EV_IN;
	t->outoff = 0;
	t->outlen = (size_t)snprintf(t->out, TAP_OUT_MAX, TAP_HELLO, TAP_SNAPLEN);
	/* what a previous tap of this slot left on the ring is not this tap's */
	__atomic_store_n(&t->cons, __atomic_load_n(&t->prod, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
	t->dropped0 = cnt_get(&t->dropped);
	__atomic_store_n(&t->chain, spec->chain, __ATOMIC_RELAXED);
	__atomic_store_n(&t->at, spec->at, __ATOMIC_RELAXED);
	/* odd: running; release pairs with the acquire in tap_copy (chain, at, ring) */
	__atomic_store_n(&t->gen, t->gen + 1, __ATOMIC_RELEASE);
	ts->started++;
	chain_bits(m, spec->chain);
	return 0;
}

/* Stop copying and queue the end of the stream (there is always room for it). */
static void end(struct mgr *m, struct tap *t, const char *why)
{
	struct tap_wire w = {.caplen = TAP_WIRE_END};
	uint64_t dropped = cnt_get(&t->dropped) - t->dropped0;
	int n;

	if (t->ending)
		return;
	/* even: stopped; a copy that raced this is stamped with the old generation */
	__atomic_store_n(&t->gen, t->gen + 1, __ATOMIC_RELEASE);
	t->ending = true;
	t->end_by = mgr_now() + TAP_LINGER;
	chain_bits(m, t->chain);
	m->control.taps->packets += t->sent;
	m->control.taps->dropped += dropped;
	if (t->outoff && TAP_OUT_MAX - t->outlen < sizeof(w) + TAP_END_MAX) {
		memmove(t->out, t->out + t->outoff, t->outlen - t->outoff);
		t->outlen -= t->outoff;
		t->outoff = 0;
	}
	memcpy(t->out + t->outlen, &w, sizeof(w));
	t->outlen += sizeof(w);
	n = snprintf(t->out + t->outlen, TAP_END_MAX, "end: %llu packets, %llu dropped (%s)\n",
	             (unsigned long long)t->sent, (unsigned long long)dropped, why);
	t->outlen += n > 0 && n < TAP_END_MAX ? (size_t)n : 0;
}

static void tap_free(struct mgr *m, struct tap *t, const char *why)
{
	end(m, t, why);
	epoll_ctl(m->control.epfd, EPOLL_CTL_DEL, t->fd, NULL);
	close(t->fd);
	t->fd = -1;
	t->ending = false;
	t->events = 0;
	t->outlen = t->outoff = 0;
}

/* Send what the client takes now, never waiting; -1 when it is gone. */
static int flush(struct tap *t)
{
	while (t->outoff < t->outlen) {
		ssize_t n = send(t->fd, t->out + t->outoff, t->outlen - t->outoff,
		                 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		t->outoff += (size_t)n;
	}
	if (t->outoff == t->outlen)
		t->outoff = t->outlen = 0;
	return 0;
}

/*
 * Move records from the ring into the output buffer while it has room
 * (keeping room for the end of the stream). Returns how many were taken
 * off the ring.
 */
static unsigned int drain(struct mgr *m, struct tap *t)
{
	/* acquire pairs with the release in tap_copy: the slots before prod are written */
	uint32_t prod = __atomic_load_n(&t->prod, __ATOMIC_ACQUIRE), cons = t->cons;
	unsigned int n = 0;

	while (cons != prod && !t->ending) {
		const struct tap_rec *r = &t->ring[cons & (TAP_RING - 1)];
		size_t need = sizeof(r->h) + r->h.caplen;

		if (r->gen == t->gen) {
			if (TAP_OUT_MAX - (t->outlen - t->outoff) <
			    need + sizeof(struct tap_wire) + TAP_END_MAX)
				break; /* the client is behind: the ring holds the rest */
			if (TAP_OUT_MAX - t->outlen < need) {
				memmove(t->out, t->out + t->outoff, t->outlen - t->outoff);
				t->outlen -= t->outoff;
				t->outoff = 0;
			}
			memcpy(t->out + t->outlen, &r->h, sizeof(r->h));
			memcpy(t->out + t->outlen + sizeof(r->h), r->data, r->h.caplen);
			t->outlen += need;
			t->sent++;
		}
		cons++;
		n++;
		if (t->count && t->sent >= t->count)
			end(m, t, "count reached");
	}
	/* release pairs with the acquire in tap_copy: the slots before cons are free */
	__atomic_store_n(&t->cons, cons, __ATOMIC_RELEASE);
	return n;
}

static void service(struct mgr *m, struct tap *t, double now)
{
	for (unsigned int round = 0; round < 4; round++) {
		unsigned int took = t->ending ? 0 : drain(m, t);

		if (flush(t) < 0) {
			tap_free(m, t, "the client went away");
			return;
		}
		if (!took || t->outlen)
			break; /* the ring is empty, or the client is behind */
	}
	if (t->ending && (!t->outlen || now >= t->end_by)) {
		tap_free(m, t, "ended");
		return;
	}
	set_events(m, t);
}

void tap_event(struct mgr *m, unsigned int idx)
{
	struct tap *t;
	char junk[256];
	ssize_t n;

	if (!m->control.taps)
		return;
	if (idx == TAP_MAX) { /* the dispatcher filled a ring a quarter */
		tenet_event_drain(m->control.taps->efd);
		tap_poll(m, mgr_now());
		return;
	}
	if (idx > TAP_MAX || m->control.taps->tap[idx].fd < 0)
		return;
	t = &m->control.taps->tap[idx];
	if (!t->ending) {
		/* a client sends nothing after its request: EOF (Ctrl-C in tenet ctl tap
		 * shuts its end down) or any byte ends the tap; an error means it is gone */
		n = recv(t->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n == 0) {
			drain(m, t); /* what was copied before the stop, as far as it fits */
			end(m, t, "stopped by the client");
		} else if (n > 0)
			end(m, t, "the client sent bytes after its request");
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			tap_free(m, t, "the client went away");
			return;
		}
	}
	service(m, t, mgr_now());
}

void tap_poll(struct mgr *m, double now)
{
	if (!m->control.taps)
		return;
	for (unsigned int i = 0; i < TAP_MAX; i++)
		if (m->control.taps->tap[i].fd >= 0)
			service(m, &m->control.taps->tap[i], now);
}

void tap_close(struct mgr *m)
{
	struct mgr_taps *ts = m->control.taps;

	if (!ts)
		return;
	for (unsigned int i = 0; i < TAP_MAX; i++) {
		struct tap *t = &ts->tap[i];

		if (t->fd >= 0) {
			end(m, t, "manager stopping");
			flush(t); /* what the client's socket takes now; the rest is lost */
			tap_free(m, t, "manager stopping");
		}
		free(t->ring);
		free(t->out);
	}
	epoll_ctl(m->control.epfd, EPOLL_CTL_DEL, ts->efd, NULL);
	close(ts->efd);
	pthread_mutex_destroy(&ts->prod_lock);
	free(ts);
	m->control.taps = NULL;
}

void tap_totals(struct mgr *m, uint64_t *started, uint64_t *packets, uint64_t *dropped)
{
	const struct mgr_taps *ts = m->control.taps;

	*started = *packets = *dropped = 0;
	if (!ts)
		return;
	*started = ts->started;
	*packets = ts->packets;
	*dropped = ts->dropped;
	for (unsigned int i = 0; i < TAP_MAX; i++) {
		const struct tap *t = &ts->tap[i];

		if (t->fd >= 0 && !t->ending) {
			*packets += t->sent;
			*dropped += cnt_get(&t->dropped) - t->dropped0;
		}
	}
}

void tap_copy(struct mgr *m, const struct chain *c, unsigned int at, const struct tenet_pool *pool,
              const struct mdesc *d)
{
	struct mgr_taps *ts = m->control.taps;
	unsigned int chain = (unsigned int)(c - m->chains);
	/* the descriptor passed the checks against this pool: off + len is inside
	 * the buffer; the copy is what the buffer holds now, at most TAP_SNAPLEN */
	const uint8_t *frame = (const uint8_t *)tenet_pool_buf(pool, d->buf) + d->off;
	uint32_t caplen = d->len < TAP_SNAPLEN ? d->len : TAP_SNAPLEN;
	struct timespec now = {0, 0};
	bool lock = m->nb_shards > 1;

	/* a tapped packet only: the lock is the manager's own, held for a copy */
	if (lock)
		pthread_mutex_lock(&ts->prod_lock);
	for (unsigned int i = 0; i < TAP_MAX; i++) {
		struct tap *t = &ts->tap[i];
		/* pairs with the release in tap_start: chain, at and ring are this tap's */
		uint64_t gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
		uint32_t prod, cons;
		struct tap_rec *r;

		if (!(gen & 1) || __atomic_load_n(&t->chain, __ATOMIC_RELAXED) != chain ||
		    __atomic_load_n(&t->at, __ATOMIC_RELAXED) != at)
			continue;
		prod = t->prod;
		/* pairs with the release in drain: the control thread is done with the slot */
		cons = __atomic_load_n(&t->cons, __ATOMIC_ACQUIRE);
		if (prod - cons >= TAP_RING) {
			cnt_add(&t->dropped, 1); /* the reader is behind: no copy, never a wait */
			continue;
		}
		if (!now.tv_sec)
			clock_gettime(CLOCK_REALTIME, &now);
		r = &t->ring[prod & (TAP_RING - 1)];
		r->gen = gen;
		r->h = (struct tap_wire){.ts_sec = (uint32_t)now.tv_sec,
		                         .ts_nsec = (uint32_t)now.tv_nsec,
		                         .caplen = caplen,
		                         .len = d->len};
		memcpy(r->data, frame, caplen);
		/* pairs with the acquire in drain: the slot is written */
		__atomic_store_n(&t->prod, prod + 1, __ATOMIC_RELEASE);
		if (prod + 1 - cons == TAP_RING / 4)
			tenet_event_signal(
			        ts->efd); /* at most once per quarter ring; never blocks */
	}
	if (lock)
		pthread_mutex_unlock(&ts->prod_lock);
}
