/*
 * Manager configuration: the YAML file given to `tenet run`, parsed into
 * plain structs. Every error names file, line and column and what was
 * expected; unknown keys are errors. Names are resolved to indices here
 * (hop -> service, chain output -> port, rule port -> port), so the rest
 * of the manager never looks a name up on the data path.
 *
 * Schema (see docs/config.md for every key, default and an example):
 *
 *   manager:  {socket_dir, poll, stats_interval, cpus, metrics}
 *   ports:    [{name, driver: gen|sink|pcap|afpacket|afxdp, steer: nic|cpu|shared, ...}]
 *   tenants:  [{name, uid, gid, pool_bufs, inflight, buf_size, socket_mode}]
 *   services: [{name, tenant, command, instances, restart}]
 *   chains:   [{name, match: {...}, priority, hops: [tenant/service | {service, on}],
 *               output, on_failure: drop|skip}]
 *   default:  drop | CHAIN-NAME
 */
#ifndef TENET_MGR_CONFIG_H
#define TENET_MGR_CONFIG_H

#include <stddef.h>

#include "mgr/config_chain.h"
#include "mgr/config_types.h"

/*
 * Parse a listen address: "PORT" or ":PORT" (127.0.0.1, loopback),
 * "A.B.C.D:PORT", "[IPv6]:PORT"; numeric addresses only, PORT 1..65535.
 * 0 and *out filled, or -1 with what was wrong in why (*out unchanged).
 */
int config_listen_parse(const char *s, struct cfg_listen *out, char *why, size_t len);
#define CFG_LISTEN_EXPECT "PORT, :PORT (127.0.0.1), A.B.C.D:PORT or [IPv6]:PORT"

/*
 * Load and check a config file. On error returns NULL and writes one line
 * "FILE:LINE:COL: what was wrong, what was expected" into err.
 */
struct tenet_config *tenet_config_load(const char *path, char *err, size_t errlen);
/* Same, from a string (tests); 'name' stands in for the file name in messages. */
struct tenet_config *tenet_config_parse(const char *text, size_t len, const char *name, char *err,
                                        size_t errlen);
void tenet_config_free(struct tenet_config *cfg);
/* A tenant's buf_size when its config gives none (config_types.h, CFG_BUF_SIZE_SPREAD). */
uint32_t cfg_buf_size_default(const struct tenet_config *cfg);

/*
 * The checks that depend on the machine, for the manager that is about to
 * run cfg (tenet run), not for a client of a running one (tenet ctl: the
 * manager's pools already hold their memory, and relative paths may not
 * resolve from the client's directory): every file the config names that
 * the manager or an NF reads (patterns, pcap in) is a regular file, opened
 * without blocking, of bounded size (lib/file.h); all pools together fit
 * in the memory the machine has available now (MemAvailable). 0, or -1
 * with one line "FILE:LINE:COL: what was wrong; expected ..." in err.
 */
int tenet_config_check_host(const struct tenet_config *cfg, char *err, size_t errlen);

const char *cfg_steer_name(enum cfg_steer s);

#endif /* TENET_MGR_CONFIG_H */
