/*
 * Unit tests of the tenant packet pool (lib/pool.c).
 *
 * What is checked: a pool created on a sealed memfd can be attached from the
 * fd alone, here and in a forked child, and both sides see the same bytes;
 * the seals hold; attach refuses a non-memfd, an unsealed memfd and a bad
 * header with the documented errno; attaching by a trusted geometry works
 * whatever was written over the header or punched out of the file, and
 * refuses a geometry that does not fit the file; the allocation verbs keep their batch
 * semantics (bulk: all or nothing, burst: 0..n); frees of a free or an
 * out-of-range index are counted and never reach the free list, so no
 * index is ever handed out twice; the ownership table drives reclaim.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/pool_mgr.h"
#include "tenet/log.h"
#include "tenet/pool.h"

#define NB_BUFS 64u

static struct tenet_pool *new_pool(uint32_t nb_bufs)
{
	struct tenet_pool *p = tenet_pool_create("test", nb_bufs, 0, TENET_POOL_F_NO_HUGE);

	assert_non_null(p);
	return p;
}

/* Every buffer index 0..nb_bufs-1 appears exactly once in bufs[0..n). */
static void assert_permutation(const uint32_t *bufs, uint32_t n, uint32_t nb_bufs)
{
	uint8_t *seen = calloc(nb_bufs, 1);

	assert_non_null(seen);
	assert_int_equal(n, nb_bufs);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(bufs[i] < nb_bufs);
		assert_int_equal(seen[bufs[i]], 0); /* never handed out twice */
		seen[bufs[i]] = 1;
	}
	free(seen);
}

/* Allocate everything that is free and check it is exactly the whole pool. */
static void assert_pool_whole(struct tenet_pool *p)
{
	uint32_t *all = malloc(sizeof(*all) * p->nb_bufs);

	assert_non_null(all);
	assert_int_equal(tenet_pool_nb_free(p), p->nb_bufs);
	assert_int_equal(tenet_pool_alloc_bulk(p, all, p->nb_bufs), 0);
	assert_permutation(all, p->nb_bufs, p->nb_bufs);
	assert_int_equal(tenet_pool_free_bulk(p, all, p->nb_bufs), p->nb_bufs);
	free(all);
}

static void test_create_defaults(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	const struct tenet_pool_hdr *hdr = (const struct tenet_pool_hdr *)p->base;

	(void)state;
	assert_true(p->owner_side);
	assert_int_equal(p->nb_bufs, NB_BUFS);
	assert_int_equal(p->buf_size, TENET_BUF_SIZE_DEFAULT);
	assert_int_equal(p->headroom, TENET_HEADROOM);
	assert_int_equal(tenet_pool_nb_free(p), NB_BUFS);
	assert_string_equal(p->name, "test");
	assert_true(tenet_pool_fd(p) >= 0);
	assert_int_equal(hdr->magic, TENET_POOL_MAGIC);
	assert_int_equal(hdr->abi, TENET_POOL_ABI);
	assert_int_equal(hdr->nb_bufs, NB_BUFS);
	assert_int_equal(hdr->buf_size, TENET_BUF_SIZE_DEFAULT);
	assert_true(p->map_len >= hdr->data_off + (size_t)NB_BUFS * TENET_BUF_SIZE_DEFAULT);
	for (uint32_t i = 0; i < NB_BUFS; i++)
		assert_int_equal(tenet_pool_owner(p, i), TENET_OWNER_FREE);
	/* buffers are disjoint and writable end to end */
	for (uint32_t i = 0; i < NB_BUFS; i++)
		memset(tenet_pool_buf(p, i), (int)i, p->buf_size);
	for (uint32_t i = 0; i < NB_BUFS; i++) {
		const uint8_t *b = tenet_pool_buf(p, i);

		assert_int_equal(b[0], (uint8_t)i);
		assert_int_equal(b[p->buf_size - 1], (uint8_t)i);
	}
	tenet_pool_destroy(p);
}

static void test_create_invalid(void **state)
{
	static const struct {
		uint32_t nb_bufs, buf_size;
	} bad[] = {
	        {0, 0},      {16, 256},    {16, 448},           {16, 520},
	        {16, 65600}, {16, 131072}, {(1u << 24) + 1, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(tenet_pool_create("bad", bad[i].nb_bufs, bad[i].buf_size,
		                              TENET_POOL_F_NO_HUGE));
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_null(tenet_pool_create(NULL, 16, 0, TENET_POOL_F_NO_HUGE));
	assert_int_equal(errno, EINVAL);

	/* the edges of the allowed range */
	struct tenet_pool *p = tenet_pool_create("small", 1, 512, TENET_POOL_F_NO_HUGE);

	assert_non_null(p);
	assert_int_equal(p->buf_size, 512);
	tenet_pool_destroy(p);
	p = tenet_pool_create("big", 2, 65536, TENET_POOL_F_NO_HUGE);
	assert_non_null(p);
	assert_int_equal(p->buf_size, 65536);
	tenet_pool_destroy(p);
}

static void test_destroy_null(void **state)
{
	(void)state;
	tenet_pool_destroy(NULL);
}

static void test_attach_in_process(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	struct tenet_pool *a;
	uint32_t b;

	(void)state;
	a = tenet_pool_attach(tenet_pool_fd(p));
	assert_non_null(a);
	assert_false(a->owner_side);
	assert_int_not_equal(tenet_pool_fd(a), tenet_pool_fd(p)); /* dup'ed */
	assert_int_equal(a->nb_bufs, p->nb_bufs);
	assert_int_equal(a->buf_size, p->buf_size);
	assert_int_equal(a->headroom, p->headroom);
	assert_string_equal(a->name, "test");
	assert_null(a->free_stack);
	assert_null(a->owner);

	/* same memory, two mappings */
	memcpy((uint8_t *)tenet_pool_buf(p, 3) + TENET_HEADROOM, "manager", 8);
	assert_string_equal((char *)tenet_pool_buf(a, 3) + TENET_HEADROOM, "manager");
	memcpy(tenet_pool_buf(a, NB_BUFS - 1), "nf", 3);
	assert_string_equal((char *)tenet_pool_buf(p, NB_BUFS - 1), "nf");

	/* the allocation verbs are for the manager only */
	assert_int_equal(tenet_pool_alloc_bulk(a, &b, 1), -EPERM);
	assert_int_equal(tenet_pool_alloc_burst(a, &b, 1), 0);
	b = 0;
	assert_int_equal(tenet_pool_free_bulk(a, &b, 1), 0);
	assert_int_equal(tenet_pool_reclaim(a, 1), 0);

	/* destroying the attached side leaves the creator's fd and mapping alone */
	tenet_pool_destroy(a);
	assert_true(fcntl(tenet_pool_fd(p), F_GETFD) >= 0);
	assert_string_equal((char *)tenet_pool_buf(p, 3) + TENET_HEADROOM, "manager");
	tenet_pool_destroy(p);
}

/* Child: attach from the inherited fd, check the parent's bytes, write back. */
static int child_attach(int fd)
{
	struct tenet_pool *a = tenet_pool_attach(fd);
	uint8_t *b;

	if (!a)
		return 10;
	if (a->nb_bufs != NB_BUFS || a->buf_size != TENET_BUF_SIZE_DEFAULT || a->owner_side)
		return 11;
	b = tenet_pool_buf(a, 5);
	for (uint32_t i = 0; i < a->buf_size; i++)
		if (b[i] != 0xa5)
			return 12;
	memset(tenet_pool_buf(a, 7), 0x5a, a->buf_size);
	/* the seals hold in the child too */
	if (ftruncate(fd, 0) == 0 || ftruncate(tenet_pool_fd(a), (off_t)a->map_len * 2) == 0)
		return 13;
	tenet_pool_destroy(a);
	return 0;
}

static void test_attach_forked_child(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	int status;
	pid_t pid;

	(void)state;
	memset(tenet_pool_buf(p, 5), 0xa5, p->buf_size);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_attach(tenet_pool_fd(p)));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (uint32_t i = 0; i < p->buf_size; i++)
		assert_int_equal(((uint8_t *)tenet_pool_buf(p, 7))[i], 0x5a);
	tenet_pool_destroy(p);
}

static void test_seals_hold(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	struct stat st;
	int fd = tenet_pool_fd(p);
	int seals = fcntl(fd, F_GET_SEALS);

	(void)state;
	assert_true(seals >= 0);
	assert_true(seals & F_SEAL_GROW);
	assert_true(seals & F_SEAL_SHRINK);
	assert_true(seals & F_SEAL_SEAL);
	assert_int_equal(fstat(fd, &st), 0);
	errno = 0;
	assert_int_equal(ftruncate(fd, st.st_size + 4096), -1);
	assert_int_equal(errno, EPERM);
	errno = 0;
	assert_int_equal(ftruncate(fd, st.st_size / 2), -1);
	assert_int_equal(errno, EPERM);
	errno = 0;
	assert_int_equal(ftruncate(fd, 0), -1);
	assert_int_equal(errno, EPERM);
	/* no one can lift or change the seals either */
	errno = 0;
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true((size_t)st.st_size >= p->map_len);
	tenet_pool_destroy(p);
}

/* A memfd holding a copy of a real pool's header, sealed or not. */
static int fake_pool_fd(const struct tenet_pool_hdr *hdr, size_t len, bool seal)
{
	int fd = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	assert_int_equal(pwrite(fd, hdr, sizeof(*hdr), 0), (ssize_t)sizeof(*hdr));
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK), 0);
	return fd;
}

/* A macro, so that a failure names the line of the case that failed. */
#define assert_attach_fails(fd, err)                                                               \
	do {                                                                                       \
		errno = 0;                                                                         \
		assert_null(tenet_pool_attach(fd));                                                \
		assert_int_equal(errno, (err));                                                    \
	} while (0)

static void test_attach_rejects(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	struct tenet_pool_hdr good = *(const struct tenet_pool_hdr *)p->base;
	struct tenet_pool_hdr h;
	size_t len = p->map_len;
	int fd, pipefd[2];

	(void)state;
	/* a good copy is accepted: the cases below differ by one thing each */
	fd = fake_pool_fd(&good, len, true);
	struct tenet_pool *a = tenet_pool_attach(fd);

	assert_non_null(a);
	tenet_pool_destroy(a);
	close(fd);

	/* not a memfd: a pipe, a regular file */
	assert_int_equal(pipe(pipefd), 0);
	assert_attach_fails(pipefd[0], EINVAL);
	close(pipefd[0]);
	close(pipefd[1]);
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	assert_attach_fails(-1, EBADF);

	/* a memfd with the right header that could still shrink under us */
	fd = fake_pool_fd(&good, len, false);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	fd = memfd_create("noseal", MFD_CLOEXEC); /* sealing not even allowed */
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	assert_int_equal(pwrite(fd, &good, sizeof(good), 0), (ssize_t)sizeof(good));
	assert_attach_fails(fd, EINVAL);
	close(fd);

	/* bad magic, bad ABI, too short for a header */
	h = good;
	h.magic ^= 1;
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EPROTO);
	close(fd);
	h = good;
	h.abi = TENET_POOL_ABI + 1;
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EPROTO);
	close(fd);
	fd = fake_pool_fd(&good, sizeof(good), true);
	assert_attach_fails(fd, EPROTO);
	close(fd);

	/* buffers that do not fit in the file, or nonsense sizes */
	h = good;
	h.nb_bufs = NB_BUFS + 1;
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	h = good;
	h.nb_bufs = 0;
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	h = good;
	h.buf_size = 256;
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	h = good;
	h.headroom = h.buf_size;
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	h = good;
	h.data_off = 8; /* overlaps the header */
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	h = good;
	h.data_off = len; /* buffer 0 starts at the end of the file */
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);
	h = good;
	h.data_off = UINT64_MAX - 4095; /* data_off + size wraps around */
	fd = fake_pool_fd(&h, len, true);
	assert_attach_fails(fd, EINVAL);
	close(fd);

	tenet_pool_destroy(p);
}

/*
 * The geometry an NF gets in its welcome maps the pool whatever another NF
 * of the tenant did to the header: overwritten, or a hole punched in its
 * page (and in the buffers). The header-trusting attach refuses the same
 * file, which is why an NF must not use it.
 */
static void test_attach_geom_ignores_header(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	struct tenet_pool_geom g;
	struct tenet_pool *a;

	(void)state;
	tenet_pool_geom(p, &g);
	assert_int_equal(g.nb_bufs, NB_BUFS);
	assert_int_equal(g.buf_size, TENET_BUF_SIZE_DEFAULT);
	assert_int_equal(g.headroom, TENET_HEADROOM);
	assert_int_equal(g.len, p->map_len);
	assert_int_equal(g.data_off, (uint64_t)(p->data - p->base));
	assert_string_equal(g.name, "test");
	memset(tenet_pool_buf(p, 9), 0x3c, p->buf_size);

	memset(p->base, 0xff, g.data_off); /* scribbled */
	errno = 0;
	assert_null(tenet_pool_attach(tenet_pool_fd(p)));
	assert_int_equal(errno, EPROTO);
	a = tenet_pool_attach_geom(tenet_pool_fd(p), &g);
	assert_non_null(a);
	assert_int_equal(a->nb_bufs, NB_BUFS);
	assert_int_equal(a->buf_size, TENET_BUF_SIZE_DEFAULT);
	assert_string_equal(a->name, "test");
	assert_int_equal(((uint8_t *)tenet_pool_buf(a, 9))[100], 0x3c);
	tenet_pool_destroy(a);

	/* a hole over the header and buffer 0: zeros, still the same geometry */
	assert_int_equal(fallocate(tenet_pool_fd(p), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
	                           (off_t)(g.data_off + p->buf_size)),
	                 0);
	assert_int_equal(((uint8_t *)tenet_pool_buf(p, 0))[0], 0);
	a = tenet_pool_attach_geom(tenet_pool_fd(p), &g);
	assert_non_null(a);
	memcpy(tenet_pool_buf(a, 0), "after", 6);
	assert_string_equal((char *)tenet_pool_buf(p, 0), "after");
	tenet_pool_destroy(a);
	tenet_pool_destroy(p);
}

/* Geometry that does not describe the file is refused (EINVAL), never mapped. */
static void test_attach_geom_rejects(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	struct tenet_pool_geom good, g;

	(void)state;
	tenet_pool_geom(p, &good);
#define BAD(field, value)                                                                          \
	do {                                                                                       \
		g = good;                                                                          \
		g.field = (value);                                                                 \
		errno = 0;                                                                         \
		assert_null(tenet_pool_attach_geom(tenet_pool_fd(p), &g));                         \
		assert_int_equal(errno, EINVAL);                                                   \
	} while (0)
	BAD(buf_size, 0);
	BAD(buf_size, 500);
	BAD(buf_size, 2048 + 1);
	BAD(buf_size, 131072);
	BAD(buf_size, 4096); /* the buffers would run past the file */
	BAD(nb_bufs, 0);
	BAD(nb_bufs, NB_BUFS + 1);
	BAD(nb_bufs, 0xffffffffu);
	BAD(headroom, 2048);
	BAD(data_off, 0);
	BAD(data_off, 4096 + 64);
	BAD(data_off, good.len + 4096);
	BAD(len, good.len + 4096); /* more than the file holds */
	BAD(len, 4096);
#undef BAD
	g = good;
	assert_null(tenet_pool_attach_geom(-1, &g));
	assert_int_equal(errno, EBADF);
	tenet_pool_destroy(p);
}

static void test_alloc_bulk_all_or_nothing(void **state)
{
	struct tenet_pool *p = new_pool(16);
	uint32_t bufs[16], more[16];

	(void)state;
	assert_int_equal(tenet_pool_alloc_bulk(p, bufs, 0), 0);
	assert_int_equal(tenet_pool_nb_free(p), 16);
	assert_int_equal(tenet_pool_alloc_bulk(p, bufs, 10), 0);
	assert_int_equal(tenet_pool_nb_free(p), 6);
	for (unsigned int i = 0; i < 10; i++)
		assert_int_equal(tenet_pool_owner(p, bufs[i]), TENET_OWNER_MGR);

	/* 7 asked, 6 free: nothing moves, the refusal is counted */
	memset(more, 0xee, sizeof(more));
	assert_int_equal(tenet_pool_alloc_bulk(p, more, 7), -ENOBUFS);
	assert_int_equal(tenet_pool_nb_free(p), 6);
	assert_int_equal(p->stats.alloc_fail, 1);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(more[i], 0xeeeeeeeeu);

	assert_int_equal(tenet_pool_alloc_bulk(p, bufs + 10, 6), 0);
	assert_int_equal(tenet_pool_nb_free(p), 0);
	assert_permutation(bufs, 16, 16);

	/* exhausted */
	assert_int_equal(tenet_pool_alloc_bulk(p, more, 1), -ENOBUFS);
	assert_int_equal(p->stats.alloc_fail, 2);
	assert_int_equal(tenet_pool_alloc_bulk(p, more, 0), 0);
	assert_int_equal(p->stats.alloc_fail, 2);

	assert_int_equal(tenet_pool_free_bulk(p, bufs, 16), 16);
	assert_int_equal(p->stats.double_free, 0);
	assert_int_equal(p->stats.bad_free, 0);
	assert_pool_whole(p);
	tenet_pool_destroy(p);
}

static void test_alloc_burst_partial(void **state)
{
	struct tenet_pool *p = new_pool(16);
	uint32_t bufs[32];

	(void)state;
	assert_int_equal(tenet_pool_alloc_burst(p, bufs, 10), 10);
	assert_int_equal(tenet_pool_alloc_burst(p, bufs + 10, 10), 6);
	assert_int_equal(tenet_pool_nb_free(p), 0);
	assert_int_equal(tenet_pool_alloc_burst(p, bufs + 16, 10), 0);
	assert_int_equal(tenet_pool_alloc_burst(p, bufs + 16, 0), 0);
	assert_permutation(bufs, 16, 16);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(tenet_pool_owner(p, bufs[i]), TENET_OWNER_MGR);
	assert_int_equal(tenet_pool_free_bulk(p, bufs, 16), 16);
	assert_pool_whole(p);
	tenet_pool_destroy(p);
}

static void test_bad_frees(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	uint32_t bufs[4], never;
	uint32_t junk[8];

	(void)state;
	assert_int_equal(tenet_pool_alloc_bulk(p, bufs, 4), 0);
	assert_int_equal(tenet_pool_nb_free(p), NB_BUFS - 4);

	/* a, a, b, three out-of-range indices, c: three real frees */
	junk[0] = bufs[0];
	junk[1] = bufs[0];
	junk[2] = bufs[1];
	junk[3] = NB_BUFS;
	junk[4] = 1000000;
	junk[5] = UINT32_MAX;
	junk[6] = bufs[2];
	assert_int_equal(tenet_pool_free_bulk(p, junk, 7), 3);
	assert_int_equal(p->stats.double_free, 1);
	assert_int_equal(p->stats.bad_free, 3);
	assert_int_equal(tenet_pool_nb_free(p), NB_BUFS - 1);

	/* freeing again, and freeing a buffer that was never allocated */
	assert_int_equal(tenet_pool_free_bulk(p, bufs, 3), 0);
	assert_int_equal(p->stats.double_free, 4);
	for (never = 0; never < NB_BUFS; never++)
		if (never != bufs[0] && never != bufs[1] && never != bufs[2] && never != bufs[3])
			break;
	assert_int_equal(tenet_pool_owner(p, never), TENET_OWNER_FREE);
	assert_int_equal(tenet_pool_free_bulk(p, &never, 1), 0);
	assert_int_equal(p->stats.double_free, 5);
	assert_int_equal(tenet_pool_nb_free(p), NB_BUFS - 1);

	assert_int_equal(tenet_pool_free_bulk(p, &bufs[3], 1), 1);
	assert_int_equal(p->stats.alloc_fail, 0);
	/* the free list is intact: every index exactly once */
	assert_pool_whole(p);
	tenet_pool_destroy(p);
}

static void test_ownership_reclaim(void **state)
{
	struct tenet_pool *p = new_pool(NB_BUFS);
	uint32_t bufs[12];

	(void)state;
	assert_int_equal(tenet_pool_alloc_bulk(p, bufs, 12), 0);
	for (unsigned int i = 0; i < 3; i++)
		tenet_pool_set_owner(p, bufs[i], 5);
	for (unsigned int i = 3; i < 7; i++)
		tenet_pool_set_owner(p, bufs[i], TENET_OWNER_MAX_NF);
	/* bufs[7..11] stay with the manager */

	assert_int_equal(tenet_pool_reclaim(p, 6), 0); /* holds nothing */
	assert_int_equal(tenet_pool_reclaim(p, TENET_OWNER_FREE), 0);
	assert_int_equal(tenet_pool_nb_free(p), NB_BUFS - 12);

	assert_int_equal(tenet_pool_reclaim(p, 5), 3);
	assert_int_equal(tenet_pool_nb_free(p), NB_BUFS - 9);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(tenet_pool_owner(p, bufs[i]), TENET_OWNER_FREE);
	for (unsigned int i = 3; i < 7; i++)
		assert_int_equal(tenet_pool_owner(p, bufs[i]), TENET_OWNER_MAX_NF);
	assert_int_equal(tenet_pool_reclaim(p, 5), 0); /* nothing twice */

	assert_int_equal(tenet_pool_reclaim(p, TENET_OWNER_MAX_NF), 4);
	for (unsigned int i = 7; i < 12; i++)
		assert_int_equal(tenet_pool_owner(p, bufs[i]), TENET_OWNER_MGR);
	/* a reclaimed buffer freed again by a confused caller is a double free */
	assert_int_equal(tenet_pool_free_bulk(p, bufs, 1), 0);
	assert_int_equal(p->stats.double_free, 1);
	assert_int_equal(tenet_pool_free_bulk(p, bufs + 7, 5), 5);
	assert_pool_whole(p);
	tenet_pool_destroy(p);
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Random alloc/free/reclaim against a model: the counts and owners never drift. */
static void test_random_against_model(void **state)
{
	enum { N = 256 };
	struct tenet_pool *p = new_pool(N);
	uint16_t model[N];
	uint32_t seed = 12345, nfree = N, bufs[48];
	uint64_t dbl = 0, bad = 0, fail = 0;

	(void)state;
	for (unsigned int i = 0; i < N; i++)
		model[i] = TENET_OWNER_FREE;
	for (unsigned int it = 0; it < 20000; it++) {
		unsigned int n = xorshift(&seed) % 48;
		unsigned int op = xorshift(&seed) % 4;

		if (op == 0) {
			int rc = tenet_pool_alloc_bulk(p, bufs, n);

			if (n > nfree) {
				assert_int_equal(rc, -ENOBUFS);
				fail++;
				continue;
			}
			assert_int_equal(rc, 0);
		} else if (op == 1) {
			unsigned int got = tenet_pool_alloc_burst(p, bufs, n);

			assert_int_equal(got, n < nfree ? n : nfree);
			n = got;
		} else if (op == 2) {
			/* free a random mix of held, free and out-of-range indices */
			unsigned int expect = 0;

			for (unsigned int i = 0; i < n; i++) {
				bufs[i] = xorshift(&seed) % (N + 8);
				if (bufs[i] >= N) {
					bad++;
				} else if (model[bufs[i]] == TENET_OWNER_FREE) {
					dbl++;
				} else {
					model[bufs[i]] = TENET_OWNER_FREE;
					expect++;
				}
			}
			assert_int_equal(tenet_pool_free_bulk(p, bufs, n), expect);
			nfree += expect;
			assert_int_equal(tenet_pool_nb_free(p), nfree);
			continue;
		} else {
			uint16_t nf = 1 + xorshift(&seed) % 3;
			unsigned int expect = 0;

			for (unsigned int b = 0; b < N; b++) {
				if (model[b] == nf) {
					model[b] = TENET_OWNER_FREE;
					expect++;
				}
			}
			assert_int_equal(tenet_pool_reclaim(p, nf), expect);
			nfree += expect;
			assert_int_equal(tenet_pool_nb_free(p), nfree);
			continue;
		}
		/* freshly allocated: each must have been free, none twice */
		for (unsigned int i = 0; i < n; i++) {
			uint16_t nf = xorshift(&seed) % 4; /* 0 = manager, 1..3 NFs */

			assert_true(bufs[i] < N);
			assert_int_equal(model[bufs[i]], TENET_OWNER_FREE);
			assert_int_equal(tenet_pool_owner(p, bufs[i]), TENET_OWNER_MGR);
			model[bufs[i]] = nf;
			tenet_pool_set_owner(p, bufs[i], nf);
		}
		nfree -= n;
		assert_int_equal(tenet_pool_nb_free(p), nfree);
	}
	assert_int_equal(p->stats.double_free, dbl);
	assert_int_equal(p->stats.bad_free, bad);
	assert_int_equal(p->stats.alloc_fail, fail);
	for (unsigned int b = 0; b < N; b++)
		assert_int_equal(tenet_pool_owner(p, b), model[b]);
	for (uint16_t nf = 0; nf <= 3; nf++)
		tenet_pool_reclaim(p, nf);
	assert_pool_whole(p);
	tenet_pool_destroy(p);
}

static int silence(void **state)
{
	(void)state;
	tenet_set_log(NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_defaults),
	        cmocka_unit_test(test_create_invalid),
	        cmocka_unit_test(test_destroy_null),
	        cmocka_unit_test(test_attach_in_process),
	        cmocka_unit_test(test_attach_forked_child),
	        cmocka_unit_test(test_seals_hold),
	        cmocka_unit_test(test_attach_rejects),
	        cmocka_unit_test(test_attach_geom_ignores_header),
	        cmocka_unit_test(test_attach_geom_rejects),
	        cmocka_unit_test(test_alloc_bulk_all_or_nothing),
	        cmocka_unit_test(test_alloc_burst_partial),
	        cmocka_unit_test(test_bad_frees),
	        cmocka_unit_test(test_ownership_reclaim),
	        cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests_name("pool", tests, silence, NULL);
}
