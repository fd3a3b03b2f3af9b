/*
 * The `tenet ctl` request parser, apart from the manager so that it can be
 * tested and fuzzed without one. A request is one line of printable ASCII
 * ending in a newline; the parser splits it into a command and its
 * argument, reads numbers strictly and checks that a YAML argument is one
 * document. It never echoes a byte it was given without escaping it.
 */
#ifndef TENET_MGR_CTL_REQ_H
#define TENET_MGR_CTL_REQ_H

#include <stddef.h>
#include <stdint.h>

#define CTL_REQ_MAX 8192 /* bytes of one request, newline included */

enum ctl_cmd {
	CTL_TENANTS,
	CTL_NFS,
	CTL_CHAINS,
	CTL_RULES,
	CTL_STATS,
	CTL_RULE_ADD,  /* arg: a YAML mapping */
	CTL_RULE_DEL,  /* num: rule id */
	CTL_CHAIN_ADD, /* arg: a YAML mapping */
	CTL_CHAIN_DEL, /* arg: chain name */
	CTL_NF_STOP,   /* num: NF id */
	CTL_TAP,       /* arg: chain name, hop: CTL_TAP_*, num: packets (0: until stopped) */
};

/* Where 'tap CHAIN[:HOP]' taps (ctl_req.hop): a hop number 1..CTL_TAP_HOP_MAX, or: */
#define CTL_TAP_DEFAULT 0      /* no HOP given */
#define CTL_TAP_OUT     0xffff /* HOP 'out' */
#define CTL_TAP_HOP_MAX 255    /* the manager checks the number against the chain */

struct ctl_req {
	enum ctl_cmd cmd;
	const char *arg; /* points into the request; NUL-terminated there */
	size_t arg_len;
	uint64_t num;
	unsigned int hop; /* tap: CTL_TAP_DEFAULT, 1..CTL_TAP_HOP_MAX or CTL_TAP_OUT */
};

/*
 * Parse one request of len bytes, the last of which must be the newline
 * (a request of exactly one line, nothing after it). The parser writes a
 * NUL over the newline (and over a "\r" before it), so req->arg is a C
 * string inside buf. 'tap CHAIN[:HOP] [count N]' gives the chain name in
 * arg (NUL-terminated at the ':' or space after it), the hop in hop and
 * N in num (0 without 'count'). nf_max bounds the NF ids of 'nf stop'. Returns 0, or
 * -1 with one line "WHAT; expected ..." in err, in which every byte that
 * came from the request is escaped (printable ASCII only).
 */
int ctl_req_parse(char *buf, size_t len, unsigned int nf_max, struct ctl_req *req, char *err,
                  size_t errlen);

/*
 * Read s as a decimal number in [min, max]: digits only (no sign, space,
 * base prefix or suffix), at most 20 of them, no overflow. 0 or -1.
 */
int ctl_req_number(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Escape n bytes of src into dst (room for dstlen bytes, NUL included):
 * printable ASCII other than backslash is kept, every other byte becomes
 * \xNN. The output is cut (never mid-escape) when dst is too small.
 * Returns the length written.
 */
size_t ctl_req_escape(char *dst, size_t dstlen, const char *src, size_t n);

/*
 * 0 when text holds at most one YAML document (or is not valid YAML: the
 * config parser reports that), -1 with err set when it holds two or more.
 */
int ctl_req_one_document(const char *text, size_t len, char *err, size_t errlen);

#endif
