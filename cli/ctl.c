/*
 * tenet ctl: talk to a running manager over its control socket. One
 * request line out, the reply in until EOF; a manager that does not
 * answer within --timeout seconds is an error, never a hang.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mgr/config.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet ctl [--socket PATH | --config CONFIG.yaml] [--timeout S] "
	        "REQUEST...\n"
	        "\n"
	        "requests:\n"
	        "  tenants | nfs | chains | rules | stats      show the running platform\n"
	        "  rule add '{match: {src: 10.9.0.0/16}, chain: NAME, priority: 5}'\n"
	        "  rule del ID                                 (ids from 'tenet ctl rules')\n"
	        "  chain add '{name: N, match: {...}, hops: [tenant/svc, ...], output: PORT}'\n"
	        "  chain del NAME\n"
	        "  nf stop ID                                  (ids from 'tenet ctl nfs'; not "
	        "restarted)\n"
	        "  tap CHAIN[:HOP] [--count N] | tcpdump -nr -  the packets at a hop, as pcap "
	        "on stdout\n"
	        "      (HOP 1..n: handed to hop n's NF; n+1 or 'out': sent out; none: the "
	        "first\n"
	        "      hop on the host; stops after N packets, Ctrl-C or when the reader "
	        "goes away)\n"
	        "\n"
	        "The socket is $socket_dir/ctl.sock of the manager's config (--config reads it\n"
	        "from there); by default $XDG_RUNTIME_DIR/tenet/ctl.sock or "
	        "/tmp/tenet-UID/ctl.sock.\n"
	        "Rule and chain changes are atomic: no packet sees a half-updated table.\n"
	        "--timeout S: give up when the manager has not answered within S seconds\n"
	        "(default 10). The manager closes a connection that has not sent its request\n"
	        "and taken its reply within 2 s.\n"
	        "Exit status 0 when the manager answered ok, 1 on an error reply, 2 on usage.\n");
}

int cli_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"socket", required_argument, NULL, 's'},
	        {"config", required_argument, NULL, 'c'},
	        {"timeout", required_argument, NULL, 't'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char path[512] = "", req[8192] = "", buf[4096], line[256], last[256] = "";
	size_t used = 0, ll = 0;
	double timeout = 10;
	struct timeval tv;
	char *end;
	ssize_t n;
	int c, s;

	while ((c = getopt_long(argc, argv, "+s:c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || !(timeout > 0 && timeout <= 3600)) {
				fprintf(stderr,
				        "tenet ctl: --timeout wants seconds in (0, 3600], got "
				        "'%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 's':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 'c': {
			char err[512];
			struct tenet_config *cfg = tenet_config_load(optarg, err, sizeof(err));

			if (!cfg) {
				fprintf(stderr, "tenet ctl: %s\n", err);
				return 2;
			}
			snprintf(path, sizeof(path), "%s/ctl.sock", cfg->mgr.socket_dir);
			tenet_config_free(cfg);
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!path[0]) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		if (xdg && *xdg)
			snprintf(path, sizeof(path), "%s/tenet/ctl.sock", xdg);
		else
			snprintf(path, sizeof(path), "/tmp/tenet-%u/ctl.sock", (unsigned)getuid());
	}
	if (!strcmp(argv[optind], "tap"))
		return ctl_tap(path, timeout, argc - optind, argv + optind);
	for (int i = optind; i < argc; i++) {
		int w = snprintf(req + used, sizeof(req) - used, "%s%s", i > optind ? " " : "",
		                 argv[i]);

		if (w < 0 || (size_t)w >= sizeof(req) - used - 1) {
			fprintf(stderr, "tenet ctl: request too long\n");
			return 2;
		}
		used += (size_t)w;
	}
	req[used++] = '\n';
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tenet ctl: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	/*
	 * A manager with every ctl slot taken closes its oldest connection; one
	 * closed before any reply byte was never carried out (the manager only
	 * evicts a connection whose request is not all in), so it is safe to
	 * try again, a few times, with a short pause.
	 */
	for (unsigned int attempt = 0;; attempt++) {
		size_t got = 0;

		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		               setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)) {
			fprintf(stderr, "tenet ctl: setsockopt: %s\n", strerror(errno));
			close(s);
			return 1;
		}
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "tenet ctl: cannot reach the manager at %s: %s\n", path,
			        strerror(errno));
			if (s >= 0)
				close(s);
			return 1;
		}
		if (send(s, req, used, MSG_NOSIGNAL) != (ssize_t)used) {
			n = -1;
		} else {
			while ((n = recv(s, buf, sizeof(buf), 0)) > 0 ||
			       (n < 0 && errno == EINTR)) {
				if (n < 0)
					continue;
				got += (size_t)n;
				fwrite(buf, 1, (size_t)n, stdout);
				/* keep the last complete line: the manager's "ok" or "error: ..."
				 */
				for (ssize_t i = 0; i < n; i++) {
					if (buf[i] == '\n') {
						line[ll] = '\0';
						memcpy(last, line, ll + 1);
						ll = 0;
					} else if (ll < sizeof(line) - 1) {
						line[ll++] = buf[i];
					}
				}
			}
		}
		close(s);
		if (got || attempt >= 5 ||
		    (n < 0 && errno != EPIPE && errno != ECONNRESET && errno != EINTR))
			break;
		usleep(20000u << attempt); /* closed before a byte of reply: again */
	}
	if (n < 0) {
		fprintf(stderr, "tenet ctl: no complete answer from the manager at %s: %s\n", path,
		        errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
		return 1;
	}
	if (strcmp(last, "ok") && strncmp(last, "error: ", 7)) {
		fprintf(stderr,
		        "tenet ctl: the manager at %s closed the connection without a complete "
		        "answer (too many clients at once?)\n",
		        path);
		return 1;
	}
	return strcmp(last, "ok") ? 1 : 0;
}
