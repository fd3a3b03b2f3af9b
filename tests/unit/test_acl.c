/*
 * Unit tests for lib/acl.c, the acl NF's rule-file parser: every field and
 * value form (IPv4 and IPv6), comments and blank lines, each error with
 * its FILE:LINE:COL, canonical formatting, and first-match semantics
 * checked end to end: real frames built here, parsed by tenet_pkt_parse,
 * looked up in the parsed table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/acl.h"

/* ---- helpers ---- */

static struct tenet_classifier *parse_ok(const char *text)
{
	struct tenet_classifier *c = NULL;
	char err[256] = "";
	int rc = tenet_acl_parse(text, strlen(text), "t.acl", &c, err, sizeof(err));

	if (rc)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(c);
	return c;
}

/* Parse text that must fail; err must start with want. */
static void parse_bad(const char *text, const char *want)
{
	struct tenet_classifier *sentinel = (struct tenet_classifier *)&sentinel;
	struct tenet_classifier *c = sentinel;
	char err[256] = "";
	int rc = tenet_acl_parse(text, strlen(text), "t.acl", &c, err, sizeof(err));

	if (rc == 0 || strncmp(err, want, strlen(want)))
		print_error("text:  %s\nerror: %s\nwant:  %s...\n", text, err, want);
	assert_int_equal(rc, -EINVAL);
	assert_ptr_equal(c, sentinel); /* *out unchanged on error */
	assert_true(strncmp(err, want, strlen(want)) == 0);
}

static const struct tenet_rule *rule_at_line(const struct tenet_classifier *c, uint32_t line)
{
	const struct tenet_rule *r;

	for (unsigned int i = 0; (r = tenet_classifier_rule(c, i)); i++)
		if (r->id == line)
			return r;
	fail_msg("no rule on line %u", line);
	return NULL;
}

static void addr_is(const uint8_t a[16], int family, const char *want)
{
	uint8_t b[16] = {0};

	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, want, b), 1);
	assert_memory_equal(a, b, 16);
}

/* Ethernet + IPv4/IPv6 + UDP/TCP/ICMP frame with no payload; returns its length. */
static size_t frame(uint8_t *f, uint8_t proto, const char *src, const char *dst, uint16_t sport,
                    uint16_t dport)
{
	int v6 = strchr(src, ':') != NULL;
	size_t l4 = v6 ? 54 : 34, l4len = proto == 6 ? 20 : 8;

	memset(f, 0, 128);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[14] = 0x60;
		f[18] = 0;
		f[19] = (uint8_t)l4len;
		f[20] = proto;
		f[21] = 64;
		assert_int_equal(inet_pton(AF_INET6, src, f + 22), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, f + 38), 1);
	} else {
		f[14] = 0x45;
		f[17] = (uint8_t)(20 + l4len);
		f[22] = 64;
		f[23] = proto;
		assert_int_equal(inet_pton(AF_INET, src, f + 26), 1);
		assert_int_equal(inet_pton(AF_INET, dst, f + 30), 1);
	}
	if (proto == 6 || proto == 17) {
		f[l4] = (uint8_t)(sport >> 8);
		f[l4 + 1] = (uint8_t)sport;
		f[l4 + 2] = (uint8_t)(dport >> 8);
		f[l4 + 3] = (uint8_t)dport;
		if (proto == 17)
			f[l4 + 5] = 8;
		else
			f[l4 + 12] = 0x50;
	}
	return l4 + l4len;
}

/* Line number of the first rule matching the packet, 0 for none; *drop = its action. */
static uint32_t lookup(const struct tenet_classifier *c, uint8_t proto, const char *src,
                       const char *dst, uint16_t sport, uint16_t dport, int *drop)
{
	uint8_t f[128];
	size_t len = frame(f, proto, src, dst, sport, dport);
	struct tenet_pkt_info pi;
	struct tenet_action act;

	assert_int_equal(tenet_pkt_parse(f, (uint32_t)len, &pi), TENET_PKT_OK);
	if (!tenet_classifier_lookup(c, &pi, 0, &act))
		return 0;
	if (drop)
		*drop = act.chain == TENET_ACL_DROP;
	return act.rule_id;
}

/* ---- parsing ---- */

static void test_forms(void **state)
{
	struct tenet_classifier *c;
	const struct tenet_rule *r;

	(void)state;
	c = parse_ok("# header comment\n"
	             "allow\n"
	             "drop src 10.1.0.0/16 proto udp dport 53\n"
	             "\n"
	             "allow dst 192.168.1.7 sport 1024-65535   # trailing comment\n"
	             "drop proto tcp\n"
	             "drop proto icmp\n"
	             "drop proto icmp6\n"
	             "drop proto 47\n"
	             "\t  allow dport 80 src 10.1.2.3/16 sport 7 dst 10.2.0.0/15\n"
	             "drop src 0.0.0.0/0\n"
	             "drop dport 0-65535");
	assert_int_equal(tenet_classifier_count(c), 10);

	r = rule_at_line(c, 2);
	assert_int_equal(r->chain, TENET_ACL_ALLOW);
	assert_int_equal(r->priority, 2);
	assert_int_equal(r->match.family, 0);
	assert_int_equal(r->match.src_plen, 0);
	assert_int_equal(r->match.dst_plen, 0);
	assert_int_equal(r->match.proto, TENET_ANY);
	assert_int_equal(r->match.sport_lo, 0);
	assert_int_equal(r->match.sport_hi, 65535);
	assert_int_equal(r->match.dport_lo, 0);
	assert_int_equal(r->match.dport_hi, 65535);
	assert_int_equal(r->match.vlan, TENET_ANY);
	assert_int_equal(r->match.in_port, TENET_ANY);

	r = rule_at_line(c, 3);
	assert_int_equal(r->chain, TENET_ACL_DROP);
	assert_int_equal(r->priority, 3);
	assert_int_equal(r->match.family, 4);
	assert_int_equal(r->match.src_plen, 16);
	addr_is(r->match.src, 4, "10.1.0.0");
	assert_int_equal(r->match.proto, 17);
	assert_int_equal(r->match.dport_lo, 53);
	assert_int_equal(r->match.dport_hi, 53);

	r = rule_at_line(c, 5); /* a bare address is a host */
	assert_int_equal(r->match.family, 4);
	assert_int_equal(r->match.src_plen, 0);
	assert_int_equal(r->match.dst_plen, 32);
	addr_is(r->match.dst, 4, "192.168.1.7");
	assert_int_equal(r->match.sport_lo, 1024);
	assert_int_equal(r->match.sport_hi, 65535);

	assert_int_equal(rule_at_line(c, 6)->match.proto, 6);
	assert_int_equal(rule_at_line(c, 7)->match.proto, 1);
	assert_int_equal(rule_at_line(c, 8)->match.proto, 58);
	assert_int_equal(rule_at_line(c, 9)->match.proto, 47);

	r = rule_at_line(c, 10); /* any order; bits beyond the prefix cleared */
	assert_int_equal(r->chain, TENET_ACL_ALLOW);
	addr_is(r->match.src, 4, "10.1.0.0");
	assert_int_equal(r->match.src_plen, 16);
	addr_is(r->match.dst, 4, "10.2.0.0");
	assert_int_equal(r->match.dst_plen, 15);
	assert_int_equal(r->match.sport_lo, 7);
	assert_int_equal(r->match.sport_hi, 7);
	assert_int_equal(r->match.dport_lo, 80);

	r = rule_at_line(c, 11); /* /0 still restricts the family */
	assert_int_equal(r->match.family, 4);
	assert_int_equal(r->match.src_plen, 0);

	r = rule_at_line(c, 12); /* last line without a newline */
	assert_int_equal(r->match.dport_lo, 0);
	assert_int_equal(r->match.dport_hi, 65535);
	tenet_classifier_destroy(c);
}

static void test_ipv6(void **state)
{
	struct tenet_classifier *c;
	const struct tenet_rule *r;

	(void)state;
	c = parse_ok("drop src 2001:db8:a::/48 dst 2001:db8:b::1234/64 proto tcp dport 443\n"
	             "allow dst ::1\n"
	             "allow src ::ffff:10.0.0.0/104\n"
	             "drop src 2001:db8::/127\n");
	r = rule_at_line(c, 1);
	assert_int_equal(r->match.family, 6);
	assert_int_equal(r->match.src_plen, 48);
	addr_is(r->match.src, 6, "2001:db8:a::");
	assert_int_equal(r->match.dst_plen, 64);
	addr_is(r->match.dst, 6, "2001:db8:b::");
	assert_int_equal(r->match.proto, 6);
	assert_int_equal(r->match.dport_lo, 443);

	r = rule_at_line(c, 2);
	assert_int_equal(r->match.family, 6);
	assert_int_equal(r->match.dst_plen, 128);
	addr_is(r->match.dst, 6, "::1");

	r = rule_at_line(c, 3);
	assert_int_equal(r->match.family, 6);
	assert_int_equal(r->match.src_plen, 104);
	addr_is(r->match.src, 6, "::ffff:10.0.0.0");
	assert_int_equal(rule_at_line(c, 4)->match.src_plen, 127);
	tenet_classifier_destroy(c);
}

static void test_empty_and_comments(void **state)
{
	struct tenet_classifier *c = NULL;
	char err[64];

	(void)state;
	assert_int_equal(tenet_acl_parse("", 0, "t.acl", &c, err, sizeof(err)), 0);
	assert_int_equal(tenet_classifier_count(c), 0);
	tenet_classifier_destroy(c);

	c = parse_ok("# only\n   # comments\n\n\t\n#drop\n");
	assert_int_equal(tenet_classifier_count(c), 0);
	tenet_classifier_destroy(c);

	/* CRLF line ends, a comment right after a value, len stops the text */
	c = parse_ok("drop dport 53\r\nallow proto udp#x\r\n");
	assert_int_equal(tenet_classifier_count(c), 2);
	assert_int_equal(rule_at_line(c, 2)->match.proto, 17);
	tenet_classifier_destroy(c);

	assert_int_equal(tenet_acl_parse("drop\nbogus", 5, "t.acl", &c, err, sizeof(err)), 0);
	assert_int_equal(tenet_classifier_count(c), 1);
	tenet_classifier_destroy(c);
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad("allow\nfrobnicate\n",
	          "t.acl:2:1: unknown action 'frobnicate'; expected allow or drop");
	parse_bad("Drop\n", "t.acl:1:1: unknown action 'Drop'; expected allow or drop");
	parse_bad("# c\n\n  \tdrop src 1.2.3.4 bogus 1\n",
	          "t.acl:3:21: unknown field 'bogus'; expected src, dst, proto, sport or dport");
	parse_bad("drop src\n", "t.acl:1:9: 'src' needs a value; expected an IPv4 or IPv6 address");
	parse_bad("drop dport   \n", "t.acl:1:14: 'dport' needs a value; expected a port N");
	parse_bad("drop\nallow src # 10.0.0.0/8\n", "t.acl:2:11: 'src' needs a value");
	parse_bad("drop src 10.0.0.0/33", "t.acl:1:10: bad prefix length in '10.0.0.0/33'; "
	                                  "expected 0..32 for IPv4");
	parse_bad("drop dst 2001:db8::/129", "t.acl:1:10: bad prefix length in '2001:db8::/129'; "
	                                     "expected 0..128 for IPv6");
	parse_bad("drop src 10.0.0.0/", "t.acl:1:10: bad prefix length");
	parse_bad("drop src 10.0.0.0/1x", "t.acl:1:10: bad prefix length");
	parse_bad("drop src 10.0.0.256", "t.acl:1:10: bad address '10.0.0.256'; expected an IPv4");
	parse_bad("drop src 10.0.0/8", "t.acl:1:10: bad address '10.0.0/8'");
	parse_bad("drop src 2001:db8:::1", "t.acl:1:10: bad address '2001:db8:::1'");
	parse_bad("drop src 10.0.0.1 dst ::1",
	          "t.acl:1:23: dst is IPv6 but src is IPv4; expected one address family");
	parse_bad("drop dst 10.0.0.1 src ::1", "t.acl:1:10: dst is IPv4 but src is IPv6");
	parse_bad("drop proto sctp", "t.acl:1:12: bad proto 'sctp'; expected tcp, udp, icmp, icmp6 "
	                             "or a protocol number 0..255");
	parse_bad("drop proto 256", "t.acl:1:12: bad proto '256'");
	parse_bad("drop proto -1", "t.acl:1:12: bad proto '-1'");
	parse_bad("drop sport 65536", "t.acl:1:12: bad sport '65536'; expected a port N or a range "
	                              "LO-HI within 0..65535");
	parse_bad("drop dport 20-10", "t.acl:1:12: bad dport '20-10'");
	parse_bad("drop dport -5", "t.acl:1:12: bad dport '-5'");
	parse_bad("drop dport 5-", "t.acl:1:12: bad dport '5-'");
	parse_bad("drop dport 1-2-3", "t.acl:1:12: bad dport '1-2-3'");
	parse_bad("drop dport 99999999999999999999", "t.acl:1:12: bad dport");
	parse_bad("drop proto icmp sport 7", "t.acl:1:23: 'sport' with proto icmp never matches; "
	                                     "expected proto tcp or udp");
	parse_bad("drop dport 1-2 proto 47", "t.acl:1:12: 'dport' with proto 47 never matches");
	parse_bad("drop dport 53 dport 54",
	          "t.acl:1:15: 'dport' given twice; expected each field at most once");
	parse_bad("drop\r\nallow\r\nfoo\r\n", "t.acl:3:1: unknown action 'foo'");
	parse_bad("drop src 0123456789012345678901234567890123456789012345678901234567890123456789",
	          "t.acl:1:10: bad address '0123456789012345678901234567890123456789'; expected");
}

static void test_error_buffer(void **state)
{
	struct tenet_classifier *c = NULL;
	char err[12];

	(void)state;
	/* a short buffer is truncated, never overrun */
	memset(err, 'x', sizeof(err));
	assert_int_equal(tenet_acl_parse("oops", 4, "t.acl", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.acl:1:1: ");
	assert_int_equal(tenet_acl_parse("oops", 4, "t.acl", &c, NULL, 0), -EINVAL);
	assert_null(c);
	/* a NUL byte is just a byte */
	assert_int_equal(tenet_acl_parse("drop\0x", 6, NULL, &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
}

/* ---- semantics ---- */

static void test_first_match(void **state)
{
	struct tenet_classifier *c;
	int drop = -1;

	(void)state;
	c = parse_ok("drop src 10.1.0.0/16 proto udp dport 53\n"          /* 1 */
	             "allow src 10.1.2.0/24\n"                            /* 2 */
	             "allow proto udp dport 50-60\n"                      /* 3 */
	             "drop dst 2001:db8::/32 proto tcp sport 1000-2000\n" /* 4 */
	             "allow src 2001:db8::/32\n"                          /* 5 */
	             "drop proto icmp\n"                                  /* 6 */
	             "drop proto icmp6\n"                                 /* 7 */
	             "allow src 10.0.0.0/8 dst 192.168.1.7\n"             /* 8 */
	             "drop src 10.1.128.0/17\n"                           /* 9 */
	             "allow src 0.0.0.0/0 proto tcp\n");                  /* 10 */

	/* an earlier broad rule beats a later, more specific one */
	assert_int_equal(lookup(c, 17, "10.1.2.3", "10.2.0.1", 999, 53, &drop), 1);
	assert_true(drop);
	assert_int_equal(lookup(c, 17, "10.1.2.3", "10.2.0.1", 999, 54, &drop), 2);
	assert_false(drop);
	/* a rule without addresses matches both families */
	assert_int_equal(lookup(c, 17, "10.9.0.1", "10.2.0.1", 999, 55, NULL), 3);
	assert_int_equal(lookup(c, 17, "2001:db9::1", "2001:db8::1", 999, 53, NULL), 3);
	assert_int_equal(lookup(c, 17, "10.9.0.1", "10.2.0.1", 999, 61, NULL), 0);
	/* IPv6 prefixes and port ranges */
	assert_int_equal(lookup(c, 6, "2001:db8::1", "2001:db8::2", 1500, 80, &drop), 4);
	assert_true(drop);
	assert_int_equal(lookup(c, 6, "2001:db8::1", "2001:db8::2", 2001, 80, &drop), 5);
	assert_false(drop);
	assert_int_equal(lookup(c, 6, "2001:db9::1", "2001:db8::2", 1000, 80, NULL), 4);
	assert_int_equal(lookup(c, 6, "2001:db9::1", "2001:db9::2", 1000, 80, NULL), 0);
	/* protocols without ports */
	assert_int_equal(lookup(c, 1, "10.1.2.3", "10.2.0.1", 0, 0, NULL), 2);
	assert_int_equal(lookup(c, 1, "10.9.2.3", "10.2.0.1", 0, 0, NULL), 6);
	assert_int_equal(lookup(c, 58, "2001:db9::1", "2001:db9::2", 0, 0, NULL), 7);
	/* both addresses; a prefix that is not a whole number of bytes */
	assert_int_equal(lookup(c, 6, "10.5.5.5", "192.168.1.7", 1, 2, NULL), 8);
	assert_int_equal(lookup(c, 6, "10.1.200.1", "192.168.1.8", 1, 2, &drop), 9);
	assert_true(drop);
	assert_int_equal(lookup(c, 6, "10.1.100.1", "192.168.1.8", 1, 2, &drop), 10);
	assert_false(drop);
	/* src 0.0.0.0/0 is "any IPv4": not IPv6 */
	assert_int_equal(lookup(c, 6, "2001:db9::1", "2001:db9::2", 1, 2, NULL), 0);
	tenet_classifier_destroy(c);
}

static void test_many_rules(void **state)
{
	enum { N = 10000 };
	size_t cap = (size_t)N * 64, len = 0;
	char *text = malloc(cap);
	struct tenet_classifier *c;
	char src[32];
	int drop = 0;

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, "drop src 10.%d.%d.0/24 dport %d\n",
		                        i / 256, i % 256, 1000 + i);
	snprintf(text + len, cap - len, "allow\n");
	c = parse_ok(text);
	free(text);
	assert_int_equal(tenet_classifier_count(c), N + 1);
	for (int i = 0; i < N; i += 97) {
		snprintf(src, sizeof(src), "10.%d.%d.9", i / 256, i % 256);
		assert_int_equal(lookup(c, 17, src, "1.1.1.1", 5, (uint16_t)(1000 + i), &drop),
		                 i + 1);
		assert_true(drop);
		assert_int_equal(lookup(c, 17, src, "1.1.1.1", 5, (uint16_t)(999 + i), &drop),
		                 N + 1);
		assert_false(drop);
	}
	tenet_classifier_destroy(c);
}

static void test_format(void **state)
{
	static const char *const canon[][2] = {
	        {"allow", "allow"},
	        {"drop src 10.1.0.0/16 proto udp dport 53",
	         "drop src 10.1.0.0/16 proto udp dport 53"},
	        {"drop dport 53 proto 17 src 10.1.2.3/16",
	         "drop src 10.1.0.0/16 proto udp dport 53"},
	        {"allow dst 192.168.1.7 sport 1024-65535",
	         "allow dst 192.168.1.7/32 sport 1024-65535"},
	        {"drop src 2001:db8:a::/48 dst 2001:db8:b::1/64 proto tcp sport 1-2 dport 443",
	         "drop src 2001:db8:a::/48 dst 2001:db8:b::/64 proto tcp sport 1-2 dport 443"},
	        {"drop proto icmp6", "drop proto icmp6"},
	        {"drop proto 132", "drop proto 132"},
	        {"allow src 0.0.0.0/0", "allow src 0.0.0.0/0"},
	        {"allow dst ::/0", "allow src ::/0"},
	        {"drop sport 0-65535 dport 0-65535", "drop"},
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		struct tenet_classifier *c = parse_ok(canon[i][0]), *again;

		tenet_acl_format(tenet_classifier_rule(c, 0), buf, sizeof(buf));
		assert_string_equal(buf, canon[i][1]);
		/* the canonical text parses to the same match */
		again = parse_ok(buf);
		assert_memory_equal(&tenet_classifier_rule(again, 0)->match,
		                    &tenet_classifier_rule(c, 0)->match,
		                    sizeof(struct tenet_match));
		tenet_classifier_destroy(again);
		tenet_classifier_destroy(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_forms),
	        cmocka_unit_test(test_ipv6),
	        cmocka_unit_test(test_empty_and_comments),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_error_buffer),
	        cmocka_unit_test(test_first_match),
	        cmocka_unit_test(test_many_rules),
	        cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
