/*
 * Run-time control: the manager's side of `tenet ctl`.
 *
 * One UNIX stream socket, $socket_dir/ctl.sock, mode 0600 (the operator
 * only; NFs never get it). A client sends one request line and reads the
 * reply until EOF; the last line is "ok" or "error: WHAT; expected ...".
 *
 *   tenants | nfs | chains | rules | stats
 *   rule add {match: {...}, chain: NAME, priority: N}
 *   rule del ID
 *   chain add {name: N, match: {...}, hops: [...], output: PORT, ...}
 *   chain del NAME
 *   nf stop ID
 *
 * Rule and chain changes are atomic for the data path: the control thread
 * builds a complete new classifier (a clone plus the change), publishes it
 * with one release store, waits until every reader thread has passed a
 * quiescent point (its epoch moved: it holds no pointer to the old table),
 * and only then frees the old one. No packet sees a half-updated table.
 * A malformed request gets an error and changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "lib/wait.h"
#include "mgr/afxdp.h"
#include "mgr/mgr.h"
#include "tenet/log.h"

#define REQ_MAX 8192

const struct tenet_classifier *mgr_cls(struct mgr *m)
{
	/* acquire pairs with the release in publish(): the table is complete */
	return __atomic_load_n(&m->cls, __ATOMIC_ACQUIRE);
}

int ctl_open(struct mgr *m, int epfd, uint32_t tag)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
	int s;

	snprintf(m->ctl_path, sizeof(m->ctl_path), "%s/ctl.sock", m->cfg->mgr.socket_dir);
	if (strlen(m->ctl_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, m->ctl_path);
	unlink(m->ctl_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(m->ctl_path, 0600) < 0 ||
	    listen(s, 8) < 0) {
		int err = errno;

		close(s);
		return -err;
	}
	m->ctl_fd = s;
	m->epfd = epfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

void ctl_close(struct mgr *m)
{
	if (m->ctl_fd < 0)
		return;
	close(m->ctl_fd);
	unlink(m->ctl_path);
	m->ctl_fd = -1;
}

/* ---- atomic classifier updates ---------------------------------------- */

static void wait_quiescent(struct mgr *m)
{
	uint64_t seen[CFG_MAX_PORTS + 2];
	unsigned int np = m->cfg->nb_ports;

	for (unsigned int i = 0; i < np; i++)
		seen[i] = __atomic_load_n(&m->ports[i].epoch, __ATOMIC_ACQUIRE);
	seen[np] = __atomic_load_n(&m->router_epoch, __ATOMIC_ACQUIRE);
	seen[np + 1] = __atomic_load_n(&m->dispatch_epoch, __ATOMIC_ACQUIRE);
	for (int tries = 0; tries < 5000; tries++) {
		bool all = true;

		for (unsigned int i = 0; i < np; i++) {
			struct mport *p = &m->ports[i];

			if (p->has_thread && !__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&p->epoch, __ATOMIC_ACQUIRE) == seen[i])
				all = false;
		}
		if (m->have_router &&
		    __atomic_load_n(&m->router_epoch, __ATOMIC_ACQUIRE) == seen[np])
			all = false;
		if (__atomic_load_n(&m->dispatch_epoch, __ATOMIC_ACQUIRE) == seen[np + 1])
			all = false;
		if (all)
			return;
		usleep(200);
	}
}

/* Make 'next' the table every reader uses, then free the old one. */
static void publish(struct mgr *m, struct tenet_classifier *next)
{
	struct tenet_classifier *old = m->cls;

	/* release pairs with the acquire in mgr_cls(): readers see a whole table */
	__atomic_store_n(&m->cls, next, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) /* and the NIC's copy */
		if (afxdp_set_rules(&m->ports[i], next))
			tenet_log(TENET_LOG_WARN, "port %s: XDP rules not updated",
			          m->cfg->ports[i].name);
	tenet_event_signal(m->dispatch_efd);
	wait_quiescent(m);
	tenet_classifier_destroy(old);
}

/* ---- replies ------------------------------------------------------------ */

struct reply {
	FILE *f;
	int err;
};

static void say(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
}

static void error(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void error(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", r->f);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputc('\n', r->f);
	r->err = 1;
}

static void fmt_prefix(char *buf, size_t len, uint8_t family, const uint8_t *a, uint8_t plen)
{
	if (!plen) {
		snprintf(buf, len, "any");
		return;
	}
	if (family == 6)
		snprintf(buf, len, "%x:%x:%x:%x::/%u", a[0] << 8 | a[1], a[2] << 8 | a[3],
		         a[4] << 8 | a[5], a[6] << 8 | a[7], plen);
	else
		snprintf(buf, len, "%u.%u.%u.%u/%u", a[0], a[1], a[2], a[3], plen);
}

static void print_rule(struct reply *r, struct mgr *m, const struct tenet_rule *ru)
{
	const struct tenet_match *mt = &ru->match;
	char src[64], dst[64];

	fmt_prefix(src, sizeof(src), mt->family, mt->src, mt->src_plen);
	fmt_prefix(dst, sizeof(dst), mt->family, mt->dst, mt->dst_plen);
	say(r, "%-6u %-9d %-16s src %s dst %s", ru->id, ru->priority,
	    m->cfg->chains[ru->chain].name, src, dst);
	if (mt->proto != TENET_ANY)
		say(r, " proto %d", mt->proto);
	if (mt->sport_lo || mt->sport_hi != 65535)
		say(r, " sport %u-%u", mt->sport_lo, mt->sport_hi);
	if (mt->dport_lo || mt->dport_hi != 65535)
		say(r, " dport %u-%u", mt->dport_lo, mt->dport_hi);
	if (mt->vlan != TENET_ANY)
		say(r, " vlan %d", mt->vlan);
	if (mt->in_port != TENET_ANY)
		say(r, " port %s", m->cfg->ports[mt->in_port].name);
	say(r, "\n");
}

/* ---- commands ----------------------------------------------------------- */

static void cmd_list(struct mgr *m, struct reply *r, const char *what)
{
	const struct tenet_config *c = m->cfg;

	if (!strcmp(what, "tenants")) {
		say(r, "%-14s %8s %8s %12s %12s %12s\n", "TENANT", "bufs", "free?", "in",
		    "delivered", "dropped");
		for (unsigned int t = 0; t < c->nb_tenants; t++) {
			struct tenant *tn = &m->tenants[t];

			/* the free count is the dispatcher's: read racily, for display */
			say(r, "%-14s %8u %8u %12llu %12llu %12llu\n", c->tenants[t].name,
			    tn->mp->pool->nb_bufs,
			    __atomic_load_n(&tn->mp->pool->nb_free, __ATOMIC_RELAXED),
			    (unsigned long long)cnt_get(&tn->in),
			    (unsigned long long)cnt_get(&tn->delivered),
			    (unsigned long long)cnt_get(&tn->dropped));
		}
	} else if (!strcmp(what, "nfs")) {
		say(r, "%-4s %-24s %8s %12s %12s %10s\n", "ID", "NF", "pid", "rx", "tx", "rejects");
		for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
			struct nf *nf = &m->nfs[id];
			char name[80];

			if (nf->state != NF_LIVE)
				continue;
			snprintf(name, sizeof(name), "%s/%s#%u",
			         c->tenants[m->services[nf->service].tenant].name,
			         m->services[nf->service].cfg->name, nf->instance);
			say(r, "%-4u %-24s %8d %12llu %12llu %10llu\n", id, name, nf->pid,
			    (unsigned long long)cnt_get(&nf->rx_pkts),
			    (unsigned long long)cnt_get(&nf->tx_pkts),
			    (unsigned long long)(nf->rej.buf_range + nf->rej.not_owner +
			                         nf->rej.bad_len + nf->rej.bad_verdict));
		}
	} else if (!strcmp(what, "chains")) {
		for (unsigned int i = 0; i < c->nb_chains; i++) {
			const struct cfg_chain *ch = &c->chains[i];

			say(r, "%-16s tenant %-10s %s", ch->name, c->tenants[ch->tenant].name,
			    m->chains[i].removed ? "(removed) " : "");
			for (unsigned int h = 0; h < ch->nb_hops; h++) {
				const struct cfg_service *s = &c->services[ch->hops[h].service];

				say(r, "%s%s/%s%s", h ? " -> " : "", c->tenants[s->tenant].name,
				    s->name, ch->hops[h].on == CFG_ON_NIC ? "@nic" : "");
			}
			say(r, " -> %s  packets %llu\n",
			    ch->output >= 0 ? c->ports[ch->output].name : "(drop)",
			    (unsigned long long)cnt_get(&m->chains[i].pkts));
		}
	} else {                                             /* rules */
		const struct tenet_classifier *cls = m->cls; /* the control thread is the writer */

		say(r, "%-6s %-9s %-16s %s\n", "ID", "PRIORITY", "CHAIN", "MATCH");
		for (unsigned int i = 0; i < tenet_classifier_count(cls); i++)
			print_rule(r, m, tenet_classifier_rule(cls, i));
		say(r, "default: %s\n",
		    c->default_chain >= 0 ? c->chains[c->default_chain].name : "drop");
	}
}

static void add_rule(struct mgr *m, struct reply *r, const struct tenet_rule *ru)
{
	struct tenet_classifier *next = tenet_classifier_clone(m->cls);
	int err;

	if (!next) {
		error(r, "out of memory");
		return;
	}
	err = tenet_classifier_add(next, ru);
	if (err) {
		tenet_classifier_destroy(next);
		error(r, "rule refused: %s", strerror(-err));
		return;
	}
	publish(m, next);
}

static void cmd_rule_add(struct mgr *m, struct reply *r, const char *arg)
{
	struct cfg_rule cr;
	struct tenet_rule ru;
	char err[512];

	if (tenet_config_parse_rule(m->cfg, arg, strlen(arg), &cr, err, sizeof(err)) < 0) {
		error(r, "%s", err);
		return;
	}
	if (m->chains[cr.chain].removed) {
		error(r, "chain %s was removed; expected a live chain",
		      m->cfg->chains[cr.chain].name);
		return;
	}
	ru = (struct tenet_rule){.id = m->next_rule_id,
	                         .priority = cr.priority,
	                         .match = cr.match,
	                         .tenant = (uint16_t)m->chains[cr.chain].tenant,
	                         .chain = (uint16_t)cr.chain};
	add_rule(m, r, &ru);
	if (!r->err) {
		say(r, "rule %u added\n", m->next_rule_id);
		m->next_rule_id++;
	}
}

static void cmd_rule_del(struct mgr *m, struct reply *r, const char *arg)
{
	struct tenet_classifier *next;
	char *end;
	unsigned long id = strtoul(arg, &end, 10);
	int err;

	if (!*arg || *end) {
		error(r, "bad rule id '%s'; expected a number from 'tenet ctl rules'", arg);
		return;
	}
	next = tenet_classifier_clone(m->cls);
	if (!next) {
		error(r, "out of memory");
		return;
	}
	err = tenet_classifier_del(next, (uint32_t)id);
	if (err) {
		tenet_classifier_destroy(next);
		error(r, "no rule %lu; expected an id from 'tenet ctl rules'", id);
		return;
	}
	publish(m, next);
	say(r, "rule %lu removed\n", id);
}

static void cmd_chain_add(struct mgr *m, struct reply *r, const char *arg)
{
	struct tenet_config *c = m->cfg;
	struct cfg_chain *cc;
	struct tenet_rule ru;
	char err[512];
	int idx = tenet_config_parse_chain(c, arg, strlen(arg), err, sizeof(err));

	if (idx < 0) {
		error(r, "%s", err);
		return;
	}
	cc = &c->chains[idx];
	for (unsigned int h = 0; h < cc->nb_hops; h++)
		if (cc->hops[h].on == CFG_ON_NIC) {
			error(r, "chain %s: 'on: nic' hops can only be set in the config file",
			      cc->name);
			return;
		}
	/* the slot is unpublished until the rule that leads to it is: fill it first */
	m->chains[idx] = (struct chain){.cfg = cc, .tenant = cc->tenant};
	c->nb_chains++;
	ru = (struct tenet_rule){.id = (uint32_t)idx,
	                         .priority = cc->priority,
	                         .match = cc->match,
	                         .tenant = cc->tenant,
	                         .chain = (uint16_t)idx};
	add_rule(m, r, &ru);
	if (r->err) {
		c->nb_chains--;
		return;
	}
	say(r, "chain %s added (rule %d)\n", cc->name, idx);
}

static void cmd_chain_del(struct mgr *m, struct reply *r, const char *name)
{
	const struct tenet_config *c = m->cfg;
	struct tenet_classifier *next;
	unsigned int n = 0;
	int idx = -1;

	for (unsigned int i = 0; i < c->nb_chains; i++)
		if (!strcmp(c->chains[i].name, name) && !m->chains[i].removed)
			idx = (int)i;
	if (idx < 0) {
		error(r, "no chain '%s'; expected a name from 'tenet ctl chains'", name);
		return;
	}
	if (c->default_chain == idx) {
		error(r, "chain %s is the default chain; expected another chain", name);
		return;
	}
	next = tenet_classifier_clone(m->cls);
	if (!next) {
		error(r, "out of memory");
		return;
	}
	for (unsigned int i = tenet_classifier_count(next); i-- > 0;) {
		const struct tenet_rule *ru = tenet_classifier_rule(next, i);

		if (ru->chain == idx) {
			tenet_classifier_del(next, ru->id);
			n++;
		}
	}
	publish(m, next);
	/* packets already on the chain finish it; the slot is never reused */
	m->chains[idx].removed = true;
	say(r, "chain %s removed with %u rule(s)\n", name, n);
}

static void cmd_nf_stop(struct mgr *m, struct reply *r, const char *arg)
{
	struct tenet_msg msg = {.magic = TENET_PROTO_MAGIC, .type = TENET_MSG_STOP};
	char *end;
	unsigned long id = strtoul(arg, &end, 10);
	struct nf *nf;
	struct service *svc;

	if (!*arg || *end || id < 1 || id > MGR_MAX_NF || m->nfs[id].state != NF_LIVE) {
		error(r, "no NF '%s'; expected an id from 'tenet ctl nfs'", arg);
		return;
	}
	nf = &m->nfs[id];
	svc = &m->services[nf->service];
	for (unsigned int k = 0; k < svc->cfg->instances; k++)
		if (svc->child[k] > 0 && svc->child[k] == nf->pid)
			svc->no_restart[k] = true;
	if (tenet_fd_send(nf->sock, &msg, sizeof(msg), NULL, 0)) {
		error(r, "NF %lu did not take the stop message", id);
		return;
	}
	say(r, "NF %lu (%s/%s#%u) asked to stop\n", id, m->cfg->tenants[svc->tenant].name,
	    svc->cfg->name, nf->instance);
}

static void execute(struct mgr *m, struct reply *r, char *req)
{
	char *arg;

	req[strcspn(req, "\r\n")] = '\0';
	while (*req == ' ')
		req++;
	if (!strcmp(req, "tenants") || !strcmp(req, "nfs") || !strcmp(req, "chains") ||
	    !strcmp(req, "rules")) {
		cmd_list(m, r, req);
	} else if (!strcmp(req, "stats")) {
		stats_print_table(m, r->f, -(mgr_now() - m->start_time));
	} else if (!strncmp(req, "rule add ", 9)) {
		cmd_rule_add(m, r, req + 9);
	} else if (!strncmp(req, "rule del ", 9)) {
		cmd_rule_del(m, r, req + 9);
	} else if (!strncmp(req, "chain add ", 10)) {
		cmd_chain_add(m, r, req + 10);
	} else if (!strncmp(req, "chain del ", 10)) {
		arg = req + 10;
		cmd_chain_del(m, r, arg);
	} else if (!strncmp(req, "nf stop ", 8)) {
		cmd_nf_stop(m, r, req + 8);
	} else {
		error(r,
		      "unknown request '%.40s'; expected tenants, nfs, chains, rules, stats, "
		      "rule add|del, chain add|del, nf stop",
		      req);
	}
}

/*
 * Serve one client (called when the listening socket is readable). The
 * request must arrive within a second; a client that sends nothing, too
 * much or garbage gets an error and the manager goes on.
 */
void ctl_serve(struct mgr *m)
{
	struct timeval tv = {.tv_sec = 1};
	char *req = calloc(1, REQ_MAX + 1);
	char *out = NULL;
	size_t outlen = 0, got = 0;
	struct reply r = {0};
	int s = accept4(m->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

	if (s < 0 || !req) {
		if (s >= 0)
			close(s);
		free(req);
		return;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < REQ_MAX && !memchr(req, '\n', got)) {
		ssize_t n = recv(s, req + got, REQ_MAX - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r.f = open_memstream(&out, &outlen);
	if (r.f) {
		char *nl = memchr(req, '\n', got);

		if (!nl)
			error(&r, "request too long, incomplete or empty; expected one line "
			          "ending in a newline");
		else if (strlen(req) < (size_t)(nl - req))
			error(&r, "request contains NUL bytes; expected text");
		else
			execute(m, &r, req);
		if (!r.err)
			fputs("ok\n", r.f);
		fclose(r.f);
		for (size_t off = 0; off < outlen;) {
			ssize_t n = send(s, out + off, outlen - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	free(out);
	free(req);
	close(s);
}
