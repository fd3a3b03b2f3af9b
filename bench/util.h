/*
 * Helpers shared by the tenet-bench scenarios that run the whole platform
 * in-process: find the example NFs next to the tenet-bench binary, write YAML
 * scalars, parse comma-separated lists, and run the manager on a generated
 * config with its output (and the NFs', which inherit it) sent to a log.
 */
#ifndef TENET_BENCH_UTIL_H
#define TENET_BENCH_UTIL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mgr/mgr.h"

/*
 * The path of example NF 'name' in tenet_nf_dir() (lib/paths.h:
 * build/tenet-bench -> build/nf/NAME; installed, PREFIX/lib/tenet/nf/NAME)
 * into out. Returns 0, or -errno (-ENOENT, -EACCES: not built;
 * -ENAMETOOLONG); out holds the path tried either way.
 */
int bench_nf_path(const char *name, char *out, size_t len);

/* Write s to f as a YAML single-quoted scalar (quotes doubled). */
void bench_yaml_quoted(FILE *f, const char *s);

/*
 * Parse "a,b,c" of decimal integers, each in lo..hi, into v (at most max).
 * Returns the count, or 0 on any error (empty, junk, out of range, too many).
 */
unsigned int bench_parse_list(const char *s, unsigned int *v, unsigned int max, unsigned int lo,
                              unsigned int hi);

/* Parse a positive decimal frame count; false on junk, overflow or zero. */
bool bench_parse_count(const char *s, uint64_t *out);

/*
 * Run the manager on config 'cfg' with quiet output, writing everything it
 * and its NFs print to 'log' (truncated first), and fill *res. Warning and
 * error lines of the log are echoed to err afterwards (the whole log if the
 * run failed). With warmup > 0 the manager also snapshots its counters that
 * many seconds after the ports open (res->warm, res->lat_after_warm).
 * Signal mask and stdout/stderr are restored. Returns mgr_run's
 * exit code (0 ok, 3 accounting mismatch, else failure), or -1 if the log
 * could not be created.
 */
int bench_run_mgr(const char *cfg, const char *log, int poll, double warmup, FILE *err,
                  struct mgr_result *res);

/*
 * An unbuffered stream on a duplicate of the current stderr, for progress
 * lines while bench_run_mgr redirects fd 2. NULL with errno set on error.
 */
FILE *bench_err_open(void);

#endif
