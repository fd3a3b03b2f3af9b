/*
 * The one harness of tenet-bench's software-port scenarios: a trial is the
 * real manager (mgr_run, in-process, NFs as processes) on a config written
 * for it, with the generator paced at the trial's rate, and the figures
 * come from the manager's own accounting over the window after the
 * warm-up. The NDR driver on top runs the search of ndr.h through it and
 * then the latency trials at fractions of the NDR.
 *
 * A scenario provides one function that writes its ports, tenants,
 * services and chains for a given load; bench_gen_port() writes the
 * generator line with the load's rate, count and duration.
 */
#ifndef TENET_BENCH_HARNESS_H
#define TENET_BENCH_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/ndr.h"
#include "mgr/mgr.h"

/* What the generator offers in one trial. */
struct bench_load {
	double rate;       /* pps, 0: as fast as it goes */
	uint64_t count;    /* frames in all (warm-up included), 0: unbounded */
	double duration;   /* s the generator sends at most, 0: until count */
	double warmup;     /* s at the start that the figures leave out, 0: none */
	double rate_tol;   /* offered may fall short of rate by this ratio (paced trials) */
	unsigned int size; /* frame size on the wire, B */
	bool poll;         /* pure polling instead of adaptive */
	double trial_s;    /* the window asked for, s (what a --real trial sends for) */
};

/* Write the scenario's config (after the manager section) for load l. 0 or -errno. */
typedef int (*bench_config_fn)(FILE *f, const struct bench_load *l, void *arg);

struct bench_trial;

/* A temporary directory for configs and logs, and the progress stream. */
struct bench_harness {
	const char *who;       /* "tenet-bench chain" ... for messages */
	char dir[64];          /* temporary directory */
	FILE *err;             /* progress and warnings (the real stderr) */
	bool tty;              /* err is a terminal: progress lines overwrite */
	unsigned int trials;   /* run so far */
	bool small_pages_told; /* the note that the pools are not on huge pages is out */
	const char *nic_stage; /* manager.nic_stage of every trial, NULL: the default */
	/*
	 * The back end that runs a trial of the scenario 'arg' (the cfg
	 * function's argument) for load l and fills *t: 0, or non-zero when
	 * the run failed. NULL: the software NIC, the manager in-process on
	 * the config cfg writes (bench_trial_run's own way). real.h is the
	 * other one.
	 */
	int (*backend)(void *be, void *arg, const struct bench_load *l, struct bench_trial *t);
	void *be;
	struct bench_side_sched *side; /* bench_ndr_run_side in progress, else NULL */
};

/* What a trial measured; rates and ratios over the window after the warm-up. */
struct bench_trial {
	struct mgr_result r;   /* the manager's totals */
	double window_s;       /* length of the measured window */
	uint64_t offered;      /* packets that entered in the window */
	uint64_t delivered;    /* packets sent out of a port in the window */
	uint64_t lost;         /* dropped in the window, not by an NF's or the NIC's verdict */
	uint64_t verdict_drop; /* dropped by a scan verdict (NF or NIC) in the window */
	uint64_t warm_lost;    /* lost during the warm-up (not counted) */
	double offered_mpps, mpps, loss_pct;
	double nic_ns_per_pkt; /* NIC stage (the software NIC, generator included) per offered */
	double nic_work_ns_per_pkt;      /* of it, not asleep, yielding, waiting or kicking */
	double dispatch_ns_per_pkt;      /* dispatcher + router per delivered */
	double dispatch_work_ns_per_pkt; /* of the dispatcher's, moving packets and buffers */
	double dispatch_kick_ns_per_pkt; /* of the dispatcher's, waking sleeping NFs */
	double router_ns_per_pkt;        /* router alone (steer: cpu) per delivered */
	double nf_ns_per_pkt;            /* NF processes per delivered */
	double host_ns_per_pkt;          /* dispatcher + router + NFs per delivered */
	double copies_per_pkt;           /* over the whole run */
	double lat_p50_us, lat_p99_us, lat_p999_us, lat_max_us; /* sink, window */
	uint64_t lat_count;
	bool rate_short; /* the generator did not reach the asked rate */
	bool stopped;    /* the run ended early (a signal): the figures are partial */
	bool conserved;  /* in == delivered + dropped over the whole run */
	bool huge_pages; /* every pool was on huge pages */
	/* what only the --real back end measures (whole-run: no warm-up there) */
	struct bench_real_figs {
		double sent, packets_in, send_s; /* sender's frames and send time; manager's in */
		double no_buffer, nf_rx_full;    /* drops by those reasons */
		double dispatcher_ns, router_ns, nf_ns, port_ns, softirq_ns, restarts;
		double unseen_pct;      /* sent, never counted by the manager (dropped by veth) */
		double port_ns_per_pkt; /* the afxdp port thread per frame in */
		double softirq_ns_per_pkt; /* host-wide softirq during the send per frame sent */
		double lat_min_us, lat_mean_us; /* scan: tenet sink's */
		double frames, expected;        /* scan: frames back at the sink, expected back */
	} real;
};

/*
 * Make the temporary directory and the progress stream; set the log level
 * to warnings. 0, or -errno with a message on stderr.
 */
int bench_harness_open(struct bench_harness *h, const char *who);
/* Remove what the trials left and the directory; close the stream. NULL is a no-op. */
void bench_harness_close(struct bench_harness *h);

/*
 * One trial: write the config, run the manager on it with its output sent
 * to a log (warnings echoed on h->err), fill *t. Returns 0 (also when the
 * run did not conserve packets: t->conserved says so), or the manager's
 * exit code / -1 when the run failed (the log is echoed).
 */
int bench_trial_run(struct bench_harness *h, bench_config_fn cfg, void *arg,
                    const struct bench_load *l, struct bench_trial *t);

#define BENCH_MAX_REPS 15

/* The trials of one cell of a scenario's grid (a size and a mode) over the repetitions. */
struct bench_cell {
	unsigned int nb;
	struct bench_trial run[BENCH_MAX_REPS];
	bool conserved; /* every one of them conserved packets */
};

/*
 * Count in run[nb], the trial just run for load l ('label' names the
 * mode, e.g. "steer nic"): say on h->err when the generator fell short of
 * a paced rate or packets were not conserved. Returns whether they were.
 */
bool bench_cell_add(struct bench_harness *h, struct bench_cell *c, const struct bench_load *l,
                    const char *label);

/*
 * One trial of a scenario's grid (steer's max-rate runs, scan's fixed-rate
 * runs: every cell --reps times) after its progress line "[done/total] rep
 * R, SIZE B, LABEL ...". Returns 0, or 1 when the run failed or was
 * stopped early (said on h->err): the grid stops there. Whether the trial
 * conserved packets is the caller's to judge.
 */
int bench_grid_trial(struct bench_harness *h, unsigned int done, unsigned int total,
                     unsigned int rep, const char *label, bench_config_fn cfg, void *arg,
                     const struct bench_load *l, struct bench_trial *t);

/*
 * Work out t's figures from t->r (the manager's totals and its warm-up
 * snapshot) for a trial that ran load l: everything over the window after
 * the warm-up, loss without the scan verdicts, whether the generator fell
 * short of the rate and whether the run was stopped. bench_trial_run calls
 * it; exposed for tests.
 */
void bench_trial_derive(const struct bench_load *l, struct bench_trial *t);

/* The gen port line for load l: steer mode, then extra keys ("" or ", payload: ..."). */
void bench_gen_port(FILE *f, const struct bench_load *l, const char *steer, const char *extra);

/*
 * A tenant line of a scenario's config. Its pool has BENCH_POOL_BUFS
 * buffers, twice OpenNetVM's NUM_MBUFS (32767) and 8 times the platform's
 * default: a pool absorbs a stall of up to half of it in flight, here
 * 32768 (its NF rings get 65536 slots: mgr/setup.c, set_budgets), 5.5 ms
 * at 6 Mpps, where this 2-CPU guest's vCPUs stop for 1-16 ms many times
 * a minute; the NDR would measure those stops instead of the platform.
 * The free list is a stack, so the buffers a steady load cycles through
 * are as few with any pool size. Every steer mode and scenario gets the
 * same (docs/benchmarks.md).
 */
#define BENCH_POOL_BUFS 65536u
void bench_tenant(FILE *f, const char *name);

/* ---- the NDR driver ---------------------------------------------------- */

struct bench_ndr_opts {
	struct ndr_opts search;
	double warmup;      /* s before every trial's window (default 0.5) */
	double rate_tol;    /* a window offered below rate x (1 - this) fails (0.01) */
	double lat_frac[2]; /* latency trials at these fractions of NDR (0.5, 0.9) */
	unsigned int size;  /* frame size */
	bool poll;
	const char *label; /* progress prefix, e.g. "64 B nic" */
};

void bench_ndr_opts_default(struct bench_ndr_opts *o);

/* What an NDR run found. */
struct bench_ndr {
	struct ndr_result res;
	int rc;                    /* ndr_search's: 0, -EPROTO (invalid trial), ... */
	struct bench_trial at_ndr; /* the final trial at the NDR rate */
	struct bench_trial at_pdr; /* the final trial at the PDR rate */
	struct bench_trial mrr;    /* the unpaced trial (overload) */
	struct bench_trial lat[2]; /* at lat_frac[] x NDR */
	bool lat_done[2];
	unsigned int short_trials; /* trials where the generator fell short of the rate */
	double ndr_mpps, pdr_mpps;
};

/*
 * Search NDR and PDR for one scenario, then measure latency at the given
 * fractions of the NDR with trials of the final duration. Progress on
 * h->err. Returns 0, or the search's / a trial's error (out->rc).
 */
int bench_ndr_run(struct bench_harness *h, bench_config_fn cfg, void *arg,
                  const struct bench_ndr_opts *o, struct bench_ndr *out);

/*
 * Several NDR runs side by side: each run's search (and its latency
 * trials) goes on a thread of its own, but every trial runs on the calling
 * thread, the runs taking turns one trial at a time (a run that has
 * finished drops out). On a noisy machine the runs then share its quiet
 * and its noisy spells, instead of one mode being searched in a quiet
 * minute and the next in a noisy one, so that their ratio says more about
 * the modes than about when each ran. Returns 0 when every run was made
 * (each side's rc is its bench_ndr_run result), -errno when the threads
 * could not be.
 */
struct bench_side {
	bench_config_fn cfg;
	void *arg;
	struct bench_ndr_opts o; /* the run's own: label and size included */
	struct bench_ndr out;
	int rc;
};

int bench_ndr_run_side(struct bench_harness *h, struct bench_side *side, unsigned int n);

/* A trial at a fixed rate for 'duration' s after the warm-up (steer's fixed-rate CPU). */
int bench_fixed_run(struct bench_harness *h, bench_config_fn cfg, void *arg,
                    const struct bench_ndr_opts *o, double rate, double duration,
                    struct bench_trial *t);

#endif

/* ---- reporting NDR results ---------------------------------------------- */

#include "bench/report.h"

/*
 * The columns of an NDR result, the same for every scenario: identity
 * (bench, scenario, steer, size, hops, tenants, mode, run), then
 * ndr_mpps, pdr_mpps, host CPU per packet at NDR by component, latency at
 * 50 % (lat_p50_us, lat_p99_us) and 90 % (lat90_*) of NDR, and how the
 * search went.
 */
extern const struct report_col bench_ndr_cols[];
extern const unsigned int bench_ndr_nb_cols;

/* Set the measured columns of the current row from n (identity columns are the caller's). */
/* "NDR/PDR (0 / 0.5 % loss), final trials 2.0 s, up to 3 a rate, exceed ratio 0.5, width 1 %" */
void bench_ndr_describe(FILE *f, const struct bench_ndr_opts *o);
void bench_ndr_fill(struct report *r, const struct bench_ndr *n, const struct bench_ndr_opts *o);
