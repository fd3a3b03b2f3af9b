/* The tenet ctl socket (mgr/ctl.c): requests; rule and chain changes call mgr/rules.c. */
#ifndef TENET_MGR_CTL_H
#define TENET_MGR_CTL_H

#include <stdint.h>

#include "mgr/state.h"

/* Listen on $socket_dir/ctl.sock; epoll tags are tag | slot (0xffff: the listener). */
int ctl_open(struct mgr *m, int epfd, uint32_t tag);
/* Serve what the ctl socket of slot idx (tag & 0xffff) has; never blocks. */
void ctl_event(struct mgr *m, unsigned int idx);
/* Close (and count) connections past their deadline; move tap data (mgr/tap.c). */
void ctl_expire(struct mgr *m, double now);
void ctl_close(struct mgr *m);

#endif
