/*
 * Tenant classifier: an ordered match-action table, header match ->
 * (tenant, chain). One rule model feeds three back ends: the CPU router,
 * the NIC stage of the software ports, and the XDP maps.
 *
 * Rules have priorities (lower value wins; ties: earlier id wins). A
 * lookup returns the highest-priority matching rule, or the default
 * action. Lookups must stay fast with 10,000 rules.
 */
#ifndef TENET_CLASSIFY_H
#define TENET_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "tenet/pkt.h"

#define TENET_ANY (-1)

struct tenet_match {
	uint8_t family;   /* 0: any, 4: IPv4 only, 6: IPv6 only */
	uint8_t src_plen; /* prefix lengths; 0 matches any address */
	uint8_t dst_plen;
	uint8_t src[16], dst[16];    /* network byte order, IPv4 in the first 4 bytes */
	int16_t proto;               /* IP protocol or TENET_ANY */
	uint16_t sport_lo, sport_hi; /* inclusive; 0..65535 matches any */
	uint16_t dport_lo, dport_hi;
	int32_t vlan;    /* outer VLAN id or TENET_ANY */
	int32_t in_port; /* ingress port index or TENET_ANY */
};

struct tenet_rule {
	uint32_t id;      /* unique, assigned by the caller */
	int32_t priority; /* lower wins */
	struct tenet_match match;
	uint16_t tenant; /* action: tenant index */
	uint16_t chain;  /* action: chain index */
};

struct tenet_action {
	uint16_t tenant;
	uint16_t chain;
	uint32_t rule_id; /* matching rule, or TENET_RULE_DEFAULT */
};
#define TENET_RULE_DEFAULT 0xffffffffu

struct tenet_classifier;

/* Empty table whose default is 'drop' (dflt == NULL) or the given action. */
struct tenet_classifier *tenet_classifier_create(const struct tenet_action *dflt);
void tenet_classifier_destroy(struct tenet_classifier *c);

/* Add a rule; -EEXIST if the id is taken, -EINVAL for a bad match. */
int tenet_classifier_add(struct tenet_classifier *c, const struct tenet_rule *r);
/* Remove a rule by id; -ENOENT if absent. */
int tenet_classifier_del(struct tenet_classifier *c, uint32_t id);
unsigned int tenet_classifier_count(const struct tenet_classifier *c);
/* The i-th rule in id order, for listing (NULL past the end). */
const struct tenet_rule *tenet_classifier_rule(const struct tenet_classifier *c, unsigned int i);
/*
 * Deep copy of a table (rules and default), independent of the original:
 * edit the copy, then swap it in for an atomic update. Caller owns the
 * result; NULL with errno set (ENOMEM, EINVAL) on error.
 */
struct tenet_classifier *tenet_classifier_clone(const struct tenet_classifier *c);

/*
 * Look up a parsed packet arriving on in_port. Returns true and fills *act
 * on a match or a default chain; false means "drop" (no rule, default drop).
 */
bool tenet_classifier_lookup(const struct tenet_classifier *c, const struct tenet_pkt_info *pi,
                             int in_port, struct tenet_action *act);

#endif /* TENET_CLASSIFY_H */
