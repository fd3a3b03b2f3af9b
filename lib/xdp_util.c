/*
 * Removing stale XDP programs by name. A manager killed with -9 cannot
 * detach its programs; the next one finds them on the interface by the
 * name it gives its own and removes exactly those.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "lib/xdp_util.h"
#include "tenet/log.h"

/* 1 if program id was named 'name' and is now detached, 0 if not ours, or -errno. */
static int detach_if_named(int ifindex, uint32_t id, uint32_t flag, const char *name)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao);
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd, err = 0;

	if (!id)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* gone meanwhile */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	if (strncmp(info.name, name, sizeof(info.name)) != 0)
		goto out;
	ao.old_prog_fd = fd;
	if (bpf_xdp_detach(ifindex, flag, &ao)) {
		err = -errno;
		tenet_log(TENET_LOG_ERR, "xdp: cannot remove program %u from ifindex %d: %s", id,
		          ifindex, strerror(-err));
		goto out;
	}
	tenet_log(TENET_LOG_INFO, "xdp: removed a stale %s (id %u) from ifindex %d", name, id,
	          ifindex);
	err = 1;
out:
	close(fd);
	return err;
}

int tenet_xdp_remove_by_name(int ifindex, const char *name)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	const struct {
		uint32_t *id;
		uint32_t flag;
	} modes[] = {
	        {&q.drv_prog_id, XDP_FLAGS_DRV_MODE},
	        {&q.skb_prog_id, XDP_FLAGS_SKB_MODE},
	        {&q.hw_prog_id, XDP_FLAGS_HW_MODE},
	};
	int removed = 0;

	if (ifindex <= 0 || !name)
		return -EINVAL;
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int r = detach_if_named(ifindex, *modes[i].id, modes[i].flag, name);

		if (r < 0)
			return r;
		removed += r;
	}
	return removed;
}
