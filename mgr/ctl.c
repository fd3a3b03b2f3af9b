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
 *   tap CHAIN[:HOP] [count N]
 *
 * Connections are served from the control thread's event loop and never
 * block it: each has a slot (at most MGR_CTL_CONNS at once), its socket is
 * non-blocking, the request is gathered as it arrives, the reply is sent
 * as the client takes it, and the whole exchange must end within
 * CTL_DEADLINE s or the connection is closed and counted. When every slot
 * is taken, a new connection evicts the oldest one (counted): however many
 * clients hold connections open, however slowly they write, another
 * client's request, an NF's attach and a restart wait at most one turn of
 * the loop. The request parser is mgr/ctl_req.c.
 *
 * A tap request that is accepted is the exception: its connection leaves
 * the ctl slots (and their deadline) for a tap slot (mgr/tap.c), which
 * streams packets on it until the count is reached or the client ends it.
 *
 * Rule and chain changes are atomic for the data path: the rule table is
 * changed and published by mgr/rules.c (a whole new table, one release
 * store, a grace period before the old one is freed). A malformed request
 * gets an error and changes nothing.
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
#include "mgr/ctl_req.h"
#include "mgr/ctl.h"
#include "mgr/rules.h"
#include "mgr/stats.h"
#include "mgr/tap.h"
#include "tenet/log.h"

#define CTL_DEADLINE 2.0 /* s from accept to the last byte of the reply */
#define CTL_LISTEN   0xffffu
#define CTL_TAP_TAG  0x8000u /* tags CTL_TAP_TAG + 0..TAP_MAX: mgr/tap.c */
/* connections accepted per turn of the loop: half the slots, so that one
 * accepted in a turn is still open in the next, when its request is read */
#define CTL_ACCEPT_TURN (MGR_CTL_CONNS / 2)
#define CTL_BACKLOG     64

struct ctl_conn {
	int fd; /* -1: free */
	double opened, deadline;
	size_t got; /* request bytes so far */
	char *req;  /* CTL_REQ_MAX + 1 bytes */
	char *out;  /* the reply, once the request is complete */
	size_t outlen, sent;
};

int ctl_open(struct mgr *m, int epfd, uint32_t tag)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag | CTL_LISTEN};
	int s;

	m->control.ctl.tag = tag;
	m->control.ctl.conns = calloc(MGR_CTL_CONNS, sizeof(*m->control.ctl.conns));
	if (!m->control.ctl.conns)
		return -ENOMEM;
	for (unsigned int i = 0; i < MGR_CTL_CONNS; i++)
		m->control.ctl.conns[i].fd = -1;
	snprintf(m->control.ctl.path, sizeof(m->control.ctl.path), "%s/ctl.sock",
	         m->cfg->mgr.socket_dir);
	if (strlen(m->control.ctl.path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, m->control.ctl.path);
	unlink(m->control.ctl.path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(m->control.ctl.path, 0600) < 0 || listen(s, CTL_BACKLOG) < 0) {
		int err = errno;

		close(s);
		return -err;
	}
	m->control.ctl.fd = s;
	m->control.epfd = epfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev) < 0) {
		int err = errno;

		ctl_close(m);
		return -err;
	}
	s = tap_open(m, tag | CTL_TAP_TAG);
	if (s < 0)
		ctl_close(m);
	return s;
}

static void conn_close(struct mgr *m, struct ctl_conn *c)
{
	char sink[4096];

	/* unread request bytes would turn the close into a reset that can
	 * destroy the reply in flight; take what is queued (the peer can add no
	 * more once the request is answered: SHUT_RD), at most 64 KiB */
	for (unsigned int i = 0; i < 16; i++)
		if (recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	epoll_ctl(m->control.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->req);
	free(c->out);
	*c = (struct ctl_conn){.fd = -1};
}

void ctl_close(struct mgr *m)
{
	tap_close(m);
	if (m->control.ctl.conns) {
		for (unsigned int i = 0; i < MGR_CTL_CONNS; i++)
			if (m->control.ctl.conns[i].fd >= 0)
				conn_close(m, &m->control.ctl.conns[i]);
		free(m->control.ctl.conns);
		m->control.ctl.conns = NULL;
	}
	if (m->control.ctl.fd < 0)
		return;
	close(m->control.ctl.fd);
	unlink(m->control.ctl.path);
	m->control.ctl.fd = -1;
}

/* ---- replies ------------------------------------------------------------ */

struct reply {
	FILE *f;
	int err;
	bool tap; /* a tap request that resolved: the connection becomes a tap */
	struct tap_spec spec;
};

/*
 * Write text into the reply with every byte but printable ASCII (and the
 * newlines of the reply's own lines) written as \xNN: names and values
 * that reached the manager from a request or a config can hold anything,
 * and the client's terminal must never see a raw control byte. (Request
 * bytes quoted by ctl_req.c come escaped already, backslashes included.)
 */
static void put_escaped(struct reply *r, const char *s, size_t n, bool keep_newlines)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 0x20 && c < 0x7f) || (c == '\n' && keep_newlines))
			fputc(c, r->f);
		else
			fprintf(r->f, "\\x%02x", c);
	}
}

static void say(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct reply *r, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n > 0)
		put_escaped(r, text, (size_t)n, true);
	if (n >= 0)
		free(text);
}

/* One line "error: ...": everything in it escaped, newlines too. */
static void error(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void error(struct reply *r, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	fputs("error: ", r->f);
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n > 0)
		put_escaped(r, text, (size_t)n, false);
	if (n >= 0)
		free(text);
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
			    (unsigned long long)tenant_delivered(m, t),
			    (unsigned long long)tenant_dropped(m, t));
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
	int err = rules_add(m, ru);

	if (err == -ENOMEM)
		error(r, "out of memory");
	else if (err)
		error(r, "rule refused: %s", strerror(-err));
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

static void cmd_rule_del(struct mgr *m, struct reply *r, uint32_t id)
{
	int err = rules_del(m, id);

	if (err == -ENOMEM) {
		error(r, "out of memory");
		return;
	}
	if (err) {
		error(r, "no rule %u; expected an id from 'tenet ctl rules'", id);
		return;
	}
	say(r, "rule %u removed\n", id);
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
	int idx = -1, n;

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
	n = rules_del_chain(m, (unsigned int)idx);
	if (n < 0) {
		error(r, "out of memory");
		return;
	}
	/* packets already on the chain finish it; the slot is never reused */
	m->chains[idx].removed = true;
	say(r, "chain %s removed with %d rule(s)\n", name, n);
}

static void cmd_nf_stop(struct mgr *m, struct reply *r, unsigned int id)
{
	struct tenet_msg msg = {.magic = TENET_PROTO_MAGIC, .type = TENET_MSG_STOP};
	struct nf *nf;
	struct service *svc;

	if (id < 1 || id > MGR_MAX_NF || m->nfs[id].state != NF_LIVE) {
		error(r, "no NF %u; expected an id from 'tenet ctl nfs'", id);
		return;
	}
	nf = &m->nfs[id];
	svc = &m->services[nf->service];
	for (unsigned int k = 0; k < svc->cfg->instances; k++)
		if (svc->child[k] > 0 && svc->child[k] == nf->pid)
			svc->no_restart[k] = true;
	if (tenet_fd_send(nf->sock, &msg, sizeof(msg), NULL, 0)) {
		error(r, "NF %u did not take the stop message", id);
		return;
	}
	say(r, "NF %u (%s/%s#%u) asked to stop\n", id, m->cfg->tenants[svc->tenant].name,
	    svc->cfg->name, nf->instance);
}

/*
 * Parse and carry out one request of len bytes (newline included). The
 * reply goes to r; the caller adds "ok" when r->err stays 0.
 */
static void execute(struct mgr *m, struct reply *r, char *buf, size_t len)
{
	struct ctl_req req;
	char err[512];

	if (ctl_req_parse(buf, len, MGR_MAX_NF, &req, err, sizeof(err))) {
		error(r, "%s", err);
		return;
	}
	switch (req.cmd) {
	case CTL_TENANTS:
		cmd_list(m, r, "tenants");
		break;
	case CTL_NFS:
		cmd_list(m, r, "nfs");
		break;
	case CTL_CHAINS:
		cmd_list(m, r, "chains");
		break;
	case CTL_RULES:
		cmd_list(m, r, "rules");
		break;
	case CTL_STATS:
		stats_print_totals(m, r->f, mgr_now() - m->control.start_time);
		break;
	case CTL_RULE_ADD:
		cmd_rule_add(m, r, req.arg);
		break;
	case CTL_RULE_DEL:
		cmd_rule_del(m, r, (uint32_t)req.num);
		break;
	case CTL_CHAIN_ADD:
		cmd_chain_add(m, r, req.arg);
		break;
	case CTL_CHAIN_DEL:
		cmd_chain_del(m, r, req.arg);
		break;
	case CTL_NF_STOP:
		cmd_nf_stop(m, r, (unsigned int)req.num);
		break;
	case CTL_TAP:
		if (tap_resolve(m, &req, &r->spec, err, sizeof(err)))
			error(r, "%s", err);
		else
			r->tap = true;
		break;
	}
}

/* ---- connections -------------------------------------------------------- */

/* Log at most a few lines a second about misbehaving clients, then a count. */
static void note(struct mgr *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct mgr *m, const char *fmt, ...)
{
	double now = mgr_now();
	char msg[256];
	va_list ap;

	if (now - m->control.ctl.note_t >= 1.0) {
		if (m->control.ctl.note_quiet)
			tenet_log(TENET_LOG_WARN, "ctl: %u more such message(s) not shown",
			          m->control.ctl.note_quiet);
		m->control.ctl.note_t = now;
		m->control.ctl.note_n = 0;
		m->control.ctl.note_quiet = 0;
	}
	if (m->control.ctl.note_n++ >= 5) {
		m->control.ctl.note_quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tenet_log(TENET_LOG_WARN, "ctl: %s", msg);
}

/* Send what the client takes now; 1 when the whole reply is out. */
static int flush_reply(struct ctl_conn *c)
{
	while (c->sent < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->sent, c->outlen - c->sent,
		                 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return 1; /* the client went away: nothing more to do */
		c->sent += (size_t)n;
	}
	return 1;
}

/* The request is complete (or will never be): answer it. */
static void answer(struct mgr *m, struct ctl_conn *c, unsigned int slot)
{
	struct reply r = {0};
	struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = m->control.ctl.tag | slot};

	r.f = open_memstream(&c->out, &c->outlen);
	if (!r.f) {
		conn_close(m, c);
		return;
	}
	execute(m, &r, c->req, c->got);
	if (r.tap) {
		char err[256];

		if (!tap_start(m, c->fd, &r.spec, err, sizeof(err))) {
			/* the tap owns the socket and its epoll entry now; it says "ok" */
			fclose(r.f);
			m->control.ctl.stats.requests++;
			free(c->req);
			free(c->out);
			*c = (struct ctl_conn){.fd = -1};
			return;
		}
		error(&r, "%s", err);
	}
	if (!r.err)
		fputs("ok\n", r.f);
	if (fclose(r.f)) {
		conn_close(m, c);
		return;
	}
	m->control.ctl.stats.requests++;
	m->control.ctl.stats.errors += (uint64_t)r.err;
	free(c->req);
	c->req = NULL;
	shutdown(c->fd, SHUT_RD);
	if (flush_reply(c))
		conn_close(m, c);
	else
		epoll_ctl(m->control.epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Take what the client sent so far; answer once a line (or EOF, or too much) is in. */
static void conn_read(struct mgr *m, struct ctl_conn *c, unsigned int slot)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->req + c->got, CTL_REQ_MAX - c->got, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break; /* EOF or error: answer what there is */
		if (memchr(c->req + c->got, '\n', (size_t)n)) {
			c->got += (size_t)n;
			break;
		}
		c->got += (size_t)n;
		if (c->got >= CTL_REQ_MAX)
			break;
	}
	answer(m, c, slot);
}

static void conn_accept(struct mgr *m)
{
	for (unsigned int k = 0; k < CTL_ACCEPT_TURN; k++) {
		int s = accept4(m->control.ctl.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ctl_conn *c = NULL;
		unsigned int slot = 0;
		struct epoll_event ev;

		if (s < 0)
			return;
		for (unsigned int i = 0; i < MGR_CTL_CONNS; i++) {
			struct ctl_conn *o = &m->control.ctl.conns[i];

			if (o->fd < 0) {
				c = o;
				slot = i;
				break;
			}
			if (!c || o->opened < c->opened) {
				c = o;
				slot = i;
			}
		}
		/* a request that is all in is answered, not evicted */
		if (c->fd >= 0 && c->req)
			conn_read(m, c, slot);
		if (c->fd >= 0 && !c->req && flush_reply(c))
			conn_close(m, c);
		if (c->fd >= 0) {
			/* every slot taken: the oldest goes, so a new request is never refused */
			m->control.ctl.stats.evicted++;
			note(m,
			     "%d connections open; the oldest (%.1f s) closed to serve a new one",
			     MGR_CTL_CONNS, mgr_now() - c->opened);
			conn_close(m, c);
		}
		c->req = malloc(CTL_REQ_MAX + 1);
		if (!c->req) {
			close(s);
			return;
		}
		c->fd = s;
		c->opened = mgr_now();
		c->deadline = c->opened + CTL_DEADLINE;
		ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP,
		                          .data.u32 = m->control.ctl.tag | slot};
		if (epoll_ctl(m->control.epfd, EPOLL_CTL_ADD, s, &ev) < 0) {
			conn_close(m, c);
			continue;
		}
		/* a client writes its request right after connecting: it is usually
		 * in already, and answered now, before newer connections press */
		conn_read(m, c, slot);
	}
}

void ctl_event(struct mgr *m, unsigned int idx)
{
	struct ctl_conn *c;

	if (idx == CTL_LISTEN) {
		conn_accept(m);
		return;
	}
	if (idx >= CTL_TAP_TAG && idx <= CTL_TAP_TAG + TAP_MAX) {
		tap_event(m, idx - CTL_TAP_TAG);
		return;
	}
	if (idx >= MGR_CTL_CONNS || m->control.ctl.conns[idx].fd < 0)
		return;
	c = &m->control.ctl.conns[idx];
	if (c->req)
		conn_read(m, c, idx);
	else if (flush_reply(c))
		conn_close(m, c);
}

void ctl_expire(struct mgr *m, double now)
{
	tap_poll(m, now);
	if (!m->control.ctl.conns)
		return;
	for (unsigned int i = 0; i < MGR_CTL_CONNS; i++) {
		struct ctl_conn *c = &m->control.ctl.conns[i];

		if (c->fd < 0 || now < c->deadline)
			continue;
		m->control.ctl.stats.timeouts++;
		note(m,
		     "a client took longer than %.0f s (%zu request bytes, %zu of %zu reply "
		     "bytes taken); connection closed",
		     CTL_DEADLINE, c->got, c->sent, c->outlen);
		conn_close(m, c);
	}
}
