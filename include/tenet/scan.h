/*
 * Payload scan helper for NFs: load a pattern file and scan payloads
 * against it with Hyperscan, in time that does not grow with the pattern
 * count. The file holds one "ACTION KIND PATTERN" per line (drop|tag,
 * literal|regex; format in examples/patterns.txt and docs/nf-guide.md).
 *
 * Decision rule, the same as the NIC's matcher (on: nic): drop if any drop
 * pattern matches, naming the lowest matching drop pattern; else tag with
 * the lowest matching tag pattern; else pass. Patterns are numbered by
 * their position in the file, from 0.
 *
 * A struct tenet_scanset holds Hyperscan scratch space: one thread scans
 * with it at a time. An NF that scans on several threads opens one per
 * thread.
 */
#ifndef TENET_SCAN_PUBLIC_H
#define TENET_SCAN_PUBLIC_H

#include <stddef.h>

/* What a scan decides for one payload. */
enum tenet_scan_verdict {
	TENET_SCAN_PASS = 0,
	TENET_SCAN_TAG = 1,
	TENET_SCAN_DROP = 2,
};

struct tenet_scanset;

/*
 * Read a pattern file and compile it. Returns a new set that the caller
 * frees with tenet_scanset_close. On error returns NULL with errno set
 * (EINVAL for a bad line or a regex Hyperscan refuses, the error of
 * open/read, ENOMEM) and one line "PATH:LINE: what was wrong" in err.
 * A file without patterns is valid and passes everything.
 */
struct tenet_scanset *tenet_scanset_open(const char *path, char *err, size_t errlen);
/* Free a set. NULL: no-op. */
void tenet_scanset_close(struct tenet_scanset *ss);

/*
 * Scan len bytes at data (NULL when len is 0). Returns the verdict
 * (TENET_SCAN_PASS, _TAG or _DROP), and for TAG and DROP writes the
 * deciding pattern's number into *id when id is not NULL. Returns
 * -EMSGSIZE when len exceeds 4 GiB - 1, -EBUSY when another thread is
 * scanning with ss, -EINVAL when Hyperscan fails otherwise; *id is then
 * unchanged.
 */
int tenet_scanset_match(struct tenet_scanset *ss, const void *data, size_t len, unsigned int *id);

/* Number of patterns. */
unsigned int tenet_scanset_nb_patterns(const struct tenet_scanset *ss);
/* The file name the set was opened with. */
const char *tenet_scanset_name(const struct tenet_scanset *ss);
/*
 * Pattern i (0-based): returns its line number in the file and writes
 * "ACTION KIND PATTERN" (PATTERN as written) into buf (as snprintf:
 * truncated to len). Returns 0 when i is out of range (buf unchanged).
 */
unsigned int tenet_scanset_pattern(const struct tenet_scanset *ss, unsigned int i, char *buf,
                                   size_t len);

#endif
