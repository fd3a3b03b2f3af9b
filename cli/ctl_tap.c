/*
 * tenet ctl tap CHAIN[:HOP] [--count N]: the client of a packet tap
 * (mgr/tap.c). It sends the request, reads the manager's answer line and
 * then the record stream (mgr/tap.h), and writes the packets to stdout as
 * a pcap file through libpcap (pcap_dump_fopen: libpcap writes the global
 * and record headers, nanosecond timestamps, LINKTYPE_ETHERNET), flushed
 * after every batch so that `| tcpdump -nr -` shows packets as they come.
 *
 * It ends when the manager ends the stream (the count is reached, the
 * manager stops), on Ctrl-C (it shuts its end of the connection down and
 * reads the rest, so the end line with the counts still arrives), or when
 * the reader of stdout goes away (EPIPE or POLLERR: it closes the
 * connection, which ends the tap in the manager). The end line, with the
 * packets the manager dropped because the reader was behind, goes to
 * stderr. The stream on stdout is always whole records.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mgr/ctl_req.h"
#include "mgr/tap.h"

#define TAP_BUF   (256 * 1024) /* bytes read ahead from the manager */
#define TAP_CLOSE 3.0          /* s to wait for the end after Ctrl-C */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum tap_item ctl_tap_next(const uint8_t *buf, size_t len, uint32_t snaplen, struct tap_wire *h,
                           const uint8_t **data, size_t *used)
{
	*used = 0;
	if (len < sizeof(*h))
		return TAP_ITEM_MORE;
	memcpy(h, buf, sizeof(*h));
	if (h->caplen == TAP_WIRE_END) {
		const uint8_t *nl = memchr(buf + sizeof(*h), '\n', len - sizeof(*h));

		if (!nl)
			return len - sizeof(*h) >= TAP_END_MAX ? TAP_ITEM_BAD : TAP_ITEM_MORE;
		*data = buf + sizeof(*h);
		*used = (size_t)(nl - buf) + 1;
		return TAP_ITEM_END;
	}
	if (h->caplen > snaplen || h->caplen > h->len || h->ts_nsec >= 1000000000u)
		return TAP_ITEM_BAD;
	if (len - sizeof(*h) < h->caplen)
		return TAP_ITEM_MORE;
	*data = buf + sizeof(*h);
	*used = sizeof(*h) + h->caplen;
	return TAP_ITEM_PACKET;
}

static void usage_tap(FILE *f)
{
	fprintf(f, "usage: tenet ctl [--socket PATH | --config CONFIG.yaml] tap CHAIN[:HOP] "
	           "[--count N] > FILE.pcap\n"
	           "HOP: 1..n = the packets handed to the chain's hop n; n+1 or 'out' = what "
	           "the chain\nsends out; none = its first hop on the host. See "
	           "docs/operations.md.\n");
}

/* Connect and send the request; -1 with a message on error. */
static int tap_connect(const char *path, const char *req, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tenet ctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "tenet ctl: cannot reach the manager at %s: %s\n", path,
		        strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	if (send(s, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(s);
		return -2; /* evicted before it was read: try again */
	}
	return s;
}

/*
 * Read until the first newline (the answer line) within timeout s. The line
 * goes to line (NUL-terminated), what came after it stays in buf (*got).
 * 0, or -1 on EOF or timeout with nothing read (*got == 0: try again).
 */
static int read_answer(int s, double timeout, char *line, size_t linemax, uint8_t *buf, size_t *got)
{
	double until = now_s() + timeout;

	*got = 0;
	for (;;) {
		uint8_t *nl = memchr(buf, '\n', *got);
		struct pollfd p = {.fd = s, .events = POLLIN};
		double left = until - now_s();
		ssize_t n;

		if (nl) {
			size_t ll = (size_t)(nl - buf);

			if (ll >= linemax)
				ll = linemax - 1;
			memcpy(line, buf, ll);
			line[ll] = '\0';
			*got -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, *got);
			return 0;
		}
		if (*got >= linemax || left <= 0)
			return -1;
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR && !interrupted)
				continue;
			return -1;
		}
		n = recv(s, buf + *got, linemax - *got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		*got += (size_t)n;
	}
}

int ctl_tap(const char *path, double timeout, int argc, char **argv)
{
	char req[256], line[2048], end[TAP_END_MAX + 1] = "";
	const char *spec = NULL;
	uint64_t count = 0, packets = 0;
	unsigned int snaplen = 0;
	uint8_t *buf;
	size_t got = 0, reqlen;
	pcap_t *pc = NULL;
	pcap_dumper_t *dump = NULL;
	double stop_by = 0;
	int s = -1, rc = 1;
	bool done = false, reader_gone = false;
	struct sigaction sa = {.sa_handler = on_sigint};

	for (int i = 1; i < argc; i++) {
		const char *v = NULL;

		if (!strcmp(argv[i], "--count") || !strcmp(argv[i], "-c")) {
			if (i + 1 >= argc) {
				usage_tap(stderr);
				return 2;
			}
			v = argv[++i];
		} else if (!strncmp(argv[i], "--count=", 8)) {
			v = argv[i] + 8;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage_tap(stdout);
			return 0;
		} else if (argv[i][0] == '-' || spec) {
			usage_tap(stderr);
			return 2;
		} else {
			spec = argv[i];
		}
		if (v && ctl_req_number(v, 1, UINT32_MAX, &count)) {
			fprintf(stderr,
			        "tenet ctl tap: --count wants a number from 1 to %u, got '%s'\n",
			        UINT32_MAX, v);
			return 2;
		}
	}
	if (!spec) {
		usage_tap(stderr);
		return 2;
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tenet ctl tap: stdout is a terminal; pipe it into 'tcpdump -nr -' "
		                "or redirect it to a file\n");
		return 2;
	}
	if (count)
		snprintf(req, sizeof(req), "tap %.200s count %llu\n", spec,
		         (unsigned long long)count);
	else
		snprintf(req, sizeof(req), "tap %.200s\n", spec);
	reqlen = strlen(req);
	buf = malloc(TAP_BUF);
	if (!buf)
		return 1;
	/* as in cli_ctl: a connection evicted before its request was read is retried */
	for (unsigned int attempt = 0;; attempt++) {
		s = tap_connect(path, req, reqlen);
		if (s == -1)
			goto out;
		if (s >= 0 && !read_answer(s, timeout, line, sizeof(line), buf, &got))
			break;
		if (s >= 0)
			close(s);
		s = -1;
		if (attempt >= 5 || interrupted) {
			fprintf(stderr, "tenet ctl tap: no answer from the manager at %s\n", path);
			goto out;
		}
		usleep(20000u << attempt);
	}
	if (!strncmp(line, "error: ", 7)) {
		fprintf(stderr, "tenet ctl tap: %s\n", line);
		goto out;
	}
	if (sscanf(line, TAP_HELLO, &snaplen) != 1 || !snaplen || snaplen > TAP_SNAPLEN) {
		fprintf(stderr, "tenet ctl tap: unexpected answer from the manager: %.200s\n",
		        line);
		goto out;
	}
	pc = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
	                                          PCAP_TSTAMP_PRECISION_NANO);
	dump = pc ? pcap_dump_fopen(pc, stdout) : NULL;
	if (!dump) {
		fprintf(stderr, "tenet ctl tap: cannot write pcap to stdout: %s\n",
		        pc ? pcap_geterr(pc) : "out of memory");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN); /* a reader that went away is an EPIPE, handled */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!done && !reader_gone) {
		struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = STDOUT_FILENO}};
		size_t off = 0;
		ssize_t n;

		/* records in hand first: the answer line may have brought some */
		for (;;) {
			struct tap_wire h;
			const uint8_t *data;
			size_t used;
			enum tap_item it =
			        ctl_tap_next(buf + off, got - off, snaplen, &h, &data, &used);

			if (it == TAP_ITEM_MORE)
				break;
			if (it == TAP_ITEM_BAD) {
				fprintf(stderr,
				        "tenet ctl tap: malformed stream after %llu packets\n",
				        (unsigned long long)packets);
				goto out;
			}
			off += used;
			if (it == TAP_ITEM_END) {
				size_t ll = used - sizeof(h) - 1;

				if (ll > TAP_END_MAX)
					ll = TAP_END_MAX;
				for (size_t k = 0; k < ll; k++) /* shown on a terminal */
					end[k] = data[k] >= 0x20 && data[k] < 0x7f ? (char)data[k]
					                                           : '?';
				end[ll] = '\0';
				done = true;
				break;
			}
			struct pcap_pkthdr ph = {.ts = {.tv_sec = h.ts_sec, .tv_usec = h.ts_nsec},
			                         .caplen = h.caplen,
			                         .len = h.len};

			pcap_dump((u_char *)dump, &ph, data);
			packets++;
		}
		memmove(buf, buf + off, got - off);
		got -= off;
		if (pcap_dump_flush(dump) < 0 || ferror(stdout)) {
			reader_gone = true;
			break;
		}
		if (done)
			break;
		if (interrupted && !stop_by) {
			/* ask the manager to end the tap; its end line still comes */
			shutdown(s, SHUT_WR);
			stop_by = now_s() + TAP_CLOSE;
		}
		if (interrupted > 1 || (stop_by && now_s() > stop_by))
			break;
		if (poll(p, 2, stop_by ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & (POLLERR | POLLHUP)) {
			reader_gone = true;
			break;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(s, buf + got, TAP_BUF - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			fprintf(stderr,
			        "tenet ctl tap: the manager closed the stream without its end "
			        "(%llu packets)\n",
			        (unsigned long long)packets);
			goto out;
		}
		got += (size_t)n;
	}
	if (reader_gone) {
		fprintf(stderr, "tenet ctl tap: the reader went away after %llu packets\n",
		        (unsigned long long)packets);
		rc = 0;
	} else if (done) {
		/* "end: N packets, D dropped (WHY)" from the manager */
		fprintf(stderr, "tenet ctl tap: %s\n", strncmp(end, "end: ", 5) ? end : end + 5);
		rc = 0;
	} else {
		fprintf(stderr, "tenet ctl tap: stopped after %llu packets\n",
		        (unsigned long long)packets);
		rc = 0;
	}
out:
	if (s >= 0)
		close(s); /* the manager ends the tap when its client is gone */
	if (dump)
		pcap_dump_flush(dump); /* stdout stays open for the process' exit */
	if (pc)
		pcap_close(pc);
	free(buf);
	return rc;
}
