/* Accounting and reports (mgr/stats.c): the live table, totals, the JSON summary. */
#ifndef TENET_MGR_STATS_H
#define TENET_MGR_STATS_H

#include <stdio.h>

#include "mgr/state.h"

/* Every packet, counted once: in at a port (or seen by XDP), out delivered or dropped. */
uint64_t mgr_packets_in(struct mgr *m);
uint64_t mgr_delivered(struct mgr *m);
uint64_t mgr_dropped(struct mgr *m, enum drop_reason r);
/* Delivered plus dropped; in flight: in minus out (0 when every packet is accounted for). */
uint64_t mgr_packets_out(struct mgr *m);
uint64_t mgr_in_flight(struct mgr *m);
/* Summed over the dispatcher shards: cross-tenant copies, wake-ups, CPU ns. */
uint64_t mgr_copies(struct mgr *m);
uint64_t mgr_wakeups(struct mgr *m);
uint64_t mgr_dispatch_ns(struct mgr *m);
/* Of that: moving packets and buffers (shard.work_ns), waking NFs (nf_kick_ns). */
uint64_t mgr_dispatch_work_ns(struct mgr *m);
uint64_t mgr_dispatch_kick_ns(struct mgr *m);

/* The live table: rates over the dt s since *prev was taken; *prev takes the counters now. */
void stats_print_rates(struct mgr *m, FILE *out, double dt, struct stats_snap *prev);
/* Totals over elapsed s (tenet ctl stats, the end of a run); changes no snapshot. */
void stats_print_totals(struct mgr *m, FILE *out, double elapsed);
/* Add the counters of an NF whose life ended (after the dispatcher let go of it). */
void stats_nf_life_end(struct mgr *m, const struct nf *nf);
int stats_write_summary(struct mgr *m, const char *path, double elapsed);

#endif
