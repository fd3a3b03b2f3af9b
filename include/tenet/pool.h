/*
 * Tenant packet pool: one shared-memory region of fixed-size packet buffers.
 *
 * The manager creates a pool on a memfd (huge pages when the system has
 * them reserved, else normal pages), seals it against growing and shrinking
 * and carves it into nb_bufs buffers of buf_size bytes (headroom + frame).
 * An NF of the same tenant maps it read-write from the fd alone
 * (tenet_pool_attach); no other process is given the fd.
 *
 * Memory layout of the memfd:
 *
 *   0                    data_off                   data_off + nb_bufs * buf_size
 *   +--------------------+---------+---------+-----+---------+
 *   | tenet_pool_hdr (m) | buf 0   | buf 1   | ... | buf N-1 |
 *   +--------------------+---------+---------+-----+---------+
 *
 * The header is written by the manager for tools and debuggers. Every NF of
 * the tenant can write it (or punch a hole in its page), so neither side
 * reads geometry from it: the manager keeps its own private copy of every
 * field, and an NF maps the pool by the geometry the manager sends in its
 * welcome message (tenet_pool_attach_geom).
 *
 * The free list and the ownership table (which holder has buffer i now)
 * live in manager-private memory: an NF can neither see nor corrupt them.
 * An attached (NF-side) pool has neither; the allocation verbs are for the
 * manager only.
 */
#ifndef TENET_POOL_H
#define TENET_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TENET_POOL_MAGIC       0x504e4554u /* "TENP" */
#define TENET_POOL_ABI         1u
#define TENET_BUF_SIZE_DEFAULT 2048u
#define TENET_HEADROOM         128u
#define TENET_POOL_NAME_MAX    32

/* Ownership table values (manager private). NF ids are 1..TENET_OWNER_MAX_NF. */
#define TENET_OWNER_MGR    0u      /* held by the manager (ports, dispatch) */
#define TENET_OWNER_FREE   0xffffu /* on the free list */
#define TENET_OWNER_MAX_NF 0xfff0u

/* First bytes of the memfd. (m): written by the manager only. */
struct tenet_pool_hdr {
	uint32_t magic;                 /* (m) TENET_POOL_MAGIC */
	uint32_t abi;                   /* (m) TENET_POOL_ABI */
	uint32_t buf_size;              /* (m) bytes per buffer */
	uint32_t nb_bufs;               /* (m) number of buffers */
	uint64_t data_off;              /* (m) offset of buffer 0, page aligned */
	uint32_t headroom;              /* (m) default frame offset inside a buffer */
	uint32_t hugetlb;               /* (m) 1 if backed by huge pages */
	char name[TENET_POOL_NAME_MAX]; /* (m) NUL-terminated */
};

/* Creation flags. */
#define TENET_POOL_F_NO_HUGE 0x1u /* do not try huge pages */

struct tenet_pool_stats {
	uint64_t alloc_fail;  /* bulk allocations refused: pool exhausted */
	uint64_t double_free; /* frees of a buffer already free */
	uint64_t bad_free;    /* frees of an index outside the pool */
};

/*
 * The pool handle. Fields are public so the fast path can be inline; treat
 * them as read-only outside lib/pool.c.
 */
struct tenet_pool {
	uint8_t *base;     /* mapping of the whole memfd */
	uint8_t *data;     /* base + data_off: buffer 0 */
	size_t map_len;    /* bytes mapped */
	uint32_t buf_size; /* private copy: never re-read from shared memory */
	uint32_t nb_bufs;  /* private copy */
	uint32_t headroom;
	int fd;
	bool hugetlb;
	bool owner_side; /* true: created here (manager); false: attached (NF) */
	/* manager-private state; NULL/0 on an attached pool */
	uint32_t *free_stack; /* LIFO of free buffer indices */
	uint32_t nb_free;
	uint16_t *owner; /* ownership table, TENET_OWNER_* or an NF id */
	struct tenet_pool_stats stats;
	char name[TENET_POOL_NAME_MAX];
};

/*
 * Create a pool of nb_bufs buffers of buf_size bytes (0: the default 2 KiB;
 * otherwise a multiple of 64 between 512 and 65536). Every buffer starts free.
 * Returns NULL with errno set on error (EINVAL for bad sizes, or the errno
 * of memfd_create/ftruncate/mmap); logs whether huge pages were used.
 */
struct tenet_pool *tenet_pool_create(const char *name, uint32_t nb_bufs, uint32_t buf_size,
                                     uint32_t flags);

/* Where a pool's buffers are in its memfd: what an attaching process must know. */
struct tenet_pool_geom {
	uint64_t len;      /* bytes of the memfd to map */
	uint64_t data_off; /* offset of buffer 0 */
	uint32_t nb_bufs;
	uint32_t buf_size;
	uint32_t headroom;
	bool hugetlb;
	char name[TENET_POOL_NAME_MAX];
};

/* The geometry of a pool, from the handle's private copy (never from the memfd). */
void tenet_pool_geom(const struct tenet_pool *pool, struct tenet_pool_geom *g);

/*
 * Map a pool created by another process from its fd (the fd is dup'ed;
 * the caller keeps its own), laid out as 'g' says: the geometry comes from
 * a trusted source (the manager's welcome), never from the file's header,
 * which the pool's other users can write. Checks the geometry's ranges,
 * the seals, and that the buffers fit in the file. Returns NULL with errno
 * set (EINVAL for bad geometry, a size mismatch or a missing seal).
 */
struct tenet_pool *tenet_pool_attach_geom(int fd, const struct tenet_pool_geom *g);

/*
 * As tenet_pool_attach_geom, with the geometry read from the header in the
 * file (magic and ABI checked: EPROTO). For tools that trust whoever can
 * write the pool; an NF uses the geometry from its welcome instead.
 */
struct tenet_pool *tenet_pool_attach(int fd);

/* Unmap and close; frees manager-private state. NULL is a no-op. */
void tenet_pool_destroy(struct tenet_pool *pool);

static inline int tenet_pool_fd(const struct tenet_pool *pool)
{
	return pool->fd;
}

/* Start of buffer idx; idx must be < nb_bufs (checked by the caller). */
static inline void *tenet_pool_buf(const struct tenet_pool *pool, uint32_t idx)
{
	return pool->data + (size_t)idx * pool->buf_size;
}

static inline uint32_t tenet_pool_nb_free(const struct tenet_pool *pool)
{
	return pool->nb_free;
}

/* Ownership table: who holds buffer idx (TENET_OWNER_*, or an NF id). */
static inline uint16_t tenet_pool_owner(const struct tenet_pool *pool, uint32_t idx)
{
	return pool->owner[idx];
}

#endif /* TENET_POOL_H */
