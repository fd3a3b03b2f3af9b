/* The NIC model and the router threads (mgr/nic.c). */
#ifndef TENET_MGR_NIC_H
#define TENET_MGR_NIC_H

#include "mgr/state.h"

struct nic_arg {
	struct mgr *m;
	struct mport *p;
};

/*
 * A port's NIC stage on a thread of its own: parse, classify, DMA into a
 * pool; arg is a struct nic_arg.
 */
void *nic_thread(void *arg);

/*
 * A NIC stage run inline, by a dispatcher's thread (manager.nic_stage):
 * the host is that dispatcher, which consumes the stage's ingress ring
 * and owns its fill rings. Where a stage with a thread of its own yields
 * its CPU to the dispatcher (a full ingress ring, an empty fill ring),
 * an inline one runs one of the host's turns instead. Not for steer cpu
 * (its frames go to the router, another thread).
 */
struct nic_host {
	void (*turn)(void *arg); /* one turn of the dispatcher (it must not run NIC stages) */
	void *arg;
};

struct nic_stage;

/* A stage for port p: host NULL for nic_thread's own, else inline. NULL: out of memory. */
struct nic_stage *nic_stage_open(struct mgr *m, struct mport *p, const struct nic_host *host);
/* One poll of the port: the frames taken, 0 none, -ENODATA the source is done (rx.done is up). */
int nic_stage_turn(struct nic_stage *s);
/* Inline: the time of the stage's turns so far, less its host's turns inside them. */
uint64_t nic_stage_ns(const struct nic_stage *s);
/* Push what is staged, count the driver's last drops, publish the figures; frees s. */
void nic_stage_close(struct nic_stage *s);
/* steer: cpu: classify and copy from the ingress pool; arg is the struct mgr. */
void *router_thread(void *arg);

#endif
