/*
 * Inside the config reader (mgr/config.c, mgr/config_chain.c): the parse
 * in progress, the lookups both use (mgr/config_parse.c) and the sections
 * the walker calls (mgr/config_chain.c). Not for the rest of the manager,
 * which sees only mgr/config.h.
 */
#ifndef TENET_MGR_CONFIG_PARSE_H
#define TENET_MGR_CONFIG_PARSE_H

#include "lib/cfgread.h"
#include "mgr/config_types.h"

struct ctx {
	struct cfg_reader r; /* the document, the file name and the error buffer */
	struct tenet_config *cfg;
	/* per port: the steer node if given (NULL: defaulted), and the port node */
	yaml_node_t *steer_node[CFG_MAX_PORTS];
	yaml_node_t *port_node[CFG_MAX_PORTS];
	yaml_node_t *tenant_node[CFG_MAX_TENANTS], *buf_size_node[CFG_MAX_TENANTS];
};

/* mgr/config_parse.c: names declared before services and chains are read */
int config_find_port(struct ctx *c, yaml_node_t *n, const char *key, int *out);
int config_find_tenant(struct ctx *c, const char *name);
void config_tenant_list(struct ctx *c, char *list, size_t size);
/* A CPU list ("0-3,6" or an integer) into out, its position kept. */
int config_get_cpus(struct cfg_reader *r, yaml_node_t *n, const char *key, struct cfg_cpus *out);

/* mgr/config_chain.c: the sections that refer to them */
int config_parse_services(struct ctx *c, yaml_node_t *n);
int config_parse_chains(struct ctx *c, yaml_node_t *n);
int config_parse_default(struct ctx *c, yaml_node_t *n);

#endif /* TENET_MGR_CONFIG_PARSE_H */
