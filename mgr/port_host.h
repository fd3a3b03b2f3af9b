/*
 * The manager's side of the port drivers that run their own thread
 * (mgr/port_host.c): it lends them pools, rings and counters through
 * struct port_host (ports/host.h) and calls their entries.
 */
#ifndef TENET_MGR_PORT_HOST_H
#define TENET_MGR_PORT_HOST_H

#include <stddef.h>

#include "mgr/state.h"

/*
 * Fill the port's host (after the pools, the fill and ingress rings and the
 * router's pool exist) and call the driver's attach, then create the
 * zero-copy transmit queues if it asked for them. A driver without attach:
 * 0. On error writes a message into err and returns -errno;
 * port_host_detach undoes what was done.
 */
int port_host_attach(struct mgr *m, struct mport *p, char *err, size_t errlen);
/* The driver's detach (it let go of the pools), then the transmit queues. */
void port_host_detach(struct mport *p);
/* Every receiving port's thread: the driver's own, else the NIC stage; arg is a struct nic_arg. */
void *port_thread(void *arg);
/* Stop frames from reaching the pools (the driver's stop_rx); transmit goes on. */
void port_host_stop_rx(struct mport *p);
/* Publish a new rule table to what classifies on the port's NIC. */
int port_host_set_rules(struct mport *p, const struct tenet_classifier *c);
/* Fold the counters a driver keeps outside its thread into the port's accounting. */
void port_host_account(struct mport *p);

#endif
