/*
 * Library logging: one pluggable callback, stderr by default, so that the
 * manager can route messages into its own log and tests can silence them.
 *
 * The default callback writes each message as one line of printable ASCII:
 * every other byte (a newline, an escape sequence, a bidi override, invalid
 * UTF-8) becomes \xNN. Messages quote what NFs and clients sent (a service
 * name from a hello, a request), and none of that may forge a log line or
 * reach the operator's terminal raw.
 */
#include <stdio.h>

#include "tenet/log.h"

#define LOG_LINE_MAX 1024

static void log_stderr(enum tenet_log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {"error", "warning", "info", "debug"};
	char msg[LOG_LINE_MAX], line[4 * LOG_LINE_MAX + 64];
	size_t o = 0;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		return;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f) {
			line[o++] = (char)*p;
		} else {
			snprintf(line + o, 5, "\\x%02x", *p);
			o += 4;
		}
	}
	line[o] = '\0';
	fprintf(stderr, "tenet: %s: %s%s\n", tag[level], line,
	        (size_t)n >= sizeof(msg) ? "..." : "");
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
