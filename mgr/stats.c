/*
 * Statistics: the live table printed every stats_interval (OpenNetVM
 * style: per port, per tenant, per NF) and the final JSON summary, in
 * which packets_in == delivered + sum(dropped) holds exactly.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mgr/stats.h"
#include "mgr/tap.h"
#include "ports/sink.h"
#include "tenet/log.h"

uint64_t mgr_packets_in(struct mgr *m)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		n += cnt_get(&m->ports[i].rx.frames);
		for (unsigned int r = 0; r < DROP_MAX; r++) /* seen by XDP, never reached a pool */
			n += cnt_get(&m->ports[i].xdp_drops[r]);
	}
	return n;
}

uint64_t mgr_delivered(struct mgr *m)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		n += cnt_get(&m->ports[i].tx.frames);
	return n;
}

uint64_t mgr_dropped(struct mgr *m, enum drop_reason r)
{
	uint64_t n = cnt_get(&m->router.drops[r]);

	for (unsigned int b = 0; b < m->nb_shards; b++)
		n += cnt_get(&m->shards[b].acct.drops[r]);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		n += cnt_get(&m->ports[i].rx.drops[r]) + cnt_get(&m->ports[i].xdp_drops[r]);
	return n;
}

uint64_t mgr_packets_out(struct mgr *m)
{
	uint64_t n = mgr_delivered(m);

	for (unsigned int r = 0; r < DROP_MAX; r++)
		n += mgr_dropped(m, r);
	return n;
}

uint64_t mgr_in_flight(struct mgr *m)
{
	return mgr_packets_in(m) - mgr_packets_out(m);
}

/* The sum over the shards of the counter at offset off in struct shard. */
static uint64_t shard_sum(const struct mgr *m, size_t off)
{
	uint64_t n = 0;

	for (unsigned int b = 0; b < m->nb_shards; b++)
		n += cnt_get((const uint64_t *)((const char *)&m->shards[b] + off));
	return n;
}

uint64_t mgr_copies(struct mgr *m)
{
	return shard_sum(m, offsetof(struct shard, acct.copies));
}

uint64_t mgr_wakeups(struct mgr *m)
{
	return shard_sum(m, offsetof(struct shard, wakeups));
}

uint64_t mgr_dispatch_ns(struct mgr *m)
{
	return shard_sum(m, offsetof(struct shard, ns));
}

uint64_t mgr_dispatch_work_ns(struct mgr *m)
{
	return shard_sum(m, offsetof(struct shard, work_ns));
}

uint64_t mgr_dispatch_kick_ns(struct mgr *m)
{
	return shard_sum(m, offsetof(struct shard, nf_kick_ns));
}

static const char *rate(char *buf, size_t len, double v)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static uint64_t nf_rejects(const struct nf *nf)
{
	return nf->rej.buf_range + nf->rej.not_owner + nf->rej.bad_len + nf->rej.bad_verdict +
	       nf->tx.bad_index + nf->rx.bad_index;
}

/*
 * prev != NULL: rates over the last dt seconds, from the counters in *prev,
 * which then take the current values. prev == NULL: totals over dt seconds.
 */
static void print_table(struct mgr *m, FILE *out, double dt, struct stats_snap *prev)
{
	const struct tenet_config *c = m->cfg;
	bool totals = !prev;
	double div = totals ? 1 : dt;
	struct stats_snap none = {0};

	if (totals)
		prev = &none; /* a totals table moves no reader's baseline */
	char a[32], b[32], d[32];
	uint64_t dropped = 0;

	if (totals)
		fprintf(out, "\n=== tenet: totals over %.1f s ===\n", dt);
	else
		fprintf(out, "\n--- tenet  t=%.1fs  (%s) ---\n", mgr_now() - m->control.start_time,
		        m->poll ? "poll" : "adaptive");
	fprintf(out, "%-14s %-6s %-7s %10s %10s %8s %8s\n", "PORT", "driver", "steer",
	        totals ? "rx" : "rx pps", totals ? "tx" : "tx pps", "no-buf", "nic ms");
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *p = &m->ports[i];
		uint64_t rx = cnt_get(&p->rx.frames), tx = cnt_get(&p->tx.frames);

		fprintf(out, "%-14s %-6s %-7s %10s %10s %8llu %8.1f\n", p->cfg->name,
		        cfg_driver_name(p->cfg->driver),
		        p->port.drv && p->port.drv->rx ? cfg_steer_name(p->cfg->steer) : "-",
		        rate(a, sizeof(a), (double)(rx - prev->port_rx[i]) / div),
		        rate(b, sizeof(b), (double)(tx - prev->port_tx[i]) / div),
		        (unsigned long long)cnt_get(&p->rx.drops[DROP_NO_BUFFER]),
		        (double)cnt_get(&p->rx.ns) / 1e6);
		prev->port_rx[i] = rx;
		prev->port_tx[i] = tx;
	}
	fprintf(out, "%-14s %10s %10s %10s %10s\n", "TENANT", totals ? "in" : "in pps",
	        totals ? "delivered" : "deliv pps", totals ? "dropped" : "drop pps", "copies in");
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		struct tenant *tn = &m->tenants[t];
		uint64_t in = cnt_get(&tn->in), del = tenant_delivered(m, t),
		         dr = tenant_dropped(m, t);

		fprintf(out, "%-14s %10s %10s %10s %10llu\n", tn->cfg->name,
		        rate(a, sizeof(a), (double)(in - prev->t_in[t]) / div),
		        rate(b, sizeof(b), (double)(del - prev->t_del[t]) / div),
		        rate(d, sizeof(d), (double)(dr - prev->t_drop[t]) / div),
		        (unsigned long long)tenant_copies_in(m, t));
		prev->t_in[t] = in;
		prev->t_del[t] = del;
		prev->t_drop[t] = dr;
	}
	fprintf(out, "%-22s %10s %10s %9s %8s %8s %8s\n", "NF", totals ? "rx" : "rx pps",
	        totals ? "tx" : "tx pps", "drop", "rx-full", "rejects", "kicks");
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		struct nf *nf = &m->nfs[id];
		char name[64];
		uint64_t rx, tx;

		if (nf->state != NF_LIVE && !(totals && nf->ever_used))
			continue;
		rx = cnt_get(&nf->rx_pkts);
		tx = cnt_get(&nf->tx_pkts);
		snprintf(name, sizeof(name), "%s/%s#%u",
		         c->tenants[m->services[nf->service].tenant].name,
		         m->services[nf->service].cfg->name, nf->instance);
		fprintf(out, "%-22s %10s %10s %9llu %8llu %8llu %8llu\n", name,
		        rate(a, sizeof(a), (double)(rx - prev->nf_rx[id]) / div),
		        rate(b, sizeof(b), (double)(tx - prev->nf_tx[id]) / div),
		        (unsigned long long)cnt_get(&nf->verdict_drop),
		        (unsigned long long)cnt_get(&nf->rx_full),
		        (unsigned long long)nf_rejects(nf),
		        (unsigned long long)cnt_get(&nf->kicks));
		prev->nf_rx[id] = rx;
		prev->nf_tx[id] = tx;
	}
	fprintf(out, "drops:");
	for (unsigned int r = 0; r < DROP_MAX; r++) {
		uint64_t n = mgr_dropped(m, r);

		dropped += n;
		if (n)
			fprintf(out, " %s=%llu", drop_reason_name(r), (unsigned long long)n);
	}
	fprintf(out, "%s   copies=%llu  dispatcher wakeups=%llu\n", dropped ? "" : " none",
	        (unsigned long long)mgr_copies(m), (unsigned long long)mgr_wakeups(m));
	if (m->nb_shards > 1) {
		fprintf(out, "dispatchers:");
		for (unsigned int s = 0; s < m->nb_shards; s++)
			fprintf(out, " disp%u pkts=%llu hand_in=%llu wakeups=%llu", s,
			        (unsigned long long)cnt_get(&m->shards[s].pkts),
			        (unsigned long long)cnt_get(&m->shards[s].hand_pkts),
			        (unsigned long long)cnt_get(&m->shards[s].wakeups));
		fputc('\n', out);
	}
	if (totals) {
		uint64_t in = mgr_packets_in(m), del = mgr_delivered(m);

		static const char *const why[DROP_MAX] = {
		        [DROP_MALFORMED] = "frames that could not be parsed",
		        [DROP_NO_RULE] = "no chain matched (default: drop)",
		        [DROP_NIC_SCAN] =
		                "dropped on the NIC by an offloaded scan: never reached host "
		                "memory",
		        [DROP_NO_BUFFER] =
		                "the NIC found the tenant's pool empty (NFs slower than the "
		                "wire)",
		        [DROP_NF_VERDICT] =
		                "an NF decided to drop (e.g. scan matched a drop pattern)",
		        [DROP_NF_RX_FULL] =
		                "an NF's receive ring was full: the generator runs faster "
		                "than the chain",
		        [DROP_NO_INSTANCE] = "the next hop's service had no NF running",
		        [DROP_NF_GONE] = "held by an NF when it exited or crashed (reclaimed)",
		        [DROP_NF_VIOLATION] =
		                "an NF handed back a bad descriptor (counted, not followed)",
		        [DROP_NO_OUTPUT] = "end of a chain without an output port",
		        [DROP_SHUTDOWN] = "still in flight when the manager stopped",
		        [DROP_TX_FULL] = "the output port's transmit queue was full",
		        [DROP_OVERSIZE] =
		                "longer than the destination buffer (frame or cross-tenant copy)",
		        [DROP_RX_MISSED] =
		                "arrived with the port's receive ring full (its thread did not "
		                "poll in time; a NIC's imissed)",
		};

		for (unsigned int r = 0; r < DROP_MAX; r++)
			if (mgr_dropped(m, r))
				fprintf(out, "  %-13s %s\n", drop_reason_name(r),
				        why[r] ? why[r] : "");
		fprintf(out, "accounting: packets_in %llu = delivered %llu + dropped %llu: %s\n",
		        (unsigned long long)in, (unsigned long long)del,
		        (unsigned long long)dropped, in == del + dropped ? "exact" : "MISMATCH");
		{
			uint64_t started, packets, tdropped;

			tap_totals(m, &started, &packets, &tdropped);
			if (started) /* copies: outside the accounting above */
				fprintf(out,
				        "taps: %llu started, %llu packets streamed, %llu "
				        "copies dropped (a reader behind)\n",
				        (unsigned long long)started, (unsigned long long)packets,
				        (unsigned long long)tdropped);
		}
		for (unsigned int i = 0; i < c->nb_ports; i++) {
			struct sink_stats st;

			if (c->ports[i].driver != CFG_DRV_SINK ||
			    port_sink_stats(&m->ports[i].port, &st))
				continue;
			fprintf(out,
			        "sink %s: %llu frames, latency p50 %.1f us p99 %.1f us p99.9 %.1f "
			        "us max %.1f us; lost %llu reordered %llu\n",
			        c->ports[i].name, (unsigned long long)st.packets,
			        (double)st.lat.p50_ns / 1e3, (double)st.lat.p99_ns / 1e3,
			        (double)st.lat.p999_ns / 1e3, (double)st.lat.max_ns / 1e3,
			        (unsigned long long)st.lost, (unsigned long long)st.reordered);
		}
	}
	fflush(out);
}

void stats_print_rates(struct mgr *m, FILE *out, double dt, struct stats_snap *prev)
{
	print_table(m, out, dt, prev);
}

void stats_print_totals(struct mgr *m, FILE *out, double elapsed)
{
	print_table(m, out, elapsed, NULL);
}

void stats_nf_life_end(struct mgr *m, const struct nf *nf)
{
	struct nf_totals *t = &m->services[nf->service].lives;

	t->lives++;
	t->rx += cnt_get(&nf->rx_pkts);
	t->tx += cnt_get(&nf->tx_pkts);
	t->verdict_drop += cnt_get(&nf->verdict_drop);
	t->rx_full += cnt_get(&nf->rx_full);
	t->kicks += cnt_get(&nf->kicks);
	t->reclaimed += cnt_get(&nf->reclaimed);
	t->buf_range += nf->rej.buf_range;
	t->not_owner += nf->rej.not_owner;
	t->bad_len += nf->rej.bad_len;
	t->bad_verdict += nf->rej.bad_verdict;
	t->bad_index += nf->tx.bad_index + nf->rx.bad_index;
}

/* Every life of service i (or of every service, i < 0): ended ones and live ones. */
static struct nf_totals nf_totals(struct mgr *m, int svc)
{
	struct nf_totals t = {0};

	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		const struct nf_totals *l = &m->services[i].lives;

		if (svc >= 0 && (unsigned int)svc != i)
			continue;
		t.lives += l->lives;
		t.rx += l->rx;
		t.tx += l->tx;
		t.verdict_drop += l->verdict_drop;
		t.rx_full += l->rx_full;
		t.kicks += l->kicks;
		t.reclaimed += l->reclaimed;
		t.buf_range += l->buf_range;
		t.not_owner += l->not_owner;
		t.bad_len += l->bad_len;
		t.bad_verdict += l->bad_verdict;
		t.bad_index += l->bad_index;
	}
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		const struct nf *nf = &m->nfs[id];

		if (nf->state != NF_LIVE || (svc >= 0 && nf->service != (unsigned int)svc))
			continue;
		t.lives++;
		t.rx += cnt_get(&nf->rx_pkts);
		t.tx += cnt_get(&nf->tx_pkts);
		t.verdict_drop += cnt_get(&nf->verdict_drop);
		t.rx_full += cnt_get(&nf->rx_full);
		t.kicks += cnt_get(&nf->kicks);
		t.reclaimed += cnt_get(&nf->reclaimed);
		t.buf_range += nf->rej.buf_range;
		t.not_owner += nf->rej.not_owner;
		t.bad_len += nf->rej.bad_len;
		t.bad_verdict += nf->rej.bad_verdict;
		t.bad_index += nf->tx.bad_index + nf->rx.bad_index;
	}
	return t;
}

static void json_totals(FILE *f, const struct nf_totals *t)
{
	fprintf(f,
	        "{\"lives\": %llu, \"rx\": %llu, \"tx\": %llu, \"verdict_drop\": %llu, "
	        "\"rx_full\": %llu, \"kicks\": %llu, \"reclaimed\": %llu, \"rejects\": "
	        "{\"buf_range\": %llu, \"not_owner\": %llu, \"bad_len\": %llu, "
	        "\"bad_verdict\": %llu, \"bad_index\": %llu}}",
	        (unsigned long long)t->lives, (unsigned long long)t->rx, (unsigned long long)t->tx,
	        (unsigned long long)t->verdict_drop, (unsigned long long)t->rx_full,
	        (unsigned long long)t->kicks, (unsigned long long)t->reclaimed,
	        (unsigned long long)t->buf_range, (unsigned long long)t->not_owner,
	        (unsigned long long)t->bad_len, (unsigned long long)t->bad_verdict,
	        (unsigned long long)t->bad_index);
}

static void json_counts(FILE *f, const uint64_t *v, unsigned int n,
                        const char *(*name)(unsigned int))
{
	bool first = true;

	fputc('{', f);
	for (unsigned int i = 0; i < n; i++) {
		if (!v[i])
			continue;
		fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", name(i), (unsigned long long)v[i]);
		first = false;
	}
	fputc('}', f);
}

static const char *pkt_err_name(unsigned int e)
{
	return tenet_pkt_err_name((enum tenet_pkt_err)e);
}

static const char *drop_name(unsigned int r)
{
	return drop_reason_name((enum drop_reason)r);
}

/* The ports whose NIC stage runs inline, in shard b's thread (mgr.c, plan_nic_stages). */
static unsigned int inline_stages(const struct mgr *m, unsigned int b)
{
	unsigned int n = 0;

	for (unsigned int i = 0; b == 0 && i < m->cfg->nb_ports; i++)
		n += m->ports[i].inline_stage;
	return n;
}

int stats_write_summary(struct mgr *m, const char *path, double elapsed)
{
	const struct tenet_config *c = m->cfg;
	uint64_t in = mgr_packets_in(m), del = mgr_delivered(m), dropped = 0;
	uint64_t parse[TENET_PKT_ERR_MAX] = {0}, drops[DROP_MAX];
	uint64_t taps, tap_packets, tap_dropped;
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "we"); /* close-on-exec: nothing of the manager reaches an NF */
	if (!f) {
		tenet_log(TENET_LOG_ERR, "cannot write summary %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"config\": \"%s\",\n  \"duration_s\": %.3f,\n  \"mode\": \"%s\",\n",
	        c->path, elapsed, m->poll ? "poll" : "adaptive");
	fprintf(f, "  \"isolation\": %s,\n", m->shared ? "false" : "true");
	fprintf(f, "  \"packets_in\": %llu,\n  \"delivered\": %llu,\n  \"dropped\": {",
	        (unsigned long long)in, (unsigned long long)del);
	for (unsigned int r = 0; r < DROP_MAX; r++) {
		uint64_t n = mgr_dropped(m, r);

		dropped += n;
		fprintf(f, "%s\"%s\": %llu", r ? ", " : "", drop_reason_name(r),
		        (unsigned long long)n);
	}
	fprintf(f, "},\n  \"dropped_total\": %llu,\n  \"conserved\": %s,\n",
	        (unsigned long long)dropped, in == del + dropped ? "true" : "false");
	fprintf(f, "  \"copies\": %llu,\n  \"dispatcher_wakeups\": %llu,\n",
	        (unsigned long long)mgr_copies(m), (unsigned long long)mgr_wakeups(m));
	/* dispatcher_work and dispatcher_nf_kicks are parts of dispatcher */
	fprintf(f,
	        "  \"host_ns\": {\"dispatcher\": %llu, \"dispatcher_work\": %llu, "
	        "\"dispatcher_nf_kicks\": %llu, \"router\": %llu},\n",
	        (unsigned long long)mgr_dispatch_ns(m), (unsigned long long)mgr_dispatch_work_ns(m),
	        (unsigned long long)mgr_dispatch_kick_ns(m),
	        (unsigned long long)cnt_get(&m->router.ns));
	/* per shard: packets taken (ingress, NF tx, handoff), of them handed over
	 * by other shards, handoffs refused (ring full), wake-ups, CPU ns */
	fprintf(f, "  \"dispatchers\": [");
	for (unsigned int b = 0; b < m->nb_shards; b++) {
		const struct shard *sh = &m->shards[b];

		fprintf(f,
		        "%s{\"pkts\": %llu, \"hand_in\": %llu, \"hand_full\": %llu, "
		        "\"wakeups\": %llu, \"ns\": %llu, \"work_ns\": %llu, \"nf_kick_ns\": %llu, "
		        "\"pools\": %u, \"nic_stages\": %u}",
		        b ? ", " : "", (unsigned long long)cnt_get(&sh->pkts),
		        (unsigned long long)cnt_get(&sh->hand_pkts),
		        (unsigned long long)cnt_get(&sh->hand_full),
		        (unsigned long long)cnt_get(&sh->wakeups),
		        (unsigned long long)cnt_get(&sh->ns),
		        (unsigned long long)cnt_get(&sh->work_ns),
		        (unsigned long long)cnt_get(&sh->nf_kick_ns),
		        (unsigned int)__builtin_popcountll(m->shard_pools[b]), inline_stages(m, b));
	}
	fprintf(f, "],\n");
	for (unsigned int i = 0; i < c->nb_ports; i++)
		for (unsigned int e = 0; e < TENET_PKT_ERR_MAX; e++)
			parse[e] += cnt_get(&m->ports[i].rx.parse_err[e]);
	for (unsigned int e = 0; e < TENET_PKT_ERR_MAX; e++)
		parse[e] += cnt_get(&m->router.parse_err[e]) + cnt_get(&m->host_parse_err[e]);
	fprintf(f, "  \"parse_errors\": ");
	json_counts(f, parse, TENET_PKT_ERR_MAX, pkt_err_name);
	fprintf(f, ",\n  \"tenants\": {");
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		struct tenant *tn = &m->tenants[t];

		fprintf(f,
		        "%s\n    \"%s\": {\"in\": %llu, \"delivered\": %llu, \"dropped\": %llu, "
		        "\"copies_in\": %llu, \"pool_bufs\": %u, \"pool_free_at_stop\": %u, "
		        "\"drops\": ",
		        t ? "," : "", tn->cfg->name, (unsigned long long)cnt_get(&tn->in),
		        (unsigned long long)tenant_delivered(m, t),
		        (unsigned long long)tenant_dropped(m, t),
		        (unsigned long long)tenant_copies_in(m, t), tn->mp->pool->nb_bufs,
		        tn->mp->free_at_stop);
		for (unsigned int r = 0; r < DROP_MAX; r++)
			drops[r] = tenant_drops(m, t, (enum drop_reason)r);
		json_counts(f, drops, DROP_MAX, drop_name);
		fputc('}', f);
	}
	fprintf(f, "\n  },\n  \"chains\": {");
	for (unsigned int i = 0; i < c->nb_chains; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", c->chains[i].name,
		        (unsigned long long)cnt_get(&m->chains[i].pkts));
	fprintf(f, "},\n  \"ports\": {");
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		fprintf(f,
		        "%s\n    \"%s\": {\"driver\": \"%s\", \"steer\": \"%s\", \"rx\": %llu, "
		        "\"rx_bytes\": %llu, \"tx\": %llu, \"tx_bytes\": %llu, \"no_buffer\": "
		        "%llu, "
		        "\"nic_ns\": %llu, \"nic_wait_ns\": %llu, \"nic_stalls\": %llu, "
		        "\"nic_stall_ns\": %llu",
		        i ? "," : "", p->cfg->name, cfg_driver_name(p->cfg->driver),
		        cfg_steer_name(p->cfg->steer), (unsigned long long)cnt_get(&p->rx.frames),
		        (unsigned long long)cnt_get(&p->rx.bytes),
		        (unsigned long long)cnt_get(&p->tx.frames),
		        (unsigned long long)cnt_get(&p->tx.bytes),
		        (unsigned long long)cnt_get(&p->rx.drops[DROP_NO_BUFFER]),
		        (unsigned long long)cnt_get(&p->rx.ns),
		        (unsigned long long)cnt_get(&p->rx.wait_ns),
		        (unsigned long long)cnt_get(&p->rx.stalls),
		        (unsigned long long)cnt_get(&p->rx.stall_ns));
		if (p->port.drv && p->port.drv->report_json) {
			fprintf(f, ", \"driver_stats\": {");
			p->port.drv->report_json(&p->port, f);
			fprintf(f, "}");
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n  },\n  \"nfs\": [");
	{
		bool first = true;

		for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
			struct nf *nf = &m->nfs[id];

			if (!nf->rx_pkts && !nf->tx_pkts && !nf->reclaimed && !nf_rejects(nf))
				continue;
			fprintf(f,
			        "%s\n    {\"id\": %u, \"service\": \"%s/%s\", \"rx\": %llu, "
			        "\"tx\": "
			        "%llu, \"verdict_drop\": %llu, \"rx_full\": %llu, \"kicks\": %llu, "
			        "\"reclaimed\": %llu, \"rejects\": {\"buf_range\": %llu, "
			        "\"not_owner\": %llu, \"bad_len\": %llu, \"bad_verdict\": %llu, "
			        "\"bad_index\": %llu}}",
			        first ? "" : ",", id,
			        c->tenants[m->services[nf->service].tenant].name,
			        m->services[nf->service].cfg->name, (unsigned long long)nf->rx_pkts,
			        (unsigned long long)nf->tx_pkts,
			        (unsigned long long)nf->verdict_drop,
			        (unsigned long long)nf->rx_full, (unsigned long long)nf->kicks,
			        (unsigned long long)nf->reclaimed,
			        (unsigned long long)nf->rej.buf_range,
			        (unsigned long long)nf->rej.not_owner,
			        (unsigned long long)nf->rej.bad_len,
			        (unsigned long long)nf->rej.bad_verdict,
			        (unsigned long long)(nf->tx.bad_index + nf->rx.bad_index));
			first = false;
		}
	}
	{
		/* nfs[] lists the last life of each NF slot; the totals count every life */
		struct nf_totals t = nf_totals(m, -1);

		fprintf(f, "\n  ],\n  \"nf_totals\": ");
		json_totals(f, &t);
	}
	fprintf(f, ",\n  \"services\": {");
	for (unsigned int i = 0; i < c->nb_services; i++) {
		const struct service *svc = &m->services[i];
		struct nf_totals t = nf_totals(m, (int)i);

		fprintf(f,
		        "%s\n    \"%s/%s\": {\"restarts\": %u, \"deaths\": %u, "
		        "\"max_backoff_ms\": %u, \"cpu_ns\": %llu, \"lives\": ",
		        i ? "," : "", c->tenants[svc->tenant].name, c->services[i].name,
		        svc->restarts, svc->deaths, svc->max_backoff_ms,
		        (unsigned long long)svc->cpu_ns);
		json_totals(f, &t);
		fputc('}', f);
	}
	tap_totals(m, &taps, &tap_packets, &tap_dropped);
	fprintf(f,
	        "\n  },\n  \"ctl\": {\"requests\": %llu, \"errors\": %llu, \"timeouts\": "
	        "%llu, \"evicted\": %llu, \"taps\": %llu, \"tap_packets\": %llu, "
	        "\"tap_dropped\": %llu}\n}\n",
	        (unsigned long long)m->control.ctl.stats.requests,
	        (unsigned long long)m->control.ctl.stats.errors,
	        (unsigned long long)m->control.ctl.stats.timeouts,
	        (unsigned long long)m->control.ctl.stats.evicted, (unsigned long long)taps,
	        (unsigned long long)tap_packets, (unsigned long long)tap_dropped);
	if (fclose(f)) {
		tenet_log(TENET_LOG_ERR, "cannot write summary %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
