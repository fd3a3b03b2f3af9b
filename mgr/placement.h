/*
 * CPU placement: the CPUs the manager's data-plane threads (the dispatcher
 * shards, router, one nic thread per receiving port) and the NFs it starts run on
 * (manager.cpus, services[].cpus; docs/config.md).
 */
#ifndef TENET_MGR_PLACEMENT_H
#define TENET_MGR_PLACEMENT_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

struct mgr;

struct placement {
	bool on;
	unsigned int nb_mgr, nb_nf, next; /* next: the next manager thread's slot */
	int mgr[CPU_SETSIZE], nf[CPU_SETSIZE];
};

/*
 * Work out the placement for m's config and the CPUs this process may run
 * on, and log it. nb_threads: the data-plane threads that will be started.
 */
void placement_plan(struct mgr *m, unsigned int nb_threads);

/* Pin a data-plane thread that was just started (the next slot, round-robin). */
void placement_pin_thread(struct mgr *m, pthread_t t, const char *name);

/* The CPU instance k of service s runs on, or -1 (no placement). */
int placement_nf_cpu(const struct mgr *m, unsigned int s, unsigned int k);

#endif
