/*
 * libFuzzer target for the packet parser: any byte string is a frame.
 * Beyond "no crash, no over-read" (ASan/UBSan), it checks the result's
 * invariants: offsets ordered and inside the frame, no ports on a later
 * fragment, and a flow hash that is the same in both directions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tenet/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tenet_pkt_info pi, r;
	enum tenet_pkt_err e;
	uint8_t t[16];
	uint16_t p;

	if (size > UINT32_MAX)
		return 0;
	e = tenet_pkt_parse(data, (uint32_t)size, &pi);
	CHECK((unsigned int)e < TENET_PKT_ERR_MAX);
	CHECK(tenet_pkt_err_name(e) != NULL);
	CHECK(pi.nb_vlan <= 2);
	CHECK(pi.vlan <= 4095);
	if (e == TENET_PKT_NON_IP)
		CHECK(pi.ip_version == 0 && tenet_flow_hash(&pi) == 0);
	if (e == TENET_PKT_OK) {
		CHECK(pi.ip_version == 4 || pi.ip_version == 6);
		CHECK(pi.l2_off == 0 && pi.l3_off >= 14 && pi.l3_off <= 22);
		CHECK(pi.l3_off < pi.l4_off && pi.l4_off <= pi.payload_off);
		CHECK((size_t)pi.payload_off + pi.payload_len <= size);
		if ((pi.flags & (TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST)) == TENET_PKT_F_FRAG)
			CHECK(pi.sport == 0 && pi.dport == 0 && pi.payload_off == pi.l4_off);
		CHECK(!(pi.flags & TENET_PKT_F_FRAG_FIRST) || (pi.flags & TENET_PKT_F_FRAG));
		CHECK(!(pi.flags & TENET_PKT_F_IPOPT) || pi.ip_version == 4);
	}
	/* symmetry holds for whatever the parser filled in */
	r = pi;
	memcpy(t, r.src, 16);
	memcpy(r.src, r.dst, 16);
	memcpy(r.dst, t, 16);
	p = r.sport;
	r.sport = r.dport;
	r.dport = p;
	CHECK(tenet_flow_hash(&r) == tenet_flow_hash(&pi));
	return 0;
}
