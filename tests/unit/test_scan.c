/*
 * Unit tests of the payload scan: the pattern-file parser (escapes,
 * comments, every error with its line), the Hyperscan scanner's verdicts
 * on crafted payloads, the NIC scanner's limits, and the equivalence of
 * the two back ends on more than 100,000 generated payloads, both checked
 * against a naive memmem() reference of the decision rule; and the NF
 * helper over them (tenet/scan.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/nicscan.h"
#include "lib/scan.h"
#include "tenet/scan.h"

static char err[512];

static struct tenet_patterns *parse_ok(const char *text)
{
	struct tenet_patterns *p;

	err[0] = '\0';
	p = tenet_patterns_parse(text, strlen(text), "t.pat", err, sizeof(err));
	if (!p)
		fail_msg("parse failed: %s", err);
	return p;
}

static void parse_fails(const char *text, size_t len, const char *want)
{
	struct tenet_patterns *p;

	err[0] = '\0';
	errno = 0;
	p = tenet_patterns_parse(text, len, "t.pat", err, sizeof(err));
	if (p) {
		tenet_patterns_free(p);
		fail_msg("parsed, but expected error '%s' for: %s", want, text);
	}
	assert_int_equal(errno, EINVAL);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

/* ---- parser ---- */

static void test_parse_basic(void **state)
{
	static const char text[] = "# a comment\n"
	                           "\n"
	                           "   \t\n"
	                           "  # indented comment\n"
	                           "drop literal a\\x00b\\\\c\\x7F\r\n"
	                           "tag\t literal  trailing \n"
	                           "tag regex ^GET /(admin|root)\n"
	                           "drop regex /ev[a-z]l/ism\n"
	                           "tag regex /x/\n"
	                           "tag literal #not a comment";
	struct tenet_patterns *p = parse_ok(text);
	const struct tenet_pattern *q;

	(void)state;
	assert_string_equal(p->name, "t.pat");
	assert_int_equal(p->count, 6);
	for (unsigned int i = 0; i < p->count; i++)
		assert_int_equal(p->pat[i].id, i);

	q = &p->pat[0];
	assert_int_equal(q->line, 5);
	assert_int_equal(q->action, TENET_SCAN_ACT_DROP);
	assert_int_equal(q->kind, TENET_PAT_LITERAL);
	assert_int_equal(q->len, 6);
	assert_memory_equal(q->bytes, "a\0b\\c\x7f", 6);
	assert_string_equal(q->text, "a\\x00b\\\\c\\x7F");

	q = &p->pat[1];
	assert_int_equal(q->line, 6);
	assert_int_equal(q->action, TENET_SCAN_ACT_TAG);
	assert_int_equal(q->len, 10); /* one blank after KIND; the second is the pattern's */
	assert_memory_equal(q->bytes, " trailing ", 10);

	q = &p->pat[2];
	assert_int_equal(q->kind, TENET_PAT_REGEX);
	assert_string_equal(q->expr, "^GET /(admin|root)");
	assert_int_equal(q->flags, 0);

	q = &p->pat[3];
	assert_int_equal(q->line, 8);
	assert_string_equal(q->expr, "ev[a-z]l");
	assert_int_equal(q->flags,
	                 TENET_PAT_F_CASELESS | TENET_PAT_F_DOTALL | TENET_PAT_F_MULTILINE);

	q = &p->pat[4];
	assert_string_equal(q->expr, "x");
	assert_int_equal(q->flags, 0);

	q = &p->pat[5];
	assert_int_equal(q->line, 10);
	assert_int_equal(q->len, 14);
	assert_memory_equal(q->bytes, "#not a comment", 14);
	tenet_patterns_free(p);

	p = parse_ok("# nothing\n\n");
	assert_int_equal(p->count, 0);
	tenet_patterns_free(p);
	tenet_patterns_free(NULL);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("# c\n\nfoo literal x\n", 20,
	            "t.pat:3: expected action 'drop' or 'tag', got 'foo'");
	parse_fails("drop\n", 5, "t.pat:1: expected kind 'literal' or 'regex' after 'drop'");
	parse_fails("tag x\ntag lit x\n", 16,
	            "t.pat:1: expected kind 'literal' or 'regex', got 'x'");
	parse_fails("tag literal a\ntag lit x\n", 24,
	            "t.pat:2: expected kind 'literal' or 'regex', got 'lit'");
	parse_fails("drop literal", 12, "t.pat:1: expected a pattern after 'literal'");
	parse_fails("drop literal \n", 14, "t.pat:1: expected a pattern after 'literal'");
	parse_fails("drop regex\n", 11, "t.pat:1: expected a pattern after 'regex'");
	/* "drop literal " is 13 columns; the backslash is column 16. */
	parse_fails("drop literal ab\\q\n", 18,
	            "t.pat:1:16: bad escape in literal: expected \\xNN");
	parse_fails("\ndrop literal \\x4\n", 18, "t.pat:2:14: bad escape");
	parse_fails("drop literal \\xZZ", 17, "t.pat:1:14: bad escape");
	parse_fails("drop literal \\xa", 16, "t.pat:1:14: bad escape");
	parse_fails("drop literal abc\\", 17, "t.pat:1:17: bad escape");
	parse_fails("tag regex /abc\n", 15, "t.pat:1:11: expected /EXPR/FLAGS: no closing '/'");
	parse_fails("tag regex /abc/ix\n", 18,
	            "t.pat:1:17: unknown regex flag 'x' after /EXPR/: expected i, s or m");
	parse_fails("tag regex /etc/passwd\n", 22, "unknown regex flag 'p'");
	parse_fails("tag regex //i\n", 14, "t.pat:1:11: empty regex between '/' and '/'");
	parse_fails("tag literal a\0b\n", 16, "t.pat:1: NUL byte in the line");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_scan_XXXXXX";
	const char text[] = "drop literal evil\n# c\ntag regex /foo/i\n";
	struct tenet_patterns *p;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	p = tenet_patterns_load(path, err, sizeof(err));
	assert_non_null(p);
	assert_string_equal(p->name, path);
	assert_int_equal(p->count, 2);
	assert_int_equal(p->pat[1].line, 3);
	tenet_patterns_free(p);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "tag literal x\nbad\n", 18), 18);
	close(fd);
	assert_null(tenet_patterns_load(path, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, ":2: expected action"));
	assert_non_null(strstr(err, path));
	unlink(path);

	assert_null(tenet_patterns_load(path, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, path));
	assert_null(tenet_patterns_load("/tmp", err, sizeof(err)));
	assert_int_equal(errno, EISDIR);
}

/* ---- the NF helper (tenet/scan.h) ---- */

static void test_scanset(void **state)
{
	char path[] = "/tmp/test_scanset_XXXXXX";
	const char text[] = "# c\ndrop literal evil\ntag regex /foo/i\n";
	struct tenet_scanset *ss;
	unsigned int id = 99;
	char buf[64];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	ss = tenet_scanset_open(path, err, sizeof(err));
	if (!ss)
		fail_msg("open: %s", err);
	assert_string_equal(tenet_scanset_name(ss), path);
	assert_int_equal(tenet_scanset_nb_patterns(ss), 2);
	assert_int_equal(tenet_scanset_match(ss, "a FOO b", 7, &id), TENET_SCAN_TAG);
	assert_int_equal(id, 1);
	assert_int_equal(tenet_scanset_match(ss, "foo evil", 8, &id), TENET_SCAN_DROP);
	assert_int_equal(id, 0);
	id = 99;
	assert_int_equal(tenet_scanset_match(ss, "nothing", 7, &id), TENET_SCAN_PASS);
	assert_int_equal(id, 99); /* unchanged on pass */
	assert_int_equal(tenet_scanset_match(ss, NULL, 0, NULL), TENET_SCAN_PASS);
	assert_int_equal(tenet_scanset_pattern(ss, 0, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "drop literal evil");
	assert_int_equal(tenet_scanset_pattern(ss, 1, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "tag regex /foo/i");
	strcpy(buf, "same");
	assert_int_equal(tenet_scanset_pattern(ss, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "same");
	tenet_scanset_close(ss);
	tenet_scanset_close(NULL);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "drop regex (\n", 13), 13);
	close(fd);
	assert_null(tenet_scanset_open(path, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, ":1: regex '('"));
	unlink(path);
	assert_null(tenet_scanset_open(path, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
}

/* ---- host scanner ---- */

struct host {
	struct tenet_patterns *p;
	struct tenet_scanner *s;
	struct tenet_scan_ctx *ctx;
};

static void host_open(struct host *h, const char *text)
{
	h->p = parse_ok(text);
	h->s = tenet_scanner_create(h->p, err, sizeof(err));
	if (!h->s)
		fail_msg("scanner: %s", err);
	h->ctx = tenet_scan_ctx_create(h->s);
	assert_non_null(h->ctx);
}

static void host_close(struct host *h)
{
	tenet_scan_ctx_destroy(h->ctx);
	tenet_scanner_destroy(h->s);
	tenet_patterns_free(h->p);
}

static void expect_host(struct host *h, const void *data, size_t len, enum tenet_scan_verdict v,
                        int id)
{
	struct tenet_scan_result res;
	int rc = tenet_scan(h->s, h->ctx, data, len, &res);

	assert_int_equal(rc, v);
	assert_int_equal(res.verdict, v);
	assert_int_equal(res.id, id);
}
#define EXPECT_HOST(h, str, v, id) expect_host(h, str, sizeof(str) - 1, v, id)

static void test_host_verdicts(void **state)
{
	struct host h;

	(void)state;
	host_open(&h, "tag literal foo\n"         /* 0 */
	              "drop literal evil\n"       /* 1 */
	              "tag literal bar\n"         /* 2 */
	              "drop regex /ev[a-z]l/i\n"  /* 3 */
	              "tag literal a.b*\n"        /* 4: metacharacters are literal */
	              "drop literal \\x00\\xff\n" /* 5 */
	              "tag regex ^GET /\n");      /* 6 */
	EXPECT_HOST(&h, "hello", TENET_SCAN_PASS, -1);
	expect_host(&h, NULL, 0, TENET_SCAN_PASS, -1);
	EXPECT_HOST(&h, "xxbarxxfoo", TENET_SCAN_TAG, 0); /* lowest tag id, not first match */
	EXPECT_HOST(&h, "bar", TENET_SCAN_TAG, 2);
	EXPECT_HOST(&h, "foo and evil", TENET_SCAN_DROP, 1); /* drop beats tag */
	EXPECT_HOST(&h, "EVAL foo", TENET_SCAN_DROP, 3);
	EXPECT_HOST(&h, "EVAL evil", TENET_SCAN_DROP, 1); /* lowest drop id */
	EXPECT_HOST(&h, "a.b*", TENET_SCAN_TAG, 4);
	EXPECT_HOST(&h, "axbb", TENET_SCAN_PASS, -1);
	EXPECT_HOST(&h,
	            "bin\x00\xff"
	            "ary",
	            TENET_SCAN_DROP, 5);
	EXPECT_HOST(&h, "bin\x00\xfe", TENET_SCAN_PASS, -1);
	EXPECT_HOST(&h, "GET /x", TENET_SCAN_TAG, 6);
	EXPECT_HOST(&h, " GET /x", TENET_SCAN_PASS, -1);
	host_close(&h);

	/* Regex flags. */
	host_open(&h, "tag regex /a.b/\n"
	              "tag regex /c.d/s\n"
	              "tag regex /^x$/\n"
	              "tag regex /^y$/m\n"
	              "tag regex /HeLLo/i\n"
	              "tag regex World\n");
	EXPECT_HOST(&h, "a\nb", TENET_SCAN_PASS, -1);
	EXPECT_HOST(&h, "a-b", TENET_SCAN_TAG, 0);
	EXPECT_HOST(&h, "c\nd", TENET_SCAN_TAG, 1);
	EXPECT_HOST(&h, "x", TENET_SCAN_TAG, 2);
	EXPECT_HOST(&h, "q\nx\nq", TENET_SCAN_PASS, -1);
	EXPECT_HOST(&h, "q\ny\nq", TENET_SCAN_TAG, 3);
	EXPECT_HOST(&h, "hello", TENET_SCAN_TAG, 4);
	EXPECT_HOST(&h, "world", TENET_SCAN_PASS, -1);
	EXPECT_HOST(&h, "World", TENET_SCAN_TAG, 5);
	host_close(&h);

	/* An empty set passes everything. */
	host_open(&h, "# none\n");
	EXPECT_HOST(&h, "anything", TENET_SCAN_PASS, -1);
	host_close(&h);
}

static void test_host_errors(void **state)
{
	struct tenet_patterns *p;
	struct tenet_scan_result res;
	struct host a, b;

	(void)state;
	p = parse_ok("tag literal ok\n# c\ntag regex a(b\n");
	assert_null(tenet_scanner_create(p, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "t.pat:3: regex 'a(b': "));
	tenet_patterns_free(p);

	p = parse_ok("tag regex /x*/\n");
	assert_null(tenet_scanner_create(p, err, sizeof(err)));
	assert_non_null(strstr(err, "t.pat:1: regex '/x*/': "));
	assert_non_null(strstr(err, "empty"));
	tenet_patterns_free(p);

	/* A context belongs to its scanner. */
	host_open(&a, "tag literal a\n");
	host_open(&b, "tag literal b\n");
	assert_int_equal(tenet_scan(a.s, b.ctx, "a", 1, &res), -EINVAL);
	assert_int_equal(res.verdict, TENET_SCAN_PASS);
	host_close(&a);
	host_close(&b);
}

struct thread_arg {
	const struct tenet_scanner *s;
	int bad;
};

static void *scan_thread(void *arg)
{
	struct thread_arg *ta = arg;
	struct tenet_scan_ctx *ctx = tenet_scan_ctx_create(ta->s);
	struct tenet_scan_result res;

	if (!ctx) {
		ta->bad = -1;
		return NULL;
	}
	for (int i = 0; i < 2000; i++) {
		if (tenet_scan(ta->s, ctx, "xx evil yy", 10, &res) != TENET_SCAN_DROP ||
		    res.id != 1)
			ta->bad++;
		if (tenet_scan(ta->s, ctx, "xx good yy", 10, &res) != TENET_SCAN_TAG || res.id != 0)
			ta->bad++;
	}
	tenet_scan_ctx_destroy(ctx);
	return NULL;
}

static void test_host_threads(void **state)
{
	struct host h;
	struct thread_arg ta[4];
	pthread_t t[4];

	(void)state;
	host_open(&h, "tag literal good\ndrop regex e.il\n");
	for (int i = 0; i < 4; i++) {
		ta[i] = (struct thread_arg){.s = h.s};
		assert_int_equal(pthread_create(&t[i], NULL, scan_thread, &ta[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(ta[i].bad, 0);
	}
	host_close(&h);
}

/* ---- NIC scanner ---- */

static void nic_fails(const char *text, int want_errno, const char *want)
{
	struct tenet_patterns *p = parse_ok(text);

	err[0] = '\0';
	assert_null(tenet_nicscan_create(p, err, sizeof(err)));
	assert_int_equal(errno, want_errno);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	tenet_patterns_free(p);
}

static void test_nic_limits(void **state)
{
	char text[4096];
	size_t n = 0;
	struct tenet_patterns *p;
	struct tenet_nicscan *ns;
	struct tenet_scan_result res;
	static uint8_t big[TENET_NICSCAN_MAX_PAYLOAD + 1];

	(void)state;
	nic_fails("tag literal a\n\ndrop regex /ev.l/i\n", EINVAL,
	          "t.pat:3: regex '/ev.l/i' cannot be offloaded to the NIC");
	nic_fails("tag literal 0123456789abcdef0123456789abcdef!\n", E2BIG,
	          "t.pat:1: literal '0123456789abcdef0123456789abcdef!' is 33 bytes: the NIC takes "
	          "1..32 bytes");

	/* 16 literals of 32 bytes fit; a 17th does not. */
	for (int i = 0; i < TENET_NICSCAN_MAX_PATTERNS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "tag literal %02d3456789abcdef0123456789abcdef\n", i);
	p = parse_ok(text);
	ns = tenet_nicscan_create(p, err, sizeof(err));
	assert_non_null(ns);
	assert_int_equal(tenet_nicscan_prog(ns)->nb, 16);
	assert_int_equal(tenet_nicscan_scan(ns, "--153456789abcdef0123456789abcdef", 34, &res),
	                 TENET_SCAN_TAG);
	assert_int_equal(res.id, 15);
	/* Too long for the NIC: refused, not half-scanned. */
	assert_int_equal(tenet_nicscan_scan(ns, big, sizeof(big), &res), -EMSGSIZE);
	assert_int_equal(res.verdict, TENET_SCAN_PASS);
	assert_int_equal(tenet_nicscan_scan(ns, big, sizeof(big) - 1, &res), TENET_SCAN_PASS);
	tenet_nicscan_destroy(ns);
	tenet_patterns_free(p);

	snprintf(text + n, sizeof(text) - n, "# comment\ndrop literal x\n");
	nic_fails(text, E2BIG, "t.pat:18: pattern 16 is one too many: the NIC takes at most 16");
	tenet_nicscan_destroy(NULL);
}

static void expect_nic(const struct tenet_nicscan *ns, const void *data, size_t len,
                       enum tenet_scan_verdict v, int id)
{
	struct tenet_scan_result res;

	assert_int_equal(tenet_nicscan_scan(ns, data, len, &res), v);
	assert_int_equal(res.verdict, v);
	assert_int_equal(res.id, id);
}

static void test_nic_verdicts(void **state)
{
	struct tenet_patterns *p;
	struct tenet_nicscan *ns;
	uint8_t buf[TENET_NICSCAN_MAX_PAYLOAD];

	(void)state;
	p = parse_ok("tag literal foo\n"
	             "drop literal evil\n"
	             "tag literal bar\n"
	             "drop literal \\x00\\x00\\x00\n"
	             "tag literal 0123456789abcdef0123456789abcdef\n");
	ns = tenet_nicscan_create(p, err, sizeof(err));
	assert_non_null(ns);
	expect_nic(ns, NULL, 0, TENET_SCAN_PASS, -1);
	expect_nic(ns, "xxbarxxfoo", 10, TENET_SCAN_TAG, 0);
	expect_nic(ns, "bar", 3, TENET_SCAN_TAG, 2);
	expect_nic(ns, "foo and evil", 12, TENET_SCAN_DROP, 1);
	expect_nic(ns, "evi", 3, TENET_SCAN_PASS, -1);
	/* Bytes past the end read as zero but never complete a pattern. */
	expect_nic(ns, "\x00\x00", 2, TENET_SCAN_PASS, -1);
	expect_nic(ns, "a\x00\x00", 3, TENET_SCAN_PASS, -1);
	expect_nic(ns, "\x00\x00\x00", 3, TENET_SCAN_DROP, 3);

	/* A 32-byte pattern at the very end of a full payload, at every alignment nearby. */
	memset(buf, 'z', sizeof(buf));
	for (size_t end = sizeof(buf) - 8; end <= sizeof(buf); end++) {
		memset(buf, 'z', sizeof(buf));
		memcpy(buf + end - 32, "0123456789abcdef0123456789abcdef", 32);
		expect_nic(ns, buf, end, TENET_SCAN_TAG, 4);
		expect_nic(ns, buf, end - 1, TENET_SCAN_PASS, -1);
	}
	tenet_nicscan_destroy(ns);
	tenet_patterns_free(p);
}

/* ---- equivalence ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r) /* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

struct lit {
	int drop;
	size_t len;
	uint8_t b[TENET_NICSCAN_MAX_LEN];
};

struct lit_set {
	unsigned int n;
	struct lit l[TENET_NICSCAN_MAX_PATTERNS];
};

static void add_lit(struct lit_set *ls, int drop, const void *b, size_t len)
{
	struct lit *l = &ls->l[ls->n++];

	l->drop = drop;
	l->len = len;
	memcpy(l->b, b, len);
}

/* The pattern file for a set, every byte written as \xNN: the parser is exercised too. */
static char *set_text(const struct lit_set *ls)
{
	char *t = malloc(TENET_NICSCAN_MAX_PATTERNS * (16 + 4 * TENET_NICSCAN_MAX_LEN) + 1);
	size_t n = 0;

	assert_non_null(t);
	for (unsigned int i = 0; i < ls->n; i++) {
		n += (size_t)sprintf(t + n, "%s literal ", ls->l[i].drop ? "drop" : "tag");
		for (size_t k = 0; k < ls->l[i].len; k++)
			n += (size_t)sprintf(t + n, "\\x%02x", ls->l[i].b[k]);
		t[n++] = '\n';
	}
	t[n] = '\0';
	return t;
}

/* The decision rule, naively. */
static void ref_scan(const struct lit_set *ls, const uint8_t *d, size_t len,
                     struct tenet_scan_result *res)
{
	int drop = -1, tag = -1;

	for (unsigned int i = 0; i < ls->n; i++) {
		if (!memmem(d, len, ls->l[i].b, ls->l[i].len))
			continue;
		if (ls->l[i].drop && drop < 0)
			drop = (int)i;
		if (!ls->l[i].drop && tag < 0)
			tag = (int)i;
	}
	res->verdict = drop >= 0 ? TENET_SCAN_DROP : tag >= 0 ? TENET_SCAN_TAG : TENET_SCAN_PASS;
	res->id = drop >= 0 ? drop : tag;
}

struct eq_stats {
	unsigned long payloads, verdicts[3], mismatches;
};

static void fill(struct rng *r, uint8_t *d, size_t len, int mode, const uint8_t *alpha,
                 size_t nalpha)
{
	for (size_t i = 0; i < len; i++) {
		switch (mode) {
		case 0:
			d[i] = (uint8_t)rnd(r);
			break;
		case 1:
			d[i] = alpha[rnd_below(r, (uint32_t)nalpha)];
			break;
		case 2:
			d[i] = 0;
			break;
		default:
			d[i] = "ab"[rnd(r) & 1];
			break;
		}
	}
}

/*
 * Run n payloads through both scanners and the reference. The first
 * placement of each payload sweeps its pattern over every offset
 * 0..1500-len in turn (all word alignments and the very end included);
 * further placements land at random or overlapping the first, and some
 * are near-misses with one byte changed. With check_sweep, every offset of
 * every pattern must have been covered.
 */
static void equivalence(const struct lit_set *ls, unsigned long n, uint64_t seed, int check_sweep,
                        struct eq_stats *st)
{
	char *text = set_text(ls);
	struct tenet_patterns *p = parse_ok(text);
	struct tenet_scanner *s = tenet_scanner_create(p, err, sizeof(err));
	struct tenet_scan_ctx *ctx;
	struct tenet_nicscan *ns = tenet_nicscan_create(p, err, sizeof(err));
	static uint8_t covered[TENET_NICSCAN_MAX_PATTERNS][TENET_NICSCAN_MAX_PAYLOAD + 1];
	unsigned int sweep[TENET_NICSCAN_MAX_PATTERNS] = {0}, rr = 0;
	uint8_t alpha[TENET_NICSCAN_MAX_PATTERNS * TENET_NICSCAN_MAX_LEN];
	size_t nalpha = 0;
	uint8_t *d = malloc(TENET_NICSCAN_MAX_PAYLOAD);
	struct rng r = {seed};

	assert_non_null(s);
	assert_non_null(ns);
	assert_non_null(d);
	ctx = tenet_scan_ctx_create(s);
	assert_non_null(ctx);
	memset(covered, 0, sizeof(covered));
	for (unsigned int i = 0; i < ls->n; i++)
		for (size_t k = 0; k < ls->l[i].len; k++)
			alpha[nalpha++] = ls->l[i].b[k];

	for (unsigned long it = 0; it < n; it++) {
		struct tenet_scan_result hres, nres, rres;
		unsigned int kind = it % 10, j = 0;
		size_t len, off = 0;
		int hv, nv;

		if (kind < 2) { /* absent, as far as chance allows: random length 0..1500 */
			len = rnd_below(&r, TENET_NICSCAN_MAX_PAYLOAD + 1);
			fill(&r, d, len, (int)rnd_below(&r, 4), alpha, nalpha);
		} else {
			const struct lit *l;
			size_t room;

			/* kind 2: a near-miss at a random offset; else the next offset of the sweep
			 */
			j = kind == 2 ? rnd_below(&r, ls->n) : rr++ % ls->n;
			l = &ls->l[j];
			if (kind == 2) {
				off = rnd_below(&r,
				                (uint32_t)(TENET_NICSCAN_MAX_PAYLOAD + 1 - l->len));
			} else {
				off = sweep[j];
				sweep[j] = (unsigned int)((sweep[j] + 1) %
				                          (TENET_NICSCAN_MAX_PAYLOAD + 1 - l->len));
			}
			room = TENET_NICSCAN_MAX_PAYLOAD - off - l->len;
			len = off + l->len +
			      (rnd_below(&r, 8) == 0 ? 0 : rnd_below(&r, (uint32_t)room + 1));
			fill(&r, d, len, (int)rnd_below(&r, 4), alpha, nalpha);
			if (kind != 2) {
				memcpy(d + off, l->b, l->len);
				covered[j][off] = 1;
			}
			for (unsigned int extra = rnd_below(&r, 4); extra > 0; extra--) {
				const struct lit *e = &ls->l[rnd_below(&r, ls->n)];
				size_t eo;

				if (e->len > len)
					continue;
				if (rnd(&r) & 1) /* overlap the first placement */
					eo = off + rnd_below(&r, (uint32_t)l->len + 1);
				else
					eo = rnd_below(&r, (uint32_t)(len - e->len + 1));
				if (eo > len - e->len)
					eo = len - e->len;
				memcpy(d + eo, e->b, e->len);
				if (kind == 2 ||
				    rnd_below(&r, 3) == 0) /* near-miss: one byte off */
					d[eo + rnd_below(&r, (uint32_t)e->len)] ^=
					        (uint8_t)(1 + rnd_below(&r, 255));
			}
			if (kind == 2) { /* near-miss of the swept pattern itself */
				memcpy(d + off, l->b, l->len);
				d[off + rnd_below(&r, (uint32_t)l->len)] ^=
				        (uint8_t)(1 + rnd_below(&r, 255));
			}
		}

		hv = tenet_scan(s, ctx, d, len, &hres);
		nv = tenet_nicscan_scan(ns, d, len, &nres);
		ref_scan(ls, d, len, &rres);
		st->payloads++;
		if (hv >= 0 && hv <= 2)
			st->verdicts[hv]++;
		if (hv != nv || hres.verdict != nres.verdict || hres.id != nres.id ||
		    hres.verdict != rres.verdict || hres.id != rres.id) {
			if (st->mismatches++ < 5)
				print_error("seed %llu payload %lu len %zu (pattern %u at %zu): "
				            "host %s/%d "
				            "nic %s/%d ref %s/%d\n",
				            (unsigned long long)seed, it, len, j, off,
				            tenet_scan_verdict_name(hres.verdict), hres.id,
				            tenet_scan_verdict_name(nres.verdict), nres.id,
				            tenet_scan_verdict_name(rres.verdict), rres.id);
		}
	}

	if (check_sweep) {
		for (unsigned int i = 0; i < ls->n; i++)
			for (size_t o = 0; o + ls->l[i].len <= TENET_NICSCAN_MAX_PAYLOAD; o++)
				if (!covered[i][o])
					fail_msg("pattern %u never placed at offset %zu: raise n",
					         i, o);
	}
	free(d);
	tenet_nicscan_destroy(ns);
	tenet_scan_ctx_destroy(ctx);
	tenet_scanner_destroy(s);
	tenet_patterns_free(p);
	free(text);
}

#define LIT(ls, drop, s) add_lit(ls, drop, s, sizeof(s) - 1)

static void test_equivalence(void **state)
{
	struct eq_stats total = {0};
	struct lit_set ls;
	struct rng r = {42};

	(void)state;
	/* Mixed: overlapping, nested, word-straddling, zeros, 1..32 bytes, 16 patterns. */
	memset(&ls, 0, sizeof(ls));
	LIT(&ls, 0, "abcdefgh");
	LIT(&ls, 1, "bcdefghi");
	LIT(&ls, 0, "abcdefghijklmnopq");
	LIT(&ls, 0, "xyz");
	LIT(&ls, 1, "\0\0\0\0\0\0\0\0\0");
	LIT(&ls, 0, "\xff");
	LIT(&ls, 1, "0123456789ABCDEFGHIJKLMNOPQRSTUV");
	LIT(&ls, 0, "123456789ABCDEFGHIJKLMNOPQRSTUV");
	LIT(&ls, 0, "ijklmnop");
	LIT(&ls, 1, "hijk");
	LIT(&ls, 0, "evil\0payload!!");
	LIT(&ls, 1, "evil\0payload!!!x");
	LIT(&ls, 0, "GET /admin HTTP/1.1\r\nHost");
	LIT(&ls, 1, "\xde\xad\xbe\xef\x00\x01\x02");
	LIT(&ls, 0, "\\x");
	LIT(&ls, 1, "aaaaaaaaaaaaaaaaaaaaaaaaa");
	equivalence(&ls, 36000, 1, 1, &total);
	assert_true(total.verdicts[TENET_SCAN_PASS] > 1000);
	assert_true(total.verdicts[TENET_SCAN_TAG] > 1000);
	assert_true(total.verdicts[TENET_SCAN_DROP] > 1000);

	/* Tags only: the lowest id among several matches decides. */
	memset(&ls, 0, sizeof(ls));
	LIT(&ls, 0, "ab");
	LIT(&ls, 0, "ba");
	LIT(&ls, 0, "abba");
	LIT(&ls, 0, "aabbaabb");
	LIT(&ls, 0, "babababab");
	LIT(&ls, 0, "abababababababababababababababab");
	equivalence(&ls, 15000, 2, 1, &total);

	/* Drops only, ab alphabet: dense overlaps and near-misses. */
	memset(&ls, 0, sizeof(ls));
	LIT(&ls, 1, "bbbbbbbbbbbbbbbbb");
	LIT(&ls, 1, "abaab");
	LIT(&ls, 1, "aaaaaaaaaaaaaaaa");
	LIT(&ls, 1, "babbabbabbabbabbabbabba");
	LIT(&ls, 1, "a");
	LIT(&ls, 1, "bab");
	equivalence(&ls, 15000, 3, 1, &total);

	/* Mixed on the ab alphabet. */
	memset(&ls, 0, sizeof(ls));
	LIT(&ls, 0, "abab");
	LIT(&ls, 1, "aabaabaab");
	LIT(&ls, 0, "babba");
	LIT(&ls, 1, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	LIT(&ls, 0, "aaaaaaaaa");
	equivalence(&ls, 15000, 4, 1, &total);

	/* Random sets: 1..16 literals of 1..32 bytes over small or full alphabets. */
	for (int k = 0; k < 30; k++) {
		unsigned int nalpha = 2 + rnd_below(&r, 4);
		int full = rnd_below(&r, 4) == 0;

		memset(&ls, 0, sizeof(ls));
		ls.n = 1 + rnd_below(&r, TENET_NICSCAN_MAX_PATTERNS);
		for (unsigned int i = 0; i < ls.n; i++) {
			ls.l[i].drop = (int)(rnd(&r) & 1);
			ls.l[i].len = 1 + rnd_below(&r, TENET_NICSCAN_MAX_LEN);
			for (size_t b = 0; b < ls.l[i].len; b++)
				ls.l[i].b[b] = full ? (uint8_t)rnd(&r)
				                    : (uint8_t)('a' + rnd_below(&r, nalpha));
		}
		equivalence(&ls, 1000, 100 + (uint64_t)k, 0, &total);
	}

	print_message("equivalence: %lu payloads: %lu pass, %lu tag, %lu drop; %lu mismatches\n",
	              total.payloads, total.verdicts[0], total.verdicts[1], total.verdicts[2],
	              total.mismatches);
	assert_true(total.payloads >= 100000);
	assert_int_equal(total.mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_basic), cmocka_unit_test(test_parse_errors),
	        cmocka_unit_test(test_load_file),   cmocka_unit_test(test_host_verdicts),
	        cmocka_unit_test(test_host_errors), cmocka_unit_test(test_host_threads),
	        cmocka_unit_test(test_nic_limits),  cmocka_unit_test(test_nic_verdicts),
	        cmocka_unit_test(test_equivalence), cmocka_unit_test(test_scanset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
