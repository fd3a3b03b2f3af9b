/*
 * mgr/result.c: What a run measured, for tenet-bench (struct mgr_result): totals, the
 * counters at the end of the warm-up, and the sink's latency over the
 * packets after it.
 */
#ifndef TENET_MGR_RESULT_H
#define TENET_MGR_RESULT_H

#include <stdbool.h>

#include "mgr/state.h"
#include "mgr/mgr.h"
#include "ports/sink.h"

void fill_result(struct mgr *m, struct mgr_result *r, double elapsed, bool conserved);
/*
 * Counters at the end of the warm-up into *w, and the sink's latency
 * histogram into hist (if not NULL). Returns whether hist was filled.
 */
bool take_snapshot(struct mgr *m, double at, struct mgr_snapshot *w, struct sink_hist *hist);
/* Latency over the packets the sink saw after the warm-up: now minus the snapshot. */
void latency_after(struct mgr *m, const struct sink_hist *warm, struct sink_latency *lat);

#endif
