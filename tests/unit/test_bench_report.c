/*
 * Unit tests of tenet-bench's reporter (bench/report.c) and its shared
 * option parser (bench/opts.c).
 *
 * What is checked: a value never set is null in JSON, empty in CSV and '-'
 * in the table; strings are escaped in JSON and copied (the caller's
 * buffer may change); numbers round-trip through report_get; an earlier
 * row can be selected and completed; columns without a heading stay out
 * of the table but not out of JSON or CSV. The parser takes the shared
 * options and the scenario's own, refuses junk and out-of-range values as
 * usage errors, and lets a scenario take a shared name over.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench/opts.h"
#include "bench/report.h"

static const struct report_col cols[] = {
        {"name", "name", REP_STR, 6, 0},
        {"n", "n", REP_UINT, 4, 0},
        {"rate", "rate", REP_DBL, 7, 2},
        {"ok", NULL, REP_BOOL, 0, 0},
};

/* What f holds, as a string (caller frees). */
static char *slurp(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

static void test_values_and_absent(void **state)
{
	struct report *r = report_create(cols, 4);
	char name[16] = "a\"b";
	FILE *f = tmpfile();
	char *s;
	(void)state;

	assert_non_null(r);
	assert_non_null(f);
	assert_int_equal(report_row(r), 0);
	report_set_str(r, "name", name);
	strcpy(name, "zz"); /* the report kept its own copy */
	report_set_uint(r, "n", 7);
	report_set_dbl(r, "rate", 1.5);
	assert_int_equal(report_row(r), 0);
	report_set_str(r, "name", "second");
	report_set_dbl(r, "rate", NAN); /* not finite: absent */
	report_select(r, 0);
	report_set_bool(r, "ok", true);

	assert_int_equal(report_rows(r), 2);
	assert_true(report_get(r, 0, "n") == 7);
	assert_true(report_get(r, 0, "rate") == 1.5);
	assert_true(isnan(report_get(r, 1, "n")));
	assert_true(isnan(report_get(r, 1, "rate")));
	assert_true(isnan(report_get(r, 0, "nope")));
	assert_string_equal(report_get_str(r, 0, "name"), "a\"b");
	assert_null(report_get_str(r, 0, "n"));

	report_json(r, f);
	s = slurp(f);
	assert_non_null(
	        strstr(s, "{\"name\": \"a\\\"b\", \"n\": 7, \"rate\": 1.5000, \"ok\": true}"));
	assert_non_null(
	        strstr(s, "{\"name\": \"second\", \"n\": null, \"rate\": null, \"ok\": null}"));
	free(s);

	rewind(f);
	assert_int_equal(ftruncate(fileno(f), 0), 0);
	report_table_header(r, f);
	report_table_row(r, 1, f, "note");
	s = slurp(f);
	assert_null(strstr(s, "ok")); /* no heading: not in the table */
	assert_non_null(strstr(s, "second    -       -  note"));
	free(s);
	fclose(f);
	report_destroy(r);
}

static void test_csv(void **state)
{
	struct report *r = report_create(cols, 4);
	char path[] = "/tmp/tenet-test-report-XXXXXX";
	FILE *f;
	char buf[256];
	size_t n;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(report_row(r), 0);
	report_set_str(r, "name", "x");
	report_set_bool(r, "ok", false);
	assert_int_equal(report_csv(r, path), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(buf, "name,n,rate,ok\nx,,,false\n");
	report_destroy(r);
	report_destroy(NULL);
}

struct extra {
	int seen;
	const char *arg;
};

static int set_extra(void *ctx, int val, const char *arg)
{
	struct extra *e = ctx;

	if (val != BENCH_OPT_SCENARIO || strcmp(arg, "ok"))
		return -1;
	e->seen++;
	e->arg = arg;
	return 0;
}

static void no_usage(FILE *f)
{
	(void)f;
}

static int parse(struct bench_opts *o, struct extra *e, char **argv)
{
	static const struct option mine[] = {
	        {"thing", required_argument, NULL, BENCH_OPT_SCENARIO},
	        {"mode", required_argument, NULL, BENCH_OPT_SCENARIO},
	        {NULL, 0, NULL, 0},
	};
	int argc = 0;

	while (argv[argc])
		argc++;
	bench_opts_default(o);
	memset(e, 0, sizeof(*e));
	return bench_opts_parse(argc, argv, "test", mine, set_extra, e, no_usage, o);
}

static void test_options(void **state)
{
	char *ok[] = {"x",       "--ndr",  "--final",    "3",     "--width",  "0.02", "--sizes",
	              "64,1518", "--json", "--thing",    "ok",    "--mode",   "ok",   "--runs",
	              "2",       "--poll", "--pdr-loss", "0.001", "--warmup", "0",    NULL};
	char *bad_width[] = {"x", "--width", "0.9", NULL};
	char *bad_size[] = {"x", "--sizes", "63", NULL};
	char *bad_extra[] = {"x", "--thing", "no", NULL};
	char *unknown[] = {"x", "--nope", NULL};
	char *stray[] = {"x", "stray", NULL};
	char *help[] = {"x", "--help", NULL};
	struct bench_opts o;
	struct extra e;
	(void)state;

	assert_int_equal(parse(&o, &e, ok), 0);
	assert_true(o.ndr && o.json && o.poll && o.nopt.poll);
	assert_true(o.nopt.search.final_s == 3 && o.nopt.search.width == 0.02);
	assert_true(o.nopt.search.pdr_loss == 0.001 && o.nopt.warmup == 0);
	assert_int_equal(o.nb_sizes, 2);
	assert_int_equal(o.sizes[1], 1518);
	assert_int_equal(o.reps, 2);
	assert_int_equal(e.seen, 2); /* --thing and the scenario's own --mode */
	assert_int_equal(parse(&o, &e, bad_width), 2);
	assert_int_equal(parse(&o, &e, bad_size), 2);
	assert_int_equal(parse(&o, &e, bad_extra), 2);
	assert_int_equal(parse(&o, &e, unknown), 2);
	assert_int_equal(parse(&o, &e, stray), 2);
	assert_int_equal(parse(&o, &e, help), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_values_and_absent),
	        cmocka_unit_test(test_csv),
	        cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
