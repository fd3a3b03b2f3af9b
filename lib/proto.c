/*
 * The manager's check of an attach hello: bytes in, an accepted hello or a
 * reason out. No I/O and no state, so the fuzzer can drive it directly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/proto.h"

static int refuse(char *why, size_t why_len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EPROTO;
}

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

int tenet_hello_parse(const void *buf, size_t len, struct tenet_hello *out, char *why,
                      size_t why_len)
{
	struct tenet_hello h;
	size_t n;

	if (len != sizeof(h))
		return refuse(why, why_len, "malformed hello: %zu bytes, expected %zu", len,
		              sizeof(h));
	memcpy(&h, buf, sizeof(h));
	if (h.magic != TENET_PROTO_MAGIC)
		return refuse(why, why_len, "malformed hello: magic 0x%08x, expected 0x%08x",
		              h.magic, TENET_PROTO_MAGIC);
	if (h.version != TENET_PROTO_VERSION)
		return refuse(why, why_len, "protocol version %u, the manager speaks version %u",
		              h.version, TENET_PROTO_VERSION);
	n = strnlen(h.service, sizeof(h.service));
	if (n == sizeof(h.service))
		return refuse(why, why_len,
		              "malformed hello: service name not terminated within %zu bytes",
		              sizeof(h.service));
	if (n == 0)
		return refuse(why, why_len, "malformed hello: empty service name");
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)h.service[i]))
			return refuse(why, why_len,
			              "malformed hello: byte 0x%02x at %zu of the service name "
			              "(expected letters, digits, '-', '_' and '.')",
			              (unsigned char)h.service[i], i);
	/* bytes after the name's NUL are ignored: zero them so no copy carries them */
	memset(h.service + n, 0, sizeof(h.service) - n);
	*out = h;
	return 0;
}
