/*
 * mgr/loop.c: the control thread's one event handler. Every phase of a run
 * (waiting for the NFs to attach, running, stopping) waits on the same
 * epoll set and hands what comes to the same code; a phase differs only in
 * what it accepts (LOOP_*): events it does not accept stay unserved until
 * a phase that accepts them, except signals, which are always drained.
 */
#ifndef TENET_MGR_LOOP_H
#define TENET_MGR_LOOP_H

#include <signal.h>
#include <stdbool.h>

struct mgr;

/* What a phase accepts (loop_serve's accept mask); NF connections always. */
#define LOOP_ATTACH   0x1u /* tenants' listen sockets and attachments in progress (attach.c) */
#define LOOP_CTL      0x2u /* tenet ctl sockets (ctl.c) */
#define LOOP_SIGNALS  0x4u /* SIGINT, SIGTERM: stop; SIGCHLD: reap (else only drained) */
#define LOOP_ALL      (LOOP_ATTACH | LOOP_CTL | LOOP_SIGNALS)
#define LOOP_STOPPING 0u /* NF connections only: the NFs leaving */

struct loop {
	int sfd;                /* signalfd: SIGINT, SIGTERM, SIGCHLD, SIGPIPE */
	sigset_t sigs, oldmask; /* what is blocked, and the caller's mask to give back */
	bool stop_asked;        /* SIGINT or SIGTERM came (LOOP_SIGNALS) */
};

/*
 * Block the signals (threads started later inherit the mask), open their
 * signalfd and the control thread's epoll set (m->control.epfd), the one
 * in the other. 0, or -1 (loop_close and loop_unblock undo what was done).
 */
int loop_open(struct mgr *m, struct loop *l);
/* Close both. */
void loop_close(struct mgr *m, struct loop *l);
/* Discard the signals that came while blocked and give back the caller's mask (last). */
void loop_unblock(struct loop *l);
/* Wait up to timeout_ms for events and serve those accept allows; never blocks longer. */
void loop_serve(struct mgr *m, struct loop *l, int timeout_ms, unsigned int accept);

#endif /* TENET_MGR_LOOP_H */
