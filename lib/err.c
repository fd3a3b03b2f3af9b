/* One line of error text into a caller's buffer (lib/err.h). */
#include <stdio.h>

#include "lib/err.h"

int tenet_verr(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (!err || !errlen)
		return -1;
	vsnprintf(err, errlen, fmt, ap);
	for (char *p = err; *p; p++) /* one line, whatever a quoted name holds */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

int tenet_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tenet_verr(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
