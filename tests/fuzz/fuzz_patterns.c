/*
 * libFuzzer target for pattern files (lib/scan.c) and the NIC scanner
 * (lib/nicscan.c). The input is PATTERN-TEXT [NUL PAYLOAD]: the text (at
 * most MAX_TEXT bytes, so that Hyperscan compiles stay quick) is parsed;
 * the payload is what gets scanned, the text itself when there is no NUL.
 * A parsed set that the NIC takes must compile for the NIC; when the host
 * scanner (Hyperscan) and the NIC scanner can both be built, their
 * verdicts and ids on the payload must be equal, and equal to a plain
 * memmem() reference of the decision rule. Regex sets go to Hyperscan
 * only without bounded repeats ('{'), which can take seconds to compile.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nicscan.h"
#include "lib/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define MAX_TEXT     256
#define MAX_PATTERNS TENET_NICSCAN_MAX_PATTERNS /* more only tests Hyperscan */
#define ERR_LEN      512

/* The decision rule of lib/scan.h over literals, the slow obvious way. */
static void reference(const struct tenet_patterns *p, const uint8_t *d, size_t n,
                      struct tenet_scan_result *res)
{
	int drop = -1, tag = -1;

	for (unsigned int i = 0; i < p->count; i++) {
		const struct tenet_pattern *pat = &p->pat[i];

		if (!memmem(d, n, pat->bytes, pat->len))
			continue;
		if (pat->action == TENET_SCAN_ACT_DROP && drop < 0)
			drop = (int)i;
		if (pat->action == TENET_SCAN_ACT_TAG && tag < 0)
			tag = (int)i;
	}
	res->verdict = drop >= 0 ? TENET_SCAN_DROP : tag >= 0 ? TENET_SCAN_TAG : TENET_SCAN_PASS;
	res->id = drop >= 0 ? drop : tag;
}

static unsigned int count_lines(const char *t, size_t n)
{
	unsigned int lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += t[i] == '\n';
	return lines + (n && t[n - 1] != '\n');
}

/* "p.txt:LINE: ..." or "p.txt:LINE:COL: ...", LINE a line of the text. */
static void check_err(const char *err, unsigned int lines)
{
	unsigned long line;
	char *end;

	CHECK(strncmp(err, "p.txt:", 6) == 0);
	line = strtoul(err + 6, &end, 10);
	CHECK(end > err + 6 && *end == ':');
	CHECK(line >= 1 && line <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	const uint8_t *payload = nul ? nul + 1 : data;
	size_t plen = nul ? size - tlen - 1 : size;
	struct tenet_scan_result ref, nic, host;
	struct tenet_patterns *p;
	struct tenet_nicscan *ns;
	struct tenet_scanner *s = NULL;
	char err[ERR_LEN];
	unsigned int lines, prev = 0;
	bool literals = true, nic_ok, slow = false;
	int v;

	if (tlen > MAX_TEXT)
		tlen = MAX_TEXT;
	if (!nul)
		plen = tlen;
	lines = count_lines(text, tlen);

	err[0] = '\0';
	p = tenet_patterns_parse(text, tlen, "p.txt", err, sizeof(err));
	if (!p) {
		CHECK(errno == EINVAL);
		check_err(err, lines);
		return 0;
	}
	CHECK(p->count <= lines && (p->count == 0 || p->pat));
	for (unsigned int i = 0; i < p->count; i++) {
		const struct tenet_pattern *pat = &p->pat[i];

		CHECK(pat->id == i && pat->line > prev && pat->line <= lines);
		prev = pat->line;
		CHECK(pat->text && pat->text[0]);
		if (pat->kind == TENET_PAT_LITERAL) {
			CHECK(pat->bytes && pat->len >= 1 && pat->len <= strlen(pat->text));
			literals &= pat->len <= TENET_NICSCAN_MAX_LEN;
		} else {
			CHECK(pat->kind == TENET_PAT_REGEX && pat->expr && pat->expr[0]);
			CHECK(!(pat->flags &
			        ~(unsigned int)(TENET_PAT_F_CASELESS | TENET_PAT_F_DOTALL |
			                        TENET_PAT_F_MULTILINE)));
			literals = false;
			slow |= strchr(pat->expr, '{') != NULL;
		}
	}

	/* the NIC takes up to 16 literals of 1..32 bytes, and nothing else */
	nic_ok = literals && p->count <= TENET_NICSCAN_MAX_PATTERNS;
	ns = tenet_nicscan_create(p, err, sizeof(err));
	CHECK(!ns == !nic_ok);
	if (!ns) {
		CHECK(errno == EINVAL || errno == E2BIG);
		check_err(err, lines);
	}

	if (p->count <= MAX_PATTERNS && !slow) {
		s = tenet_scanner_create(p, err, sizeof(err));
		/* Hyperscan may refuse a regex; a literal set it must take */
		CHECK(s || !literals);
		if (!s)
			CHECK(errno == EINVAL || errno == ENOMEM);
	}
	if (s) {
		struct tenet_scan_ctx *ctx = tenet_scan_ctx_create(s);

		CHECK(ctx);
		v = tenet_scan(s, ctx, payload, plen, &host);
		CHECK(v == (int)host.verdict);
		if (host.verdict == TENET_SCAN_PASS)
			CHECK(host.id == -1);
		else
			CHECK(host.id >= 0 && (unsigned int)host.id < p->count &&
			      p->pat[host.id].action == (host.verdict == TENET_SCAN_DROP
			                                         ? TENET_SCAN_ACT_DROP
			                                         : TENET_SCAN_ACT_TAG));
		if (literals) {
			reference(p, payload, plen, &ref);
			CHECK(host.verdict == ref.verdict && host.id == ref.id);
		}
		tenet_scan_ctx_destroy(ctx);
	}
	if (ns) {
		v = tenet_nicscan_scan(ns, payload, plen, &nic);
		if (plen > TENET_NICSCAN_MAX_PAYLOAD) {
			CHECK(v == -EMSGSIZE && nic.verdict == TENET_SCAN_PASS && nic.id == -1);
		} else {
			CHECK(v == (int)nic.verdict);
			reference(p, payload, plen, &ref);
			CHECK(nic.verdict == ref.verdict && nic.id == ref.id);
			if (s)
				CHECK(nic.verdict == host.verdict && nic.id == host.id);
		}
	}
	tenet_scanner_destroy(s);
	tenet_nicscan_destroy(ns);
	tenet_patterns_free(p);
	return 0;
}
