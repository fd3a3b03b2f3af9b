/*
 * Unit tests of packet taps (mgr/tap.c) and the client's stream reader
 * (cli/ctl_tap.c), without a running manager: a manager state with a
 * parsed config, a real pool, and a socketpair standing for the ctl
 * connection. The dispatcher's side is called directly (tap_hook).
 *
 * What is checked: which request resolves to which hop; the hook copies
 * only at the tapped (chain, hop), at most TAP_SNAPLEN bytes, and only
 * while the tap runs; the stream is the hello line, whole records and the
 * end line with the counts; the count ends the tap and clears the chain's
 * bit; a full ring drops and counts copies and never blocks; a client that
 * shuts its end down gets the end line, one that is gone frees the slot;
 * records a stopped tap left behind never reach the next tap of the slot;
 * the records become a nanosecond pcap file through libpcap that reads
 * back the same; with the dispatcher's side on a thread of its own (and
 * under ThreadSanitizer), every copy is either streamed or counted as
 * dropped, in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "cli/cli.h"
#include "mgr/tap.h"

static const char tap_cfg[] = "ports:\n"
                              "  - {name: gen0, driver: gen, flows: [{src: 10.1.0.0/16, dst: "
                              "10.2.0.0/16}]}\n"
                              "  - {name: sink0, driver: sink}\n"
                              "tenants: [{name: alice}, {name: bob}]\n"
                              "services:\n"
                              "  - {name: fwd, tenant: alice}\n"
                              "  - {name: mon, tenant: bob}\n"
                              "chains:\n"
                              "  - {name: a, match: {src: 10.1.0.0/16}, hops: [alice/fwd], "
                              "output: sink0}\n"
                              "  - {name: b, hops: [bob/mon, alice/fwd], output: sink0}\n";

struct fx {
	struct mgr *m;
	struct tenet_pool *pool;
	int sv[2]; /* [0]: the manager's end, [1]: the client's */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	f->m = calloc(1, sizeof(*f->m));
	assert_non_null(f->m);
	f->m->cfg = tenet_config_parse(tap_cfg, sizeof(tap_cfg) - 1, "t.yaml", err, sizeof(err));
	assert_non_null(f->m->cfg);
	for (unsigned int i = 0; i < f->m->cfg->nb_chains; i++) {
		f->m->chains[i].cfg = &f->m->cfg->chains[i];
		f->m->chains[i].tenant = f->m->cfg->chains[i].tenant;
	}
	f->m->control.epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(f->m->control.epfd >= 0);
	assert_int_equal(tap_open(f->m, 0x48000u), 0);
	f->pool = tenet_pool_create("tap", 64, 4096, 0);
	assert_non_null(f->pool);
	f->sv[0] = f->sv[1] = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tap_close(f->m);
	if (f->sv[1] >= 0)
		close(f->sv[1]);
	close(f->m->control.epfd);
	tenet_pool_destroy(f->pool);
	tenet_config_free(f->m->cfg);
	free(f->m);
	free(f);
	return 0;
}

/* Resolve "tap TEXT"; 0 or -1 with the message in err. */
static int resolve(struct fx *f, const char *text, struct tap_spec *spec, char *err, size_t len)
{
	char buf[256];
	struct ctl_req req;
	int n = snprintf(buf, sizeof(buf), "tap %s\n", text);

	if (ctl_req_parse(buf, (size_t)n, 64, &req, err, len))
		return -1;
	return tap_resolve(f->m, &req, spec, err, len);
}

/* A connected pair in the epoll set, as a ctl connection is when it is answered. */
static void connect_pair(struct fx *f)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0x40000u};

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->sv),
	                 0);
	assert_int_equal(epoll_ctl(f->m->control.epfd, EPOLL_CTL_ADD, f->sv[0], &ev), 0);
}

static void start(struct fx *f, const char *text)
{
	struct tap_spec spec;
	char err[256];

	connect_pair(f);
	assert_int_equal(resolve(f, text, &spec, err, sizeof(err)), 0);
	assert_int_equal(tap_start(f->m, f->sv[0], &spec, err, sizeof(err)), 0);
}

/* Write a frame of len bytes (byte i = seed + i) into buffer b and hook it at (chain, at). */
static void pass(struct fx *f, unsigned int chain, unsigned int at, uint32_t b, uint16_t len,
                 uint8_t seed)
{
	struct mdesc d = {.buf = b, .off = 128, .len = len};
	uint8_t *p = (uint8_t *)tenet_pool_buf(f->pool, b) + d.off;

	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
	tap_hook(f->m, &f->m->chains[chain], at, f->pool, &d);
}

/* Everything the client's end has now, appended at buf + *got. */
static void take(struct fx *f, uint8_t *buf, size_t cap, size_t *got)
{
	ssize_t n;

	while ((n = recv(f->sv[1], buf + *got, cap - *got, MSG_DONTWAIT)) > 0)
		*got += (size_t)n;
}

/* Check the stream in buf: hello, packets with seeds seed0.., then maybe the end. */
static size_t check_stream(const uint8_t *buf, size_t got, bool hello, unsigned int n, uint16_t len,
                           uint8_t seed0, const char *end)
{
	size_t off = 0, used;
	struct tap_wire h;
	const uint8_t *data;
	char line[64];

	if (hello) {
		snprintf(line, sizeof(line), TAP_HELLO, TAP_SNAPLEN);
		assert_true(got >= strlen(line));
		assert_memory_equal(buf, line, strlen(line));
		off = strlen(line);
	}
	for (unsigned int k = 0; k < n; k++) {
		uint32_t cap = len < TAP_SNAPLEN ? len : TAP_SNAPLEN;

		assert_int_equal(ctl_tap_next(buf + off, got - off, TAP_SNAPLEN, &h, &data, &used),
		                 TAP_ITEM_PACKET);
		assert_int_equal(h.len, len);
		assert_int_equal(h.caplen, cap);
		assert_true(h.ts_sec > 0 && h.ts_nsec < 1000000000u);
		for (unsigned int i = 0; i < cap; i++)
			assert_int_equal(data[i], (uint8_t)(seed0 + k + i));
		off += used;
	}
	if (end) {
		assert_int_equal(ctl_tap_next(buf + off, got - off, TAP_SNAPLEN, &h, &data, &used),
		                 TAP_ITEM_END);
		assert_int_equal(used - sizeof(h), strlen(end));
		assert_memory_equal(data, end, strlen(end));
		off += used;
	}
	assert_int_equal(ctl_tap_next(buf + off, got - off, TAP_SNAPLEN, &h, &data, &used),
	                 TAP_ITEM_MORE);
	return off;
}

static void test_resolve(void **state)
{
	struct fx *f = *state;
	struct tap_spec s;
	char err[256];

	assert_int_equal(resolve(f, "a", &s, err, sizeof(err)), 0);
	assert_true(s.chain == 0 && s.at == 0 && s.count == 0);
	assert_int_equal(resolve(f, "a:1 count 7", &s, err, sizeof(err)), 0);
	assert_true(s.chain == 0 && s.at == 0 && s.count == 7);
	assert_int_equal(resolve(f, "a:2", &s, err, sizeof(err)), 0);
	assert_int_equal(s.at, TAP_AT_OUT);
	assert_int_equal(resolve(f, "a:out", &s, err, sizeof(err)), 0);
	assert_int_equal(s.at, TAP_AT_OUT);
	assert_int_equal(resolve(f, "b:2", &s, err, sizeof(err)), 0);
	assert_true(s.chain == 1 && s.at == 1);
	assert_int_equal(resolve(f, "a:3", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "chain a has 1 hop(s), no hop 3; expected 1 to 1, or 2 or 'out' "
	                         "for what it sends out");
	assert_int_equal(resolve(f, "c", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "no chain 'c'; expected a name from 'tenet ctl chains'");
	f->m->chains[1].removed = true;
	assert_int_equal(resolve(f, "b", &s, err, sizeof(err)), -1);
	f->m->chains[1].removed = false;
}

static void test_stream_count(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[1 << 16];
	size_t got = 0, off;

	start(f, "b:2 count 5");
	assert_int_equal(f->m->chains[1].tap, 1u << 1);
	assert_int_equal(f->m->chains[0].tap, 0);
	pass(f, 1, 1, 3, 100, 10);
	pass(f, 1, 0, 4, 100, 50);          /* another hop: no copy */
	pass(f, 0, 1, 5, 100, 60);          /* another chain: no copy */
	pass(f, 1, TAP_AT_OUT, 6, 100, 70); /* out: no copy */
	pass(f, 1, 1, 7, 100, 11);
	pass(f, 1, 1, 8, 100, 12);
	tap_poll(f->m, mgr_now());
	take(f, buf, sizeof(buf), &got);
	off = check_stream(buf, got, true, 3, 100, 10, NULL);
	for (uint8_t k = 13; k < 20; k++)
		pass(f, 1, 1, k, 100, k);
	tap_poll(f->m, mgr_now());
	take(f, buf, sizeof(buf), &got);
	check_stream(buf + off, got - off, false, 2, 100, 13,
	             "end: 5 packets, 0 dropped (count reached)\n");
	assert_int_equal(f->m->chains[1].tap, 0); /* the dispatcher stops copying at once */
	pass(f, 1, 1, 20, 100, 20);
	/* everything was out: the slot is free, the client sees EOF */
	assert_int_equal(recv(f->sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	{
		uint64_t st, pk, dr;

		tap_totals(f->m, &st, &pk, &dr);
		assert_true(st == 1 && pk == 5 && dr == 0);
	}
}

static void test_full_ring(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[2 << 20];
	size_t got = 0, off;
	uint64_t st, pk, dr;
	char end[128];

	start(f, "a");
	/* the reader takes nothing: TAP_RING copies, then drops, never a wait */
	for (unsigned int k = 0; k < TAP_RING + 7; k++)
		pass(f, 0, 0, k % 64, 3000, (uint8_t)k);
	tap_totals(f->m, &st, &pk, &dr);
	assert_int_equal(dr, 7);
	/* the client takes it all now, then shuts its end down (Ctrl-C): the end
	 * line still comes */
	for (int i = 0; i < 100 && got < TAP_RING * (sizeof(struct tap_wire) + TAP_SNAPLEN); i++) {
		tap_poll(f->m, mgr_now());
		take(f, buf, sizeof(buf), &got);
	}
	shutdown(f->sv[1], SHUT_WR);
	for (int i = 0; i < 10; i++) {
		tap_event(f->m, 0);
		take(f, buf, sizeof(buf), &got);
	}
	snprintf(end, sizeof(end), "end: %u packets, 7 dropped (stopped by the client)\n",
	         TAP_RING);
	off = check_stream(buf, got, true, TAP_RING, 3000, 0, end);
	assert_int_equal(off, got);
	tap_totals(f->m, &st, &pk, &dr);
	assert_true(st == 1 && pk == TAP_RING && dr == 7);
}

static void test_gone_and_stale(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[1 << 16];
	size_t got = 0;

	start(f, "a:out");
	for (unsigned int k = 0; k < 5; k++)
		pass(f, 0, TAP_AT_OUT, k, 80, (uint8_t)k);
	close(f->sv[1]); /* the client is gone */
	f->sv[1] = -1;
	tap_event(f->m, 0);
	assert_int_equal(f->m->control.taps->tap[0].fd, -1);
	assert_int_equal(f->m->chains[0].tap, 0);
	/* the next tap of the slot sees nothing of the last one's ring, nor a
	 * copy that raced the restart with the old generation */
	start(f, "a:out");
	assert_int_equal(f->m->control.taps->tap[0].fd, f->sv[0]);
	f->m->control.taps->tap[0].gen -= 2;
	{
		struct mdesc d = {.buf = 9, .off = 128, .len = 80};

		tap_copy(f->m, &f->m->chains[0], TAP_AT_OUT, f->pool, &d);
	}
	f->m->control.taps->tap[0].gen += 2;
	assert_int_equal(f->m->control.taps->tap[0].prod - f->m->control.taps->tap[0].cons, 1);
	pass(f, 0, TAP_AT_OUT, 10, 80, 40);
	tap_poll(f->m, mgr_now());
	take(f, buf, sizeof(buf), &got);
	check_stream(buf, got, true, 1, 80, 40, NULL);
}

static void test_limit(void **state)
{
	struct fx *f = *state;
	struct tap_spec s;
	char err[256];
	int fds[TAP_MAX];

	for (unsigned int i = 0; i < TAP_MAX; i++) {
		start(f, "b:1");
		fds[i] = f->sv[1];
	}
	assert_int_equal(f->m->chains[1].tap, 1u);
	assert_int_equal(resolve(f, "a", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "4 taps are running; expected at most 4 at once (end one first)");
	/* one copy per running tap */
	pass(f, 1, 0, 1, 64, 1);
	for (unsigned int i = 0; i < TAP_MAX; i++)
		assert_int_equal(f->m->control.taps->tap[i].prod - f->m->control.taps->tap[i].cons,
		                 1);
	for (unsigned int i = 0; i + 1 < TAP_MAX; i++)
		close(fds[i]);
	f->sv[1] = fds[TAP_MAX - 1];
}

/* Records through ctl_tap_next into libpcap's writer read back the same, in ns. */
static void test_pcap(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[1 << 16];
	char errbuf[PCAP_ERRBUF_SIZE];
	size_t got = 0, off;
	struct tap_wire h;
	const uint8_t *data;
	struct pcap_pkthdr *ph;
	const u_char *pd;
	size_t used;
	char path[] = "/tmp/test_tap.XXXXXX";
	int fd = mkstemp(path);
	pcap_t *pc = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, TAP_SNAPLEN,
	                                                  PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *dump;
	struct tap_wire first = {0};

	assert_true(fd >= 0);
	close(fd);
	assert_non_null(pc);
	dump = pcap_dump_open(pc, path);
	assert_non_null(dump);
	start(f, "b:1 count 2");
	pass(f, 1, 0, 1, 60, 1);
	pass(f, 1, 0, 2, 2500, 2);
	tap_poll(f->m, mgr_now());
	take(f, buf, sizeof(buf), &got);
	off = (size_t)((uint8_t *)memchr(buf, '\n', got) - buf) + 1;
	while (ctl_tap_next(buf + off, got - off, TAP_SNAPLEN, &h, &data, &used) ==
	       TAP_ITEM_PACKET) {
		struct pcap_pkthdr p = {.ts = {.tv_sec = h.ts_sec, .tv_usec = h.ts_nsec},
		                        .caplen = h.caplen,
		                        .len = h.len};

		if (!first.len)
			first = h;
		pcap_dump((u_char *)dump, &p, data);
		off += used;
	}
	pcap_dump_close(dump);
	pcap_close(pc);
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(pc), TAP_SNAPLEN);
	assert_int_equal(pcap_next_ex(pc, &ph, &pd), 1);
	assert_true(ph->caplen == 60 && ph->len == 60 && pd[0] == 1 && pd[59] == 60);
	assert_true(ph->ts.tv_sec == first.ts_sec && ph->ts.tv_usec == first.ts_nsec);
	assert_int_equal(pcap_next_ex(pc, &ph, &pd), 1);
	assert_true(ph->caplen == TAP_SNAPLEN && ph->len == 2500 && pd[0] == 2);
	assert_int_equal(pcap_next_ex(pc, &ph, &pd), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(path);
}

static void test_next_bad(void **state)
{
	struct tap_wire h = {.ts_sec = 1, .caplen = 100, .len = 60};
	uint8_t buf[sizeof(h) + TAP_END_MAX + 8];
	const uint8_t *data;
	size_t used;

	(void)state;
	memcpy(buf, &h, sizeof(h)); /* caplen beyond len */
	assert_int_equal(ctl_tap_next(buf, sizeof(buf), TAP_SNAPLEN, &h, &data, &used),
	                 TAP_ITEM_BAD);
	h = (struct tap_wire){.ts_sec = 1, .caplen = 60, .len = 60};
	memcpy(buf, &h, sizeof(h)); /* beyond the snaplen announced */
	assert_int_equal(ctl_tap_next(buf, sizeof(buf), 32, &h, &data, &used), TAP_ITEM_BAD);
	h = (struct tap_wire){.ts_nsec = 1000000000u, .caplen = 60, .len = 60};
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(ctl_tap_next(buf, sizeof(buf), TAP_SNAPLEN, &h, &data, &used),
	                 TAP_ITEM_BAD);
	h = (struct tap_wire){.caplen = TAP_WIRE_END};
	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 'x', sizeof(buf) - sizeof(h)); /* an end line with no end */
	assert_int_equal(ctl_tap_next(buf, sizeof(buf), TAP_SNAPLEN, &h, &data, &used),
	                 TAP_ITEM_BAD);
	assert_int_equal(ctl_tap_next(buf, sizeof(h) + 3, TAP_SNAPLEN, &h, &data, &used),
	                 TAP_ITEM_MORE);
	assert_int_equal(ctl_tap_next(buf, 5, TAP_SNAPLEN, &h, &data, &used), TAP_ITEM_MORE);
}

#define CONC_N 200000

static void *producer(void *arg)
{
	struct fx *f = arg;
	struct mdesc d = {.buf = 1, .off = 128, .len = 100};
	uint8_t *p = (uint8_t *)tenet_pool_buf(f->pool, 1) + 128;

	for (unsigned int i = 0; i < CONC_N; i++) {
		/* the frame carries its sequence number: the order is checked */
		memcpy(p, &i, sizeof(i));
		tap_hook(f->m, &f->m->chains[0], 0, f->pool, &d);
		if (i % 128 == 0)
			usleep(20); /* bursts: the reader keeps up with some, not all */
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[1 << 20];
	struct tap *t = &f->m->control.taps->tap[0];
	size_t got = 0, off, used;
	uint64_t seen = 0, sent = 0, dropped = 0;
	unsigned int last = 0;
	bool hello = false, done = false, ended = false;
	pthread_t th;

	start(f, "a");
	assert_int_equal(pthread_create(&th, NULL, producer, f), 0);
	while (!ended) {
		struct tap_wire h;
		const uint8_t *data;
		enum tap_item it;

		if (!done && !pthread_tryjoin_np(th, NULL))
			done = true;
		if (done && __atomic_load_n(&t->prod, __ATOMIC_ACQUIRE) == t->cons && !t->outlen &&
		    t->fd >= 0 && !t->ending) {
			shutdown(f->sv[1], SHUT_WR);
			tap_event(f->m, 0);
		} else {
			tap_poll(f->m, mgr_now());
		}
		take(f, buf, sizeof(buf), &got);
		off = 0;
		if (!hello && memchr(buf, '\n', got)) {
			off = (size_t)((uint8_t *)memchr(buf, '\n', got) - buf) + 1;
			hello = true;
		}
		while (hello && (it = ctl_tap_next(buf + off, got - off, TAP_SNAPLEN, &h, &data,
		                                   &used)) != TAP_ITEM_MORE) {
			assert_int_not_equal(it, TAP_ITEM_BAD);
			off += used;
			if (it == TAP_ITEM_END) {
				char line[128];

				snprintf(line, sizeof(line), "%.*s", (int)(used - sizeof(h)), data);
				assert_int_equal(sscanf(line, "end: %lu packets, %lu dropped",
				                        &sent, &dropped),
				                 2);
				ended = true;
				break;
			}
			{
				unsigned int seq;

				memcpy(&seq, data, sizeof(seq));
				assert_true(!seen || seq > last); /* in order, none twice */
				last = seq;
			}
			seen++;
		}
		memmove(buf, buf + off, got - off);
		got -= off;
	}
	assert_int_equal(seen, sent);
	assert_int_equal(sent + dropped, CONC_N);
	assert_true(sent > TAP_RING);
	print_message("concurrent: %" PRIu64 " streamed, %" PRIu64 " dropped\n", sent, dropped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_count, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_full_ring, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_gone_and_stale, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pcap, setup, teardown),
	        cmocka_unit_test(test_next_bad),
	        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
