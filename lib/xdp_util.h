/* Helpers shared by the XDP loaders (lib/xdp.c, lib/xsk_prog.c). */
#ifndef TENET_XDP_UTIL_H
#define TENET_XDP_UTIL_H

#include <stddef.h>

/*
 * Detach every XDP program named 'name' from ifindex, in any attach mode
 * (driver, generic, hardware): what a process killed with -9 left behind.
 * Programs with another name are left alone. Returns how many were
 * removed, or -errno.
 */
int tenet_xdp_remove_by_name(int ifindex, const char *name);

#endif
