/*
 * libFuzzer target for ACL rule files (lib/acl.c): any byte string is a
 * file. On success there is at most one rule per line, each with id and
 * priority = its line, a known action and a valid match, and each rule
 * written back by tenet_acl_format parses to the same rule. On failure
 * the table is untouched and the message reads "NAME:LINE:COL: ...
 * expected ..." with LINE and COL inside the text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define ERR_LEN 512 /* what nf/acl.c passes */

static bool match_ok(const struct tenet_match *m)
{
	unsigned int amax = m->family == 4 ? 32 : m->family == 6 ? 128 : 0;
	bool ports = m->sport_lo != 0 || m->sport_hi != 0xffff || m->dport_lo != 0 ||
	             m->dport_hi != 0xffff;

	return (m->family == 0 || m->family == 4 || m->family == 6) && m->src_plen <= amax &&
	       m->dst_plen <= amax && m->proto >= TENET_ANY && m->proto <= 255 &&
	       m->sport_lo <= m->sport_hi && m->dport_lo <= m->dport_hi && m->vlan == TENET_ANY &&
	       m->in_port == TENET_ANY &&
	       (!ports || m->proto == TENET_ANY || m->proto == 6 || m->proto == 17);
}

static bool match_eq(const struct tenet_match *a, const struct tenet_match *b)
{
	return a->family == b->family && a->src_plen == b->src_plen && a->dst_plen == b->dst_plen &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16) && a->proto == b->proto &&
	       a->sport_lo == b->sport_lo && a->sport_hi == b->sport_hi &&
	       a->dport_lo == b->dport_lo && a->dport_hi == b->dport_hi && a->vlan == b->vlan &&
	       a->in_port == b->in_port;
}

/* Number of lines as the parser counts them, and the length of line 'want'. */
static unsigned int count_lines(const char *t, size_t n, unsigned long want, size_t *len)
{
	unsigned int lines = 0;
	size_t start = 0;

	*len = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && t[i] != '\n')
			continue;
		if (i == n && start == n)
			break;
		if (++lines == want)
			*len = i - start;
		start = i + 1;
	}
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tenet_classifier *sentinel = (struct tenet_classifier *)&size, *c = sentinel, *c2;
	const char *text = (const char *)data;
	char err[ERR_LEN], line[300];
	unsigned long ln, col;
	unsigned int lines;
	size_t len;
	char *end;
	int rc;

	err[0] = '\0';
	rc = tenet_acl_parse(text, size, "t.acl", &c, err, sizeof(err));
	if (rc < 0) {
		CHECK(rc == -EINVAL && c == sentinel);
		CHECK(strncmp(err, "t.acl:", 6) == 0);
		ln = strtoul(err + 6, &end, 10);
		CHECK(end > err + 6 && *end == ':');
		col = strtoul(end + 1, &end, 10);
		CHECK(*end == ':' && end[1] == ' ');
		lines = count_lines(text, size, ln, &len);
		CHECK(ln >= 1 && ln <= lines && col >= 1 && col <= len + 1);
		CHECK(strstr(err, "expected") != NULL);
		return 0;
	}
	CHECK(rc == 0 && c && c != sentinel);
	lines = count_lines(text, size, 0, &len);
	CHECK(tenet_classifier_count(c) <= lines);
	for (unsigned int i = 0; i < tenet_classifier_count(c); i++) {
		const struct tenet_rule *r = tenet_classifier_rule(c, i), *r2;
		int n;

		CHECK(r && r->id >= 1 && r->id <= lines && r->priority == (int32_t)r->id);
		CHECK(i == 0 || tenet_classifier_rule(c, i - 1)->id < r->id);
		CHECK(r->chain == TENET_ACL_ALLOW || r->chain == TENET_ACL_DROP);
		CHECK(match_ok(&r->match));

		/* the canonical form means the same rule */
		n = tenet_acl_format(r, line, sizeof(line));
		CHECK(n > 0 && (size_t)n < sizeof(line));
		c2 = NULL;
		CHECK(tenet_acl_parse(line, (size_t)n, "fmt", &c2, err, sizeof(err)) == 0);
		CHECK(tenet_classifier_count(c2) == 1);
		r2 = tenet_classifier_rule(c2, 0);
		CHECK(r2->chain == r->chain && match_eq(&r2->match, &r->match));
		tenet_classifier_destroy(c2);
	}
	CHECK(tenet_classifier_rule(c, tenet_classifier_count(c)) == NULL);
	tenet_classifier_destroy(c);
	return 0;
}
