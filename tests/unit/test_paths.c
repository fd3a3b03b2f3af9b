/*
 * Unit tests of the lookup of tenet's own files (lib/paths.c): the
 * environment overrides; beside the binary; in PREFIX/lib/tenet of a
 * binary copied into a PREFIX/bin (the installed layout, through a copy
 * of this program run there); and which NF command names resolve to a
 * file of the NF directory and which are left for PATH.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/paths.h"

static char tmp[] = "/tmp/test_paths_XXXXXX";

static void mkfile(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_env(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	setenv("TENET_BPF_DIR", "/x/bpf", 1);
	setenv("TENET_NF_DIR", "/y/nf", 1);
	assert_string_equal(tenet_bpf_dir(buf, sizeof(buf)), "/x/bpf");
	assert_string_equal(tenet_nf_dir(buf, sizeof(buf)), "/y/nf");
	unsetenv("TENET_BPF_DIR");
	unsetenv("TENET_NF_DIR");
}

/* build/tests/test_paths: neither build/tests/bpf nor build/lib/tenet/bpf: beside the binary */
static void test_beside(void **state)
{
	char buf[PATH_MAX], exe[PATH_MAX], want[PATH_MAX + 8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	(void)state;
	assert_true(n > 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(want, sizeof(want), "%s/bpf", exe);
	assert_string_equal(tenet_bpf_dir(buf, sizeof(buf)), want);
	snprintf(want, sizeof(want), "%s/nf", exe);
	assert_string_equal(tenet_nf_dir(buf, sizeof(buf)), want);
}

static void test_nf_program(void **state)
{
	char buf[PATH_MAX], path[PATH_MAX + 32];

	(void)state;
	setenv("TENET_NF_DIR", tmp, 1);
	snprintf(path, sizeof(path), "%s/fwd", tmp);
	mkfile(path, 0755);
	snprintf(path, sizeof(path), "%s/noexec", tmp);
	mkfile(path, 0644);
	snprintf(path, sizeof(path), "%s/adir", tmp);
	assert_int_equal(mkdir(path, 0755), 0);

	snprintf(path, sizeof(path), "%s/fwd", tmp);
	assert_string_equal(tenet_nf_program("fwd", buf, sizeof(buf)), path);
	/* a path is a path, relative or not */
	assert_string_equal(tenet_nf_program("./fwd", buf, sizeof(buf)), "./fwd");
	assert_string_equal(tenet_nf_program("build/nf/fwd", buf, sizeof(buf)), "build/nf/fwd");
	/* not one of ours: left to PATH */
	assert_string_equal(tenet_nf_program("python3", buf, sizeof(buf)), "python3");
	if (geteuid() != 0) /* root may execute a file without x bits: access() says so */
		assert_string_equal(tenet_nf_program("noexec", buf, sizeof(buf)), "noexec");
	assert_string_equal(tenet_nf_program("adir", buf, sizeof(buf)), "adir");
	/* a buffer too small for the path: left to PATH, never truncated */
	assert_string_equal(tenet_nf_program("fwd", buf, 4), "fwd");
	unsetenv("TENET_NF_DIR");
}

/* Run exe --print: what it finds for bpf/ and nf/, one line each, into out. */
static void run_print(const char *exe, char *out, size_t len)
{
	char cmd[PATH_MAX + 16];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "%s --print", exe);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

/*
 * The installed layout: this program copied to TMP/bin/, with
 * TMP/lib/tenet/{bpf,nf}: the copy must name those; and once TMP/bin/bpf
 * exists, that one (beside the binary, as in the build tree).
 */
static void test_installed(void **state)
{
	char exe[PATH_MAX], cmd[3 * PATH_MAX], out[2 * PATH_MAX], want[2 * PATH_MAX + 64];

	(void)state;
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p %s/bin %s/lib/tenet/bpf %s/lib/tenet/nf && cp /proc/%d/exe %s/bin/t",
	         tmp, tmp, tmp, (int)getpid(), tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(exe, sizeof(exe), "%s/bin/t", tmp);
	run_print(exe, out, sizeof(out));
	snprintf(want, sizeof(want), "%s/lib/tenet/bpf\n%s/lib/tenet/nf\n", tmp, tmp);
	assert_string_equal(out, want);

	snprintf(cmd, sizeof(cmd), "mkdir %s/bin/bpf", tmp);
	assert_int_equal(system(cmd), 0);
	run_print(exe, out, sizeof(out));
	snprintf(want, sizeof(want), "%s/bin/bpf\n%s/lib/tenet/nf\n", tmp, tmp);
	assert_string_equal(out, want);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_env),
	        cmocka_unit_test(test_beside),
	        cmocka_unit_test(test_nf_program),
	        cmocka_unit_test(test_installed),
	};

	if (argc == 2 && !strcmp(argv[1], "--print")) {
		char buf[PATH_MAX];

		unsetenv("TENET_BPF_DIR");
		unsetenv("TENET_NF_DIR");
		printf("%s\n", tenet_bpf_dir(buf, sizeof(buf)));
		printf("%s\n", tenet_nf_dir(buf, sizeof(buf)));
		return 0;
	}
	unsetenv("TENET_BPF_DIR");
	unsetenv("TENET_NF_DIR");
	return cmocka_run_group_tests(tests, setup, teardown);
}
