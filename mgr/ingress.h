/*
 * Classifying a frame on its way in: the one place where a frame becomes
 * a chain and a pool. Parse (lib/pkt.c), look the frame up in the rule
 * table (lib/classify.c), map the chain to its tenant's pool, and write
 * what the dispatcher needs into the manager's descriptor.
 *
 * Every ingress path calls it: the NIC stage (steer: nic, nic.c), the
 * router (steer: cpu, nic.c), and the dispatcher for a frame that reached
 * it unclassified (steer: shared, or an afxdp frame whose rules changed
 * between the NIC and the host; dispatch.c). It runs once per packet on
 * those threads, so it is inline here rather than a call into another
 * file.
 */
#ifndef TENET_MGR_INGRESS_H
#define TENET_MGR_INGRESS_H

#include <stdint.h>

#include "lib/classify.h"
#include "mgr/state.h"
#include "lib/xring.h"
#include "tenet/pkt.h"

/* mgr_classify_frame's result for a classified frame: no drop reason. */
#define INGRESS_CLASSIFIED DROP_MAX

/*
 * Classify the frame d describes: d->len bytes at 'frame' (wherever they
 * are now: a driver's staging memory or a pool buffer), received on port
 * d->port, against the rule table cls (the caller's mgr_cls(m), held no
 * longer than to its next quiescent point).
 *
 * Returns INGRESS_CLASSIFIED with d->chain, d->pool (the pool of the
 * chain's tenant), d->hash (the flow hash) set and d->hop 0 (a caller
 * whose NIC ran the chain's leading hops moves it on), and *pi the parse
 * of the frame. Otherwise returns why the frame is dropped, and d is
 * unchanged: DROP_MALFORMED when it does not parse (counted in
 * parse_err[the error], an array of TENET_PKT_ERR_MAX counters the
 * calling thread writes), DROP_NO_RULE when no rule matches and the
 * default is drop. A frame that is not IP is classified (rules may match
 * it by port alone). The caller counts the drop where its drops go.
 */
static inline enum drop_reason mgr_classify_frame(const struct mgr *m,
                                                  const struct tenet_classifier *cls,
                                                  const uint8_t *frame, struct mdesc *d,
                                                  struct tenet_pkt_info *pi, uint64_t parse_err[])
{
	struct tenet_action act;
	enum tenet_pkt_err e = tenet_pkt_parse(frame, d->len, pi);

	if (e != TENET_PKT_OK && e != TENET_PKT_NON_IP) {
		cnt_add(&parse_err[e], 1);
		return DROP_MALFORMED;
	}
	if (!tenet_classifier_lookup(cls, pi, d->port, &act))
		return DROP_NO_RULE;
	d->chain = (uint8_t)act.chain;
	d->pool = (uint8_t)m->tenants[m->chains[act.chain].tenant].mp->index;
	d->hash = tenet_flow_hash(pi);
	d->hop = 0;
	return INGRESS_CLASSIFIED;
}

#endif
