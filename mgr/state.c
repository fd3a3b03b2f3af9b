/*
 * What every part of the manager shares besides struct mgr (state.h): the
 * names of the drop reasons and the clock.
 */
#include <time.h>

#include "mgr/state.h"

static const char *const drop_names[DROP_MAX] = {
        [DROP_MALFORMED] = "malformed",       [DROP_NO_RULE] = "no_rule",
        [DROP_NIC_SCAN] = "nic_scan",         [DROP_NO_BUFFER] = "no_buffer",
        [DROP_NF_VERDICT] = "nf_verdict",     [DROP_NF_RX_FULL] = "nf_rx_full",
        [DROP_NO_INSTANCE] = "no_instance",   [DROP_NF_GONE] = "nf_gone",
        [DROP_NF_VIOLATION] = "nf_violation", [DROP_NO_OUTPUT] = "no_output",
        [DROP_SHUTDOWN] = "shutdown",         [DROP_TX_FULL] = "tx_full",
        [DROP_OVERSIZE] = "oversize",         [DROP_RX_MISSED] = "rx_missed",
};

const char *drop_reason_name(enum drop_reason r)
{
	return r < DROP_MAX ? drop_names[r] : "?";
}

double mgr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
