/*
 * Config loader tests: a full config lands in the right struct values
 * (defaults, resolved names, address bytes), every kind of mistake is
 * reported at the right FILE:LINE:COL with a message that says what, and
 * the shipped demo config loads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mgr/config.h"

static struct tenet_config *parse(const char *text, char *err, size_t errlen)
{
	return tenet_config_parse(text, strlen(text), "t.yaml", err, errlen);
}

static const uint8_t *v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t buf[16];

	memset(buf, 0, sizeof(buf));
	buf[0] = a;
	buf[1] = b;
	buf[2] = c;
	buf[3] = d;
	return buf;
}

static const char full[] =
        "manager:\n"
        "  socket_dir: /run/tenet-test\n"
        "  poll: true\n"
        "  stats_interval: 0.5\n"
        "ports:\n"
        "  - name: gen0\n"
        "    driver: gen\n"
        "    steer: cpu\n"
        "    rate: 1e6\n"
        "    count: 5000\n"
        "    duration: 2.5\n"
        "    size: [64, 1518]\n"
        "    flows:\n"
        "      - {src: 10.1.2.3/16, dst: 10.2.0.0/24, proto: tcp, sport: 1000-2000, dport: 80,\n"
        "         vlan: 7, count: 100, weight: 3}\n"
        "      - {src: '2001:db8::/32', dst: '2001:db8:1::1'}\n"
        "      - {src: '2001:db8:a::/48', dst: '2001:db8:b::/48', count: 5000}\n"
        "    payload: {patterns: [attack, 'a\\x41\\\\b'], fraction: 0.25}\n"
        "    seed: 42\n"
        "  - {name: sink0, driver: sink}\n"
        "  - {name: cap, driver: pcap, in: in.pcap, out: out.pcap, loop: yes, count: 10}\n"
        "  - {name: eth, driver: afxdp, ifname: veth0, queue: 3, xdp_mode: generic}\n"
        "  - {name: raw, driver: afpacket, ifname: veth1}\n"
        "tenants:\n"
        "  - name: alice\n"
        "    uid: 1000\n"
        "    gid: 100\n"
        "    pool_bufs: 4096\n"
        "    inflight: 1000\n"
        "    buf_size: 4096\n"
        "    socket_mode: \"0600\"\n"
        "  - name: bob\n"
        "services:\n"
        "  - name: scan\n"
        "    tenant: alice\n"
        "    command: build/nf/scan  --patterns   p.txt\n"
        "    instances: 2\n"
        "    restart: false\n"
        "    patterns: p.txt\n"
        "  - {name: fwd, tenant: alice, command: [build/nf/fwd, --burst, 32]}\n"
        "  - {name: fwd, tenant: bob}\n"
        "chains:\n"
        "  - name: web\n"
        "    match: {src: 10.1.0.0/16, dst: 10.2.0.0/16, proto: udp, sport: 53,\n"
        "            dport: 1-1023, vlan: 0, port: gen0}\n"
        "    hops:\n"
        "      - {service: alice/scan, on: nic}\n"
        "      - alice/fwd\n"
        "      - bob/fwd\n"
        "    output: sink0\n"
        "    on_failure: skip\n"
        "  - name: v6\n"
        "    match: {dst: '2001:db8:ff::/48', proto: 58}\n"
        "    priority: -5\n"
        "    hops: [bob/fwd]\n"
        "  - name: all\n"
        "    hops: [{service: alice/scan, on: nic}]\n"
        "    output: cap\n"
        "default: all\n";

static void test_full(void **state)
{
	struct tenet_config *c;
	char err[512] = "";

	(void)state;
	c = parse(full, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(err, "");
	assert_string_equal(c->path, "t.yaml");

	assert_string_equal(c->mgr.socket_dir, "/run/tenet-test");
	assert_true(c->mgr.poll);
	assert_true(c->mgr.stats_interval == 0.5);

	assert_int_equal(c->nb_ports, 5);
	const struct cfg_port *g = &c->ports[0];
	assert_string_equal(g->name, "gen0");
	assert_int_equal(g->driver, CFG_DRV_GEN);
	assert_int_equal(g->steer, CFG_STEER_CPU);
	assert_int_equal(g->line, 6);
	assert_true(g->gen.rate_pps == 1e6);
	assert_int_equal(g->gen.count, 5000);
	assert_true(g->gen.duration == 2.5);
	assert_int_equal(g->gen.nb_sizes, 2);
	assert_int_equal(g->gen.sizes[0], 64);
	assert_int_equal(g->gen.sizes[1], 1518);
	assert_false(g->gen.imix);
	assert_int_equal(g->gen.nb_flows, 3);
	assert_int_equal(g->gen.flows[2].count, 5000); /* 2^80 * 2^80 * ports: no overflow */
	const struct cfg_gen_flow *f = &g->gen.flows[0];
	assert_int_equal(f->family, 4);
	assert_memory_equal(f->src, v4(10, 1, 0, 0), 16); /* host bits cleared */
	assert_int_equal(f->src_plen, 16);
	assert_memory_equal(f->dst, v4(10, 2, 0, 0), 16);
	assert_int_equal(f->dst_plen, 24);
	assert_int_equal(f->proto, 6);
	assert_int_equal(f->sport_lo, 1000);
	assert_int_equal(f->sport_hi, 2000);
	assert_int_equal(f->dport_lo, 80);
	assert_int_equal(f->dport_hi, 80);
	assert_int_equal(f->vlan, 7);
	assert_int_equal(f->count, 100);
	assert_int_equal(f->weight, 3);
	f = &g->gen.flows[1];
	static const uint8_t db8[16] = {0x20, 0x01, 0x0d, 0xb8};
	static const uint8_t db8_1_1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
	assert_int_equal(f->family, 6);
	assert_memory_equal(f->src, db8, 16);
	assert_int_equal(f->src_plen, 32);
	assert_memory_equal(f->dst, db8_1_1, 16);
	assert_int_equal(f->dst_plen, 128);
	assert_int_equal(f->proto, 17); /* flow defaults */
	assert_int_equal(f->sport_lo, 1024);
	assert_int_equal(f->sport_hi, 65535);
	assert_int_equal(f->vlan, 0);
	assert_int_equal(f->count, 1);
	assert_int_equal(f->weight, 1);
	assert_int_equal(g->gen.nb_patterns, 2);
	assert_string_equal(g->gen.patterns[0], "attack");
	assert_string_equal(g->gen.patterns[1], "aA\\b");
	assert_true(g->gen.pattern_fraction == 0.25);

	assert_string_equal(c->ports[1].name, "sink0");
	assert_int_equal(c->ports[1].driver, CFG_DRV_SINK);
	assert_int_equal(c->ports[1].steer, CFG_STEER_NIC);
	const struct cfg_port *p = &c->ports[2];
	assert_int_equal(p->driver, CFG_DRV_PCAP);
	assert_string_equal(p->pcap_in, "in.pcap");
	assert_string_equal(p->pcap_out, "out.pcap");
	assert_true(p->pcap_loop);
	assert_int_equal(p->gen.count, 10);
	p = &c->ports[3];
	assert_int_equal(p->driver, CFG_DRV_AFXDP);
	assert_string_equal(p->ifname, "veth0");
	assert_int_equal(p->queue, 3);
	assert_string_equal(p->xdp_mode, "generic");
	p = &c->ports[4];
	assert_int_equal(p->driver, CFG_DRV_AFPACKET);
	assert_string_equal(p->ifname, "veth1");
	assert_int_equal(p->queue, 0);
	assert_string_equal(p->xdp_mode, "native");

	assert_int_equal(c->nb_tenants, 2);
	const struct cfg_tenant *t = &c->tenants[0];
	assert_string_equal(t->name, "alice");
	assert_true(t->has_uid && t->has_gid);
	assert_int_equal(t->uid, 1000);
	assert_int_equal(t->gid, 100);
	assert_int_equal(t->pool_bufs, 4096);
	assert_int_equal(t->inflight, 1000);
	assert_int_equal(t->buf_size, 4096);
	assert_int_equal(t->socket_mode, 0600);
	t = &c->tenants[1];
	assert_string_equal(t->name, "bob");
	assert_false(t->has_uid || t->has_gid);
	assert_int_equal(t->pool_bufs, 8192);
	assert_int_equal(t->inflight, CFG_INFLIGHT_DEFAULT);
	assert_int_equal(t->buf_size, 2048);
	assert_int_equal(t->socket_mode, 0660);
	/* every port knows the smallest pool room its frames can land in (bob's) */
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		assert_int_equal(c->ports[i].min_room, 2048 - 128);
		assert_string_equal(c->ports[i].min_room_tenant, "bob");
	}

	assert_int_equal(c->nb_services, 3);
	const struct cfg_service *s = &c->services[0];
	assert_string_equal(s->name, "scan");
	assert_int_equal(s->tenant, 0);
	assert_string_equal(s->argv[0], "build/nf/scan");
	assert_string_equal(s->argv[1], "--patterns");
	assert_string_equal(s->argv[2], "p.txt");
	assert_null(s->argv[3]);
	assert_int_equal(s->instances, 2);
	assert_false(s->restart);
	assert_string_equal(s->patterns, "p.txt");
	s = &c->services[1];
	assert_string_equal(s->argv[2], "32");
	assert_null(s->argv[3]);
	assert_int_equal(s->instances, 1);
	assert_true(s->restart);
	s = &c->services[2];
	assert_string_equal(s->name, "fwd");
	assert_int_equal(s->tenant, 1);
	assert_null(s->argv[0]);
	assert_string_equal(s->patterns, "");

	assert_int_equal(c->nb_chains, 3);
	const struct cfg_chain *ch = &c->chains[0];
	assert_string_equal(ch->name, "web");
	assert_int_equal(ch->match.family, 4);
	assert_memory_equal(ch->match.src, v4(10, 1, 0, 0), 16);
	assert_int_equal(ch->match.src_plen, 16);
	assert_memory_equal(ch->match.dst, v4(10, 2, 0, 0), 16);
	assert_int_equal(ch->match.dst_plen, 16);
	assert_int_equal(ch->match.proto, 17);
	assert_int_equal(ch->match.sport_lo, 53);
	assert_int_equal(ch->match.sport_hi, 53);
	assert_int_equal(ch->match.dport_lo, 1);
	assert_int_equal(ch->match.dport_hi, 1023);
	assert_int_equal(ch->match.vlan, 0);
	assert_int_equal(ch->match.in_port, 0);
	assert_int_equal(ch->priority, 0);
	assert_int_equal(ch->nb_hops, 3);
	assert_int_equal(ch->hops[0].service, 0);
	assert_int_equal(ch->hops[0].on, CFG_ON_NIC);
	assert_int_equal(ch->hops[1].service, 1);
	assert_int_equal(ch->hops[1].on, CFG_ON_HOST);
	assert_int_equal(ch->hops[2].service, 2);
	assert_int_equal(ch->tenant, 0); /* first host hop: alice/fwd */
	assert_int_equal(ch->output, 1);
	assert_int_equal(ch->on_failure, CFG_FAIL_SKIP);

	ch = &c->chains[1];
	static const uint8_t ff[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff};
	assert_int_equal(ch->match.family, 6);
	assert_int_equal(ch->match.src_plen, 0);
	assert_memory_equal(ch->match.dst, ff, 16);
	assert_int_equal(ch->match.dst_plen, 48);
	assert_int_equal(ch->match.proto, 58);
	assert_int_equal(ch->match.sport_lo, 0);
	assert_int_equal(ch->match.sport_hi, 65535);
	assert_int_equal(ch->match.vlan, TENET_ANY);
	assert_int_equal(ch->match.in_port, TENET_ANY);
	assert_int_equal(ch->priority, -5);
	assert_int_equal(ch->tenant, 1);
	assert_int_equal(ch->output, -1);
	assert_int_equal(ch->on_failure, CFG_FAIL_DROP);

	ch = &c->chains[2];
	assert_int_equal(ch->match.family, 0);
	assert_int_equal(ch->match.proto, TENET_ANY);
	assert_int_equal(ch->match.dport_hi, 65535);
	assert_int_equal(ch->priority, 2);
	assert_int_equal(ch->tenant, 0); /* all hops on nic: the first hop's */
	assert_int_equal(ch->output, 2);
	assert_int_equal(c->default_chain, 2);

	tenet_config_free(c);
}

static void test_defaults(void **state)
{
	struct tenet_config *c;
	char err[256], want[300];

	(void)state;
	setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
	c = parse("ports:\n  - {name: g, driver: gen}\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->mgr.socket_dir, "/run/user/1234/tenet");
	assert_false(c->mgr.poll);
	assert_true(c->mgr.stats_interval == 1);
	assert_int_equal(c->ports[0].steer, CFG_STEER_NIC);
	assert_true(c->ports[0].gen.rate_pps == 0);
	assert_int_equal(c->ports[0].gen.count, 0);
	assert_int_equal(c->ports[0].gen.nb_sizes, 1);
	assert_int_equal(c->ports[0].gen.sizes[0], 64);
	assert_int_equal(c->ports[0].gen.seed, 1);
	assert_int_equal(c->ports[0].gen.nb_flows, 1);
	assert_int_equal(c->ports[0].gen.nb_patterns, 0);
	assert_int_equal(c->nb_tenants, 0);
	assert_int_equal(c->nb_chains, 0);
	assert_int_equal(c->default_chain, -1);
	assert_int_equal(c->mgr.dispatchers, 1);
	assert_int_equal(c->mgr.nic_stage, CFG_NIC_STAGE_AUTO);
	tenet_config_free(c);

	c = parse("manager: {nic_stage: thread}\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->mgr.nic_stage, CFG_NIC_STAGE_THREAD);
	tenet_config_free(c);
	c = parse("manager: {nic_stage: inline, dispatchers: 1}\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->mgr.nic_stage, CFG_NIC_STAGE_INLINE);
	tenet_config_free(c);

	c = parse("manager: {dispatchers: 3}\nports:\n  - {name: g, driver: gen, steer: cpu}\n",
	          err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->mgr.dispatchers, 3);
	tenet_config_free(c);

	unsetenv("XDG_RUNTIME_DIR");
	c = parse("manager: {stats_interval: 0}\nports:\n  - {name: g, driver: gen, size: imix}\n",
	          err, sizeof(err));
	assert_non_null(c);
	snprintf(want, sizeof(want), "/tmp/tenet-%u", (unsigned int)getuid());
	assert_string_equal(c->mgr.socket_dir, want);
	assert_true(c->mgr.stats_interval == 0);
	assert_true(c->ports[0].gen.imix);
	assert_int_equal(c->ports[0].gen.nb_sizes, 3);
	assert_int_equal(c->ports[0].gen.sizes[1], 570);
	tenet_config_free(c);

	/* buf_size: 33 cache lines, not a power of two, unless an afxdp port's
	 * pools are UMEMs (aligned chunks); a given one is kept either way */
	c = parse("ports:\n  - {name: g, driver: gen}\n"
	          "tenants: [{name: a}, {name: b, buf_size: 4096}]\n",
	          err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->tenants[0].buf_size, 2112);
	assert_int_equal(c->tenants[1].buf_size, 4096);
	assert_int_equal(c->ports[0].min_room, 2112 - 128);
	tenet_config_free(c);
	c = parse("ports:\n  - {name: g, driver: gen}\n  - {name: x, driver: afxdp, ifname: lo}\n"
	          "tenants: [{name: a}, {name: b, buf_size: 4096}]\n",
	          err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->tenants[0].buf_size, 2048);
	assert_int_equal(c->tenants[1].buf_size, 4096);
	tenet_config_free(c);
}

/* steer shared everywhere is fine; a sink that does not say follows the platform */
static void test_shared(void **state)
{
	struct tenet_config *c;
	char err[256];

	(void)state;
	c = parse("ports:\n"
	          "  - {name: g, driver: gen, steer: shared}\n"
	          "  - {name: s, driver: sink}\n",
	          err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->ports[0].steer, CFG_STEER_SHARED);
	assert_int_equal(c->ports[1].steer, CFG_STEER_SHARED);
	assert_string_equal(cfg_steer_name(c->ports[1].steer), "shared");
	assert_string_equal(cfg_driver_name(c->ports[1].driver), "sink");
	tenet_config_free(c);
}

/* socket_mode is always octal: 660, 0660, "0660" and 0o660 agree */
static void test_socket_mode(void **state)
{
	static const char *const forms[] = {"660", "0660", "\"0660\"", "0o660"};
	char text[128], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tenet_config *c;

		snprintf(text, sizeof(text), "tenants:\n  - {name: a, socket_mode: %s}\n",
		         forms[i]);
		c = parse(text, err, sizeof(err));
		assert_non_null(c);
		assert_int_equal(c->tenants[0].socket_mode, 0660);
		tenet_config_free(c);
	}
}

/* CPU lists: an integer or "a-b,c" ranges; auto is the default, none turns placement off */
static void test_cpus(void **state)
{
	struct tenet_config *c;
	char err[256];

	(void)state;
	c = parse("manager: {cpus: {manager: 0, nfs: \"1-3,6\"}}\n"
	          "tenants: [{name: a}]\n"
	          "services:\n  - {name: s, tenant: a, cpus: \"2\"}\n  - {name: t, tenant: a}\n",
	          err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->mgr.place, CFG_PLACE_AUTO);
	assert_true(c->mgr.mgr_cpus.given && c->mgr.nf_cpus.given);
	assert_int_equal(CPU_COUNT(&c->mgr.mgr_cpus.set), 1);
	assert_true(CPU_ISSET(0, &c->mgr.mgr_cpus.set));
	assert_int_equal(CPU_COUNT(&c->mgr.nf_cpus.set), 4);
	assert_true(CPU_ISSET(1, &c->mgr.nf_cpus.set) && CPU_ISSET(3, &c->mgr.nf_cpus.set) &&
	            CPU_ISSET(6, &c->mgr.nf_cpus.set) && !CPU_ISSET(4, &c->mgr.nf_cpus.set));
	assert_true(c->services[0].cpus.given && CPU_ISSET(2, &c->services[0].cpus.set));
	assert_int_equal(CPU_COUNT(&c->services[0].cpus.set), 1);
	assert_false(c->services[1].cpus.given);
	tenet_config_free(c);

	c = parse("manager: {cpus: none}\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->mgr.place, CFG_PLACE_NONE);
	tenet_config_free(c);
	c = parse("manager: {cpus: auto}\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->mgr.place, CFG_PLACE_AUTO);
	assert_false(c->mgr.mgr_cpus.given || c->mgr.nf_cpus.given);
	tenet_config_free(c);
}

/* ---------------------------------------------------------------- errors */

static const char base[] = "ports:\n"                                           /* 1 */
                           "  - {name: gen0, driver: gen}\n"                    /* 2 */
                           "  - {name: sink0, driver: sink}\n"                  /* 3 */
                           "tenants:\n"                                         /* 4 */
                           "  - {name: alice}\n"                                /* 5 */
                           "  - {name: bob}\n"                                  /* 6 */
                           "services:\n"                                        /* 7 */
                           "  - {name: scan, tenant: alice, patterns: p.txt}\n" /* 8 */
                           "  - {name: fwd, tenant: alice}\n"                   /* 9 */
                           "  - {name: mon, tenant: bob}\n";                    /* 10 */

struct bad_case {
	const char *what;
	const char *text; /* appended to base when with_base */
	bool with_base;
	const char *prefix; /* exact "t.yaml:LINE:COL: " */
	const char *phrase; /* must appear in the message */
};

static const struct bad_case bad_cases[] = {
        {"unknown top-level key", "chans: []\n", true, "t.yaml:11:1: ", "unknown key 'chans'"},
        {"unknown key lists the allowed ones", "tenants:\n  - {name: a, pool: 4}\n", false,
         "t.yaml:2:15: ",
         "expected one of: name, uid, gid, pool_bufs, inflight, buf_size, socket_mode"},
        {"driver key on another driver", "ports:\n  - name: p\n    driver: sink\n    rate: 5\n",
         false, "t.yaml:4:5: ", "key 'rate' is for driver gen, not sink"},
        {"wrong type", "tenants:\n  - name: a\n    pool_bufs: lots\n", false,
         "t.yaml:3:16: ", "bad value for pool_bufs: 'lots'; expected an integer in 64..1048576"},
        {"wrong type: list for bool", "manager:\n  poll: [1]\n", false,
         "t.yaml:2:9: ", "bad value for poll: a list; expected true or false"},
        {"out of range", "tenants:\n  - {name: a, pool_bufs: 10}\n", false,
         "t.yaml:2:26: ", "pool_bufs 10 is out of range"},
        {"inflight out of range", "tenants:\n  - {name: a, inflight: 0}\n", false,
         "t.yaml:2:25: ", "inflight 0 is out of range"},
        {"cpus: a word", "manager: {cpus: some}\n", false, "t.yaml:1:17: ",
         "bad value for cpus: 'some'; expected auto, none or a mapping {manager: CPUS, nfs: "
         "CPUS}"},
        {"cpus: a reversed range", "manager: {cpus: {nfs: \"3-1\"}}\n", false,
         "t.yaml:1:23: ", "bad value for nfs: '3-1'; expected a CPU list such as 1 or \"0-3,6\""},
        {"cpus: a trailing comma", "manager: {cpus: {manager: \"1,\"}}\n", false,
         "t.yaml:1:27: ", "bad value for manager: '1,'; expected a CPU list"},
        {"cpus: past CPU_SETSIZE", "manager: {cpus: {manager: 4096}}\n", false,
         "t.yaml:1:27: ", "bad value for manager: '4096'"},
        {"cpus: an unknown part", "manager: {cpus: {router: 1}}\n", false,
         "t.yaml:1:18: ", "unknown key 'router'"},
        {"buf_size not a multiple of 64", "tenants:\n  - {name: a, buf_size: 1000}\n", false,
         "t.yaml:2:25: ", "not a multiple of 64"},
        {"bad CIDR", "chains:\n  - name: c\n    match: {src: 10.1.0.0/33}\n    hops: [bob/mon]\n",
         true, "t.yaml:13:18: ", "bad CIDR 10.1.0.0/33 for src"},
        {"bad CIDR text", "chains:\n  - {name: c, match: {dst: 10.1.x.0}, hops: [bob/mon]}\n", true,
         "t.yaml:12:28: ", "bad CIDR 10.1.x.0 for dst"},
        {"mixed families",
         "chains:\n  - {name: c, match: {src: 10.0.0.0/8, dst: '::1'}, hops: [bob/mon]}\n", true,
         "t.yaml:12:45: ", "expected the same address family"},
        {"unknown service in hop", "chains:\n  - name: c\n    hops: [alice/scan, alice/nope]\n",
         true, "t.yaml:13:24: ",
         "unknown service 'alice/nope' in hop; expected one of: alice/scan, alice/fwd, bob/mon"},
        {"unknown tenant in hop", "chains:\n  - {name: c, hops: [carol/scan]}\n", true,
         "t.yaml:12:22: ", "unknown tenant 'carol' in hop 'carol/scan'"},
        {"hop without a tenant", "chains:\n  - {name: c, hops: [scan]}\n", true,
         "t.yaml:12:22: ", "expected TENANT/SERVICE"},
        {"unknown output port", "chains:\n  - {name: c, hops: [bob/mon], output: sink1}\n", true,
         "t.yaml:12:40: ", "unknown port 'sink1' for output; expected one of: gen0, sink0"},
        {"output to a port that cannot transmit",
         "chains:\n  - {name: c, hops: [bob/mon], output: gen0}\n", true,
         "t.yaml:12:40: ", "cannot transmit"},
        {"unknown rule port", "chains:\n  - {name: c, match: {port: eth9}, hops: [bob/mon]}\n",
         true, "t.yaml:12:29: ", "unknown port 'eth9' for port"},
        {"duplicate tenant", "tenants:\n  - name: alice\n  - name: bob\n  - name: alice\n", false,
         "t.yaml:4:11: ", "duplicate tenant name 'alice' (first at line 2)"},
        {"duplicate service in a tenant", "  - {name: fwd, tenant: alice}\n", true,
         "t.yaml:11:12: ", "duplicate service 'alice/fwd' (first at line 9)"},
        {"duplicate key", "tenants:\n  - name: a\n    name: b\n", false,
         "t.yaml:3:5: ", "duplicate key 'name' in tenant"},
        {"on: nic not leading",
         "chains:\n  - name: c\n    hops:\n      - alice/fwd\n      - {service: alice/scan, on: "
         "nic}\n",
         true, "t.yaml:15:35: ", "expected on: nic only on the leading hops"},
        {"on: nic without patterns",
         "chains:\n  - {name: c, hops: [{service: alice/fwd, on: nic}]}\n", true,
         "t.yaml:12:47: ", "service alice/fwd has no patterns file"},
        {"bad on", "chains:\n  - {name: c, hops: [{service: alice/scan, on: fpga}]}\n", true,
         "t.yaml:12:48: ", "bad value for on: 'fpga'; expected one of: host, nic"},
        {"tenant_ifs unknown tenant",
         "ports:\n  - {name: x, driver: afxdp, ifname: eth0, tenant_ifs: {carol: v1}}\n"
         "tenants: [{name: alice}]\n",
         false, "t.yaml:2:57: ", "unknown tenant 'carol' in tenant_ifs"},
        {"tenant_ifs on afpacket",
         "ports:\n  - {name: x, driver: afpacket, ifname: eth0, tenant_ifs: {alice: v1}}\n", false,
         "t.yaml:2:47: ", "key 'tenant_ifs' is for driver afxdp, not afpacket"},
        {"bad size", "ports:\n  - {name: g, driver: gen, size: 40}\n", false,
         "t.yaml:2:34: ", "bad size 40; expected an integer in 64..1518, a list of them, or imix"},
        {"bad size in list", "ports:\n  - {name: g, driver: gen, size: [64, 2000]}\n", false,
         "t.yaml:2:39: ", "bad size '2000' in list"},
        {"bad port range",
         "ports:\n  - name: g\n    driver: gen\n    flows:\n      - {src: 10.0.0.0/8, dst: "
         "10.1.0.0/16, "
         "sport: 2000-1000}\n",
         false, "t.yaml:5:52: ", "bad port range 2000-1000 for sport"},
        {"port out of range", "chains:\n  - {name: c, match: {dport: 70000}, hops: [bob/mon]}\n",
         true, "t.yaml:12:30: ", "bad port range 70000 for dport"},
        {"too many flows for the ranges",
         "ports:\n  - name: g\n    driver: gen\n    flows: [{src: 10.0.0.1, dst: 10.0.0.2, sport: "
         "5, "
         "dport: 6, count: 2}]\n",
         false, "t.yaml:4:71: ", "count 2 is more than the 1 distinct flows"},
        {"bad steer", "ports:\n  - {name: g, driver: gen, steer: fast}\n", false,
         "t.yaml:2:35: ", "bad value for steer: 'fast'; expected one of: nic, cpu, shared"},
        {"shared mixed with nic",
         "ports:\n  - {name: a, driver: gen, steer: shared}\n  - {name: b, driver: gen, steer: "
         "nic}\n",
         false, "t.yaml:3:35: ", "the shared pool is platform-wide"},
        {"shared mixed with a defaulted nic",
         "ports:\n  - {name: a, driver: gen}\n  - {name: b, driver: pcap, in: x, steer: shared}\n",
         false, "t.yaml:3:43: ", "port 'b' uses steer shared but port 'a' uses steer nic"},
        {"bad driver", "ports:\n  - {name: g, driver: dpdk}\n", false,
         "t.yaml:2:23: ", "expected one of: gen, sink, pcap, afpacket, afxdp"},
        {"missing driver", "ports:\n  - name: g\n    steer: nic\n", false,
         "t.yaml:2:5: ", "missing required key 'driver' in port"},
        {"missing ifname", "ports:\n  - {name: x, driver: afxdp}\n", false,
         "t.yaml:2:5: ", "missing required key 'ifname' in afxdp port"},
        {"missing tenant of a service", "services:\n  - {name: s}\n", false,
         "t.yaml:2:5: ", "missing required key 'tenant' in service"},
        {"unknown tenant of a service",
         "tenants: [{name: a}]\nservices:\n  - {name: s, tenant: b}\n", false,
         "t.yaml:3:23: ", "unknown tenant 'b' for service; expected one of: a"},
        {"missing hops", "chains:\n  - name: c\n    output: sink0\n", true,
         "t.yaml:12:5: ", "missing required key 'hops' in chain 'c'"},
        {"empty hops", "chains:\n  - {name: c, hops: []}\n", true,
         "t.yaml:12:21: ", "chain 'c' has no hops"},
        {"too many hops",
         "chains:\n  - {name: c, hops: [bob/mon, bob/mon, bob/mon, bob/mon, bob/mon, bob/mon, "
         "bob/mon, bob/mon, bob/mon]}\n",
         true, "t.yaml:12:94: ", "too many hops (9); expected at most 8"},
        {"bad default chain", "chains:\n  - {name: c, hops: [bob/mon]}\ndefault: d\n", true,
         "t.yaml:13:10: ", "unknown chain 'd' for default; expected drop or one of, c"},
        {"bad on_failure", "chains:\n  - {name: c, hops: [bob/mon], on_failure: retry}\n", true,
         "t.yaml:12:44: ", "expected one of: drop, skip"},
        {"bad proto", "chains:\n  - {name: c, match: {proto: sctpx}, hops: [bob/mon]}\n", true,
         "t.yaml:12:30: ", "bad value for proto: 'sctpx'"},
        {"bad name", "tenants:\n  - {name: a/b}\n", false,
         "t.yaml:2:12: ", "bad name 'a/b': character '/' not allowed"},
        {"bad pattern escape",
         "ports:\n  - {name: g, driver: gen, payload: {patterns: ['ab\\q']}}\n", false,
         "t.yaml:2:49: ", "bad escape in pattern"},
        {"fraction out of range",
         "ports:\n  - {name: g, driver: gen, payload: {patterns: [x], fraction: 2}}\n", false,
         "t.yaml:2:63: ", "fraction 2 is out of range; expected a number in 0..1"},
        {"section of the wrong type", "ports: {name: g}\n", false,
         "t.yaml:1:8: ", "bad value for ports: a mapping; expected a list of ports"},
        {"YAML syntax: unclosed flow list", "ports: [a, b\n", false,
         "t.yaml:2:1: ", "YAML syntax error: did not find expected ',' or ']'"},
        {"YAML syntax: tab indent", "tenants:\n\t- name: a\n", false,
         "t.yaml:2:1: ", "YAML syntax error: found character that cannot start any token"},
        {"two documents", "tenants: []\n---\ntenants: []\n", false,
         "t.yaml:3:1: ", "a second YAML document"},
        {"empty config", "", false, "t.yaml:1:1: ", "the config is empty"},
        {"root not a mapping", "- a\n", false, "t.yaml:1:1: ", "the config is a list"},
        {"too many ports",
         "ports: [{name: p0, driver: sink}, {name: p1, driver: sink}, {name: p2, driver: sink},\n"
         " {name: p3, driver: sink}, {name: p4, driver: sink}, {name: p5, driver: sink},\n"
         " {name: p6, driver: sink}, {name: p7, driver: sink}, {name: p8, driver: sink},\n"
         " {name: p9, driver: sink}, {name: p10, driver: sink}, {name: p11, driver: sink},\n"
         " {name: p12, driver: sink}, {name: p13, driver: sink}, {name: p14, driver: sink},\n"
         " {name: p15, driver: sink}, {name: p16, driver: sink}]\n",
         false, "t.yaml:6:29: ", "too many ports; expected at most 16"},
        /* a pool that cannot hold the largest frame a port sends: at the pool, naming both */
        {"gen frames longer than a pool's buffers",
         "ports:\n  - {name: g, driver: gen, size: 1518}\n"
         "tenants:\n  - {name: a}\n  - {name: b, buf_size: 512}\n",
         false, "t.yaml:5:25: ",
         "tenant 'b' pool cannot hold the frames of port 'g' (gen, line 2): its buffers take "
         "frames of up to 384 bytes (buf_size 512 less 128 of headroom), the port sends frames "
         "of up to 1514 bytes (size 1518 less the 4-byte FCS); expected buf_size >= 1664"},
        {"gen frames one byte too long (default buf_size)",
         "ports:\n  - {name: g, driver: gen, size: [64, 1518]}\n"
         "tenants:\n  - {name: a, buf_size: 1600}\n",
         false, "t.yaml:4:25: ", "frames of up to 1472 bytes (buf_size 1600"},
        {"imix into small buffers",
         "ports: [{name: g, driver: gen, size: imix}]\n"
         "tenants: [{name: a, buf_size: 1024}]\n",
         false, "t.yaml:2:31: ", "the port sends frames of up to 1514 bytes"},
        {"shared pool takes the largest buf_size, still too small",
         "ports: [{name: g, driver: gen, steer: shared, size: 1518}]\n"
         "tenants: [{name: a, buf_size: 1024}, {name: b, buf_size: 512}]\n",
         false, "t.yaml:2:31: ", "tenant 'a' (shared) pool cannot hold"},
        {"steer shared: one pool of every tenant's buffers",
         "ports: [{name: g, driver: gen, steer: shared}]\ntenants:\n"
         "  - {name: a, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: b, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: c, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: d, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: e, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: f, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: g, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: h, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: i, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: j, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: k, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: l, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: m, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: n, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: o, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: p, pool_bufs: 1048576, buf_size: 512}\n"
         "  - {name: q, pool_bufs: 64, buf_size: 512}\n",
         false, "t.yaml:19:5: ", "16777280 buffers in all; expected at most 16777216"},
        /* where the NIC stages run: a known word; inline only with one dispatcher */
        {"nic_stage unknown", "manager: {nic_stage: fused}\n", false, "t.yaml:1:22: ", "nic_stage"},
        {"nic_stage inline with two dispatchers", "manager: {nic_stage: inline, dispatchers: 2}\n",
         false, "t.yaml:1:22: ",
         "nic_stage: inline runs the NIC stages in the one dispatcher's thread; expected "
         "dispatchers: 1"},
        /* dispatcher shards: a count in range, no shared pool, no afxdp port */
        {"dispatchers out of range", "manager: {dispatchers: 9}\n", false,
         "t.yaml:1:", "dispatchers 9 is out of range; expected"},
        {"dispatchers zero", "manager: {dispatchers: 0}\n", false,
         "t.yaml:1:", "dispatchers 0 is out of range; expected"},
        {"dispatchers with steer shared",
         "manager: {dispatchers: 2}\nports:\n  - {name: g, driver: gen, steer: shared}\n", false,
         "t.yaml:1:24: ", "dispatchers 2 with port 'g' on steer shared"},
        {"dispatchers with an afxdp port",
         "manager: {dispatchers: 2}\nports:\n  - {name: x, driver: afxdp, ifname: lo, steer: "
         "cpu}\n",
         false, "t.yaml:1:24: ", "dispatchers 2 with afxdp port 'x'"},
        /* nesting: refused at the first level too deep */
        {"nesting deeper than 32",
         "ports: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]"
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
         false,
         "t.yaml:1:39: ", "lists and mappings nested more than 32 deep; expected at most 32"},
        {"deep mappings",
         "a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: "
         "{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: 1}}}}}}}}}}}}}}}}}}}}}}}"
         "}}}}}}}}}}\n",
         false, "t.yaml:1:", "nested more than 32 deep"},
};

/* One cmocka test per case: the state is the case. */
static void test_bad(void **state)
{
	const struct bad_case *b = *state;
	char text[2048], err[512];
	struct tenet_config *c;

	snprintf(text, sizeof(text), "%s%s", b->with_base ? base : "", b->text);
	memset(err, 'x', sizeof(err));
	c = parse(text, err, sizeof(err));
	if (c) {
		tenet_config_free(c);
		fail_msg("accepted; wanted %s... %s", b->prefix, b->phrase);
	}
	if (strncmp(err, b->prefix, strlen(b->prefix)) || !strstr(err, b->phrase) ||
	    !strstr(err, "; expected") || strchr(err, '\n'))
		fail_msg("got:    %s\n  wanted: %s... %s", err, b->prefix, b->phrase);
}

/* the base of the error cases is itself valid */
static void test_base_valid(void **state)
{
	char err[256];
	struct tenet_config *c = parse(base, err, sizeof(err));

	(void)state;
	assert_non_null(c);
	tenet_config_free(c);
}

/* Echoed user text never breaks the one-line message, nor pushes out "expected". */
static void test_err_one_line(void **state)
{
	char err[512], text[700];
	struct tenet_config *c;

	(void)state;
	c = parse("\"a\\nb\": 1\n", err, sizeof(err)); /* a key holding a newline */
	assert_null(c);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "unknown key 'a?b'"));
	memset(text, 'k', sizeof(text));
	memcpy(text, "{", 1);
	memcpy(text + 600, ": 1}\n", 6);
	c = parse(text, err, sizeof(err)); /* a 599-byte key */
	assert_null(c);
	assert_true(strlen(err) < sizeof(err));
	assert_int_equal(strncmp(err, "t.yaml:1:2: ", 12), 0);
	assert_non_null(strstr(err, "...; expected one of: manager"));
}

/*
 * A value longer than the manager's message buffer (here a 3000-byte
 * CIDR in a ctl chain request, as fuzz_config found: the 2 KiB formatting
 * buffer used to cut the "; expected" part away) still gives one line with
 * the position and what was expected.
 */
static void test_err_long_value(void **state)
{
	static const char small[] = "ports: [{name: s, driver: sink}]\n"
	                            "tenants: [{name: alice}]\n"
	                            "services: [{name: fwd, tenant: alice}]\n"
	                            "chains: [{name: a, hops: [alice/fwd], output: s}]\n";
	char err[512], text[3200];
	struct tenet_config *c;
	size_t n;

	(void)state;
	c = parse(small, err, sizeof(err));
	assert_non_null(c);
	n = (size_t)snprintf(text, sizeof(text), "{name: b, match: {src: \"");
	memset(text + n, '7', 3000);
	n += 3000;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\"}, hops: [alice/fwd]}");
	assert_int_equal(tenet_config_parse_chain(c, text, n, err, sizeof(err)), -1);
	assert_null(strchr(err, '\n'));
	assert_int_equal(strncmp(err, "request:1:", 10), 0);
	assert_non_null(strstr(err, "...; expected an IPv4 or IPv6 address"));
	tenet_config_free(c);
}

/* afxdp tenant_ifs name tenants declared later in the file */
static void test_tenant_ifs(void **state)
{
	char err[512];
	struct tenet_config *c = parse("ports:\n  - {name: x, driver: afxdp, ifname: tnt0, "
	                               "tenant_ifs: {bob: tb, alice: ta}}\n"
	                               "tenants: [{name: alice}, {name: bob}]\n",
	                               err, sizeof(err));

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->ports[0].nb_tenant_ifs, 2);
	assert_int_equal(c->ports[0].tenant_ifs[0].tenant, 1);
	assert_string_equal(c->ports[0].tenant_ifs[0].ifname, "tb");
	assert_int_equal(c->ports[0].tenant_ifs[1].tenant, 0);
	assert_string_equal(c->ports[0].tenant_ifs[1].ifname, "ta");
	tenet_config_free(c);
}

static void test_small_err_buffer(void **state)
{
	char err[12];

	(void)state;
	assert_null(parse("tenants: [{name: a, pool_bufs: lots}]\n", err, sizeof(err)));
	assert_string_equal(err, "t.yaml:1:32");
	assert_null(parse("tenants: [{name: a, pool_bufs: lots}]\n", NULL, 0));
}

static void test_load(void **state)
{
	char err[512];
	struct tenet_config *c;

	(void)state;
	c = tenet_config_load("examples/no-such-config.yaml", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "examples/no-such-config.yaml: No such file or directory; "
	                            "expected a readable regular file (the YAML config)"));

	/* positions in a file name the file */
	c = tenet_config_load("examples/patterns.txt", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "examples/patterns.txt:"));
}

/* Write text to dir/name; returns the path (static buffer). */
static const char *put(const char *dir, const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* as tenet run: load, then the host checks */
static void load_fails(const char *path, const char *want)
{
	char err[512] = "";
	struct tenet_config *c = tenet_config_load(path, err, sizeof(err));

	if (c && tenet_config_check_host(c, err, sizeof(err)) == 0) {
		tenet_config_free(c);
		fail_msg("%s accepted; wanted %s", path, want);
	}
	tenet_config_free(c);
	if (!strstr(err, want) || !strstr(err, "expected") || strchr(err, '\n'))
		fail_msg("got:    %s\n  wanted: %s", err, want);
}

/*
 * Hostile config paths and files a config names: no open blocks (a FIFO,
 * with nobody writing: the alarm turns a hang into a failure), no read is
 * unbounded (/dev/zero), each is refused with one line naming the file.
 */
static void test_load_hostile(void **state)
{
	char dir[] = "/tmp/tenet-cfg.XXXXXX", fifo[600], want[700], text[1400];
	const char *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	alarm(20);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(want, sizeof(want), "%s: is a FIFO; expected a regular file", fifo);
	load_fails(fifo, want);
	snprintf(want, sizeof(want), "%s: is a directory; expected a regular file", dir);
	load_fails(dir, want);
	load_fails("/dev/zero", "/dev/zero: is a character device; expected a regular file");

	/* files the config names: at the line that names them */
	p = put(dir, "zero.yaml",
	        "tenants: [{name: a}]\nservices:\n  - {name: s, tenant: a, patterns: /dev/zero}\n");
	snprintf(want, sizeof(want), "%s:3:36: patterns file /dev/zero: is a character device", p);
	load_fails(p, want);
	snprintf(text, sizeof(text),
	         "tenants: [{name: a}]\nservices:\n  - {name: s, tenant: a, patterns: %s}\n", fifo);
	p = put(dir, "fifo-pat.yaml", text);
	snprintf(want, sizeof(want), "%s:3:36: patterns file %s: is a FIFO", p, fifo);
	load_fails(p, want);
	snprintf(text, sizeof(text), "ports:\n  - {name: p, driver: pcap, in: %s}\n", fifo);
	p = put(dir, "fifo-pcap.yaml", text);
	snprintf(want, sizeof(want), "%s:2:33: in file %s: is a FIFO", p, fifo);
	load_fails(p, want);
	snprintf(text, sizeof(text), "ports:\n  - {name: p, driver: pcap, in: %s}\n", dir);
	p = put(dir, "dir-pcap.yaml", text);
	snprintf(want, sizeof(want), "%s:2:33: in file %s: is a directory", p, dir);
	load_fails(p, want);
	alarm(0);

	/* a client of a running manager (tenet ctl) loads the same config
	 * without the host checks: the file names are not its business */
	{
		char err[512] = "";
		struct tenet_config *c = tenet_config_load(p, err, sizeof(err));

		if (!c)
			fail_msg("plain load: %s", err);
		assert_int_equal(tenet_config_check_host(c, err, sizeof(err)), -1);
		tenet_config_free(c);
	}

	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	assert_int_equal(system(text), 0);
}

/*
 * Pools are checked against the machine's memory, the sum named: 16
 * tenants of 64 GiB (1 TiB) exceed any machine this runs on; one of 64 GiB
 * exceeds this one unless it has that much available (then: skipped).
 */
static void test_pool_memory(void **state)
{
	char text[2048], err[512];
	struct tenet_config *c;
	size_t n = 0;
	unsigned long long kb = 0;
	char line[128];
	FILE *f;

	(void)state;
	n += (size_t)snprintf(text, sizeof(text), "tenants:\n");
	for (char t = 'a'; t < 'a' + 16; t++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "  - {name: %c, pool_bufs: 1048576, buf_size: 65536}\n", t);
	c = parse(text, err, sizeof(err));
	assert_non_null(c); /* the file is fine; the machine is too small */
	assert_int_equal(tenet_config_check_host(c, err, sizeof(err)), -1);
	tenet_config_free(c);
	if (strstr(err, "t.yaml:2:5: the pools need 1024.00 GiB (1099511627776 bytes) in all, "
	                "more than the ") != err ||
	    !strstr(err, "GiB this machine has (MemAvailable") ||
	    !strstr(err, " in /proc/meminfo); the sum passes it "
	                 "at tenant 'a' (1048576 x 65536 B = 64.0 GiB); expected pools") ||
	    strchr(err, '\n'))
		fail_msg("got: %s", err);

	f = fopen("/proc/meminfo", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "MemAvailable: %llu kB", &kb);
	fclose(f);
	if (kb >= (64ull << 20))
		skip();
	c = parse("tenants:\n  - {name: a}\n  - {name: b, pool_bufs: 1048576, buf_size: 65536}\n",
	          err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(tenet_config_check_host(c, err, sizeof(err)), -1);
	tenet_config_free(c);
	if (!strstr(err, "t.yaml:3:5: the pools need 64.02 GiB (68736778240 bytes) in all") ||
	    !strstr(err, "the sum passes it at tenant 'b' (1048576 x 65536 B = 64.0 GiB)"))
		fail_msg("got: %s", err);
}

/* a mapping of many keys is refused at the 65th, before any key is compared */
static void test_wide_mapping(void **state)
{
	size_t cap = 300000 * 20, n = 0; /* "    k299999: 1\n" is 15 bytes */
	char *text = malloc(cap), err[256] = "";
	struct cfg_rule r;
	struct tenet_config *c;

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text, cap, "ports:\n  - name: p\n    driver: sink\n");
	for (unsigned int i = 0; i < 300000; i++)
		n += (size_t)snprintf(text + n, cap - n, "    k%u: 1\n", i);
	c = tenet_config_parse(text, n, "t.yaml", err, sizeof(err));
	assert_null(c);
	assert_string_equal(err,
	                    "t.yaml:66:5: a mapping with more than 64 keys; expected at most 64");
	/* the same bound for a run-time request */
	c = parse(base, err, sizeof(err));
	assert_non_null(c);
	n = (size_t)snprintf(text, cap, "{chain: a");
	for (unsigned int i = 0; i < 100000; i++)
		n += (size_t)snprintf(text + n, cap - n, ", k%u: 1", i);
	n += (size_t)snprintf(text + n, cap - n, "}");
	assert_int_equal(tenet_config_parse_rule(c, text, n, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request:1:"));
	assert_non_null(strstr(err, "a mapping with more than 64 keys"));
	tenet_config_free(c);
	free(text);
}

/* run-time requests (tenet ctl) have the same nesting bound */
static void test_fragment_depth(void **state)
{
	char err[256] = "", text[4096];
	struct tenet_config *c = parse(base, err, sizeof(err));
	struct cfg_rule r;
	size_t n = 0;

	(void)state;
	assert_non_null(c);
	n += (size_t)snprintf(text, sizeof(text), "{match: ");
	for (unsigned int i = 0; i < 1000; i++)
		text[n++] = '[';
	text[n] = '\0';
	assert_int_equal(tenet_config_parse_rule(c, text, n, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request:1:"));
	assert_non_null(strstr(err, "nested more than 32 deep"));
	assert_int_equal(tenet_config_parse_chain(c, text, n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nested more than 32 deep"));
	tenet_config_free(c);
}

static void test_demo(void **state)
{
	char err[512] = "";
	struct tenet_config *c;

	(void)state;
	c = tenet_config_load("examples/demo.yaml", err, sizeof(err));
	if (!c)
		print_error("%s\n", err);
	assert_non_null(c);
	assert_string_equal(c->path, "examples/demo.yaml");
	assert_int_equal(c->nb_ports, 2);
	assert_string_equal(c->ports[0].name, "gen0");
	assert_int_equal(c->ports[0].driver, CFG_DRV_GEN);
	assert_int_equal(c->ports[0].steer, CFG_STEER_NIC);
	assert_true(c->ports[0].gen.duration == 10);
	assert_true(c->ports[0].gen.rate_pps == 50000);
	assert_int_equal(c->ports[0].gen.nb_flows, 2);
	assert_memory_equal(c->ports[0].gen.flows[0].src, v4(10, 1, 0, 0), 16);
	assert_memory_equal(c->ports[0].gen.flows[1].dst, v4(10, 4, 0, 0), 16);
	assert_string_equal(c->ports[0].gen.patterns[0], "attack");
	assert_true(c->ports[0].gen.pattern_fraction == 0.01);
	assert_int_equal(c->ports[1].driver, CFG_DRV_SINK);

	assert_int_equal(c->nb_tenants, 2);
	assert_string_equal(c->tenants[0].name, "alice");
	assert_string_equal(c->tenants[1].name, "bob");
	assert_int_equal(c->nb_services, 3);
	assert_string_equal(c->services[0].argv[0], "build/nf/scan");
	assert_string_equal(c->services[0].argv[2], "examples/patterns.txt");

	assert_int_equal(c->nb_chains, 2);
	const struct cfg_chain *ch = &c->chains[0];
	assert_string_equal(ch->name, "alice-web");
	assert_int_equal(ch->nb_hops, 3);
	assert_string_equal(c->services[ch->hops[0].service].name, "scan");
	assert_string_equal(c->services[ch->hops[1].service].name, "fwd");
	assert_string_equal(c->services[ch->hops[2].service].name, "monitor");
	assert_int_equal(ch->tenant, 0);
	assert_int_equal(ch->output, 1);
	assert_memory_equal(ch->match.src, v4(10, 1, 0, 0), 16);
	assert_int_equal(ch->match.src_plen, 16);
	ch = &c->chains[1];
	assert_string_equal(ch->name, "bob-all");
	assert_int_equal(ch->tenant, 1);
	assert_int_equal(ch->nb_hops, 1);
	assert_int_equal(ch->output, 1);
	assert_int_equal(c->default_chain, -1);
	tenet_config_free(c);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	        cmocka_unit_test(test_full),           cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_shared),         cmocka_unit_test(test_socket_mode),
	        cmocka_unit_test(test_base_valid),     cmocka_unit_test(test_small_err_buffer),
	        cmocka_unit_test(test_tenant_ifs),     cmocka_unit_test(test_err_one_line),
	        cmocka_unit_test(test_err_long_value), cmocka_unit_test(test_load),
	        cmocka_unit_test(test_demo),           cmocka_unit_test(test_load_hostile),
	        cmocka_unit_test(test_fragment_depth), cmocka_unit_test(test_pool_memory),
	        cmocka_unit_test(test_wide_mapping),   cmocka_unit_test(test_cpus),
	};
	enum { NB_FIXED = sizeof(fixed) / sizeof(fixed[0]) };
	enum { NB_BAD = sizeof(bad_cases) / sizeof(bad_cases[0]) };
	struct CMUnitTest tests[NB_FIXED + NB_BAD];

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < NB_BAD; i++) {
		struct CMUnitTest t =
		        cmocka_unit_test_prestate(test_bad, (void *)(uintptr_t)&bad_cases[i]);

		t.name = bad_cases[i].what;
		tests[NB_FIXED + i] = t;
	}
	return _cmocka_run_group_tests("config", tests, NB_FIXED + NB_BAD, NULL, NULL);
}
