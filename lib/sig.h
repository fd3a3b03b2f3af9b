/*
 * Stop on a signal, for the tools that run until asked to stop (tenet
 * gen/sink, tenet-bench --real): SIGINT and SIGTERM, and SIGHUP if asked,
 * set tenet_stop_signal to the signal's number. No SA_RESTART: a blocking
 * call returns EINTR, and the caller's loop sees the flag.
 */
#ifndef TENET_LIB_SIG_H
#define TENET_LIB_SIG_H

#include <signal.h>
#include <stdbool.h>

extern volatile sig_atomic_t tenet_stop_signal; /* 0 until a stop signal */

void tenet_catch_stop_signals(bool hup);

#endif /* TENET_LIB_SIG_H */
