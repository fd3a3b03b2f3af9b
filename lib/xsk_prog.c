/*
 * Loader of bpf/xsk_redirect.bpf.c (contract: lib/xsk_prog.h).
 *
 * libbpf only: the object is opened, loaded and its one program attached
 * with bpf_xdp_attach(XDP_FLAGS_UPDATE_IF_NOEXIST), so a program someone
 * else put on the interface is never replaced; detach names our program
 * (old_prog_fd), so one that replaced ours is never removed either.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "lib/xsk.h"
#include "lib/xdp_util.h"
#include "lib/xsk_prog.h"
#include "tenet/log.h"

struct tenet_xsk_prog {
	struct bpf_object *obj;
	int prog_fd;
	int map_fd;
	int cnt_fd;
	int ifindex;
	uint32_t flag; /* XDP_FLAGS_DRV_MODE or _SKB_MODE */
	int ncpus;
};

static const char *mode_name(uint32_t flag)
{
	return flag == XDP_FLAGS_SKB_MODE ? "generic" : "native";
}

/* libbpf's warnings go to tenet_log while we load (verifier log tail only). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	tenet_log(level == LIBBPF_WARN ? TENET_LOG_WARN : TENET_LOG_DEBUG, "xsk prog: %s", buf);
	return 0;
}

struct tenet_xsk_prog *tenet_xsk_prog_open(const char *obj_path, int ifindex,
                                           enum tenet_xsk_prog_mode mode)
{
	char name[IF_NAMESIZE] = "?";
	libbpf_print_fn_t old_print;
	struct tenet_xsk_prog *p;
	struct bpf_program *prog;
	struct bpf_map *m;
	int err;

	if (!obj_path || ifindex <= 0 || mode > TENET_XSK_PROG_GENERIC) {
		errno = EINVAL;
		return NULL;
	}
	if (access(obj_path, R_OK)) {
		err = errno;
		tenet_log(TENET_LOG_ERR, "xsk prog: cannot read %s: %s", obj_path, strerror(err));
		errno = err;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->ifindex = ifindex;
	p->flag = mode == TENET_XSK_PROG_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	p->ncpus = libbpf_num_possible_cpus();
	if_indextoname((unsigned int)ifindex, name);

	old_print = libbpf_set_print(libbpf_print);
	p->obj = bpf_object__open_file(obj_path, NULL);
	if (!p->obj) {
		err = -errno;
		tenet_log(TENET_LOG_ERR, "xsk prog: cannot open %s: %s", obj_path, strerror(-err));
		goto err_print;
	}
	prog = bpf_object__find_program_by_name(p->obj, TENET_XSK_PROG_NAME);
	if (!prog) {
		err = -ENOENT;
		tenet_log(TENET_LOG_ERR, "xsk prog: %s has no program %s", obj_path,
		          TENET_XSK_PROG_NAME);
		goto err_obj;
	}
	err = bpf_object__load(p->obj);
	if (err) {
		tenet_log(TENET_LOG_ERR, "xsk prog: loading %s failed: %s", obj_path,
		          strerror(-err));
		goto err_obj;
	}
	libbpf_set_print(old_print);
	p->prog_fd = bpf_program__fd(prog);
	m = bpf_object__find_map_by_name(p->obj, "tnt_xsk_map");
	p->map_fd = m ? bpf_map__fd(m) : -1;
	m = bpf_object__find_map_by_name(p->obj, "tnt_xsk_cnt");
	p->cnt_fd = m ? bpf_map__fd(m) : -1;
	if (p->map_fd < 0 || p->cnt_fd < 0 || p->ncpus <= 0) {
		err = -ENOENT;
		tenet_log(TENET_LOG_ERR, "xsk prog: %s lacks tnt_xsk_map or tnt_xsk_cnt", obj_path);
		goto err_close;
	}
	if (bpf_xdp_attach(ifindex, p->prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | p->flag, NULL)) {
		err = -errno;
		if (err == -EEXIST)
			err = -EBUSY;
		tenet_log(TENET_LOG_ERR,
		          "xsk prog: cannot attach to %s (ifindex %d) in %s mode: %s%s", name,
		          ifindex, mode_name(p->flag), strerror(-err),
		          err == -EBUSY ? " (another XDP program is attached; a tenet one left by "
		                          "a killed process is removed by cleanup)"
		                        : "");
		goto err_close;
	}
	tenet_log(TENET_LOG_INFO, "xsk prog: %s attached to %s in %s mode", TENET_XSK_PROG_NAME,
	          name, mode_name(p->flag));
	return p;

err_obj:
	libbpf_set_print(old_print);
err_close:
	bpf_object__close(p->obj);
	free(p);
	errno = -err;
	return NULL;
err_print:
	libbpf_set_print(old_print);
	free(p);
	errno = -err;
	return NULL;
}

void tenet_xsk_prog_close(struct tenet_xsk_prog *p)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao);

	if (!p)
		return;
	ao.old_prog_fd = p->prog_fd;
	if (bpf_xdp_detach(p->ifindex, p->flag, &ao))
		tenet_log(TENET_LOG_WARN, "xsk prog: detach from ifindex %d: %s", p->ifindex,
		          strerror(errno));
	bpf_object__close(p->obj);
	free(p);
}

int tenet_xsk_prog_set(struct tenet_xsk_prog *p, uint32_t queue, const struct tenet_xsk *x)
{
	if (!p)
		return -EINVAL;
	if (queue >= TENET_XSK_MAX_QUEUES)
		return -ERANGE;
	if (!x) {
		if (bpf_map_delete_elem(p->map_fd, &queue) && errno != ENOENT)
			return -errno;
		return 0;
	}
	return tenet_xsk_map_set(p->map_fd, queue, x);
}

int tenet_xsk_prog_read_stats(const struct tenet_xsk_prog *p, uint64_t cnt[TENET_XSK_CNT_MAX])
{
	uint64_t *v;

	if (!p || !cnt)
		return -EINVAL;
	v = calloc((size_t)p->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < TENET_XSK_CNT_MAX; k++) {
		cnt[k] = 0;
		if (bpf_map_lookup_elem(p->cnt_fd, &k, v)) {
			int err = -errno;

			free(v);
			return err;
		}
		for (int c = 0; c < p->ncpus; c++)
			cnt[k] += v[c];
	}
	free(v);
	return 0;
}

/* ---- cleanup after a killed process ---- */

int tenet_xsk_prog_cleanup(int ifindex)
{
	return tenet_xdp_remove_by_name(ifindex, TENET_XSK_PROG_NAME);
}
