/*
 * scan_ns: by-hand measurement of the two scan back ends on one core:
 * nanoseconds per 1500-byte payload for Hyperscan (lib/scan.c) and for the
 * NIC matcher run in user space (bpf/scan_common.h via lib/nicscan.c), with
 * the same 4 literal patterns. Not a test: it reports, it asserts nothing
 * but that both back ends agree on every payload it scans.
 *
 *     make build/libtenet.a
 *     cc -O2 -D_GNU_SOURCE -Iinclude -I. -isystem /usr/include/hs bench/scan_ns.c \
 *         build/libtenet.a -lhs -o build/scan_ns && build/scan_ns
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/nicscan.h"
#include "lib/scan.h"

#define NB_PAYLOADS 1024
#define LEN         1500
#define ROUNDS      200

static const char patterns[] = "drop literal attack\n"
                               "drop literal \\x90\\x90\\x90\\x90\\x90\\x90\\x90\\x90\n"
                               "tag literal password=\n"
                               "tag literal select * from\n";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Fill payloads: printable random text; with where >= 0, "password=" at that offset. */
static void make_payloads(uint8_t (*pl)[LEN], long where)
{
	uint64_t s = 88172645463325252ull;

	for (int i = 0; i < NB_PAYLOADS; i++) {
		for (int k = 0; k < LEN; k++)
			pl[i][k] = (uint8_t)(' ' + rnd(&s) % 95);
		if (where >= 0)
			memcpy(pl[i] + where, "password=", 9);
	}
}

static void run(const char *what, uint8_t (*pl)[LEN], const struct tenet_scanner *s,
                struct tenet_scan_ctx *ctx, const struct tenet_nicscan *ns)
{
	double hs[7], nic[7];
	struct tenet_scan_result a, b;

	for (int i = 0; i < NB_PAYLOADS; i++) {
		tenet_scan(s, ctx, pl[i], LEN, &a);
		tenet_nicscan_scan(ns, pl[i], LEN, &b);
		if (a.verdict != b.verdict || a.id != b.id) {
			fprintf(stderr, "back ends disagree on payload %d\n", i);
			exit(1);
		}
	}
	for (int t = 0; t < 7; t++) {
		double t0 = now_ns();

		for (int r = 0; r < ROUNDS; r++)
			for (int i = 0; i < NB_PAYLOADS; i++)
				tenet_scan(s, ctx, pl[i], LEN, &a);
		hs[t] = (now_ns() - t0) / (ROUNDS * NB_PAYLOADS);
		t0 = now_ns();
		for (int r = 0; r < ROUNDS / 4; r++)
			for (int i = 0; i < NB_PAYLOADS; i++)
				tenet_nicscan_scan(ns, pl[i], LEN, &b);
		nic[t] = (now_ns() - t0) / (ROUNDS / 4 * NB_PAYLOADS);
	}
	qsort(hs, 7, sizeof(double), cmp);
	qsort(nic, 7, sizeof(double), cmp);
	printf("%-28s hyperscan %8.1f ns   nic matcher %8.1f ns   ratio %5.1fx   (verdict %s)\n",
	       what, hs[3], nic[3], nic[3] / hs[3], tenet_scan_verdict_name(a.verdict));
}

int main(void)
{
	static uint8_t pl[NB_PAYLOADS][LEN];
	char err[256];
	struct tenet_patterns *p =
	        tenet_patterns_parse(patterns, sizeof(patterns) - 1, "bench", err, sizeof(err));
	struct tenet_scanner *s = p ? tenet_scanner_create(p, err, sizeof(err)) : NULL;
	struct tenet_nicscan *ns = p ? tenet_nicscan_create(p, err, sizeof(err)) : NULL;
	struct tenet_scan_ctx *ctx = s ? tenet_scan_ctx_create(s) : NULL;

	if (!ctx || !ns) {
		fprintf(stderr, "scan_ns: %s\n", err);
		return 1;
	}
	printf("ns per %d-byte payload, 4 literals, median of 7 runs over %d payloads\n", LEN,
	       NB_PAYLOADS);
	make_payloads(pl, -1);
	run("no match (full scan)", pl, s, ctx, ns);
	make_payloads(pl, LEN - 9);
	run("tag match at the end", pl, s, ctx, ns);
	make_payloads(pl, 0);
	run("tag match at offset 0", pl, s, ctx, ns);
	tenet_scan_ctx_destroy(ctx);
	tenet_scanner_destroy(s);
	tenet_nicscan_destroy(ns);
	tenet_patterns_free(p);
	return 0;
}
