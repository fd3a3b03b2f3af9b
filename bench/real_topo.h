/*
 * The plumbing of tenet-bench's --real back end (real.c): child processes
 * (a command line, spawn, wait, stop), the JSON the tenet tools print, the
 * host's softirq time, and the topology -- two network namespaces, the
 * veth pairs between them, the temporary directory with private copies of
 * the NFs -- with the manager ('tenet run' in the DUT namespace) and the
 * sender ('tenet gen') as children. Everything is removed on every exit
 * path (real_topo_fini; children get SIGTERM if tenet-bench dies).
 */
#ifndef TENET_BENCH_REAL_TOPO_H
#define TENET_BENCH_REAL_TOPO_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NAME_LEN 16

/* Set by SIGINT, SIGTERM, SIGHUP once real_topo_init has run: stop after the current step. */

void real_sleep(double s);
/* CLOCK_MONOTONIC, s. */
double real_now(void);

/* A command line, its strings in its own buffer (execvp wants char *). */
struct real_cmd {
	char *argv[40];
	unsigned int n;
	size_t used;
	char buf[8192];
};

/* Append one argument (printf format); silently dropped when the command is full. */
__attribute__((format(printf, 2, 3))) void real_cmd_add(struct real_cmd *k, const char *fmt, ...);
/*
 * Start k as a child with stdout to 'out' (truncated) and stderr appended
 * to 'errf' (NULL: /dev/null). The child gets SIGTERM if this process dies.
 * Returns its pid or -1.
 */
pid_t real_cmd_spawn(const struct real_cmd *k, const char *out, const char *errf);
/* Wait up to timeout s for pid; its exit code, 128 + signal, or -1 (still running). */
int real_wait_pid(pid_t pid, double timeout);
/* Stop a child: SIGTERM, then SIGKILL after grace s. Returns its exit code as real_wait_pid. */
int real_stop_pid(pid_t pid, double grace);

/* A file's contents, NUL-terminated (the caller frees it), or NULL. */
char *real_slurp(const char *path);
/*
 * The number at a dotted key path ("ports.nic0.nic_ns") in the JSON the
 * tenet tools print: each key is looked up after the previous one. Enough
 * for those files (known layout, keys unique in their scope); not a parser.
 */
bool real_jget(const char *js, const char *path, double *v);
/* real_jget's number, or 0. */
double real_jnum(const char *js, const char *path);
/* Sum of every "cpu_ns" in the summary's services object; their restarts in *restarts. */
double real_services_cpu_ns(const char *js, double *restarts);
/* Host-wide softirq CPU time so far, ns (/proc/stat, in clock ticks). */
double real_softirq_ns(void);

/* of a --real run and its temporary directory: the two
 * namespaces (sender sns, DUT dns), the wire veth gif (sender) -- iif (DUT),
 * alice's veth pair ta -- tb in the DUT, and the manager child of the run
 * in progress.
 */
struct real_topo {
	const char *who; /* "steer" or "scan", for messages */
	char dir[64];    /* temporary directory of this invocation */
	char tenet[PATH_MAX], bpf[PATH_MAX], fwd[PATH_MAX], scan[PATH_MAX];
	char log[PATH_MAX + 16]; /* stderr of setup commands */
	char sns[NAME_LEN], dns[NAME_LEN];
	char gif[NAME_LEN], iif[NAME_LEN], ta[NAME_LEN], tb[NAME_LEN];
	bool have_s, have_d;
	pid_t mgr; /* manager child while a run is in progress */
};

#define REAL_IP(c, ...)                                                                            \
	({                                                                                         \
		struct real_cmd k_ = {.n = 0};                                                     \
		const char *a_[] = {__VA_ARGS__};                                                  \
		for (size_t i_ = 0; i_ < sizeof(a_) / sizeof(a_[0]); i_++)                         \
			real_cmd_add(&k_, "%s", a_[i_]);                                           \
		real_ip_run((c), &k_);                                                             \
	})

/* dir/name into out. */
void real_path(const struct real_topo *c, const char *name, char *out, size_t len);
/* Run a setup command; on failure say which and what it printed, and return -1. */
int real_ip_run(struct real_topo *c, struct real_cmd *k);

/*
 * Everything an invocation needs: root, the binaries, the BPF objects, the
 * temporary directory with private NF copies, signal handlers. On error
 * says why and returns -1 (real_topo_fini undoes what was done).
 */
int real_topo_init(struct real_topo *c, const char *who);
/*
 * The namespaces and veth pairs (names carry this process's pid), all up,
 * no IPv6. xdp_pass: an XDP pass program on the sender's end (veth needs
 * one before it accepts frames sent back with XDP_TX) and a tc redirect
 * from ta out of the wire veth (alice's AF_XDP output back to the sender).
 * 0, or -1 (said why).
 */
int real_topo_create(struct real_topo *c, bool xdp_pass);
/* Stop the manager, delete the namespaces, remove the directory. Safe after a failed init. */
void real_topo_fini(struct real_topo *c);

/*
 * Start the manager in the DUT on dir/mgr.yaml and wait until 'tenet ctl
 * nfs' lists every name in want (NULL-terminated) and the port thread has
 * had a moment to stock its fill rings. Returns 0, or -1 (said why).
 */
int real_mgr_start(struct real_topo *c, double duration, const char *const *want);
/* Stop the manager (SIGTERM: it stops the NFs and writes its summary); its exit code. */
int real_mgr_stop(struct real_topo *c);
/* Echo the manager's warnings of a run that matter for the figures. */
void real_mgr_warnings(struct real_topo *c, const char *label);
/* Run the sender g (stdout to dir/gen.json) for up to timeout s; its exit code (said if not 0). */
int real_run_gen(struct real_topo *c, struct real_cmd *g, double timeout);

#endif
