/*
 * Unit tests of the pcap port (ports/pcap.c).
 *
 * What is checked: frames written by the port's tx come back from its rx
 * byte for byte, in order, then the source ends with -ENODATA; pcap_loop
 * replays the file until gen.count; an empty file with pcap_loop ends
 * instead of spinning; a missing input, a non-Ethernet file, an unwritable
 * output and a port with neither file give clear errors naming the file.
 * Records longer than the port holds (above 9216 B) are never handed out
 * cut: skipped and reported through rx_oversize, jumbo records up to 9216 B
 * come back whole. The files the port opens are close-on-exec, and a FIFO
 * as input or output is refused without blocking.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
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

#include <limits.h>

#include "ports/port.h"

#define NB_FRAMES 500

struct saved {
	uint8_t data[1600];
	uint16_t len;
};

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tenet-test-pcap-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in_dir(char *out, const char *name)
{
	snprintf(out, CFG_PATH_MAX, "%s/%s", dir, name);
}

static int open_port(struct port *p, struct cfg_port *cfg, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	cfg->driver = CFG_DRV_PCAP;
	p->drv = port_driver_find(CFG_DRV_PCAP);
	assert_ptr_equal(p->drv, &port_pcap);
	p->cfg = cfg;
	return p->drv->open(p, cfg, err, errlen);
}

/* Generate NB_FRAMES imix frames, write them through a pcap port, keep a copy. */
static void write_file(const char *path, struct saved *saved)
{
	struct cfg_port gcfg = {0}, pcfg = {0};
	struct port g = {.drv = &port_gen, .cfg = &gcfg}, p;
	struct tenet_frame fr[50];
	char err[256] = "";
	unsigned int k = 0;

	gcfg.driver = CFG_DRV_GEN;
	gcfg.gen.seed = 3;
	gcfg.gen.imix = true;
	assert_int_equal(port_gen.open(&g, &gcfg, err, sizeof(err)), 0);
	strcpy(pcfg.pcap_out, path);
	if (open_port(&p, &pcfg, err, sizeof(err)))
		fail_msg("open: %s", err);
	for (int r = 0; r < NB_FRAMES / 50; r++) {
		assert_int_equal(g.drv->rx(&g, fr, 50), 50);
		for (int i = 0; i < 50; i++, k++) {
			memcpy(saved[k].data, fr[i].data, fr[i].len);
			saved[k].len = fr[i].len;
		}
		p.drv->tx(&p, fr, 50);
	}
	p.drv->close(&p);
	g.drv->close(&g);
}

static void test_roundtrip(void **state)
{
	struct saved *saved = calloc(NB_FRAMES, sizeof(*saved));
	struct cfg_port cfg = {0};
	struct tenet_frame fr[64];
	struct port p;
	char err[256] = "", *json = NULL;
	unsigned int k = 0;
	size_t sz = 0;
	FILE *out;
	int n;

	(void)state;
	assert_non_null(saved);
	path_in_dir(cfg.pcap_in, "a.pcap");
	write_file(cfg.pcap_in, saved);
	if (open_port(&p, &cfg, err, sizeof(err)))
		fail_msg("open: %s", err);
	while ((n = p.drv->rx(&p, fr, 64)) > 0) {
		for (int i = 0; i < n; i++, k++) {
			assert_true(k < NB_FRAMES);
			assert_int_equal(fr[i].len, saved[k].len);
			assert_memory_equal(fr[i].data, saved[k].data, saved[k].len);
		}
	}
	assert_int_equal(n, -ENODATA);
	assert_int_equal(k, NB_FRAMES);
	assert_int_equal(p.drv->rx(&p, fr, 64), -ENODATA);
	out = open_memstream(&json, &sz);
	assert_non_null(out);
	p.drv->report_json(&p, out);
	fclose(out);
	assert_non_null(strstr(json, "\"rx_packets\": 500"));
	free(json);
	p.drv->close(&p);
	assert_null(p.priv);
	free(saved);
}

static void test_loop_until_count(void **state)
{
	struct saved *saved = calloc(NB_FRAMES, sizeof(*saved));
	struct cfg_port cfg = {0};
	struct tenet_frame fr[64];
	struct port p;
	char err[256] = "";
	unsigned int k = 0;
	int n;

	(void)state;
	assert_non_null(saved);
	path_in_dir(cfg.pcap_in, "b.pcap");
	write_file(cfg.pcap_in, saved);
	cfg.pcap_loop = true;
	cfg.gen.count = 1250;
	if (open_port(&p, &cfg, err, sizeof(err)))
		fail_msg("open: %s", err);
	while ((n = p.drv->rx(&p, fr, 64)) > 0) {
		for (int i = 0; i < n; i++, k++) {
			const struct saved *s = &saved[k % NB_FRAMES];

			assert_int_equal(fr[i].len, s->len);
			assert_memory_equal(fr[i].data, s->data, s->len);
		}
	}
	assert_int_equal(n, -ENODATA);
	assert_int_equal(k, 1250);
	p.drv->close(&p);
	free(saved);
}

static void test_empty_file_loop_ends(void **state)
{
	struct cfg_port cfg = {0};
	struct tenet_frame fr[8];
	struct port p;
	char err[256] = "";

	(void)state;
	path_in_dir(cfg.pcap_out, "empty.pcap");
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), 0);
	p.drv->close(&p);
	strcpy(cfg.pcap_in, cfg.pcap_out);
	cfg.pcap_out[0] = 0;
	cfg.pcap_loop = true;
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), 0);
	assert_int_equal(p.drv->rx(&p, fr, 8), -ENODATA);
	p.drv->close(&p);
}

static void test_errors(void **state)
{
	struct cfg_port cfg = {0};
	struct port p;
	char err[512] = "";
	pcap_t *dead;
	pcap_dumper_t *d;

	(void)state;
	/* missing input */
	path_in_dir(cfg.pcap_in, "missing.pcap");
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing.pcap"));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_null(p.priv);

	/* not Ethernet */
	path_in_dir(cfg.pcap_in, "raw.pcap");
	dead = pcap_open_dead(DLT_RAW, 65535);
	assert_non_null(dead);
	d = pcap_dump_open(dead, cfg.pcap_in);
	assert_non_null(d);
	pcap_dump_close(d);
	pcap_close(dead);
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "raw.pcap"));
	assert_non_null(strstr(err, "only Ethernet"));

	/* not a pcap file at all */
	path_in_dir(cfg.pcap_in, "junk.pcap");
	{
		FILE *f = fopen(cfg.pcap_in, "w");

		assert_non_null(f);
		fputs("this is not a capture file, not at all\n", f);
		fclose(f);
	}
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "junk.pcap"));

	/* unwritable output */
	cfg.pcap_in[0] = 0;
	path_in_dir(cfg.pcap_out, "no/such/dir/out.pcap");
	assert_true(open_port(&p, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "out.pcap"));
	assert_null(p.priv);

	/* neither */
	cfg.pcap_out[0] = 0;
	strcpy(cfg.name, "p0");
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "needs pcap_in"));

	/* output only: rx is finished at once */
	path_in_dir(cfg.pcap_out, "o.pcap");
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), 0);
	{
		struct tenet_frame fr[1];

		assert_int_equal(p.drv->rx(&p, fr, 1), -ENODATA);
	}
	p.drv->close(&p);
}

/* A record of len bytes whose every byte is (seed + i). */
static void fill(uint8_t *buf, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i);
}

static void test_oversize(void **state)
{
	static const uint32_t lens[] = {100, 9216, 9217, 20000, 1921, 65535, 100};
	static uint8_t buf[65536], want[65536];
	struct cfg_port cfg = {0};
	struct tenet_frame fr[16];
	struct pcap_pkthdr h = {0};
	struct port p;
	char err[256] = "", *json = NULL;
	unsigned int k = 0, got[8] = {0};
	size_t sz = 0;
	pcap_t *dead;
	pcap_dumper_t *d;
	FILE *out;
	int n;

	(void)state;
	path_in_dir(cfg.pcap_in, "jumbo.pcap");
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(dead);
	d = pcap_dump_open(dead, cfg.pcap_in);
	assert_non_null(d);
	for (unsigned int i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fill(buf, lens[i], (uint8_t)i);
		h.caplen = h.len = lens[i];
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(dead);

	if (open_port(&p, &cfg, err, sizeof(err)))
		fail_msg("open: %s", err);
	assert_non_null(p.drv->rx_oversize);
	assert_int_equal(p.drv->rx_oversize(&p), 0);
	while ((n = p.drv->rx(&p, fr, 16)) > 0)
		for (int i = 0; i < n; i++) {
			assert_true(k < 8);
			got[k++] = fr[i].len;
			/* whole and unaltered: records 0, 1, 4 and 6 of the file */
			fill(want, fr[i].len, (uint8_t)(k == 1 ? 0 : k == 2 ? 1 : k == 3 ? 4 : 6));
			assert_memory_equal(fr[i].data, want, fr[i].len);
		}
	assert_int_equal(n, -ENODATA);
	/* 100, 9216, 1921, 100 handed out; 9217, 20000, 65535 are more than it holds */
	assert_int_equal(k, 4);
	assert_int_equal(got[0], 100);
	assert_int_equal(got[1], 9216);
	assert_int_equal(got[2], 1921);
	assert_int_equal(got[3], 100);
	assert_int_equal(p.drv->rx_oversize(&p), 3);
	out = open_memstream(&json, &sz);
	assert_non_null(out);
	p.drv->report_json(&p, out);
	fclose(out);
	assert_non_null(strstr(json, "\"rx_packets\": 4,"));
	assert_non_null(strstr(json, "\"oversize\": 3,"));
	free(json);
	p.drv->close(&p);
}

/* A looped file whose records are all too long ends after one pass, each counted once. */
static void test_oversize_loop_ends(void **state)
{
	static uint8_t buf[10000];
	struct cfg_port cfg = {0};
	struct tenet_frame fr[8];
	struct pcap_pkthdr h = {0};
	struct port p;
	char err[256] = "";
	pcap_t *dead;
	pcap_dumper_t *d;

	(void)state;
	path_in_dir(cfg.pcap_in, "all-jumbo.pcap");
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(dead);
	d = pcap_dump_open(dead, cfg.pcap_in);
	assert_non_null(d);
	h.caplen = h.len = sizeof(buf);
	for (int i = 0; i < 5; i++)
		pcap_dump((u_char *)d, &h, buf);
	pcap_dump_close(d);
	pcap_close(dead);
	cfg.pcap_loop = true;
	cfg.gen.count = 100;
	if (open_port(&p, &cfg, err, sizeof(err)))
		fail_msg("open: %s", err);
	alarm(10);
	assert_int_equal(p.drv->rx(&p, fr, 8), -ENODATA);
	alarm(0);
	assert_int_equal(p.drv->rx_oversize(&p), 5);
	p.drv->close(&p);
}

/* Every fd of this process that refers to path must be close-on-exec. */
static unsigned int check_cloexec(const char *path)
{
	char link[300], target[CFG_PATH_MAX + 1];
	unsigned int found = 0;
	struct dirent *e;
	DIR *dp = opendir("/proc/self/fd");

	assert_non_null(dp);
	while ((e = readdir(dp))) {
		int fd = atoi(e->d_name);
		ssize_t n;

		if (e->d_name[0] == '.' || fd == dirfd(dp))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path))
			continue;
		found++;
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
			fail_msg("fd %d (%s) is not close-on-exec", fd, path);
	}
	closedir(dp);
	return found;
}

static void test_cloexec(void **state)
{
	struct saved *saved = calloc(NB_FRAMES, sizeof(*saved));
	struct cfg_port cfg = {0};
	char err[256] = "", real[PATH_MAX];
	struct port p;

	(void)state;
	assert_non_null(saved);
	path_in_dir(cfg.pcap_in, "c.pcap");
	write_file(cfg.pcap_in, saved);
	path_in_dir(cfg.pcap_out, "c-out.pcap");
	if (open_port(&p, &cfg, err, sizeof(err)))
		fail_msg("open: %s", err);
	assert_non_null(realpath(cfg.pcap_in, real));
	assert_int_equal(check_cloexec(real), 1);
	assert_non_null(realpath(cfg.pcap_out, real));
	assert_int_equal(check_cloexec(real), 1);
	p.drv->close(&p);
	free(saved);
}

/* A FIFO as input or output is refused at once (the alarm turns a hang into a failure). */
static void test_fifo(void **state)
{
	struct cfg_port cfg = {0};
	char err[512] = "";
	struct port p;

	(void)state;
	path_in_dir(cfg.pcap_in, "fifo");
	assert_int_equal(mkfifo(cfg.pcap_in, 0600), 0);
	alarm(10);
	assert_true(open_port(&p, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "is a FIFO; expected a regular file"));
	assert_null(p.priv);
	strcpy(cfg.pcap_out, cfg.pcap_in);
	cfg.pcap_in[0] = 0;
	assert_true(open_port(&p, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "fifo"));
	assert_non_null(strstr(err, "expected"));
	assert_null(p.priv);
	/* /dev/null takes a capture (nothing blocks on it); /dev/zero does not */
	strcpy(cfg.pcap_out, "/dev/null");
	assert_int_equal(open_port(&p, &cfg, err, sizeof(err)), 0);
	p.drv->close(&p);
	strcpy(cfg.pcap_out, "/dev/zero");
	assert_true(open_port(&p, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "is a character device; expected a regular file"));
	cfg.pcap_out[0] = 0;
	/* a directory as input */
	strcpy(cfg.pcap_in, dir);
	cfg.pcap_out[0] = 0;
	assert_true(open_port(&p, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "is a directory; expected a regular file"));
	alarm(0);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(port_driver_find(CFG_DRV_GEN), &port_gen);
	assert_ptr_equal(port_driver_find(CFG_DRV_SINK), &port_sink);
	assert_ptr_equal(port_driver_find(CFG_DRV_PCAP), &port_pcap);
	assert_ptr_equal(port_driver_find(CFG_DRV_AFPACKET), &port_afpacket);
	assert_ptr_equal(port_driver_find(CFG_DRV_AFXDP), &port_afxdp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip),
	        cmocka_unit_test(test_loop_until_count),
	        cmocka_unit_test(test_empty_file_loop_ends),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_oversize),
	        cmocka_unit_test(test_oversize_loop_ends),
	        cmocka_unit_test(test_cloexec),
	        cmocka_unit_test(test_fifo),
	        cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
