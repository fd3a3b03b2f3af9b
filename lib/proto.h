/*
 * Attach protocol between an NF and the manager, over the tenant's
 * control socket (AF_UNIX, SOCK_SEQPACKET: one message per record).
 *
 *   NF  -> mgr   struct tenet_hello                    (service name, version)
 *   mgr -> NF    struct tenet_welcome + fds on success (status 0):
 *                  fds[0] tenant pool memfd
 *                  fds[1] rings memfd: rx ring at 0, tx ring at tx_off
 *                  fds[2] rx eventfd (mgr kicks the NF)
 *                  fds[3] tx eventfd (NF kicks the mgr)
 *                or no fds and status -errno with a message
 *   then, either way: struct tenet_msg records (STOP from mgr, DETACH from NF).
 *
 * The manager reads every NF message into a fixed-size struct, checks the
 * length, magic and version before it looks at anything else.
 */
#ifndef TENET_PROTO_H
#define TENET_PROTO_H

#include <stdint.h>

#define TENET_PROTO_MAGIC   0x544e4554u /* "TENT" */
#define TENET_PROTO_VERSION 1u
#define TENET_NAME_MAX      32

enum { TENET_FD_POOL, TENET_FD_RINGS, TENET_FD_RX_EVENT, TENET_FD_TX_EVENT, TENET_FD_COUNT };

struct tenet_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t pid;
	uint32_t pad;
	char service[TENET_NAME_MAX]; /* service name within the tenant */
};

#define TENET_WELCOME_F_POLL 0x1u /* manager runs in pure polling mode */

struct tenet_welcome {
	uint32_t magic;
	uint32_t version;
	int32_t status; /* 0, or -errno with msg */
	uint32_t flags; /* TENET_WELCOME_F_* */
	char msg[160];
	char tenant[TENET_NAME_MAX];
	char service[TENET_NAME_MAX];
	uint16_t nf_id;
	uint16_t instance;
	uint32_t ring_size;
	uint64_t rings_len; /* bytes of the rings memfd */
	uint64_t tx_off;    /* offset of the tx ring in it */
};

enum tenet_msg_type { TENET_MSG_STOP = 1, TENET_MSG_DETACH = 2 };

struct tenet_msg {
	uint32_t magic;
	uint32_t type;
};

#endif
