/*
 * The trial harness and the NDR driver (see harness.h). A trial writes
 * trial.yaml into the temporary directory (the manager section, then the
 * scenario's part), runs the manager in-process with its output in
 * trial.log, and works out the figures of the window after the warm-up
 * from the manager's totals and its warm-up snapshot.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/harness.h"
#include "bench/util.h"
#include "tenet/log.h"

int bench_harness_open(struct bench_harness *h, const char *who)
{
	memset(h, 0, sizeof(*h));
	h->who = who;
	snprintf(h->dir, sizeof(h->dir), "/tmp/tenet-bench-XXXXXX");
	if (!mkdtemp(h->dir)) {
		int e = errno;

		fprintf(stderr, "%s: cannot make a temporary directory: %s\n", who, strerror(e));
		return -e;
	}
	/* progress and warnings go to the real stderr while runs redirect fd 2 */
	h->err = bench_err_open();
	if (!h->err) {
		int e = errno;

		fprintf(stderr, "%s: %s\n", who, strerror(e));
		rmdir(h->dir);
		return -e;
	}
	h->tty = isatty(fileno(h->err));
	tenet_set_log_level(TENET_LOG_WARN);
	return 0;
}

void bench_harness_close(struct bench_harness *h)
{
	DIR *d;
	struct dirent *e;

	if (!h || !h->err)
		return;
	d = opendir(h->dir);
	while (d && (e = readdir(d))) {
		char p[sizeof(h->dir) + 256 + 2];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", h->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(h->dir);
	fclose(h->err);
	h->err = NULL;
}

void bench_gen_port(FILE *f, const struct bench_load *l, const char *steer, const char *extra)
{
	fprintf(f,
	        "  - {name: gen, driver: gen, steer: %s, rate: %.0f, count: %llu, duration: %.3f, "
	        "size: %u%s}\n",
	        steer, l->rate, (unsigned long long)l->count, l->duration, l->size, extra);
}

void bench_tenant(FILE *f, const char *name)
{
	fprintf(f, "  - {name: %s, pool_bufs: %u}\n", name, BENCH_POOL_BUFS);
}

static double per(uint64_t ns, uint64_t pkts)
{
	return pkts ? (double)ns / (double)pkts : 0;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void bench_trial_derive(const struct bench_load *l, struct bench_trial *t)
{
	const struct mgr_result *r = &t->r;
	struct mgr_snapshot w = r->warm;
	const struct sink_latency *lat = w.taken ? &r->lat_after_warm : &r->lat;
	uint64_t verdict, warm_verdict, dropped;

	if (!w.taken)
		memset(&w, 0, sizeof(w));
	t->window_s = r->elapsed - w.at > 1e-9 ? r->elapsed - w.at : 1e-9;
	t->offered = sub(r->packets_in, w.packets_in);
	t->delivered = sub(r->delivered, w.delivered);
	verdict = r->drops[DROP_NF_VERDICT] + r->drops[DROP_NIC_SCAN];
	warm_verdict = w.drops[DROP_NF_VERDICT] + w.drops[DROP_NIC_SCAN];
	t->verdict_drop = sub(verdict, warm_verdict);
	dropped = sub(r->dropped, w.dropped);
	t->lost = sub(dropped, t->verdict_drop);
	t->warm_lost = sub(w.dropped, warm_verdict);
	t->offered_mpps = (double)t->offered / t->window_s / 1e6;
	t->mpps = (double)t->delivered / t->window_s / 1e6;
	t->loss_pct = t->offered ? 100.0 * (double)t->lost / (double)t->offered : 0;
	t->nic_ns_per_pkt = per(sub(r->nic_ns, w.nic_ns), t->offered);
	t->nic_work_ns_per_pkt =
	        per(sub(sub(r->nic_ns, w.nic_ns), sub(r->nic_wait_ns, w.nic_wait_ns)), t->offered);
	t->dispatch_work_ns_per_pkt =
	        per(sub(r->dispatcher_work_ns, w.dispatcher_work_ns), t->delivered);
	t->dispatch_kick_ns_per_pkt =
	        per(sub(r->dispatcher_kick_ns, w.dispatcher_kick_ns), t->delivered);
	t->router_ns_per_pkt = per(sub(r->router_ns, w.router_ns), t->delivered);
	t->dispatch_ns_per_pkt = per(
	        sub(r->dispatcher_ns + r->router_ns, w.dispatcher_ns + w.router_ns), t->delivered);
	t->nf_ns_per_pkt = per(sub(r->nf_ns, w.nf_ns), t->delivered);
	t->host_ns_per_pkt = t->dispatch_ns_per_pkt + t->nf_ns_per_pkt;
	t->copies_per_pkt = r->delivered ? (double)r->copies / (double)r->delivered : 0;
	t->lat_count = lat->count;
	t->lat_p50_us = (double)lat->p50_ns / 1e3;
	t->lat_p99_us = (double)lat->p99_ns / 1e3;
	t->lat_p999_us = (double)lat->p999_ns / 1e3;
	t->lat_max_us = (double)lat->max_ns / 1e3;
	t->conserved = r->conserved;
	t->huge_pages = r->huge_pages;
	/*
	 * Paced: the generator must have sent all 'count' frames and offered the
	 * window at the asked rate within rate_tol (a pacer starved of CPU falls
	 * behind and cannot catch up more than its bucket holds).
	 */
	t->rate_short = false;
	if (l->rate > 0 && l->count)
		t->rate_short = r->packets_in < l->count ||
		                t->offered_mpps * 1e6 < l->rate * (1.0 - l->rate_tol);
	/*
	 * A generator that falls behind makes a run longer, never shorter: a
	 * count-bounded run that sent less, or a time-bounded one that ended
	 * well before its time, was stopped (SIGINT, SIGTERM).
	 */
	if (l->count)
		t->stopped = r->packets_in < l->count &&
		             (!l->rate || r->elapsed < (double)l->count / l->rate * 0.9);
	else if (l->duration > 0)
		t->stopped = r->elapsed < l->duration * 0.9;
}

/* ---- runs side by side (bench_ndr_run_side) ------------------------------- */

/* One run's thread: its trial request and the answer. */
struct side_slot {
	struct bench_harness *h;
	struct bench_side *side;
	unsigned int index;
	pthread_t tid;
	bench_config_fn cfg; /* the request, while 'want' */
	void *arg;
	const struct bench_load *l;
	struct bench_trial *t;
	int rc;        /* the answer, once 'answered' */
	bool want;     /* a trial is asked for */
	bool answered; /* and was run */
	bool finished; /* the run is over (its thread returns) */
	bool counted;  /* and the serving loop knows it */
};

struct bench_side_sched {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct side_slot *slot;
};

/* Which slot this thread is (-1: the thread that runs the trials). */
static __thread int side_index = -1;

/* A run's thread asks for a trial and waits until the calling thread has run it. */
static int side_call(struct bench_side_sched *sc, bench_config_fn cfg, void *arg,
                     const struct bench_load *l, struct bench_trial *t)
{
	struct side_slot *sl = &sc->slot[side_index];
	int rc;

	pthread_mutex_lock(&sc->mu);
	sl->cfg = cfg;
	sl->arg = arg;
	sl->l = l;
	sl->t = t;
	sl->answered = false;
	sl->want = true;
	pthread_cond_broadcast(&sc->cv);
	while (!sl->answered)
		pthread_cond_wait(&sc->cv, &sc->mu);
	rc = sl->rc;
	pthread_mutex_unlock(&sc->mu);
	return rc;
}

static void *side_thread(void *a)
{
	struct side_slot *sl = a;
	struct bench_side_sched *sc = sl->h->side;

	side_index = (int)sl->index;
	sl->side->rc =
	        bench_ndr_run(sl->h, sl->side->cfg, sl->side->arg, &sl->side->o, &sl->side->out);
	pthread_mutex_lock(&sc->mu);
	sl->finished = true;
	pthread_cond_broadcast(&sc->cv);
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

int bench_ndr_run_side(struct bench_harness *h, struct bench_side *side, unsigned int n)
{
	struct bench_side_sched sc = {0};
	unsigned int started = 0, left, next = 0;
	sigset_t sigs, old;
	bool stopped = false;
	int rc = 0;

	if (!n)
		return 0;
	sc.slot = calloc(n, sizeof(*sc.slot));
	if (!sc.slot)
		return -ENOMEM;
	pthread_mutex_init(&sc.mu, NULL);
	pthread_cond_init(&sc.cv, NULL);
	h->side = &sc;
	/* the threads start with the signals the manager reads from its
	 * signalfd on this thread (mgr/loop.c) blocked: one that landed on
	 * them would be lost to it (an NF's SIGCHLD most of all) */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	for (; started < n; started++) {
		struct side_slot *sl = &sc.slot[started];

		sl->h = h;
		sl->side = &side[started];
		sl->index = started;
		rc = -pthread_create(&sl->tid, NULL, side_thread, sl);
		if (rc) {
			fprintf(h->err, "%s: cannot start a thread: %s\n", h->who, strerror(-rc));
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (unsigned int i = started; i < n; i++)
		side[i].rc = rc;
	/* serve the started runs in turn, one trial each, until all are over */
	left = started;
	pthread_mutex_lock(&sc.mu);
	while (left) {
		struct side_slot *sl = &sc.slot[next];

		next = (next + 1) % started;
		if (sl->counted)
			continue;
		while (!sl->want && !sl->finished)
			pthread_cond_wait(&sc.cv, &sc.mu);
		if (!sl->want) { /* its run is over */
			sl->counted = true;
			left--;
			continue;
		}
		sl->want = false;
		pthread_mutex_unlock(&sc.mu);
		if (stopped) {
			/* a trial was stopped (a signal): the others end too */
			memset(sl->t, 0, sizeof(*sl->t));
			sl->t->stopped = true;
			sl->rc = 0;
		} else {
			sl->rc = bench_trial_run(h, sl->cfg, sl->arg, sl->l, sl->t);
			stopped = sl->t->stopped;
		}
		pthread_mutex_lock(&sc.mu);
		sl->answered = true;
		pthread_cond_broadcast(&sc.cv);
	}
	pthread_mutex_unlock(&sc.mu);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(sc.slot[i].tid, NULL);
	h->side = NULL;
	pthread_cond_destroy(&sc.cv);
	pthread_mutex_destroy(&sc.mu);
	free(sc.slot);
	return rc;
}

int bench_trial_run(struct bench_harness *h, bench_config_fn cfg, void *arg,
                    const struct bench_load *l, struct bench_trial *t)
{
	char path[sizeof(h->dir) + 16], log[sizeof(h->dir) + 16];
	FILE *f;
	int rc;

	memset(t, 0, sizeof(*t));
	if (h->side && side_index >= 0)
		return side_call(h->side, cfg, arg, l, t);
	if (h->backend) {
		h->trials++;
		return h->backend(h->be, arg, l, t);
	}
	snprintf(path, sizeof(path), "%s/trial.yaml", h->dir);
	snprintf(log, sizeof(log), "%s/trial.log", h->dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(h->err, "%s: cannot write %s: %s\n", h->who, path, strerror(errno));
		return -1;
	}
	fprintf(f, "manager:\n  socket_dir: ");
	bench_yaml_quoted(f, h->dir);
	fprintf(f, "\n  stats_interval: 0\n");
	if (h->nic_stage)
		fprintf(f, "  nic_stage: %s\n", h->nic_stage);
	rc = cfg(f, l, arg);
	if (fclose(f) || rc) {
		fprintf(h->err, "%s: cannot write %s: %s\n", h->who, path,
		        strerror(rc ? -rc : errno));
		return -1;
	}
	h->trials++;
	rc = bench_run_mgr(path, log, l->poll, l->warmup, h->err, &t->r);
	if (rc != 0 && rc != 3)
		return rc;
	bench_trial_derive(l, t);
	if (!t->huge_pages && !h->small_pages_told) {
		h->small_pages_told = true;
		fprintf(h->err,
		        "%s: note: the pools are on 4 KiB pages (no free huge pages): every buffer "
		        "costs TLB misses; NFV hosts reserve huge pages (docs/operations.md; "
		        "scripts/results.sh does for its run)\n",
		        h->who);
	}
	return 0;
}

/* ---- the NDR driver ---------------------------------------------------- */

void bench_ndr_opts_default(struct bench_ndr_opts *o)
{
	memset(o, 0, sizeof(*o));
	ndr_opts_default(&o->search);
	o->warmup = 0.5;
	o->rate_tol = 0.01;
	o->lat_frac[0] = 0.5;
	o->lat_frac[1] = 0.9;
	o->size = 64;
	o->label = "";
}

struct ndr_ctx {
	struct bench_harness *h;
	bench_config_fn cfg;
	void *arg;
	const struct bench_ndr_opts *o;
	struct bench_trial *log; /* by trial id */
	unsigned int nb, cap;
	unsigned int short_trials; /* the generator fell short of the rate */
};

/* The load of a trial at 'rate' for 'duration' s after the warm-up. */
int bench_grid_trial(struct bench_harness *h, unsigned int done, unsigned int total,
                     unsigned int rep, const char *label, bench_config_fn cfg, void *arg,
                     const struct bench_load *l, struct bench_trial *t)
{
	fprintf(h->err, "%s[%u/%u] rep %u, %u B, %s ...%s", h->tty ? "\r" : "", done, total, rep,
	        l->size, label, h->tty ? "\033[K" : "\n");
	if (bench_trial_run(h, cfg, arg, l, t)) {
		fprintf(h->err, "%s: run failed; stopping\n", h->who);
		return 1;
	}
	if (h->tty)
		fprintf(h->err, "\r\033[K");
	/* an unpaced run of the software NIC must take in every frame of its count */
	if (t->stopped || (!h->backend && l->rate <= 0 && t->r.packets_in < l->count)) {
		fprintf(h->err, "%s: run stopped early; stopping\n", h->who);
		return 1;
	}
	return 0;
}

bool bench_cell_add(struct bench_harness *h, struct bench_cell *c, const struct bench_load *l,
                    const char *label)
{
	const struct bench_trial *t = &c->run[c->nb];

	if (!c->nb++)
		c->conserved = true;
	if (l->rate > 0 && t->rate_short)
		fprintf(h->err, "warning: %u B %s: the generator offered %.0f pps, short of %.0f\n",
		        l->size, label, t->offered_mpps * 1e6, l->rate);
	if (t->conserved)
		return true;
	fprintf(h->err,
	        "WARNING: %u B %s: packets not conserved (in %llu, delivered %llu, dropped "
	        "%llu)\n",
	        l->size, label, (unsigned long long)t->r.packets_in,
	        (unsigned long long)t->r.delivered, (unsigned long long)t->r.dropped);
	c->conserved = false;
	return false;
}

static struct bench_load load_for(const struct bench_ndr_opts *o, double rate, double duration)
{
	struct bench_load l = {.rate = rate,
	                       .warmup = o->warmup,
	                       .rate_tol = o->rate_tol,
	                       .size = o->size,
	                       .poll = o->poll};
	double total = o->warmup + duration;

	l.trial_s = duration;

	if (rate > 0) {
		/* the count ends it; the duration only bounds a generator that falls behind */
		l.count = (uint64_t)ceil(rate * total);
		l.duration = total * 1.5 + 0.5;
	} else {
		l.duration = total;
	}
	return l;
}

/*
 * A trial whose measured window came out shorter than half its duration
 * was not measured as asked: the manager's control thread took the warm-up
 * snapshot late (a loaded machine), or the generator ended before it. Run
 * it again, twice at most; the last attempt stands.
 */
static int run_measured(struct bench_harness *h, bench_config_fn cfg, void *arg,
                        const struct bench_load *l, double duration, const char *label,
                        struct bench_trial *t)
{
	int rc = 0;

	for (int attempt = 0; attempt < 3; attempt++) {
		rc = bench_trial_run(h, cfg, arg, l, t);
		if (rc || t->stopped || l->warmup <= 0 || t->window_s >= 0.5 * duration)
			break;
		fprintf(h->err,
		        "  %s the window after the warm-up lasted %.3f s of %.3f (snapshot at %.3f "
		        "s); trial run again\n",
		        label, t->window_s, duration, t->r.warm.at);
	}
	return rc;
}

static int ndr_trial(void *a, struct ndr_trial *t)
{
	struct ndr_ctx *c = a;
	struct bench_load l = load_for(c->o, t->rate, t->duration);
	struct bench_trial bt;
	int rc;

	if (c->nb == c->cap) {
		unsigned int cap = c->cap ? 2 * c->cap : 32;
		struct bench_trial *n = realloc(c->log, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->log = n;
		c->cap = cap;
	}
	rc = run_measured(c->h, c->cfg, c->arg, &l, t->duration, c->o->label, &bt);
	if (rc) {
		fprintf(c->h->err, "%s: %s: trial failed (exit %d)\n", c->h->who, c->o->label, rc);
		return -EIO;
	}
	if (bt.stopped) {
		fprintf(c->h->err, "%s: %s: trial stopped early (signal); stopping\n", c->h->who,
		        c->o->label);
		return -EINTR;
	}
	t->offered = bt.offered;
	t->lost = bt.lost;
	t->offered_pps = bt.offered_mpps * 1e6;
	t->delivered_pps = bt.mpps * 1e6;
	t->rate_short = bt.rate_short;
	c->short_trials += bt.rate_short;
	t->valid = bt.conserved && (bt.r.warm.taken || l.warmup <= 0);
	if (!bt.conserved)
		fprintf(c->h->err,
		        "%s: %s: INVALID trial: packets not conserved (in %llu, delivered %llu, "
		        "dropped %llu)\n",
		        c->h->who, c->o->label, (unsigned long long)bt.r.packets_in,
		        (unsigned long long)bt.r.delivered, (unsigned long long)bt.r.dropped);
	else if (!t->valid)
		fprintf(c->h->err, "%s: %s: INVALID trial: ended before the warm-up did\n",
		        c->h->who, c->o->label);
	c->log[c->nb++] = bt;
	return 0;
}

/* Where the window's losses went: " [nf_rx_full 200, no_buffer 86]". */
static void print_reasons(FILE *f, const struct mgr_result *r)
{
	const char *sep = " [";

	for (unsigned int k = 0; k < DROP_MAX; k++) {
		uint64_t n = r->drops[k] - (r->warm.taken ? r->warm.drops[k] : 0);

		if (!n || k == DROP_NF_VERDICT || k == DROP_NIC_SCAN)
			continue;
		fprintf(f, "%s%s %llu", sep, drop_reason_name(k), (unsigned long long)n);
		sep = ", ";
	}
	if (sep[0] == ',')
		fprintf(f, "]");
}

/*
 * How long the NIC stages did not poll a paced port in the window, in
 * turns of 1 ms or more (mgr/nic.c, stall_check): " port unpolled 2 x
 * >= 1 ms, 4.1 ms in all". What arrived meanwhile past the receive ring
 * was lost (rx_missed).
 */
static void print_stalls(FILE *f, const struct mgr_result *r)
{
	uint64_t n = r->nic_stalls - (r->warm.taken ? r->warm.nic_stalls : 0);
	uint64_t ns = r->nic_stall_ns - (r->warm.taken ? r->warm.nic_stall_ns : 0);

	if (n)
		fprintf(f, " port unpolled %llu x >= 1 ms, %.1f ms in all", (unsigned long long)n,
		        (double)ns / 1e6);
}

static void ndr_progress(void *a, unsigned int phase, unsigned int nb_phases, const char *target,
                         const struct ndr_trial *t)
{
	struct ndr_ctx *c = a;
	char rate[32];

	if (t->rate > 0)
		snprintf(rate, sizeof(rate), "%8.4f Mpps", t->rate / 1e6);
	else
		snprintf(rate, sizeof(rate), "max (%.4f)", t->offered_pps / 1e6);
	fprintf(c->h->err,
	        "  %s phase %u/%u %-3s trial %2u: %s x %.2f s: lost %llu of %llu (%.4f %%)",
	        c->o->label, phase + 1, nb_phases, target, t->id + 1, rate, t->duration,
	        (unsigned long long)t->lost, (unsigned long long)t->offered,
	        t->offered ? 100.0 * (double)t->lost / (double)t->offered : 0.0);
	if (t->rate_short)
		fprintf(c->h->err, "  generator short: offered %.4f Mpps (counts as loss)",
		        t->offered_pps / 1e6);
	if (t->lost && c->nb)
		print_reasons(c->h->err, &c->log[c->nb - 1].r);
	if (c->nb)
		print_stalls(c->h->err, &c->log[c->nb - 1].r);
	fprintf(c->h->err, "\n");
}

int bench_fixed_run(struct bench_harness *h, bench_config_fn cfg, void *arg,
                    const struct bench_ndr_opts *o, double rate, double duration,
                    struct bench_trial *t)
{
	struct bench_load l = load_for(o, rate, duration);
	int rc = run_measured(h, cfg, arg, &l, duration, o->label, t);

	if (!rc && t->stopped) {
		fprintf(h->err, "%s: %s: trial stopped early (signal); stopping\n", h->who,
		        o->label);
		rc = -1;
	} else if (rc)
		fprintf(h->err, "%s: %s: trial failed (exit %d)\n", h->who, o->label, rc);
	else {
		fprintf(h->err,
		        "  %s fixed %8.4f Mpps x %.2f s: lost %llu of %llu (%.4f %%), host %.0f "
		        "ns/pkt%s",
		        o->label, rate / 1e6, duration, (unsigned long long)t->lost,
		        (unsigned long long)t->offered, t->loss_pct, t->host_ns_per_pkt,
		        t->conserved ? "" : "  NOT CONSERVED");
		if (t->lost)
			print_reasons(h->err, &t->r);
		fprintf(h->err, "\n");
	}
	return rc;
}

int bench_ndr_run(struct bench_harness *h, bench_config_fn cfg, void *arg,
                  const struct bench_ndr_opts *o, struct bench_ndr *out)
{
	struct ndr_ctx c = {.h = h, .cfg = cfg, .arg = arg, .o = o};
	struct ndr_opts so = o->search;
	int rc;

	memset(out, 0, sizeof(*out));
	so.progress = ndr_progress;
	so.progress_arg = &c;
	rc = ndr_search(&so, ndr_trial, &c, &out->res);
	out->rc = rc;
	if (c.nb)
		out->mrr = c.log[0];
	if (out->res.ndr.found && out->res.ndr.lower_id < c.nb)
		out->at_ndr = c.log[out->res.ndr.lower_id];
	if (out->res.pdr.found && out->res.pdr.lower_id < c.nb)
		out->at_pdr = c.log[out->res.pdr.lower_id];
	out->short_trials = c.short_trials;
	out->ndr_mpps = out->res.ndr.rate / 1e6;
	out->pdr_mpps = out->res.pdr.rate / 1e6;
	free(c.log);
	if (rc) {
		fprintf(h->err, "%s: %s: search stopped: %s\n", h->who, o->label,
		        rc == -EPROTO ? "a trial was invalid" : strerror(-rc));
		return rc;
	}
	fprintf(h->err, "  %s NDR %.4f Mpps, PDR %.4f Mpps (%u trials, %.1f s of trials)%s\n",
	        o->label, out->ndr_mpps, out->pdr_mpps, out->res.trials, out->res.trial_s,
	        out->res.capped ? ", capped by the generator" : "");
	for (int i = 0; i < 2 && out->res.ndr.found; i++) {
		double rate = floor(out->res.ndr.rate * o->lat_frac[i]);

		if (o->lat_frac[i] <= 0 || rate < 1)
			continue;
		rc = bench_fixed_run(h, cfg, arg, o, rate, so.final_s, &out->lat[i]);
		if (rc)
			return out->rc = out->lat[i].stopped ? -EINTR : -EIO;
		out->lat_done[i] = true;
		if (!out->lat[i].conserved)
			return out->rc = -EPROTO;
	}
	return 0;
}

/* ---- reporting NDR results ---------------------------------------------- */

const struct report_col bench_ndr_cols[] = {
        {"bench", NULL, REP_STR, 0, 0},
        {"load", NULL, REP_STR, 0, 0},
        {"series", NULL, REP_STR, 0, 0},
        {"scenario", "scenario", REP_STR, 9, 0},
        {"steer", "steer", REP_STR, 6, 0},
        {"size", "size", REP_UINT, 5, 0},
        {"hops", "hops", REP_UINT, 4, 0},
        {"tenants", "ten", REP_UINT, 3, 0},
        {"mode", "mode", REP_STR, 8, 0},
        {"run", "run", REP_UINT, 3, 0},
        {"ndr_mpps", "NDR Mpps", REP_DBL, 8, 4},
        {"pdr_mpps", "PDR Mpps", REP_DBL, 8, 4},
        {"ndr_upper_mpps", NULL, REP_DBL, 0, 4},
        {"pdr_upper_mpps", NULL, REP_DBL, 0, 4},
        {"ndr_offered_mpps", NULL, REP_DBL, 0, 4},
        {"capped", NULL, REP_BOOL, 0, 0},
        {"host_ns_per_pkt", "host ns", REP_DBL, 7, 0},
        {"dispatch_ns_per_pkt", "disp ns", REP_DBL, 7, 0},
        {"dispatch_work_ns_per_pkt", "work ns", REP_DBL, 7, 0},
        {"dispatch_kick_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"work_ns_per_pass", NULL, REP_DBL, 0, 1},
        {"router_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"nf_ns_per_pkt", "NFs ns", REP_DBL, 6, 0},
        {"nic_ns_per_pkt", "nic ns", REP_DBL, 6, 0},
        {"nic_work_ns_per_pkt", "nic work", REP_DBL, 8, 0},
        {"copies_per_pkt", NULL, REP_DBL, 0, 3},
        {"huge_pages", NULL, REP_BOOL, 0, 0},
        {"lat_p50_us", "p50@50%", REP_DBL, 7, 1},
        {"lat_p99_us", "p99@50%", REP_DBL, 7, 1},
        {"lat90_p50_us", "p50@90%", REP_DBL, 7, 1},
        {"lat90_p99_us", "p99@90%", REP_DBL, 7, 1},
        {"lat_frac", NULL, REP_DBL, 0, 2},
        {"lat90_frac", NULL, REP_DBL, 0, 2},
        {"mrr_mpps", NULL, REP_DBL, 0, 4},
        {"mrr_offered_mpps", NULL, REP_DBL, 0, 4},
        {"mrr_loss_pct", NULL, REP_DBL, 0, 3},
        {"trials", "trials", REP_UINT, 6, 0},
        {"short_trials", NULL, REP_UINT, 0, 0},
        {"final_s", NULL, REP_DBL, 0, 2},
        {"warmup_s", NULL, REP_DBL, 0, 2},
        {"width", NULL, REP_DBL, 0, 4},
        {"pdr_loss", NULL, REP_DBL, 0, 4},
        {"goal_trials", NULL, REP_UINT, 0, 0},
        {"exceed_ratio", NULL, REP_DBL, 0, 2},
        {"ndr_trials", NULL, REP_UINT, 0, 0},
        {"ndr_losing_trials", NULL, REP_UINT, 0, 0},
        {"ndr_loss_ratio", NULL, REP_DBL, 0, 8},
        {"valid", NULL, REP_BOOL, 0, 0},
};
const unsigned int bench_ndr_nb_cols = sizeof(bench_ndr_cols) / sizeof(bench_ndr_cols[0]);

void bench_ndr_describe(FILE *f, const struct bench_ndr_opts *o)
{
	fprintf(f,
	        "NDR/PDR (0 / %g %% loss), final trials %.1f s, up to %u a rate, exceed ratio %g, "
	        "width %g %%",
	        o->search.pdr_loss * 100, o->search.final_s, o->search.goal_trials,
	        o->search.exceed_ratio, o->search.width * 100);
}

void bench_ndr_fill(struct report *r, const struct bench_ndr *n, const struct bench_ndr_opts *o)
{
	const struct ndr_result *s = &n->res;

	report_set_str(r, "load", "ndr");
	report_set_bool(r, "valid", n->rc == 0);
	report_set_uint(r, "trials", s->trials);
	report_set_uint(r, "short_trials", n->short_trials);
	report_set_dbl(r, "final_s", o->search.final_s);
	report_set_dbl(r, "warmup_s", o->warmup);
	report_set_dbl(r, "width", o->search.width);
	report_set_dbl(r, "pdr_loss", o->search.pdr_loss);
	report_set_uint(r, "goal_trials", o->search.goal_trials);
	report_set_dbl(r, "exceed_ratio", o->search.exceed_ratio);
	if (s->trials) {
		report_set_dbl(r, "mrr_mpps", n->mrr.mpps);
		report_set_dbl(r, "mrr_offered_mpps", n->mrr.offered_mpps);
		report_set_dbl(r, "mrr_loss_pct", n->mrr.loss_pct);
	}
	if (n->rc)
		return;
	report_set_dbl(r, "ndr_mpps", n->ndr_mpps);
	report_set_dbl(r, "pdr_mpps", n->pdr_mpps);
	if (s->ndr.upper > 0)
		report_set_dbl(r, "ndr_upper_mpps", s->ndr.upper / 1e6);
	if (s->pdr.upper > 0)
		report_set_dbl(r, "pdr_upper_mpps", s->pdr.upper / 1e6);
	report_set_bool(r, "capped", s->capped);
	if (s->ndr.found) {
		const struct bench_trial *t = &n->at_ndr;

		report_set_dbl(r, "ndr_offered_mpps", t->offered_mpps);
		report_set_uint(r, "ndr_trials", s->ndr.lower_trials);
		report_set_uint(r, "ndr_losing_trials", s->ndr.lower_losing);
		report_set_dbl(r, "ndr_loss_ratio", s->ndr.loss_ratio);
		report_set_dbl(r, "host_ns_per_pkt", t->host_ns_per_pkt);
		report_set_dbl(r, "dispatch_ns_per_pkt", t->dispatch_ns_per_pkt);
		report_set_dbl(r, "dispatch_work_ns_per_pkt", t->dispatch_work_ns_per_pkt);
		report_set_dbl(r, "dispatch_kick_ns_per_pkt", t->dispatch_kick_ns_per_pkt);
		report_set_dbl(r, "router_ns_per_pkt", t->router_ns_per_pkt);
		report_set_dbl(r, "nf_ns_per_pkt", t->nf_ns_per_pkt);
		report_set_dbl(r, "nic_ns_per_pkt", t->nic_ns_per_pkt);
		report_set_dbl(r, "nic_work_ns_per_pkt", t->nic_work_ns_per_pkt);
		report_set_dbl(r, "copies_per_pkt", t->copies_per_pkt);
		if (!isnan(t->nic_ns_per_pkt)) /* the software NIC's run: this process's pools */
			report_set_bool(r, "huge_pages", t->huge_pages);
	}
	if (n->lat_done[0] && n->lat[0].lat_count) {
		report_set_dbl(r, "lat_p50_us", n->lat[0].lat_p50_us);
		report_set_dbl(r, "lat_p99_us", n->lat[0].lat_p99_us);
		report_set_dbl(r, "lat_frac", o->lat_frac[0]);
	}
	if (n->lat_done[1] && n->lat[1].lat_count) {
		report_set_dbl(r, "lat90_p50_us", n->lat[1].lat_p50_us);
		report_set_dbl(r, "lat90_p99_us", n->lat[1].lat_p99_us);
		report_set_dbl(r, "lat90_frac", o->lat_frac[1]);
	}
}
