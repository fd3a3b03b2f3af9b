/*
 * NDR / PDR search (see ndr.h): phases of growing trial duration, bounds
 * re-measured at each phase's duration, external search by doubling steps,
 * bisection down to the width. Pure logic over a trial function, so that
 * tests can drive it with a simulated device.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench/ndr.h"

#define NB_TARGETS 2 /* 0: NDR, 1: PDR */

static const char *const target_name[NB_TARGETS] = {"NDR", "PDR"};

/* Bounds of one target within one phase: loads classified at that phase's duration. */
struct bounds {
	double lo, hi; /* 0: none */
	const struct load *lo_ld, *hi_ld;
};

/*
 * The trials of one phase at one load (a rate): how many lost more than
 * each target allows (high) and how many did not (low).
 */
struct load {
	double rate;
	unsigned int high[NB_TARGETS], low[NB_TARGETS];
	unsigned int high_id[NB_TARGETS], low_id[NB_TARGETS]; /* the last of each */
	uint64_t offered, lost;
};

#define MAX_LOADS                                                                                  \
	200 /* a phase never has more (max_trials <= 200 and one trial per load at least) */

struct search {
	const struct ndr_opts *o;
	ndr_trial_fn fn;
	void *arg;
	struct ndr_result *res;
	unsigned int phase;
	double duration;
	unsigned int goal; /* trials a load may get in this phase */
	double max;        /* cap, pps */
	struct bounds b[NB_TARGETS];
	double allowed[NB_TARGETS];
	struct load loads[MAX_LOADS];
	unsigned int nb_loads;
};

void ndr_opts_default(struct ndr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->final_s = 2.0;
	o->initial_s = 0.2;
	o->phases = 3;
	o->width = 0.01;
	o->pdr_loss = 0.005;
	o->goal_trials = 3;
	o->exceed_ratio = 0.5;
	o->min_rate = 10000;
}

double ndr_loss_ratio(const struct ndr_trial *t)
{
	if (t->rate_short || !t->offered)
		return 1.0;
	return (double)t->lost / (double)t->offered;
}

/*
 * A load for target k: +1 a lower bound, -1 an upper bound, 0 not yet.
 * Upper once the losing trials are more than exceed_ratio of the goal,
 * lower once the others are at least the rest of it, counting the trials
 * not run yet as losing (RFC 9971's pessimistic and optimistic views).
 */
static int classify(const struct search *s, const struct load *ld, int k)
{
	double n = s->goal, r = s->o->exceed_ratio;

	if ((double)ld->high[k] > r * n + 1e-9)
		return -1;
	if ((double)ld->low[k] >= (1.0 - r) * n - 1e-9)
		return 1;
	return 0;
}

/* Record a load's classification in the bounds of both targets. */
static void update(struct search *s, const struct load *ld)
{
	for (int k = 0; k < NB_TARGETS; k++) {
		struct bounds *b = &s->b[k];
		int c = classify(s, ld, k);

		if (c > 0) {
			if (ld->rate > b->lo) {
				b->lo = ld->rate;
				b->lo_ld = ld;
			}
			/* a pass at or above the upper bound: that bound was noise */
			if (b->hi && ld->rate >= b->hi)
				b->hi = 0;
		} else if (c < 0) {
			if (!b->hi || ld->rate < b->hi) {
				b->hi = ld->rate;
				b->hi_ld = ld;
			}
			if (b->lo && ld->rate <= b->lo)
				b->lo = 0;
		}
	}
}

static int trial(struct search *s, int target, double rate, struct load *ld)
{
	struct ndr_result *r = s->res;
	struct ndr_trial t;
	int rc;

	if (s->o->max_trials ? r->trials >= s->o->max_trials : r->trials >= 200)
		return -E2BIG;
	memset(&t, 0, sizeof(t));
	t.id = r->trials;
	t.rate = rate;
	t.duration = s->duration;
	rc = s->fn(s->arg, &t);
	if (rc)
		return rc;
	t.id = r->trials++;
	t.rate = rate;
	t.duration = s->duration;
	r->trial_s += s->duration;
	if (s->o->progress)
		s->o->progress(s->o->progress_arg, s->phase, s->o->phases,
		               target >= 0 ? target_name[target] : "max", &t);
	if (!t.valid)
		return -EPROTO;
	if (rate == 0) {
		r->mrr = t;
		return 0;
	}
	for (int k = 0; k < NB_TARGETS; k++) {
		if (ndr_loss_ratio(&t) <= s->allowed[k]) {
			ld->low[k]++;
			ld->low_id[k] = t.id;
		} else {
			ld->high[k]++;
			ld->high_id[k] = t.id;
		}
	}
	ld->offered += t.offered;
	ld->lost += t.rate_short ? t.offered : t.lost;
	return 0;
}

/* Trials at 'rate' until it is a bound of target k; then update both targets' bounds. */
static int measure(struct search *s, int k, double rate)
{
	struct load *ld = NULL;
	int rc;

	for (unsigned int i = 0; i < s->nb_loads && !ld; i++)
		if (s->loads[i].rate == rate)
			ld = &s->loads[i];
	if (!ld) {
		if (s->nb_loads == MAX_LOADS)
			return -E2BIG;
		ld = &s->loads[s->nb_loads++];
		memset(ld, 0, sizeof(*ld));
		ld->rate = rate;
	}
	while (!classify(s, ld, k))
		if ((rc = trial(s, k, rate, ld)))
			return rc;
	update(s, ld);
	return 0;
}

/* Rates are whole packets per second. */
static double tidy(double rate)
{
	return floor(rate);
}

/*
 * One target in the current phase: re-measure the hints, search outwards
 * until both bounds exist (or the range ends), then bisect to 'width'.
 */
static int search_target(struct search *s, int k, double width, double hint_lo, double hint_hi)
{
	const struct ndr_opts *o = s->o;
	struct bounds *b = &s->b[k];
	double step = width;
	int rc;

	/* the hints, measured at this phase's duration unless a trial here settled them */
	if (hint_lo > 0 && b->lo < hint_lo && (!b->hi || hint_lo < b->hi)) {
		rc = measure(s, k, tidy(hint_lo));
		if (rc)
			return rc;
	}
	if (hint_hi > 0 && (!b->hi || hint_hi < b->hi) && hint_hi > b->lo) {
		rc = measure(s, k, tidy(hint_hi));
		if (rc)
			return rc;
	}
	for (;;) {
		double rate;

		if (b->lo && b->lo >= s->max)
			return 0; /* the cap passes: nothing above to find */
		if (b->hi && b->hi <= o->min_rate)
			return 0; /* even the floor loses */
		if (b->lo && b->hi && b->hi - b->lo <= width * b->hi)
			return 0;
		if (!b->lo && !b->hi) {
			rate = s->max; /* no hint at all: start from the top */
		} else if (!b->lo) {
			/* external search downwards, doubling the step */
			rate = b->hi * (1.0 - step);
			step *= 2;
			if (rate < o->min_rate)
				rate = o->min_rate;
		} else if (!b->hi) {
			rate = b->lo * (1.0 + step);
			step *= 2;
			if (rate > s->max)
				rate = s->max;
		} else {
			rate = (b->lo + b->hi) / 2;
		}
		rate = tidy(rate);
		if ((b->lo && rate <= b->lo) || (b->hi && rate >= b->hi))
			return 0; /* the bounds are as close as whole pps allow */
		rc = measure(s, k, rate);
		if (rc)
			return rc;
	}
}

int ndr_search(const struct ndr_opts *o, ndr_trial_fn fn, void *arg, struct ndr_result *res)
{
	struct search s = {.o = o, .fn = fn, .arg = arg, .res = res};
	double hint_lo[NB_TARGETS] = {0}, hint_hi[NB_TARGETS] = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	if (!fn || o->phases < 1 || o->phases > 8 || !(o->final_s > 0) || !(o->initial_s > 0) ||
	    o->initial_s > o->final_s || !(o->width > 0 && o->width < 0.5) ||
	    !(o->pdr_loss > 0 && o->pdr_loss < 1) || o->min_rate < 1 ||
	    (o->max_rate && o->max_rate < o->min_rate) || o->goal_trials < 1 ||
	    o->goal_trials > 16 || !(o->exceed_ratio >= 0 && o->exceed_ratio < 1))
		return -EINVAL;
	s.allowed[0] = 0;
	s.allowed[1] = o->pdr_loss;

	/* step 1: full speed, for the cap and the first guess */
	s.phase = 0;
	s.duration = o->phases > 1 ? o->initial_s : o->final_s;
	s.goal = 1;
	rc = trial(&s, -1, 0, NULL);
	if (rc)
		return rc;
	s.max = floor(res->mrr.offered_pps);
	if (o->max_rate && o->max_rate < s.max)
		s.max = o->max_rate;
	if (s.max < o->min_rate)
		s.max = o->min_rate;
	res->max_rate = s.max;
	/* the forwarding rate under overload is near the PDR; NDR starts there too */
	for (int k = 0; k < NB_TARGETS; k++) {
		double fr = res->mrr.delivered_pps;

		hint_lo[k] = fr < s.max ? fr : s.max;
		if (hint_lo[k] < o->min_rate)
			hint_lo[k] = o->min_rate;
		if (ndr_loss_ratio(&res->mrr) > s.allowed[k] && s.max > hint_lo[k])
			hint_hi[k] = s.max;
	}

	for (unsigned int p = 0; p < o->phases; p++) {
		double f = o->phases > 1 ? (double)p / (o->phases - 1) : 1.0;
		double width = o->width * (double)(1u << (o->phases - 1 - p));

		s.phase = p;
		s.duration = o->initial_s * pow(o->final_s / o->initial_s, f);
		if (p == o->phases - 1)
			s.duration = o->final_s;
		if (width > 0.25)
			width = 0.25;
		s.goal = p == o->phases - 1 ? o->goal_trials : 1;
		s.nb_loads = 0;
		memset(s.b, 0, sizeof(s.b));
		for (int k = 0; k < NB_TARGETS; k++) {
			/* PDR >= NDR: this phase's NDR lower bound is a PDR hint */
			if (k == 1 && s.b[0].lo > hint_lo[1])
				hint_lo[1] = s.b[0].lo;
			rc = search_target(&s, k, width, hint_lo[k], hint_hi[k]);
			if (rc)
				goto out;
		}
		for (int k = 0; k < NB_TARGETS; k++) {
			hint_lo[k] = s.b[k].lo;
			hint_hi[k] = s.b[k].hi;
		}
	}
	rc = 0;
out : {
	struct ndr_bound *out[NB_TARGETS] = {&res->ndr, &res->pdr};

	for (int k = 0; k < NB_TARGETS; k++) {
		const struct load *lo = s.b[k].lo_ld, *hi = s.b[k].hi_ld;

		out[k]->found = s.b[k].lo > 0;
		out[k]->rate = s.b[k].lo;
		out[k]->upper = s.b[k].hi;
		if (out[k]->found) {
			out[k]->lower_id = lo->low_id[k];
			out[k]->lower_trials = lo->low[k] + lo->high[k];
			out[k]->lower_losing = lo->high[k];
			out[k]->loss_ratio =
			        lo->offered ? (double)lo->lost / (double)lo->offered : 0;
		}
		if (out[k]->upper > 0)
			out[k]->upper_id = hi->high_id[k];
	}
	res->capped = res->ndr.found && res->ndr.rate >= s.max;
}
	return rc;
}
