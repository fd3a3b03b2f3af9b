/*
 * libFuzzer target for `tenet ctl` requests (mgr/ctl_req.c), the way the
 * manager reads them: any byte string is what one connection sent. A
 * request that parses names a known command, its argument lies inside the
 * request and is printable ASCII, numbers are in range and written back
 * the same, and a YAML argument goes on to the config parser (a rule or
 * a chain against a fixed base config). A refused request gets one line
 * of printable ASCII saying what was expected. Escaping is checked both
 * ways: the output is printable and reads back to the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr/config.h"
#include "mgr/ctl_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define ERR_LEN 512 /* what mgr/ctl.c passes */
#define NF_MAX  64

static const char base_text[] = "ports:\n"
                                "  - name: gen0\n"
                                "    driver: gen\n"
                                "    flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16}]\n"
                                "  - {name: sink0, driver: sink}\n"
                                "tenants: [{name: alice}, {name: bob}]\n"
                                "services:\n"
                                "  - {name: fwd, tenant: alice}\n"
                                "  - {name: mon, tenant: bob}\n"
                                "chains:\n"
                                "  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd],\n"
                                "     output: sink0}\n"
                                "  - {name: b, hops: [bob/mon, alice/fwd]}\n";

static struct tenet_config *base;

static void check_printable(const char *s)
{
	for (; *s; s++)
		CHECK(*s >= 0x20 && *s < 0x7f);
}

static size_t unescape(char *dst, const char *s)
{
	size_t o = 0;

	while (*s) {
		if (*s == '\\') {
			unsigned int v;

			CHECK(s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1);
			dst[o++] = (char)v;
			s += 4;
		} else {
			CHECK(*s != '\\');
			dst[o++] = *s++;
		}
	}
	return o;
}

static void check_escape(const uint8_t *data, size_t size)
{
	char esc[4 * 256 + 1], back[256];
	size_t n = size < 256 ? size : 256, e, b;

	e = ctl_req_escape(esc, sizeof(esc), (const char *)data, n);
	CHECK(e == strlen(esc));
	check_printable(esc);
	b = unescape(back, esc);
	CHECK(b == n && !memcmp(back, data, n));
	/* a short buffer cuts at an escape boundary: still printable, still a prefix */
	e = ctl_req_escape(esc, 7, (const char *)data, n);
	CHECK(e < 7 && e == strlen(esc));
	b = unescape(back, esc);
	CHECK(b <= n && !memcmp(back, data, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_LEN], *buf;
	struct ctl_req req;
	int rc;

	if (!base) {
		base = tenet_config_parse(base_text, sizeof(base_text) - 1, "base.yaml", err,
		                          sizeof(err));
		CHECK(base);
	}
	check_escape(data, size);
	if (size > CTL_REQ_MAX)
		return 0; /* the manager never passes more */
	buf = malloc(size + 1);
	CHECK(buf);
	if (size)
		memcpy(buf, data, size);
	rc = ctl_req_parse(buf, size, NF_MAX, &req, err, sizeof(err));
	if (rc < 0) {
		CHECK(rc == -1 && err[0]);
		check_printable(err);
		CHECK(strstr(err, "expected") != NULL);
		free(buf);
		return 0;
	}
	CHECK(rc == 0 && size && data[size - 1] == '\n');
	CHECK(req.arg >= buf && req.arg + req.arg_len < buf + size + 1);
	CHECK(strlen(req.arg) == req.arg_len);
	check_printable(req.arg);
	switch (req.cmd) {
	case CTL_TENANTS:
	case CTL_NFS:
	case CTL_CHAINS:
	case CTL_RULES:
	case CTL_STATS:
		CHECK(req.arg_len == 0);
		break;
	case CTL_RULE_DEL:
	case CTL_NF_STOP: {
		CHECK(req.cmd == CTL_RULE_DEL ? req.num <= UINT32_MAX
		                              : req.num >= 1 && req.num <= NF_MAX);
		CHECK(req.arg_len <= 20 && strspn(req.arg, "0123456789") == req.arg_len);
		CHECK(strtoull(req.arg, NULL, 10) == req.num);
		break;
	}
	case CTL_CHAIN_DEL:
		CHECK(req.arg_len > 0);
		break;
	case CTL_TAP:
		/* a name as the config allows them; a hop and a count in range */
		CHECK(req.arg_len > 0 && req.arg_len < CFG_NAME_MAX);
		CHECK(strspn(req.arg,
		             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
		      req.arg_len);
		CHECK(req.hop == CTL_TAP_DEFAULT || req.hop == CTL_TAP_OUT ||
		      (req.hop >= 1 && req.hop <= CTL_TAP_HOP_MAX));
		CHECK(req.num <= UINT32_MAX);
		break;
	case CTL_RULE_ADD: {
		struct cfg_rule r;

		if (tenet_config_parse_rule(base, req.arg, req.arg_len, &r, err, sizeof(err)) == 0)
			CHECK(r.chain >= 0 && (unsigned int)r.chain < base->nb_chains);
		break;
	}
	case CTL_CHAIN_ADD: {
		int idx = tenet_config_parse_chain(base, req.arg, req.arg_len, err, sizeof(err));

		CHECK(idx == -1 || (unsigned int)idx == base->nb_chains); /* never committed */
		break;
	}
	default:
		CHECK(0);
	}
	free(buf);
	return 0;
}
