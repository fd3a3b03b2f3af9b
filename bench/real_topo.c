/*
 * The --real back end's plumbing (see real_topo.h): child processes, the
 * tools' JSON, softirq time, the namespaces and veth pairs, the manager
 * and the sender as children.
 *
 * Topology (root; names carry this process's pid, all removed on every
 * exit path, and traffic never leaves the two namespaces):
 *
 *   netns tnbPIDs (sender)            netns tnbPIDd (DUT: tenet run)
 *   tenet gen  --> tnbPIDg ====veth==== tnbPIDi  afxdp port nic0: XDP classifier
 *   tenet sink <--                               (steer nic: DEVMAP redirect ->)
 *                                      tnbPIDa ==veth== tnbPIDb  alice's AF_XDP
 *                                                       socket, UMEM = alice's pool
 *
 * The NF binaries are copied into the run's temporary directory first and
 * started from there, so that a 'pkill -f build/nf/fwd' of a concurrently
 * running test cannot kill them in the middle of a measurement.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/real_topo.h"
#include "lib/sig.h"
#include "bench/util.h"

void real_sleep(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void real_cmd_add(struct real_cmd *k, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (k->n >= sizeof(k->argv) / sizeof(k->argv[0]) - 1)
		return;
	va_start(ap, fmt);
	len = vsnprintf(k->buf + k->used, sizeof(k->buf) - k->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(k->buf) - k->used)
		return;
	k->argv[k->n++] = k->buf + k->used;
	k->argv[k->n] = NULL;
	k->used += (size_t)len + 1;
}

/* The command as one line, for error messages. */
static const char *cmd_line(const struct real_cmd *k)
{
	static char line[1024];
	size_t used = 0;

	line[0] = '\0';
	for (unsigned int i = 0; i < k->n && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i ? " " : "",
		                         k->argv[i]);
	return line;
}

/*
 * Start k as a child with stdout to 'out' (truncated) and stderr appended
 * to 'errf' (NULL: /dev/null). The child gets SIGTERM if this process dies.
 * Returns its pid or -1.
 */
pid_t real_cmd_spawn(const struct real_cmd *k, const char *out, const char *errf)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	{
		int in = open("/dev/null", O_RDONLY);
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errf ? errf : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (in < 0 || o < 0 || e < 0)
			_exit(127);
		dup2(in, STDIN_FILENO);
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
	}
	execvp(k->argv[0], k->argv);
	_exit(127);
}

/* Wait up to timeout s for pid; its exit code, 128 + signal, or -1 (still running). */
int real_wait_pid(pid_t pid, double timeout)
{
	double end = real_now() + timeout;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -1;
		if (real_now() >= end)
			return -1;
		real_sleep(0.01);
	}
}

/* Stop a child: SIGTERM, then SIGKILL after grace s. Returns its exit code as real_wait_pid. */
int real_stop_pid(pid_t pid, double grace)
{
	int rc;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	rc = real_wait_pid(pid, grace);
	if (rc < 0) {
		kill(pid, SIGKILL);
		rc = real_wait_pid(pid, 5);
	}
	return rc;
}

/* ---- files and the JSON the tools print ------------------------------------------------------ */

char *real_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/*
 * The number at a dotted key path ("ports.nic0.nic_ns") in the JSON the
 * tenet tools print: each key is looked up after the previous one. Enough
 * for those files (known layout, keys unique in their scope); not a parser.
 */
bool real_jget(const char *js, const char *path, double *v)
{
	const char *p = js;
	char key[80], *end;

	if (!js)
		return false;
	while (*path) {
		const char *dot = strchr(path, '.');
		size_t l = dot ? (size_t)(dot - path) : strlen(path);

		snprintf(key, sizeof(key), "\"%.*s\":", (int)l, path);
		p = strstr(p, key);
		if (!p)
			return false;
		p += strlen(key);
		path += l + (dot ? 1 : 0);
	}
	while (*p == ' ')
		p++;
	if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
		*v = p[0] == 't';
		return true;
	}
	*v = strtod(p, &end);
	return end != p;
}

double real_jnum(const char *js, const char *path)
{
	double v;

	return real_jget(js, path, &v) ? v : 0;
}

/* Sum of every "cpu_ns" in the summary's services object. */
double real_services_cpu_ns(const char *js, double *restarts)
{
	const char *p = js ? strstr(js, "\"services\":") : NULL;
	double sum = 0;

	*restarts = 0;
	while (p && (p = strstr(p, "\"restarts\":"))) {
		*restarts += strtod(p + 11, NULL);
		p = strstr(p, "\"cpu_ns\":");
		if (!p)
			break;
		sum += strtod(p + 9, NULL);
		p += 9;
	}
	return sum;
}

/* Host-wide softirq CPU time so far, ns (/proc/stat, in clock ticks). */
double real_softirq_ns(void)
{
	unsigned long long v[7] = {0};
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
	           &v[5], &v[6]) != 7)
		v[6] = 0;
	fclose(f);
	return (double)v[6] * 1e9 / (double)(hz > 0 ? hz : 100);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0)
		return -EIO;
	return 0;
}

/* ---- the topology ------------------------------------------------------------------------------
 */

void real_path(const struct real_topo *c, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", c->dir, name);
}

/* Run a setup command; on failure say which and what it printed. */
int real_ip_run(struct real_topo *c, struct real_cmd *k)
{
	pid_t pid = real_cmd_spawn(k, NULL, c->log);
	int rc = pid < 0 ? -1 : real_wait_pid(pid, 30);

	if (rc) {
		char *e = real_slurp(c->log);

		fprintf(stderr, "tenet-bench %s: '%s' failed (%d)%s%s", c->who, cmd_line(k), rc,
		        e && *e ? ":\n" : "\n", e ? e : "");
		free(e);
		if (pid > 0 && rc < 0)
			real_stop_pid(pid, 1);
		return -1;
	}
	return 0;
}

static void topo_destroy(struct real_topo *c)
{
	if (c->mgr > 0) {
		real_stop_pid(c->mgr, 10);
		c->mgr = 0;
	}
	if (c->have_s && !REAL_IP(c, "ip", "netns", "del", c->sns))
		c->have_s = false;
	if (c->have_d && !REAL_IP(c, "ip", "netns", "del", c->dns))
		c->have_d = false;
}

/*
 * Two namespaces, the wire veth between them, alice's veth pair in the DUT,
 * no IPv6 (nothing but our frames on the wires), everything up. xdp_pass:
 * an XDP program that passes every frame on the sender's end, which veth
 * needs before it accepts frames an XDP program sends back (XDP_TX) from
 * the other end (the bounce of scenario nic-only), and a tc redirect that
 * sends what alice's AF_XDP socket transmits (it arrives at ta) out of the
 * wire veth, back to the sender.
 */
int real_topo_create(struct real_topo *c, bool xdp_pass)
{
	char obj[PATH_MAX + 32];
	int id = (int)getpid();

	snprintf(c->sns, sizeof(c->sns), "tnb%ds", id);
	snprintf(c->dns, sizeof(c->dns), "tnb%dd", id);
	snprintf(c->gif, sizeof(c->gif), "tnb%dg", id);
	snprintf(c->iif, sizeof(c->iif), "tnb%di", id);
	snprintf(c->ta, sizeof(c->ta), "tnb%da", id);
	snprintf(c->tb, sizeof(c->tb), "tnb%db", id);
	snprintf(obj, sizeof(obj), "%s/xsk_redirect.bpf.o", c->bpf);
	if (REAL_IP(c, "ip", "netns", "add", c->sns))
		return -1;
	c->have_s = true;
	if (REAL_IP(c, "ip", "netns", "add", c->dns))
		return -1;
	c->have_d = true;
	if (REAL_IP(c, "ip", "-n", c->sns, "link", "add", c->gif, "type", "veth", "peer", "name",
	            c->iif, "netns", c->dns) ||
	    REAL_IP(c, "ip", "-n", c->dns, "link", "add", c->ta, "type", "veth", "peer", "name",
	            c->tb))
		return -1;
	if (REAL_IP(c, "ip", "netns", "exec", c->sns, "sysctl", "-qw",
	            "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1") ||
	    REAL_IP(c, "ip", "netns", "exec", c->dns, "sysctl", "-qw",
	            "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"))
		return -1;
	if (REAL_IP(c, "ip", "-n", c->sns, "link", "set", c->gif, "up") ||
	    REAL_IP(c, "ip", "-n", c->dns, "link", "set", c->iif, "up") ||
	    REAL_IP(c, "ip", "-n", c->dns, "link", "set", c->ta, "up") ||
	    REAL_IP(c, "ip", "-n", c->dns, "link", "set", c->tb, "up"))
		return -1;
	if (!xdp_pass)
		return 0;
	if (REAL_IP(c, "ip", "-n", c->sns, "link", "set", "dev", c->gif, "xdpdrv", "obj", obj,
	            "sec", "xdp"))
		return -1;
	/* alice's output leaves through her AF_XDP socket on tb and arrives at ta: send it on
	 * out of the wire veth, back to the sender (on hardware the VF's tx goes to the wire) */
	if (REAL_IP(c, "ip", "netns", "exec", c->dns, "tc", "qdisc", "add", "dev", c->ta,
	            "clsact") ||
	    REAL_IP(c, "ip", "netns", "exec", c->dns, "tc", "filter", "add", "dev", c->ta,
	            "ingress", "protocol", "all", "u32", "match", "u32", "0", "0", "action",
	            "mirred", "egress", "redirect", "dev", c->iif))
		return -1;
	return 0;
}

/*
 * Everything an invocation needs: root, the binaries, the BPF objects, the
 * temporary directory with private NF copies, signal handlers. On error
 * says why and returns -1 (nothing to undo but the directory).
 */
int real_topo_init(struct real_topo *c, const char *who)
{
	char exe[PATH_MAX], src[PATH_MAX + 32];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->who = who;
	if (geteuid() != 0) {
		fprintf(stderr,
		        "tenet-bench %s --real: needs root (network namespaces, veth, XDP, "
		        "AF_XDP)\n",
		        who);
		return -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "tenet-bench %s: /proc/self/exe: %s\n", who, strerror(errno));
		return -1;
	}
	exe[n] = '\0';
	/* the manager, ctl, gen and sink are the tenet binary next to tenet-bench */
	snprintf(c->bpf, sizeof(c->bpf), "%s/bpf", dirname(exe));
	if ((size_t)snprintf(c->tenet, sizeof(c->tenet), "%s/tenet", exe) >= sizeof(c->tenet) ||
	    access(c->tenet, X_OK)) {
		fprintf(stderr, "tenet-bench %s --real: no %s (run make first)\n", who, c->tenet);
		return -1;
	}
	snprintf(src, sizeof(src), "%s/classify.bpf.o", c->bpf);
	if (access(src, R_OK)) {
		fprintf(stderr, "tenet-bench %s --real: no BPF objects at %s (run make first)\n",
		        who, c->bpf);
		return -1;
	}
	snprintf(c->dir, sizeof(c->dir), "/tmp/tenet-bench-real-XXXXXX");
	if (!mkdtemp(c->dir)) {
		fprintf(stderr, "tenet-bench %s: mkdtemp: %s\n", who, strerror(errno));
		return -1;
	}
	snprintf(c->log, sizeof(c->log), "%s/cmd.log", c->dir);
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "scan" : "fwd";
		char *dst = i ? c->scan : c->fwd;
		int rc = bench_nf_path(name, src, sizeof(src));

		snprintf(dst, PATH_MAX, "%s/nf-%s", c->dir, name);
		if (rc || (rc = copy_file(src, dst))) {
			fprintf(stderr, "tenet-bench %s: NF %s: %s (run make first)\n", who, src,
			        strerror(-rc));
			return -1;
		}
	}
	tenet_catch_stop_signals(true);
	return 0;
}

/* Remove the temporary directory and what the runs left in it. */
void real_topo_fini(struct real_topo *c)
{
	static const char *const files[] = {
	        "cmd.log",       "nf-fwd",          "nf-scan",  "mgr.yaml", "mgr.log",
	        "summary.json",  "gen.yaml",        "gen.json", "gen.err",  "ctl.out",
	        "sink.json",     "sink.err",        "pats.txt", "plot.dat", "plot.gp",
	        "sock/ctl.sock", "sock/alice.sock",
	};
	char p[PATH_MAX];

	topo_destroy(c);
	if (!c->dir[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		real_path(c, files[i], p, sizeof(p));
		unlink(p);
	}
	real_path(c, "sock", p, sizeof(p));
	rmdir(p);
	rmdir(c->dir);
}

/*
 * Start the manager in the DUT on dir/mgr.yaml and wait until 'tenet ctl
 * nfs' lists every name in want (NULL-terminated) and the port thread has
 * had a moment to stock its fill rings. Returns 0, or -1 (said why).
 */
int real_mgr_start(struct real_topo *c, double duration, const char *const *want)
{
	char cfg[PATH_MAX], sum[PATH_MAX], log[PATH_MAX], sock[PATH_MAX], out[PATH_MAX];
	struct real_cmd k = {.n = 0}, q = {.n = 0};
	double t0 = real_now();

	real_path(c, "mgr.yaml", cfg, sizeof(cfg));
	real_path(c, "summary.json", sum, sizeof(sum));
	real_path(c, "mgr.log", log, sizeof(log));
	real_path(c, "sock/ctl.sock", sock, sizeof(sock));
	real_path(c, "ctl.out", out, sizeof(out));
	unlink(sum);
	unlink(log);
	real_cmd_add(&k, "ip");
	real_cmd_add(&k, "netns");
	real_cmd_add(&k, "exec");
	real_cmd_add(&k, "%s", c->dns);
	real_cmd_add(&k, "%s", c->tenet);
	real_cmd_add(&k, "run");
	real_cmd_add(&k, "%s", cfg);
	real_cmd_add(&k, "--summary");
	real_cmd_add(&k, "%s", sum);
	real_cmd_add(&k, "--quiet");
	real_cmd_add(&k, "--duration");
	real_cmd_add(&k, "%.0f", duration);
	real_cmd_add(&q, "%s", c->tenet);
	real_cmd_add(&q, "ctl");
	real_cmd_add(&q, "--socket");
	real_cmd_add(&q, "%s", sock);
	real_cmd_add(&q, "nfs");
	c->mgr = real_cmd_spawn(&k, log, log);
	if (c->mgr < 0) {
		c->mgr = 0;
		fprintf(stderr, "tenet-bench %s: fork: %s\n", c->who, strerror(errno));
		return -1;
	}
	while (!tenet_stop_signal && real_now() - t0 < 20) {
		pid_t p;
		int rc, st;
		bool all = true;
		char *o;

		if (waitpid(c->mgr, &st, WNOHANG) == c->mgr) {
			char *l = real_slurp(log);

			c->mgr = 0;
			fprintf(stderr, "tenet-bench %s: the manager exited at start:\n%s", c->who,
			        l ? l : "");
			free(l);
			return -1;
		}
		p = real_cmd_spawn(&q, out, NULL);
		rc = p < 0 ? -1 : real_wait_pid(p, 5);
		o = rc == 0 ? real_slurp(out) : NULL;
		for (unsigned int i = 0; want[i] && all; i++)
			all = o && strstr(o, want[i]);
		free(o);
		if (rc == 0 && all) {
			real_sleep(0.3);
			return 0;
		}
		real_sleep(0.05);
	}
	if (!tenet_stop_signal)
		fprintf(stderr, "tenet-bench %s: the manager did not get ready in 20 s (log: %s)\n",
		        c->who, log);
	return -1;
}

/* Stop the manager (SIGTERM: it stops the NFs and writes its summary); its exit code. */
int real_mgr_stop(struct real_topo *c)
{
	int rc = real_stop_pid(c->mgr, 20);

	c->mgr = 0;
	if (rc != 0) {
		char log[PATH_MAX], *l;

		real_path(c, "mgr.log", log, sizeof(log));
		l = real_slurp(log);
		fprintf(stderr, "tenet-bench %s: the manager exited with %d:\n%s", c->who, rc,
		        l ? l : "");
		free(l);
	}
	return rc;
}

/* Echo the manager's warnings of a run that matter for the figures. */
void real_mgr_warnings(struct real_topo *c, const char *label)
{
	char log[PATH_MAX], *l, *p;

	real_path(c, "mgr.log", log, sizeof(log));
	l = real_slurp(log);
	for (p = l; p && *p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (strstr(p, "warning") && !strstr(p, "NO TENANT ISOLATION"))
			fprintf(stderr, "  %s | %s\n", label, p);
		p = nl ? nl + 1 : NULL;
	}
	free(l);
}

int real_run_gen(struct real_topo *c, struct real_cmd *g, double timeout)
{
	char out[PATH_MAX], err[PATH_MAX];
	pid_t pid;
	int rc;

	real_path(c, "gen.json", out, sizeof(out));
	real_path(c, "gen.err", err, sizeof(err));
	unlink(err);
	pid = real_cmd_spawn(g, out, err);
	if (pid < 0)
		return -1;
	rc = real_wait_pid(pid, timeout);
	if (rc < 0)
		real_stop_pid(pid, 2);
	if (rc) {
		char *e = real_slurp(err);

		fprintf(stderr, "tenet-bench %s: tenet gen failed (%d): %s\n", c->who, rc,
		        e ? e : "");
		free(e);
	}
	return rc;
}
