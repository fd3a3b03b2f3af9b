/*
 * mgr/rules.c: the rule table (the classifier every ingress path reads
 * through mgr_cls): built from the config's chains at set-up, changed at
 * run time (tenet ctl, ctl.c) by publishing a whole new table.
 */
#ifndef TENET_MGR_RULES_H
#define TENET_MGR_RULES_H

#include <stdint.h>

#include "lib/classify.h"

struct mgr;

/*
 * The table of the config: a rule per chain (id = the chain's index), the
 * default chain if any; run-time rules get ids from RULES_RUNTIME_ID up.
 * 0, or -1 with the reason logged.
 */
int rules_create(struct mgr *m);
void rules_destroy(struct mgr *m);

/*
 * Changes, on the control thread. Each builds a whole new table (a copy
 * plus the change) and publishes it (rules_publish), or changes nothing
 * and returns -ENOMEM (no memory for the copy) or the classifier's -errno.
 */
int rules_add(struct mgr *m, const struct tenet_rule *ru);
/* -ENOENT: no rule id. */
int rules_del(struct mgr *m, uint32_t id);
/* Remove every rule that leads to chain; returns how many, or -ENOMEM. */
int rules_del_chain(struct mgr *m, unsigned int chain);

/*
 * Make next the table every reader uses: one release store (read with
 * mgr_cls' acquire), the afxdp ports' XDP copy, then wait until every
 * reader thread has passed a quiescent point (its epoch moved: it holds
 * no pointer to the old table) and free the old one.
 */
void rules_publish(struct mgr *m, struct tenet_classifier *next);

#endif /* TENET_MGR_RULES_H */
