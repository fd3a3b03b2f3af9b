/*
 * Files named by a config or a command line: see lib/file.h for why each
 * check is there. The checks are on the opened fd, so a name swapped for
 * a FIFO or a device between a stat and the open changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/file.h"

const char *tenet_file_type(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "not a regular file";
}

static void size_text(char *buf, size_t len, size_t max)
{
	if (max >= (1u << 20) && max % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", max >> 20);
	else if (max >= 1024 && max % 1024 == 0)
		snprintf(buf, len, "%zu KiB", max >> 10);
	else
		snprintf(buf, len, "%zu bytes", max);
}

int tenet_file_open(const char *path, size_t max, char *err, size_t errlen)
{
	struct stat st;
	char lim[32];
	int fd, e;

	if (!path || !*path) {
		tenet_err(err, errlen, "(empty file name): expected a file name");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		tenet_err(err, errlen, "%s: %s; expected a readable regular file", path,
		          strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		tenet_err(err, errlen, "%s: %s; expected a readable regular file", path,
		          strerror(e));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		tenet_err(err, errlen, "%s: is %s; expected a regular file", path,
		          tenet_file_type(st.st_mode));
		goto err_close;
	}
	if (max && (uint64_t)st.st_size > max) {
		e = EFBIG;
		size_text(lim, sizeof(lim), max);
		tenet_err(err, errlen, "%s: %lld bytes; expected a file of at most %s", path,
		          (long long)st.st_size, lim);
		goto err_close;
	}
	/* O_NONBLOCK stays: nothing for a regular file, but a procfs file that
	 * waits for data (/proc/kmsg) then fails with EAGAIN instead */
	return fd;

err_close:
	close(fd);
	return -e;
}

int tenet_file_read(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen)
{
	size_t n = 0, cap;
	struct stat st;
	char *b, lim[32];
	int fd, e;

	*buf = NULL;
	*len = 0;
	fd = tenet_file_open(path, max, err, errlen);
	if (fd < 0)
		return fd;
	cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	b = malloc(cap);
	if (!b) {
		e = ENOMEM;
		tenet_err(err, errlen, "%s: out of memory for %zu bytes", path, cap);
		goto err_close;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) { /* keep room for the NUL */
			char *nb;

			if (max && n > max)
				break;
			nb = realloc(b, cap * 2);
			if (!nb) {
				e = ENOMEM;
				tenet_err(err, errlen, "%s: out of memory", path);
				goto err_free;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			tenet_err(err, errlen, "%s: %s; expected a readable regular file", path,
			          e == EAGAIN ? "a read would wait for data" : strerror(e));
			goto err_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (max && n > max) { /* it grew while we read */
		e = EFBIG;
		size_text(lim, sizeof(lim), max);
		tenet_err(err, errlen, "%s: more than %s; expected a file of at most %s", path, lim,
		          lim);
		goto err_free;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;

err_free:
	free(b);
err_close:
	close(fd);
	return -e;
}
