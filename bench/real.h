/*
 * The --real back end of tenet-bench steer and scan: a trial runs on real
 * interfaces (veth pairs between two network namespaces, the afxdp port
 * with its XDP programs, 'tenet run' as a child in the DUT namespace,
 * 'tenet gen' and 'tenet sink' in the sender's), instead of the in-process
 * software NIC of the harness. The scenarios, their options and their
 * report are steer.c's and scan.c's, the same for both back ends; a trial
 * here fills the same struct bench_trial (harness.h), with the figures
 * only this path has in t->real. Root only.
 */
#ifndef TENET_BENCH_REAL_H
#define TENET_BENCH_REAL_H

#include <stdbool.h>

#include "bench/harness.h"

/* scan's placements; wire (gen -> veth -> sink, no manager) exists on this back end only */
enum bench_scan_place { SCAN_WIRE, SCAN_NIC_ONLY, SCAN_NIC_SCAN, SCAN_HOST_SCAN, NB_SCAN_PLACE };

struct bench_real;

/*
 * Check root and the binaries, make the temporary directory and the
 * topology (xdp_pass: scan's, with the return path to the sender), catch
 * SIGINT/SIGTERM/SIGHUP. NULL when it cannot (said why on stderr, nothing
 * left behind).
 */
struct bench_real *bench_real_open(const char *who, bool xdp_pass);
/*
 * bench_real_open, then make the back end h's: h->backend = trial (the
 * scenario's adapter to bench_real_steer / bench_real_scan), h->be = it.
 * 0, or -1 (said why; h is unchanged).
 */
int bench_real_attach(struct bench_harness *h, const char *who, bool xdp_pass,
                      int (*trial)(void *be, void *arg, const struct bench_load *l,
                                   struct bench_trial *t));
/* Stop what runs, delete the namespaces and the directory. NULL is a no-op. */
void bench_real_close(struct bench_real *r);
/* A signal asked to stop. */
bool bench_real_interrupted(void);

/*
 * One steer trial: the 2-NF chain alice/fwd -> alice/fwd2 -> sink port
 * behind the afxdp port in mode 'steer' (nic, cpu, shared); the sender at
 * l->rate (0: its maximum) for l->duration s, frames of l->size B.
 * offered = frames sent, lost = sent - delivered (the path included),
 * host CPU per delivered packet, the port thread's and softirq's per frame
 * (t->real); rate_short when the sender fell short of l->rate by more than
 * l->rate_tol. 0, or -1 (said why; t->stopped on a signal).
 */
int bench_real_steer(struct bench_real *r, const char *steer, const struct bench_load *l,
                     struct bench_trial *t);

/*
 * One scan trial: placement p, l->count frames at l->rate of l->size B,
 * 'fraction' of them with a drop pattern (nic-only: all, as it bounces
 * them back). Latency from tenet sink in the sender's namespace; loss is
 * of the frames expected back (t->real.expected). 0, or -1 (said why).
 */
int bench_real_scan(struct bench_real *r, enum bench_scan_place p, double fraction,
                    const struct bench_load *l, struct bench_trial *t);

#endif
