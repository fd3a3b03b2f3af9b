/*
 * Unit tests of the default log callback (lib/log.c): every message comes
 * out as one line "tenet: LEVEL: MESSAGE" of printable ASCII, with every
 * other byte of the message (newlines, escape sequences, bidi overrides,
 * invalid UTF-8) written as \xNN, so that nothing quoted in a message can
 * forge a log line or reach a terminal raw; an overlong message is cut
 * and marked; the level filter and a NULL callback silence it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tenet/log.h"

static char out[16384];

/* Run fn with stderr going to a temporary file; its bytes land in out. */
static size_t capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), 2) == 2);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return n;
}

static void log_hostile(void)
{
	tenet_log(TENET_LOG_WARN, "tenant %s has no service '%s'", "alice",
	          "x\ntenet: info: forged\x1b[2J\xe2\x80\xae\xff\\");
}

static void test_escaped(void **state)
{
	(void)state;
	capture(log_hostile);
	assert_string_equal(out, "tenet: warning: tenant alice has no service "
	                         "'x\\x0atenet: info: forged\\x1b[2J\\xe2\\x80\\xae\\xff\\'\n");
}

static void log_plain(void)
{
	tenet_log(TENET_LOG_ERR, "pool %s: %d buffers", "bob", 8192);
	tenet_log(TENET_LOG_INFO, "100%% of it");
}

static void test_plain(void **state)
{
	(void)state;
	capture(log_plain);
	assert_string_equal(out, "tenet: error: pool bob: 8192 buffers\n"
	                         "tenet: info: 100% of it\n");
}

static void log_long(void)
{
	static char big[3000];

	memset(big, '\n', sizeof(big) - 1);
	tenet_log(TENET_LOG_INFO, "%s", big);
}

static void test_long(void **state)
{
	size_t n;

	(void)state;
	n = capture(log_long);
	/* one line: the prefix, 1023 escaped bytes, the mark, one newline */
	assert_int_equal(n, strlen("tenet: info: ") + 1023 * 4 + 3 + 1);
	assert_non_null(strstr(out, "\\x0a\\x0a..."));
	assert_ptr_equal(strchr(out, '\n'), out + n - 1);
}

static void log_filtered(void)
{
	tenet_set_log_level(TENET_LOG_WARN);
	tenet_log(TENET_LOG_INFO, "not shown");
	tenet_log(TENET_LOG_WARN, "shown");
	tenet_set_log_level(TENET_LOG_INFO);
	{
		tenet_log_fn old = tenet_set_log(NULL);

		tenet_log(TENET_LOG_ERR, "silenced");
		tenet_set_log(old);
	}
}

static void test_filtered(void **state)
{
	(void)state;
	capture(log_filtered);
	assert_string_equal(out, "tenet: warning: shown\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_escaped),
	        cmocka_unit_test(test_plain),
	        cmocka_unit_test(test_long),
	        cmocka_unit_test(test_filtered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
