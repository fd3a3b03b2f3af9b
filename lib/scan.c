/*
 * Payload scan: pattern-file parser and the host scanner on Hyperscan.
 *
 * The parser turns "ACTION KIND PATTERN" lines into struct tenet_pattern
 * and names FILE:LINE (and the column, where one byte is at fault) in every
 * error. The scanner compiles all patterns into one block-mode database:
 * literals become \xNN-escaped expressions, so they mean exactly their bytes
 * whatever they contain, and every pattern gets HS_FLAG_SINGLEMATCH because
 * the decision needs only whether a pattern matched, not where or how often.
 * Matches arrive in end-offset order, so the callback keeps the lowest drop
 * and tag ids it has seen and stops the scan early only when the lowest drop
 * id of the whole set matched, which no later match can change.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs.h>

#include "lib/file.h"
#include "lib/scan.h"

#define TENET_PATTERNS_FILE_MAX TENET_FILE_MAX /* 16 MiB: far above any real pattern set */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *tenet_scan_action_name(enum tenet_scan_action a)
{
	return a == TENET_SCAN_ACT_DROP ? "drop" : "tag";
}

const char *tenet_pattern_kind_name(enum tenet_pattern_kind k)
{
	return k == TENET_PAT_LITERAL ? "literal" : "regex";
}

const char *tenet_scan_verdict_name(enum tenet_scan_verdict v)
{
	switch (v) {
	case TENET_SCAN_PASS:
		return "pass";
	case TENET_SCAN_TAG:
		return "tag";
	case TENET_SCAN_DROP:
		return "drop";
	}
	return "?";
}

/* ---- parser ---- */

struct parser {
	const char *name;
	unsigned int line;
	char *err;
	size_t errlen;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Unescape a literal starting at column col0 of the line. */
static int parse_literal(struct parser *ps, struct tenet_pattern *pat, const char *s, size_t n,
                         size_t col0)
{
	uint8_t *out = malloc(n);
	size_t i, len = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			out[len++] = (uint8_t)s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\\') {
			out[len++] = '\\';
			i++;
			continue;
		}
		if (i + 3 < n && s[i + 1] == 'x' && (hi = hexval(s[i + 2])) >= 0 &&
		    (lo = hexval(s[i + 3])) >= 0) {
			out[len++] = (uint8_t)(hi << 4 | lo);
			i += 3;
			continue;
		}
		set_err(ps->err, ps->errlen,
		        "%s:%u:%zu: bad escape in literal: expected \\xNN (two hex digits) or \\\\",
		        ps->name, ps->line, col0 + i);
		free(out);
		return -EINVAL;
	}
	pat->bytes = out;
	pat->len = len;
	return 0;
}

/* Regex bare, or /EXPR/FLAGS when it starts with '/'. */
static int parse_regex(struct parser *ps, struct tenet_pattern *pat, const char *s, size_t n,
                       size_t col0)
{
	const char *expr = s;
	size_t elen = n, i;
	unsigned int flags = 0;

	if (s[0] == '/') {
		const char *close = NULL;

		for (i = n; i > 1; i--) {
			if (s[i - 1] == '/') {
				close = s + i - 1;
				break;
			}
		}
		if (!close) {
			set_err(ps->err, ps->errlen,
			        "%s:%u:%zu: expected /EXPR/FLAGS: no closing '/' (write a leading "
			        "'/' "
			        "of a bare regex as \\/)",
			        ps->name, ps->line, col0);
			return -EINVAL;
		}
		for (i = (size_t)(close - s) + 1; i < n; i++) {
			switch (s[i]) {
			case 'i':
				flags |= TENET_PAT_F_CASELESS;
				break;
			case 's':
				flags |= TENET_PAT_F_DOTALL;
				break;
			case 'm':
				flags |= TENET_PAT_F_MULTILINE;
				break;
			default:
				set_err(ps->err, ps->errlen,
				        "%s:%u:%zu: unknown regex flag '%c' after /EXPR/: expected "
				        "i, s "
				        "or m (write a leading '/' of a bare regex as \\/)",
				        ps->name, ps->line, col0 + i, s[i]);
				return -EINVAL;
			}
		}
		expr = s + 1;
		elen = (size_t)(close - s) - 1;
		if (!elen) {
			set_err(ps->err, ps->errlen, "%s:%u:%zu: empty regex between '/' and '/'",
			        ps->name, ps->line, col0);
			return -EINVAL;
		}
	}
	pat->expr = strndup(expr, elen);
	if (!pat->expr)
		return -ENOMEM;
	pat->flags = flags;
	return 0;
}

/* Parse one line (no newline, no CR). Returns 1 for a pattern, 0 for none, or -errno. */
static int parse_line(struct parser *ps, const char *s, size_t n, struct tenet_pattern *pat)
{
	size_t i = 0, w0, w1, k0, k1;

	if (memchr(s, '\0', n)) {
		set_err(ps->err, ps->errlen,
		        "%s:%u: NUL byte in the line (write it as \\x00 in a literal)", ps->name,
		        ps->line);
		return -EINVAL;
	}
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;

	w0 = i;
	while (i < n && !is_blank(s[i]))
		i++;
	w1 = i;
	if (word_is(s + w0, w1 - w0, "drop")) {
		pat->action = TENET_SCAN_ACT_DROP;
	} else if (word_is(s + w0, w1 - w0, "tag")) {
		pat->action = TENET_SCAN_ACT_TAG;
	} else {
		set_err(ps->err, ps->errlen, "%s:%u: expected action 'drop' or 'tag', got '%.*s'",
		        ps->name, ps->line, (int)(w1 - w0 > 40 ? 40 : w1 - w0), s + w0);
		return -EINVAL;
	}

	while (i < n && is_blank(s[i]))
		i++;
	k0 = i;
	while (i < n && !is_blank(s[i]))
		i++;
	k1 = i;
	if (k0 == k1) {
		set_err(ps->err, ps->errlen,
		        "%s:%u: expected kind 'literal' or 'regex' after '%.*s'", ps->name,
		        ps->line, (int)(w1 - w0), s + w0);
		return -EINVAL;
	}
	if (word_is(s + k0, k1 - k0, "literal")) {
		pat->kind = TENET_PAT_LITERAL;
	} else if (word_is(s + k0, k1 - k0, "regex")) {
		pat->kind = TENET_PAT_REGEX;
	} else {
		set_err(ps->err, ps->errlen,
		        "%s:%u: expected kind 'literal' or 'regex', got '%.*s'", ps->name, ps->line,
		        (int)(k1 - k0 > 40 ? 40 : k1 - k0), s + k0);
		return -EINVAL;
	}

	/* One blank separates KIND from PATTERN; the rest is the pattern, verbatim. */
	if (i + 1 >= n) {
		set_err(ps->err, ps->errlen, "%s:%u: expected a pattern after '%.*s'", ps->name,
		        ps->line, (int)(k1 - k0), s + k0);
		return -EINVAL;
	}
	i++;
	pat->text = strndup(s + i, n - i);
	if (!pat->text)
		return -ENOMEM;
	if (pat->kind == TENET_PAT_LITERAL)
		return parse_literal(ps, pat, s + i, n - i, i + 1) ?: 1;
	return parse_regex(ps, pat, s + i, n - i, i + 1) ?: 1;
}

static void pattern_clear(struct tenet_pattern *pat)
{
	free(pat->bytes);
	free(pat->expr);
	free(pat->text);
	memset(pat, 0, sizeof(*pat));
}

void tenet_patterns_free(struct tenet_patterns *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < p->count; i++)
		pattern_clear(&p->pat[i]);
	free(p->pat);
	free(p->name);
	free(p);
}

struct tenet_patterns *tenet_patterns_parse(const char *text, size_t len, const char *name,
                                            char *err, size_t errlen)
{
	struct parser ps = {.name = name ? name : "<string>", .err = err, .errlen = errlen};
	struct tenet_patterns *p = calloc(1, sizeof(*p));
	unsigned int cap = 0;
	size_t pos = 0;
	int rc = -ENOMEM;

	if (!p || !(p->name = strdup(ps.name)))
		goto err_free;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		struct tenet_pattern pat = {0};

		pos += n + (nl ? 1 : 0);
		ps.line++;
		if (n && s[n - 1] == '\r')
			n--;
		rc = parse_line(&ps, s, n, &pat);
		if (rc < 0) {
			pattern_clear(&pat);
			goto err_free;
		}
		if (rc == 0)
			continue;
		if (p->count == cap) {
			unsigned int ncap = cap ? cap * 2 : 16;
			struct tenet_pattern *np;

			rc = -ENOMEM;
			np = ncap > cap ? realloc(p->pat, ncap * sizeof(*np)) : NULL;
			if (!np) {
				pattern_clear(&pat);
				goto err_free;
			}
			p->pat = np;
			cap = ncap;
		}
		pat.id = p->count;
		pat.line = ps.line;
		p->pat[p->count++] = pat;
	}
	return p;

err_free:
	if (rc == -ENOMEM)
		set_err(err, errlen, "%s: out of memory", ps.name);
	tenet_patterns_free(p);
	errno = -rc;
	return NULL;
}

struct tenet_patterns *tenet_patterns_load(const char *path, char *err, size_t errlen)
{
	struct tenet_patterns *p;
	char *buf;
	size_t len;
	int rc, e;

	/* a regular file of bounded size, opened without blocking (lib/file.h):
	 * a FIFO or /dev/zero named as a pattern file is refused, not read */
	rc = tenet_file_read(path, TENET_PATTERNS_FILE_MAX, &buf, &len, err, errlen);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	p = tenet_patterns_parse(buf, len, path, err, errlen);
	e = errno;
	free(buf);
	errno = e;
	return p;
}

/* ---- host scanner ---- */

struct tenet_scanner {
	hs_database_t *db;   /* NULL for an empty set */
	hs_scratch_t *proto; /* prototype scratch: cloned, never scanned with */
	unsigned int count;
	unsigned int first_drop; /* lowest drop id, UINT_MAX if none */
	uint8_t *is_drop;        /* per id */
};

struct tenet_scan_ctx {
	const struct tenet_scanner *s;
	hs_scratch_t *scratch;
};

/* A literal as an expression that means exactly its bytes: \xNN each. */
static char *literal_expr(const struct tenet_pattern *pat)
{
	static const char hex[] = "0123456789abcdef";
	char *e = malloc(pat->len * 4 + 1);
	size_t i;

	if (!e)
		return NULL;
	for (i = 0; i < pat->len; i++) {
		e[i * 4] = '\\';
		e[i * 4 + 1] = 'x';
		e[i * 4 + 2] = hex[pat->bytes[i] >> 4];
		e[i * 4 + 3] = hex[pat->bytes[i] & 0xf];
	}
	e[pat->len * 4] = '\0';
	return e;
}

static unsigned int hs_flags(const struct tenet_pattern *pat)
{
	unsigned int f = HS_FLAG_SINGLEMATCH;

	if (pat->kind == TENET_PAT_REGEX) {
		if (pat->flags & TENET_PAT_F_CASELESS)
			f |= HS_FLAG_CASELESS;
		if (pat->flags & TENET_PAT_F_DOTALL)
			f |= HS_FLAG_DOTALL;
		if (pat->flags & TENET_PAT_F_MULTILINE)
			f |= HS_FLAG_MULTILINE;
	}
	return f;
}

static int compile(struct tenet_scanner *s, const struct tenet_patterns *p, char *err,
                   size_t errlen)
{
	char **owned = calloc(p->count, sizeof(*owned));
	const char **exprs = calloc(p->count, sizeof(*exprs));
	unsigned int *flags = calloc(p->count, sizeof(*flags));
	unsigned int *ids = calloc(p->count, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	unsigned int i;
	int rc = -ENOMEM;

	if (!owned || !exprs || !flags || !ids) {
		set_err(err, errlen, "%s: out of memory", p->name);
		goto out;
	}
	for (i = 0; i < p->count; i++) {
		const struct tenet_pattern *pat = &p->pat[i];

		if (pat->kind == TENET_PAT_LITERAL) {
			owned[i] = literal_expr(pat);
			if (!owned[i]) {
				set_err(err, errlen, "%s: out of memory", p->name);
				goto out;
			}
			exprs[i] = owned[i];
		} else {
			exprs[i] = pat->expr;
		}
		flags[i] = hs_flags(pat);
		ids[i] = i;
	}
	if (hs_compile_multi(exprs, flags, ids, p->count, HS_MODE_BLOCK, NULL, &s->db, &cerr) !=
	    HS_SUCCESS) {
		if (cerr && cerr->expression >= 0 && (unsigned int)cerr->expression < p->count) {
			const struct tenet_pattern *pat = &p->pat[cerr->expression];

			set_err(err, errlen, "%s:%u: %s '%s': %s", p->name, pat->line,
			        tenet_pattern_kind_name(pat->kind), pat->text, cerr->message);
		} else {
			set_err(err, errlen, "%s: Hyperscan: %s", p->name,
			        cerr ? cerr->message : "compile failed");
		}
		hs_free_compile_error(cerr);
		s->db = NULL;
		rc = -EINVAL;
		goto out;
	}
	if (hs_alloc_scratch(s->db, &s->proto) != HS_SUCCESS) {
		set_err(err, errlen, "%s: Hyperscan: cannot allocate scratch", p->name);
		goto out;
	}
	rc = 0;
out:
	if (owned)
		for (i = 0; i < p->count; i++)
			free(owned[i]);
	free(owned);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

struct tenet_scanner *tenet_scanner_create(const struct tenet_patterns *p, char *err, size_t errlen)
{
	struct tenet_scanner *s = calloc(1, sizeof(*s));
	unsigned int i;
	int rc = -ENOMEM;

	if (s)
		s->is_drop = calloc(p->count ? p->count : 1, 1);
	if (!s || !s->is_drop) {
		set_err(err, errlen, "%s: out of memory", p->name);
		goto err_free;
	}
	s->count = p->count;
	s->first_drop = UINT_MAX;
	for (i = 0; i < p->count; i++) {
		s->is_drop[i] = p->pat[i].action == TENET_SCAN_ACT_DROP;
		if (s->is_drop[i] && s->first_drop == UINT_MAX)
			s->first_drop = i;
	}
	if (p->count) {
		rc = compile(s, p, err, errlen);
		if (rc < 0)
			goto err_free;
	}
	return s;

err_free:
	tenet_scanner_destroy(s);
	errno = -rc;
	return NULL;
}

void tenet_scanner_destroy(struct tenet_scanner *s)
{
	if (!s)
		return;
	hs_free_scratch(s->proto);
	hs_free_database(s->db);
	free(s->is_drop);
	free(s);
}

struct tenet_scan_ctx *tenet_scan_ctx_create(const struct tenet_scanner *s)
{
	struct tenet_scan_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		errno = ENOMEM;
		return NULL;
	}
	ctx->s = s;
	if (s->proto && hs_clone_scratch(s->proto, &ctx->scratch) != HS_SUCCESS) {
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	return ctx;
}

void tenet_scan_ctx_destroy(struct tenet_scan_ctx *ctx)
{
	if (!ctx)
		return;
	hs_free_scratch(ctx->scratch);
	free(ctx);
}

struct match_state {
	const struct tenet_scanner *s;
	unsigned int drop, tag; /* lowest ids seen, UINT_MAX for none */
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *arg)
{
	struct match_state *st = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (st->s->is_drop[id]) {
		if (id < st->drop)
			st->drop = id;
		return id == st->s->first_drop; /* nothing can beat it: stop */
	}
	if (id < st->tag)
		st->tag = id;
	return 0;
}

int tenet_scan(const struct tenet_scanner *s, struct tenet_scan_ctx *ctx, const void *data,
               size_t len, struct tenet_scan_result *res)
{
	struct match_state st = {.s = s, .drop = UINT_MAX, .tag = UINT_MAX};
	hs_error_t rc;

	res->verdict = TENET_SCAN_PASS;
	res->id = -1;
	if (ctx->s != s)
		return -EINVAL;
	if (len > UINT_MAX)
		return -EMSGSIZE;
	if (!s->db)
		return TENET_SCAN_PASS;
	rc = hs_scan(s->db, data ? data : "", (unsigned int)len, 0, ctx->scratch, on_match, &st);
	if (rc == HS_SCRATCH_IN_USE)
		return -EBUSY;
	if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
		return -EINVAL;
	if (st.drop != UINT_MAX) {
		res->verdict = TENET_SCAN_DROP;
		res->id = (int)st.drop;
	} else if (st.tag != UINT_MAX) {
		res->verdict = TENET_SCAN_TAG;
		res->id = (int)st.tag;
	}
	return res->verdict;
}

/* ---------------------------------------------------------------- the NF helper (tenet/scan.h) */

struct tenet_scanset {
	struct tenet_patterns *pats;
	struct tenet_scanner *scanner;
	struct tenet_scan_ctx *ctx;
};

struct tenet_scanset *tenet_scanset_open(const char *path, char *err, size_t errlen)
{
	struct tenet_scanset *ss = calloc(1, sizeof(*ss));
	int e;

	if (!ss) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	ss->pats = tenet_patterns_load(path, err, errlen);
	if (!ss->pats)
		goto err_free;
	ss->scanner = tenet_scanner_create(ss->pats, err, errlen);
	if (!ss->scanner)
		goto err_free;
	ss->ctx = tenet_scan_ctx_create(ss->scanner);
	if (!ss->ctx) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		goto err_free;
	}
	return ss;
err_free:
	e = errno;
	tenet_scanset_close(ss);
	errno = e;
	return NULL;
}

void tenet_scanset_close(struct tenet_scanset *ss)
{
	if (!ss)
		return;
	tenet_scan_ctx_destroy(ss->ctx);
	tenet_scanner_destroy(ss->scanner);
	tenet_patterns_free(ss->pats);
	free(ss);
}

int tenet_scanset_match(struct tenet_scanset *ss, const void *data, size_t len, unsigned int *id)
{
	struct tenet_scan_result res;
	int rc = tenet_scan(ss->scanner, ss->ctx, data, len, &res);

	if (rc > 0 && id)
		*id = (unsigned int)res.id;
	return rc;
}

unsigned int tenet_scanset_nb_patterns(const struct tenet_scanset *ss)
{
	return ss->pats->count;
}

const char *tenet_scanset_name(const struct tenet_scanset *ss)
{
	return ss->pats->name;
}

unsigned int tenet_scanset_pattern(const struct tenet_scanset *ss, unsigned int i, char *buf,
                                   size_t len)
{
	const struct tenet_pattern *p;

	if (i >= ss->pats->count)
		return 0;
	p = &ss->pats->pat[i];
	snprintf(buf, len, "%s %s %s", tenet_scan_action_name(p->action),
	         tenet_pattern_kind_name(p->kind), p->text);
	return p->line;
}
