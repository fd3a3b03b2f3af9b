/*
 * XDP classifier loader (contract: lib/xdp.h; maps: bpf/tenet_xdp.h).
 *
 * libbpf only (libxdp's dispatcher is not used: the classifier owns the
 * ingress interface's XDP hook, single program, attached with
 * bpf_xdp_attach). The loader keeps a shadow of the live table (sorted
 * rules, header, patterns); every change builds the next table from the
 * shadow, writes it into the inactive half and flips tnt_active. The
 * grace period after the flip comes from the kernel: an update of a
 * map-in-map waits for running BPF programs (synchronize_rcu), so the
 * loader keeps a tiny ARRAY_OF_MAPS for no other purpose than that wait.
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

#include "lib/xdp_util.h"
#include "lib/xdp.h"
#include "tenet/log.h"

_Static_assert((int)TENET_XDP_CNT_PARSE_MAX == (int)TENET_PKT_ERR_MAX,
               "counter ids mirror tenet_pkt_err");
_Static_assert((int)TENET_XDP_CNT_NON_IP == (int)TENET_PKT_NON_IP,
               "counter ids mirror tenet_pkt_err");
_Static_assert((int)TENET_XDP_CNT_BAD_EXTHDR == (int)TENET_PKT_BAD_EXTHDR,
               "counter ids mirror tenet_pkt_err");

struct tenet_xdp {
	struct bpf_object *obj;
	struct bpf_program *prog;
	int prog_fd;
	int ifindex;
	enum tenet_xdp_mode mode;
	bool attached;
	int fd_active, fd_hdr, fd_rules, fd_scan, fd_cnt, fd_devmap, fd_xsks;
	int sync_outer, sync_inner; /* map-in-map whose update waits for a grace period */
	int ncpus;
	uint32_t miss;   /* TENET_XDP_DFLT_DROP or _PASS: no rule, no default */
	uint32_t active; /* live half */
	/* shadow of the live table */
	struct tenet_xdp_hdr hdr;
	struct tenet_xdp_rule *rules; /* TENET_XDP_MAX_RULES */
	uint32_t nb_rules;
	struct tenet_nicscan_prog scan;
};

static const char *const cnt_names[TENET_XDP_CNT_MAX] = {
        [TENET_XDP_CNT_REDIRECTED] = "redirected",   [TENET_XDP_CNT_NO_RULE] = "no_rule",
        [TENET_XDP_CNT_MISS_PASS] = "miss_pass",     [TENET_XDP_CNT_REDIRECT_ERR] = "redirect_err",
        [TENET_XDP_CNT_SCANNED] = "scanned",         [TENET_XDP_CNT_SCAN_DROP] = "scan_drop",
        [TENET_XDP_CNT_SCAN_BOUNCE] = "scan_bounce", [TENET_XDP_CNT_SCAN_PASS] = "scan_pass",
        [TENET_XDP_CNT_SCAN_TAG] = "scan_tag",       [TENET_XDP_CNT_SCAN_HOST] = "scan_host",
};

const char *tenet_xdp_cnt_name(unsigned int i)
{
	if (i < TENET_XDP_CNT_PARSE_MAX)
		return tenet_pkt_err_name((enum tenet_pkt_err)i);
	if (i < TENET_XDP_CNT_MAX)
		return cnt_names[i];
	return "?";
}

const char *tenet_xdp_mode_name(enum tenet_xdp_mode m)
{
	switch (m) {
	case TENET_XDP_NATIVE:
		return "native";
	case TENET_XDP_GENERIC:
		return "generic";
	case TENET_XDP_OFFLOAD:
		return "offload";
	}
	return "?";
}

static uint32_t mode_flag(enum tenet_xdp_mode m)
{
	switch (m) {
	case TENET_XDP_GENERIC:
		return XDP_FLAGS_SKB_MODE;
	case TENET_XDP_OFFLOAD:
		return XDP_FLAGS_HW_MODE;
	case TENET_XDP_NATIVE:
	default:
		return XDP_FLAGS_DRV_MODE;
	}
}

/*
 * libbpf's messages go to tenet_log. A failed load's verifier log can be
 * megabytes: only its tail (where the verifier says why) is passed on.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	const size_t keep = 6000;
	char *buf;
	size_t n;
	int len;

	if (level == LIBBPF_DEBUG)
		return 0;
	len = vasprintf(&buf, fmt, ap);
	if (len < 0)
		return 0;
	n = (size_t)len;
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	tenet_log(level == LIBBPF_WARN ? TENET_LOG_WARN : TENET_LOG_DEBUG, "%s%s",
	          n > keep ? "[...] " : "", n > keep ? buf + n - keep : buf);
	free(buf);
	return 0;
}

static int map_fd(struct tenet_xdp *x, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(x->obj, name);

	if (!m) {
		tenet_log(TENET_LOG_ERR, "xdp: object has no map %s", name);
		return -ENOENT;
	}
	return bpf_map__fd(m);
}

/* Wait until no BPF program still runs with what it read before this call. */
static int grace_period(struct tenet_xdp *x)
{
	uint32_t k = 0;

	if (bpf_map_update_elem(x->sync_outer, &k, &x->sync_inner, BPF_ANY))
		return -errno;
	return 0;
}

/*
 * Write (rules, nb, hdr, scan) into the inactive half, flip, wait. On error
 * nothing the data path reads has changed. The shadow is updated by the
 * caller on success.
 */
static int publish(struct tenet_xdp *x, const struct tenet_xdp_rule *rules, uint32_t nb,
                   const struct tenet_xdp_hdr *hdr, const struct tenet_nicscan_prog *scan)
{
	uint32_t next = x->active ^ 1, k = 0;
	int err;

	for (uint32_t i = 0; i < nb; i++) {
		uint32_t key = next * TENET_XDP_MAX_RULES + i;

		if (bpf_map_update_elem(x->fd_rules, &key, &rules[i], BPF_ANY))
			goto err;
	}
	if (bpf_map_update_elem(x->fd_scan, &next, scan, BPF_ANY) ||
	    bpf_map_update_elem(x->fd_hdr, &next, hdr, BPF_ANY) ||
	    bpf_map_update_elem(x->fd_active, &k, &next, BPF_ANY))
		goto err;
	x->active = next;
	err = grace_period(x);
	if (err)
		tenet_log(TENET_LOG_WARN, "xdp: grace period wait failed: %s", strerror(-err));
	return 0;
err:
	err = -errno;
	tenet_log(TENET_LOG_ERR, "xdp: cannot write the rule maps: %s", strerror(errno));
	return err;
}

static int make_sync(struct tenet_xdp *x)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);

	x->sync_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tnt_sync_in", 4, 4, 1, NULL);
	if (x->sync_inner < 0)
		return -errno;
	mo.inner_map_fd = x->sync_inner;
	x->sync_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "tnt_sync", 4, 4, 1, &mo);
	if (x->sync_outer < 0)
		return -errno;
	return 0;
}

struct tenet_xdp *tenet_xdp_open(const struct tenet_xdp_opts *o)
{
	libbpf_print_fn_t old_print;
	struct bpf_program *p;
	struct tenet_xdp *x;
	struct bpf_map *m;
	int err;

	if (!o || !o->obj_path || o->ifindex <= 0 || o->mode > TENET_XDP_OFFLOAD ||
	    o->steer > TENET_XDP_STEER_XSKMAP) {
		errno = EINVAL;
		return NULL;
	}
	if (access(o->obj_path, R_OK)) {
		err = -errno;
		tenet_log(TENET_LOG_ERR, "xdp: cannot read %s: %s", o->obj_path, strerror(errno));
		errno = -err;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		errno = ENOMEM;
		return NULL;
	}
	x->rules = calloc(TENET_XDP_MAX_RULES, sizeof(*x->rules));
	if (!x->rules) {
		free(x);
		errno = ENOMEM;
		return NULL;
	}
	x->ifindex = o->ifindex;
	x->mode = o->mode;
	x->sync_outer = x->sync_inner = -1;
	x->hdr.magic = TENET_XDP_MAGIC;
	x->hdr.steer = o->steer;
	x->hdr.in_port = o->in_port;
	x->miss = o->miss_pass ? TENET_XDP_DFLT_PASS : TENET_XDP_DFLT_DROP;
	x->hdr.dflt = x->miss;
	for (unsigned int t = 0; t < TENET_XDP_MAX_TENANTS; t++)
		x->hdr.queue[t] = TENET_XDP_ANY_QUEUE;

	old_print = libbpf_set_print(libbpf_print);
	x->obj = bpf_object__open_file(o->obj_path, NULL);
	if (!x->obj) {
		err = -errno;
		tenet_log(TENET_LOG_ERR, "xdp: cannot open %s: %s", o->obj_path, strerror(-err));
		goto err_print;
	}
	x->prog = bpf_object__find_program_by_name(x->obj, TENET_XDP_PROG_NAME);
	if (!x->prog) {
		err = -ENOENT;
		tenet_log(TENET_LOG_ERR, "xdp: %s has no program %s", o->obj_path,
		          TENET_XDP_PROG_NAME);
		goto err_close;
	}
	/* Only the classifier is loaded; helper programs are for tests. */
	bpf_object__for_each_program(p, x->obj) bpf_program__set_autoload(p, p == x->prog);
	if (o->mode == TENET_XDP_OFFLOAD) {
		bpf_program__set_ifindex(x->prog, (unsigned int)o->ifindex);
		bpf_object__for_each_map(m, x->obj)
		        bpf_map__set_ifindex(m, (unsigned int)o->ifindex);
	}
	err = bpf_object__load(x->obj);
	if (err) {
		tenet_log(TENET_LOG_ERR, "xdp: loading %s (%s mode) failed: %s", o->obj_path,
		          tenet_xdp_mode_name(o->mode), strerror(-err));
		goto err_close;
	}
	libbpf_set_print(old_print);
	x->prog_fd = bpf_program__fd(x->prog);
	x->fd_active = map_fd(x, "tnt_active");
	x->fd_hdr = map_fd(x, "tnt_hdr");
	x->fd_rules = map_fd(x, "tnt_rules");
	x->fd_scan = map_fd(x, "tnt_scan");
	x->fd_cnt = map_fd(x, "tnt_cnt");
	x->fd_devmap = map_fd(x, "tnt_devmap");
	x->fd_xsks = map_fd(x, "tnt_xsks");
	if (x->fd_active < 0 || x->fd_hdr < 0 || x->fd_rules < 0 || x->fd_scan < 0 ||
	    x->fd_cnt < 0 || x->fd_devmap < 0 || x->fd_xsks < 0) {
		err = -ENOENT;
		goto err_obj;
	}
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		err = x->ncpus ? x->ncpus : -EINVAL;
		goto err_obj;
	}
	err = make_sync(x);
	if (err) {
		tenet_log(TENET_LOG_ERR, "xdp: cannot create the sync map: %s", strerror(-err));
		goto err_obj;
	}
	/* Both halves valid from the start: empty table, default as configured. */
	err = publish(x, NULL, 0, &x->hdr, &x->scan);
	if (!err)
		err = publish(x, NULL, 0, &x->hdr, &x->scan);
	if (err)
		goto err_obj;
	return x;

err_print:
	libbpf_set_print(old_print);
	goto err_free;
err_close:
	libbpf_set_print(old_print);
err_obj:
	if (x->sync_outer >= 0)
		close(x->sync_outer);
	if (x->sync_inner >= 0)
		close(x->sync_inner);
	bpf_object__close(x->obj);
err_free:
	free(x->rules);
	free(x);
	errno = -err;
	return NULL;
}

void tenet_xdp_close(struct tenet_xdp *x)
{
	if (!x)
		return;
	if (x->attached)
		tenet_xdp_detach(x);
	close(x->sync_outer);
	close(x->sync_inner);
	bpf_object__close(x->obj);
	free(x->rules);
	free(x);
}

int tenet_xdp_prog_fd(const struct tenet_xdp *x)
{
	return x ? x->prog_fd : -EINVAL;
}

int tenet_xdp_attach(struct tenet_xdp *x)
{
	char name[IF_NAMESIZE] = "?";
	int err;

	if (!x)
		return -EINVAL;
	if (x->attached)
		return 0;
	if_indextoname((unsigned int)x->ifindex, name);
	if (bpf_xdp_attach(x->ifindex, x->prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(x->mode),
	                   NULL)) {
		err = -errno;
		if (err == -EEXIST)
			err = -EBUSY;
		tenet_log(TENET_LOG_ERR, "xdp: cannot attach to %s (ifindex %d) in %s mode: %s%s",
		          name, x->ifindex, tenet_xdp_mode_name(x->mode), strerror(-err),
		          err == -EBUSY ? " (another XDP program is attached; a tenet one left "
		                          "by a killed manager is removed by cleanup)"
		                        : "");
		return err;
	}
	x->attached = true;
	tenet_log(TENET_LOG_INFO, "xdp: %s attached to %s in %s mode", TENET_XDP_PROG_NAME, name,
	          tenet_xdp_mode_name(x->mode));
	return 0;
}

int tenet_xdp_detach(struct tenet_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = x ? x->prog_fd : -1);
	int err;

	if (!x)
		return -EINVAL;
	if (!x->attached)
		return 0;
	x->attached = false;
	if (bpf_xdp_detach(x->ifindex, mode_flag(x->mode), &ao)) {
		err = -errno;
		tenet_log(TENET_LOG_WARN, "xdp: detach from ifindex %d: %s", x->ifindex,
		          strerror(-err));
		return err;
	}
	return 0;
}

/* ---- tables ---- */

static void prefix_mask(__u64 out[2], unsigned int plen)
{
	uint8_t m[16] = {0};

	memset(m, 0xff, plen / 8);
	if (plen % 8)
		m[plen / 8] = (uint8_t)(0xff00u >> (plen % 8));
	memcpy(out, m, 16);
}

static int rule_to_xdp(const struct tenet_rule *r, struct tenet_xdp_rule *xr)
{
	const struct tenet_match *m = &r->match;
	__u64 a[2];

	if (r->tenant >= TENET_XDP_MAX_TENANTS) {
		tenet_log(TENET_LOG_ERR, "xdp: rule %u steers to tenant %u; the XDP maps hold %d",
		          r->id, r->tenant, TENET_XDP_MAX_TENANTS);
		return -ERANGE;
	}
	memset(xr, 0, sizeof(*xr));
	prefix_mask(xr->smask, m->src_plen);
	prefix_mask(xr->dmask, m->dst_plen);
	memcpy(a, m->src, 16);
	xr->src[0] = a[0] & xr->smask[0];
	xr->src[1] = a[1] & xr->smask[1];
	memcpy(a, m->dst, 16);
	xr->dst[0] = a[0] & xr->dmask[0];
	xr->dst[1] = a[1] & xr->dmask[1];
	xr->id = r->id;
	xr->in_port = m->in_port;
	xr->sport_lo = m->sport_lo;
	xr->sport_hi = m->sport_hi;
	xr->dport_lo = m->dport_lo;
	xr->dport_hi = m->dport_hi;
	xr->family = m->family;
	if (m->proto >= 0) {
		xr->flags |= TENET_XDP_R_PROTO;
		xr->proto = (uint8_t)m->proto;
	}
	if (m->vlan >= 0) {
		xr->flags |= TENET_XDP_R_VLAN;
		xr->vlan = (uint16_t)m->vlan;
	}
	if (m->in_port >= 0)
		xr->flags |= TENET_XDP_R_INPORT;
	if (!(m->sport_lo == 0 && m->sport_hi == 0xffff) ||
	    !(m->dport_lo == 0 && m->dport_hi == 0xffff))
		xr->flags |= TENET_XDP_R_NEED_PORTS | TENET_XDP_R_NEED_IP;
	if (m->proto >= 0 || m->family != 0)
		xr->flags |= TENET_XDP_R_NEED_IP;
	xr->tenant = r->tenant;
	xr->chain = r->chain;
	return 0;
}

struct sort_ent {
	int32_t prio;
	uint32_t id;
	const struct tenet_rule *r;
};

static int by_prio(const void *a, const void *b)
{
	const struct sort_ent *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The table's default action, through the public API: an empty clone looks it up. */
static int table_default(const struct tenet_classifier *c, bool *has, struct tenet_action *act)
{
	struct tenet_classifier *e = tenet_classifier_clone(c);
	struct tenet_pkt_info pi;

	if (!e)
		return -errno;
	while (tenet_classifier_count(e))
		tenet_classifier_del(e, tenet_classifier_rule(e, 0)->id);
	memset(&pi, 0, sizeof(pi));
	*has = tenet_classifier_lookup(e, &pi, 0, act);
	tenet_classifier_destroy(e);
	return 0;
}

int tenet_xdp_set_rules(struct tenet_xdp *x, const struct tenet_classifier *c)
{
	struct tenet_xdp_rule *rules;
	struct tenet_xdp_hdr hdr;
	struct tenet_action dflt;
	struct sort_ent *ents;
	unsigned int n;
	bool has_dflt = false;
	int err;

	if (!x || !c)
		return -EINVAL;
	n = tenet_classifier_count(c);
	if (n > TENET_XDP_MAX_RULES) {
		tenet_log(TENET_LOG_ERR,
		          "xdp: %u rules do not fit the XDP table (at most %d); the table in place "
		          "stays",
		          n, TENET_XDP_MAX_RULES);
		return -E2BIG;
	}
	err = table_default(c, &has_dflt, &dflt);
	if (err)
		return err;
	hdr = x->hdr;
	if (has_dflt) {
		if (dflt.tenant >= TENET_XDP_MAX_TENANTS) {
			tenet_log(TENET_LOG_ERR, "xdp: default tenant %u out of range",
			          dflt.tenant);
			return -ERANGE;
		}
		hdr.dflt = TENET_XDP_DFLT_TENANT;
		hdr.dflt_tenant = dflt.tenant;
		hdr.dflt_chain = dflt.chain;
	} else {
		hdr.dflt = x->miss;
	}
	ents = calloc(n ? n : 1, sizeof(*ents));
	rules = calloc(n ? n : 1, sizeof(*rules));
	if (!ents || !rules) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct tenet_rule *r = tenet_classifier_rule(c, i);

		ents[i] = (struct sort_ent){r->priority, r->id, r};
	}
	qsort(ents, n, sizeof(*ents), by_prio);
	for (unsigned int i = 0; i < n; i++) {
		err = rule_to_xdp(ents[i].r, &rules[i]);
		if (err)
			goto out;
	}
	hdr.nb_rules = n;
	err = publish(x, rules, n, &hdr, &x->scan);
	if (err)
		goto out;
	x->hdr = hdr;
	memcpy(x->rules, rules, (size_t)n * sizeof(*rules));
	x->nb_rules = n;
out:
	free(ents);
	free(rules);
	return err;
}

int tenet_xdp_set_scan(struct tenet_xdp *x, const struct tenet_nicscan_prog *prog,
                       enum tenet_xdp_scan_action action, uint64_t tenants)
{
	struct tenet_nicscan_prog scan;
	struct tenet_xdp_hdr hdr;
	int err;

	if (!x || action > TENET_XDP_SCAN_BOUNCE)
		return -EINVAL;
	if (prog && prog->nb > TENET_NICSCAN_MAX_PATTERNS)
		return -E2BIG;
	memset(&scan, 0, sizeof(scan));
	if (prog)
		scan = *prog;
	hdr = x->hdr;
	hdr.scan_action = prog ? (uint32_t)action : TENET_XDP_SCAN_OFF;
	hdr.scan_tenants = tenants;
	err = publish(x, x->rules, x->nb_rules, &hdr, &scan);
	if (err)
		return err;
	x->hdr = hdr;
	x->scan = scan;
	return 0;
}

int tenet_xdp_set_dev(struct tenet_xdp *x, unsigned int tenant, int ifindex)
{
	uint32_t k = tenant, v = (uint32_t)ifindex;

	if (!x || tenant >= TENET_XDP_MAX_TENANTS || ifindex < 0)
		return -EINVAL;
	if (ifindex == 0) {
		if (bpf_map_delete_elem(x->fd_devmap, &k) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (bpf_map_update_elem(x->fd_devmap, &k, &v, BPF_ANY)) {
		int err = -errno;

		tenet_log(TENET_LOG_ERR, "xdp: tenant %u -> ifindex %d: %s", tenant, ifindex,
		          strerror(-err));
		return err;
	}
	return 0;
}

int tenet_xdp_read_stats(const struct tenet_xdp *x, struct tenet_xdp_stats *s)
{
	uint64_t *v;

	if (!x || !s)
		return -EINVAL;
	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	for (uint32_t k = 0; k < TENET_XDP_CNT_NB; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(x->fd_cnt, &k, v)) {
			int err = -errno;

			free(v);
			return err;
		}
		for (int c = 0; c < x->ncpus; c++)
			sum += v[c];
		if (k < TENET_XDP_CNT_MAX)
			s->cnt[k] = sum;
		else
			s->tenant[k - TENET_XDP_CNT_TENANT] = sum;
	}
	free(v);
	return 0;
}

/* ---- cleanup after a killed manager ---- */

int tenet_xdp_cleanup(int ifindex)
{
	return tenet_xdp_remove_by_name(ifindex, TENET_XDP_PROG_NAME);
}
