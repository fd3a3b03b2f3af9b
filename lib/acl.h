/*
 * ACL rule files: the text format of the acl NF, parsed into a classifier
 * table (lib/classify.h) so that first-match lookups stay fast with many
 * rules.
 *
 * One rule per line; '#' starts a comment; blank lines are ignored:
 *
 *     ACTION [src CIDR] [dst CIDR] [proto P] [sport PORTS] [dport PORTS]
 *
 * ACTION is allow or drop. CIDR is an IPv4 or IPv6 address with an
 * optional /LEN (a bare address is a host route; bits beyond the prefix
 * are cleared). src and dst, when both are given, are of one family. P is
 * tcp, udp, icmp (1), icmp6 (58) or a number 0..255. PORTS is N or LO-HI
 * (inclusive); a rule with ports matches only TCP/UDP packets that carry
 * ports, so ports with another proto are an error. Fields may come in any
 * order, each at most once. The first rule that matches wins.
 *
 * In the table, rule i of the file has id and priority = its line number
 * (1-based), so lookups return the first matching line as act->rule_id,
 * and its action in act->chain (TENET_ACL_ALLOW or TENET_ACL_DROP). The
 * table has no default action: a lookup that returns false matched no
 * rule, and the caller applies its own default.
 */
#ifndef TENET_ACL_H
#define TENET_ACL_H

#include <stddef.h>

#include "lib/classify.h"
#include "tenet/acl.h" /* TENET_ACL_ALLOW, TENET_ACL_DROP; the NF-facing verbs */

/*
 * Parse len bytes of text (need not be NUL-terminated); name is the file
 * name used in messages. On success *out is a new table that the caller
 * destroys with tenet_classifier_destroy(), and 0 is returned. On error
 * *out is unchanged, err holds one line "NAME:LINE:COL: what was wrong;
 * expected what would be right", and -EINVAL (bad text) or -ENOMEM is
 * returned.
 */
int tenet_acl_parse(const char *text, size_t len, const char *name, struct tenet_classifier **out,
                    char *err, size_t errlen);

/*
 * Read a rules file and parse it as tenet_acl_parse does. The file must be
 * a regular file of at most TENET_FILE_MAX bytes (lib/file.h: a FIFO or a
 * device is refused without blocking); otherwise err holds one line
 * "PATH: what is wrong; expected ..." and -errno is returned.
 */
int tenet_acl_load(const char *path, struct tenet_classifier **out, char *err, size_t errlen);

/*
 * Write rule r back as one line of the format above, in canonical form
 * (fields in the order src dst proto sport dport, protocol names where
 * there is one). Returns what snprintf returns.
 */
int tenet_acl_format(const struct tenet_rule *r, char *buf, size_t len);

#endif /* TENET_ACL_H */
