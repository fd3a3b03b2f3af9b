/*
 * The config reader's lookups, shared by the file's walker (mgr/config.c)
 * and the sections that refer to what it read (mgr/config_chain.c): a port
 * or a tenant by name, the list of names for a message, a CPU list. They
 * sit below both readers so that the walker calls the sections and never
 * the other way round.
 */
#include <ctype.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfgread.h"
#include "mgr/config_parse.h"

/*
 * A CPU list: an integer, or a string of CPUs and ranges, "0-3,6". Checked
 * against the CPUs the manager may use when it starts (check_cpus).
 */
int config_get_cpus(struct cfg_reader *r, yaml_node_t *n, const char *key, struct cfg_cpus *out)
{
	const char *s = n->type == YAML_SCALAR_NODE ? cfg_text(n) : "";
	const char *expect = "a CPU list such as 1 or \"0-3,6\" (CPUs 0..1023)";

	CPU_ZERO(&out->set);
	if (!*s)
		return cfg_bad(r, n, key, expect);
	while (*s) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*s))
			return cfg_bad(r, n, key, expect);
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return cfg_bad(r, n, key, expect);
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= CPU_SETSIZE || (*end && *end != ','))
			return cfg_bad(r, n, key, expect);
		for (unsigned long i = a; i <= b; i++)
			CPU_SET(i, &out->set);
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return cfg_bad(r, n, key, expect);
	}
	out->given = true;
	out->at = cfg_pos_of(n);
	return 0;
}

int config_find_port(struct ctx *c, yaml_node_t *n, const char *key, int *out)
{
	char name[CFG_NAME_MAX], list[CFG_LIST_MAX] = "";

	if (cfg_get_str(&c->r, n, key, name, sizeof(name)) < 0)
		return -1;
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++)
		if (!strcmp(c->cfg->ports[i].name, name)) {
			*out = (int)i;
			return 0;
		}
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++)
		cfg_append(list, sizeof(list), "%s%s", i ? ", " : "", c->cfg->ports[i].name);
	return cfg_fail(&c->r, n, "unknown port '%s' for %s; expected one of: %s", name, key,
	                c->cfg->nb_ports ? list : "(no ports declared)");
}

int config_find_tenant(struct ctx *c, const char *name)
{
	for (unsigned int i = 0; i < c->cfg->nb_tenants; i++)
		if (!strcmp(c->cfg->tenants[i].name, name))
			return (int)i;
	return -1;
}

void config_tenant_list(struct ctx *c, char *list, size_t size)
{
	list[0] = '\0';
	for (unsigned int i = 0; i < c->cfg->nb_tenants; i++)
		cfg_append(list, size, "%s%s", i ? ", " : "", c->cfg->tenants[i].name);
	if (!c->cfg->nb_tenants)
		cfg_append(list, size, "(no tenants declared)");
}
