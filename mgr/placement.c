/*
 * CPU placement (placement.h).
 *
 * auto, the default, from the n CPUs the process may run on: with one CPU
 * nothing is pinned; otherwise the first k = min(threads, n / 2) CPUs (at
 * least one) take the data-plane threads, round-robin, and the rest the
 * NFs, one CPU per NF instance, round-robin in config order. On a 2-CPU
 * machine: the manager's threads share CPU 0 and every NF runs on CPU 1,
 * so a busy manager thread never preempts the NF it feeds and the kernel
 * does not move them about (docs/RESULTS.md, placement). On a many-core
 * server every thread gets a CPU of its own while there are enough.
 * cpus.manager / cpus.nfs / a service's cpus replace a part of that; an NF
 * started by hand is not placed. 'none': no pinning at all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgr/placement.h"
#include "mgr/state.h"
#include "tenet/log.h"

static unsigned int to_list(const cpu_set_t *set, int *out)
{
	unsigned int n = 0;

	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set))
			out[n++] = i;
	return n;
}

static void list_text(const int *cpu, unsigned int n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && len + 8 < size; i++) {
		unsigned int j = i;

		while (j + 1 < n && cpu[j + 1] == cpu[j] + 1)
			j++;
		len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? "," : "", cpu[i]);
		if (j > i)
			len += (size_t)snprintf(buf + len, size - len, "-%d", cpu[j]);
		i = j;
	}
}

void placement_plan(struct mgr *m, unsigned int nb_threads)
{
	const struct cfg_manager *c = &m->cfg->mgr;
	struct placement *pl = &m->place;
	cpu_set_t allowed, rest;
	int all[CPU_SETSIZE];
	unsigned int n, k;
	char a[256], b[256];

	memset(pl, 0, sizeof(*pl));
	if (c->place == CFG_PLACE_NONE || sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return;
	n = to_list(&allowed, all);
	if (n < 2 && !c->mgr_cpus.given && !c->nf_cpus.given)
		return;
	k = nb_threads < n / 2 ? nb_threads : n / 2;
	if (k < 1)
		k = 1;
	if (c->mgr_cpus.given) {
		pl->nb_mgr = to_list(&c->mgr_cpus.set, pl->mgr);
	} else {
		/* the first k allowed CPUs not given to the NFs */
		for (unsigned int i = 0; i < n && pl->nb_mgr < k; i++)
			if (!c->nf_cpus.given || !CPU_ISSET(all[i], &c->nf_cpus.set))
				pl->mgr[pl->nb_mgr++] = all[i];
		if (!pl->nb_mgr)
			pl->mgr[pl->nb_mgr++] = all[0];
	}
	if (c->nf_cpus.given) {
		pl->nb_nf = to_list(&c->nf_cpus.set, pl->nf);
	} else {
		rest = allowed;
		for (unsigned int i = 0; i < pl->nb_mgr; i++)
			CPU_CLR(pl->mgr[i], &rest);
		pl->nb_nf = to_list(CPU_COUNT(&rest) ? &rest : &allowed, pl->nf);
	}
	pl->on = true;
	list_text(pl->mgr, pl->nb_mgr, a, sizeof(a));
	list_text(pl->nf, pl->nb_nf, b, sizeof(b));
	tenet_log(TENET_LOG_INFO, "placement: manager threads on CPU %s, NFs on CPU %s", a, b);
}

void placement_pin_thread(struct mgr *m, pthread_t t, const char *name)
{
	struct placement *pl = &m->place;
	cpu_set_t set;
	int cpu, rc;

	if (!pl->on)
		return;
	cpu = pl->mgr[pl->next++ % pl->nb_mgr];
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(t, sizeof(set), &set);
	if (rc)
		tenet_log(TENET_LOG_WARN, "placement: %s on CPU %d: %s", name, cpu, strerror(rc));
	else
		tenet_log(TENET_LOG_DEBUG, "placement: %s on CPU %d", name, cpu);
}

int placement_nf_cpu(const struct mgr *m, unsigned int s, unsigned int k)
{
	const struct placement *pl = &m->place;
	const struct cfg_service *svc = &m->cfg->services[s];
	unsigned int slot = 0;
	int cpus[CPU_SETSIZE];

	if (!pl->on)
		return -1;
	if (svc->cpus.given) {
		unsigned int n = to_list(&svc->cpus.set, cpus);

		return cpus[k % n];
	}
	/* round-robin over the NFs of the services without a list of their own */
	for (unsigned int i = 0; i < s; i++)
		if (!m->cfg->services[i].cpus.given)
			slot += m->cfg->services[i].instances;
	return pl->nb_nf ? pl->nf[(slot + k) % pl->nb_nf] : -1;
}
