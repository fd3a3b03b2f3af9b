/*
 * Payload scan: pattern files and the host scanner (Hyperscan).
 *
 * A pattern file holds one pattern per line; blank lines and lines whose
 * first non-blank character is '#' are ignored:
 *
 *     ACTION KIND PATTERN
 *
 * ACTION is drop or tag, KIND is literal or regex, and PATTERN is the rest
 * of the line after the one space or tab that follows KIND (kept verbatim,
 * trailing blanks included; a CR before the newline is dropped). Blanks
 * may precede ACTION and separate ACTION from KIND. Literals are raw bytes
 * with two escapes, \xNN (two hex digits) and \\. Regexes are PCRE syntax as
 * Hyperscan accepts it, written bare or as /EXPR/FLAGS with flags i
 * (caseless), s (dot matches newline) and m (multi-line anchors). A
 * pattern's id is its position in the file, 0-based.
 *
 * Decision rule, the same on the host and on the NIC (bpf/scan_common.h):
 * drop if any drop pattern matches, reporting the lowest matching drop id;
 * else tag with the lowest matching tag id; else pass.
 *
 * The scanner compiles all patterns into one Hyperscan block-mode database.
 * It is immutable once created and may be shared by threads; each thread
 * scans with its own context (struct tenet_scan_ctx, cloned scratch space).
 */
#ifndef TENET_SCAN_H
#define TENET_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/scan_common.h" /* enum tenet_scan_verdict, struct tenet_scan_result */

enum tenet_scan_action {
	TENET_SCAN_ACT_DROP,
	TENET_SCAN_ACT_TAG,
};

enum tenet_pattern_kind {
	TENET_PAT_LITERAL,
	TENET_PAT_REGEX,
};

/* Regex flags (from /.../FLAGS). */
#define TENET_PAT_F_CASELESS  0x1 /* i */
#define TENET_PAT_F_DOTALL    0x2 /* s */
#define TENET_PAT_F_MULTILINE 0x4 /* m */

/* One pattern. Read-only for users; owned by its struct tenet_patterns. */
struct tenet_pattern {
	unsigned int id;   /* position in the file, 0-based */
	unsigned int line; /* 1-based line in the source, for messages */
	enum tenet_scan_action action;
	enum tenet_pattern_kind kind;
	uint8_t *bytes;     /* literal: the bytes after unescaping */
	size_t len;         /* literal: number of bytes (>= 1) */
	char *expr;         /* regex: the expression, NUL-terminated */
	unsigned int flags; /* regex: TENET_PAT_F_* */
	char *text;         /* PATTERN as written, NUL-terminated */
};

struct tenet_patterns {
	char *name; /* file name, or the name given to _parse */
	unsigned int count;
	struct tenet_pattern *pat; /* pat[i].id == i */
};

/*
 * Read and parse a pattern file. On error NULL is returned, errno is set
 * (EINVAL for a syntax error, or the error of open/read, or ENOMEM) and,
 * when err is not NULL, err holds "FILE:LINE: what was expected".
 */
struct tenet_patterns *tenet_patterns_load(const char *path, char *err, size_t errlen);

/* Parse len bytes of text; name (may be NULL) is used in messages. As _load. */
struct tenet_patterns *tenet_patterns_parse(const char *text, size_t len, const char *name,
                                            char *err, size_t errlen);

/* Free a pattern set. NULL is a no-op. */
void tenet_patterns_free(struct tenet_patterns *p);

const char *tenet_scan_action_name(enum tenet_scan_action a);   /* "drop", "tag" */
const char *tenet_pattern_kind_name(enum tenet_pattern_kind k); /* "literal", "regex" */
const char *tenet_scan_verdict_name(enum tenet_scan_verdict v); /* "pass", "tag", "drop" */

struct tenet_scanner;
struct tenet_scan_ctx;

/*
 * Compile a pattern set for the host. The scanner keeps what it needs and
 * does not refer to p afterwards. On error NULL is returned with errno set
 * (EINVAL when Hyperscan refuses a pattern, ENOMEM) and err holds
 * "FILE:LINE: regex 'EXPR': Hyperscan's message". An empty set is valid
 * and passes everything.
 */
struct tenet_scanner *tenet_scanner_create(const struct tenet_patterns *p, char *err,
                                           size_t errlen);

/* Free a scanner (after all its contexts). NULL is a no-op. */
void tenet_scanner_destroy(struct tenet_scanner *s);

/*
 * Per-thread scan context (Hyperscan scratch cloned from the scanner's).
 * Create one per thread that scans; any thread may create one. Returns
 * NULL with errno set (ENOMEM) on error.
 */
struct tenet_scan_ctx *tenet_scan_ctx_create(const struct tenet_scanner *s);
void tenet_scan_ctx_destroy(struct tenet_scan_ctx *ctx);

/*
 * Scan a payload and fill *res. Returns the verdict (>= 0), or -EMSGSIZE
 * (len does not fit Hyperscan's unsigned int), -EBUSY (ctx in use by
 * another thread) or -EINVAL (ctx from another scanner); *res is then PASS.
 * data may be NULL when len is 0.
 */
int tenet_scan(const struct tenet_scanner *s, struct tenet_scan_ctx *ctx, const void *data,
               size_t len, struct tenet_scan_result *res);

#endif /* TENET_SCAN_H */
