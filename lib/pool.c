/*
 * Tenant packet pools on sealed memfds.
 *
 * The manager creates one pool per tenant; NFs of that tenant attach to it
 * from the fd they receive over their control socket. Everything that
 * decides who may touch which buffer (free list, ownership table) stays in
 * the manager's private heap, so a hostile NF that scribbles over the whole
 * shared region can corrupt packet bytes of its own tenant and nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/pool_mgr.h"
#include "tenet/log.h"
#include "tenet/pool.h"

#define HUGE_PAGE_SIZE (2u << 20)
#define HDR_SIZE       4096u

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static bool huge_pages_reserved(void)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "re");
	long n = 0;

	if (!f)
		return false;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n > 0;
}

/* memfd of 'len' bytes, sealed against resizing. Returns fd or -errno. */
static int make_memfd(const char *name, size_t len, bool huge)
{
	unsigned int mfd_flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd;

	if (huge)
		mfd_flags |= MFD_HUGETLB;
	fd = memfd_create(name, mfd_flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0)
		goto err_close;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		goto err_close;
	return fd;

err_close : {
	int err = errno;

	close(fd);
	return -err;
}
}

static int map_pool(struct tenet_pool *p, size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, p->fd, 0);

	if (m == MAP_FAILED)
		return -errno;
	p->base = m;
	p->map_len = len;
	return 0;
}

struct tenet_pool *tenet_pool_create(const char *name, uint32_t nb_bufs, uint32_t buf_size,
                                     uint32_t flags)
{
	struct tenet_pool *p;
	struct tenet_pool_hdr *hdr;
	size_t len;
	int err;

	if (buf_size == 0)
		buf_size = TENET_BUF_SIZE_DEFAULT;
	if (nb_bufs == 0 || nb_bufs > (1u << 24) || buf_size < 512 || buf_size > 65536 ||
	    buf_size % 64 || !name) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->free_stack = malloc(sizeof(uint32_t) * nb_bufs);
	p->owner = malloc(sizeof(uint16_t) * nb_bufs);
	if (!p->free_stack || !p->owner) {
		err = ENOMEM;
		goto err_free;
	}
	len = HDR_SIZE + (size_t)nb_bufs * buf_size;
	p->fd = -1;
	if (!(flags & TENET_POOL_F_NO_HUGE) && huge_pages_reserved()) {
		size_t hlen = round_up(len, HUGE_PAGE_SIZE);

		p->fd = make_memfd(name, hlen, true);
		if (p->fd >= 0 && map_pool(p, hlen) == 0) {
			p->hugetlb = true;
		} else {
			if (p->fd >= 0)
				close(p->fd);
			p->fd = -1;
		}
	}
	if (p->fd < 0) {
		p->fd = make_memfd(name, len, false);
		if (p->fd < 0) {
			err = -p->fd;
			goto err_free;
		}
		err = map_pool(p, len);
		if (err) {
			err = -err;
			goto err_close;
		}
	}
	tenet_log(TENET_LOG_INFO, "pool %s: %u buffers of %u B on %s pages (%zu KiB)", name,
	          nb_bufs, buf_size, p->hugetlb ? "huge" : "normal (no huge pages reserved)",
	          p->map_len / 1024);

	p->data = p->base + HDR_SIZE;
	p->buf_size = buf_size;
	p->nb_bufs = nb_bufs;
	p->headroom = TENET_HEADROOM;
	p->owner_side = true;
	snprintf(p->name, sizeof(p->name), "%s", name);

	hdr = (struct tenet_pool_hdr *)p->base;
	hdr->magic = TENET_POOL_MAGIC;
	hdr->abi = TENET_POOL_ABI;
	hdr->buf_size = buf_size;
	hdr->nb_bufs = nb_bufs;
	hdr->data_off = HDR_SIZE;
	hdr->headroom = TENET_HEADROOM;
	hdr->hugetlb = p->hugetlb;
	memcpy(hdr->name, p->name, sizeof(hdr->name));

	/* LIFO: buffer 0 is handed out first, recently freed (cache-warm) ones next */
	for (uint32_t i = 0; i < nb_bufs; i++) {
		p->free_stack[i] = nb_bufs - 1 - i;
		p->owner[i] = TENET_OWNER_FREE;
	}
	p->nb_free = nb_bufs;
	return p;

err_close:
	close(p->fd);
err_free:
	free(p->free_stack);
	free(p->owner);
	free(p);
	errno = err;
	return NULL;
}

void tenet_pool_geom(const struct tenet_pool *pool, struct tenet_pool_geom *g)
{
	memset(g, 0, sizeof(*g));
	g->len = pool->map_len;
	g->data_off = (uint64_t)(pool->data - pool->base);
	g->nb_bufs = pool->nb_bufs;
	g->buf_size = pool->buf_size;
	g->headroom = pool->headroom;
	g->hugetlb = pool->hugetlb;
	memcpy(g->name, pool->name, sizeof(g->name));
}

/* A memfd that cannot change size under a mapping (else: SIGBUS). 0 or -1 with errno. */
static int sealed_file(int fd, struct stat *st)
{
	int seals;

	if (fstat(fd, st) < 0)
		return -1;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_GROW | F_SEAL_SHRINK)) != (F_SEAL_GROW | F_SEAL_SHRINK)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

struct tenet_pool *tenet_pool_attach_geom(int fd, const struct tenet_pool_geom *g)
{
	struct tenet_pool *p;
	struct stat st;
	int err;

	if (sealed_file(fd, &st) < 0)
		return NULL;
	if (g->buf_size < 512 || g->buf_size > 65536 || g->buf_size % 64 || g->nb_bufs == 0 ||
	    g->nb_bufs > (1u << 24) || g->headroom >= g->buf_size || g->data_off < HDR_SIZE ||
	    g->data_off % HDR_SIZE || g->len > (uint64_t)st.st_size || g->data_off > g->len ||
	    (uint64_t)g->nb_bufs * g->buf_size > g->len - g->data_off) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (p->fd < 0) {
		err = errno;
		goto err_free;
	}
	err = -map_pool(p, (size_t)g->len);
	if (err)
		goto err_close;
	p->data = p->base + g->data_off;
	p->buf_size = g->buf_size;
	p->nb_bufs = g->nb_bufs;
	p->headroom = g->headroom;
	p->hugetlb = g->hugetlb;
	memcpy(p->name, g->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	return p;

err_close:
	close(p->fd);
err_free:
	free(p);
	errno = err;
	return NULL;
}

struct tenet_pool *tenet_pool_attach(int fd)
{
	struct tenet_pool_hdr hdr;
	struct tenet_pool_geom g;
	struct stat st;

	if (sealed_file(fd, &st) < 0)
		return NULL;
	if ((size_t)st.st_size < HDR_SIZE || pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr) ||
	    hdr.magic != TENET_POOL_MAGIC || hdr.abi != TENET_POOL_ABI) {
		errno = EPROTO;
		return NULL;
	}
	g = (struct tenet_pool_geom){.len = (uint64_t)st.st_size,
	                             .data_off = hdr.data_off,
	                             .nb_bufs = hdr.nb_bufs,
	                             .buf_size = hdr.buf_size,
	                             .headroom = hdr.headroom,
	                             .hugetlb = hdr.hugetlb != 0};
	memcpy(g.name, hdr.name, sizeof(g.name));
	return tenet_pool_attach_geom(fd, &g);
}

void tenet_pool_destroy(struct tenet_pool *pool)
{
	if (!pool)
		return;
	munmap(pool->base, pool->map_len);
	close(pool->fd);
	free(pool->free_stack);
	free(pool->owner);
	free(pool);
}

int tenet_pool_alloc_bulk(struct tenet_pool *pool, uint32_t *bufs, unsigned int n)
{
	if (!pool->owner_side)
		return -EPERM;
	if (n > pool->nb_free) {
		pool->stats.alloc_fail++;
		return -ENOBUFS;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t b = pool->free_stack[--pool->nb_free];

		pool->owner[b] = TENET_OWNER_MGR;
		bufs[i] = b;
	}
	return 0;
}

unsigned int tenet_pool_alloc_burst(struct tenet_pool *pool, uint32_t *bufs, unsigned int n)
{
	if (!pool->owner_side)
		return 0;
	if (n > pool->nb_free)
		n = pool->nb_free;
	return tenet_pool_alloc_bulk(pool, bufs, n) == 0 ? n : 0;
}

unsigned int tenet_pool_free_bulk(struct tenet_pool *pool, const uint32_t *bufs, unsigned int n)
{
	unsigned int freed = 0;

	if (!pool->owner_side)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t b = bufs[i];

		if (b >= pool->nb_bufs) {
			pool->stats.bad_free++;
			continue;
		}
		if (pool->owner[b] == TENET_OWNER_FREE) {
			pool->stats.double_free++;
			continue;
		}
		pool->owner[b] = TENET_OWNER_FREE;
		pool->free_stack[pool->nb_free++] = b;
		freed++;
	}
	return freed;
}

unsigned int tenet_pool_reclaim(struct tenet_pool *pool, uint16_t owner)
{
	unsigned int n = 0;

	if (!pool->owner_side || owner == TENET_OWNER_FREE)
		return 0;
	for (uint32_t b = 0; b < pool->nb_bufs; b++) {
		if (pool->owner[b] != owner)
			continue;
		pool->owner[b] = TENET_OWNER_FREE;
		pool->free_stack[pool->nb_free++] = b;
		n++;
	}
	return n;
}
