/*
 * NIC payload scan: the offloadable subset of a pattern set.
 *
 * The NIC runs the matcher of bpf/scan_common.h, which takes literals only
 * (at most TENET_NICSCAN_MAX_PATTERNS of 1..TENET_NICSCAN_MAX_LEN bytes) and
 * payloads of at most TENET_NICSCAN_MAX_PAYLOAD bytes. This module compiles
 * a struct tenet_patterns into that form (struct tenet_nicscan_prog, also
 * the value of the XDP program's map) and runs the very same matcher in
 * user space for the NIC model. Verdicts and ids equal the host scanner's
 * (lib/scan.h) for every payload it accepts.
 */
#ifndef TENET_NICSCAN_H
#define TENET_NICSCAN_H

#include <stddef.h>

#include "bpf/scan_common.h"
#include "lib/scan.h"

struct tenet_nicscan;

/*
 * Compile p for the NIC. Fails with NULL and errno EINVAL when a pattern
 * is a regex, or E2BIG when there are more than TENET_NICSCAN_MAX_PATTERNS
 * patterns or a literal is longer than TENET_NICSCAN_MAX_LEN bytes; err
 * then names FILE:LINE of the first offending pattern and the limit.
 */
struct tenet_nicscan *tenet_nicscan_create(const struct tenet_patterns *p, char *err,
                                           size_t errlen);

/* Free a NIC scanner. NULL is a no-op. */
void tenet_nicscan_destroy(struct tenet_nicscan *ns);

/* The compiled set, to copy into the XDP program's map. */
const struct tenet_nicscan_prog *tenet_nicscan_prog(const struct tenet_nicscan *ns);

/*
 * Scan a payload and fill *res. Returns the verdict (>= 0), or -EMSGSIZE
 * when len > TENET_NICSCAN_MAX_PAYLOAD (the NIC cannot decide such a
 * packet: hand it to the host scan); *res is then PASS. Thread-safe: the
 * scanner is read only. data may be NULL when len is 0.
 */
int tenet_nicscan_scan(const struct tenet_nicscan *ns, const void *data, size_t len,
                       struct tenet_scan_result *res);

#endif /* TENET_NICSCAN_H */
