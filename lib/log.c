/*
 * Library logging: one pluggable callback, stderr by default, so that the
 * manager can route messages into its own log and tests can silence them.
 */
#include <stdio.h>

#include "tenet/log.h"

static void log_stderr(enum tenet_log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {"error", "warning", "info", "debug"};

	fprintf(stderr, "tenet: %s: ", tag[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static tenet_log_fn log_fn = log_stderr;
static enum tenet_log_level log_max = TENET_LOG_INFO;

tenet_log_fn tenet_set_log(tenet_log_fn fn)
{
	tenet_log_fn old = log_fn;

	log_fn = fn;
	return old;
}

void tenet_set_log_level(enum tenet_log_level level)
{
	log_max = level;
}

void tenet_log(enum tenet_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_fn || level > log_max)
		return;
	va_start(ap, fmt);
	log_fn(level, fmt, ap);
	va_end(ap);
}
