/*
 * attach_client: exercises the attach protocol for tests/sys/test_attach.sh.
 *
 *   attach_client SOCKET SERVICE            attach with libtenet, print "ok TENANT/SERVICE#I"
 *                                           or "error ERRNO-NAME", then hold for HOLD_MS (env)
 *   attach_client SOCKET SERVICE --raw V [LEN]
 *                                           speak the wire protocol with version V and print
 *                                           the manager's status and message; with LEN, the
 *                                           hello record is LEN bytes (cut, or zero-padded)
 *   attach_client SOCKET SERVICE --garbage  send a short garbage hello
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "tenet/log.h"
#include "tenet/nf.h"

static int raw(const char *path, const char *service, int version, int garbage, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tenet_hello h = {.magic = TENET_PROTO_MAGIC, .version = (uint32_t)version};
	struct tenet_welcome w;
	int fds[TENET_FDPASS_MAX];
	unsigned int nfds = TENET_FDPASS_MAX;
	ssize_t n;
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("error connect %s\n", strerror(errno));
		return 1;
	}
	snprintf(h.service, sizeof(h.service), "%s", service);
	if (garbage) {
		n = send(s, "hello?", 6, 0);
	} else if (len) {
		char *b = calloc(1, len);

		if (!b)
			return 1;
		memcpy(b, &h, len < sizeof(h) ? len : sizeof(h));
		n = send(s, b, len, 0);
		free(b);
	} else {
		n = send(s, &h, sizeof(h), 0);
	}
	if (n < 0)
		return 1;
	n = tenet_fd_recv(s, &w, sizeof(w), fds, &nfds);
	if (n != (ssize_t)sizeof(w)) {
		printf("error short reply %zd\n", n);
		return 1;
	}
	w.msg[sizeof(w.msg) - 1] = '\0';
	printf("status %d fds %u msg %s\n", w.status, nfds, w.msg);
	return 0;
}

int main(int argc, char **argv)
{
	struct tenet_nf *nf;
	const char *hold = getenv("HOLD_MS");

	if (argc < 3)
		return 2;
	if ((argc == 5 || argc == 6) && !strcmp(argv[3], "--raw"))
		return raw(argv[1], argv[2], atoi(argv[4]), 0,
		           argc == 6 ? (size_t)strtoul(argv[5], NULL, 0) : 0);
	if (argc == 4 && !strcmp(argv[3], "--garbage"))
		return raw(argv[1], argv[2], 0, 1, 0);
	tenet_set_log(NULL);
	nf = tenet_nf_attach(argv[1], argv[2]);
	if (!nf) {
		printf("error %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("ok %s/%s#%u\n", tenet_nf_tenant(nf), tenet_nf_service(nf), tenet_nf_instance(nf));
	fflush(stdout);
	if (hold)
		usleep((useconds_t)atoi(hold) * 1000);
	tenet_nf_detach(nf);
	return 0;
}
