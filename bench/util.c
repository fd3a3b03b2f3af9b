/*
 * Helpers for the in-process platform benchmarks (see bench_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/util.h"
#include "lib/paths.h"

int bench_nf_path(const char *name, char *out, size_t len)
{
	char dir[PATH_MAX];
	const char *d = tenet_nf_dir(dir, sizeof(dir)); /* build/nf, or PREFIX/lib/tenet/nf */

	if (len)
		out[0] = '\0';
	if ((size_t)snprintf(out, len, "%s/%s", d, name) >= len)
		return -ENAMETOOLONG;
	return access(out, X_OK) ? -errno : 0;
}

void bench_yaml_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

unsigned int bench_parse_list(const char *s, unsigned int *v, unsigned int max, unsigned int lo,
                              unsigned int hi)
{
	unsigned int n = 0;

	if (!*s)
		return 0;
	while (*s) {
		char *end;
		unsigned long x;

		if (*s < '0' || *s > '9' || n == max)
			return 0;
		errno = 0;
		x = strtoul(s, &end, 10);
		if (errno || x < lo || x > hi || (*end && *end != ','))
			return 0;
		v[n++] = (unsigned int)x;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return 0;
	}
	return n;
}

/* A warning already echoed after an earlier run (the same every run) is not repeated. */
static bool seen_before(const char *line)
{
	static char seen[8][256];
	static unsigned int nb_seen;

	for (unsigned int i = 0; i < nb_seen; i++)
		if (!strncmp(seen[i], line, sizeof(seen[i]) - 1))
			return true;
	if (nb_seen < 8) {
		size_t len = strnlen(line, sizeof(seen[0]) - 1);

		memcpy(seen[nb_seen], line, len);
		seen[nb_seen++][len] = '\0';
	}
	return false;
}

static void echo_log(FILE *err, const char *path, bool all)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (all ||
		    ((strstr(line, "warning") || strstr(line, "error")) && !seen_before(line)))
			fprintf(err, "  | %s", line);
	fclose(f);
}

int bench_run_mgr(const char *cfg, const char *log, int poll, double warmup, FILE *err,
                  struct mgr_result *res)
{
	struct mgr_opts opts = {.config = cfg, .poll = poll, .quiet = 1, .warmup = warmup};
	sigset_t mask;
	int fd, saved_out, saved_err, rc;

	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(err, "tenet-bench: cannot create %s: %s\n", log, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	if (saved_out < 0 || saved_err < 0) {
		fprintf(err, "tenet-bench: dup: %s\n", strerror(errno));
		if (saved_out >= 0)
			close(saved_out);
		if (saved_err >= 0)
			close(saved_err);
		close(fd);
		return -1;
	}
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);

	/* mgr_run blocks SIGINT/SIGTERM/SIGCHLD for its signalfd; undo that */
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	memset(res, 0, sizeof(*res));
	rc = mgr_run(&opts, res);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	echo_log(err, log, rc != 0 && rc != 3);
	return rc;
}

FILE *bench_err_open(void)
{
	int fd = dup(STDERR_FILENO);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IONBF, 0);
	return f;
}

bool bench_parse_count(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return false;
	*out = v;
	return true;
}
