/*
 * mgr/attach.c: NF attachment, on the control thread: accept a connection on a tenant's
 * socket, give it PENDING_WAIT s to say hello, check who it is, build its
 * rings and send the welcome with the tenant's pool and its own ring fds
 * only; then hand the NF to the dispatcher through the command queue. An
 * NF that hangs up or misbehaves on its control socket is let go of here
 * (the dispatcher reclaims its buffers).
 */
#ifndef TENET_MGR_ATTACH_H
#define TENET_MGR_ATTACH_H

#include <stdbool.h>

#include "mgr/state.h"

/* Wait until the dispatcher has applied every posted command. */
void wait_commands(struct mgr *m);
void nf_release(struct nf *nf);
/*
 * A new connection on a tenant's control socket waits, without blocking the
 * control thread, until its hello arrives or PENDING_WAIT s pass: a client
 * that connects and says nothing costs a slot for a moment, nothing more.
 * The slots are per tenant (MGR_PENDING_PER_TENANT each): a tenant that
 * floods its own socket with silent connections exhausts only its own.
 */
void accept_conn(struct mgr *m, unsigned int t, int epfd);
void expire_pending(struct mgr *m, int epfd, double now);
void handle_attach(struct mgr *m, unsigned int slot, int epfd);
void nf_gone(struct mgr *m, struct nf *nf, int epfd, const char *why);
void handle_nf_event(struct mgr *m, struct nf *nf, int epfd);

#endif
