/*
 * ACL helper for NFs: load a rules file (the format is described in
 * docs/nf-guide.md and lib/acl.h: one "allow|drop [src CIDR] [dst CIDR]
 * [proto P] [sport PORTS] [dport PORTS]" per line) and find the first
 * rule that matches a packet, in time that does not grow with the rule
 * count (a tuple-space classifier underneath).
 */
#ifndef TENET_ACL_PUBLIC_H
#define TENET_ACL_PUBLIC_H

#include <stddef.h>

#include "tenet/pkt.h"

#define TENET_ACL_ALLOW 0
#define TENET_ACL_DROP  1

struct tenet_acl;

/*
 * Read and parse a rules file. Returns a new table that the caller frees
 * with tenet_acl_close. On error returns NULL with errno set and one line
 * "PATH:LINE:COL: what was wrong; expected ..." in err.
 */
struct tenet_acl *tenet_acl_open(const char *path, char *err, size_t errlen);
/* Free a table. NULL: no-op. */
void tenet_acl_close(struct tenet_acl *acl);

/*
 * The first rule (in file order) that matches the packet pi arrived on
 * in_port: returns its line number (> 0) and writes its action
 * (TENET_ACL_ALLOW or TENET_ACL_DROP) into *action. Returns 0 when no
 * rule matched (*action unchanged): the caller applies its default.
 */
unsigned int tenet_acl_match(const struct tenet_acl *acl, const struct tenet_pkt_info *pi,
                             unsigned int in_port, int *action);

/* Number of rules. */
unsigned int tenet_acl_nb_rules(const struct tenet_acl *acl);
/*
 * Rule i (0-based, in file order): returns its line number and writes the
 * rule in canonical form into buf (as snprintf: truncated to len). Returns
 * 0 when i is out of range (buf unchanged).
 */
unsigned int tenet_acl_rule(const struct tenet_acl *acl, unsigned int i, char *buf, size_t len);

#endif
