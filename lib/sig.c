/* The stop-signal catcher of the tools that run until asked to stop (sig.h). */
#include <string.h>

#include "lib/sig.h"

volatile sig_atomic_t tenet_stop_signal;

static void on_stop(int sig)
{
	tenet_stop_signal = sig;
}

void tenet_catch_stop_signals(bool hup)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hup)
		sigaction(SIGHUP, &sa, NULL);
}
