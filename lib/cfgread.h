/*
 * Reading a YAML config with positions: libyaml's document API (every node
 * keeps its line and column) behind checked getters, shared by the
 * manager's config (mgr/config.c) and the port drivers, each of which
 * reads its own keys (ports/).
 *
 * One error convention: a getter that fails writes one line
 * "NAME:LINE:COL: what was wrong; expected ..." (1-based) into the
 * reader's err and returns -1; the caller passes the -1 on. Unknown and
 * duplicate keys are errors, never silently ignored.
 */
#ifndef TENET_LIB_CFGREAD_H
#define TENET_LIB_CFGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#define CFG_NAME_MAX 32
#define CFG_PATH_MAX 256
#define CFG_LIST_MAX 320 /* room for "one of: a, b, c" in a message */

/* Where a value was in the file (1-based), for messages after the parse. */
struct cfg_pos {
	int line, col;
};

/* A parse in progress: the document, the name messages give, the error buffer. */
struct cfg_reader {
	yaml_document_t *doc; /* NULL outside a parse: only cfg_fail_at then */
	const char *name;     /* file name (or "request") for messages */
	char *err;
	size_t errlen;
	yaml_parser_t parser; /* cfg_load's, until cfg_unload */
	yaml_document_t store;
};

/*
 * Load the first YAML document of text into r (r->doc) and its root into
 * *root. A walk of the text's events comes first and refuses what would
 * make the checks slow however short the text (nesting deeper than 32,
 * a mapping of more than 64 keys). No root: fails with the message
 * 'empty'. single: a second document is an error. 0 (cfg_unload frees
 * the document), or -1 with the message in r->err and nothing to free.
 */
int cfg_load(struct cfg_reader *r, const char *text, size_t len, const char *empty, bool single,
             yaml_node_t **root);
void cfg_unload(struct cfg_reader *r);

/* Errors: always return -1. cfg_fail at a node (NULL: 1:1), cfg_fail_at a stored position. */
int cfg_fail(struct cfg_reader *r, const yaml_node_t *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int cfg_fail_at(struct cfg_reader *r, struct cfg_pos at, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* "bad value for KEY: <what n is>; expected EXPECT" */
int cfg_bad(struct cfg_reader *r, const yaml_node_t *n, const char *key, const char *expect);

/* Nodes. */
yaml_node_t *cfg_node(struct cfg_reader *r, int i);
const char *cfg_text(const yaml_node_t *n); /* a scalar's text */
bool cfg_is_null(const yaml_node_t *n);
/* How a value looks, for "got ..." parts of messages ('text', a list, ...). */
const char *cfg_describe(const yaml_node_t *n, char *buf, size_t size);
struct cfg_pos cfg_pos_of(const yaml_node_t *n);

/* Lists of words, for keys and messages. */
bool cfg_in_list(const char *s, const char *const *list);
void cfg_join(char *buf, size_t size, const char *const *list); /* "a, b, c" */
/* Append to buf, ending in "..." when cut. */
void cfg_append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Mappings and lists. cfg_check_keys: every key a plain string from
 * 'allowed' (NULL: any), none twice; 'what' names the mapping in messages.
 * cfg_get: the value of key, or NULL when absent. cfg_want_list accepts
 * null as an empty list.
 */
int cfg_check_keys(struct cfg_reader *r, yaml_node_t *map, const char *what,
                   const char *const *allowed);
yaml_node_t *cfg_get(struct cfg_reader *r, yaml_node_t *map, const char *key);
int cfg_want_map(struct cfg_reader *r, yaml_node_t *n, const char *what, const char *expect);
int cfg_want_list(struct cfg_reader *r, yaml_node_t *n, const char *key, const char *expect,
                  yaml_node_item_t **items, unsigned int *nb);

/* Scalars; key names the value in messages. */
int cfg_get_str(struct cfg_reader *r, yaml_node_t *n, const char *key, char *buf, size_t size);
/* A name others refer to: letters, digits, '-', '_', '.', < CFG_NAME_MAX bytes. */
int cfg_get_name(struct cfg_reader *r, yaml_node_t *n, const char *key, char *buf);
int cfg_get_bool(struct cfg_reader *r, yaml_node_t *n, const char *key, bool *out);
/* Decimal or 0x hex, optional sign; the whole string. */
bool cfg_parse_int(const char *s, bool *neg, uint64_t *out);
int cfg_get_int(struct cfg_reader *r, yaml_node_t *n, const char *key, int64_t min, int64_t max,
                int64_t *out);
int cfg_get_u64(struct cfg_reader *r, yaml_node_t *n, const char *key, uint64_t *out);
int cfg_get_num(struct cfg_reader *r, yaml_node_t *n, const char *key, double min, double max,
                double *out);
/* One of a fixed set of words; the index into names goes to *out. */
int cfg_get_enum(struct cfg_reader *r, yaml_node_t *n, const char *key, const char *const *names,
                 int *out);
/* "N" or "LO-HI", 0..65535. */
int cfg_get_port_range(struct cfg_reader *r, yaml_node_t *n, const char *key, uint16_t *lo,
                       uint16_t *hi);
/* "10.1.0.0/16", "2001:db8::/32" or a bare address; host bits cleared. */
int cfg_get_cidr(struct cfg_reader *r, yaml_node_t *n, const char *key, uint8_t *family,
                 uint8_t addr[16], uint8_t *plen);

/*
 * A file the config names that the manager or an NF will read: a regular
 * file of at most max bytes (0: any size), checked as lib/file.h opens it,
 * so that a FIFO, a device or a directory is reported at its line (at,
 * message "KEY file ...") instead of blocking or exhausting a reader later.
 */
int cfg_check_file(struct cfg_reader *r, struct cfg_pos at, const char *key, const char *path,
                   size_t max);

#endif /* TENET_LIB_CFGREAD_H */
