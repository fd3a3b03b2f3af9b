/*
 * Unit tests of the ctl request parser (mgr/ctl_req.c), without a manager.
 *
 * What is checked: each command with its argument; numbers read strictly
 * (no sign, no base prefix, no suffix, no space, range and overflow
 * checked: 'rule del -1' is an error, never 2^64 - 1); a request must be
 * one line of printable ASCII ending in its newline, with nothing after
 * it; a YAML argument must be one document (line breaks of every kind are
 * refused before YAML sees them, and the document check catches them
 * too); every request byte quoted in a message is escaped, and escaping
 * is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mgr/ctl_req.h"

static char err[512];

/* Parse a C string (its newline included) as the manager would. */
static int parse(const char *text, struct ctl_req *req)
{
	static char buf[CTL_REQ_MAX + 1];
	size_t len = strlen(text);

	memcpy(buf, text, len);
	err[0] = '\0';
	return ctl_req_parse(buf, len, 64, req, err, sizeof(err));
}

static void assert_printable(const char *s)
{
	for (; *s; s++)
		assert_true(*s >= 0x20 && *s < 0x7f);
}

static void test_commands(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(parse("tenants\n", &r), 0);
	assert_int_equal(r.cmd, CTL_TENANTS);
	assert_int_equal(parse("  nfs\r\n", &r), 0);
	assert_int_equal(r.cmd, CTL_NFS);
	assert_int_equal(parse("rule add {match: {src: 10.9.0.0/16}, chain: b}\n", &r), 0);
	assert_int_equal(r.cmd, CTL_RULE_ADD);
	assert_string_equal(r.arg, "{match: {src: 10.9.0.0/16}, chain: b}");
	assert_int_equal(r.arg_len, strlen(r.arg));
	assert_int_equal(parse("rule del 4294967295\n", &r), 0);
	assert_int_equal(r.cmd, CTL_RULE_DEL);
	assert_true(r.num == 4294967295u);
	assert_int_equal(parse("nf stop 64\n", &r), 0);
	assert_true(r.cmd == CTL_NF_STOP && r.num == 64);
	assert_int_equal(parse("chain del c9\n", &r), 0);
	assert_true(r.cmd == CTL_CHAIN_DEL && !strcmp(r.arg, "c9"));
	assert_int_equal(parse("rules extra\n", &r), -1);
	assert_non_null(strstr(err, "unknown request 'rules extra'; expected"));
	assert_int_equal(parse("rule add \n", &r), -1);
	assert_non_null(strstr(err, "without an argument"));
}

static void test_numbers(void **state)
{
	static const char *const bad[] = {
	        "rule del -1\n",
	        "rule del +5\n",
	        "rule del 4294967296\n",
	        "rule del 18446744073709551615\n",
	        "rule del 99999999999999999999999\n",
	        "rule del 0x10\n",
	        "rule del 1e3\n",
	        "rule del 12 \n",
	        "rule del  12\n",
	        "nf stop 0\n",
	        "nf stop 65\n",
	        "nf stop -1\n",
	};
	struct ctl_req r;
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &r), -1);
		assert_non_null(strstr(err, "; expected a number from"));
		assert_printable(err);
	}
	assert_int_equal(parse("rule del -1\n", &r), -1);
	assert_string_equal(err, "bad rule id '-1'; expected a number from 0 to 4294967295 "
	                         "(ids from 'tenet ctl rules')");
	assert_int_equal(ctl_req_number("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ctl_req_number("18446744073709551616", 0, UINT64_MAX, &v), -1);
	assert_int_equal(ctl_req_number("", 0, 10, &v), -1);
	assert_int_equal(ctl_req_number("007", 0, 10, &v), 0);
	assert_true(v == 7);
}

static void test_framing(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(parse("tenants", &r), -1);
	assert_non_null(strstr(err, "incomplete"));
	assert_int_equal(parse("tenants\nnfs\n", &r), -1);
	assert_non_null(strstr(err, "4 byte(s) after the request's newline"));
	assert_int_equal(parse("\n", &r), -1);
	{
		char buf[] = "tenants\0junk\n";

		assert_int_equal(ctl_req_parse(buf, sizeof(buf) - 1, 64, &r, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "NUL"));
	}
	assert_int_equal(parse("tenants\t\n", &r), -1);
	assert_non_null(strstr(err, "byte \\x09 at column 8"));
}

static void test_one_document(void **state)
{
	struct ctl_req r;

	(void)state;
	/* every line break YAML knows is refused as a byte before YAML sees it */
	assert_int_equal(parse("rule add {chain: b}\r--- {chain: a}\n", &r), -1);
	assert_int_equal(parse("rule add {chain: b}\xc2\x85--- {chain: a}\n", &r), -1);
	assert_int_equal(parse("rule add {chain: b}\xe2\x80\xa8--- {chain: a}\n", &r), -1);
	/* and the document check catches them as well */
	assert_int_equal(ctl_req_one_document("{chain: b}\n--- {chain: a}", 25, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "a second YAML document"));
	assert_int_equal(ctl_req_one_document("{a: 1}\xc2\x85--- {b: 2}", 17, err, sizeof(err)),
	                 -1);
	assert_int_equal(ctl_req_one_document("--- {chain: b}", 14, err, sizeof(err)), 0);
	assert_int_equal(parse("chain add --- {name: x, hops: [a/b]}\n", &r), 0);
}

static void test_tap(void **state)
{
	static const char *const bad[] = {
	        "tap a:0\n",
	        "tap a:256\n",
	        "tap a:-1\n",
	        "tap a:\n",
	        "tap :2\n",
	        "tap a b\n",
	        "tap a count\n",
	        "tap a count 0\n",
	        "tap a count x\n",
	        "tap a count 1 \n",
	        "tap a:2:3\n",
	        "tap a/b\n",
	        "tap a count 4294967296\n",
	        "tap 0123456789012345678901234567890123\n",
	};
	struct ctl_req r;

	(void)state;
	assert_int_equal(parse("tap web\n", &r), 0);
	assert_true(r.cmd == CTL_TAP && r.hop == CTL_TAP_DEFAULT && r.num == 0);
	assert_string_equal(r.arg, "web");
	assert_int_equal(r.arg_len, 3);
	assert_int_equal(parse("tap alice-web.1_x:2 count 20\n", &r), 0);
	assert_true(r.cmd == CTL_TAP && r.hop == 2 && r.num == 20);
	assert_string_equal(r.arg, "alice-web.1_x");
	assert_int_equal(r.arg_len, strlen(r.arg));
	assert_int_equal(parse("tap w:out\n", &r), 0);
	assert_true(r.hop == CTL_TAP_OUT && !strcmp(r.arg, "w"));
	assert_int_equal(parse("tap w:255 count 4294967295\n", &r), 0);
	assert_true(r.hop == 255 && r.num == 4294967295u);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &r), -1);
		assert_non_null(strstr(err, "expected"));
		assert_printable(err);
	}
	assert_int_equal(parse("tap a:0\n", &r), -1);
	assert_string_equal(err, "bad tap hop '0'; expected a hop number from 1 (the chain's first "
	                         "hop) or 'out'");
	assert_int_equal(parse("tap a count 0\n", &r), -1);
	assert_string_equal(err, "bad tap option 'count 0'; expected 'count N' with N from 1 to "
	                         "4294967295");
}

static void test_escape(void **state)
{
	struct ctl_req r;
	char e[64];

	(void)state;
	assert_int_equal(parse("chain del \xe2\x80\xae"
	                       "evil\xff\n",
	                       &r),
	                 -1);
	assert_string_equal(err, "byte \\xe2 at column 11 of 'chain del "
	                         "\\xe2\\x80\\xaeevil\\xff'; expected one line of printable "
	                         "ASCII");
	assert_int_equal(parse("bogus\\x41\n", &r), -1);
	assert_non_null(strstr(err, "'bogus\\x5cx41'"));
	assert_int_equal(ctl_req_escape(e, sizeof(e), "a\nb\\", 4), 10);
	assert_string_equal(e, "a\\x0ab\\x5c");
	/* cut at an escape boundary, never inside one */
	assert_int_equal(ctl_req_escape(e, 6, "ab\x01", 3), 2);
	assert_string_equal(e, "ab");
	{
		char longreq[200];

		memset(longreq, 'z', sizeof(longreq));
		memcpy(longreq, "\x01", 1);
		longreq[sizeof(longreq) - 2] = '\n';
		longreq[sizeof(longreq) - 1] = '\0';
		assert_int_equal(parse(longreq, &r), -1);
		assert_non_null(strstr(err, "...'; expected"));
		assert_printable(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_commands), cmocka_unit_test(test_numbers),
	        cmocka_unit_test(test_framing),  cmocka_unit_test(test_one_document),
	        cmocka_unit_test(test_escape),   cmocka_unit_test(test_tap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
