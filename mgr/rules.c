/*
 * The rule table: the classifier that maps a frame to a tenant and a
 * chain, read by every ingress path (the NIC stages, the router, the
 * dispatcher shards' re-classify, and the XDP copy of afxdp ports).
 *
 * It is built once from the config's chains (rules_create) and changed at
 * run time only by the control thread (tenet ctl's rule and chain verbs,
 * ctl.c), atomically for the data path: a complete new table (a clone
 * plus the change) is published with one release store, the XDP programs
 * get their copy, and the old table is freed only once every reader
 * thread has passed a quiescent point (its epoch moved: it holds no
 * pointer to the old one). No packet sees a half-updated table; a change
 * that fails changes nothing.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/wait.h"
#include "mgr/port_host.h"
#include "mgr/rules.h"
#include "mgr/state.h"
#include "tenet/log.h"

#define RULES_RUNTIME_ID 1000 /* first id of a run-time rule; config chains use 0..249 */

int rules_create(struct mgr *m)
{
	const struct tenet_config *c = m->cfg;
	struct tenet_action dflt;

	if (c->default_chain >= 0) {
		dflt.chain = (uint16_t)c->default_chain;
		dflt.tenant = c->chains[c->default_chain].tenant;
		dflt.rule_id = TENET_RULE_DEFAULT;
	}
	m->cls = tenet_classifier_create(c->default_chain >= 0 ? &dflt : NULL);
	if (!m->cls)
		return -1;
	for (unsigned int i = 0; i < c->nb_chains; i++) {
		const struct cfg_chain *cc = &c->chains[i];
		struct tenet_rule r = {.id = i,
		                       .priority = cc->priority,
		                       .match = cc->match,
		                       .tenant = cc->tenant,
		                       .chain = (uint16_t)i};
		int err = tenet_classifier_add(m->cls, &r);

		if (err) {
			tenet_log(TENET_LOG_ERR, "chain %s: rule refused: %s", cc->name,
			          strerror(-err));
			return -1;
		}
	}
	m->next_rule_id = RULES_RUNTIME_ID;
	return 0;
}

void rules_destroy(struct mgr *m)
{
	tenet_classifier_destroy(m->cls);
	m->cls = NULL;
}

/* ---- publication ----------------------------------------------------------- */

static void wait_quiescent(struct mgr *m)
{
	uint64_t seen[CFG_MAX_PORTS + 1 + MGR_MAX_SHARDS];
	unsigned int np = m->cfg->nb_ports;

	for (unsigned int i = 0; i < np; i++)
		seen[i] = __atomic_load_n(&m->ports[i].rx.epoch, __ATOMIC_ACQUIRE);
	seen[np] = __atomic_load_n(&m->router.epoch, __ATOMIC_ACQUIRE);
	/* every dispatcher shard is a reader (steer: shared, afxdp's re-classify) */
	for (unsigned int b = 0; b < m->nb_shards; b++)
		seen[np + 1 + b] = __atomic_load_n(&m->shards[b].epoch, __ATOMIC_ACQUIRE);
	for (int tries = 0; tries < 5000; tries++) {
		bool all = true;

		for (unsigned int i = 0; i < np; i++) {
			struct mport *p = &m->ports[i];

			if (p->has_thread && !__atomic_load_n(&p->rx.done, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&p->rx.epoch, __ATOMIC_ACQUIRE) == seen[i])
				all = false;
		}
		if (m->have_router &&
		    __atomic_load_n(&m->router.epoch, __ATOMIC_ACQUIRE) == seen[np])
			all = false;
		for (unsigned int b = 0; b < m->nb_shards; b++)
			if (__atomic_load_n(&m->shards[b].epoch, __ATOMIC_ACQUIRE) ==
			    seen[np + 1 + b])
				all = false;
		if (all)
			return;
		usleep(200);
	}
}

void rules_publish(struct mgr *m, struct tenet_classifier *next)
{
	struct tenet_classifier *old = m->cls;

	/* release pairs with the acquire in mgr_cls() (state.h): readers see a whole table */
	__atomic_store_n(&m->cls, next, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) /* and the NIC's copy */
		if (port_host_set_rules(&m->ports[i], next))
			tenet_log(TENET_LOG_WARN, "port %s: XDP rules not updated",
			          m->cfg->ports[i].name);
	for (unsigned int b = 0; b < m->nb_shards; b++)
		tenet_event_signal(m->shards[b].efd);
	wait_quiescent(m);
	tenet_classifier_destroy(old);
}

/* ---- changes --------------------------------------------------------------- */

int rules_add(struct mgr *m, const struct tenet_rule *ru)
{
	struct tenet_classifier *next = tenet_classifier_clone(m->cls);
	int err;

	if (!next)
		return -ENOMEM;
	err = tenet_classifier_add(next, ru);
	if (err) {
		tenet_classifier_destroy(next);
		return err;
	}
	rules_publish(m, next);
	return 0;
}

int rules_del(struct mgr *m, uint32_t id)
{
	struct tenet_classifier *next = tenet_classifier_clone(m->cls);

	if (!next)
		return -ENOMEM;
	if (tenet_classifier_del(next, id)) {
		tenet_classifier_destroy(next);
		return -ENOENT;
	}
	rules_publish(m, next);
	return 0;
}

int rules_del_chain(struct mgr *m, unsigned int chain)
{
	struct tenet_classifier *next = tenet_classifier_clone(m->cls);
	int n = 0;

	if (!next)
		return -ENOMEM;
	for (unsigned int i = tenet_classifier_count(next); i-- > 0;) {
		const struct tenet_rule *ru = tenet_classifier_rule(next, i);

		if (ru->chain == chain) {
			tenet_classifier_del(next, ru->id);
			n++;
		}
	}
	rules_publish(m, next);
	return n;
}
