/*
 * The control thread's event handler: one epoll set for the tenants'
 * listen sockets, the attachments in progress, the NFs' control
 * connections, the signals and tenet ctl, each tagged EV_* | index
 * (state.h). Every phase of mgr_run calls loop_serve with what it accepts,
 * so the tags are decoded, and the signalfd read, in this one place.
 */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "mgr/attach.h"
#include "mgr/ctl.h"
#include "mgr/loop.h"
#include "mgr/state.h"
#include "mgr/supervisor.h"

int loop_open(struct mgr *m, struct loop *l)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_SIGNAL};

	l->stop_asked = false;
	sigemptyset(&l->sigs);
	sigaddset(&l->sigs, SIGINT);
	sigaddset(&l->sigs, SIGTERM);
	sigaddset(&l->sigs, SIGCHLD);
	sigaddset(&l->sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &l->sigs, &l->oldmask); /* threads inherit the mask */
	l->sfd = signalfd(-1, &l->sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	m->control.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->sfd < 0 || m->control.epfd < 0)
		return -1;
	epoll_ctl(m->control.epfd, EPOLL_CTL_ADD, l->sfd, &ev);
	return 0;
}

void loop_close(struct mgr *m, struct loop *l)
{
	if (l->sfd >= 0)
		close(l->sfd);
	if (m->control.epfd >= 0)
		close(m->control.epfd);
	l->sfd = m->control.epfd = -1;
}

void loop_unblock(struct loop *l)
{
	/* discard what arrived while blocked, then give the caller its mask back */
	struct timespec zero = {0};

	while (sigtimedwait(&l->sigs, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &l->oldmask, NULL);
}

/* Read every pending signal; with LOOP_SIGNALS act on them, else only drain them. */
static void serve_signals(struct mgr *m, struct loop *l, unsigned int accept)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si))
		if ((accept & LOOP_SIGNALS) && (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM))
			l->stop_asked = true;
	if (accept & LOOP_SIGNALS)
		reap(m, false);
}

void loop_serve(struct mgr *m, struct loop *l, int timeout_ms, unsigned int accept)
{
	struct epoll_event evs[MGR_EPOLL_BATCH];
	int n = epoll_wait(m->control.epfd, evs, MGR_EPOLL_BATCH, timeout_ms);

	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32, kind = tag & 0xffff0000u;
		unsigned int idx = tag & 0xffff;

		if (kind == EV_NF) {
			/* an earlier event of this batch may have ended its life */
			if (m->nfs[idx].state == NF_LIVE)
				handle_nf_event(m, &m->nfs[idx], m->control.epfd);
		} else if (tag == EV_SIGNAL) {
			serve_signals(m, l, accept);
		} else if (kind == EV_LISTEN && (accept & LOOP_ATTACH)) {
			accept_conn(m, idx, m->control.epfd);
		} else if (kind == EV_PENDING && (accept & LOOP_ATTACH)) {
			handle_attach(m, idx, m->control.epfd);
		} else if (kind == EV_CTL && (accept & LOOP_CTL)) {
			ctl_event(m, idx);
		}
	}
}
