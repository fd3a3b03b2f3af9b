/*
 * Finding tenet's own files (BPF objects, example NFs) from the running
 * binary, in the build tree and in an installed prefix alike. The rule is
 * in lib/paths.h.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/paths.h"

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* $env, else DIR beside the binary or in PREFIX/lib/tenet (lib/paths.h), else fallback. */
static const char *find_dir(const char *env, const char *dir, const char *fallback, char *buf,
                            size_t len)
{
	const char *e = getenv(env);
	char exe[PATH_MAX], up[PATH_MAX];
	const char *bin;
	ssize_t n;

	if (e && *e)
		return e;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return fallback;
	exe[n] = '\0';
	bin = dirname(exe); /* /usr/local/bin; exe is changed in place */
	memcpy(up, bin, strlen(bin) + 1);
	snprintf(buf, len, "%s/%s", bin, dir);
	if (is_dir(buf))
		return buf;
	snprintf(buf, len, "%s/lib/tenet/%s", dirname(up), dir);
	if (is_dir(buf))
		return buf;
	snprintf(buf, len, "%s/%s", bin, dir);
	return buf;
}

const char *tenet_bpf_dir(char *buf, size_t len)
{
	return find_dir("TENET_BPF_DIR", "bpf", "build/bpf", buf, len);
}

const char *tenet_nf_dir(char *buf, size_t len)
{
	return find_dir("TENET_NF_DIR", "nf", "build/nf", buf, len);
}

const char *tenet_nf_program(const char *name, char *buf, size_t len)
{
	char dirbuf[PATH_MAX];
	const char *dir;
	struct stat st;
	int n;

	if (strchr(name, '/'))
		return name;
	dir = tenet_nf_dir(dirbuf, sizeof(dirbuf));
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len || stat(buf, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(buf, X_OK) != 0)
		return name;
	return buf;
}
