/*
 * NDR / PDR search: the highest offered rate at which a device loses no
 * packet (non-drop rate, RFC 2544 throughput) and the highest at which it
 * loses at most a given ratio (partial-drop rate, 0.5 % by default), found
 * by trials of fixed duration in the manner of FD.io CSIT's MLRsearch.
 *
 * The search knows nothing of the platform: it calls a trial function with
 * a rate and a duration, and the trial function offers exactly that rate
 * for that long (after its own warm-up) and reports what was offered and
 * what was lost. A trial that could not be counted (packets not conserved)
 * is reported invalid and ends the search with -EPROTO: a rate found from
 * miscounted trials would be wrong, not merely noisy.
 *
 * How it searches (docs/benchmarks.md has the long form):
 *
 *  1. One trial at the generator's full speed (rate 0: unpaced) for the
 *     first phase's duration: the maximum offered rate, which caps the
 *     search, and the forwarding rate under overload, the first guess.
 *  2. Phases of growing trial duration and shrinking width, the last one
 *     at the final duration and the final width. In each phase, for NDR
 *     and then PDR, the bounds of the previous phase are measured again at
 *     the new duration (a bound found in a short trial is only a hint);
 *     a lower bound that now loses becomes an upper bound and the search
 *     steps down from it in doubling steps until a rate passes (and up
 *     likewise from an upper bound that now passes); then it bisects until
 *     (upper - lower) <= width * upper. Every trial updates the bounds of
 *     both targets (a trial without loss is a lower bound for both).
 *  3. The result is the final phase's lower bounds: each was measured at
 *     the final duration, and the rate just above it (within the width)
 *     lost more than the target at that duration.
 *
 * In the final phase a load is classified as MLRsearch (RFC 9971) does,
 * from up to goal_trials trials at the final duration (their durations
 * are the goal duration sum): it is an upper bound for a target once more
 * than exceed_ratio of the sum has lost more than the target allows, a
 * lower bound once at least (1 - exceed_ratio) of it has not; in between
 * it gets another trial. With exceed_ratio 0.5 one trial in three may
 * lose (a scheduling stall of the host, not the rate, is what loses it);
 * goal_trials 1 (or exceed_ratio 0) is the strict search, where one
 * losing trial at the final duration makes an upper bound. Earlier phases
 * run one trial per load: their bounds are hints.
 */
#ifndef TENET_BENCH_NDR_H
#define TENET_BENCH_NDR_H

#include <stdbool.h>
#include <stdint.h>

/* What one trial measured; filled by the trial function. */
struct ndr_trial {
	unsigned int id;      /* set by the search: 0, 1, 2, ... in the order run */
	double rate;          /* asked for, pps (0: unpaced) */
	double duration;      /* asked for, s (the measured window, warm-up excluded) */
	uint64_t offered;     /* packets offered in the window */
	uint64_t lost;        /* packets lost in the window (offered and not delivered) */
	double offered_pps;   /* offered / the window's real length */
	double delivered_pps; /* delivered / the window's real length */
	bool rate_short;      /* the generator did not reach 'rate' (counts as a loss) */
	bool valid;           /* counted exactly (conservation held) */
};

/*
 * Run one trial at 'rate' pps (0: as fast as the generator goes) for
 * 'duration' s and fill *t (id, rate and duration are set already).
 * Returns 0, or -errno to end the search (the run failed or was stopped).
 */
typedef int (*ndr_trial_fn)(void *arg, struct ndr_trial *t);

/* One line of progress: called after every trial. */
typedef void (*ndr_progress_fn)(void *arg, unsigned int phase, unsigned int nb_phases,
                                const char *target, const struct ndr_trial *t);

struct ndr_opts {
	double final_s;      /* duration of final trials, s (>= initial_s) */
	double initial_s;    /* duration of the first phase's trials, s */
	unsigned int phases; /* 1..8: phases, the last at final_s (1: final trials only) */
	double width;        /* final relative width of the bounds, e.g. 0.01 */
	double pdr_loss;     /* loss ratio allowed at PDR, e.g. 0.005 */
	double min_rate;     /* pps: below this the search gives up (the bound is 0) */
	double max_rate;     /* pps cap, 0: the generator's full speed from step 1 */
	unsigned int
	        goal_trials; /* 1..16: final trials a load gets at most (duration sum / final_s) */
	double exceed_ratio; /* 0..<1: share of those that may lose more than the target */
	unsigned int max_trials;  /* safety stop; 0: 200 */
	ndr_progress_fn progress; /* may be NULL */
	void *progress_arg;
};

/*
 * Defaults: 2 s final trials, 0.2 s first phase, 3 phases, 1 % width,
 * 0.5 % PDR, 3 goal trials with an exceed ratio of 0.5.
 */
void ndr_opts_default(struct ndr_opts *o);

struct ndr_bound {
	bool found;                      /* a rate >= min_rate passed at the final duration */
	double rate;                     /* pps, the final lower bound (0 if not found) */
	double upper;                    /* pps, the final upper bound (0: none: the cap passed) */
	unsigned int lower_id, upper_id; /* the last low-loss / high-loss trial at them */
	double loss_ratio;               /* over every final trial at the lower bound */
	unsigned int lower_trials;       /* final trials at the lower bound */
	unsigned int lower_losing;       /* of those, losing more than the target */
};

struct ndr_result {
	struct ndr_bound ndr, pdr;
	struct ndr_trial mrr; /* step 1: the unpaced trial */
	double max_rate;      /* the cap the search used, pps */
	bool capped;          /* NDR is the cap: the generator, not the device, limited it */
	unsigned int trials;  /* trials run */
	double trial_s;       /* sum of the trials' durations, s */
};

/*
 * Search as described above. Returns 0 with *res filled, -EINVAL for bad
 * options, -EPROTO when a trial was invalid (*res holds the bounds so far,
 * and res->trials counts the invalid trial), -E2BIG when max_trials ran
 * out, or the trial function's error.
 */
int ndr_search(const struct ndr_opts *o, ndr_trial_fn fn, void *arg, struct ndr_result *res);

/* Loss ratio of a trial as the search judges it (a short rate counts as total loss). */
double ndr_loss_ratio(const struct ndr_trial *t);

#endif
