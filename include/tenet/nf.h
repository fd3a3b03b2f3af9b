/*
 * libtenet: what a network function links against.
 *
 * An NF attaches to the manager over its tenant's control socket, names
 * the service it implements, and receives the fds of its tenant's pool and
 * of its own rx/tx rings and wakeup eventfds. It then runs a loop: take a
 * burst of packets from rx, decide a verdict for each, hand them back on
 * tx. The manager does the rest (next hop, copies across tenants, ports).
 *
 *     static enum tenet_verdict fwd(struct tenet_pkt *pkt, void *arg)
 *     {
 *             return TENET_V_NEXT;
 *     }
 *
 *     int main(int argc, char **argv)
 *     {
 *             struct tenet_nf *nf = tenet_nf_attach(NULL, NULL);
 *             if (!nf)
 *                     return 1;
 *             tenet_nf_run(nf, fwd, NULL);
 *             tenet_nf_detach(nf);
 *     }
 *
 * The socket and service default to the environment variables
 * TENET_SOCKET and TENET_SERVICE, which the manager sets for the NFs it
 * starts. Functions return 0 or a count, or -errno; constructors return
 * NULL with errno set. The library never exits and prints only through
 * the log callback (tenet/log.h).
 */
#ifndef TENET_NF_H
#define TENET_NF_H

#include <signal.h>
#include <stdint.h>

#include "tenet/desc.h"
#include "tenet/pkt.h"

#define TENET_BURST 32

/* One packet as the NF sees it. */
struct tenet_pkt {
	uint8_t *data; /* first byte of the frame, inside the tenant pool */
	uint16_t len;  /* frame length */
	uint16_t room; /* bytes available from data to the end of the buffer */
	enum tenet_verdict verdict;
	uint8_t arg;            /* service or port number for TO_SERVICE / OUT_PORT */
	struct tenet_desc desc; /* the descriptor as received */
};

struct tenet_nf;

/*
 * Attach to the manager. socket_path/service may be NULL to use
 * TENET_SOCKET/TENET_SERVICE. Errors: ECONNREFUSED/ENOENT (no manager),
 * EPROTO (version mismatch), ESRCH (unknown service), EACCES (refused by
 * credentials), ENOSPC (all instances of the service attached); the
 * manager's message is logged.
 */
struct tenet_nf *tenet_nf_attach(const char *socket_path, const char *service);

/* Detach cleanly: tell the manager, unmap, close. NULL is a no-op. */
void tenet_nf_detach(struct tenet_nf *nf);

/* Names and numbers the manager gave this NF. */
const char *tenet_nf_service(const struct tenet_nf *nf);
const char *tenet_nf_tenant(const struct tenet_nf *nf);
unsigned int tenet_nf_instance(const struct tenet_nf *nf);

/* Per-packet handler: return the verdict (set pkt->arg for TO_SERVICE / OUT_PORT). */
typedef enum tenet_verdict (*tenet_pkt_fn)(struct tenet_pkt *pkt, void *arg);
/* Per-burst handler: set pkts[i]->verdict (and ->arg) for each of the n packets. */
typedef void (*tenet_burst_fn)(struct tenet_pkt **pkts, unsigned int n, void *arg);

/*
 * Run the packet loop until tenet_nf_stop() or the manager says stop.
 * Polls while there is traffic and sleeps on the rx eventfd when idle
 * (unless the manager runs in --poll mode). Returns 0 on a clean stop,
 * -EPIPE when the manager went away.
 */
int tenet_nf_run(struct tenet_nf *nf, tenet_pkt_fn fn, void *arg);
int tenet_nf_run_burst(struct tenet_nf *nf, tenet_burst_fn fn, void *arg);

/* Ask the loop to return. Async-signal-safe. */
void tenet_nf_stop(struct tenet_nf *nf);

/*
 * Call fn(arg) from the loop (not from the signal handler) whenever signal
 * sig arrives; SIGINT and SIGTERM stop the loop by default. Returns 0 or -errno.
 */
int tenet_nf_on_signal(struct tenet_nf *nf, int sig, void (*fn)(void *arg), void *arg);

/* Parse the packet's headers (cached per packet is up to the caller). */
static inline enum tenet_pkt_err tenet_pkt_info(const struct tenet_pkt *pkt,
                                                struct tenet_pkt_info *info)
{
	return tenet_pkt_parse(pkt->data, pkt->len, info);
}

/* Verdict helpers. */
static inline enum tenet_verdict tenet_pkt_to_port(struct tenet_pkt *pkt, uint8_t port)
{
	pkt->arg = port;
	return TENET_V_OUT_PORT;
}

static inline enum tenet_verdict tenet_pkt_to_service(struct tenet_pkt *pkt, uint8_t service)
{
	pkt->arg = service;
	return TENET_V_TO_SERVICE;
}

#endif /* TENET_NF_H */
