/*
 * nf_fdreport: a test NF that says what it inherited (test_nf_privs.sh).
 *
 *   nf_fdreport --out FILE
 *
 * Right after exec it writes FILE.pre, after attaching FILE.post, each
 * with one line per open fd, "fd N DEV:INO TARGET" (TARGET from readlink
 * of /proc/self/fd/N, DEV:INO from fstat, so the test can compare open
 * files with the manager's), then "uid R E S", "gid R E S" and
 * "groups N G..." and "pid P". Then it forwards every packet until told
 * to stop.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tenet/nf.h"

static int report(const char *out, const char *suffix)
{
	char path[512], link[64], target[512];
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[256];
	struct dirent *e;
	int n, dfd;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "%s.%s", out, suffix);
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	dfd = dirfd(d);
	f = fopen(path, "we");
	if (!f) {
		closedir(d);
		return -1;
	}
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		struct stat st;
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dfd || fd == fileno(f))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0 || fstat(fd, &st) < 0)
			continue;
		target[len] = '\0';
		fprintf(f, "fd %d %llu:%llu %s\n", fd, (unsigned long long)st.st_dev,
		        (unsigned long long)st.st_ino, target);
	}
	closedir(d);
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	fprintf(f, "uid %u %u %u\ngid %u %u %u\n", (unsigned)ru, (unsigned)eu, (unsigned)su,
	        (unsigned)rg, (unsigned)eg, (unsigned)sg);
	n = getgroups(256, groups);
	fprintf(f, "groups %d", n);
	for (int i = 0; i < n; i++)
		fprintf(f, " %u", (unsigned)groups[i]);
	fprintf(f, "\npid %d\n", (int)getpid());
	return fclose(f);
}

static enum tenet_verdict pass(struct tenet_pkt *pkt, void *arg)
{
	(void)pkt;
	(void)arg;
	return TENET_V_NEXT;
}

int main(int argc, char **argv)
{
	struct tenet_nf *nf;

	if (argc != 3 || strcmp(argv[1], "--out")) {
		fprintf(stderr, "usage: nf_fdreport --out FILE\n");
		return 2;
	}
	if (report(argv[2], "pre"))
		return 1;
	nf = tenet_nf_attach(NULL, NULL);
	if (!nf)
		return 1;
	if (report(argv[2], "post"))
		return 1;
	tenet_nf_run(nf, pass, NULL);
	tenet_nf_detach(nf);
	return 0;
}
