/*
 * mgr/stop.c: the end of a run, in order, so that every packet that
 * entered is accounted for (delivered, or dropped with a reason).
 */
#ifndef TENET_MGR_STOP_H
#define TENET_MGR_STOP_H

#include <stdbool.h>

struct loop;
struct mgr;

/*
 * Stop a run that started: close the wire, let what is in flight finish
 * (unless drained: the run ended with nothing in flight), stop the NFs
 * (serving only their connections on l), then the afxdp transmit, the
 * dispatcher shards, the sockets; give every buffer back and count what
 * was still held as dropped at shutdown.
 */
void mgr_stop(struct mgr *m, struct loop *l, bool drained);
/* Stop whatever threads and children still run, at once (a set-up that failed half-way). */
void mgr_stop_now(struct mgr *m);

#endif /* TENET_MGR_STOP_H */
