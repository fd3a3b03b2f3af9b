/*
 * Config loader: reads the YAML file given to `tenet run` with libyaml's
 * document API (every node keeps its line and column) and turns it into
 * the plain structs of mgr/config.h, checking everything on the way.
 *
 * The file is loaded whole, then the sections are walked in dependency
 * order (manager, ports, tenants, services, chains, default) whatever their
 * order in the file, so that every name can be resolved to an index the
 * moment it is read. The first problem stops the load: it is reported as
 * one line "FILE:LINE:COL: what was wrong; expected ..." (1-based) and
 * nothing is returned. Unknown keys, duplicate keys and driver options on
 * the wrong driver are errors, never silently ignored: a typo in a config
 * must not turn into a default.
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
#include <sys/sysinfo.h>
#include <unistd.h>
#include <yaml.h>

#include "lib/file.h"
#include "mgr/config.h"
#include "tenet/pool.h"

#define CFG_FILE_MAX  (16u << 20) /* a config larger than this is a mistake */
#define CFG_DEPTH_MAX 32          /* nesting of lists and mappings; a config needs 5 */
#define CFG_KEYS_MAX  64          /* keys in one mapping; a config needs a dozen */
#define LIST_MAX      320         /* room for "one of: a, b, c" in a message */
#define IFNAME_MAX    16          /* IFNAMSIZ */

struct ctx {
	yaml_document_t *doc;
	const char *name; /* file name for messages */
	char *err;
	size_t errlen;
	struct tenet_config *cfg;
	/* per port: the steer node if given (NULL: defaulted), and the port node */
	yaml_node_t *steer_node[CFG_MAX_PORTS];
	yaml_node_t *port_node[CFG_MAX_PORTS];
	/* afxdp tenant_ifs keys, resolved once the tenants are known */
	yaml_node_t *tif_key[CFG_MAX_PORTS][CFG_MAX_TENANT_IFS];
	yaml_node_t *size_node[CFG_MAX_PORTS]; /* gen size, if given */
	yaml_node_t *tenant_node[CFG_MAX_TENANTS], *buf_size_node[CFG_MAX_TENANTS];
};

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

/*
 * Write "NAME:LINE:COL: message" into c->err as one line, whatever the
 * config echoes back: control characters in quoted user text become '?',
 * and a message too long for the buffer loses the middle of its first part
 * ("...") so that the "; expected ..." tail always survives.
 */
/* The last "; expected" of a message: where the part that must survive a cut starts. */
static const char *expect_tail(const char *msg)
{
	const char *t = NULL;

	for (const char *p = strstr(msg, "; expected"); p; p = strstr(p + 1, "; expected"))
		t = p;
	return t;
}

/*
 * One line "NAME:LINE:COL: message" into c->err. The message is formatted
 * at its full length first (an echoed value may be as long as the file),
 * control bytes become '?', and when it does not fit, the middle is cut so
 * that the position and the "; expected ..." part survive.
 */
__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const yaml_node_t *n,
                                                      const char *fmt, ...)
{
	char pos[CFG_PATH_MAX + 48], *msg = NULL, *full = NULL;
	const char *tail;
	size_t len;
	va_list ap;
	int off, r;

	if (!c->err || !c->errlen)
		return -1;
	off = snprintf(pos, sizeof(pos), "%s:%zu:%zu: ", c->name,
	               n ? n->start_mark.line + 1 : (size_t)1,
	               n ? n->start_mark.column + 1 : (size_t)1);
	if (off < 0 || (size_t)off >= sizeof(pos))
		pos[0] = '\0';
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(&full, "%s%s", pos, msg) < 0) {
		copy_cut(c->err, c->errlen, pos);
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
	if (len < c->errlen || !tail || (size_t)(tail - full) < 3) {
		copy_cut(c->err, c->errlen, full);
	} else {
		size_t tlen = strlen(tail), keep;

		if (tlen + 3 + (size_t)off >= c->errlen) { /* a tiny buffer: plain truncation */
			copy_cut(c->err, c->errlen, full);
			free(full);
			return -1;
		}
		keep = c->errlen - 1 - tlen - 3;
		if (keep > (size_t)(tail - full))
			keep = (size_t)(tail - full);
		memcpy(c->err, full, keep);
		memcpy(c->err + keep, "...", 3);
		memcpy(c->err + keep + 3, tail, tlen + 1);
	}
	free(full);
	return -1;
}

__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t size, const char *fmt,
                                                         ...)
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

static yaml_node_t *node(struct ctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static const char *text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = text(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* How a value looks, for "got ..." parts of messages. */
static const char *describe(const yaml_node_t *n, char *buf, size_t size)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (is_null(n))
		return "nothing (null)";
	snprintf(buf, size, "'%.*s%s'", 40, text(n), strlen(text(n)) > 40 ? "..." : "");
	return buf;
}

static int bad(struct ctx *c, const yaml_node_t *n, const char *key, const char *expect)
{
	char d[64];

	return fail(c, n, "bad value for %s: %s; expected %s", key, describe(n, d, sizeof(d)),
	            expect);
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static void join(char *buf, size_t size, const char *const *list)
{
	buf[0] = '\0';
	for (const char *const *k = list; *k; k++)
		append(buf, size, "%s%s", k == list ? "" : ", ", *k);
}

/*
 * Check a mapping's keys: every key a plain string from 'allowed', none
 * twice. 'what' names the mapping in messages ("port", "chain match").
 */
static int check_keys(struct ctx *c, yaml_node_t *map, const char *what, const char *const *allowed)
{
	yaml_node_pair_t *p, *q;
	char list[LIST_MAX];

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key);

		if (k->type != YAML_SCALAR_NODE || is_null(k))
			return fail(c, k, "bad key in %s; expected a plain key name", what);
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node(c, q->key);

			if (k2->type == YAML_SCALAR_NODE && !strcmp(text(k2), text(k)))
				return fail(c, k,
				            "duplicate key '%s' in %s (first at line %zu); "
				            "expected each key once",
				            text(k), what, k2->start_mark.line + 1);
		}
		if (allowed && !in_list(text(k), allowed)) {
			join(list, sizeof(list), allowed);
			return fail(c, k, "unknown key '%s' in %s; expected one of: %s", text(k),
			            what, list);
		}
	}
	return 0;
}

/* Value of 'key' in a mapping, or NULL when absent. */
static yaml_node_t *get(struct ctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp(text(k), key))
			return node(c, p->value);
	}
	return NULL;
}

static int want_map(struct ctx *c, yaml_node_t *n, const char *what, const char *expect)
{
	char d[64];

	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return fail(c, n, "%s is %s; expected %s", what, describe(n, d, sizeof(d)), expect);
}

/* A list, or null (an empty section): sets *items and *nb. */
static int want_list(struct ctx *c, yaml_node_t *n, const char *key, const char *expect,
                     yaml_node_item_t **items, unsigned int *nb)
{
	if (is_null(n)) {
		*items = NULL;
		*nb = 0;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return bad(c, n, key, expect);
	*items = n->data.sequence.items.start;
	*nb = (unsigned int)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

/* ---------------------------------------------------------------- scalars */

static int get_str(struct ctx *c, yaml_node_t *n, const char *key, char *buf, size_t size)
{
	size_t len;

	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return bad(c, n, key, "a string");
	len = n->data.scalar.length;
	if (strlen(text(n)) != len)
		return fail(c, n, "%s contains a NUL byte; expected text", key);
	if (!len)
		return fail(c, n, "%s is empty; expected a non-empty string", key);
	if (len >= size)
		return fail(c, n, "%s is too long (%zu bytes); expected at most %zu", key, len,
		            size - 1);
	memcpy(buf, text(n), len + 1);
	return 0;
}

/* Names are referred to from other places ("tenant/service"): keep them simple. */
static int get_name(struct ctx *c, yaml_node_t *n, const char *key, char *buf)
{
	if (get_str(c, n, key, buf, CFG_NAME_MAX) < 0)
		return -1;
	for (const char *s = buf; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return fail(c, n,
			            "bad %s '%s': character '%c' not allowed; expected letters, "
			            "digits, '-', '_' and '.'",
			            key, buf, *s);
	return 0;
}

static int get_bool(struct ctx *c, yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", NULL};
	static const char *const no[] = {"false", "no", "off", NULL};
	char low[8];
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length >= sizeof(low))
		return bad(c, n, key, "true or false");
	for (i = 0; i <= n->data.scalar.length; i++)
		low[i] = (char)tolower((unsigned char)text(n)[i]);
	if (in_list(low, yes))
		*out = true;
	else if (in_list(low, no))
		*out = false;
	else
		return bad(c, n, key, "true or false");
	return 0;
}

/* Decimal or 0x hex, optional sign; the whole string. */
static bool parse_int(const char *s, bool *neg, uint64_t *out)
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

static int get_int(struct ctx *c, yaml_node_t *n, const char *key, int64_t min, int64_t max,
                   int64_t *out)
{
	char expect[96];
	uint64_t u;
	int64_t v;
	bool neg;

	snprintf(expect, sizeof(expect), "an integer in %lld..%lld", (long long)min,
	         (long long)max);
	if (n->type != YAML_SCALAR_NODE || !parse_int(text(n), &neg, &u))
		return bad(c, n, key, expect);
	if (u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return fail(c, n, "%s %s is out of range; expected %s", key, text(n), expect);
	v = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	if (v < min || v > max)
		return fail(c, n, "%s %s is out of range; expected %s", key, text(n), expect);
	*out = v;
	return 0;
}

static int get_u64(struct ctx *c, yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *expect = "a non-negative integer";
	bool neg;

	if (n->type != YAML_SCALAR_NODE || !parse_int(text(n), &neg, out))
		return bad(c, n, key, expect);
	if (neg && *out)
		return fail(c, n, "%s %s is out of range; expected %s", key, text(n), expect);
	return 0;
}

static int get_num(struct ctx *c, yaml_node_t *n, const char *key, double min, double max,
                   double *out)
{
	char expect[96];
	char *end;
	double v;

	snprintf(expect, sizeof(expect), "a number in %g..%g", min, max);
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return bad(c, n, key, expect);
	errno = 0;
	v = strtod(text(n), &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end == text(n) || *end || !isfinite(v))
		return bad(c, n, key, expect);
	if (v < min || v > max)
		return fail(c, n, "%s %s is out of range; expected %s", key, text(n), expect);
	*out = v;
	return 0;
}

/* One of a fixed set of words; the index into 'names' goes to *out. */
static int get_enum(struct ctx *c, yaml_node_t *n, const char *key, const char *const *names,
                    int *out)
{
	char list[LIST_MAX], expect[LIST_MAX + 16];

	if (n->type == YAML_SCALAR_NODE)
		for (int i = 0; names[i]; i++)
			if (!strcmp(text(n), names[i])) {
				*out = i;
				return 0;
			}
	join(list, sizeof(list), names);
	snprintf(expect, sizeof(expect), "one of: %s", list);
	return bad(c, n, key, expect);
}

/* "N" or "LO-HI", 0..65535. */
static int get_port_range(struct ctx *c, yaml_node_t *n, const char *key, uint16_t *lo,
                          uint16_t *hi)
{
	unsigned long a, b;
	const char *s;
	char *end;

	if (n->type != YAML_SCALAR_NODE || is_null(n))
		goto bad;
	s = text(n);
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
	return fail(c, n,
	            "bad port range %s for %s; expected N or \"LO-HI\" with 0 <= LO <= HI <= 65535",
	            n->type == YAML_SCALAR_NODE ? text(n) : "(not a scalar)", key);
}

/*
 * "10.1.0.0/16", "2001:db8::/32", or a bare address (a host). Host bits
 * beyond the prefix are cleared: the result is the first address.
 */
static int get_cidr(struct ctx *c, yaml_node_t *n, const char *key, uint8_t *family,
                    uint8_t addr[16], uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long len;
	int bits;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length >= sizeof(buf))
		goto bad;
	memcpy(buf, text(n), n->data.scalar.length + 1);
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
	return fail(c, n,
	            "bad CIDR %s for %s; expected an IPv4 or IPv6 address with an optional "
	            "/LEN (e.g. 10.1.0.0/16 or 2001:db8::/32)",
	            n->type == YAML_SCALAR_NODE ? text(n) : "(not a scalar)", key);
}

static int get_vlan(struct ctx *c, yaml_node_t *n, int32_t *out)
{
	int64_t v;

	if (get_int(c, n, "vlan", 0, 4095, &v) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

static struct cfg_pos pos_of(const yaml_node_t *n)
{
	return (struct cfg_pos){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

/* ---------------------------------------------------------------- manager */

/*
 * A CPU list: an integer, or a string of CPUs and ranges, "0-3,6". Checked
 * against the CPUs the manager may use when it starts (check_cpus).
 */
static int get_cpus(struct ctx *c, yaml_node_t *n, const char *key, struct cfg_cpus *out)
{
	const char *s = n->type == YAML_SCALAR_NODE ? text(n) : "";
	const char *expect = "a CPU list such as 1 or \"0-3,6\" (CPUs 0..1023)";

	CPU_ZERO(&out->set);
	if (!*s)
		return bad(c, n, key, expect);
	while (*s) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*s))
			return bad(c, n, key, expect);
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return bad(c, n, key, expect);
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= CPU_SETSIZE || (*end && *end != ','))
			return bad(c, n, key, expect);
		for (unsigned long i = a; i <= b; i++)
			CPU_SET(i, &out->set);
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return bad(c, n, key, expect);
	}
	out->given = true;
	out->at = pos_of(n);
	return 0;
}

static int parse_cpus(struct ctx *c, yaml_node_t *n, struct cfg_manager *m)
{
	static const char *const keys[] = {"manager", "nfs", NULL};
	yaml_node_t *v;

	if (n->type == YAML_SCALAR_NODE && !strcmp(text(n), "auto"))
		return 0;
	if (n->type == YAML_SCALAR_NODE && !strcmp(text(n), "none")) {
		m->place = CFG_PLACE_NONE;
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return bad(c, n, "cpus", "auto, none or a mapping {manager: CPUS, nfs: CPUS}");
	if (check_keys(c, n, "cpus", keys) < 0)
		return -1;
	if ((v = get(c, n, "manager")) && get_cpus(c, v, "manager", &m->mgr_cpus) < 0)
		return -1;
	if ((v = get(c, n, "nfs")) && get_cpus(c, v, "nfs", &m->nf_cpus) < 0)
		return -1;
	return 0;
}

static int parse_manager(struct ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = {"socket_dir", "poll",        "stats_interval",
	                                   "cpus",       "dispatchers", NULL};
	struct cfg_manager *m = &c->cfg->mgr;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	yaml_node_t *v;
	int64_t i64;
	int len = -1;

	if (xdg && *xdg)
		len = snprintf(m->socket_dir, sizeof(m->socket_dir), "%s/tenet", xdg);
	if (len < 0 || (size_t)len >= sizeof(m->socket_dir))
		snprintf(m->socket_dir, sizeof(m->socket_dir), "/tmp/tenet-%u",
		         (unsigned int)getuid());
	m->poll = false;
	m->stats_interval = 1;
	m->dispatchers = 1;
	if (!n || is_null(n))
		return 0;
	if (want_map(c, n, "manager",
	             "a mapping with keys socket_dir, poll, stats_interval, cpus, dispatchers") <
	            0 ||
	    check_keys(c, n, "manager", keys) < 0)
		return -1;
	if ((v = get(c, n, "socket_dir")) &&
	    get_str(c, v, "socket_dir", m->socket_dir, sizeof(m->socket_dir)) < 0)
		return -1;
	if ((v = get(c, n, "poll")) && get_bool(c, v, "poll", &m->poll) < 0)
		return -1;
	if ((v = get(c, n, "stats_interval")) &&
	    get_num(c, v, "stats_interval", 0, 86400, &m->stats_interval) < 0)
		return -1;
	if ((v = get(c, n, "cpus")) && parse_cpus(c, v, m) < 0)
		return -1;
	if ((v = get(c, n, "dispatchers"))) {
		if (get_int(c, v, "dispatchers", 1, CFG_MAX_DISPATCHERS, &i64) < 0)
			return -1;
		m->dispatchers = (unsigned int)i64;
		m->dispatchers_at = pos_of(v);
	}
	return 0;
}

/* ---------------------------------------------------------------- ports */

static const char *const driver_names[] = {"gen", "sink", "pcap", "afpacket", "afxdp", NULL};
static const char *const steer_names[] = {"nic", "cpu", "shared", NULL};

static const char *const port_keys[] = {"name", "driver", "steer", NULL};
static const char *const gen_keys[] = {"rate",  "count",   "duration", "size",
                                       "flows", "payload", "seed",     NULL};
static const char *const sink_keys[] = {NULL};
static const char *const pcap_keys[] = {"in", "out", "loop", "rate", "count", "duration", NULL};
static const char *const af_keys[] = {"ifname", "queue", "xdp_mode", NULL};
static const char *const afxdp_keys[] = {"ifname",     "queue",       "xdp_mode",
                                         "tenant_ifs", "scan_action", NULL};
static const char *const *const driver_keys[] = {gen_keys, sink_keys, pcap_keys, af_keys,
                                                 afxdp_keys};

const char *cfg_driver_name(enum cfg_driver d)
{
	return (unsigned int)d < 5 ? driver_names[d] : "?";
}

const char *cfg_steer_name(enum cfg_steer s)
{
	return (unsigned int)s < 3 ? steer_names[s] : "?";
}

static bool port_can_rx(const struct cfg_port *p)
{
	return p->driver != CFG_DRV_SINK && (p->driver != CFG_DRV_PCAP || p->pcap_in[0]);
}

static bool port_can_tx(const struct cfg_port *p)
{
	return p->driver != CFG_DRV_GEN && (p->driver != CFG_DRV_PCAP || p->pcap_out[0]);
}

static int port_check_keys(struct ctx *c, yaml_node_t *n, enum cfg_driver drv)
{
	const char *const *own = driver_keys[drv];
	char list[LIST_MAX];
	yaml_node_pair_t *p;

	if (check_keys(c, n, "port", NULL) < 0)
		return -1;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key);

		if (in_list(text(k), port_keys) || in_list(text(k), own))
			continue;
		join(list, sizeof(list), port_keys);
		for (const char *const *o = own; *o; o++)
			append(list, sizeof(list), ", %s", *o);
		for (int d = 0; d < 5; d++)
			if (in_list(text(k), driver_keys[d]))
				return fail(
				        c, k,
				        "key '%s' is for driver %s, not %s; expected one of: %s",
				        text(k), driver_names[d], driver_names[drv], list);
		return fail(c, k, "unknown key '%s' in %s port; expected one of: %s", text(k),
		            driver_names[drv], list);
	}
	return 0;
}

static int parse_size(struct ctx *c, yaml_node_t *n, struct cfg_gen *g)
{
	static const char *const expect = "an integer in 64..1518, a list of them, or imix";
	yaml_node_item_t *items;
	unsigned int nb;
	uint64_t u;
	bool neg;

	if (n->type == YAML_SCALAR_NODE && !strcmp(text(n), "imix")) {
		g->imix = true;
		g->sizes[0] = 64;
		g->sizes[1] = 570;
		g->sizes[2] = 1518;
		g->nb_sizes = 3;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE) {
		if (!parse_int(text(n), &neg, &u) || neg || u < 64 || u > 1518)
			return fail(c, n, "bad size %s; expected %s", text(n), expect);
		g->sizes[0] = (uint16_t)u;
		g->nb_sizes = 1;
		return 0;
	}
	if (want_list(c, n, "size", expect, &items, &nb) < 0)
		return -1;
	if (!nb)
		return fail(c, n, "empty size list; expected %s", expect);
	if (nb > CFG_MAX_SIZES)
		return fail(c, n, "too many sizes (%u); expected at most %d", nb, CFG_MAX_SIZES);
	for (unsigned int i = 0; i < nb; i++) {
		yaml_node_t *s = node(c, items[i]);
		char d[64];

		if (s->type != YAML_SCALAR_NODE || !parse_int(text(s), &neg, &u) || neg || u < 64 ||
		    u > 1518)
			return fail(c, s, "bad size %s in list; expected an integer in 64..1518",
			            describe(s, d, sizeof(d)));
		g->sizes[i] = (uint16_t)u;
	}
	g->nb_sizes = nb;
	return 0;
}

/* How many distinct values a prefix or range holds, saturated at 2^32. */
static uint64_t span_prefix(uint8_t family, uint8_t plen)
{
	int host = (family == 4 ? 32 : 128) - plen;

	return host >= 32 ? (1ull << 32) : (1ull << host);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a && b > (1ull << 32) / a ? (1ull << 32) : a * b;
}

static int parse_flow(struct ctx *c, yaml_node_t *n, struct cfg_gen_flow *f)
{
	static const char *const keys[] = {"src",  "dst",   "proto",  "sport", "dport",
	                                   "vlan", "count", "weight", NULL};
	static const char *const protos[] = {"tcp", "udp", NULL};
	uint8_t dfam = 0;
	yaml_node_t *v;
	uint64_t combos;
	int64_t i64;
	int32_t vlan;
	int p;

	if (want_map(c, n, "flow",
	             "a mapping {src, dst, proto, sport, dport, vlan, count, weight}") < 0 ||
	    check_keys(c, n, "flow", keys) < 0)
		return -1;
	f->proto = 17;
	f->sport_lo = f->dport_lo = 1024;
	f->sport_hi = f->dport_hi = 65535;
	f->count = 1;
	f->weight = 1;
	if (!(v = get(c, n, "src")))
		return fail(c, n, "missing required key 'src' in flow; expected src: CIDR");
	if (get_cidr(c, v, "src", &f->family, f->src, &f->src_plen) < 0)
		return -1;
	if (!(v = get(c, n, "dst")))
		return fail(c, n, "missing required key 'dst' in flow; expected dst: CIDR");
	if (get_cidr(c, v, "dst", &dfam, f->dst, &f->dst_plen) < 0)
		return -1;
	if (dfam != f->family)
		return fail(c, v, "dst is IPv%u but src is IPv%u; expected the same address family",
		            dfam, f->family);
	if ((v = get(c, n, "proto"))) {
		if (get_enum(c, v, "proto", protos, &p) < 0)
			return -1;
		f->proto = p == 0 ? 6 : 17;
	}
	if ((v = get(c, n, "sport")) &&
	    get_port_range(c, v, "sport", &f->sport_lo, &f->sport_hi) < 0)
		return -1;
	if ((v = get(c, n, "dport")) &&
	    get_port_range(c, v, "dport", &f->dport_lo, &f->dport_hi) < 0)
		return -1;
	if ((v = get(c, n, "vlan"))) {
		if (get_vlan(c, v, &vlan) < 0)
			return -1;
		f->vlan = (uint16_t)vlan;
	}
	if ((v = get(c, n, "weight"))) {
		if (get_int(c, v, "weight", 1, 1000000, &i64) < 0)
			return -1;
		f->weight = (uint32_t)i64;
	}
	if ((v = get(c, n, "count"))) {
		if (get_int(c, v, "count", 1, 1 << 24, &i64) < 0)
			return -1;
		f->count = (uint32_t)i64;
		combos = sat_mul(span_prefix(f->family, f->src_plen),
		                 span_prefix(f->family, f->dst_plen));
		combos = sat_mul(combos, (uint64_t)(f->sport_hi - f->sport_lo + 1));
		combos = sat_mul(combos, (uint64_t)(f->dport_hi - f->dport_lo + 1));
		if (combos < f->count)
			return fail(c, v,
			            "count %u is more than the %llu distinct flows the addresses "
			            "and ports allow; expected at most %llu",
			            f->count, (unsigned long long)combos,
			            (unsigned long long)combos);
	}
	return 0;
}

/* A payload pattern: the text with \xNN and \\ unescaped, no NUL. */
static int parse_pattern(struct ctx *c, yaml_node_t *n, char out[CFG_PATTERN_MAX])
{
	char raw[4 * CFG_PATTERN_MAX];
	size_t o = 0;

	if (get_str(c, n, "pattern", raw, sizeof(raw)) < 0)
		return -1;
	for (const char *s = raw; *s; s++) {
		unsigned int byte = (unsigned char)*s;

		if (*s == '\\') {
			if (s[1] == '\\') {
				s++;
			} else if (s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
			           isxdigit((unsigned char)s[3])) {
				char hex[3] = {s[2], s[3], 0};

				byte = (unsigned int)strtoul(hex, NULL, 16);
				s += 3;
				if (!byte)
					return fail(c, n,
					            "pattern contains \\x00; expected non-zero "
					            "bytes (a pattern is a C string)");
			} else {
				return fail(c, n,
				            "bad escape in pattern '%s'; expected \\xNN (two hex "
				            "digits) or \\\\",
				            raw);
			}
		}
		if (o + 1 >= CFG_PATTERN_MAX)
			return fail(c, n, "pattern '%s' is too long; expected at most %d bytes",
			            raw, CFG_PATTERN_MAX - 1);
		out[o++] = (char)byte;
	}
	out[o] = '\0';
	return 0;
}

static int parse_payload(struct ctx *c, yaml_node_t *n, struct cfg_gen *g)
{
	static const char *const keys[] = {"patterns", "fraction", NULL};
	yaml_node_item_t *items;
	yaml_node_t *v, *pv;
	unsigned int nb = 0;

	if (want_map(c, n, "payload", "a mapping {patterns: [...], fraction: 0..1}") < 0 ||
	    check_keys(c, n, "payload", keys) < 0)
		return -1;
	if ((pv = get(c, n, "patterns"))) {
		if (want_list(c, pv, "patterns", "a list of strings", &items, &nb) < 0)
			return -1;
		if (nb > CFG_MAX_PATTERNS)
			return fail(c, pv, "too many patterns (%u); expected at most %d", nb,
			            CFG_MAX_PATTERNS);
		for (unsigned int i = 0; i < nb; i++)
			if (parse_pattern(c, node(c, items[i]), g->patterns[i]) < 0)
				return -1;
		g->nb_patterns = nb;
	}
	g->pattern_fraction = nb ? 0.01 : 0;
	if ((v = get(c, n, "fraction"))) {
		if (get_num(c, v, "fraction", 0, 1, &g->pattern_fraction) < 0)
			return -1;
		if (g->pattern_fraction > 0 && !nb)
			return fail(c, v,
			            "payload fraction without patterns; expected patterns: [...] "
			            "to place in that fraction of packets");
	}
	return 0;
}

static int parse_gen(struct ctx *c, yaml_node_t *n, struct cfg_port *p)
{
	struct cfg_gen *g = &p->gen;
	yaml_node_item_t *items;
	unsigned int nb;
	yaml_node_t *v;

	g->sizes[0] = 64;
	g->nb_sizes = 1;
	g->seed = 1;
	if ((v = get(c, n, "size")) && parse_size(c, v, g) < 0)
		return -1;
	c->size_node[p - c->cfg->ports] = v;
	if ((v = get(c, n, "flows"))) {
		if (want_list(c, v, "flows", "a list of flows {src, dst, ...}", &items, &nb) < 0)
			return -1;
		if (!nb)
			return fail(c, v,
			            "empty flows list; expected at least one flow {src, dst}");
		if (nb > CFG_MAX_FLOWS)
			return fail(c, v, "too many flows (%u); expected at most %d", nb,
			            CFG_MAX_FLOWS);
		for (unsigned int i = 0; i < nb; i++)
			if (parse_flow(c, node(c, items[i]), &g->flows[i]) < 0)
				return -1;
		g->nb_flows = nb;
	} else {
		/* one flow between two hosts, so that a bare gen port sends something */
		struct cfg_gen_flow *f = &g->flows[0];

		f->family = 4;
		memcpy(f->src, (const uint8_t[]){10, 0, 0, 1}, 4);
		memcpy(f->dst, (const uint8_t[]){10, 0, 0, 2}, 4);
		f->src_plen = f->dst_plen = 32;
		f->proto = 17;
		f->sport_lo = f->sport_hi = f->dport_lo = f->dport_hi = 1024;
		f->count = f->weight = 1;
		g->nb_flows = 1;
	}
	if ((v = get(c, n, "payload")) && parse_payload(c, v, g) < 0)
		return -1;
	if ((v = get(c, n, "seed")) && get_u64(c, v, "seed", &g->seed) < 0)
		return -1;
	return 0;
}

/* rate, count, duration: the gen port's, and the pcap port's replay limits */
static int parse_limits(struct ctx *c, yaml_node_t *n, struct cfg_gen *g)
{
	yaml_node_t *v;

	if ((v = get(c, n, "rate")) && get_num(c, v, "rate", 0, 1e12, &g->rate_pps) < 0)
		return -1;
	if ((v = get(c, n, "count")) && get_u64(c, v, "count", &g->count) < 0)
		return -1;
	if ((v = get(c, n, "duration")) && get_num(c, v, "duration", 0, 1e9, &g->duration) < 0)
		return -1;
	return 0;
}

static int parse_af(struct ctx *c, yaml_node_t *n, struct cfg_port *p)
{
	static const char *const modes[] = {"native", "generic", "offload", NULL};
	yaml_node_t *v;
	int64_t q;
	int mode = 0;

	if (!(v = get(c, n, "ifname")))
		return fail(c, n,
		            "missing required key 'ifname' in %s port; expected ifname: "
		            "INTERFACE",
		            driver_names[p->driver]);
	if (get_name(c, v, "ifname", p->ifname) < 0)
		return -1;
	if (strlen(p->ifname) >= IFNAME_MAX)
		return fail(c, v, "ifname '%s' is too long; expected at most %d characters",
		            p->ifname, IFNAME_MAX - 1);
	if ((v = get(c, n, "queue"))) {
		if (get_int(c, v, "queue", 0, 65535, &q) < 0)
			return -1;
		p->queue = (int)q;
	}
	if ((v = get(c, n, "xdp_mode")) && get_enum(c, v, "xdp_mode", modes, &mode) < 0)
		return -1;
	snprintf(p->xdp_mode, sizeof(p->xdp_mode), "%s", modes[mode]);
	if ((v = get(c, n, "scan_action"))) {
		static const char *const actions[] = {"drop", "pass", "bounce", NULL};
		int act;

		if (get_enum(c, v, "scan_action", actions, &act) < 0)
			return -1;
		p->scan_action = act;
	}
	if ((v = get(c, n, "tenant_ifs"))) {
		unsigned int idx = (unsigned int)(p - c->cfg->ports);

		if (want_map(c, v, "tenant_ifs", "a mapping {TENANT: INTERFACE, ...}") < 0 ||
		    check_keys(c, v, "tenant_ifs", NULL) < 0)
			return -1;
		for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
		     pr < v->data.mapping.pairs.top; pr++) {
			struct cfg_tenant_if *ti = &p->tenant_ifs[p->nb_tenant_ifs];
			yaml_node_t *iv = node(c, pr->value);

			if (p->nb_tenant_ifs == CFG_MAX_TENANT_IFS)
				return fail(c, v, "too many tenant_ifs; expected at most %d",
				            CFG_MAX_TENANT_IFS);
			if (get_name(c, iv, "tenant_ifs", ti->ifname) < 0)
				return -1;
			if (strlen(ti->ifname) >= IFNAME_MAX)
				return fail(
				        c, iv,
				        "ifname '%s' is too long; expected at most %d characters",
				        ti->ifname, IFNAME_MAX - 1);
			c->tif_key[idx][p->nb_tenant_ifs++] = node(c, pr->key);
		}
	}
	return 0;
}

/* afxdp tenant_ifs name tenants, which are parsed after the ports. */
static int resolve_tenant_ifs(struct ctx *c)
{
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++) {
		struct cfg_port *p = &c->cfg->ports[i];

		for (unsigned int k = 0; k < p->nb_tenant_ifs; k++) {
			yaml_node_t *key = c->tif_key[i][k];

			p->tenant_ifs[k].tenant = -1;
			for (unsigned int t = 0; t < c->cfg->nb_tenants; t++)
				if (!strcmp(c->cfg->tenants[t].name, text(key)))
					p->tenant_ifs[k].tenant = (int)t;
			if (p->tenant_ifs[k].tenant < 0)
				return fail(
				        c, key,
				        "unknown tenant '%s' in tenant_ifs; expected a tenant name",
				        text(key));
		}
	}
	return 0;
}

static int parse_port(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	struct cfg_port *p = &c->cfg->ports[idx];
	yaml_node_t *v;
	int e;

	if (want_map(c, n, "port", "a mapping {name, driver, ...}") < 0)
		return -1;
	p->line = (int)n->start_mark.line + 1;
	c->port_node[idx] = n;
	if (!(v = get(c, n, "driver")))
		return fail(c, n,
		            "missing required key 'driver' in port; expected driver: gen, sink, "
		            "pcap, afpacket or afxdp");
	if (get_enum(c, v, "driver", driver_names, &e) < 0)
		return -1;
	p->driver = (enum cfg_driver)e;
	if (port_check_keys(c, n, p->driver) < 0)
		return -1;
	if (!(v = get(c, n, "name")))
		return fail(c, n, "missing required key 'name' in port; expected name: NAME");
	if (get_name(c, v, "name", p->name) < 0)
		return -1;
	for (unsigned int i = 0; i < idx; i++)
		if (!strcmp(c->cfg->ports[i].name, p->name))
			return fail(c, v,
			            "duplicate port name '%s' (first at line %d); expected unique "
			            "names",
			            p->name, c->cfg->ports[i].line);
	p->steer = CFG_STEER_NIC;
	p->queue = 0;
	if ((v = get(c, n, "steer"))) {
		if (get_enum(c, v, "steer", steer_names, &e) < 0)
			return -1;
		p->steer = (enum cfg_steer)e;
		c->steer_node[idx] = v;
	}
	switch (p->driver) {
	case CFG_DRV_GEN:
		return parse_limits(c, n, &p->gen) < 0 ? -1 : parse_gen(c, n, p);
	case CFG_DRV_SINK:
		return 0;
	case CFG_DRV_PCAP:
		if ((v = get(c, n, "in"))) {
			if (get_str(c, v, "in", p->pcap_in, CFG_PATH_MAX) < 0)
				return -1;
			p->pcap_in_at = pos_of(v);
		}
		if ((v = get(c, n, "out")) && get_str(c, v, "out", p->pcap_out, CFG_PATH_MAX) < 0)
			return -1;
		if (!p->pcap_in[0] && !p->pcap_out[0])
			return fail(c, n,
			            "pcap port '%s' has neither 'in' nor 'out'; expected in: FILE, "
			            "out: FILE or both",
			            p->name);
		if ((v = get(c, n, "loop"))) {
			if (get_bool(c, v, "loop", &p->pcap_loop) < 0)
				return -1;
			if (p->pcap_loop && !p->pcap_in[0])
				return fail(c, v, "loop without 'in'; expected in: FILE to replay");
		}
		return parse_limits(c, n, &p->gen);
	case CFG_DRV_AFPACKET:
	case CFG_DRV_AFXDP:
		return parse_af(c, n, p);
	}
	return 0;
}

/*
 * steer shared means one global pool for every NF: it cannot coexist with
 * per-tenant pools. A port that did not say (a sink, usually) follows the
 * platform; one that did and disagrees is an error.
 */
static int check_steer(struct ctx *c)
{
	struct tenet_config *cfg = c->cfg;
	int shared = -1, other = -1;

	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		bool rx = cfg->ports[i].driver != CFG_DRV_SINK;

		if (!c->steer_node[i] && !rx)
			continue;
		if (cfg->ports[i].steer == CFG_STEER_SHARED) {
			if (shared < 0)
				shared = (int)i;
		} else if (other < 0) {
			other = (int)i;
		}
	}
	if (shared < 0)
		return 0;
	if (other >= 0) {
		unsigned int late = (unsigned int)(shared > other ? shared : other);
		unsigned int early = (unsigned int)(shared > other ? other : shared);
		yaml_node_t *at = c->steer_node[late] ? c->steer_node[late] : c->port_node[late];

		return fail(c, at,
		            "port '%s' uses steer %s%s but port '%s' uses steer %s, and the shared "
		            "pool is platform-wide (one pool for all tenants); expected every "
		            "port to use steer shared, or none",
		            cfg->ports[late].name, cfg_steer_name(cfg->ports[late].steer),
		            c->steer_node[late] ? "" : " (the default)", cfg->ports[early].name,
		            cfg_steer_name(cfg->ports[early].steer));
	}
	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		cfg->ports[i].steer = CFG_STEER_SHARED;
	return 0;
}

/*
 * Dispatcher shards own tenant pools (pool k: shard k % dispatchers).
 * steer shared has one pool, so one shard; an afxdp port's zero-copy
 * transmit queue and its receive path have one consumer, the one
 * dispatcher (mgr/afxdp.c). Both are refused with more than one shard.
 */
static yaml_node_t *at(yaml_node_t *buf, struct cfg_pos p);

static int check_dispatchers(struct ctx *c)
{
	struct tenet_config *cfg = c->cfg;
	yaml_node_t buf;

	if (cfg->mgr.dispatchers <= 1)
		return 0;
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		if (cfg->ports[i].steer == CFG_STEER_SHARED)
			return fail(
			        c, at(&buf, cfg->mgr.dispatchers_at),
			        "dispatchers %u with port '%s' on steer shared: the shared pool "
			        "has one owner; expected dispatchers: 1, or steer nic or cpu",
			        cfg->mgr.dispatchers, cfg->ports[i].name);
		if (cfg->ports[i].driver == CFG_DRV_AFXDP)
			return fail(c, at(&buf, cfg->mgr.dispatchers_at),
			            "dispatchers %u with afxdp port '%s': an afxdp port serves one "
			            "dispatcher; expected dispatchers: 1, or no afxdp port",
			            cfg->mgr.dispatchers, cfg->ports[i].name);
	}
	return 0;
}

static int parse_ports(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (want_list(c, n, "ports", "a list of ports", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_PORTS)
			return fail(c, node(c, items[i]), "too many ports; expected at most %d",
			            CFG_MAX_PORTS);
		if (parse_port(c, node(c, items[i]), i) < 0)
			return -1;
		c->cfg->nb_ports = i + 1;
	}
	return check_steer(c);
}

static int find_port(struct ctx *c, yaml_node_t *n, const char *key, int *out)
{
	char name[CFG_NAME_MAX], list[LIST_MAX] = "";

	if (get_str(c, n, key, name, sizeof(name)) < 0)
		return -1;
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++)
		if (!strcmp(c->cfg->ports[i].name, name)) {
			*out = (int)i;
			return 0;
		}
	for (unsigned int i = 0; i < c->cfg->nb_ports; i++)
		append(list, sizeof(list), "%s%s", i ? ", " : "", c->cfg->ports[i].name);
	return fail(c, n, "unknown port '%s' for %s; expected one of: %s", name, key,
	            c->cfg->nb_ports ? list : "(no ports declared)");
}

/* ---------------------------------------------------------------- tenants */

static int parse_tenant(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",     "uid",      "gid",         "pool_bufs",
	                                   "inflight", "buf_size", "socket_mode", NULL};
	struct cfg_tenant *t = &c->cfg->tenants[idx];
	yaml_node_t *v;
	int64_t i64;

	if (want_map(c, n, "tenant", "a mapping {name, uid, gid, pool_bufs, ...}") < 0 ||
	    check_keys(c, n, "tenant", keys) < 0)
		return -1;
	t->line = (int)n->start_mark.line + 1;
	t->at = pos_of(n);
	c->tenant_node[idx] = n;
	if (!(v = get(c, n, "name")))
		return fail(c, n, "missing required key 'name' in tenant; expected name: NAME");
	if (get_name(c, v, "name", t->name) < 0)
		return -1;
	for (unsigned int i = 0; i < idx; i++)
		if (!strcmp(c->cfg->tenants[i].name, t->name))
			return fail(
			        c, v,
			        "duplicate tenant name '%s' (first at line %d); expected unique "
			        "names",
			        t->name, c->cfg->tenants[i].line);
	if ((v = get(c, n, "uid"))) {
		if (get_int(c, v, "uid", 0, UINT32_MAX - 1, &i64) < 0)
			return -1;
		t->uid = (uid_t)i64;
		t->has_uid = true;
	}
	if ((v = get(c, n, "gid"))) {
		if (get_int(c, v, "gid", 0, UINT32_MAX - 1, &i64) < 0)
			return -1;
		t->gid = (gid_t)i64;
		t->has_gid = true;
	}
	t->pool_bufs = 8192;
	if ((v = get(c, n, "pool_bufs"))) {
		if (get_int(c, v, "pool_bufs", 64, 1048576, &i64) < 0)
			return -1;
		t->pool_bufs = (uint32_t)i64;
	}
	t->inflight = CFG_INFLIGHT_DEFAULT;
	if ((v = get(c, n, "inflight"))) {
		if (get_int(c, v, "inflight", 32, 1048576, &i64) < 0)
			return -1;
		t->inflight = (uint32_t)i64;
	}
	if (t->inflight > t->pool_bufs)
		t->inflight = t->pool_bufs; /* the pool bounds it anyway */
	t->buf_size = 2048;
	if ((v = get(c, n, "buf_size"))) {
		c->buf_size_node[idx] = v;
		if (get_int(c, v, "buf_size", 512, 65536, &i64) < 0)
			return -1;
		if (i64 % 64)
			return fail(c, v,
			            "buf_size %lld is not a multiple of 64; expected a multiple "
			            "of 64 in 512..65536",
			            (long long)i64);
		t->buf_size = (uint32_t)i64;
	}
	t->socket_mode = 0660;
	if ((v = get(c, n, "socket_mode"))) {
		/* always octal, as chmod takes it: 660, 0660, "0660" and 0o660 agree */
		const char *s = v->type == YAML_SCALAR_NODE ? text(v) : "";
		unsigned long mode;
		char *end;

		if (s[0] == '0' && s[1] == 'o')
			s += 2;
		errno = 0;
		mode = strtoul(s, &end, 8);
		if (v->type != YAML_SCALAR_NODE || !*s || *end || errno || mode > 0777 ||
		    !isdigit((unsigned char)*s))
			return bad(c, v, "socket_mode", "an octal file mode in 0..0777, e.g. 0660");
		t->socket_mode = (uint32_t)mode;
	}
	return 0;
}

static int parse_tenants(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (want_list(c, n, "tenants", "a list of tenants", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_TENANTS)
			return fail(c, node(c, items[i]), "too many tenants; expected at most %d",
			            CFG_MAX_TENANTS);
		if (parse_tenant(c, node(c, items[i]), i) < 0)
			return -1;
		c->cfg->nb_tenants = i + 1;
	}
	return 0;
}

static int find_tenant(struct ctx *c, const char *name)
{
	for (unsigned int i = 0; i < c->cfg->nb_tenants; i++)
		if (!strcmp(c->cfg->tenants[i].name, name))
			return (int)i;
	return -1;
}

static void tenant_list(struct ctx *c, char *list, size_t size)
{
	list[0] = '\0';
	for (unsigned int i = 0; i < c->cfg->nb_tenants; i++)
		append(list, size, "%s%s", i ? ", " : "", c->cfg->tenants[i].name);
	if (!c->cfg->nb_tenants)
		append(list, size, "(no tenants declared)");
}

/* ---------------------------------------------------------------- pools */

/*
 * Memory this machine can give the pools now, in bytes, and where that
 * figure came from. MemAvailable: the pools are mapped MAP_POPULATE (every
 * byte is allocated at start, lib/pool.c), so what counts is what can be
 * allocated now without swapping, not the installed total. Free huge pages
 * are added: lib/pool.c takes a pool from them when some are reserved, and
 * reserved huge pages are not part of MemAvailable. MemTotal, then
 * sysinfo(), only when the kernel does not report MemAvailable (before
 * Linux 3.14). 0: unknown (no check).
 */
static uint64_t mem_available(const char **src)
{
	uint64_t avail = 0, total = 0, huge_free = 0, huge_size = 0;
	struct sysinfo si;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
				avail = (uint64_t)v << 10;
			else if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
				total = (uint64_t)v << 10;
			else if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
				huge_free = v;
			else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
				huge_size = (uint64_t)v << 10;
		}
		fclose(f);
	}
	if (avail && huge_free && huge_size) {
		*src = "MemAvailable + free huge pages in /proc/meminfo";
		return avail + huge_free * huge_size;
	}
	if (avail) {
		*src = "MemAvailable in /proc/meminfo";
		return avail;
	}
	if (total) {
		*src = "MemTotal in /proc/meminfo";
		return total;
	}
	if (sysinfo(&si) == 0 && si.totalram) {
		*src = "sysinfo() total RAM";
		return (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
	}
	return 0;
}

static double gib(uint64_t b)
{
	return (double)b / (double)(1ull << 30);
}

/* steer shared: one pool holds every tenant's buffers, at most 2^24 of them */
static int check_pool_buffers(struct ctx *c)
{
	const struct tenet_config *cfg = c->cfg;
	uint64_t bufs = 0;

	if (!cfg->nb_tenants || !cfg->nb_ports || cfg->ports[0].steer != CFG_STEER_SHARED)
		return 0;
	for (unsigned int t = 0; t < cfg->nb_tenants; t++)
		bufs += cfg->tenants[t].pool_bufs;
	if (bufs <= (1u << 24))
		return 0;
	return fail(c, c->tenant_node[cfg->nb_tenants - 1],
	            "steer shared puts every tenant's buffers in one pool: %llu buffers in "
	            "all; expected at most %u (pool_bufs summed over tenants)",
	            (unsigned long long)bufs, 1u << 24);
}

/* A position stored in the config as a node for fail(). */
static yaml_node_t *at(yaml_node_t *buf, struct cfg_pos p)
{
	memset(buf, 0, sizeof(*buf));
	buf->start_mark.line = p.line > 0 ? (size_t)p.line - 1 : 0;
	buf->start_mark.column = p.col > 0 ? (size_t)p.col - 1 : 0;
	return buf;
}

/*
 * All the tenants' pools together against the machine's memory: a config
 * asking for more than there is would end in the OOM killer, not in an
 * error. With steer shared, the one pool holds every tenant's buffers at
 * the largest buf_size.
 */
static int check_pool_memory(struct ctx *c)
{
	const struct tenet_config *cfg = c->cfg;
	bool shared = cfg->nb_ports && cfg->ports[0].steer == CFG_STEER_SHARED;
	uint64_t total = 0, avail;
	uint32_t size = 0;
	const char *src = "";
	yaml_node_t n;
	int over = -1;

	for (unsigned int t = 0; t < cfg->nb_tenants; t++)
		if (cfg->tenants[t].buf_size > size)
			size = cfg->tenants[t].buf_size;
	avail = mem_available(&src);
	for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
		total += (uint64_t)cfg->tenants[t].pool_bufs *
		         (shared ? size : cfg->tenants[t].buf_size);
		if (over < 0 && avail && total > avail)
			over = (int)t;
	}
	if (over < 0)
		return 0;
	{
		const struct cfg_tenant *t = &cfg->tenants[over];
		uint32_t tsize = shared ? size : t->buf_size;

		return fail(c, at(&n, t->at),
		            "the pools need %.2f GiB (%llu bytes) in all, more than the %.2f GiB "
		            "this machine has (%s); the sum passes it at tenant '%s' (%u x %u B = "
		            "%.1f GiB); expected pools (pool_bufs x buf_size, summed over tenants) "
		            "that fit in memory",
		            gib(total), (unsigned long long)total, gib(avail), src, t->name,
		            t->pool_bufs, tsize, gib((uint64_t)t->pool_bufs * tsize));
	}
}

/*
 * A file the config names that the manager or an NF will read: a regular
 * file of at most max bytes (0: any size), checked as lib/file.h opens it,
 * so that a FIFO, a device or a directory is reported at its line instead
 * of blocking or exhausting a reader later.
 */
static int check_file(struct ctx *c, struct cfg_pos p, const char *key, const char *path,
                      size_t max)
{
	char ferr[CFG_PATH_MAX + 128];
	yaml_node_t n;
	int fd = tenet_file_open(path, max, ferr, sizeof(ferr));

	if (fd < 0)
		return fail(c, at(&n, p), "%s file %s", key, ferr);
	close(fd);
	return 0;
}

/* A CPU list names only CPUs this process may run on (sched_getaffinity). */
static int check_cpus(struct ctx *c, const struct cfg_cpus *cpus, const char *key)
{
	cpu_set_t allowed, extra;
	char have[128];
	yaml_node_t n;
	size_t len = 0;

	if (!cpus->given)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return fail(c, at(&n, cpus->at), "%s: cannot read this process's CPUs: %s", key,
		            strerror(errno));
	CPU_AND(&extra, &cpus->set, &allowed);
	if (CPU_EQUAL(&extra, &cpus->set))
		return 0;
	have[0] = '\0';
	for (int i = 0; i < CPU_SETSIZE && len + 8 < sizeof(have); i++)
		if (CPU_ISSET(i, &allowed))
			len += (size_t)snprintf(have + len, sizeof(have) - len, "%s%d",
			                        len ? "," : "", i);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cpus->set) && !CPU_ISSET(i, &allowed))
			return fail(c, at(&n, cpus->at),
			            "%s: CPU %d is not one this process may run on; expected CPUs "
			            "from %s",
			            key, i, have);
	return 0;
}

int tenet_config_check_host(const struct tenet_config *cfg, char *err, size_t errlen)
{
	struct ctx c = {.name = cfg->path,
	                .err = err,
	                .errlen = errlen,
	                .cfg = (struct tenet_config *)(uintptr_t)cfg};

	if (err && errlen)
		err[0] = '\0';
	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		if (cfg->ports[i].driver == CFG_DRV_PCAP && cfg->ports[i].pcap_in[0] &&
		    check_file(&c, cfg->ports[i].pcap_in_at, "in", cfg->ports[i].pcap_in, 0) < 0)
			return -1;
	for (unsigned int i = 0; i < cfg->nb_services; i++)
		if (cfg->services[i].patterns[0] &&
		    check_file(&c, cfg->services[i].patterns_at, "patterns",
		               cfg->services[i].patterns, TENET_FILE_MAX) < 0)
			return -1;
	if (check_cpus(&c, &cfg->mgr.mgr_cpus, "cpus.manager") < 0 ||
	    check_cpus(&c, &cfg->mgr.nf_cpus, "cpus.nfs") < 0)
		return -1;
	for (unsigned int i = 0; i < cfg->nb_services; i++)
		if (check_cpus(&c, &cfg->services[i].cpus, "cpus") < 0)
			return -1;
	return check_pool_memory(&c);
}

/*
 * The largest frame a gen port sends (its sizes are on the wire, with the
 * 4-byte FCS that a software port does not carry; a frame too small for
 * its headers and stamp is made longer, at most GEN_FRAME_FLOOR bytes).
 */
#define GEN_FRAME_FLOOR 94 /* IPv6 + TCP + VLAN headers (78) + the 16-byte stamp */

static unsigned int gen_max_frame(const struct cfg_gen *g)
{
	unsigned int max = GEN_FRAME_FLOOR;

	for (unsigned int i = 0; i < g->nb_sizes; i++)
		if (g->sizes[i] >= 4 && g->sizes[i] - 4u > max)
			max = g->sizes[i] - 4u;
	return max;
}

/*
 * Every pool must hold the largest frame every receiving port whose
 * largest frame the config fixes (gen: its sizes) can deliver: rules can
 * send any port's traffic to any tenant (also at run time, tenet ctl).
 * Ports whose frames the config does not bound (pcap records, afpacket and
 * afxdp frames: the file, the MTU, GRO) are checked frame by frame on
 * receive instead, and what does not fit is dropped as oversize.
 */
static int check_pool_frames(struct ctx *c)
{
	const struct tenet_config *cfg = c->cfg;
	bool shared = cfg->nb_ports && cfg->ports[0].steer == CFG_STEER_SHARED;
	uint32_t shared_size = 0;

	for (unsigned int t = 0; t < cfg->nb_tenants; t++)
		if (cfg->tenants[t].buf_size > shared_size)
			shared_size = cfg->tenants[t].buf_size;
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		struct cfg_port *p = &c->cfg->ports[i];
		unsigned int max;

		for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
			uint32_t room =
			        (shared ? shared_size : cfg->tenants[t].buf_size) - TENET_HEADROOM;

			if (!p->min_room || room < p->min_room) {
				p->min_room = room;
				snprintf(p->min_room_tenant, sizeof(p->min_room_tenant), "%s",
				         cfg->tenants[t].name);
			}
		}
		if (p->driver != CFG_DRV_GEN)
			continue;
		max = gen_max_frame(&p->gen);
		for (unsigned int t = 0; t < cfg->nb_tenants; t++) {
			const struct cfg_tenant *tn = &cfg->tenants[t];
			uint32_t size = shared ? shared_size : tn->buf_size;
			unsigned int need = (max + TENET_HEADROOM + 63) / 64 * 64;
			yaml_node_t *at =
			        c->buf_size_node[t] ? c->buf_size_node[t] : c->tenant_node[t];

			if (max + TENET_HEADROOM <= size)
				continue;
			return fail(c, at,
			            "tenant '%s' %spool cannot hold the frames of port '%s' (gen, "
			            "line %d): its buffers take frames of up to %u bytes (buf_size "
			            "%u less %u of headroom), the port sends frames of up to %u "
			            "bytes (size %u less the 4-byte FCS); expected buf_size >= %u "
			            "or smaller gen sizes",
			            tn->name, shared ? "(shared) " : "", p->name, p->line,
			            size - TENET_HEADROOM, size, TENET_HEADROOM, max, max + 4,
			            need < 512 ? 512 : need);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- services */

static int add_arg(struct ctx *c, yaml_node_t *at, struct cfg_service *s, unsigned int *argc,
                   const char *arg, size_t len)
{
	if (*argc == CFG_MAX_ARGS)
		return fail(c, at, "command has too many arguments; expected at most %d",
		            CFG_MAX_ARGS);
	s->argv[*argc] = strndup(arg, len);
	if (!s->argv[*argc])
		return fail(c, at, "out of memory; expected a smaller config");
	(*argc)++;
	return 0;
}

static int parse_command(struct ctx *c, yaml_node_t *n, struct cfg_service *s)
{
	static const char *const expect = "a command line (string) or a list of arguments";
	unsigned int argc = 0;

	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		const char *p = text(n);

		if (strlen(p) != n->data.scalar.length)
			return fail(c, n, "command contains a NUL byte; expected text");
		for (;;) {
			size_t len;

			p += strspn(p, " \t");
			if (!*p)
				break;
			len = strcspn(p, " \t");
			if (add_arg(c, n, s, &argc, p, len) < 0)
				return -1;
			p += len;
		}
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			yaml_node_t *a = node(c, *i);

			if (a->type != YAML_SCALAR_NODE || is_null(a))
				return bad(c, a, "command argument", "a string");
			if (strlen(text(a)) != a->data.scalar.length)
				return fail(c, a,
				            "command argument contains a NUL byte; expected text");
			if (add_arg(c, a, s, &argc, text(a), a->data.scalar.length) < 0)
				return -1;
		}
	} else {
		return bad(c, n, "command", expect);
	}
	if (!argc || !s->argv[0][0])
		return fail(c, n, "empty command; expected %s", expect);
	return 0;
}

static int parse_service(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",    "tenant",   "command", "instances",
	                                   "restart", "patterns", "cpus",    NULL};
	struct cfg_service *s = &c->cfg->services[idx];
	char tname[CFG_NAME_MAX], list[LIST_MAX];
	yaml_node_t *v;
	int64_t i64;
	int t;

	if (want_map(c, n, "service", "a mapping {name, tenant, command, ...}") < 0 ||
	    check_keys(c, n, "service", keys) < 0)
		return -1;
	s->line = (int)n->start_mark.line + 1;
	if (!(v = get(c, n, "name")))
		return fail(c, n, "missing required key 'name' in service; expected name: NAME");
	if (get_name(c, v, "name", s->name) < 0)
		return -1;
	if (!(v = get(c, n, "tenant")))
		return fail(c, n,
		            "missing required key 'tenant' in service; expected tenant: "
		            "TENANT-NAME");
	if (get_str(c, v, "tenant", tname, sizeof(tname)) < 0)
		return -1;
	if ((t = find_tenant(c, tname)) < 0) {
		tenant_list(c, list, sizeof(list));
		return fail(c, v, "unknown tenant '%s' for service; expected one of: %s", tname,
		            list);
	}
	s->tenant = (uint16_t)t;
	for (unsigned int i = 0; i < idx; i++)
		if (c->cfg->services[i].tenant == s->tenant &&
		    !strcmp(c->cfg->services[i].name, s->name))
			return fail(c, get(c, n, "name"),
			            "duplicate service '%s/%s' (first at line %d); expected unique "
			            "names within a tenant",
			            tname, s->name, c->cfg->services[i].line);
	if ((v = get(c, n, "command")) && !is_null(v) && parse_command(c, v, s) < 0)
		return -1;
	s->instances = 1;
	if ((v = get(c, n, "instances"))) {
		if (get_int(c, v, "instances", 1, CFG_MAX_INSTANCES, &i64) < 0)
			return -1;
		s->instances = (unsigned int)i64;
	}
	s->restart = true;
	if ((v = get(c, n, "restart")) && get_bool(c, v, "restart", &s->restart) < 0)
		return -1;
	if ((v = get(c, n, "patterns"))) {
		if (get_str(c, v, "patterns", s->patterns, sizeof(s->patterns)) < 0)
			return -1;
		s->patterns_at = pos_of(v);
	}
	if ((v = get(c, n, "cpus")) && get_cpus(c, v, "cpus", &s->cpus) < 0)
		return -1;
	return 0;
}

static int parse_services(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (want_list(c, n, "services", "a list of services", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_SERVICES)
			return fail(c, node(c, items[i]), "too many services; expected at most %d",
			            CFG_MAX_SERVICES);
		/* count it first, so that tenet_config_free sees a half-parsed argv */
		c->cfg->nb_services = i + 1;
		if (parse_service(c, node(c, items[i]), i) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- chains */

static int parse_match(struct ctx *c, yaml_node_t *n, struct tenet_match *m)
{
	static const char *const keys[] = {"src",   "dst",  "proto", "sport",
	                                   "dport", "vlan", "port",  NULL};
	static const struct {
		const char *name;
		int16_t proto;
	} protos[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmp6", 58}};
	uint8_t fam = 0;
	yaml_node_t *v;

	memset(m, 0, sizeof(*m));
	m->proto = TENET_ANY;
	m->sport_hi = m->dport_hi = 65535;
	m->vlan = TENET_ANY;
	m->in_port = TENET_ANY;
	if (!n || is_null(n))
		return 0;
	if (want_map(c, n, "match", "a mapping {src, dst, proto, sport, dport, vlan, port}") < 0 ||
	    check_keys(c, n, "match", keys) < 0)
		return -1;
	if ((v = get(c, n, "src")) && get_cidr(c, v, "src", &m->family, m->src, &m->src_plen) < 0)
		return -1;
	if ((v = get(c, n, "dst"))) {
		if (get_cidr(c, v, "dst", &fam, m->dst, &m->dst_plen) < 0)
			return -1;
		if (m->family && fam != m->family)
			return fail(c, v,
			            "dst is IPv%u but src is IPv%u; expected the same address "
			            "family",
			            fam, m->family);
		m->family = fam;
	}
	if ((v = get(c, n, "proto"))) {
		size_t i;

		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (v->type == YAML_SCALAR_NODE && !strcmp(text(v), protos[i].name))
				break;
		if (i < sizeof(protos) / sizeof(protos[0])) {
			m->proto = protos[i].proto;
		} else {
			bool neg;
			uint64_t u;

			if (v->type != YAML_SCALAR_NODE || !parse_int(text(v), &neg, &u) || neg ||
			    u > 255)
				return bad(c, v, "proto",
				           "tcp, udp, icmp, icmp6 or a protocol number 0..255");
			m->proto = (int16_t)u;
		}
	}
	if ((v = get(c, n, "sport")) &&
	    get_port_range(c, v, "sport", &m->sport_lo, &m->sport_hi) < 0)
		return -1;
	if ((v = get(c, n, "dport")) &&
	    get_port_range(c, v, "dport", &m->dport_lo, &m->dport_hi) < 0)
		return -1;
	if ((v = get(c, n, "vlan")) && get_vlan(c, v, &m->vlan) < 0)
		return -1;
	if ((v = get(c, n, "port"))) {
		int p;

		if (find_port(c, v, "port", &p) < 0)
			return -1;
		if (!port_can_rx(&c->cfg->ports[p]))
			return fail(c, v,
			            "port '%s' (driver %s) receives nothing; expected a port that "
			            "receives (gen, pcap with in, afpacket, afxdp)",
			            c->cfg->ports[p].name,
			            cfg_driver_name(c->cfg->ports[p].driver));
		m->in_port = p;
	}
	return 0;
}

static int find_service(struct ctx *c, yaml_node_t *n, const char *ref)
{
	char tname[CFG_NAME_MAX], list[LIST_MAX] = "";
	const char *slash = strchr(ref, '/');
	int t;

	if (!slash || slash == ref || !slash[1] || (size_t)(slash - ref) >= sizeof(tname))
		return fail(c, n, "bad hop '%s'; expected TENANT/SERVICE, e.g. alice/scan", ref);
	memcpy(tname, ref, (size_t)(slash - ref));
	tname[slash - ref] = '\0';
	if ((t = find_tenant(c, tname)) < 0) {
		tenant_list(c, list, sizeof(list));
		return fail(c, n, "unknown tenant '%s' in hop '%s'; expected one of: %s", tname,
		            ref, list);
	}
	for (unsigned int i = 0; i < c->cfg->nb_services; i++)
		if (c->cfg->services[i].tenant == t && !strcmp(c->cfg->services[i].name, slash + 1))
			return (int)i;
	for (unsigned int i = 0; i < c->cfg->nb_services; i++)
		append(list, sizeof(list), "%s%s/%s", i ? ", " : "",
		       c->cfg->tenants[c->cfg->services[i].tenant].name, c->cfg->services[i].name);
	return fail(c, n, "unknown service '%s' in hop; expected one of: %s", ref,
	            c->cfg->nb_services ? list : "(no services declared)");
}

static int parse_hops(struct ctx *c, yaml_node_t *chain, yaml_node_t *n, struct cfg_chain *ch)
{
	static const char *const hop_keys[] = {"service", "on", NULL};
	static const char *const where[] = {"host", "nic", NULL};
	static const char *const expect = "a list of TENANT/SERVICE or {service: TENANT/SERVICE, "
	                                  "on: nic|host}";
	yaml_node_item_t *items;
	unsigned int nb;
	int first_host = -1;

	if (!n)
		return fail(c, chain,
		            "missing required key 'hops' in chain '%s'; expected hops: %s",
		            ch->name, expect);
	if (want_list(c, n, "hops", expect, &items, &nb) < 0)
		return -1;
	if (!nb)
		return fail(c, n, "chain '%s' has no hops; expected at least one TENANT/SERVICE",
		            ch->name);
	if (nb > CFG_MAX_HOPS)
		return fail(c, node(c, items[CFG_MAX_HOPS]),
		            "chain '%s' has too many hops (%u); expected at most %d", ch->name, nb,
		            CFG_MAX_HOPS);
	for (unsigned int i = 0; i < nb; i++) {
		yaml_node_t *h = node(c, items[i]), *ref = h, *on = NULL;
		struct cfg_hop *hop = &ch->hops[i];
		char name[2 * CFG_NAME_MAX];
		int s, w = CFG_ON_HOST;

		if (h->type == YAML_MAPPING_NODE) {
			if (check_keys(c, h, "hop", hop_keys) < 0)
				return -1;
			if (!(ref = get(c, h, "service")))
				return fail(c, h,
				            "missing required key 'service' in hop; expected "
				            "service: TENANT/SERVICE");
			if ((on = get(c, h, "on")) && get_enum(c, on, "on", where, &w) < 0)
				return -1;
		}
		if (ref->type != YAML_SCALAR_NODE)
			return bad(c, ref, "hop", expect);
		if (get_str(c, ref, "hop", name, sizeof(name)) < 0)
			return -1;
		if ((s = find_service(c, ref, name)) < 0)
			return -1;
		hop->service = (uint16_t)s;
		hop->on = (enum cfg_hop_where)w;
		if (hop->on == CFG_ON_NIC) {
			if (first_host >= 0)
				return fail(
				        c, on,
				        "hop %u (%s) runs on: nic after hop %d runs on the host; "
				        "expected on: nic only on the leading hops of a chain",
				        i + 1, name, first_host + 1);
			if (!c->cfg->services[s].patterns[0])
				return fail(c, on,
				            "hop %u (%s) runs on: nic but service %s has no "
				            "patterns file; expected patterns: FILE on the service "
				            "(only a payload scan can run on the NIC)",
				            i + 1, name, name);
		} else if (first_host < 0) {
			first_host = (int)i;
		}
	}
	ch->nb_hops = nb;
	ch->tenant = c->cfg->services[ch->hops[first_host >= 0 ? first_host : 0].service].tenant;
	return 0;
}

static int parse_chain(struct ctx *c, yaml_node_t *n, unsigned int idx)
{
	static const char *const keys[] = {"name",   "match",      "priority", "hops",
	                                   "output", "on_failure", NULL};
	static const char *const failures[] = {"drop", "skip", NULL};
	struct cfg_chain *ch = &c->cfg->chains[idx];
	yaml_node_t *v;
	int64_t i64;
	int e;

	if (want_map(c, n, "chain", "a mapping {name, match, hops, output, ...}") < 0 ||
	    check_keys(c, n, "chain", keys) < 0)
		return -1;
	ch->line = (int)n->start_mark.line + 1;
	if (!(v = get(c, n, "name")))
		return fail(c, n, "missing required key 'name' in chain; expected name: NAME");
	if (get_name(c, v, "name", ch->name) < 0)
		return -1;
	if (!strcmp(ch->name, "drop"))
		return fail(c, v,
		            "chain name 'drop' is reserved (default: drop); expected another "
		            "name");
	for (unsigned int i = 0; i < idx; i++)
		if (!strcmp(c->cfg->chains[i].name, ch->name))
			return fail(c, v,
			            "duplicate chain name '%s' (first at line %d); expected unique "
			            "names",
			            ch->name, c->cfg->chains[i].line);
	if (parse_match(c, get(c, n, "match"), &ch->match) < 0)
		return -1;
	ch->priority = (int32_t)idx;
	if ((v = get(c, n, "priority"))) {
		if (get_int(c, v, "priority", INT32_MIN, INT32_MAX, &i64) < 0)
			return -1;
		ch->priority = (int32_t)i64;
	}
	if (parse_hops(c, n, get(c, n, "hops"), ch) < 0)
		return -1;
	ch->output = -1;
	if ((v = get(c, n, "output")) && !is_null(v)) {
		struct cfg_port *p;

		if (find_port(c, v, "output", &ch->output) < 0)
			return -1;
		p = &c->cfg->ports[ch->output];
		if (!port_can_tx(p))
			return fail(c, v,
			            "port '%s' (driver %s) cannot transmit; expected a sink, pcap "
			            "with out, afpacket or afxdp port",
			            p->name, cfg_driver_name(p->driver));
	}
	ch->on_failure = CFG_FAIL_DROP;
	if ((v = get(c, n, "on_failure"))) {
		if (get_enum(c, v, "on_failure", failures, &e) < 0)
			return -1;
		ch->on_failure = (enum cfg_failure)e;
	}
	return 0;
}

static int parse_chains(struct ctx *c, yaml_node_t *n)
{
	yaml_node_item_t *items;
	unsigned int nb;

	if (want_list(c, n, "chains", "a list of chains", &items, &nb) < 0)
		return -1;
	for (unsigned int i = 0; i < nb; i++) {
		if (i == CFG_MAX_CHAINS)
			return fail(c, node(c, items[i]), "too many chains; expected at most %d",
			            CFG_MAX_CHAINS);
		if (parse_chain(c, node(c, items[i]), i) < 0)
			return -1;
		c->cfg->nb_chains = i + 1;
	}
	return 0;
}

static int parse_default(struct ctx *c, yaml_node_t *n)
{
	char name[CFG_NAME_MAX], list[LIST_MAX] = "";

	c->cfg->default_chain = -1;
	if (!n)
		return 0;
	if (n->type != YAML_SCALAR_NODE || is_null(n) || n->data.scalar.length >= sizeof(name))
		return bad(c, n, "default", "drop or a chain name");
	memcpy(name, text(n), n->data.scalar.length + 1);
	if (!strcmp(name, "drop"))
		return 0;
	for (unsigned int i = 0; i < c->cfg->nb_chains; i++)
		if (!strcmp(c->cfg->chains[i].name, name)) {
			c->cfg->default_chain = (int)i;
			return 0;
		}
	for (unsigned int i = 0; i < c->cfg->nb_chains; i++)
		append(list, sizeof(list), ", %s", c->cfg->chains[i].name);
	return fail(c, n, "unknown chain '%s' for default; expected drop%s%s", name,
	            c->cfg->nb_chains ? " or one of" : "", list);
}

/* ---------------------------------------------------------------- top level */

static int parse_root(struct ctx *c, yaml_node_t *root)
{
	static const char *const keys[] = {"manager", "ports",   "tenants", "services",
	                                   "chains",  "default", NULL};
	yaml_node_t *v;

	if (want_map(c, root, "the config",
	             "a mapping with sections manager, ports, tenants, services, chains, "
	             "default") < 0 ||
	    check_keys(c, root, "the config", keys) < 0)
		return -1;
	if (parse_manager(c, get(c, root, "manager")) < 0)
		return -1;
	if ((v = get(c, root, "ports")) && parse_ports(c, v) < 0)
		return -1;
	if (check_dispatchers(c) < 0)
		return -1;
	if ((v = get(c, root, "tenants")) && parse_tenants(c, v) < 0)
		return -1;
	if (check_pool_buffers(c) < 0 || check_pool_frames(c) < 0)
		return -1;
	if (resolve_tenant_ifs(c) < 0)
		return -1;
	if ((v = get(c, root, "services")) && parse_services(c, v) < 0)
		return -1;
	if ((v = get(c, root, "chains")) && parse_chains(c, v) < 0)
		return -1;
	return parse_default(c, get(c, root, "default"));
}

static void yaml_fail(struct ctx *c, const yaml_parser_t *p)
{
	yaml_node_t at = {.start_mark = p->problem_mark};

	if (p->error == YAML_MEMORY_ERROR) {
		fail(c, NULL, "out of memory while reading YAML; expected a smaller config");
	} else if (p->context) {
		fail(c, &at,
		     "YAML syntax error: %s (%s at line %zu, column %zu); expected valid YAML",
		     p->problem ? p->problem : "?", p->context, p->context_mark.line + 1,
		     p->context_mark.column + 1);
	} else {
		fail(c, &at, "YAML syntax error: %s; expected valid YAML",
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
static int check_shape(struct ctx *c, const char *text, size_t len)
{
	unsigned int depth = 0, items[CFG_DEPTH_MAX + 1] = {0};
	bool is_map[CFG_DEPTH_MAX + 1] = {false};
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return fail(c, NULL, "out of memory; expected room for the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_type_t type;
		yaml_node_t at;
		bool start;

		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_fail(c, &parser);
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
				rc = fail(c, &at,
				          "a mapping with more than %d keys; expected at most %d",
				          CFG_KEYS_MAX, CFG_KEYS_MAX);
				break;
			}
		}
		if (start) {
			if (++depth > CFG_DEPTH_MAX) {
				rc = fail(
				        c, &at,
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

struct tenet_config *tenet_config_parse(const char *text, size_t len, const char *name, char *err,
                                        size_t errlen)
{
	struct ctx c = {.name = name ? name : "<config>", .err = err, .errlen = errlen};
	yaml_document_t doc, extra;
	yaml_parser_t parser;
	yaml_node_t *root, *more;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (!c.cfg) {
		fail(&c, NULL, "out of memory; expected room for the config");
		return NULL;
	}
	snprintf(c.cfg->path, sizeof(c.cfg->path), "%s", c.name);
	if (check_shape(&c, text, len) < 0) {
		free(c.cfg);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		fail(&c, NULL, "out of memory; expected room for the YAML parser");
		free(c.cfg);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_fail(&c, &parser);
		goto err_parser;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		fail(&c, NULL,
		     "the config is empty; expected a mapping with sections manager, ports, "
		     "tenants, services, chains, default");
		goto err_doc;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_fail(&c, &parser);
		goto err_doc;
	}
	more = yaml_document_get_root_node(&extra);
	if (more)
		fail(&c, more, "a second YAML document; expected a single document per config");
	else
		rc = parse_root(&c, root);
	yaml_document_delete(&extra);
err_doc:
	yaml_document_delete(&doc);
err_parser:
	yaml_parser_delete(&parser);
	if (rc < 0) {
		tenet_config_free(c.cfg);
		return NULL;
	}
	return c.cfg;
}

struct tenet_config *tenet_config_load(const char *path, char *err, size_t errlen)
{
	struct tenet_config *cfg;
	char ferr[CFG_PATH_MAX + 128], *buf;
	size_t len;

	/* a regular file only (a FIFO would block the open, /dev/zero never
	 * end), opened without blocking, close-on-exec, at most CFG_FILE_MAX */
	if (tenet_file_read(path, CFG_FILE_MAX, &buf, &len, ferr, sizeof(ferr)) < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s (the YAML config)", ferr);
		return NULL;
	}
	cfg = tenet_config_parse(buf, len, path, err, errlen);
	free(buf);
	return cfg;
}

void tenet_config_free(struct tenet_config *cfg)
{
	if (!cfg)
		return;
	for (unsigned int i = 0; i < cfg->nb_services; i++)
		for (unsigned int a = 0; a < CFG_MAX_ARGS && cfg->services[i].argv[a]; a++)
			free(cfg->services[i].argv[a]);
	free(cfg);
}

/* ---------------------------------------------------------------- run-time fragments */

/* Parse one YAML document from text and hand its root to fn. */
static int parse_fragment(struct tenet_config *cfg, const char *text, size_t len, char *err,
                          size_t errlen, int (*fn)(struct ctx *c, yaml_node_t *root, void *arg),
                          void *arg)
{
	struct ctx c = {.name = "request", .err = err, .errlen = errlen, .cfg = cfg};
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (check_shape(&c, text, len) < 0)
		return -1;
	if (!yaml_parser_initialize(&parser))
		return fail(&c, NULL, "out of memory; expected room for the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_fail(&c, &parser);
		yaml_parser_delete(&parser);
		return -1;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		fail(&c, NULL, "empty request; expected a YAML mapping");
	else
		rc = fn(&c, root, arg);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

static int chain_fragment(struct ctx *c, yaml_node_t *root, void *arg)
{
	(void)arg;
	if (c->cfg->nb_chains >= CFG_MAX_CHAINS)
		return fail(c, root, "too many chains; expected at most %d", CFG_MAX_CHAINS);
	memset(&c->cfg->chains[c->cfg->nb_chains], 0, sizeof(c->cfg->chains[0]));
	if (parse_chain(c, root, c->cfg->nb_chains) < 0)
		return -1;
	return (int)c->cfg->nb_chains;
}

int tenet_config_parse_chain(struct tenet_config *cfg, const char *text, size_t len, char *err,
                             size_t errlen)
{
	return parse_fragment(cfg, text, len, err, errlen, chain_fragment, NULL);
}

static int rule_fragment(struct ctx *c, yaml_node_t *root, void *arg)
{
	static const char *const keys[] = {"match", "chain", "priority", NULL};
	struct cfg_rule *r = arg;
	char name[CFG_NAME_MAX];
	yaml_node_t *v;
	int64_t i64;

	if (want_map(c, root, "rule", "a mapping {match, chain, priority}") < 0 ||
	    check_keys(c, root, "rule", keys) < 0)
		return -1;
	if (parse_match(c, get(c, root, "match"), &r->match) < 0)
		return -1;
	if (!(v = get(c, root, "chain")))
		return fail(c, root, "missing required key 'chain' in rule; expected chain: NAME");
	if (get_str(c, v, "chain", name, sizeof(name)) < 0)
		return -1;
	r->chain = -1;
	for (unsigned int i = 0; i < c->cfg->nb_chains; i++)
		if (!strcmp(c->cfg->chains[i].name, name))
			r->chain = (int)i;
	if (r->chain < 0)
		return fail(c, v, "unknown chain '%s'; expected the name of a chain", name);
	r->priority = 0;
	if ((v = get(c, root, "priority"))) {
		if (get_int(c, v, "priority", INT32_MIN, INT32_MAX, &i64) < 0)
			return -1;
		r->priority = (int32_t)i64;
	}
	return 0;
}

int tenet_config_parse_rule(struct tenet_config *cfg, const char *text, size_t len,
                            struct cfg_rule *out, char *err, size_t errlen)
{
	return parse_fragment(cfg, text, len, err, errlen, rule_fragment, out);
}
