/*
 * Parsing of `tenet ctl` requests (see ctl_req.h). Everything here is a
 * pure function of its input: no manager state, no I/O, so the same code
 * runs in the manager and under the fuzzer (tests/fuzz/fuzz_ctl.c).
 *
 * The client is the operator, but the bytes are still untrusted: a request
 * with a control byte, a non-ASCII byte or anything after its newline is
 * refused before any command sees it, numbers are read strictly (a '-1'
 * is an error, not 2^64 - 1), a YAML argument must be a single document,
 * and error messages quote the request only through ctl_req_escape().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "mgr/ctl_req.h"

#define QUOTE_MAX 48 /* request bytes quoted in a message */

size_t ctl_req_escape(char *dst, size_t dstlen, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!dstlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return o;
}

int ctl_req_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9 || i >= 20 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (!i || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The first QUOTE_MAX bytes of s, escaped, for a message. */
static const char *quote(char *q, size_t qlen, const char *s, size_t n)
{
	bool cut = n > QUOTE_MAX;

	ctl_req_escape(q, qlen - 4, s, cut ? QUOTE_MAX : n);
	if (cut)
		strcat(q, "...");
	return q;
}

int ctl_req_one_document(const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned int docs = 0;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return fail(err, errlen, "out of memory; expected room for the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_type_t type;
		size_t col;

		if (!yaml_parser_parse(&parser, &ev))
			break; /* a syntax error: the config parser says where */
		type = ev.type;
		col = ev.start_mark.column;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			rc = fail(err, errlen,
			          "a second YAML document at column %zu; expected a single mapping",
			          col + 1);
			break;
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* Commands without an argument, then those with one (their names end in a space). */
static const struct {
	const char *name;
	enum ctl_cmd cmd;
} cmds[] = {
        {"tenants", CTL_TENANTS},
        {"nfs", CTL_NFS},
        {"chains", CTL_CHAINS},
        {"rules", CTL_RULES},
        {"stats", CTL_STATS},
        {"rule add ", CTL_RULE_ADD},
        {"rule del ", CTL_RULE_DEL},
        {"chain add ", CTL_CHAIN_ADD},
        {"chain del ", CTL_CHAIN_DEL},
        {"nf stop ", CTL_NF_STOP},
        {"tap ", CTL_TAP},
};

#define EXPECTED_CMDS                                                                              \
	"expected tenants, nfs, chains, rules, stats, rule add|del, chain add|del, nf stop, tap"

#define TAP_NAME_MAX 31 /* CFG_NAME_MAX - 1: longer is no chain's name */

/*
 * 'tap CHAIN[:HOP] [count N]', arg = "CHAIN[:HOP] [count N]": cut it into
 * the chain name (left in place, NUL-terminated), the hop and the count.
 */
static int parse_tap(char *arg, size_t len, struct ctl_req *req, char *err, size_t errlen)
{
	char q[4 * QUOTE_MAX + 8];
	char *sp = memchr(arg, ' ', len), *colon;
	size_t speclen = sp ? (size_t)(sp - arg) : len, namelen;

	req->hop = CTL_TAP_DEFAULT;
	req->num = 0;
	if (sp) {
		if (strncmp(sp, " count ", 7) || ctl_req_number(sp + 7, 1, UINT32_MAX, &req->num))
			return fail(err, errlen,
			            "bad tap option '%s'; expected 'count N' with N from 1 to %u",
			            quote(q, sizeof(q), sp + 1, len - speclen - 1), UINT32_MAX);
		*sp = '\0';
	}
	colon = memchr(arg, ':', speclen);
	namelen = colon ? (size_t)(colon - arg) : speclen;
	if (colon) {
		uint64_t hop;

		*colon = '\0';
		if (!strcmp(colon + 1, "out"))
			req->hop = CTL_TAP_OUT;
		else if (!ctl_req_number(colon + 1, 1, CTL_TAP_HOP_MAX, &hop))
			req->hop = (unsigned int)hop;
		else
			return fail(err, errlen,
			            "bad tap hop '%s'; expected a hop number from 1 (the chain's "
			            "first hop) or 'out'",
			            quote(q, sizeof(q), colon + 1, speclen - namelen - 1));
	}
	if (!namelen || namelen > TAP_NAME_MAX ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
	            namelen)
		return fail(err, errlen,
		            "bad chain name '%s'; expected CHAIN[:HOP] with a name from 'tenet "
		            "ctl chains'",
		            quote(q, sizeof(q), arg, namelen));
	req->arg_len = namelen;
	return 0;
}

int ctl_req_parse(char *buf, size_t len, unsigned int nf_max, struct ctl_req *req, char *err,
                  size_t errlen)
{
	char q[4 * QUOTE_MAX + 8];
	char *line = buf, *arg;
	const char *nl;
	size_t n;

	if (err && errlen)
		err[0] = '\0';
	nl = len ? memchr(buf, '\n', len) : NULL;
	if (!nl || nl != buf + len - 1) {
		if (nl)
			return fail(err, errlen,
			            "%zu byte(s) after the request's newline; expected one request "
			            "line per connection",
			            len - (size_t)(nl - buf) - 1);
		return fail(err, errlen,
		            "request too long, incomplete or empty; expected one line of at most "
		            "%d bytes ending in a newline",
		            CTL_REQ_MAX - 1);
	}
	n = len - 1;
	if (n && buf[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\0')
			return fail(err, errlen,
			            "request contains NUL bytes (at byte %zu); expected text",
			            i + 1);
		if (c < 0x20 || c >= 0x7f)
			return fail(err, errlen,
			            "byte \\x%02x at column %zu of '%s'; expected one line of "
			            "printable ASCII",
			            c, i + 1, quote(q, sizeof(q), buf, n));
	}
	buf[n] = '\0';
	while (*line == ' ')
		line++;
	n -= (size_t)(line - buf);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t cl = strlen(cmds[i].name);
		bool has_arg = cmds[i].name[cl - 1] == ' ';

		if (has_arg ? strncmp(line, cmds[i].name, cl) : strcmp(line, cmds[i].name))
			continue;
		arg = line + (has_arg ? cl : n);
		req->cmd = cmds[i].cmd;
		req->arg = arg;
		req->arg_len = n - (size_t)(arg - line);
		req->num = 0;
		req->hop = CTL_TAP_DEFAULT;
		if (has_arg && !req->arg_len)
			return fail(err, errlen, "'%s' without an argument; expected %sARGUMENT",
			            cmds[i].name, cmds[i].name);
		switch (req->cmd) {
		case CTL_RULE_DEL:
			if (ctl_req_number(arg, 0, UINT32_MAX, &req->num))
				return fail(err, errlen,
				            "bad rule id '%s'; expected a number from 0 to %u "
				            "(ids from 'tenet ctl rules')",
				            quote(q, sizeof(q), arg, req->arg_len), UINT32_MAX);
			break;
		case CTL_NF_STOP:
			if (ctl_req_number(arg, 1, nf_max, &req->num))
				return fail(err, errlen,
				            "bad NF id '%s'; expected a number from 1 to %u (ids "
				            "from 'tenet ctl nfs')",
				            quote(q, sizeof(q), arg, req->arg_len), nf_max);
			break;
		case CTL_RULE_ADD:
		case CTL_CHAIN_ADD:
			return ctl_req_one_document(arg, req->arg_len, err, errlen);
		case CTL_TAP:
			return parse_tap(arg, req->arg_len, req, err, errlen);
		default:
			break;
		}
		return 0;
	}
	return fail(err, errlen, "unknown request '%s'; " EXPECTED_CMDS,
	            quote(q, sizeof(q), line, n));
}
