/*
 * Unit tests of the live statistics table (mgr/stats.c), without a
 * running manager: a manager state with one port and one tenant whose
 * counters the test sets by hand.
 *
 * What is checked: the per-second rates of the live table count from the
 * previous live table, whatever else printed in between. A `tenet ctl
 * stats` (totals) between two live tables once moved the live table's
 * baseline, so the next rates came out too low.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mgr/stats.h"

struct fixture {
	struct tenet_config cfg;
	struct mgr m;
};

static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->cfg.nb_ports = 1;
	snprintf(f->cfg.ports[0].name, sizeof(f->cfg.ports[0].name), "p0");
	f->cfg.ports[0].driver = CFG_DRV_GEN;
	f->cfg.nb_tenants = 1;
	snprintf(f->cfg.tenants[0].name, sizeof(f->cfg.tenants[0].name), "alice");
	f->m.cfg = &f->cfg;
	f->m.ports[0].cfg = &f->cfg.ports[0];
	f->m.tenants[0].cfg = &f->cfg.tenants[0];
	f->m.control.start_time = mgr_now();
	return f;
}

/* The table as text. */
static char *print(struct fixture *f, double dt, struct stats_snap *snap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	if (dt > 0)
		stats_print_rates(&f->m, out, dt, snap);
	else
		stats_print_totals(&f->m, out, -dt);
	fclose(out);
	return text;
}

/* The tenant's "in pps" column of a live table. */
static void assert_tenant_rate(const char *table, const char *want)
{
	const char *row = strstr(table, "\nalice ");
	char got[32];

	assert_non_null(row);
	assert_int_equal(sscanf(row, " alice %31s", got), 1);
	assert_string_equal(got, want);
}

static void test_rates_after_totals(void **state)
{
	struct fixture *f = fixture_new();
	struct stats_snap *snap = calloc(1, sizeof(*snap));
	char *t;

	(void)state;
	assert_non_null(snap);
	f->m.tenants[0].in = 1000;
	t = print(f, 1.0, snap); /* first live table: 1000 over 1 s */
	assert_tenant_rate(t, "1.0k");
	free(t);

	f->m.tenants[0].in = 1500;
	t = print(f, -10.0, NULL); /* tenet ctl stats, half a second later */
	assert_non_null(strstr(t, "totals"));
	free(t);

	f->m.tenants[0].in = 3000;
	t = print(f, 1.0, snap); /* next live table: 2000 since the last one */
	assert_tenant_rate(t, "2.0k");
	free(t);

	free(snap);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rates_after_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
