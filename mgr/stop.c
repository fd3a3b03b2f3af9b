/*
 * The end of a run, on the control thread: stop the threads in the order
 * that lets every packet in flight finish - 1. close the wire, 2. let what
 * is in flight leave, 3. stop the NFs (their buffers are reclaimed), 4. the
 * afxdp transmit, 5. the dispatcher shards - then give every buffer back
 * and count what was still held as dropped at shutdown, so that the
 * accounting (stats.c) adds up. mgr_stop_now is the same without the
 * order, for a set-up that failed half-way.
 */
#include <signal.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "lib/wait.h"
#include "mgr/attach.h"
#include "mgr/loop.h"
#include "mgr/metrics.h"
#include "mgr/port_host.h"
#include "mgr/state.h"
#include "mgr/stats.h"
#include "mgr/stop.h"
#include "mgr/supervisor.h"

#define STOP_INFLIGHT_WAIT 2.0 /* s for the packets in flight once the wire is closed */
#define STOP_TERM_AFTER    1.5 /* s after TENET_MSG_STOP: SIGTERM the NFs still there */

/* Wake and join every started dispatcher shard (m->stop.dispatch is up). */
static void stop_shards(struct mgr *m)
{
	for (unsigned int b = 0; b < m->nb_shards; b++)
		if (m->shards[b].efd >= 0)
			tenet_event_signal(m->shards[b].efd);
	for (unsigned int b = 0; b < m->nb_shards; b++)
		if (m->shards[b].started) {
			pthread_join(m->shards[b].thread, NULL);
			m->shards[b].started = false;
		}
}

static bool shards_started(const struct mgr *m)
{
	for (unsigned int b = 0; b < m->nb_shards; b++)
		if (m->shards[b].started)
			return true;
	return false;
}

/* Reap until no child is left (they were sent SIGKILL). */
static void wait_children(struct mgr *m)
{
	while (children_alive(m)) {
		usleep(1000);
		reap(m, true);
	}
}

/*
 * After every thread has stopped: give back the empty buffers parked in
 * fill rings and NIC caches, note how full each pool is then (it should be
 * completely free: anything else is a packet still in flight or a leak),
 * and count the packets still held as dropped at shutdown.
 */
static void final_drain(struct mgr *m)
{
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		struct mgr_pool *mp = &m->pools[k];

		for (uint32_t b = 0; b < mp->pool->nb_bufs; b++) {
			if (tenet_pool_owner(mp->pool, b) == TENET_OWNER_FREE ||
			    mp->meta[b].chain != BUF_EMPTY)
				continue;
			tenet_pool_set_owner(mp->pool, b, TENET_OWNER_MGR);
			tenet_pool_free_bulk(mp->pool, &b, 1);
		}
		mp->free_at_stop = tenet_pool_nb_free(mp->pool);
		for (uint32_t b = 0; b < mp->pool->nb_bufs; b++) {
			if (tenet_pool_owner(mp->pool, b) == TENET_OWNER_FREE)
				continue;
			tenant_drop(&m->shards[0].acct, m->chains[mp->meta[b].chain].tenant,
			            DROP_SHUTDOWN, 1);
			tenet_pool_set_owner(mp->pool, b, TENET_OWNER_MGR);
			tenet_pool_free_bulk(mp->pool, &b, 1);
		}
	}
	/* steer: cpu - frames the router never took are in flight too */
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mdesc d[MGR_BURST];
		unsigned int n;

		if (!m->router.in[i].mem)
			continue;
		while ((n = xring_dequeue(&m->router.in[i], d, MGR_BURST)))
			no_tenant_drop(&m->shards[0].acct, DROP_SHUTDOWN, n);
	}
}

/* Ask every live NF to stop, serve their leaving for up to MGR_STOP_WAIT s, then make them. */
static void stop_nfs(struct mgr *m, struct loop *l)
{
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		struct tenet_msg msg = {.magic = TENET_PROTO_MAGIC, .type = TENET_MSG_STOP};

		if (m->nfs[id].state == NF_LIVE)
			tenet_fd_send(m->nfs[id].sock, &msg, sizeof(msg), NULL, 0);
	}
	for (double t0 = mgr_now(); mgr_now() - t0 < MGR_STOP_WAIT;) {
		unsigned int live = 0;

		loop_serve(m, l, MGR_STOP_TICK_MS, LOOP_STOPPING);
		reap(m, true);
		for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
			live += m->nfs[id].state == NF_LIVE;
		if (!live && !children_alive(m))
			break;
		if (mgr_now() - t0 > STOP_TERM_AFTER)
			signal_children(m, SIGTERM);
	}
	signal_children(m, SIGKILL);
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
		if (m->nfs[id].state == NF_LIVE)
			nf_gone(m, &m->nfs[id], m->control.epfd, "stopped");
	wait_children(m);
}

/*
 * The inline NIC stages (shard 0's thread) close at its next turn after
 * stop.nic: push what they staged, count the driver's last drops. Its
 * sleeps are 50 µs at most while they are open; STOP_STAGE_WAIT s at
 * most, as a thread's join would not be bounded either way.
 */
#define STOP_STAGE_WAIT 1.0

static void wait_inline_stages(struct mgr *m)
{
	double t0 = mgr_now();

	if (!m->shards[0].started)
		return;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		while (m->ports[i].inline_stage && !flag_up(&m->ports[i].stage_closed) &&
		       mgr_now() - t0 < STOP_STAGE_WAIT) {
			tenet_event_signal(m->shards[0].efd);
			usleep(100);
		}
}

void mgr_stop(struct mgr *m, struct loop *l, bool drained)
{
	/* 1. close the wire */
	flag_raise(&m->stop.nic);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		port_host_stop_rx(&m->ports[i]); /* no frame reaches a pool from here on */
		/* the NIC stages; a driver's own thread transmits until stop.tx */
		if (m->ports[i].has_thread && !m->ports[i].port.drv->thread) {
			pthread_join(m->ports[i].thread, NULL);
			m->ports[i].has_thread = false;
		}
	}
	wait_inline_stages(m);
	if (m->router.started) {
		pthread_join(m->router.thread, NULL);
		m->router.started = false;
	}
	/* 2. let what is in flight finish */
	for (double t0 = mgr_now();
	     !drained && mgr_in_flight(m) && mgr_now() - t0 < STOP_INFLIGHT_WAIT;)
		usleep(1000);
	/* 3. stop the NFs */
	stop_nfs(m, l);
	/* 4. driver threads (afxdp) transmitted what the drain delivered; now stop */
	flag_raise(&m->stop.tx);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].has_thread) {
			pthread_join(m->ports[i].thread, NULL);
			m->ports[i].has_thread = false;
		}
	/* 5. the dispatcher shards */
	flag_raise(&m->stop.dispatch);
	stop_shards(m);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		port_host_detach(&m->ports[i]); /* the kernel lets go of every buffer */
	final_drain(m);
	metrics_publish(m->control.metrics, mgr_now(),
	                true); /* a scrape now sees the final counters */
}

void mgr_stop_now(struct mgr *m)
{
	if (!shards_started(m) && !m->router.started)
		return;
	flag_raise(&m->stop.nic);
	flag_raise(&m->stop.tx);
	flag_raise(&m->stop.dispatch);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].has_thread)
			pthread_join(m->ports[i].thread, NULL);
	if (m->router.started)
		pthread_join(m->router.thread, NULL);
	stop_shards(m);
	signal_children(m, SIGKILL);
	wait_children(m);
}
