/*
 * The Prometheus text exposition format (version 0.0.4) of a metrics
 * snapshot: a pure function of struct metrics_snap, so that a unit test
 * can check names, escaping and histogram buckets without a server.
 *
 * Conventions followed: snake_case names with the tenet_ prefix, counters
 * end in _total, base units (seconds, bytes), every family has # HELP and
 * # TYPE and its samples follow without a gap; label values escape '\',
 * '"' and newline. Every drop reason appears for every tenant from the
 * first scrape on, at 0, so that rate() over a reason works from the
 * start.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/proto.h"
#include "mgr/metrics.h"
#include "ports/sink.h"

/* 1 us .. 10 s, 1-2.5-5 per decade: NF chains on one host sit at the low end. */
const uint64_t metrics_le_ns[METRICS_LE_MAX] = {
        1000,      2500,      5000,       10000,      25000,      50000,       100000,   250000,
        500000,    1000000,   2500000,    5000000,    10000000,   25000000,    50000000, 100000000,
        250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};

const char *metrics_reject_name(enum metrics_reject k)
{
	static const char *const names[REJ_MAX] = {
	        [REJ_BUF_RANGE] = "buf_range", [REJ_NOT_OWNER] = "not_owner",
	        [REJ_BAD_LEN] = "bad_len",     [REJ_BAD_VERDICT] = "bad_verdict",
	        [REJ_BAD_INDEX] = "bad_index",
	};

	return (unsigned int)k < REJ_MAX ? names[k] : "?";
}

void metrics_latency_fill(struct metrics_latency *lat, const struct sink_hist *h)
{
	unsigned int b = 0;

	/* a sink bucket counts under the first bound its top value fits: exact to
	 * the sink's resolution (1/128), never counted below its true value */
	for (unsigned int i = 0; i < SINK_HIST_BUCKETS; i++) {
		uint64_t top = sink_hist_bucket_top(i);

		if (!h->bucket[i])
			continue;
		while (b < METRICS_LE_MAX && top > metrics_le_ns[b])
			b++;
		if (b < METRICS_LE_MAX)
			lat->bucket[b] += h->bucket[i];
		else
			lat->inf += h->bucket[i];
	}
	lat->inf += h->overflow;
	lat->sum_ns += h->sum_ns;
}

/* ---- writing -------------------------------------------------------------------------- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (const char *p = help; *p; p++) { /* HELP escapes '\' and newline */
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void value(FILE *f, const char *v)
{
	fputc('"', f);
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* name{k1="v1",k2="v2"} n, for up to three labels (NULL key: fewer). */
static void sample(FILE *f, const char *name, const char *k1, const char *v1, const char *k2,
                   const char *v2, const char *k3, const char *v3, uint64_t n)
{
	fputs(name, f);
	if (k1) {
		fprintf(f, "{%s=", k1);
		value(f, v1);
		if (k2) {
			fprintf(f, ",%s=", k2);
			value(f, v2);
		}
		if (k3) {
			fprintf(f, ",%s=", k3);
			value(f, v3);
		}
		fputc('}', f);
	}
	fprintf(f, " %llu\n", (unsigned long long)n);
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t n)
{
	family(f, name, type, help);
	sample(f, name, NULL, NULL, NULL, NULL, NULL, NULL, n);
}

/* One family with one sample per port: the field at offset off of struct metrics_port. */
static void per_port(FILE *f, const struct metrics_snap *s, const char *name, const char *help,
                     size_t off)
{
	family(f, name, "counter", help);
	for (unsigned int i = 0; i < s->nb_ports; i++)
		sample(f, name, "port", s->ports[i].name, NULL, NULL, NULL, NULL,
		       *(const uint64_t *)((const char *)&s->ports[i] + off));
}

static void per_tenant(FILE *f, const struct metrics_snap *s, const char *name, const char *type,
                       const char *help, size_t off)
{
	family(f, name, type, help);
	for (unsigned int t = 0; t < s->nb_tenants; t++)
		sample(f, name, "tenant", s->tenants[t].name, NULL, NULL, NULL, NULL,
		       *(const uint64_t *)((const char *)&s->tenants[t] + off));
}

static void per_nf(FILE *f, const struct metrics_snap *s, const char *name, const char *type,
                   const char *help, size_t off)
{
	char inst[16];

	family(f, name, type, help);
	for (unsigned int i = 0; i < s->nb_nfs; i++) {
		const struct metrics_nf *nf = &s->nfs[i];
		uint64_t n =
		        off == (size_t)-1 ? nf->up : *(const uint64_t *)((const char *)nf + off);

		snprintf(inst, sizeof(inst), "%u", nf->instance);
		sample(f, name, "tenant", nf->tenant, "service", nf->service, "instance", inst, n);
	}
}

static void latency(FILE *f, const struct metrics_snap *s)
{
	bool any = false;

	for (unsigned int i = 0; i < s->nb_ports; i++)
		any |= s->ports[i].sink;
	if (!any)
		return;
	family(f, "tenet_sink_latency_seconds", "histogram",
	       "Time from the generator's stamp to a sink port, of stamped frames "
	       "(bucket bounds exact to 1/128).");
	for (unsigned int i = 0; i < s->nb_ports; i++) {
		const struct metrics_port *p = &s->ports[i];
		uint64_t cum = 0;

		if (!p->sink)
			continue;
		for (unsigned int b = 0; b < METRICS_LE_MAX; b++) {
			cum += p->lat.bucket[b];
			fputs("tenet_sink_latency_seconds_bucket{port=", f);
			value(f, p->name);
			fprintf(f, ",le=\"%.9g\"} %llu\n", (double)metrics_le_ns[b] / 1e9,
			        (unsigned long long)cum);
		}
		cum += p->lat.inf;
		fputs("tenet_sink_latency_seconds_bucket{port=", f);
		value(f, p->name);
		fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
		fputs("tenet_sink_latency_seconds_sum{port=", f);
		value(f, p->name);
		fprintf(f, "} %.9f\n", (double)p->lat.sum_ns / 1e9);
		fputs("tenet_sink_latency_seconds_count{port=", f);
		value(f, p->name);
		fprintf(f, "} %llu\n", (unsigned long long)cum);
	}
}

static void sink_counter(FILE *f, const struct metrics_snap *s, const char *name, const char *type,
                         const char *help, size_t off)
{
	bool any = false;

	for (unsigned int i = 0; i < s->nb_ports; i++)
		any |= s->ports[i].sink;
	if (!any)
		return;
	family(f, name, type, help);
	for (unsigned int i = 0; i < s->nb_ports; i++)
		if (s->ports[i].sink)
			sample(f, name, "port", s->ports[i].name, NULL, NULL, NULL, NULL,
			       *(const uint64_t *)((const char *)&s->ports[i] + off));
}

#define PORT(field)   offsetof(struct metrics_port, field)
#define TENANT(field) offsetof(struct metrics_tenant, field)
#define NF(field)     offsetof(struct metrics_nf, field)

int metrics_render(const struct metrics_snap *s, FILE *f)
{
	char buf[32];

	one(f, "tenet_up", "gauge", "1 while the tenet manager runs.", 1);
	family(f, "tenet_build_info", "gauge",
	       "Always 1; the labels say what this tenet speaks and links (NF attach protocol "
	       "version, libmicrohttpd version).");
	snprintf(buf, sizeof(buf), "%u", (unsigned int)TENET_PROTO_VERSION);
	sample(f, "tenet_build_info", "proto_version", buf, "microhttpd", s->microhttpd, NULL, NULL,
	       1);
	family(f, "tenet_start_time_seconds", "gauge",
	       "When the manager started, in seconds since the Unix epoch.");
	fprintf(f, "tenet_start_time_seconds %.3f\n", s->start_time);
	family(f, "tenet_uptime_seconds", "gauge", "Seconds since the manager started.");
	fprintf(f, "tenet_uptime_seconds %.3f\n", s->uptime);

	/* accounting: packets_in == delivered + dropped + in flight */
	per_port(f, s, "tenet_packets_in_total",
	         "Frames that entered the platform at a port (received, or seen and dropped by "
	         "XDP).",
	         PORT(in));
	per_tenant(f, s, "tenet_delivered_total", "counter",
	           "Packets of a tenant's chains sent out of an output port.", TENANT(delivered));
	family(f, "tenet_dropped_total", "counter",
	       "Packets dropped, by reason and by the tenant whose chain held them; tenant=\"\" "
	       "for drops before any tenant's chain held the packet (NIC stage, router, XDP, "
	       "unclassified).");
	for (unsigned int r = 0; r < DROP_MAX; r++) {
		for (unsigned int t = 0; t < s->nb_tenants; t++)
			sample(f, "tenet_dropped_total", "reason", drop_reason_name(r), "tenant",
			       s->tenants[t].name, NULL, NULL, s->tenants[t].drops[r]);
		sample(f, "tenet_dropped_total", "reason", drop_reason_name(r), "tenant", "", NULL,
		       NULL, s->drops_no_tenant[r]);
	}
	per_tenant(f, s, "tenet_tenant_packets_in_total", "counter",
	           "Packets classified into a tenant's chains.", TENANT(in));
	per_tenant(f, s, "tenet_tenant_copies_in_total", "counter",
	           "Packets copied into a tenant's pool from another tenant's (cross-tenant hop).",
	           TENANT(copies_in));
	family(f, "tenet_parse_errors_total", "counter",
	       "Frames the parser refused (dropped as malformed), by error.");
	for (unsigned int e = 0; e < TENET_PKT_ERR_MAX; e++)
		sample(f, "tenet_parse_errors_total", "error",
		       tenet_pkt_err_name((enum tenet_pkt_err)e), NULL, NULL, NULL, NULL,
		       s->parse_err[e]);
	one(f, "tenet_dispatcher_wakeups_total", "counter",
	    "Times the dispatcher woke from sleep (adaptive mode).", s->wakeups);

	/* ports */
	family(f, "tenet_port_info", "gauge",
	       "Always 1; the labels say each port's driver and steer.");
	for (unsigned int i = 0; i < s->nb_ports; i++)
		sample(f, "tenet_port_info", "port", s->ports[i].name, "driver", s->ports[i].driver,
		       "steer", s->ports[i].steer, 1);
	per_port(f, s, "tenet_port_rx_frames_total", "Frames a port received into a pool.",
	         PORT(rx_frames));
	per_port(f, s, "tenet_port_rx_bytes_total", "Bytes of the frames a port received.",
	         PORT(rx_bytes));
	per_port(f, s, "tenet_port_tx_frames_total", "Frames a port sent.", PORT(tx_frames));
	per_port(f, s, "tenet_port_tx_bytes_total", "Bytes of the frames a port sent.",
	         PORT(tx_bytes));

	/* pools */
	per_tenant(f, s, "tenet_pool_buffers", "gauge",
	           "Buffers in a tenant's packet pool (the shared pool under steer: shared).",
	           TENANT(pool_bufs));
	per_tenant(f, s, "tenet_pool_free_buffers", "gauge",
	           "Free buffers in a tenant's packet pool now (fill rings hold some).",
	           TENANT(pool_free));
	per_tenant(f, s, "tenet_pool_buffer_size_bytes", "gauge",
	           "Size of one buffer of a tenant's pool.", TENANT(buf_size));

	/* chains */
	family(f, "tenet_chain_packets_total", "counter", "Packets that entered a chain.");
	for (unsigned int i = 0; i < s->nb_chains; i++)
		sample(f, "tenet_chain_packets_total", "chain", s->chains[i].name, "tenant",
		       s->chains[i].tenant, NULL, NULL, s->chains[i].pkts);

	/* NFs: one series per service instance, summed over its lives */
	per_nf(f, s, "tenet_nf_up", "gauge", "1 while the instance's NF is attached.", (size_t)-1);
	per_nf(f, s, "tenet_nf_rx_packets_total", "counter", "Packets put on the NF's rx ring.",
	       NF(rx));
	per_nf(f, s, "tenet_nf_tx_packets_total", "counter",
	       "Packets the NF handed back on its tx ring (accepted descriptors).", NF(tx));
	per_nf(f, s, "tenet_nf_verdict_drops_total", "counter", "Packets the NF said to drop.",
	       NF(verdict_drop));
	per_nf(f, s, "tenet_nf_rx_full_drops_total", "counter",
	       "Packets dropped because the NF's rx ring was full.", NF(rx_full));
	per_nf(f, s, "tenet_nf_kicks_total", "counter", "Wake-ups sent to the sleeping NF.",
	       NF(kicks));
	per_nf(f, s, "tenet_nf_kick_errors_total", "counter",
	       "Wake-ups that failed, and kick sockets the NF hung up.", NF(kick_errors));
	per_nf(f, s, "tenet_nf_reclaimed_buffers_total", "counter",
	       "Buffers the NF held when it left, taken back.", NF(reclaimed));
	family(f, "tenet_nf_rejects_total", "counter",
	       "Descriptors or ring indices from the NF that the manager refused, by kind.");
	for (unsigned int i = 0; i < s->nb_nfs; i++) {
		const struct metrics_nf *nf = &s->nfs[i];

		for (unsigned int k = 0; k < REJ_MAX; k++) {
			fputs("tenet_nf_rejects_total{tenant=", f);
			value(f, nf->tenant);
			fputs(",service=", f);
			value(f, nf->service);
			fprintf(f, ",instance=\"%u\",kind=", nf->instance);
			value(f, metrics_reject_name(k));
			fprintf(f, "} %llu\n", (unsigned long long)nf->rejects[k]);
		}
	}
	family(f, "tenet_service_restarts_total", "counter",
	       "Times the supervisor started an instance of the service again.");
	for (unsigned int i = 0; i < s->nb_services; i++)
		sample(f, "tenet_service_restarts_total", "tenant", s->services[i].tenant,
		       "service", s->services[i].name, NULL, NULL, s->services[i].restarts);
	family(f, "tenet_service_deaths_total", "counter",
	       "Times an instance of the service exited or crashed while the platform ran.");
	for (unsigned int i = 0; i < s->nb_services; i++)
		sample(f, "tenet_service_deaths_total", "tenant", s->services[i].tenant, "service",
		       s->services[i].name, NULL, NULL, s->services[i].deaths);

	/* sinks */
	sink_counter(f, s, "tenet_sink_reordered_packets_total", "counter",
	             "Stamped frames that reached a sink after a later one of their flow.",
	             PORT(reordered));
	sink_counter(f, s, "tenet_sink_duplicate_packets_total", "counter",
	             "Stamped frames a sink saw twice.", PORT(duplicates));
	sink_counter(f, s, "tenet_sink_lost_packets", "gauge",
	             "Sequence numbers a sink has not seen so far (falls when a late frame "
	             "fills a gap).",
	             PORT(lost));
	sink_counter(f, s, "tenet_sink_checksum_errors_total", "counter",
	             "Stamped frames whose IPv4/L4 checksum was wrong at the sink.",
	             PORT(csum_bad));
	latency(f, s);

	/* control socket */
	one(f, "tenet_ctl_requests_total", "counter", "tenet ctl requests answered.",
	    s->ctl_requests);
	one(f, "tenet_ctl_errors_total", "counter", "tenet ctl requests answered with an error.",
	    s->ctl_errors);
	one(f, "tenet_ctl_timeouts_total", "counter",
	    "tenet ctl connections closed for not finishing in time.", s->ctl_timeouts);
	one(f, "tenet_ctl_evicted_total", "counter",
	    "tenet ctl connections closed to make room for a new one.", s->ctl_evicted);
	return ferror(f) ? -1 : 0;
}
