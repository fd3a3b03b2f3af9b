/*
 * Adaptive waiting on a ring: poll while there is traffic, sleep on an
 * eventfd when there is none, and have the producer wake a sleeping
 * consumer. The handshake is Dekker-style on the ring's 'sleeping' word,
 * with a read-modify-write on both sides (no stand-alone fences, which
 * ThreadSanitizer cannot model):
 *
 *   consumer                              producer
 *   xchg(sleeping, 1)      (seq_cst)      publish prod (release)
 *   ring empty? -> block on eventfd       fetch_or(sleeping, 0) (seq_cst)
 *   xchg(sleeping, 0)                       == 1? -> write eventfd
 *
 * The two RMWs are ordered in the modification order of 'sleeping'. If
 * the producer's comes first, the consumer's xchg reads from it
 * (acquire/release), so the published prod is visible to the consumer's
 * re-check; if the consumer's comes first, the producer reads 1 and
 * kicks. Either way a wakeup cannot be lost.
 *
 * Between manager threads the kick is an eventfd (tenet_event_*). Between
 * the manager and an NF it is a byte on a kick socket (tenet_kick_*, see
 * lib/proto.h): each side has its own open file, and every call is
 * MSG_DONTWAIT | MSG_NOSIGNAL, so the flags the other side sets on its end,
 * a full buffer, garbage bytes or a closed end cannot block the caller or
 * raise SIGPIPE in it.
 */
#ifndef TENET_WAIT_H
#define TENET_WAIT_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tenet/ring.h"

/* Empty polls before a consumer goes to sleep (manager threads that share a CPU). */
#define TENET_SPIN_POLLS 256

/*
 * How long a consumer that finds no work polls before it sleeps. Under
 * load - its last work was a full burst - it keeps polling for up to
 * TENET_SPIN_NS and yields its CPU every TENET_SPIN_YIELD polls meanwhile:
 * a wake-up costs the producer a syscall and the guest an IPI (a third of
 * the dispatcher's time at 4 Mpps when NFs slept after ~1 us), while a
 * consumer with a CPU to itself spins for free, and one that shares it
 * (both NFs of a 2-NF chain on a 2-CPU machine) hands it to the next NF of
 * the chain at every yield. Under light load (partial bursts) it sleeps
 * after TENET_SPIN_POLLS, as before: a long spin there would cost CPU per
 * packet for nothing. Idle: ~0 % CPU either way.
 */
#define TENET_SPIN_NS    50000
#define TENET_SPIN_YIELD 64

/*
 * The same for an NF (lib/nf.c). Its feeder, the dispatcher, shares a CPU
 * with the NIC stage on a small machine and is away for tens of µs at a
 * time while that runs; an NF that slept after 50 µs then cost the
 * dispatcher a kick (~10 µs of its CPU in this guest) about every 100 µs
 * under load: a 2-NF chain at max rate ran 7.2-7.9 Mpps (steer nic), and
 * 8.0-9.1 with 500 µs. It spins on its own CPU and yields to the NFs that
 * share it, and still sleeps at once under light load and when idle.
 */
#define TENET_NF_SPIN_NS 500000

struct tenet_spin {
	uint32_t polls;
	bool busy; /* the last work was a full burst */
	uint64_t since_ns;
	uint64_t limit_ns; /* polling under load, 0: TENET_SPIN_NS */
};

static inline uint64_t tenet_spin_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* After an empty poll: poll again (true), or time to sleep (false, and reset). */
static inline bool tenet_spin_more(struct tenet_spin *s)
{
	if (!s->busy) {
		if (++s->polls < TENET_SPIN_POLLS)
			return true;
		s->polls = 0;
		return false;
	}
	if (s->polls++ == 0) {
		s->since_ns = tenet_spin_now();
		return true;
	}
	if (s->polls % TENET_SPIN_YIELD)
		return true;
	sched_yield();
	if (tenet_spin_now() - s->since_ns < (s->limit_ns ? s->limit_ns : TENET_SPIN_NS))
		return true;
	s->polls = 0;
	s->busy = false;
	return false;
}

/* After a poll that found work: 'full' if it was a whole burst. */
static inline void tenet_spin_reset(struct tenet_spin *s, bool full)
{
	s->polls = 0;
	s->busy = full;
}

static inline void tenet_ring_set_sleeping(struct tenet_ring *r, uint32_t v)
{
	/* pairs with the fetch_or in tenet_ring_needs_kick */
	__atomic_exchange_n(&r->shm->sleeping, v, __ATOMIC_SEQ_CST);
}

/* Producer: after publishing, does the consumer need a kick? */
static inline int tenet_ring_needs_kick(struct tenet_ring *r)
{
	/* pairs with the exchange in tenet_ring_set_sleeping */
	return __atomic_fetch_or(&r->shm->sleeping, 0, __ATOMIC_SEQ_CST) != 0;
}

static inline void tenet_event_signal(int efd)
{
	uint64_t one = 1;
	ssize_t rc = write(efd, &one, sizeof(one));

	(void)rc; /* EAGAIN: the counter is already non-zero, the kick is pending */
}

static inline void tenet_event_drain(int efd)
{
	uint64_t v;
	ssize_t rc = read(efd, &v, sizeof(v));

	(void)rc;
}

/* Bytes a drain reads at most per call: a peer that writes without pause
 * cannot keep the caller in the drain. */
#define TENET_KICK_DRAIN 1024

/*
 * Kick the peer of a kick socket. Returns 0 when the byte was queued or the
 * peer's buffer is full (it has kicks pending: nothing is lost), -errno
 * (EPIPE, ECONNRESET...) when the peer's end is closed or shut down.
 */
static inline int tenet_kick_send(int fd)
{
	static const char one = 1;

	if (send(fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
		return 0;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOBUFS
	               ? 0
	               : -errno;
}

/*
 * Consume the kicks pending on a kick socket, whatever their bytes, at most
 * TENET_KICK_DRAIN bytes. Returns the bytes read (0: none pending), or
 * -EPIPE when the peer's end is closed or shut down (no kick will come
 * again), or another -errno.
 */
static inline ssize_t tenet_kick_drain(int fd)
{
	char b[256];
	ssize_t total = 0;

	while (total < TENET_KICK_DRAIN) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? total : -errno;
		}
		total += n;
		if ((size_t)n < sizeof(b))
			break;
	}
	return total;
}

#endif
