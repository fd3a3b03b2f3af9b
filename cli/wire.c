/*
 * tenet gen, tenet sink: the built-in generator and sink on a real
 * interface, without the manager. gen builds frames with the gen port
 * driver (ports/gen.c: flows, sizes, pacing, the payload stamp) and sends
 * them out of an interface through the afpacket driver's tx; sink receives
 * through the afpacket driver's rx and measures with the sink port driver
 * (ports/sink.c: per-flow loss, reordering, duplicates, latency from the
 * stamp, checksums). Run one in each of two network namespaces joined by
 * a veth pair, or on two hosts' NICs, to test a path or the manager in
 * between. The stamp carries CLOCK_MONOTONIC, so latency is meaningful
 * only when both ends run on one host (any network namespaces).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lib/sig.h"
#include "mgr/config.h"
#include "ports/afpacket.h"
#include "ports/port.h"
#include "ports/sink.h"
#include "ports/stamp.h"

#define WIRE_BURST    256
#define WIRE_FRAME    2048
#define WIRE_IDLE_NS  20000 /* generator: sleep while the pace gives no frames */
#define FLOW_SCAN_MAX (1u << 20)

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- option parsing ------------------------------------------------------------------------ */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	double d;

	if (!s[0] || s[0] == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (!*end && !errno)
		return true;
	/* 2e5, 1e6 */
	d = strtod(s, &end);
	if (*end || d < 0 || d > 1.8e19 || d != (double)(uint64_t)d)
		return false;
	*v = (uint64_t)d;
	return true;
}

static bool parse_num(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return s[0] && !*end && *v >= 0;
}

static bool parse_cidr(const char *s, uint8_t *family, uint8_t addr[16], uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long len;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return false;
	len = *family == 4 ? 32 : 128;
	if (slash) {
		char *end;
		unsigned long l;

		if (!isdigit((unsigned char)slash[1]))
			return false;
		l = strtoul(slash + 1, &end, 10);
		if (*end || l > len)
			return false;
		len = l;
	}
	*plen = (uint8_t)len;
	for (unsigned int i = 0; i < 16; i++) {
		int keep = (int)len - 8 * (int)i;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (uint8_t)(0xff00 >> keep);
	}
	return true;
}

static bool parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return false;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a > b || b > 65535)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

static bool parse_sizes(const char *s, struct cfg_gen *g)
{
	const char *p = s;

	if (!strcmp(s, "imix")) {
		g->imix = true;
		g->nb_sizes = 0;
		return true;
	}
	g->imix = false;
	g->nb_sizes = 0;
	for (;;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (!isdigit((unsigned char)*p) || v < 64 || v > 1518 ||
		    g->nb_sizes >= CFG_MAX_SIZES)
			return false;
		g->sizes[g->nb_sizes++] = (uint16_t)v;
		if (!*end)
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return false;
		mac[i] = (uint8_t)b[i];
	}
	return true;
}

/* ---- shared -------------------------------------------------------------------------------- */

/* Open an afpacket port on ifname; on error print why and return -1. */
static int open_wire(struct port *p, struct cfg_port *cfg, const char *ifname, const char *cmd)
{
	char err[256] = "";
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "wire");
	cfg->driver = CFG_DRV_AFPACKET;
	snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", ifname);
	memset(p, 0, sizeof(*p));
	p->drv = &port_afpacket;
	p->cfg = cfg;
	rc = p->drv->open(p, cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "tenet %s: %s\n", cmd, err[0] ? err : strerror(-rc));
		return -1;
	}
	return 0;
}

static void report(FILE *out, const char *key, struct port *p)
{
	fprintf(out, "  \"%s\": {", key);
	p->drv->report_json(p, out);
	fprintf(out, "}");
}

/* ---- tenet gen ----------------------------------------------------------------------------- */

static void gen_usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet gen --ifname IF [--config FILE --port NAME] [--rate PPS] [--count "
	        "N]\n"
	        "                 [--duration S] [--size N[,N...]|imix] [--src CIDR --dst CIDR "
	        "...]\n"
	        "                 [--proto udp|tcp] [--sport RANGE] [--dport RANGE] [--flows N]\n"
	        "                 [--vlan ID] [--seed N] [--smac MAC] [--dmac MAC] [--json]\n"
	        "\n"
	        "Generate stamped frames with the built-in generator and send them out of\n"
	        "interface IF (AF_PACKET, needs CAP_NET_RAW). Stops after --count frames or\n"
	        "--duration seconds (whichever comes first), or at SIGINT/SIGTERM.\n"
	        "\n"
	        "  --ifname IF       interface to send on (required)\n"
	        "  --config FILE     take the traffic from a gen port of a tenet config ...\n"
	        "  --port NAME       ... this one (default: the config's only gen port);\n"
	        "                    the options below override its settings\n"
	        "  --rate PPS        packets per second (default 0: as fast as possible)\n"
	        "  --count N         frames to send (0: no limit)\n"
	        "  --duration S      seconds to send (0: no limit)\n"
	        "  --size LIST       frame sizes on the wire incl. FCS, 64..1518, drawn uniformly\n"
	        "                    from the list; or imix (64/570/1518 at 7:4:1). Default 64\n"
	        "  --src CIDR        source prefix of a flow group; repeat --src/--dst for more\n"
	        "  --dst CIDR        destination prefix (the i-th --dst pairs with the i-th "
	        "--src)\n"
	        "  --proto P         udp (default) or tcp, for every group given here\n"
	        "  --sport RANGE     source ports, N or LO-HI (default 1024-65535)\n"
	        "  --dport RANGE     destination ports (default 1024-65535)\n"
	        "  --flows N         distinct flows per group (default 1)\n"
	        "  --vlan ID         802.1Q tag 1..4095 (default untagged)\n"
	        "  --seed N          PRNG seed (default 1)\n"
	        "  --smac, --dmac    Ethernet source/destination (default 02:00:00:00:00:01 and\n"
	        "                    02:00:00:00:00:02; a NIC without promiscuous mode at the\n"
	        "                    far end needs --dmac set to its address)\n"
	        "  --json            print the result as JSON\n"
	        "\n"
	        "Without --src/--dst and --config: one flow 10.0.0.1:1024 -> 10.0.0.2:1024 UDP.\n"
	        "Exit status: 0 ok, 1 error (also when frames could not be sent), 2 usage.\n");
}

struct gen_opts {
	const char *ifname, *config, *port;
	bool json, have_smac, have_dmac;
	bool have_rate, have_count, have_duration, have_size, have_seed;
	double rate, duration;
	uint64_t count, seed;
	struct cfg_gen sizes; /* only sizes/nb_sizes/imix */
	unsigned int nb_src, nb_dst;
	struct cfg_gen_flow flow[CFG_MAX_FLOWS];
	uint8_t dst_family[CFG_MAX_FLOWS];
	uint8_t proto;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi, vlan;
	uint32_t flows;
	uint8_t smac[6], dmac[6];
};

/* The traffic: a gen port of a config, or one built from the options. */
static int gen_cfg(struct gen_opts *o, struct cfg_port *out)
{
	memset(out, 0, sizeof(*out));
	if (o->config) {
		char err[512];
		struct tenet_config *c = tenet_config_load(o->config, err, sizeof(err));
		int found = -1, gens = 0;

		if (!c) {
			fprintf(stderr, "tenet gen: %s\n", err);
			return -1;
		}
		for (unsigned int i = 0; i < c->nb_ports; i++) {
			if (o->port && !strcmp(c->ports[i].name, o->port))
				found = (int)i;
			if (!o->port && c->ports[i].driver == CFG_DRV_GEN) {
				gens++;
				found = (int)i;
			}
		}
		if (found < 0 || (!o->port && gens != 1)) {
			if (o->port)
				fprintf(stderr, "tenet gen: %s has no port '%s'\n", o->config,
				        o->port);
			else
				fprintf(stderr,
				        "tenet gen: %s has %d gen ports; name one with --port\n",
				        o->config, gens);
			tenet_config_free(c);
			return -1;
		}
		if (c->ports[found].driver != CFG_DRV_GEN) {
			fprintf(stderr, "tenet gen: port '%s' of %s is a %s port, not gen\n",
			        c->ports[found].name, o->config,
			        cfg_driver_name(c->ports[found].driver));
			tenet_config_free(c);
			return -1;
		}
		*out = c->ports[found];
		tenet_config_free(c);
	} else {
		snprintf(out->name, sizeof(out->name), "gen");
		out->gen.seed = 1;
	}
	out->driver = CFG_DRV_GEN;
	if (o->have_rate)
		out->gen.rate_pps = o->rate;
	if (o->have_count)
		out->gen.count = o->count;
	if (o->have_duration)
		out->gen.duration = o->duration;
	if (o->have_seed)
		out->gen.seed = o->seed;
	if (o->have_size) {
		memcpy(out->gen.sizes, o->sizes.sizes, sizeof(out->gen.sizes));
		out->gen.nb_sizes = o->sizes.nb_sizes;
		out->gen.imix = o->sizes.imix;
	}
	if (o->nb_src != o->nb_dst) {
		fprintf(stderr, "tenet gen: %u --src but %u --dst; give them in pairs\n", o->nb_src,
		        o->nb_dst);
		return -1;
	}
	if (o->nb_src) {
		for (unsigned int i = 0; i < o->nb_src; i++) {
			struct cfg_gen_flow *f = &o->flow[i];

			if (o->dst_family[i] != f->family) {
				fprintf(stderr,
				        "tenet gen: flow group %u mixes IPv4 and IPv6 (--src and "
				        "--dst must be of one family)\n",
				        i + 1);
				return -1;
			}
			f->proto = o->proto;
			f->sport_lo = o->sport_lo;
			f->sport_hi = o->sport_hi;
			f->dport_lo = o->dport_lo;
			f->dport_hi = o->dport_hi;
			f->vlan = o->vlan;
			f->count = o->flows;
			f->weight = 1;
			out->gen.flows[i] = *f;
		}
		out->gen.nb_flows = o->nb_src;
	}
	return 0;
}

static int gen_parse(int argc, char **argv, struct gen_opts *o)
{
	static const struct option opts[] = {
	        {"ifname", required_argument, NULL, 'i'},
	        {"config", required_argument, NULL, 'c'},
	        {"port", required_argument, NULL, 'P'},
	        {"rate", required_argument, NULL, 'r'},
	        {"count", required_argument, NULL, 'n'},
	        {"duration", required_argument, NULL, 'd'},
	        {"size", required_argument, NULL, 'S'},
	        {"src", required_argument, NULL, 's'},
	        {"dst", required_argument, NULL, 'D'},
	        {"proto", required_argument, NULL, 'p'},
	        {"sport", required_argument, NULL, 1},
	        {"dport", required_argument, NULL, 2},
	        {"flows", required_argument, NULL, 'f'},
	        {"vlan", required_argument, NULL, 3},
	        {"seed", required_argument, NULL, 4},
	        {"smac", required_argument, NULL, 5},
	        {"dmac", required_argument, NULL, 6},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->proto = 17;
	o->sport_lo = o->dport_lo = 1024;
	o->sport_hi = o->dport_hi = 65535;
	o->flows = 1;
	while ((c = getopt_long(argc, argv, "i:c:P:r:n:d:S:s:D:p:f:jh", opts, NULL)) != -1) {
		const char *bad = NULL;

		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'P':
			o->port = optarg;
			break;
		case 'r':
			o->have_rate = true;
			if (!parse_num(optarg, &o->rate))
				bad = "--rate wants packets per second";
			break;
		case 'n':
			o->have_count = true;
			if (!parse_u64(optarg, &o->count))
				bad = "--count wants a number of frames";
			break;
		case 'd':
			o->have_duration = true;
			if (!parse_num(optarg, &o->duration))
				bad = "--duration wants seconds";
			break;
		case 'S':
			o->have_size = true;
			if (!parse_sizes(optarg, &o->sizes))
				bad = "--size wants 1..16 sizes in 64..1518, comma-separated, or "
				      "imix";
			break;
		case 's':
		case 'D': {
			unsigned int *nb = c == 's' ? &o->nb_src : &o->nb_dst;
			struct cfg_gen_flow *f = &o->flow[*nb];
			uint8_t *fam = c == 's' ? &f->family : &o->dst_family[*nb];

			if (*nb >= CFG_MAX_FLOWS) {
				bad = "too many flow groups (at most 16)";
				break;
			}
			if (!parse_cidr(optarg, fam, c == 's' ? f->src : f->dst,
			                c == 's' ? &f->src_plen : &f->dst_plen))
				bad = "--src/--dst want an address with an optional /LEN";
			(*nb)++;
			break;
		}
		case 'p':
			if (!strcmp(optarg, "udp"))
				o->proto = 17;
			else if (!strcmp(optarg, "tcp"))
				o->proto = 6;
			else
				bad = "--proto wants udp or tcp";
			break;
		case 1:
			if (!parse_range(optarg, &o->sport_lo, &o->sport_hi))
				bad = "--sport wants N or LO-HI in 0..65535";
			break;
		case 2:
			if (!parse_range(optarg, &o->dport_lo, &o->dport_hi))
				bad = "--dport wants N or LO-HI in 0..65535";
			break;
		case 'f':
			if (!parse_u64(optarg, &v) || !v || v > (1u << 24))
				bad = "--flows wants 1..16777216";
			o->flows = (uint32_t)v;
			break;
		case 3:
			if (!parse_u64(optarg, &v) || !v || v > 4095)
				bad = "--vlan wants 1..4095";
			o->vlan = (uint16_t)v;
			break;
		case 4:
			o->have_seed = true;
			if (!parse_u64(optarg, &o->seed))
				bad = "--seed wants a number";
			break;
		case 5:
			o->have_smac = true;
			if (!parse_mac(optarg, o->smac))
				bad = "--smac wants xx:xx:xx:xx:xx:xx";
			break;
		case 6:
			o->have_dmac = true;
			if (!parse_mac(optarg, o->dmac))
				bad = "--dmac wants xx:xx:xx:xx:xx:xx";
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			gen_usage(stdout);
			return 0;
		default:
			gen_usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "tenet gen: %s, got '%s'\n", bad, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tenet gen: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->ifname) {
		fprintf(stderr, "tenet gen: --ifname IF is required\n");
		gen_usage(stderr);
		return 2;
	}
	if (o->port && !o->config) {
		fprintf(stderr, "tenet gen: --port names a port of --config FILE\n");
		return 2;
	}
	return -1;
}

int cli_gen(int argc, char **argv)
{
	static uint8_t copy[WIRE_BURST][WIRE_FRAME];
	struct tenet_frame f[WIRE_BURST];
	struct cfg_port gcfg, wcfg;
	struct port gp, wp;
	struct afpacket_stats ws;
	struct gen_opts o;
	uint64_t t0 = 0, t1 = 0, generated = 0;
	char err[256] = "";
	int rc;

	rc = gen_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (gen_cfg(&o, &gcfg) < 0)
		return 1;
	memset(&gp, 0, sizeof(gp));
	gp.drv = &port_gen;
	gp.cfg = &gcfg;
	rc = gp.drv->open(&gp, &gcfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "tenet gen: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	if (open_wire(&wp, &wcfg, o.ifname, "gen") < 0) {
		gp.drv->close(&gp);
		return 1;
	}
	if (!gcfg.gen.count && !gcfg.gen.duration && !o.json)
		fprintf(stderr, "tenet gen: sending on %s until ^C\n", o.ifname);
	tenet_catch_stop_signals(false);
	while (!tenet_stop_signal) {
		int n = gp.drv->rx(&gp, f, WIRE_BURST);

		if (n == -ENODATA)
			break;
		if (n <= 0) {
			struct timespec ts = {0, WIRE_IDLE_NS};

			nanosleep(&ts, NULL);
			continue;
		}
		if (!t0)
			t0 = stamp_now_ns();
		if (o.have_smac || o.have_dmac) {
			for (int i = 0; i < n; i++) {
				memcpy(copy[i], f[i].data, f[i].len);
				if (o.have_dmac)
					memcpy(copy[i], o.dmac, 6);
				if (o.have_smac)
					memcpy(copy[i] + 6, o.smac, 6);
				f[i].data = copy[i];
			}
		}
		wp.drv->tx(&wp, f, (unsigned int)n);
		generated += (uint64_t)n;
	}
	t1 = stamp_now_ns();
	port_afpacket_stats(&wp, &ws);
	{
		double el = t0 ? secs(t1 - t0) : 0;
		double pps = el > 0 ? (double)ws.tx_packets / el : 0;
		double mbps =
		        el > 0 ? (double)(ws.tx_bytes + 24 * ws.tx_packets) * 8 / el / 1e6 : 0;

		if (o.json) {
			printf("{\n  \"ifname\": \"%s\", \"elapsed_s\": %.6f, \"generated\": %llu, "
			       "\"sent\": %llu, \"bytes\": %llu, \"tx_errors\": %llu, \"pps\": "
			       "%.0f, "
			       "\"mbps_wire\": %.3f,\n",
			       o.ifname, el, (unsigned long long)generated,
			       (unsigned long long)ws.tx_packets, (unsigned long long)ws.tx_bytes,
			       (unsigned long long)ws.tx_errors, pps, mbps);
			report(stdout, "gen", &gp);
			printf(",\n");
			report(stdout, "afpacket", &wp);
			printf("\n}\n");
		} else {
			printf("tenet gen: sent %llu frames (%llu bytes) out of %s in %.3f s: %.0f "
			       "pps, "
			       "%.1f Mbit/s on the wire\n",
			       (unsigned long long)ws.tx_packets, (unsigned long long)ws.tx_bytes,
			       o.ifname, el, pps, mbps);
			if (ws.tx_errors)
				printf("tenet gen: %llu frames not sent (last error: %s)\n",
				       (unsigned long long)ws.tx_errors,
				       strerror(ws.last_tx_errno));
		}
	}
	wp.drv->close(&wp);
	gp.drv->close(&gp);
	return ws.tx_errors ? 1 : 0;
}

/* ---- tenet sink ---------------------------------------------------------------------------- */

static void sink_usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet sink --ifname IF [--duration S] [--count N] [--idle S] [--promisc]\n"
	        "                  [--json]\n"
	        "\n"
	        "Receive frames on interface IF (AF_PACKET, needs CAP_NET_RAW) and measure\n"
	        "them like the sink port: packets, per-flow loss, reordering and duplicates,\n"
	        "latency from the generator's stamp (CLOCK_MONOTONIC: meaningful when the\n"
	        "generator runs on this host, in any network namespace), checksum errors,\n"
	        "and the frames the kernel dropped because the ring was full.\n"
	        "Prints 'tenet sink: listening on IF' on stderr once it receives.\n"
	        "\n"
	        "  --ifname IF   interface to receive on (required)\n"
	        "  --duration S  stop after S seconds\n"
	        "  --count N     stop after N frames\n"
	        "  --idle S      stop S seconds after the last frame (once one arrived)\n"
	        "  --promisc     promiscuous mode (off by default; the interface returns to\n"
	        "                its own setting at exit)\n"
	        "  --json        print the result as JSON\n"
	        "\n"
	        "Without --duration, --count or --idle it runs until SIGINT/SIGTERM.\n"
	        "Exit status: 0 ok, 1 error, 2 usage.\n");
}

struct flow_scan {
	uint64_t scanned, with_loss, with_reorder, with_dup, worst_lost;
	uint32_t worst_flow;
};

/*
 * The sink looks flows up by stamp id; the generator numbers them from 0
 * per port (STAMP_FLOW). Probe those ids until every flow is found or the
 * probe budget is spent.
 */
static void scan_flows(struct port *sp, uint64_t nb_flows, struct flow_scan *fs)
{
	unsigned int probes = 0;

	memset(fs, 0, sizeof(*fs));
	for (uint32_t port = 0; port < 256 && fs->scanned < nb_flows; port++) {
		unsigned int misses = 0;

		for (uint32_t i = 0; i < (1u << STAMP_FLOW_BITS) && fs->scanned < nb_flows; i++) {
			struct sink_flow_stats st;

			if (++probes > FLOW_SCAN_MAX)
				return;
			if (port_sink_flow(sp, STAMP_FLOW(port, i), &st) < 0) {
				if (++misses > 4096)
					break;
				continue;
			}
			misses = 0;
			fs->scanned++;
			fs->with_loss += st.lost > 0;
			fs->with_reorder += st.reordered > 0;
			fs->with_dup += st.duplicates > 0;
			if (st.lost > fs->worst_lost) {
				fs->worst_lost = st.lost;
				fs->worst_flow = STAMP_FLOW(port, i);
			}
		}
	}
}

int cli_sink(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"ifname", required_argument, NULL, 'i'},
	        {"duration", required_argument, NULL, 'd'},
	        {"count", required_argument, NULL, 'n'},
	        {"idle", required_argument, NULL, 'I'},
	        {"promisc", no_argument, NULL, 'p'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *ifname = NULL;
	double duration = 0, idle = 0;
	uint64_t count = 0, got = 0, start, first = 0, last = 0, now;
	bool json = false, promisc = false;
	struct tenet_frame f[WIRE_BURST];
	struct cfg_port scfg, wcfg;
	struct port sp, wp;
	struct sink_stats st;
	struct afpacket_stats ws;
	struct flow_scan fs;
	char err[256] = "";
	int c, rc;

	while ((c = getopt_long(argc, argv, "i:d:n:I:pjh", opts, NULL)) != -1) {
		const char *bad = NULL;

		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'd':
			if (!parse_num(optarg, &duration))
				bad = "--duration wants seconds";
			break;
		case 'n':
			if (!parse_u64(optarg, &count))
				bad = "--count wants a number of frames";
			break;
		case 'I':
			if (!parse_num(optarg, &idle))
				bad = "--idle wants seconds";
			break;
		case 'p':
			promisc = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			sink_usage(stdout);
			return 0;
		default:
			sink_usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "tenet sink: %s, got '%s'\n", bad, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tenet sink: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!ifname) {
		fprintf(stderr, "tenet sink: --ifname IF is required\n");
		sink_usage(stderr);
		return 2;
	}
	memset(&scfg, 0, sizeof(scfg));
	snprintf(scfg.name, sizeof(scfg.name), "sink");
	scfg.driver = CFG_DRV_SINK;
	memset(&sp, 0, sizeof(sp));
	sp.drv = &port_sink;
	sp.cfg = &scfg;
	rc = sp.drv->open(&sp, &scfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "tenet sink: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	if (open_wire(&wp, &wcfg, ifname, "sink") < 0) {
		sp.drv->close(&sp);
		return 1;
	}
	if (promisc && (rc = port_afpacket_promisc(&wp, true)) < 0) {
		fprintf(stderr, "tenet sink: promiscuous mode on %s: %s\n", ifname, strerror(-rc));
		wp.drv->close(&wp);
		sp.drv->close(&sp);
		return 1;
	}
	tenet_catch_stop_signals(false);
	fprintf(stderr, "tenet sink: listening on %s\n", ifname);
	start = stamp_now_ns();
	while (!tenet_stop_signal) {
		unsigned int want = WIRE_BURST;
		int n;

		if (count && count - got < want)
			want = (unsigned int)(count - got);
		n = wp.drv->rx(&wp, f, want);
		now = stamp_now_ns();
		if (n > 0) {
			sp.drv->tx(&sp, f, (unsigned int)n);
			got += (unsigned int)n;
			if (!first)
				first = now;
			last = now;
		}
		if (count && got >= count)
			break;
		if (duration > 0 && secs(now - start) >= duration)
			break;
		if (idle > 0 && first && secs(now - last) >= idle)
			break;
	}
	now = stamp_now_ns();
	port_sink_stats(&sp, &st);
	port_afpacket_stats(&wp, &ws);
	scan_flows(&sp, st.flows, &fs);
	{
		double el = secs(now - start), span = first ? secs(last - first) : 0;
		double pps = span > 0 ? (double)st.packets / span : 0;

		if (json) {
			printf("{\n  \"ifname\": \"%s\", \"elapsed_s\": %.6f, \"span_s\": %.6f, "
			       "\"pps\": %.0f,\n",
			       ifname, el, span, pps);
			printf("  \"packets\": %llu, \"bytes\": %llu, \"stamped\": %llu, "
			       "\"unstamped\": %llu, \"flows\": %llu, \"flows_scanned\": %llu, "
			       "\"flows_with_loss\": %llu, \"flows_with_reorder\": %llu, "
			       "\"flows_with_duplicates\": %llu,\n",
			       (unsigned long long)st.packets, (unsigned long long)st.bytes,
			       (unsigned long long)st.stamped, (unsigned long long)st.unstamped,
			       (unsigned long long)st.flows, (unsigned long long)fs.scanned,
			       (unsigned long long)fs.with_loss,
			       (unsigned long long)fs.with_reorder,
			       (unsigned long long)fs.with_dup);
			printf("  \"lost\": %llu, \"reordered\": %llu, \"duplicates\": %llu, "
			       "\"csum_checked\": %llu, \"csum_bad\": %llu, \"kernel_packets\": "
			       "%llu, "
			       "\"kernel_drops\": %llu,\n",
			       (unsigned long long)st.lost, (unsigned long long)st.reordered,
			       (unsigned long long)st.duplicates,
			       (unsigned long long)st.csum_checked, (unsigned long long)st.csum_bad,
			       (unsigned long long)ws.kernel_packets,
			       (unsigned long long)ws.kernel_drops);
			printf("  \"latency_ns\": {\"count\": %llu, \"min\": %llu, \"mean\": %llu, "
			       "\"p50\": %llu, \"p99\": %llu, \"p99_9\": %llu, \"max\": %llu},\n",
			       (unsigned long long)st.lat.count, (unsigned long long)st.lat.min_ns,
			       (unsigned long long)st.lat.mean_ns,
			       (unsigned long long)st.lat.p50_ns, (unsigned long long)st.lat.p99_ns,
			       (unsigned long long)st.lat.p999_ns,
			       (unsigned long long)st.lat.max_ns);
			report(stdout, "sink", &sp);
			printf(",\n");
			report(stdout, "afpacket", &wp);
			printf("\n}\n");
		} else {
			printf("tenet sink: %llu frames (%llu bytes) on %s in %.3f s, %.0f pps "
			       "while "
			       "traffic lasted\n",
			       (unsigned long long)st.packets, (unsigned long long)st.bytes, ifname,
			       el, pps);
			printf("  stamped %llu, unstamped %llu; flows %llu (%llu with loss, %llu "
			       "reordered, %llu with duplicates)\n",
			       (unsigned long long)st.stamped, (unsigned long long)st.unstamped,
			       (unsigned long long)st.flows, (unsigned long long)fs.with_loss,
			       (unsigned long long)fs.with_reorder,
			       (unsigned long long)fs.with_dup);
			printf("  lost %llu, reordered %llu, duplicates %llu; checksums: %llu "
			       "checked, "
			       "%llu bad\n",
			       (unsigned long long)st.lost, (unsigned long long)st.reordered,
			       (unsigned long long)st.duplicates,
			       (unsigned long long)st.csum_checked,
			       (unsigned long long)st.csum_bad);
			printf("  kernel drops (ring full) %llu\n",
			       (unsigned long long)ws.kernel_drops);
			if (st.lat.count)
				printf("  latency us: min %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  "
				       "max "
				       "%.1f\n",
				       st.lat.min_ns / 1e3, st.lat.p50_ns / 1e3,
				       st.lat.p99_ns / 1e3, st.lat.p999_ns / 1e3,
				       st.lat.max_ns / 1e3);
			if (fs.worst_lost)
				printf("  worst flow %u: %llu lost\n", fs.worst_flow,
				       (unsigned long long)fs.worst_lost);
		}
	}
	wp.drv->close(&wp);
	sp.drv->close(&sp);
	return 0;
}
