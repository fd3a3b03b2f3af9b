/*
 * The manager, seen from outside (tenet run, tenet-bench): run it on a
 * config until it stops, and read what it measured. Its insides are
 * mgr/state.h and the headers of each part.
 */
#ifndef TENET_MGR_H
#define TENET_MGR_H

#include "mgr/state.h"

struct mgr_opts {
	const char *config;  /* YAML file */
	double duration;     /* seconds, 0: until the sources end (or a signal) */
	const char *summary; /* JSON summary file, or NULL */
	int poll;            /* pure polling */
	int quiet;           /* no live table */
	double warmup; /* s after the ports open: counters snapshot into res->warm (0: none) */
	const char *metrics; /* ADDR:PORT to serve /metrics on, over the config (NULL: its) */
};

/* Run the manager on a config until it stops; fills *res if not NULL. Returns the exit code. */
int mgr_run(const struct mgr_opts *o, struct mgr_result *res);
int mgr_main(const char *config_path, double duration, const char *summary_path, int poll,
             int quiet);

#endif
