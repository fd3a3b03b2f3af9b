/*
 * libFuzzer target for the manager's attach-hello check: the input is one
 * record as it arrives on a tenant's control socket. The first two bytes
 * pick the length the kernel reports for it (so truncated and oversized
 * records are exercised without megabyte inputs); the rest are the bytes.
 * Beyond "no crash, no over-read", it checks that an accepted hello is
 * exactly what the protocol allows and that a refusal always explains
 * itself on one printable line and leaves the output untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tenet_hello h, before;
	char why[200];
	size_t len;
	int rc;

	if (size < 2)
		return 0;
	/* reported length: the bytes given, or (top bit) a length of the fuzzer's choosing */
	len = data[0] & 0x80 ? ((size_t)(data[0] & 0x7f) << 8 | data[1]) * 3 : size - 2;
	data += 2;
	size -= 2;
	if (len > size && len <= sizeof(h))
		len = size; /* never claim more bytes than there are, below a full hello */
	memset(&h, 0xa5, sizeof(h));
	before = h;
	memset(why, 0x5a, sizeof(why));
	rc = tenet_hello_parse(data, len, &h, why, sizeof(why));
	if (rc == 0) {
		struct tenet_hello in;
		size_t n;

		CHECK(len == sizeof(h) && size >= sizeof(h));
		memcpy(&in, data, sizeof(in));
		CHECK(h.magic == TENET_PROTO_MAGIC && h.version == TENET_PROTO_VERSION);
		CHECK(h.pid == in.pid);
		n = strnlen(h.service, sizeof(h.service));
		CHECK(n > 0 && n < sizeof(h.service));
		CHECK(!memcmp(h.service, in.service, n));
		for (size_t i = n; i < sizeof(h.service); i++)
			CHECK(h.service[i] == 0);
		for (size_t i = 0; i < n; i++) {
			char c = h.service[i];

			CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
		}
	} else {
		size_t n = strnlen(why, sizeof(why));

		CHECK(rc == -EPROTO);
		CHECK(!memcmp(&h, &before, sizeof(h)));
		CHECK(n > 0 && n < sizeof(why));
		for (size_t i = 0; i < n; i++)
			CHECK(why[i] >= 0x20 && why[i] < 0x7f);
	}
	return 0;
}
