/* The afxdp port's manager side (mgr/afxdp.c). */
#ifndef TENET_MGR_AFXDP_H
#define TENET_MGR_AFXDP_H

#include <stddef.h>

#include "mgr/state.h"

/*
 * Load and attach the XDP programs and create the AF_XDP sockets of an
 * afxdp port (after the pools and fill rings exist). On error writes a
 * message into err and returns -errno; afxdp_close undoes what was done.
 */
int afxdp_open(struct mgr *m, struct mport *p, char *err, size_t errlen);
/* Detach every program, close every socket (the kernel lets go of all buffers). */
void afxdp_close(struct mgr *m, struct mport *p);
/* The port thread (instead of nic_thread). */
void *afxdp_thread(void *arg);
/* Stop steering frames to the pools (detach the XDP programs); transmit goes on. */
void afxdp_stop_rx(struct mport *p);
/* Publish a new rule table to the XDP classifier. */
int afxdp_set_rules(struct mport *p, const struct tenet_classifier *c);

/* Fold the XDP programs' and sockets' drop counters into the port's accounting. */
void afxdp_account(struct mgr *m, struct mport *p);

#endif
