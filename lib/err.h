/*
 * The one error convention of the library, the manager and the port
 * drivers: a function that can fail takes (char *err, size_t errlen) and
 * on failure writes one line saying what went wrong there, with
 * tenet_err. Positioned config messages ("FILE:LINE:COL: ...; expected
 * ...") go through lib/cfgread.h instead, which builds on the same idea.
 */
#ifndef TENET_LIB_ERR_H
#define TENET_LIB_ERR_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format a message into err (errlen bytes, cut short if need be) as one
 * line: control bytes become '?'. err NULL or errlen 0: nothing is
 * written. Returns -1, so that `return tenet_err(...)` reads as a failure.
 */
int tenet_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tenet_verr(char *err, size_t errlen, const char *fmt, va_list ap);

#endif /* TENET_LIB_ERR_H */
