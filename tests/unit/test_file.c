/*
 * Files named by configs and command lines (lib/file.c) and the loaders
 * that read them: pattern files (lib/scan.c) and ACL rule files
 * (lib/acl.c). A FIFO nobody writes, /dev/zero, a directory and a file
 * above the size bound are each refused at once with one line naming the
 * file and what was expected; the fds opened are close-on-exec; a regular
 * file is read whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/acl.h"
#include "lib/file.h"
#include "lib/scan.h"

static char dir[64], fifo[128], big[128], small[128];

static int setup(void **state)
{
	int fd;

	(void)state;
	strcpy(dir, "/tmp/tenet-test-file-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(small, sizeof(small), "%s/small", dir);
	if (mkfifo(fifo, 0600) < 0)
		return -1;
	fd = open(big, O_WRONLY | O_CREAT, 0600); /* sparse: 16 MiB + 1 */
	if (fd < 0 || ftruncate(fd, TENET_FILE_MAX + 1) < 0)
		return -1;
	close(fd);
	fd = open(small, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "drop attack\n", 12) != 12)
		return -1;
	close(fd);
	alarm(30); /* a blocking open would hang: make it a failure */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	alarm(0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* err is one line that starts with the path and says what was expected */
static void one_line(const char *err, const char *path, const char *what)
{
	if (strncmp(err, path, strlen(path)) || !strstr(err, what) || !strstr(err, "expected") ||
	    strchr(err, '\n'))
		fail_msg("got: %s\n  wanted: %s... %s... expected", err, path, what);
}

static void test_open_checks(void **state)
{
	char err[256];
	int fd;

	(void)state;
	assert_int_equal(tenet_file_open(fifo, 0, err, sizeof(err)), -EINVAL);
	one_line(err, fifo, ": is a FIFO; expected a regular file");
	assert_int_equal(tenet_file_open(dir, 0, err, sizeof(err)), -EISDIR);
	one_line(err, dir, ": is a directory");
	assert_int_equal(tenet_file_open("/dev/zero", 0, err, sizeof(err)), -EINVAL);
	one_line(err, "/dev/zero", ": is a character device");
	assert_int_equal(tenet_file_open(big, TENET_FILE_MAX, err, sizeof(err)), -EFBIG);
	one_line(err, big, ": 16777217 bytes; expected a file of at most 16 MiB");
	assert_int_equal(tenet_file_open("/nonexistent/x", 0, err, sizeof(err)), -ENOENT);
	one_line(err, "/nonexistent/x", "No such file or directory");

	fd = tenet_file_open(small, 64, err, sizeof(err));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	/* no bound: the big file opens */
	fd = tenet_file_open(big, 0, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
}

static void test_read(void **state)
{
	char err[256], *buf = (char *)1;
	size_t len = 99;

	(void)state;
	assert_int_equal(tenet_file_read(small, 64, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 12);
	assert_string_equal(buf, "drop attack\n");
	free(buf);
	assert_int_equal(tenet_file_read(small, 11, &buf, &len, err, sizeof(err)), -EFBIG);
	assert_null(buf);
	one_line(err, small, "expected a file of at most 11 bytes");
	assert_int_equal(tenet_file_read("/dev/zero", 0, &buf, &len, err, sizeof(err)), -EINVAL);
	assert_null(buf);
	assert_int_equal(tenet_file_read(fifo, 0, &buf, &len, err, sizeof(err)), -EINVAL);
	one_line(err, fifo, "is a FIFO");
}

static void test_patterns_load(void **state)
{
	char err[256];
	struct tenet_patterns *p;

	(void)state;
	p = tenet_patterns_load("/dev/zero", err, sizeof(err));
	assert_null(p);
	one_line(err, "/dev/zero", "is a character device; expected a regular file");
	p = tenet_patterns_load(fifo, err, sizeof(err));
	assert_null(p);
	one_line(err, fifo, "is a FIFO");
	p = tenet_patterns_load(dir, err, sizeof(err));
	assert_null(p);
	assert_int_equal(errno, EISDIR);
	p = tenet_patterns_load(big, err, sizeof(err));
	assert_null(p);
	assert_int_equal(errno, EFBIG);
	one_line(err, big, "expected a file of at most 16 MiB");
}

static void test_acl_load(void **state)
{
	struct tenet_classifier *c = NULL;
	char err[256], path[160];
	FILE *f;

	(void)state;
	assert_int_equal(tenet_acl_load("/dev/zero", &c, err, sizeof(err)), -EINVAL);
	one_line(err, "/dev/zero", "is a character device");
	assert_int_equal(tenet_acl_load(fifo, &c, err, sizeof(err)), -EINVAL);
	one_line(err, fifo, "is a FIFO");
	assert_int_equal(tenet_acl_load(big, &c, err, sizeof(err)), -EFBIG);
	assert_null(c);
	snprintf(path, sizeof(path), "%s/rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("drop src 10.0.0.0/8\nallow proto tcp\n", f);
	fclose(f);
	assert_int_equal(tenet_acl_load(path, &c, err, sizeof(err)), 0);
	assert_non_null(c);
	assert_int_equal(tenet_classifier_count(c), 2);
	tenet_classifier_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_open_checks),
	        cmocka_unit_test(test_read),
	        cmocka_unit_test(test_patterns_load),
	        cmocka_unit_test(test_acl_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
