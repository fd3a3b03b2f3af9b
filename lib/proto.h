/*
 * Attach protocol between an NF and the manager, over the tenant's
 * control socket (AF_UNIX, SOCK_SEQPACKET: one message per record).
 *
 *   NF  -> mgr   struct tenet_hello                    (service name, version)
 *   mgr -> NF    struct tenet_welcome + fds on success (status 0):
 *                  fds[0] tenant pool memfd
 *                  fds[1] rings memfd: rx ring at 0, tx ring at tx_off
 *                  fds[2] rx kick socket: the NF's end of a socketpair the
 *                         manager writes a byte to when the NF sleeps on rx
 *                  fds[3] tx kick socket: the NF's end of a socketpair the
 *                         NF writes a byte to when the manager sleeps on tx
 *                or no fds and status -errno with a message
 *   then, either way: struct tenet_msg records (STOP from mgr, DETACH from NF).
 *
 * Kick sockets, not shared eventfds: an eventfd passed with SCM_RIGHTS is
 * the manager's own open file, so an NF could clear O_NONBLOCK on it or
 * saturate its counter and turn the manager's next write() into a call
 * that never returns. Each kick socket is two open files; the manager's
 * end never leaves the manager and it only ever uses send/recv with
 * MSG_DONTWAIT | MSG_NOSIGNAL, so nothing the NF does to its own end (flags,
 * a full buffer, garbage, shutdown, close) can block or signal the manager.
 *
 * Everything the NF needs to trust about its memory (pool geometry, ring
 * size, where the tx ring starts) is in the welcome: the pool header in
 * the memfd is written by the manager but writable by every NF of the
 * tenant, so neither side reads geometry from it.
 *
 * The manager reads every NF message into a fixed-size struct, checks the
 * exact length (a truncated or oversized record is refused), magic and
 * version before it looks at anything else; tenet_hello_parse() is that
 * check, a pure function so that it can be fuzzed.
 */
#ifndef TENET_PROTO_H
#define TENET_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define TENET_PROTO_MAGIC   0x544e4554u /* "TENT" */
#define TENET_PROTO_VERSION 2u          /* 2: kick sockets, geometry in the welcome */
#define TENET_NAME_MAX      32

enum { TENET_FD_POOL, TENET_FD_RINGS, TENET_FD_RX_EVENT, TENET_FD_TX_EVENT, TENET_FD_COUNT };

struct tenet_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t pid;
	uint32_t pad;
	char service[TENET_NAME_MAX]; /* service name within the tenant, NUL-terminated */
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
	/* pool geometry (the manager's private copy, never the in-pool header) */
	uint64_t pool_len;      /* bytes of the pool memfd to map */
	uint64_t pool_data_off; /* offset of buffer 0 */
	uint32_t pool_bufs;
	uint32_t pool_buf_size;
	uint32_t pool_headroom;
	uint32_t pool_hugetlb;
	char pool_name[TENET_NAME_MAX];
};

enum tenet_msg_type { TENET_MSG_STOP = 1, TENET_MSG_DETACH = 2 };

struct tenet_msg {
	uint32_t magic;
	uint32_t type;
};

/*
 * Check one hello record. 'len' is the record's real length (recv with
 * MSG_TRUNC), which may be larger than the bytes in buf; only
 * min(len, sizeof(struct tenet_hello)) bytes of buf are read. Accepted:
 * exactly sizeof(struct tenet_hello) bytes, the magic, this version, and
 * a service name that is non-empty, NUL-terminated and made of the
 * characters a config name may use. On success *out is the hello and 0 is
 * returned; otherwise -EPROTO with a one-line reason in why (always
 * NUL-terminated when why_len > 0) and *out unchanged.
 */
int tenet_hello_parse(const void *buf, size_t len, struct tenet_hello *out, char *why,
                      size_t why_len);

#endif
