/*
 * The NF supervisor, on the control thread: start the NF processes the
 * config declares (each with only its own fds, as its tenant's user),
 * reap them, and restart one that died after a back-off that doubles while
 * it keeps dying quickly (MGR_BACKOFF_*), up to MGR_RESTART_MAX. A command
 * named without a '/' is one of tenet's NFs when there is one of that name
 * (tenet_nf_program, lib/paths.h), else a program on $PATH.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/paths.h"
#include "lib/proto.h"

#include "lib/proto.h"
#include "mgr/supervisor.h"
#include "tenet/log.h"

/*
 * An NF child inherits nothing but stdin, stdout and stderr. Everything the
 * manager opens is close-on-exec already; this closes the class for what
 * it does not control (a library's files, an fd the manager was started
 * with): every fd from 3 up is closed before exec. close_range() where the
 * kernel has it, else every fd /proc/self/fd lists (read with getdents64:
 * no allocation in a forked child), else every number up to RLIMIT_NOFILE.
 */
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static void close_fds_from_3(void)
{
	struct rlimit rl;
	char buf[4096];
	int d;

#if defined(SYS_close_range) && !defined(TENET_NO_CLOSE_RANGE) /* -D...: test the fallback */
	if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
		return;
#endif
	d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		for (bool again = true; again;) {
			long n;

			again = false;
			lseek(d, 0, SEEK_SET);
			while ((n = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0) {
				for (long off = 0; off < n;) {
					const struct dirent64_raw *e =
					        (const struct dirent64_raw *)(buf + off);
					int fd = 0;

					off += e->reclen;
					if (e->name[0] < '0' || e->name[0] > '9')
						continue;
					for (const char *c = e->name; *c >= '0' && *c <= '9'; c++)
						fd = fd * 10 + (*c - '0');
					if (fd >= 3 && fd != d) {
						close(fd);
						again = true;
					}
				}
			}
		}
		close(d);
		return;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 1u << 20)
		rl.rlim_cur = 1u << 20;
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		close(fd);
}

/* Give fds 0-2 something harmless if the manager was started without them,
 * so that no file it opens later takes their number and reaches an NF. */
void std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* not close-on-exec: it stands for stdin/out/err, NFs get it as such */
		if (open("/dev/null", O_RDWR) < 0)
			return;
	}
}

/* Who an NF of a tenant runs as: from the config, the uid's primary group
 * when only uid is set. 0, 1 (no change: no uid or gid configured), -1. */
static int nf_identity(const struct tenant *tn, uid_t *uid, gid_t *gid)
{
	const struct cfg_tenant *t = tn->cfg;

	if (!t->has_uid && !t->has_gid)
		return 1;
	*uid = t->has_uid ? t->uid : geteuid();
	*gid = t->has_gid ? t->gid : getegid();
	if (t->has_uid && !t->has_gid) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		if (getpwuid_r(t->uid, &pw, buf, sizeof(buf), &res) || !res) {
			tenet_log(TENET_LOG_ERR,
			          "tenant %s: uid %u has no passwd entry to take a group from; "
			          "expected a gid in the tenant's config",
			          t->name, (unsigned)t->uid);
			return -1;
		}
		*gid = res->pw_gid;
	}
	return 0;
}

static void __attribute__((noreturn)) child_fail(const struct service *svc, const char *what)
{
	dprintf(2, "tenet: NF %s: %s; not started\n", svc->cfg->name, what);
	_exit(126);
}

/*
 * In the child: drop to uid/gid with no supplementary groups, then check
 * that every id is what it must be and that root cannot be regained. A
 * manager without the privilege to change groups may start NFs as its own
 * user and group only (they keep its groups: they are that user anyway).
 */
static void child_drop(const struct service *svc, uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	bool groups = true;
	char msg[160];

	if (setgroups(0, NULL) < 0) {
		if (errno != EPERM || uid != geteuid() || uid != getuid() || gid != getegid() ||
		    gid != getgid()) {
			snprintf(msg, sizeof(msg), "cannot drop supplementary groups: %s",
			         strerror(errno));
			child_fail(svc, msg);
		}
		groups = false; /* already that user and group, unprivileged */
	}
	if (setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(msg, sizeof(msg), "cannot switch to uid %u gid %u: %s", (unsigned)uid,
		         (unsigned)gid, strerror(errno));
		child_fail(svc, msg);
	}
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid ||
	    eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
	    (groups && getgroups(0, NULL) != 0)) {
		snprintf(msg, sizeof(msg),
		         "privileges not dropped as asked (uid %u/%u/%u gid %u/%u/%u, %d "
		         "supplementary groups; expected uid %u gid %u, none)",
		         (unsigned)ru, (unsigned)eu, (unsigned)su, (unsigned)rg, (unsigned)eg,
		         (unsigned)sg, getgroups(0, NULL), (unsigned)uid, (unsigned)gid);
		child_fail(svc, msg);
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		child_fail(svc, "root could be regained after dropping privileges");
}

static pid_t spawn(struct mgr *m, struct service *svc, unsigned int k)
{
	const struct tenant *tn = &m->tenants[svc->tenant];
	uid_t uid = 0;
	gid_t gid = 0;
	int ident = nf_identity(tn, &uid, &gid);
	int cpu = placement_nf_cpu(m, (unsigned int)(svc - m->services), k);
	char pathbuf[PATH_MAX];
	const char *prog = tenet_nf_program(svc->cfg->argv[0], pathbuf, sizeof(pathbuf));
	pid_t pid;

	if (ident < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		tenet_log(TENET_LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close_fds_from_3();
		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0)
				dprintf(2, "tenet: NF on CPU %d: %s\n", cpu, strerror(errno));
		}
		setenv("TENET_SOCKET", tn->sock_path, 1);
		setenv("TENET_SERVICE", svc->cfg->name, 1);
		setenv("TENET_TENANT", tn->cfg->name, 1);
		if (ident == 0)
			child_drop(svc, uid, gid);
		execvp(prog, svc->cfg->argv);
		dprintf(2, "tenet: cannot start %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	return pid;
}

void start_services(struct mgr *m)
{
	double now = mgr_now();

	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		struct service *svc = &m->services[i];

		if (!svc->cfg->argv[0])
			continue;
		for (unsigned int k = 0; k < svc->cfg->instances; k++) {
			svc->backoff_ms[k] = MGR_BACKOFF_MIN_MS;
			svc->started[k] = now;
			svc->child[k] = spawn(m, svc, k);
			if (svc->child[k] < 0) {
				svc->child[k] = 0;
				svc->restart_at[k] = now + MGR_BACKOFF_MIN_MS / 1e3;
			}
		}
	}
}

/* Decide what happens to instance k of svc, which just ended (or failed to start). */
static void schedule_restart(struct mgr *m, struct service *svc, unsigned int k, const char *cause,
                             double now)
{
	const char *tname = m->cfg->tenants[svc->tenant].name;
	double up = now - svc->started[k];
	unsigned int delay;

	if (svc->no_restart[k]) {
		svc->no_restart[k] = false;
		tenet_log(TENET_LOG_INFO, "NF %s/%s#%u %s; stopped by tenet ctl: not restarting",
		          tname, svc->cfg->name, k, cause);
		return;
	}
	if (!svc->cfg->restart) {
		tenet_log(TENET_LOG_WARN, "NF %s/%s#%u %s; restart: false: not restarting", tname,
		          svc->cfg->name, k, cause);
		return;
	}
	if (svc->restarts >= MGR_RESTART_MAX) {
		tenet_log(TENET_LOG_ERR,
		          "NF %s/%s#%u %s; restart limit (%d per service) reached: not restarting",
		          tname, svc->cfg->name, k, cause, MGR_RESTART_MAX);
		return;
	}
	/* it stayed up: start the ladder again (by time alone: an NF started
	 * through a wrapper attaches under another pid than the child's) */
	if (up >= MGR_UP_OK)
		svc->backoff_ms[k] = MGR_BACKOFF_MIN_MS;
	delay = svc->backoff_ms[k] ? svc->backoff_ms[k] : MGR_BACKOFF_MIN_MS;
	svc->backoff_ms[k] = delay * 2 < MGR_BACKOFF_MAX_MS ? delay * 2 : MGR_BACKOFF_MAX_MS;
	if (delay > svc->max_backoff_ms)
		svc->max_backoff_ms = delay;
	svc->restart_at[k] = now + delay / 1e3;
	tenet_log(TENET_LOG_WARN, "NF %s/%s#%u %s after %.1f s%s; next attempt in %u ms", tname,
	          svc->cfg->name, k, cause, up, svc->attached[k] ? "" : " (never attached)", delay);
}

/* Start the instances whose restart is due. */
void supervise(struct mgr *m, double now)
{
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		struct service *svc = &m->services[i];

		for (unsigned int k = 0; k < svc->cfg->instances; k++) {
			pid_t pid;

			if (svc->restart_at[k] <= 0 || now < svc->restart_at[k])
				continue;
			svc->restart_at[k] = 0;
			svc->restarts++;
			svc->attached[k] = false;
			svc->started[k] = now;
			pid = spawn(m, svc, k);
			if (pid < 0) {
				schedule_restart(m, svc, k, "could not be started", now);
				continue;
			}
			svc->child[k] = pid;
			tenet_log(TENET_LOG_INFO, "NF %s/%s#%u restarted as pid %d (restart %u)",
			          m->cfg->tenants[svc->tenant].name, svc->cfg->name, k, pid,
			          svc->restarts);
		}
	}
}

static const char *exit_note(int code)
{
	switch (code) {
	case 127:
		return " (could not exec)";
	case 126:
		return " (could not drop privileges)";
	case 2:
		return " (usage error)";
	default:
		return "";
	}
}

void reap(struct mgr *m, bool stopping)
{
	struct rusage ru;
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
			struct service *svc = &m->services[i];

			for (unsigned int k = 0; k < svc->cfg->instances; k++) {
				char cause[96];

				if (svc->child[k] != pid)
					continue;
				svc->child[k] = 0;
				svc->cpu_ns +=
				        (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
				                1000000000ull +
				        (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
				                1000ull;
				if (stopping)
					continue;
				svc->deaths++;
				if (WIFSIGNALED(status))
					snprintf(cause, sizeof(cause),
					         "(pid %d) killed by signal %d (%s)", pid,
					         WTERMSIG(status), strsignal(WTERMSIG(status)));
				else
					snprintf(cause, sizeof(cause), "(pid %d) exited with %d%s",
					         pid, WEXITSTATUS(status),
					         exit_note(WEXITSTATUS(status)));
				schedule_restart(m, svc, k, cause, mgr_now());
			}
		}
	}
}

unsigned int children_alive(struct mgr *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		for (unsigned int k = 0; k < m->services[i].cfg->instances; k++)
			n += m->services[i].child[k] > 0;
	return n;
}

void signal_children(struct mgr *m, int sig)
{
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		for (unsigned int k = 0; k < m->services[i].cfg->instances; k++)
			if (m->services[i].child[k] > 0)
				kill(m->services[i].child[k], sig);
}

/* Number of services started by the manager whose instances are not all attached. */
unsigned int services_waiting(struct mgr *m)
{
	unsigned int waiting = 0;

	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		unsigned int live = 0;

		if (!m->services[i].cfg->argv[0])
			continue;
		for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
			live += m->nfs[id].state == NF_LIVE && m->nfs[id].service == i;
		waiting += live < m->services[i].cfg->instances;
	}
	return waiting;
}
