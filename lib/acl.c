/*
 * ACL rule files (contract and format: lib/acl.h).
 *
 * A hand-written line parser: split the text into lines, cut each at '#',
 * split on blanks into tokens, read "ACTION (FIELD VALUE)*". Every error
 * names the file, line and column of the token at fault and says what
 * was expected there; the first error stops the parse and nothing is
 * returned. The rules go into a classifier with priority = line number,
 * which gives first-match semantics with tuple-space lookups.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acl.h"
#include "lib/file.h"

#define P_ICMP  1
#define P_TCP   6
#define P_UDP   17
#define P_ICMP6 58

enum field { F_SRC, F_DST, F_PROTO, F_SPORT, F_DPORT, F_MAX };

static const char *const field_name[F_MAX] = {"src", "dst", "proto", "sport", "dport"};

static const char *const field_expect[F_MAX] = {
        [F_SRC] = "an IPv4 or IPv6 address with an optional /LEN, e.g. 10.1.0.0/16 or "
                  "2001:db8::/32",
        [F_DST] = "an IPv4 or IPv6 address with an optional /LEN, e.g. 10.1.0.0/16 or "
                  "2001:db8::/32",
        [F_PROTO] = "tcp, udp, icmp, icmp6 or a protocol number 0..255",
        [F_SPORT] = "a port N or a range LO-HI within 0..65535",
        [F_DPORT] = "a port N or a range LO-HI within 0..65535",
};

static const struct {
	const char *name;
	int num;
} protos[] = {{"tcp", P_TCP}, {"udp", P_UDP}, {"icmp", P_ICMP}, {"icmp6", P_ICMP6}};

static const char *proto_name(int proto, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	snprintf(buf, len, "%d", proto);
	return buf;
}

struct parser {
	const char *name;
	unsigned int line;
	const char *ls;      /* start of the line */
	const char *p, *end; /* cursor; end of the line or its comment */
	char *err;
	size_t errlen;
};

struct tok {
	const char *s;
	size_t n;
	unsigned int col; /* 1-based */
};

static int fail(const struct parser *ps, unsigned int col, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(const struct parser *ps, unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%u:%u: ", ps->name, ps->line, col);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static unsigned int col_of(const struct parser *ps, const char *p)
{
	return (unsigned int)(p - ps->ls) + 1;
}

static bool next_tok(struct parser *ps, struct tok *t)
{
	while (ps->p < ps->end && blank(*ps->p))
		ps->p++;
	if (ps->p == ps->end)
		return false;
	t->s = ps->p;
	t->col = col_of(ps, ps->p);
	while (ps->p < ps->end && !blank(*ps->p))
		ps->p++;
	t->n = (size_t)(ps->p - t->s);
	return true;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && !memcmp(t->s, s, t->n);
}

/* For messages: at most 40 bytes of a token. */
#define TOK(t) (int)((t)->n > 40 ? 40 : (t)->n), (t)->s

/* Decimal digits s[0..n) as a number <= max. */
static bool parse_uint(const char *s, size_t n, unsigned long max, unsigned long *v)
{
	*v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
		if (*v > max)
			return false;
	}
	return true;
}

static int parse_cidr(const struct parser *ps, const struct tok *t, uint8_t addr[16], uint8_t *plen,
                      uint8_t *family)
{
	char s[64];
	char *slash;
	unsigned long len, max;

	if (t->n >= sizeof(s))
		goto bad;
	memcpy(s, t->s, t->n);
	s[t->n] = '\0';
	slash = strchr(s, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		max = 128;
	} else {
		goto bad;
	}
	len = max;
	if (slash && !parse_uint(slash + 1, strlen(slash + 1), max, &len))
		return fail(ps, t->col, "bad prefix length in '%.*s'; expected 0..%lu for IPv%u",
		            TOK(t), max, *family);
	*plen = (uint8_t)len;
	for (unsigned int i = 0; i < 16; i++) { /* clear the bits beyond the prefix */
		unsigned int keep = len > i * 8 ? len - i * 8 : 0;

		addr[i] &= keep >= 8 ? 0xff : (uint8_t)(0xff00u >> keep);
	}
	return 0;
bad:
	return fail(ps, t->col, "bad address '%.*s'; expected %s", TOK(t), field_expect[F_SRC]);
}

static int parse_proto(const struct parser *ps, const struct tok *t, int16_t *proto)
{
	unsigned long v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (tok_is(t, protos[i].name)) {
			*proto = (int16_t)protos[i].num;
			return 0;
		}
	}
	if (!parse_uint(t->s, t->n, 255, &v))
		return fail(ps, t->col, "bad proto '%.*s'; expected %s", TOK(t),
		            field_expect[F_PROTO]);
	*proto = (int16_t)v;
	return 0;
}

static int parse_ports(const struct parser *ps, const struct tok *t, enum field f, uint16_t *lo,
                       uint16_t *hi)
{
	const char *dash = memchr(t->s, '-', t->n);
	size_t n = dash ? (size_t)(dash - t->s) : t->n;
	unsigned long a, b;
	bool ok = parse_uint(t->s, n, 65535, &a);

	b = a;
	if (ok && dash)
		ok = parse_uint(dash + 1, t->n - n - 1, 65535, &b) && a <= b;
	if (!ok)
		return fail(ps, t->col, "bad %s '%.*s'; expected %s", field_name[f], TOK(t),
		            field_expect[f]);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* One line: 1 if it holds no rule, 0 with *r filled, or -EINVAL. */
static int parse_line(struct parser *ps, struct tenet_rule *r)
{
	struct tenet_match *m = &r->match;
	unsigned int col[F_MAX] = {0};
	uint8_t fam[2] = {0, 0}; /* of src, dst */
	struct tok t, v;
	int ret = 0;

	if (!next_tok(ps, &t))
		return 1;
	memset(r, 0, sizeof(*r));
	if (tok_is(&t, "allow"))
		r->chain = TENET_ACL_ALLOW;
	else if (tok_is(&t, "drop"))
		r->chain = TENET_ACL_DROP;
	else
		return fail(ps, t.col, "unknown action '%.*s'; expected allow or drop", TOK(&t));
	r->id = ps->line;
	r->priority = (int32_t)ps->line;
	m->proto = TENET_ANY;
	m->sport_hi = m->dport_hi = 0xffff;
	m->vlan = m->in_port = TENET_ANY;

	while (next_tok(ps, &t)) {
		enum field f = F_MAX;

		for (unsigned int i = 0; i < F_MAX; i++)
			if (tok_is(&t, field_name[i]))
				f = (enum field)i;
		if (f == F_MAX)
			return fail(
			        ps, t.col,
			        "unknown field '%.*s'; expected src, dst, proto, sport or dport",
			        TOK(&t));
		if (col[f])
			return fail(ps, t.col, "'%s' given twice; expected each field at most once",
			            field_name[f]);
		if (!next_tok(ps, &v))
			return fail(ps, col_of(ps, ps->p), "'%s' needs a value; expected %s",
			            field_name[f], field_expect[f]);
		col[f] = v.col;
		switch (f) {
		case F_SRC:
			ret = parse_cidr(ps, &v, m->src, &m->src_plen, &fam[0]);
			break;
		case F_DST:
			ret = parse_cidr(ps, &v, m->dst, &m->dst_plen, &fam[1]);
			break;
		case F_PROTO:
			ret = parse_proto(ps, &v, &m->proto);
			break;
		case F_SPORT:
			ret = parse_ports(ps, &v, f, &m->sport_lo, &m->sport_hi);
			break;
		case F_DPORT:
			ret = parse_ports(ps, &v, f, &m->dport_lo, &m->dport_hi);
			break;
		case F_MAX:
			break;
		}
		if (ret)
			return ret;
	}
	if (fam[0] && fam[1] && fam[0] != fam[1])
		return fail(ps, col[F_DST],
		            "dst is IPv%u but src is IPv%u; expected one address family", fam[1],
		            fam[0]);
	m->family = fam[0] ? fam[0] : fam[1];
	if (m->proto >= 0 && m->proto != P_TCP && m->proto != P_UDP) {
		char num[8];

		for (enum field f = F_SPORT; f <= F_DPORT; f++) {
			uint16_t lo = f == F_SPORT ? m->sport_lo : m->dport_lo;
			uint16_t hi = f == F_SPORT ? m->sport_hi : m->dport_hi;

			if (col[f] && !(lo == 0 && hi == 0xffff))
				return fail(
				        ps, col[f],
				        "'%s' with proto %s never matches; expected proto tcp or "
				        "udp (or no proto) with ports",
				        field_name[f], proto_name(m->proto, num, sizeof(num)));
		}
	}
	return 0;
}

int tenet_acl_load(const char *path, struct tenet_classifier **out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc = tenet_file_read(path, TENET_FILE_MAX, &text, &len, err, errlen);

	if (rc < 0)
		return rc;
	rc = tenet_acl_parse(text, len, path, out, err, errlen);
	free(text);
	return rc;
}

int tenet_acl_parse(const char *text, size_t len, const char *name, struct tenet_classifier **out,
                    char *err, size_t errlen)
{
	struct parser ps = {.name = name ? name : "<rules>", .err = err, .errlen = errlen};
	struct tenet_classifier *c = tenet_classifier_create(NULL);
	const char *p = text, *end = text + len;
	struct tenet_rule r;
	int ret = 0;

	if (!c) {
		snprintf(err, errlen, "%s: out of memory", ps.name);
		return -ENOMEM;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(le - p));

		if (ps.line == INT32_MAX) {
			ret = fail(&ps, 1, "too many lines; expected at most %d", INT32_MAX);
			break;
		}
		ps.line++;
		ps.ls = ps.p = p;
		ps.end = hash ? hash : le;
		ret = parse_line(&ps, &r);
		if (ret < 0)
			break;
		if (ret == 0) {
			ret = tenet_classifier_add(c, &r);
			if (ret < 0) {
				snprintf(err, errlen, "%s:%u: cannot add the rule: %s", ps.name,
				         ps.line, strerror(-ret));
				break;
			}
		}
		ret = 0;
		p = nl ? nl + 1 : end;
	}
	if (ret < 0) {
		tenet_classifier_destroy(c);
		return ret;
	}
	*out = c;
	return 0;
}

static size_t put_ports(char *s, size_t n, size_t size, const char *what, uint16_t lo, uint16_t hi)
{
	int k;

	if (lo == 0 && hi == 0xffff)
		return n;
	if (lo == hi)
		k = snprintf(s + n, size - n, " %s %u", what, lo);
	else
		k = snprintf(s + n, size - n, " %s %u-%u", what, lo, hi);
	return k > 0 && (size_t)k < size - n ? n + (size_t)k : n;
}

static size_t put_addr(char *s, size_t n, size_t size, const char *what, int family,
                       const uint8_t addr[16], unsigned int plen)
{
	char a[INET6_ADDRSTRLEN];
	int k;

	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, a, sizeof(a)))
		return n;
	k = snprintf(s + n, size - n, " %s %s/%u", what, a, plen);
	return k > 0 && (size_t)k < size - n ? n + (size_t)k : n;
}

int tenet_acl_format(const struct tenet_rule *r, char *buf, size_t len)
{
	const struct tenet_match *m = &r->match;
	char s[256], num[8];
	size_t n;
	int k;

	n = (size_t)snprintf(s, sizeof(s), "%s", r->chain == TENET_ACL_DROP ? "drop" : "allow");
	/* a /0 prefix still restricts the family: keep one when no other does */
	if (m->family && (m->src_plen || !m->dst_plen))
		n = put_addr(s, n, sizeof(s), "src", m->family, m->src, m->src_plen);
	if (m->family && m->dst_plen)
		n = put_addr(s, n, sizeof(s), "dst", m->family, m->dst, m->dst_plen);
	if (m->proto >= 0) {
		k = snprintf(s + n, sizeof(s) - n, " proto %s",
		             proto_name(m->proto, num, sizeof(num)));
		if (k > 0 && (size_t)k < sizeof(s) - n)
			n += (size_t)k;
	}
	n = put_ports(s, n, sizeof(s), "sport", m->sport_lo, m->sport_hi);
	put_ports(s, n, sizeof(s), "dport", m->dport_lo, m->dport_hi);
	return snprintf(buf, len, "%s", s);
}

/* ---- the NF-facing table (tenet/acl.h) ------------------------------------ */

struct tenet_acl {
	struct tenet_classifier *cls;
};

struct tenet_acl *tenet_acl_open(const char *path, char *err, size_t errlen)
{
	struct tenet_acl *acl = calloc(1, sizeof(*acl));
	int rc;

	if (!acl) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	rc = tenet_acl_load(path, &acl->cls, err, errlen);
	if (rc) {
		free(acl);
		errno = -rc;
		return NULL;
	}
	return acl;
}

void tenet_acl_close(struct tenet_acl *acl)
{
	if (!acl)
		return;
	tenet_classifier_destroy(acl->cls);
	free(acl);
}

unsigned int tenet_acl_match(const struct tenet_acl *acl, const struct tenet_pkt_info *pi,
                             unsigned int in_port, int *action)
{
	struct tenet_action act;

	if (!tenet_classifier_lookup(acl->cls, pi, (int)in_port, &act))
		return 0;
	*action = act.chain == TENET_ACL_DROP ? TENET_ACL_DROP : TENET_ACL_ALLOW;
	return act.rule_id;
}

unsigned int tenet_acl_nb_rules(const struct tenet_acl *acl)
{
	return tenet_classifier_count(acl->cls);
}

unsigned int tenet_acl_rule(const struct tenet_acl *acl, unsigned int i, char *buf, size_t len)
{
	const struct tenet_rule *r = tenet_classifier_rule(acl->cls, i);

	if (!r)
		return 0;
	tenet_acl_format(r, buf, len);
	return r->id;
}
