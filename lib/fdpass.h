/*
 * Passing file descriptors over UNIX sockets (SCM_RIGHTS), with a message.
 */
#ifndef TENET_FDPASS_H
#define TENET_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define TENET_FDPASS_MAX 16

/* Send len bytes of buf with nfds descriptors attached. Returns 0 or -errno. */
int tenet_fd_send(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds);

/*
 * Receive one message of at most len bytes and at most *nfds descriptors
 * (all received fds are close-on-exec). On return *nfds holds the count
 * received; descriptors beyond the caller's limit, or a truncated control
 * message, make the call fail with -EPROTO after closing every fd it got.
 * Returns the byte count (0 on EOF) or -errno.
 */
ssize_t tenet_fd_recv(int sock, void *buf, size_t len, int *fds, unsigned int *nfds);

#endif
