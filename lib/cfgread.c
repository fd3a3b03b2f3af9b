/*
 * Reading a YAML config with positions (lib/cfgread.h): the checked
 * getters every part of the config uses, the manager's sections
 * (mgr/config.c) and each port driver's own keys (ports/), and the one
 * error format they share.
 *
 * Every getter either stores a checked value or writes one line
 * "NAME:LINE:COL: what was wrong; expected ..." into the reader's error
 * buffer and returns -1, so a caller only passes the -1 on.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cfgread.h"
#include "lib/file.h"

/* ---------------------------------------------------------------- errors */

/* Copy src into dst of size bytes, cut short if need be. */
static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The last "; expected" of a message: where the part that must survive a cut starts. */
static const char *expect_tail(const char *msg)
{
	const char *t = NULL;

	for (const char *p = strstr(msg, "; expected"); p; p = strstr(p + 1, "; expected"))
		t = p;
	return t;
}

/*
 * One line "NAME:LINE:COL: message" into r->err. The message is formatted
 * at its full length first (an echoed value may be as long as the file),
 * control bytes become '?', and when it does not fit, the middle is cut so
 * that the position and the "; expected ..." part survive.
 */
static int vfail(struct cfg_reader *r, size_t line, size_t col, const char *fmt, va_list ap)
{
	char pos[CFG_PATH_MAX + 48], *msg = NULL, *full = NULL;
	const char *tail;
	size_t len;
	int off, rc;

	if (!r->err || !r->errlen)
		return -1;
	off = snprintf(pos, sizeof(pos), "%s:%zu:%zu: ", r->name, line, col);
	if (off < 0 || (size_t)off >= sizeof(pos))
		pos[0] = '\0';
	rc = vasprintf(&msg, fmt, ap);
	if (rc < 0 || asprintf(&full, "%s%s", pos, msg) < 0) {
		copy_cut(r->err, r->errlen, pos);
		free(msg);
		return -1;
	}
	free(msg);
	off = (int)strlen(pos);
	for (char *p = full + off; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	len = strlen(full);
	tail = expect_tail(full + off);
	if (len < r->errlen || !tail || (size_t)(tail - full) < 3) {
		copy_cut(r->err, r->errlen, full);
	} else {
		size_t tlen = strlen(tail), keep;

		if (tlen + 3 + (size_t)off >= r->errlen) { /* a tiny buffer: plain truncation */
			copy_cut(r->err, r->errlen, full);
			free(full);
			return -1;
		}
		keep = r->errlen - 1 - tlen - 3;
		if (keep > (size_t)(tail - full))
			keep = (size_t)(tail - full);
		memcpy(r->err, full, keep);
		memcpy(r->err + keep, "...", 3);
		memcpy(r->err + keep + 3, tail, tlen + 1);
	}
	free(full);
	return -1;
}

int cfg_fail(struct cfg_reader *r, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(r, n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1, fmt, ap);
	va_end(ap);
	return rc;
}

int cfg_fail_at(struct cfg_reader *r, struct cfg_pos at, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(r, at.line > 0 ? (size_t)at.line : 1, at.col > 0 ? (size_t)at.col : 1, fmt, ap);
	va_end(ap);
	return rc;
}

void cfg_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	int n;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	/* truncated: end with an ellipsis rather than half a name */
	if (n >= 0 && (size_t)n >= size - len && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

/* ---------------------------------------------------------------- nodes */

yaml_node_t *cfg_node(struct cfg_reader *r, int i)
{
	return yaml_document_get_node(r->doc, i);
}

const char *cfg_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool cfg_is_null(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = cfg_text(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* How a value looks, for "got ..." parts of messages. */
const char *cfg_describe(const yaml_node_t *n, char *buf, size_t size)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (cfg_is_null(n))
		return "nothing (null)";
	snprintf(buf, size, "'%.*s%s'", 40, cfg_text(n), strlen(cfg_text(n)) > 40 ? "..." : "");
	return buf;
}

int cfg_bad(struct cfg_reader *r, const yaml_node_t *n, const char *key, const char *expect)
{
	char d[64];

	return cfg_fail(r, n, "bad value for %s: %s; expected %s", key,
	                cfg_describe(n, d, sizeof(d)), expect);
}

bool cfg_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

void cfg_join(char *buf, size_t size, const char *const *list)
{
	buf[0] = '\0';
	for (const char *const *k = list; *k; k++)
		cfg_append(buf, size, "%s%s", k == list ? "" : ", ", *k);
}

/*
 * Check a mapping's keys: every key a plain string from 'allowed', none
 * twice. 'what' names the mapping in messages ("port", "chain match").
 */
int cfg_check_keys(struct cfg_reader *r, yaml_node_t *map, const char *what,
                   const char *const *allowed)
{
	yaml_node_pair_t *p, *q;
	char list[CFG_LIST_MAX];

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(r, p->key);

		if (k->type != YAML_SCALAR_NODE || cfg_is_null(k))
			return cfg_fail(r, k, "bad key in %s; expected a plain key name", what);
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = cfg_node(r, q->key);

			if (k2->type == YAML_SCALAR_NODE && !strcmp(cfg_text(k2), cfg_text(k)))
				return cfg_fail(r, k,
				                "duplicate key '%s' in %s (first at line %zu); "
				                "expected each key once",
				                cfg_text(k), what, k2->start_mark.line + 1);
		}
		if (allowed && !cfg_in_list(cfg_text(k), allowed)) {
			cfg_join(list, sizeof(list), allowed);
			return cfg_fail(r, k, "unknown key '%s' in %s; expected one of: %s",
			                cfg_text(k), what, list);
		}
	}
	return 0;
}

/* Value of 'key' in a mapping, or NULL when absent. */
yaml_node_t *cfg_get(struct cfg_reader *r, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(r, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp(cfg_text(k), key))
			return cfg_node(r, p->value);
	}
	return NULL;
}

int cfg_want_map(struct cfg_reader *r, yaml_node_t *n, const char *what, const char *expect)
{
	char d[64];

	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return cfg_fail(r, n, "%s is %s; expected %s", what, cfg_describe(n, d, sizeof(d)), expect);
}

/* A list, or null (an empty section): sets *items and *nb. */
int cfg_want_list(struct cfg_reader *r, yaml_node_t *n, const char *key, const char *expect,
                  yaml_node_item_t **items, unsigned int *nb)
{
	if (cfg_is_null(n)) {
		*items = NULL;
		*nb = 0;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_bad(r, n, key, expect);
	*items = n->data.sequence.items.start;
	*nb = (unsigned int)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

/* ---------------------------------------------------------------- scalars */

int cfg_get_str(struct cfg_reader *r, yaml_node_t *n, const char *key, char *buf, size_t size)
{
	size_t len;

	if (n->type != YAML_SCALAR_NODE || cfg_is_null(n))
		return cfg_bad(r, n, key, "a string");
	len = n->data.scalar.length;
	if (strlen(cfg_text(n)) != len)
		return cfg_fail(r, n, "%s contains a NUL byte; expected text", key);
	if (!len)
		return cfg_fail(r, n, "%s is empty; expected a non-empty string", key);
	if (len >= size)
		return cfg_fail(r, n, "%s is too long (%zu bytes); expected at most %zu", key, len,
		                size - 1);
	memcpy(buf, cfg_text(n), len + 1);
	return 0;
}

/* Names are referred to from other places ("tenant/service"): keep them simple. */
int cfg_get_name(struct cfg_reader *r, yaml_node_t *n, const char *key, char *buf)
{
	if (cfg_get_str(r, n, key, buf, CFG_NAME_MAX) < 0)
		return -1;
	for (const char *s = buf; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return cfg_fail(
			        r, n,
			        "bad %s '%s': character '%c' not allowed; expected letters, "
			        "digits, '-', '_' and '.'",
			        key, buf, *s);
	return 0;
}

int cfg_get_bool(struct cfg_reader *r, yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", NULL};
	static const char *const no[] = {"false", "no", "off", NULL};
	char low[8];
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length >= sizeof(low))
		return cfg_bad(r, n, key, "true or false");
	for (i = 0; i <= n->data.scalar.length; i++)
		low[i] = (char)tolower((unsigned char)cfg_text(n)[i]);
	if (cfg_in_list(low, yes))
		*out = true;
	else if (cfg_in_list(low, no))
		*out = false;
	else
		return cfg_bad(r, n, key, "true or false");
	return 0;
}

/* Decimal or 0x hex, optional sign; the whole string. */
bool cfg_parse_int(const char *s, bool *neg, uint64_t *out)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || end == s)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	return !*end;
}

int cfg_get_int(struct cfg_reader *r, yaml_node_t *n, const char *key, int64_t min, int64_t max,
                int64_t *out)
{
	char expect[96];
	uint64_t u;
	int64_t v;
	bool neg;

	snprintf(expect, sizeof(expect), "an integer in %lld..%lld", (long long)min,
	         (long long)max);
	if (n->type != YAML_SCALAR_NODE || !cfg_parse_int(cfg_text(n), &neg, &u))
		return cfg_bad(r, n, key, expect);
	if (u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return cfg_fail(r, n, "%s %s is out of range; expected %s", key, cfg_text(n),
		                expect);
	v = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	if (v < min || v > max)
		return cfg_fail(r, n, "%s %s is out of range; expected %s", key, cfg_text(n),
		                expect);
	*out = v;
	return 0;
}

int cfg_get_u64(struct cfg_reader *r, yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *expect = "a non-negative integer";
	bool neg;

	if (n->type != YAML_SCALAR_NODE || !cfg_parse_int(cfg_text(n), &neg, out))
		return cfg_bad(r, n, key, expect);
	if (neg && *out)
		return cfg_fail(r, n, "%s %s is out of range; expected %s", key, cfg_text(n),
		                expect);
	return 0;
}

int cfg_get_num(struct cfg_reader *r, yaml_node_t *n, const char *key, double min, double max,
                double *out)
{
	char expect[96];
	char *end;
	double v;

	snprintf(expect, sizeof(expect), "a number in %g..%g", min, max);
	if (n->type != YAML_SCALAR_NODE || cfg_is_null(n))
		return cfg_bad(r, n, key, expect);
	errno = 0;
	v = strtod(cfg_text(n), &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end == cfg_text(n) || *end || !isfinite(v))
		return cfg_bad(r, n, key, expect);
	if (v < min || v > max)
		return cfg_fail(r, n, "%s %s is out of range; expected %s", key, cfg_text(n),
		                expect);
	*out = v;
	return 0;
}

/* One of a fixed set of words; the index into 'names' goes to *out. */
int cfg_get_enum(struct cfg_reader *r, yaml_node_t *n, const char *key, const char *const *names,
                 int *out)
{
	char list[CFG_LIST_MAX], expect[CFG_LIST_MAX + 16];

	if (n->type == YAML_SCALAR_NODE)
		for (int i = 0; names[i]; i++)
			if (!strcmp(cfg_text(n), names[i])) {
				*out = i;
				return 0;
			}
	cfg_join(list, sizeof(list), names);
	snprintf(expect, sizeof(expect), "one of: %s", list);
	return cfg_bad(r, n, key, expect);
}

/* "N" or "LO-HI", 0..65535. */
int cfg_get_port_range(struct cfg_reader *r, yaml_node_t *n, const char *key, uint16_t *lo,
                       uint16_t *hi)
{
	unsigned long a, b;
	const char *s;
	char *end;

	if (n->type != YAML_SCALAR_NODE || cfg_is_null(n))
		goto bad;
	s = cfg_text(n);
	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		goto bad;
	a = strtoul(s, &end, 10);
	while (*end == ' ')
		end++;
	if (*end == '-') {
		s = end + 1;
		while (*s == ' ')
			s++;
		if (!isdigit((unsigned char)*s))
			goto bad;
		b = strtoul(s, &end, 10);
		while (*end == ' ')
			end++;
	} else {
		b = a;
	}
	if (*end || a > 65535 || b > 65535 || a > b)
		goto bad;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	return cfg_fail(
	        r, n,
	        "bad port range %s for %s; expected N or \"LO-HI\" with 0 <= LO <= HI <= 65535",
	        n->type == YAML_SCALAR_NODE ? cfg_text(n) : "(not a scalar)", key);
}

/*
 * "10.1.0.0/16", "2001:db8::/32", or a bare address (a host). Host bits
 * beyond the prefix are cleared: the result is the first address.
 */
int cfg_get_cidr(struct cfg_reader *r, yaml_node_t *n, const char *key, uint8_t *family,
                 uint8_t addr[16], uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long len;
	int bits;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length >= sizeof(buf))
		goto bad;
	memcpy(buf, cfg_text(n), n->data.scalar.length + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = 6;
		bits = 128;
	} else {
		goto bad;
	}
	len = (unsigned long)bits;
	if (slash) {
		char *end;

		if (!isdigit((unsigned char)slash[1]))
			goto bad;
		len = strtoul(slash + 1, &end, 10);
		if (*end || len > (unsigned long)bits)
			goto bad;
	}
	*plen = (uint8_t)len;
	for (int i = 0; i < 16; i++) {
		int keep = (int)len - 8 * i;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (uint8_t)(0xff00 >> keep);
	}
	return 0;
bad:
	return cfg_fail(r, n,
	                "bad CIDR %s for %s; expected an IPv4 or IPv6 address with an optional "
	                "/LEN (e.g. 10.1.0.0/16 or 2001:db8::/32)",
	                n->type == YAML_SCALAR_NODE ? cfg_text(n) : "(not a scalar)", key);
}

struct cfg_pos cfg_pos_of(const yaml_node_t *n)
{
	return (struct cfg_pos){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

int cfg_check_file(struct cfg_reader *r, struct cfg_pos at, const char *key, const char *path,
                   size_t max)
{
	char ferr[CFG_PATH_MAX + 128];
	int fd = tenet_file_open(path, max, ferr, sizeof(ferr));

	if (fd < 0)
		return cfg_fail_at(r, at, "%s file %s", key, ferr);
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------- documents */

#define CFG_DEPTH_MAX 32 /* nesting of lists and mappings; a config needs 5 */
#define CFG_KEYS_MAX  64 /* keys in one mapping; a config needs a dozen */

static void yaml_fail(struct cfg_reader *r, const yaml_parser_t *p)
{
	yaml_node_t at = {.start_mark = p->problem_mark};

	if (p->error == YAML_MEMORY_ERROR) {
		cfg_fail(r, NULL, "out of memory while reading YAML; expected a smaller config");
	} else if (p->context) {
		cfg_fail(r, &at,
		         "YAML syntax error: %s (%s at line %zu, column %zu); expected valid YAML",
		         p->problem ? p->problem : "?", p->context, p->context_mark.line + 1,
		         p->context_mark.column + 1);
	} else {
		cfg_fail(r, &at, "YAML syntax error: %s; expected valid YAML",
		         p->problem ? p->problem : "?");
	}
}

/*
 * Walk the text's events once before building a document and refuse what
 * would make the checks that follow slow, however short the file:
 * nesting deeper than CFG_DEPTH_MAX (libyaml's work per token grows with
 * the depth: 200,000 '[' take minutes) and a mapping of more than
 * CFG_KEYS_MAX keys (each key is checked against those before it: 300,000
 * keys take minutes). No config needs either: 5 levels, a dozen keys.
 * Stops at the first offence, so the walk is short.
 */
static int check_shape(struct cfg_reader *r, const char *text, size_t len)
{
	unsigned int depth = 0, items[CFG_DEPTH_MAX + 1] = {0};
	bool is_map[CFG_DEPTH_MAX + 1] = {false};
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return cfg_fail(r, NULL, "out of memory; expected room for the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_type_t type;
		yaml_node_t at;
		bool start;

		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_fail(r, &parser);
			rc = -1;
			break;
		}
		type = ev.type;
		at.start_mark = ev.start_mark;
		yaml_event_delete(&ev);
		start = type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT;
		if (start || type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT) {
			/* a node inside the current collection: a key or value of a mapping */
			if (depth && is_map[depth] && ++items[depth] > 2 * CFG_KEYS_MAX) {
				rc = cfg_fail(
				        r, &at,
				        "a mapping with more than %d keys; expected at most %d",
				        CFG_KEYS_MAX, CFG_KEYS_MAX);
				break;
			}
		}
		if (start) {
			if (++depth > CFG_DEPTH_MAX) {
				rc = cfg_fail(
				        r, &at,
				        "lists and mappings nested more than %d deep; expected at "
				        "most %d levels",
				        CFG_DEPTH_MAX, CFG_DEPTH_MAX);
				break;
			}
			items[depth] = 0;
			is_map[depth] = type == YAML_MAPPING_START_EVENT;
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (type == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

int cfg_load(struct cfg_reader *r, const char *text, size_t len, const char *empty, bool single,
             yaml_node_t **root)
{
	yaml_document_t extra;
	yaml_node_t *more;

	r->doc = NULL;
	if (check_shape(r, text, len) < 0)
		return -1;
	if (!yaml_parser_initialize(&r->parser))
		return cfg_fail(r, NULL, "out of memory; expected room for the YAML parser");
	yaml_parser_set_input_string(&r->parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&r->parser, &r->store)) {
		yaml_fail(r, &r->parser);
		goto err_parser;
	}
	r->doc = &r->store;
	*root = yaml_document_get_root_node(r->doc);
	if (!*root) {
		cfg_fail(r, NULL, "%s", empty);
		goto err_doc;
	}
	if (!single)
		return 0;
	if (!yaml_parser_load(&r->parser, &extra)) {
		yaml_fail(r, &r->parser);
		goto err_doc;
	}
	more = yaml_document_get_root_node(&extra);
	if (more)
		cfg_fail(r, more, "a second YAML document; expected a single document per config");
	yaml_document_delete(&extra);
	if (!more)
		return 0;
err_doc:
	yaml_document_delete(r->doc);
	r->doc = NULL;
err_parser:
	yaml_parser_delete(&r->parser);
	return -1;
}

void cfg_unload(struct cfg_reader *r)
{
	if (!r->doc)
		return;
	yaml_document_delete(r->doc);
	r->doc = NULL;
	yaml_parser_delete(&r->parser);
}
