/*
 * tenet doctor: what a user runs on a new host before deploying.
 *
 * One line per check: a status column, the check's name, what was found,
 * and on failure what to do about it. Statuses:
 *
 *   ok     available
 *   FAIL   needed and not available: the exit status becomes 1
 *   warn   not available, but not needed (tenet works without it, slower
 *          or with less isolation): the exit status is unchanged
 *   skip   not checked, with the reason
 *
 * What is "needed": with --config FILE, what that config's ports, tenants
 * and services use (an afxdp port needs the BPF programs, XDP on its
 * interfaces in its mode, the capabilities and the locked-memory limit for
 * its pools; an afpacket port CAP_NET_RAW; a tenant with a uid CAP_SETUID
 * and CAP_SETGID; a scan service Hyperscan). Without --config, everything
 * but huge pages and AF_XDP zero-copy, which only make tenet faster.
 *
 * The BPF check loads every program of every object in the BPF directory
 * (as the ports load them) with the verifier's statistics (BPF_LOG_STATS)
 * and prints, per program,
 *
 *   verifier: OBJECT/PROGRAM processed N insns (limit 1000000, P%)
 *
 * A program that does not load, or that uses more than a quarter of the
 * verifier's budget, fails: a program near the edge breaks with the next
 * kernel or compiler. --ifname IF attaches the classifier to IF in native
 * and in generic mode (and detaches it at once: a moment of XDP on a live
 * interface) and tries an AF_XDP socket in zero-copy mode on queue 0; an
 * interface that already runs an XDP program is not touched.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <hs/hs.h>
#include <linux/capability.h>
#include <linux/if_link.h>

#include "bpf/tenet_xdp.h"
#include "cli/cli.h"
#include "lib/paths.h"
#include "lib/xsk.h"
#include "mgr/config.h"
#include "tenet/log.h"

#define VERIFIER_LIMIT   1000000u /* BPF_COMPLEXITY_LIMIT_INSNS */
#define VERIFIER_SHARE   25u      /* percent of the limit a program may use */
#define VERIFIER_LOG_LEN (1u << 20)
#define MIN_KERNEL_MAJOR 5 /* bpf_xdp_load_bytes: 5.18 */
#define MIN_KERNEL_MINOR 18
#define MAX_IFS          (CFG_MAX_PORTS * (1 + CFG_MAX_TENANT_IFS))
#define ZC_AREA          (4u << 20) /* UMEM of the zero-copy probe */

enum status { ST_OK, ST_FAIL, ST_WARN, ST_SKIP };

/* An interface to check and which XDP modes must work on it. */
struct ifcheck {
	char name[IF_NAMESIZE];
	bool native, generic; /* needed */
};

struct needs {
	bool xdp;         /* BPF programs and a recent enough kernel */
	bool net_admin;   /* attach XDP */
	bool net_raw;     /* AF_PACKET / AF_XDP sockets */
	bool setid;       /* drop NFs to a tenant's uid/gid */
	bool hyperscan;   /* a host scan NF */
	uint64_t memlock; /* bytes of pool memory registered as AF_XDP UMEM */
	struct ifcheck ifs[MAX_IFS];
	unsigned int nb_ifs;
};

struct doctor {
	unsigned int failed, warned;
	int prog_fd; /* the loaded classifier, for the interface checks; -1: none */
	struct bpf_object *cls_obj;
};

static void line(struct doctor *d, enum status st, const char *fix, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void line(struct doctor *d, enum status st, const char *fix, const char *fmt, ...)
{
	static const char *const tag[] = {"ok  ", "FAIL", "warn", "skip"};
	va_list ap;

	printf("%s  ", tag[st]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (fix && (st == ST_FAIL || st == ST_WARN))
		printf(" -> %s", fix);
	putchar('\n');
	if (st == ST_FAIL)
		d->failed++;
	else if (st == ST_WARN)
		d->warned++;
}

/* A failed check is a failure only where it is needed. */
static enum status need(bool needed)
{
	return needed ? ST_FAIL : ST_WARN;
}

static void check_kernel(struct doctor *d, const struct needs *n)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2) {
		line(d, need(n->xdp), NULL, "kernel: cannot read the release");
		return;
	}
	if (major > MIN_KERNEL_MAJOR || (major == MIN_KERNEL_MAJOR && minor >= MIN_KERNEL_MINOR))
		line(d, ST_OK, NULL, "kernel: %s (XDP classifier needs >= %d.%d)", u.release,
		     MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
	else
		line(d, need(n->xdp),
		     "use a kernel >= 5.18 for the afxdp port; gen/pcap/afpacket work",
		     "kernel: %s is older than %d.%d (bpf_loop, bpf_xdp_load_bytes)", u.release,
		     MIN_KERNEL_MAJOR, MIN_KERNEL_MINOR);
}

/* Effective capability set of this process, from /proc/self/status. */
static uint64_t cap_eff(void)
{
	char buf[256];
	uint64_t caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "CapEff: %llx", (unsigned long long *)&caps) == 1)
			break;
	fclose(f);
	return caps;
}

static bool has_cap(uint64_t caps, int cap)
{
	return (caps >> cap) & 1;
}

static void check_privileges(struct doctor *d, const struct needs *n)
{
	static const struct {
		int cap;
		const char *name;
		size_t need; /* offsetof the flag in struct needs */
	} caps[] = {
	        {CAP_NET_ADMIN, "CAP_NET_ADMIN", offsetof(struct needs, net_admin)},
	        {CAP_NET_RAW, "CAP_NET_RAW", offsetof(struct needs, net_raw)},
	        {CAP_BPF, "CAP_BPF", offsetof(struct needs, xdp)},
	        {CAP_SETUID, "CAP_SETUID", offsetof(struct needs, setid)},
	        {CAP_SETGID, "CAP_SETGID", offsetof(struct needs, setid)},
	};
	uint64_t have = cap_eff();
	char missing[128] = "", buf[192];
	bool needed_missing = false;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		bool needed = *(const bool *)((const char *)n + caps[i].need);
		/* CAP_SYS_ADMIN stands in for CAP_BPF on every kernel */
		bool ok = has_cap(have, caps[i].cap) ||
		          (caps[i].cap == CAP_BPF && has_cap(have, CAP_SYS_ADMIN));

		if (ok || !needed)
			continue;
		needed_missing = true;
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
		         *missing ? " " : "", caps[i].name);
	}
	if (!needed_missing) {
		line(d, ST_OK, NULL, "privileges: %s (uid %u)",
		     geteuid() == 0 ? "root" : "the capabilities the config needs",
		     (unsigned int)geteuid());
		return;
	}
	snprintf(buf, sizeof(buf),
	         "run as root, or grant %s (e.g. setcap or systemd "
	         "AmbientCapabilities)",
	         missing);
	line(d, ST_FAIL, buf, "privileges: uid %u lacks %s", (unsigned int)geteuid(), missing);
}

static void check_memlock(struct doctor *d, const struct needs *n)
{
	struct rlimit rl;
	bool needed = n->memlock > 0;

	if (getrlimit(RLIMIT_MEMLOCK, &rl)) {
		line(d, need(needed), NULL, "memlock: getrlimit: %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur == RLIM_INFINITY) {
		line(d, ST_OK, NULL, "memlock: unlimited");
		return;
	}
	if (has_cap(cap_eff(), CAP_IPC_LOCK)) {
		line(d, ST_OK, NULL, "memlock: %llu KiB, not binding (CAP_IPC_LOCK)",
		     (unsigned long long)rl.rlim_cur >> 10);
		return;
	}
	if (!needed) {
		line(d, ST_OK, NULL,
		     "memlock: %llu KiB (an afxdp port pins its pools' memory: "
		     "raise it for large pools)",
		     (unsigned long long)rl.rlim_cur >> 10);
		return;
	}
	if (rl.rlim_cur >= n->memlock) {
		line(d, ST_OK, NULL, "memlock: %llu KiB (AF_XDP pools need %llu KiB)",
		     (unsigned long long)rl.rlim_cur >> 10, (unsigned long long)n->memlock >> 10);
		return;
	}
	line(d, ST_FAIL, "raise it: ulimit -l unlimited, or LimitMEMLOCK=infinity in systemd",
	     "memlock: %llu KiB; AF_XDP pins every pool it receives into (%llu KiB)",
	     (unsigned long long)rl.rlim_cur >> 10, (unsigned long long)n->memlock >> 10);
}

static void check_hugepages(struct doctor *d)
{
	unsigned long total = 0, free_ = 0, size_kb = 0, v;
	char buf[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f) {
		line(d, ST_WARN, NULL, "hugepages: cannot read /proc/meminfo: %s", strerror(errno));
		return;
	}
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, "HugePages_Total: %lu", &v) == 1)
			total = v;
		else if (sscanf(buf, "HugePages_Free: %lu", &v) == 1)
			free_ = v;
		else if (sscanf(buf, "Hugepagesize: %lu kB", &v) == 1)
			size_kb = v;
	}
	fclose(f);
	if (total)
		line(d, ST_OK, NULL, "hugepages: %lu of %lu free (%lu KiB each): pools use them",
		     free_, total, size_kb);
	else
		line(d, ST_WARN, "reserve some: sysctl vm.nr_hugepages=N (N x 2 MiB >= the pools)",
		     "hugepages: none reserved; pools use normal pages (more TLB misses)");
}

static void check_hyperscan(struct doctor *d, const struct needs *n)
{
	if (hs_valid_platform() == HS_SUCCESS)
		line(d, ST_OK, NULL, "hyperscan: %s, this CPU is supported", hs_version());
	else
		line(d, need(n->hyperscan),
		     "run host scan NFs on a CPU with SSSE3, or scan on the NIC",
		     "hyperscan: this CPU is not supported (needs SSSE3)");
}

/* "processed N insns" from a verifier log; -1 if absent. */
static long processed(const char *log)
{
	const char *p = strstr(log, "processed ");
	long v;

	if (!p || sscanf(p, "processed %ld insns", &v) != 1)
		return -1;
	return v;
}

/* The last non-empty line of a verifier log, for a failed load. */
static void last_line(const char *log, char *out, size_t len)
{
	size_t n = strlen(log);

	while (n && log[n - 1] == '\n')
		n--;
	size_t s = n;
	while (s && log[s - 1] != '\n')
		s--;
	snprintf(out, len, "%.*s", (int)(n - s), log + s);
}

static void silent_libbpf(void)
{
	libbpf_set_print(NULL);
}

/* Load every program of one object with verifier statistics; one line each. */
static void check_object(struct doctor *d, const char *dir, const char *file, bool needed)
{
	char path[PATH_MAX], why[160];
	struct bpf_object *obj;
	struct bpf_program *p;
	char *logs[8] = {0};
	unsigned int np = 0, i;
	int err;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		line(d, need(needed), NULL, "verifier: %s/%s: path too long", dir, file);
		return;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		line(d, need(needed), "rebuild: make", "verifier: %s: cannot open: %s", file,
		     strerror(errno));
		return;
	}
	bpf_object__for_each_program(p, obj)
	{
		if (np == sizeof(logs) / sizeof(logs[0]) ||
		    !(logs[np] = calloc(1, VERIFIER_LOG_LEN)))
			break;
		bpf_program__set_log_level(p, 4); /* BPF_LOG_STATS */
		bpf_program__set_log_buf(p, logs[np], VERIFIER_LOG_LEN);
		np++;
	}
	err = bpf_object__load(obj);
	i = 0;
	bpf_object__for_each_program(p, obj)
	{
		const char *name = bpf_program__name(p);
		long insns;

		if (i >= np)
			break;
		insns = processed(logs[i]);
		if (bpf_program__fd(p) >= 0 && insns >= 0) {
			bool over =
			        (uint64_t)insns * 100 > (uint64_t)VERIFIER_LIMIT * VERIFIER_SHARE;

			line(d, over ? need(needed) : ST_OK,
			     "the program is near the verifier's limit: restructure it (global "
			     "subprograms, bpf_loop)",
			     "verifier: %s/%s processed %ld insns (limit %u, %.1f%%)", file, name,
			     insns, VERIFIER_LIMIT, 100.0 * (double)insns / VERIFIER_LIMIT);
			if (!strcmp(name, TENET_XDP_PROG_NAME) && d->prog_fd < 0) {
				d->prog_fd = bpf_program__fd(p);
				d->cls_obj = obj;
			}
		} else {
			last_line(logs[i], why, sizeof(why));
			line(d, need(needed),
			     err == -EPERM ? "run as root (CAP_BPF, CAP_NET_ADMIN)"
			                   : "see the verifier's message; check the kernel version",
			     "verifier: %s/%s did not load: %s%s%s", file, name,
			     strerror(err < 0 ? -err : EINVAL), *why ? ": " : "", why);
		}
		i++;
	}
	for (i = 0; i < np; i++)
		free(logs[i]);
	if (d->cls_obj != obj)
		bpf_object__close(obj);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_bpf(struct doctor *d, const struct needs *n, const char *dir)
{
	char *names[32];
	unsigned int nb = 0;
	struct dirent *e;
	DIR *dp = opendir(dir);

	if (!dp) {
		line(d, need(n->xdp), "build them (make) or give --bpf-dir DIR",
		     "verifier: no BPF objects: %s: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(dp)) && nb < sizeof(names) / sizeof(names[0])) {
		size_t l = strlen(e->d_name);

		if (l > 6 && !strcmp(e->d_name + l - 6, ".bpf.o"))
			names[nb++] = strdup(e->d_name);
	}
	closedir(dp);
	if (!nb) {
		line(d, need(n->xdp), "build them (make) or give --bpf-dir DIR",
		     "verifier: no *.bpf.o in %s", dir);
		return;
	}
	line(d, ST_OK, NULL, "bpf objects: %u in %s", nb, dir);
	qsort(names, nb, sizeof(names[0]), cmp_str);
	for (unsigned int i = 0; i < nb; i++) {
		if (names[i])
			check_object(d, dir, names[i], n->xdp);
		free(names[i]);
	}
}

/* Attach the classifier in one mode and detach it again. */
static void check_xdp_mode(struct doctor *d, const struct ifcheck *ic, int ifindex, bool native)
{
	const char *mode = native ? "native" : "generic";
	uint32_t flags =
	        XDP_FLAGS_UPDATE_IF_NOEXIST | (native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	bool needed = native ? ic->native : ic->generic;
	int err;

	if (d->prog_fd < 0) {
		line(d, need(needed), "fix the verifier lines above first",
		     "xdp %s on %s: the classifier did not load", mode, ic->name);
		return;
	}
	err = bpf_xdp_attach(ifindex, d->prog_fd, flags, NULL);
	if (err == -EBUSY || err == -EEXIST) {
		line(d, ST_SKIP, NULL,
		     "xdp %s on %s: the interface runs another XDP program; not "
		     "replaced",
		     mode, ic->name);
		return;
	}
	if (err) {
		line(d, need(needed),
		     native ? "the driver has no native XDP: use xdp_mode: generic (slower)"
		            : "check the interface and privileges",
		     "xdp %s on %s: cannot attach: %s", mode, ic->name, strerror(-err));
		return;
	}
	bpf_xdp_detach(ifindex, flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	line(d, ST_OK, NULL, "xdp %s on %s: the classifier attaches", mode, ic->name);
}

static void check_zerocopy(struct doctor *d, const char *ifname)
{
	struct tenet_xsk_opts o = {.ifname = ifname,
	                           .queue = 0,
	                           .umem_len = ZC_AREA,
	                           .frame_size = 2048,
	                           .ring_size = 256,
	                           .mode = TENET_XSK_ZEROCOPY};
	char err[256] = "";
	struct tenet_xsk *x;
	void *area;

	area = mmap(NULL, ZC_AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		line(d, ST_WARN, NULL, "af_xdp zero-copy on %s: mmap: %s", ifname, strerror(errno));
		return;
	}
	o.umem_area = area;
	x = tenet_xsk_create(&o, err, sizeof(err));
	if (x) {
		line(d, ST_OK, NULL, "af_xdp zero-copy on %s queue 0: available", ifname);
		tenet_xsk_destroy(x);
	} else if (errno == EOPNOTSUPP) {
		line(d, ST_WARN,
		     "a driver with AF_XDP zero-copy (e.g. i40e, ice, mlx5) saves a copy",
		     "af_xdp zero-copy on %s: not supported by the driver; copy mode works",
		     ifname);
	} else if (errno == EBUSY) {
		line(d, ST_SKIP, NULL, "af_xdp zero-copy on %s: queue 0 has a socket already",
		     ifname);
	} else {
		line(d, ST_WARN, NULL, "af_xdp zero-copy on %s: %s", ifname, err);
	}
	munmap(area, ZC_AREA);
}

static void check_ifs(struct doctor *d, const struct needs *n)
{
	for (unsigned int i = 0; i < n->nb_ifs; i++) {
		const struct ifcheck *ic = &n->ifs[i];
		int ifindex = (int)if_nametoindex(ic->name);

		if (!ifindex) {
			line(d, ST_FAIL, "create it, or name another with --ifname / in the config",
			     "interface %s: %s", ic->name, strerror(errno));
			continue;
		}
		check_xdp_mode(d, ic, ifindex, true);
		check_xdp_mode(d, ic, ifindex, false);
		check_zerocopy(d, ic->name);
	}
}

static void add_if(struct needs *n, const char *name, bool native, bool generic)
{
	for (unsigned int i = 0; i < n->nb_ifs; i++) {
		if (!strcmp(n->ifs[i].name, name)) {
			n->ifs[i].native |= native;
			n->ifs[i].generic |= generic;
			return;
		}
	}
	if (n->nb_ifs == MAX_IFS)
		return;
	snprintf(n->ifs[n->nb_ifs].name, IF_NAMESIZE, "%s", name);
	n->ifs[n->nb_ifs].native = native;
	n->ifs[n->nb_ifs].generic = generic;
	n->nb_ifs++;
}

/* What a config needs of this host. */
static void config_needs(const struct tenet_config *c, struct needs *n)
{
	bool afxdp_tenant[CFG_MAX_TENANTS] = {false};

	for (unsigned int i = 0; i < c->nb_ports; i++) {
		const struct cfg_port *p = &c->ports[i];
		bool generic = !strcmp(p->xdp_mode, "generic");

		if (p->driver == CFG_DRV_AFPACKET)
			n->net_raw = true;
		if (p->driver != CFG_DRV_AFXDP)
			continue;
		n->xdp = n->net_admin = n->net_raw = true;
		add_if(n, p->ifname, !generic, generic);
		for (unsigned int k = 0; k < p->nb_tenant_ifs; k++) {
			add_if(n, p->tenant_ifs[k].ifname, !generic, generic);
			afxdp_tenant[p->tenant_ifs[k].tenant] = true;
		}
		if (!p->nb_tenant_ifs)
			for (unsigned int t = 0; t < c->nb_tenants; t++)
				afxdp_tenant[t] = true;
	}
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		const struct cfg_tenant *tn = &c->tenants[t];

		if (tn->has_uid || tn->has_gid)
			n->setid = true;
		if (afxdp_tenant[t])
			n->memlock += (uint64_t)tn->pool_bufs * tn->buf_size;
	}
	for (unsigned int s = 0; s < c->nb_services; s++) {
		const char *cmd = c->services[s].argv[0];
		const char *base = cmd ? strrchr(cmd, '/') : NULL;

		base = base ? base + 1 : cmd;
		if (base && !strcmp(base, "scan"))
			n->hyperscan = true;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet doctor [--ifname IF]... [--config FILE] [--bpf-dir DIR]\n"
	        "\n"
	        "Check this host before deploying: kernel, privileges, locked-memory limit,\n"
	        "huge pages, Hyperscan's CPU support, and every BPF program loaded with the\n"
	        "verifier's statistics, one line per check:\n"
	        "  ok | FAIL (needed, missing) | warn (missing, not needed) | skip (not checked)\n"
	        "\n"
	        "  --ifname IF     attach the XDP classifier to IF natively and generically\n"
	        "                  (detached at once) and try AF_XDP zero-copy on its queue 0;\n"
	        "                  some drivers restart the queue for that: run it before\n"
	        "                  deploying, not on an interface carrying production traffic\n"
	        "  --config FILE   check what this config needs (its afxdp interfaces too);\n"
	        "                  without it, everything but huge pages and zero-copy is needed\n"
	        "  --bpf-dir DIR   where the *.bpf.o are (default: $TENET_BPF_DIR, else bpf/\n"
	        "                  beside the tenet binary, else PREFIX/lib/tenet/bpf for\n"
	        "                  PREFIX/bin/tenet, as installed by make install)\n"
	        "\n"
	        "Exit status: 0 when everything needed is available, 1 otherwise, 2 bad usage.\n");
}

int cli_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"ifname", required_argument, NULL, 'i'},
	        {"config", required_argument, NULL, 'c'},
	        {"bpf-dir", required_argument, NULL, 'b'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct doctor d = {.prog_fd = -1};
	struct needs n = {0};
	struct tenet_config *cfg = NULL;
	const char *config = NULL, *bpf_opt = NULL, *dir;
	const char *ifnames[MAX_IFS];
	unsigned int nb_ifnames = 0;
	char dirbuf[PATH_MAX], err[512];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:c:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (nb_ifnames == MAX_IFS || strlen(optarg) >= IF_NAMESIZE) {
				fprintf(stderr, "tenet doctor: --ifname %s: too many or too long\n",
				        optarg);
				return 2;
			}
			ifnames[nb_ifnames++] = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'b':
			bpf_opt = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config) {
		cfg = tenet_config_load(config, err, sizeof(err));
		if (!cfg) {
			line(&d, ST_FAIL, "fix the config", "config: %s", err);
			return 1;
		}
		line(&d, ST_OK, NULL, "config: %s", config);
		if (tenet_config_check_host(cfg, err, sizeof(err)))
			line(&d, ST_FAIL, "fix the named file or the pool sizes", "host: %s", err);
		else
			line(&d, ST_OK, NULL,
			     "host: the named files are readable and the pools fit in "
			     "the available memory");
		config_needs(cfg, &n);
		tenet_config_free(cfg);
	} else {
		n.xdp = n.net_admin = n.net_raw = n.setid = n.hyperscan = true;
	}
	for (unsigned int i = 0; i < nb_ifnames; i++)
		add_if(&n, ifnames[i], !config, !config);

	tenet_set_log(NULL); /* the checks say what failed, in one line each */
	silent_libbpf();
	check_kernel(&d, &n);
	check_privileges(&d, &n);
	check_memlock(&d, &n);
	check_hugepages(&d);
	check_hyperscan(&d, &n);
	dir = bpf_opt ? bpf_opt : tenet_bpf_dir(dirbuf, sizeof(dirbuf));
	check_bpf(&d, &n, dir);
	check_ifs(&d, &n);
	bpf_object__close(d.cls_obj);

	printf("doctor: %u failed, %u warnings%s\n", d.failed, d.warned, d.failed ? "" : ": ready");
	return d.failed ? 1 : 0;
}
