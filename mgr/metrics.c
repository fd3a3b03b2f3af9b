/*
 * The Prometheus /metrics server: libmicrohttpd on one thread of its own
 * (MHD_USE_INTERNAL_POLLING_THREAD with epoll: one thread serves every
 * connection without blocking on any), at most METRICS_CONNS connections,
 * each closed after METRICS_TIMEOUT_S s without progress, each with
 * METRICS_CONN_MEM bytes for its request. It answers GET (and HEAD)
 * /metrics, 404 elsewhere and 405 to other methods. It never writes to the
 * platform and takes no lock that the data path takes.
 *
 * What the server thread reads, and why each read is safe:
 *
 *   - counters of the nic, router and dispatcher threads and the sink
 *     port (ports, tenants, drops, chains' packets, latency): relaxed
 *     atomic loads (cnt_get) of counters that one thread writes, as the
 *     live table does; each value is whole, values taken together may be
 *     a few packets apart;
 *   - a pool's free count: the dispatcher's plain field, read with a
 *     relaxed load, for display (as `tenet ctl tenants` does);
 *   - the config's names of ports, tenants and services, and each pool's
 *     geometry: fixed before this thread starts, never written again;
 *   - everything the control thread owns and changes (which NF holds which
 *     slot, the chains tenet ctl adds or removes, supervisor and ctl
 *     counters, the counters of NF lives that ended): only through a
 *     snapshot the control thread builds itself and publishes every
 *     METRICS_PUBLISH_S (metrics_publish). The handover is one mutex held
 *     only for a pointer swap (control) or a memcpy of the snapshot
 *     (server), and the control thread only ever try-locks it: when the
 *     server holds it, it publishes on its next loop instead. So the
 *     control thread never waits for a scrape, and a slot that changes
 *     hands between two publications is never read under the wrong name:
 *     an NF's counters are copied on the control thread, together with the
 *     slot's owner, into the same snapshot.
 *
 * A published chain's name and tenant are read from the config: tenet ctl
 * fills a chain's slot before it counts it, and never reuses a slot.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mgr/metrics.h"
#include "mgr/stats.h"
#include "ports/sink.h"
#include "tenet/log.h"

/* What the control thread publishes (see the top of the file). */
struct metrics_pub {
	unsigned int nb_chains;
	struct metrics_service services[CFG_MAX_SERVICES];
	uint64_t ctl_requests, ctl_errors, ctl_timeouts, ctl_evicted;
	unsigned int nb_nfs;
	struct metrics_nf nfs[]; /* every instance of every service, in service order */
};

struct metrics {
	struct mgr *m;
	struct MHD_Daemon *d;
	double start_mono, start_wall;
	size_t pub_size; /* bytes of a struct metrics_pub with its nfs[] */
	/* the handover: lock held for a pointer swap or one memcpy */
	pthread_mutex_t lock;
	struct metrics_pub *pub;
	/* control thread only */
	struct metrics_pub *spare;                /* built here, then swapped with pub */
	unsigned int inst_base[CFG_MAX_SERVICES]; /* services[i]'s first entry in nfs[] */
	struct metrics_nf *ended;                 /* lives that ended, per entry */
	double next_pub;
	/* server thread only */
	struct metrics_pub *mine;
	struct metrics_snap *snap;
	struct sink_hist *hist;
};

/* ---- control thread ------------------------------------------------------------------ */

static void nf_add(struct metrics_nf *to, const struct metrics_nf *from)
{
	to->rx += from->rx;
	to->tx += from->tx;
	to->verdict_drop += from->verdict_drop;
	to->rx_full += from->rx_full;
	to->kicks += from->kicks;
	to->kick_errors += from->kick_errors;
	to->reclaimed += from->reclaimed;
	for (unsigned int k = 0; k < REJ_MAX; k++)
		to->rejects[k] += from->rejects[k];
}

/* The counters of one NF slot now (control thread; the rejects are the dispatcher's). */
static void nf_read(const struct nf *nf, struct metrics_nf *out)
{
	memset(out, 0, sizeof(*out));
	out->rx = cnt_get(&nf->rx_pkts);
	out->tx = cnt_get(&nf->tx_pkts);
	out->verdict_drop = cnt_get(&nf->verdict_drop);
	out->rx_full = cnt_get(&nf->rx_full);
	out->kicks = cnt_get(&nf->kicks);
	out->kick_errors = cnt_get(&nf->kick_errors);
	out->reclaimed = cnt_get(&nf->reclaimed);
	out->rejects[REJ_BUF_RANGE] = cnt_get(&nf->rej.buf_range);
	out->rejects[REJ_NOT_OWNER] = cnt_get(&nf->rej.not_owner);
	out->rejects[REJ_BAD_LEN] = cnt_get(&nf->rej.bad_len);
	out->rejects[REJ_BAD_VERDICT] = cnt_get(&nf->rej.bad_verdict);
	out->rejects[REJ_BAD_INDEX] = cnt_get(&nf->tx.bad_index) + cnt_get(&nf->rx.bad_index);
}

void metrics_nf_life_end(struct metrics *mx, const struct nf *nf)
{
	struct metrics_nf now;

	if (!mx || nf->instance >= mx->m->services[nf->service].cfg->instances)
		return;
	nf_read(nf, &now);
	nf_add(&mx->ended[mx->inst_base[nf->service] + nf->instance], &now);
}

static void build(struct metrics *mx, struct metrics_pub *p)
{
	struct mgr *m = mx->m;
	const struct tenet_config *c = m->cfg;

	p->nb_chains = c->nb_chains;
	for (unsigned int i = 0; i < c->nb_services; i++) {
		const struct service *svc = &m->services[i];

		p->services[i] = (struct metrics_service){.name = svc->cfg->name,
		                                          .tenant = c->tenants[svc->tenant].name,
		                                          .restarts = svc->restarts,
		                                          .deaths = svc->deaths};
		for (unsigned int k = 0; k < svc->cfg->instances; k++) {
			struct metrics_nf *e = &p->nfs[mx->inst_base[i] + k];

			*e = mx->ended[mx->inst_base[i] + k];
			e->service = svc->cfg->name;
			e->tenant = c->tenants[svc->tenant].name;
			e->instance = k;
			e->up = false;
		}
	}
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		const struct nf *nf = &m->nfs[id];
		struct metrics_nf now;
		struct metrics_nf *e;

		if (nf->state != NF_LIVE || nf->instance >= m->services[nf->service].cfg->instances)
			continue;
		e = &p->nfs[mx->inst_base[nf->service] + nf->instance];
		nf_read(nf, &now);
		nf_add(e, &now);
		e->up = true;
	}
	p->ctl_requests = m->control.ctl.stats.requests;
	p->ctl_errors = m->control.ctl.stats.errors;
	p->ctl_timeouts = m->control.ctl.stats.timeouts;
	p->ctl_evicted = m->control.ctl.stats.evicted;
}

void metrics_publish(struct metrics *mx, double now, bool force)
{
	struct metrics_pub *p;

	if (!mx || (!force && now < mx->next_pub))
		return;
	build(mx, mx->spare);
	if (pthread_mutex_trylock(&mx->lock))
		return; /* the server is copying the last one: next loop */
	p = mx->pub;
	mx->pub = mx->spare;
	pthread_mutex_unlock(&mx->lock);
	mx->spare = p;
	mx->next_pub = now + METRICS_PUBLISH_S;
}

/* ---- server thread ------------------------------------------------------------------- */

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fill mx->snap: the data-path counters read now, the control thread's part as published. */
static void gather(struct metrics *mx)
{
	struct mgr *m = mx->m;
	const struct tenet_config *c = m->cfg;
	struct metrics_snap *s = mx->snap;
	struct metrics_pub *p = mx->mine;

	pthread_mutex_lock(&mx->lock);
	memcpy(p, mx->pub, mx->pub_size);
	pthread_mutex_unlock(&mx->lock);

	memset(s, 0, sizeof(*s));
	s->start_time = mx->start_wall;
	s->uptime = mgr_now() - mx->start_mono;
	s->microhttpd = MHD_get_version();
	s->nb_ports = c->nb_ports;
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *mp = &m->ports[i];
		struct metrics_port *o = &s->ports[i];
		struct sink_stats st;

		o->name = c->ports[i].name;
		o->driver = cfg_driver_name(c->ports[i].driver);
		o->steer = mp->port.drv && mp->port.drv->rx ? cfg_steer_name(c->ports[i].steer)
		                                            : "none";
		o->rx_frames = cnt_get(&mp->rx.frames);
		o->rx_bytes = cnt_get(&mp->rx.bytes);
		o->tx_frames = cnt_get(&mp->tx.frames);
		o->tx_bytes = cnt_get(&mp->tx.bytes);
		o->in = o->rx_frames;
		for (unsigned int r = 0; r < DROP_MAX; r++) {
			uint64_t x = cnt_get(&mp->xdp_drops[r]);

			o->in += x;
			s->drops_no_tenant[r] += cnt_get(&mp->rx.drops[r]) + x;
		}
		if (c->ports[i].driver == CFG_DRV_SINK && !port_sink_stats(&mp->port, &st) &&
		    !port_sink_hist(&mp->port, mx->hist)) {
			o->sink = true;
			o->reordered = st.reordered;
			o->duplicates = st.duplicates;
			o->lost = st.lost;
			o->csum_bad = st.csum_bad;
			metrics_latency_fill(&o->lat, mx->hist);
		}
		for (unsigned int e = 0; e < TENET_PKT_ERR_MAX; e++)
			s->parse_err[e] += cnt_get(&mp->rx.parse_err[e]);
	}
	for (unsigned int r = 0; r < DROP_MAX; r++)
		s->drops_no_tenant[r] +=
		        cnt_get(&m->router.drops[r]) + no_tenant_drops(m, (enum drop_reason)r);
	for (unsigned int e = 0; e < TENET_PKT_ERR_MAX; e++)
		s->parse_err[e] +=
		        cnt_get(&m->router.parse_err[e]) + cnt_get(&m->host_parse_err[e]);
	s->nb_tenants = c->nb_tenants;
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		struct tenant *tn = &m->tenants[t];
		struct metrics_tenant *o = &s->tenants[t];

		o->name = c->tenants[t].name;
		o->in = cnt_get(&tn->in);
		o->delivered = tenant_delivered(m, t);
		o->copies_in = tenant_copies_in(m, t);
		for (unsigned int r = 0; r < DROP_MAX; r++)
			o->drops[r] = tenant_drops(m, t, (enum drop_reason)r);
		o->pool_bufs = tn->mp->pool->nb_bufs;
		o->pool_free = __atomic_load_n(&tn->mp->pool->nb_free, __ATOMIC_RELAXED);
		o->buf_size = tn->mp->pool->buf_size;
	}
	s->nb_chains = p->nb_chains;
	for (unsigned int i = 0; i < p->nb_chains; i++) {
		s->chains[i].name = c->chains[i].name;
		s->chains[i].tenant = c->tenants[c->chains[i].tenant].name;
		s->chains[i].pkts = cnt_get(&m->chains[i].pkts);
	}
	s->nb_services = c->nb_services;
	memcpy(s->services, p->services, sizeof(s->services[0]) * c->nb_services);
	s->nb_nfs = p->nb_nfs;
	s->nfs = p->nfs;
	s->wakeups = mgr_wakeups(m);
	s->ctl_requests = p->ctl_requests;
	s->ctl_errors = p->ctl_errors;
	s->ctl_timeouts = p->ctl_timeouts;
	s->ctl_evicted = p->ctl_evicted;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
                             char *body, size_t len, bool must_free)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	        len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **req)
{
	static char not_found[] = "not found; the metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed; expected GET\n";
	static char has_body[] = "a GET /metrics has no body\n";
	const char *len_hdr;
	struct metrics *mx = cls;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)version;
	(void)upload;
	/* at once, on the headers: MHD answers and closes, the body is never read */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
		             not_allowed, sizeof(not_allowed) - 1, false);
	/* a GET with a body: refused at once too, so that no client keeps the
	 * server reading */
	if (!*req && (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                          MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
	              ((len_hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                      MHD_HTTP_HEADER_CONTENT_LENGTH)) &&
	               strcmp(len_hdr, "0"))))
		return reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8", has_body,
		             sizeof(has_body) - 1, false);
	/* otherwise answer once the request is complete, so that the connection
	 * can stay open for the next scrape (MHD closes one answered early) */
	if (!*req) {
		*req = mx;
		return MHD_YES;
	}
	*upload_len = 0;
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
		             sizeof(not_found) - 1, false);
	out = open_memstream(&text, &len);
	if (!out)
		return MHD_NO;
	gather(mx);
	if (metrics_render(mx->snap, out) || fclose(out)) {
		free(text);
		return MHD_NO; /* out of memory: MHD closes the connection */
	}
	return reply(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text, len, true);
}

/* ---- start and stop ------------------------------------------------------------------ */

static int listen_on(const struct cfg_listen *a, char *err, size_t errlen)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(a->port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(a->port)};
	int one = 1,
	    fd = socket(a->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	memcpy(&s6.sin6_addr, a->addr, 16);
	memcpy(&s4.sin_addr, a->addr, 4);
	if (fd < 0) {
		snprintf(err, errlen, "metrics: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, a->v6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
	         a->v6 ? sizeof(s6) : sizeof(s4)) ||
	    listen(fd, 64)) {
		snprintf(err, errlen, "metrics: cannot listen on %s: %s", a->text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void free_all(struct metrics *mx)
{
	free(mx->pub);
	free(mx->spare);
	free(mx->mine);
	free(mx->ended);
	free(mx->snap);
	free(mx->hist);
	pthread_mutex_destroy(&mx->lock);
	free(mx);
}

struct metrics *metrics_start(struct mgr *m, const struct cfg_listen *addr, char *err,
                              size_t errlen)
{
	struct metrics *mx = calloc(1, sizeof(*mx));
	unsigned int n = 0;
	int fd;

	if (!mx) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	pthread_mutex_init(&mx->lock, NULL);
	mx->m = m;
	mx->start_mono = mgr_now();
	mx->start_wall = wall_now();
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		mx->inst_base[i] = n;
		n += m->cfg->services[i].instances;
	}
	mx->pub_size = sizeof(struct metrics_pub) + n * sizeof(struct metrics_nf);
	mx->pub = calloc(1, mx->pub_size);
	mx->spare = calloc(1, mx->pub_size);
	mx->mine = calloc(1, mx->pub_size);
	mx->ended = calloc(n ? n : 1, sizeof(*mx->ended));
	mx->snap = calloc(1, sizeof(*mx->snap));
	mx->hist = malloc(sizeof(*mx->hist));
	if (!mx->pub || !mx->spare || !mx->mine || !mx->ended || !mx->snap || !mx->hist) {
		snprintf(err, errlen, "metrics: out of memory");
		free_all(mx);
		return NULL;
	}
	mx->pub->nb_nfs = mx->spare->nb_nfs = n;
	metrics_publish(mx, mgr_now(), true);
	fd = listen_on(addr, err, errlen);
	if (fd < 0) {
		free_all(mx);
		return NULL;
	}
	/* one internal thread (epoll), so handle() never runs twice at once */
	mx->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
	                         handle, mx, MHD_OPTION_LISTEN_SOCKET, fd,
	                         MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNS,
	                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
	                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEM,
	                         MHD_OPTION_END);
	if (!mx->d) {
		snprintf(err, errlen, "metrics: cannot start the HTTP server on %s", addr->text);
		close(fd);
		free_all(mx);
		return NULL;
	}
	return mx;
}

void metrics_stop(struct metrics *mx)
{
	if (!mx)
		return;
	MHD_stop_daemon(mx->d); /* joins its thread, closes the listening socket */
	free_all(mx);
}
