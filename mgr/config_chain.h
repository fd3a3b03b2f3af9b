/*
 * Run-time changes of the config (tenet ctl), read by mgr/config_chain.c
 * with the same rules as the file's chains: a chain, a rule.
 */
#ifndef TENET_MGR_CONFIG_CHAIN_H
#define TENET_MGR_CONFIG_CHAIN_H

#include <stddef.h>

#include "mgr/config_types.h"

/*
 * Run-time changes (tenet ctl). Parse one chain, given as a YAML mapping
 * with the keys of a config chain, into cfg->chains[cfg->nb_chains] and
 * return that index; the caller commits it by incrementing nb_chains.
 * Messages are "request:LINE:COL: ...". Returns -1 on error.
 */
int tenet_config_parse_chain(struct tenet_config *cfg, const char *text, size_t len, char *err,
                             size_t errlen);

/* Parse {match: {...}, chain: NAME, priority: N}. 0 or -1 with err set. */
int tenet_config_parse_rule(struct tenet_config *cfg, const char *text, size_t len,
                            struct cfg_rule *out, char *err, size_t errlen);

#endif /* TENET_MGR_CONFIG_CHAIN_H */
