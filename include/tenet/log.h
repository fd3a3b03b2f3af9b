/*
 * Logging hook. The library never prints on its own: it hands each message
 * to a callback, which by default writes to stderr and can be replaced (or
 * set to NULL to silence the library), as libbpf does.
 */
#ifndef TENET_LOG_H
#define TENET_LOG_H

#include <stdarg.h>

enum tenet_log_level {
	TENET_LOG_ERR,
	TENET_LOG_WARN,
	TENET_LOG_INFO,
	TENET_LOG_DEBUG,
};

typedef void (*tenet_log_fn)(enum tenet_log_level level, const char *fmt, va_list ap);

/* Set the log callback; returns the previous one. NULL silences the library. */
tenet_log_fn tenet_set_log(tenet_log_fn fn);
/* Messages above this level are not passed to the callback (default INFO). */
void tenet_set_log_level(enum tenet_log_level level);

void tenet_log(enum tenet_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif /* TENET_LOG_H */
