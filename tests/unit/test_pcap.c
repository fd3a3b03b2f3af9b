/*
 * Unit tests of the pcap port (ports/pcap.c).
 *
 * What is checked: frames written by the port's tx come back from its rx
 * byte for byte, in order, then the source ends with -ENODATA; pcap_loop
 * replays the file until gen.count; an empty file with pcap_loop ends
 * instead of spinning; a missing input, a non-Ethernet file, an unwritable
 * output and a port with neither file give clear errors naming the file.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(port_driver_find(CFG_DRV_GEN), &port_gen);
	assert_ptr_equal(port_driver_find(CFG_DRV_SINK), &port_sink);
	assert_ptr_equal(port_driver_find(CFG_DRV_PCAP), &port_pcap);
	assert_ptr_equal(port_driver_find(CFG_DRV_AFPACKET), &port_afpacket);
	assert_null(port_driver_find(CFG_DRV_AFXDP)); /* the manager builds it: mgr/afxdp.c */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip),
	        cmocka_unit_test(test_loop_until_count),
	        cmocka_unit_test(test_empty_file_loop_ends),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
