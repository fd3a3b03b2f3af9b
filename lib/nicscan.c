/*
 * NIC payload scan: compile a literal-only pattern set into the fixed-size
 * form the NIC matcher reads (struct tenet_nicscan_prog), refuse what the
 * NIC cannot run with a message that names the pattern's line, and run the
 * shared matcher of bpf/scan_common.h on payloads in user space.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/nicscan.h"

struct tenet_nicscan {
	struct tenet_nicscan_prog prog;
};

static int check(const struct tenet_patterns *p, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < p->count; i++) {
		const struct tenet_pattern *pat = &p->pat[i];

		if (pat->kind != TENET_PAT_LITERAL) {
			tenet_err(err, errlen,
			          "%s:%u: regex '%s' cannot be offloaded to the NIC: it runs "
			          "literals "
			          "only (scan on the host instead)",
			          p->name, pat->line, pat->text);
			return -EINVAL;
		}
		if (pat->len < 1 || pat->len > TENET_NICSCAN_MAX_LEN) {
			tenet_err(err, errlen,
			          "%s:%u: literal '%s' is %zu bytes: the NIC takes 1..%d bytes per "
			          "literal",
			          p->name, pat->line, pat->text, pat->len, TENET_NICSCAN_MAX_LEN);
			return -E2BIG;
		}
		if (i == TENET_NICSCAN_MAX_PATTERNS) {
			tenet_err(err, errlen,
			          "%s:%u: pattern %u is one too many: the NIC takes at most %d "
			          "patterns",
			          p->name, pat->line, i, TENET_NICSCAN_MAX_PATTERNS);
			return -E2BIG;
		}
	}
	return 0;
}

struct tenet_nicscan *tenet_nicscan_create(const struct tenet_patterns *p, char *err, size_t errlen)
{
	struct tenet_nicscan *ns;
	unsigned int i;
	int rc;

	rc = check(p, err, errlen);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns) {
		tenet_err(err, errlen, "%s: out of memory", p->name);
		errno = ENOMEM;
		return NULL;
	}
	ns->prog.nb = p->count;
	for (i = 0; i < p->count; i++) {
		const struct tenet_pattern *pat = &p->pat[i];
		struct tenet_nicscan_pat *np = &ns->prog.pat[i];
		__u8 bytes[TENET_NICSCAN_MAX_LEN] = {0};
		__u8 mask[TENET_NICSCAN_MAX_LEN] = {0};

		memcpy(bytes, pat->bytes, pat->len);
		memset(mask, 0xff, pat->len);
		memcpy(np->word, bytes, sizeof(bytes));
		memcpy(np->mask, mask, sizeof(mask));
		np->len = (__u32)pat->len;
		if (pat->action == TENET_SCAN_ACT_DROP)
			ns->prog.drop_mask |= 1u << i;
	}
	return ns;
}

void tenet_nicscan_destroy(struct tenet_nicscan *ns)
{
	free(ns);
}

const struct tenet_nicscan_prog *tenet_nicscan_prog(const struct tenet_nicscan *ns)
{
	return &ns->prog;
}

int tenet_nicscan_scan(const struct tenet_nicscan *ns, const void *data, size_t len,
                       struct tenet_scan_result *res)
{
	static const __u8 empty[1];
	const __u8 *d = data ? data : empty;

	res->verdict = TENET_SCAN_PASS;
	res->id = -1;
	if (len > TENET_NICSCAN_MAX_PAYLOAD)
		return -EMSGSIZE;
	return tenet_nicscan_match(&ns->prog, d, d + len, res);
}
