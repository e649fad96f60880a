// SPDX-License-Identifier: GPL-2.0
/*
 * Shared virtual addressing, through the mock SVA device of IOMMU_TEST_CMD.
 *
 * SVA_DEV_CREATE makes a mock device, as a file descriptor, that can use
 * PASIDs [1, max_pasid]. SVA_BIND binds the calling process's mm to it and
 * returns a handle number (per device) and the mm's PASID; SVA_DMA then
 * reads or writes any process's memory by (PASID, virtual address) the way
 * a device with an address translation cache would: one cached translation
 * per PASID, holding a page reference, dropped only by the invalidations
 * the SVA layer passes on. So a lost invalidation shows up here as DMA
 * that still reaches a page the process no longer has at that address.
 *
 * What is checked:
 *   - bad input of every op, with its exact errno;
 *   - PASIDs: one per mm, shared by every device bound to it, taken
 *     lowest-first from one global range and freed only when the last
 *     bond of the mm is gone (SVA_FLUSH waits for that); a device's range
 *     limits what it can bind (ENOSPC, EOVERFLOW);
 *   - DMA both ways on every bound device, and EIO once unbound;
 *   - invalidations from munmap, MAP_FIXED, MADV_DONTNEED, mprotect,
 *     mremap, truncation, copy-on-write (zero page and fork) reach every
 *     device bound to the mm;
 *   - fork: the child is not bound, and COW keeps parent and child apart
 *     even for a device that cached a writable translation;
 *   - process exit (mmu_notifier release(), also run again by
 *     SVA_RELEASE) stops DMA at once while the bonds stay until unbound,
 *     directly, from a work item or from an RCU callback;
 *   - closing a device fd unbinds what is left, also for a live child, and
 *     from a child's exit;
 *   - a bounded race of all of the above (IOMMUFD_STRESS_ROUNDS, default
 *     4000 rounds): every error must be one that the race makes legitimate;
 *   - binding real PCI devices through the 6.1 IOMMU core, which x86
 *     refuses: each device's errno is printed and must be a clean one.
 *
 * PASIDs are global, and a PASID being free can only be seen from another
 * mm (the same mm binding again may just find its own PASID still there),
 * so the checks that a PASID was freed bind from a forked child. Children
 * are driven over a socket (struct kid) so that the parent can order their
 * steps against its own; they share the parent's /dev/iommu and device fds.
 */
#include "iommufd_utils.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))

/* PASID range of the ordinary mock devices: 20 bits, as on PCIe */
#define BIG_MAX_PASID ((1U << 20) - 1)

/* The fixtures' buffer: room for the longest DMA at an odd offset */
#define BUF_LEN ((size_t)MOCK_SVA_DMA_MAX + 4 * PAGE_SZ)

/* Bytes most DMAs here move: more than a page, to cross a boundary */
#define DMA_LEN(page) ((page) + 100)

/* === Data patterns === */

/* Byte @i of pattern @seed; seeds 1..255 differ at every byte */
static unsigned char pat(unsigned int seed, size_t i)
{
	return (seed * 37 + i * 13 + (i >> 9)) & 0xff;
}

/* @p[i] = byte @base + i of pattern @seed */
static void fill_at(void *p, size_t len, unsigned int seed, size_t base)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		c[i] = pat(seed, base + i);
}

static void fill(void *p, size_t len, unsigned int seed)
{
	fill_at(p, len, seed, 0);
}

/* The first byte of @p that is not byte @base + i of @seed, or @len */
static size_t mismatch_at(const void *p, size_t len, unsigned int seed,
			  size_t base)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		if (c[i] != pat(seed, base + i))
			break;
	return i;
}

static bool all_bytes(const void *p, size_t len, unsigned char v)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		if (c[i] != v)
			return false;
	return true;
}

#define EXPECT_PATTERN_AT(p, len, seed, base)				\
	do {								\
		size_t __len = (len);					\
		size_t __at = mismatch_at(p, __len, seed, base);	\
									\
		EXPECT_EQ(__len, __at) {				\
			TH_LOG("byte %zu of %s is %#x, pattern %u wants %#x", \
			       __at, #p, ((unsigned char *)(p))[__at],	\
			       seed, pat(seed, (base) + __at));		\
		}							\
	} while (0)

#define EXPECT_PATTERN(p, len, seed) EXPECT_PATTERN_AT(p, len, seed, 0)

/* === The test environment === */

struct sva_env {
	const char *skip;	/* why the tests cannot run, or NULL */
	int fd;			/* /dev/iommu */
	int dev[2];		/* two mock SVA devices, PASIDs up to BIG */
	char *buf;		/* BUF_LEN of private anonymous memory */
	size_t page;
	void *dma;		/* BUF_LEN scratch for DMA results */
};

static void env_setup(struct __test_metadata *_metadata, struct sva_env *e)
{
	int ret;

	e->dev[0] = e->dev[1] = -1;
	e->page = PAGE_SZ;
	e->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, e->fd);
	ret = sva_dev_create(e->fd, BIG_MAX_PASID, &e->dev[0]);
	if (ret == -ENOTTY) {
		e->skip = "no IOMMU_TEST_CMD in the module";
		return;
	}
	if (ret == -EOPNOTSUPP) {
		e->skip = "no SVA ops in IOMMU_TEST_CMD";
		return;
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &e->dev[1]));
	e->buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e->buf);
	fill(e->buf, BUF_LEN, 1);
	e->dma = malloc(BUF_LEN);
	ASSERT_NE(NULL, e->dma);
}

static void env_teardown(struct sva_env *e)
{
	/* Closing a device unbinds what is left and waits for it */
	if (e->dev[0] >= 0)
		close(e->dev[0]);
	if (e->dev[1] >= 0)
		close(e->dev[1]);
	if (e->buf && e->buf != MAP_FAILED)
		munmap(e->buf, BUF_LEN);
	free(e->dma);
	if (e->fd >= 0)
		close(e->fd);
}

FIXTURE(sva) {
	struct sva_env e;
};

FIXTURE_SETUP(sva)
{
	env_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(sva)
{
	env_teardown(&self->e);
}

/* The same, once per way of unbinding */
FIXTURE(sva_mode) {
	struct sva_env e;
};

FIXTURE_VARIANT(sva_mode) {
	__u32 mode;
};

FIXTURE_VARIANT_ADD(sva_mode, direct) {
	.mode = MOCK_SVA_UNBIND_DIRECT,
};

FIXTURE_VARIANT_ADD(sva_mode, work) {
	.mode = MOCK_SVA_UNBIND_WORK,
};

FIXTURE_VARIANT_ADD(sva_mode, rcu) {
	.mode = MOCK_SVA_UNBIND_RCU,
};

FIXTURE_SETUP(sva_mode)
{
	env_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(sva_mode)
{
	env_teardown(&self->e);
}

/* Start of every test: @e is the environment, or the test is skipped */
#define SVA_ENV(e)							\
	struct sva_env *e = &self->e;					\
	do {								\
		if (e->skip)						\
			SKIP(return, "%s", e->skip);			\
	} while (0)

/* DMA read of @len bytes at @va into @out */
static int dma_read(struct sva_env *e, int dev, __u32 pasid, const void *va,
		    void *out, size_t len)
{
	return sva_dma(e->fd, dev, pasid, 0, (uintptr_t)va, out, len);
}

/* DMA write of @len bytes of @in to @va */
static int dma_write(struct sva_env *e, int dev, __u32 pasid, void *va,
		     const void *in, size_t len)
{
	return sva_dma(e->fd, dev, pasid, MOCK_SVA_DMA_WRITE, (uintptr_t)va,
		       (void *)in, len);
}

/* A DMA read of [va, va + len) must succeed and find pattern @seed */
#define EXPECT_DMA_SEES(e, dev, pasid, va, len, seed)			\
	do {								\
		memset((e)->dma, 0xee, len);				\
		EXPECT_EQ(0, dma_read(e, dev, pasid, va, (e)->dma, len)); \
		EXPECT_PATTERN((e)->dma, len, seed);			\
	} while (0)

/* A DMA write of pattern @seed to [va, va + len) must succeed */
#define EXPECT_DMA_WRITES(e, dev, pasid, va, len, seed)		\
	do {								\
		fill((e)->dma, len, seed);				\
		EXPECT_EQ(0, dma_write(e, dev, pasid, va, (e)->dma, len)); \
	} while (0)

/* Both directions must fail with EIO */
#define EXPECT_DMA_FAILS(e, dev, pasid, va, len)			\
	do {								\
		EXPECT_EQ(-EIO, dma_read(e, dev, pasid, va, (e)->dma, len)); \
		fill((e)->dma, len, 99);				\
		EXPECT_EQ(-EIO, dma_write(e, dev, pasid, va, (e)->dma, len)); \
	} while (0)

/* === Child processes === */

/*
 * A forked child that runs the requests of its parent, one at a time, so
 * that the parent can interleave the child's binds, unbinds, writes and
 * exit with its own steps. It ends on KID_EXIT or when the parent goes.
 */
enum kid_op {
	KID_BIND = 1,	/* SVA_BIND to @dev; ret, handle, pasid */
	KID_UNBIND,	/* SVA_UNBIND of @handle of @dev with @mode */
	KID_FILL,	/* fill [va, va + len) with pattern @seed */
	KID_CHECK,	/* ret 0 if [va, va + len) holds pattern @seed */
	KID_CLOSE,	/* close @dev */
	KID_EXIT,	/* _exit(0), no answer */
};

struct kid_req {
	__u32 op;
	__s32 dev;
	__u32 handle;
	__u32 mode;
	__u64 va;
	__u64 len;
	__u32 seed;
};

struct kid_rep {
	__s32 ret;
	__u32 handle;
	__u32 pasid;
};

struct kid {
	pid_t pid;
	int sock;
};

static void __attribute__((noreturn)) kid_main(int fd, int sock)
{
	struct kid_req req;
	struct kid_rep rep;
	ssize_t n;

	for (;;) {
		n = recv(sock, &req, sizeof(req), 0);
		if (n != sizeof(req))
			_exit(n ? 1 : 0);
		memset(&rep, 0, sizeof(rep));
		switch (req.op) {
		case KID_BIND:
			rep.ret = sva_bind(fd, req.dev, &rep.handle,
					   &rep.pasid);
			break;
		case KID_UNBIND:
			rep.ret = sva_unbind(fd, req.dev, req.handle,
					     req.mode);
			break;
		case KID_FILL:
			fill((void *)(uintptr_t)req.va, req.len, req.seed);
			break;
		case KID_CHECK:
			if (mismatch_at((void *)(uintptr_t)req.va, req.len,
					req.seed, 0) != req.len)
				rep.ret = -EILSEQ;
			break;
		case KID_CLOSE:
			rep.ret = close(req.dev) ? -errno : 0;
			break;
		case KID_EXIT:
			_exit(0);
		default:
			rep.ret = -EINVAL;
		}
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != sizeof(rep))
			_exit(1);
	}
}

static void kid_start(struct __test_metadata *_metadata, struct sva_env *e,
		      struct kid *k)
{
	pid_t parent = getpid();
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				sv));
	k->pid = fork();
	ASSERT_LE(0, k->pid);
	if (!k->pid) {
		/* Do not outlive a parent that failed an assertion */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		close(sv[0]);
		kid_main(e->fd, sv[1]);
	}
	close(sv[1]);
	k->sock = sv[0];
}

static struct kid_rep kid_call(struct __test_metadata *_metadata,
			       struct kid *k, struct kid_req req)
{
	struct kid_rep rep = { .ret = -EPIPE };

	EXPECT_EQ((ssize_t)sizeof(req),
		  send(k->sock, &req, sizeof(req), MSG_NOSIGNAL));
	EXPECT_EQ((ssize_t)sizeof(rep), recv(k->sock, &rep, sizeof(rep), 0));
	return rep;
}

static int kid_bind(struct __test_metadata *_metadata, struct kid *k,
		    int dev, __u32 *handle, __u32 *pasid)
{
	struct kid_rep rep = kid_call(_metadata, k, (struct kid_req){
		.op = KID_BIND,
		.dev = dev,
	});

	if (!rep.ret) {
		if (handle)
			*handle = rep.handle;
		if (pasid)
			*pasid = rep.pasid;
	}
	return rep.ret;
}

static int kid_unbind(struct __test_metadata *_metadata, struct kid *k,
		      int dev, __u32 handle, __u32 mode)
{
	return kid_call(_metadata, k, (struct kid_req){
		.op = KID_UNBIND,
		.dev = dev,
		.handle = handle,
		.mode = mode,
	}).ret;
}

static int kid_fill(struct __test_metadata *_metadata, struct kid *k,
		    const void *va, size_t len, unsigned int seed)
{
	return kid_call(_metadata, k, (struct kid_req){
		.op = KID_FILL,
		.va = (uintptr_t)va,
		.len = len,
		.seed = seed,
	}).ret;
}

static int kid_check(struct __test_metadata *_metadata, struct kid *k,
		     const void *va, size_t len, unsigned int seed)
{
	return kid_call(_metadata, k, (struct kid_req){
		.op = KID_CHECK,
		.va = (uintptr_t)va,
		.len = len,
		.seed = seed,
	}).ret;
}

static int kid_close(struct __test_metadata *_metadata, struct kid *k,
		     int dev)
{
	return kid_call(_metadata, k, (struct kid_req){
		.op = KID_CLOSE,
		.dev = dev,
	}).ret;
}

/*
 * Make the child exit and reap it. When this returns the child's mm is
 * torn down (exit_mm() comes before the exit status), so release() has
 * run, and so have its files' releases.
 */
static void kid_exit(struct __test_metadata *_metadata, struct kid *k)
{
	struct kid_req req = { .op = KID_EXIT };
	int status;

	EXPECT_EQ((ssize_t)sizeof(req),
		  send(k->sock, &req, sizeof(req), MSG_NOSIGNAL));
	close(k->sock);
	ASSERT_EQ(k->pid, waitpid(k->pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("child status %#x", status);
	}
	k->pid = 0;
}

/*
 * The PASID the next bind of an mm without one gets: the lowest free one.
 * A child binds @dev, unbinds, exits, and the PASID is then freed.
 */
static __u32 probe_pasid(struct __test_metadata *_metadata,
			 struct sva_env *e, int dev)
{
	__u32 handle = 0, pasid = 0;
	struct kid k;

	kid_start(_metadata, e, &k);
	EXPECT_EQ(0, kid_bind(_metadata, &k, dev, &handle, &pasid));
	EXPECT_EQ(0, kid_unbind(_metadata, &k, dev, handle,
				MOCK_SVA_UNBIND_DIRECT));
	kid_exit(_metadata, &k);
	EXPECT_EQ(0, sva_flush(e->fd));
	return pasid;
}

/* === Bad input === */

/* Unknown handles, unknown unbind modes */
TEST_F(sva, bad_input_unbind)
{
	SVA_ENV(e);
	__u32 mode, handle, pasid;

	for (mode = MOCK_SVA_UNBIND_DIRECT; mode <= MOCK_SVA_UNBIND_RCU;
	     mode++) {
		EXPECT_EQ(-ENOENT, sva_unbind(e->fd, e->dev[0], 0, mode));
		EXPECT_EQ(-ENOENT, sva_unbind(e->fd, e->dev[0], 12345, mode));
		EXPECT_EQ(-ENOENT,
			  sva_unbind(e->fd, e->dev[0], UINT32_MAX, mode));
	}
	EXPECT_EQ(-EOPNOTSUPP, sva_unbind(e->fd, e->dev[0], 0,
					  MOCK_SVA_UNBIND_RCU + 1));
	EXPECT_EQ(-ENOENT, sva_release(e->fd, e->dev[0], 0));
	EXPECT_EQ(-ENOENT, sva_release(e->fd, e->dev[0], UINT32_MAX));

	/* A bad mode leaves a good handle alone */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &handle, &pasid));
	EXPECT_EQ(-EOPNOTSUPP, sva_unbind(e->fd, e->dev[0], handle,
					  MOCK_SVA_UNBIND_RCU + 1));
	EXPECT_EQ(-EOPNOTSUPP,
		  sva_unbind(e->fd, e->dev[0], handle, UINT32_MAX));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);

	/* Handles belong to their device */
	EXPECT_EQ(-ENOENT, sva_unbind(e->fd, e->dev[1], handle,
				      MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(-ENOENT, sva_release(e->fd, e->dev[1], handle));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);

	/* Each handle unbinds once */
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], handle,
				MOCK_SVA_UNBIND_DIRECT));
	for (mode = MOCK_SVA_UNBIND_DIRECT; mode <= MOCK_SVA_UNBIND_RCU;
	     mode++)
		EXPECT_EQ(-ENOENT,
			  sva_unbind(e->fd, e->dev[0], handle, mode));
	EXPECT_EQ(-ENOENT, sva_release(e->fd, e->dev[0], handle));
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, e->buf, 64);
}

/* SVA_DMA: flags, lengths, PASIDs, addresses and user buffers */
TEST_F(sva, bad_input_dma)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid, handle;
	char *area;
	char out[64];

	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &handle, &pasid));
	EXPECT_EQ(0, dma_read(e, e->dev[0], pasid, e->buf, out, sizeof(out)));
	EXPECT_PATTERN(out, sizeof(out), 1);

	/* Flags */
	EXPECT_EQ(-EOPNOTSUPP, sva_dma(e->fd, e->dev[0], pasid, 1U << 1,
				       (uintptr_t)e->buf, out, sizeof(out)));
	EXPECT_EQ(-EOPNOTSUPP, sva_dma(e->fd, e->dev[0], pasid,
				       MOCK_SVA_DMA_WRITE | 1U << 31,
				       (uintptr_t)e->buf, out, sizeof(out)));
	EXPECT_EQ(-EOPNOTSUPP, sva_dma(e->fd, e->dev[0], pasid, UINT32_MAX,
				       (uintptr_t)e->buf, out, sizeof(out)));

	/* Lengths: 1 to MOCK_SVA_DMA_MAX */
	EXPECT_EQ(-EINVAL, dma_read(e, e->dev[0], pasid, e->buf, out, 0));
	EXPECT_EQ(-EINVAL, dma_write(e, e->dev[0], pasid, e->buf, out, 0));
	EXPECT_EQ(-EINVAL, dma_read(e, e->dev[0], pasid, e->buf, e->dma,
				    MOCK_SVA_DMA_MAX + 1));
	EXPECT_EQ(-EINVAL, sva_dma(e->fd, e->dev[0], pasid, 0,
				   (uintptr_t)e->buf, e->dma,
				   (1ULL << 32) + 1));
	EXPECT_EQ(-EINVAL, sva_dma(e->fd, e->dev[0], pasid, 0,
				   (uintptr_t)e->buf, e->dma, UINT64_MAX));
	/* An address range that wraps */
	EXPECT_EQ(-EINVAL, sva_dma(e->fd, e->dev[0], pasid, 0,
				   UINT64_MAX - 10, out, sizeof(out)));
	EXPECT_EQ(0, dma_read(e, e->dev[0], pasid, e->buf, out, 1));
	EXPECT_EQ(pat(1, 0), (unsigned char)out[0]);

	/* PASIDs nobody or someone else is bound with */
	EXPECT_EQ(-EIO, dma_read(e, e->dev[0], 0, e->buf, out, sizeof(out)));
	EXPECT_EQ(-EIO, dma_read(e, e->dev[0], pasid + 1, e->buf, out,
				 sizeof(out)));
	EXPECT_EQ(-EIO, dma_read(e, e->dev[0], BIG_MAX_PASID, e->buf, out,
				 sizeof(out)));
	EXPECT_EQ(-EIO, dma_read(e, e->dev[0], UINT32_MAX, e->buf, out,
				 sizeof(out)));
	/* The mm's PASID, on a device not bound to it */
	EXPECT_DMA_FAILS(e, e->dev[1], pasid, e->buf, 64);

	/* Addresses the bound mm does not map, or not like that */
	area = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	fill(area, 3 * page, 2);
	ASSERT_EQ(0, munmap(area + page, page));
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, area + page, 64);
	/*
	 * Partly mapped: the end is in the hole. Like a device's, the DMA
	 * faults where the hole starts; what came before may have been
	 * written.
	 */
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, area + page - 32, 64);
	/* Partly mapped: the start is in the hole; nothing after it moves */
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, area + 2 * page - 32, 64);
	EXPECT_PATTERN_AT(area + 2 * page, 32, 2, 2 * page);
	ASSERT_EQ(0, mprotect(area, page, PROT_NONE));
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, area, 64);
	ASSERT_EQ(0, mprotect(area + 2 * page, page, PROT_READ));
	EXPECT_EQ(0, dma_read(e, e->dev[0], pasid, area + 2 * page, e->dma,
			      64));
	EXPECT_PATTERN_AT(e->dma, 64, 2, 2 * page);
	fill(e->dma, 64, 3);
	EXPECT_EQ(-EIO, dma_write(e, e->dev[0], pasid, area + 2 * page,
				  e->dma, 64));
	EXPECT_PATTERN_AT(area + 2 * page, page, 2, 2 * page);
	ASSERT_EQ(0, munmap(area, 3 * page));
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, NULL, 64);
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, (void *)(uintptr_t)0xffff888000000000ULL,
			 64);

	/* The caller's buffer: unreadable for a write, unwritable for a read */
	EXPECT_EQ(-EFAULT, sva_dma(e->fd, e->dev[0], pasid, MOCK_SVA_DMA_WRITE,
				   (uintptr_t)e->buf, NULL, 64));
	EXPECT_EQ(-EFAULT, sva_dma(e->fd, e->dev[0], pasid, 0,
				   (uintptr_t)e->buf, NULL, 64));
	area = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	EXPECT_EQ(-EFAULT, dma_read(e, e->dev[0], pasid, e->buf, area, 64));
	ASSERT_EQ(0, munmap(area, page));
	/* None of that wrote anything */
	EXPECT_PATTERN(e->buf, BUF_LEN, 1);

	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], handle,
				MOCK_SVA_UNBIND_DIRECT));
}

/* Per-device ops on what is not a device, or not a file */
TEST_F(sva, bad_input_fd)
{
	SVA_ENV(e);
	struct iommu_test_cmd unknown_op = {
		.op = IOMMU_TEST_OP_SVA_CORE_BIND + 1,
	};
	int null_fd, fd2, ids[2], i;
	__u32 handle, pasid, handle2, pasid2;
	char out[64];

	null_fd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null_fd);
	ids[0] = e->fd;
	ids[1] = null_fd;
	for (i = 0; i != 2; i++) {
		EXPECT_EQ(-EBADFD, sva_bind(e->fd, ids[i], NULL, NULL));
		EXPECT_EQ(-EBADFD, sva_unbind(e->fd, ids[i], 0,
					      MOCK_SVA_UNBIND_DIRECT));
		EXPECT_EQ(-EBADFD, sva_unbind(e->fd, ids[i], 0, UINT32_MAX));
		EXPECT_EQ(-EBADFD, dma_read(e, ids[i], 1, e->buf, out, 64));
		EXPECT_EQ(-EBADFD, sva_release(e->fd, ids[i], 0));
	}
	ASSERT_EQ(0, close(null_fd));
	/* A closed fd, a huge one, and -1 */
	ids[0] = null_fd;
	ids[1] = -1;
	for (i = 0; i != 2; i++) {
		EXPECT_EQ(-EBADF, sva_bind(e->fd, ids[i], NULL, NULL));
		EXPECT_EQ(-EBADF, sva_unbind(e->fd, ids[i], 0,
					     MOCK_SVA_UNBIND_DIRECT));
		EXPECT_EQ(-EBADF, dma_read(e, ids[i], 1, e->buf, out, 64));
		EXPECT_EQ(-EBADF, sva_release(e->fd, ids[i], 0));
	}
	EXPECT_EQ(-EBADF, sva_bind(e->fd, 1 << 20, NULL, NULL));

	/* An op number past the SVA ones */
	EXPECT_EQ(-EOPNOTSUPP, test_cmd(e->fd, &unknown_op));

	/* The device is close-on-exec, and any /dev/iommu reaches it */
	EXPECT_EQ(FD_CLOEXEC, fcntl(e->dev[0], F_GETFD) & FD_CLOEXEC);
	fd2 = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &handle, &pasid));
	ASSERT_EQ(0, sva_bind(fd2, e->dev[0], &handle2, &pasid2));
	EXPECT_NE(handle, handle2);
	EXPECT_EQ(pasid, pasid2);
	EXPECT_EQ(0, sva_unbind(fd2, e->dev[0], handle, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], handle2,
				MOCK_SVA_UNBIND_DIRECT));
	ASSERT_EQ(0, close(fd2));
}

/*
 * A device without PASIDs cannot bind, and a failed bind leaves no PASID
 * behind.
 */
TEST_F(sva, no_pasid_device)
{
	SVA_ENV(e);
	__u32 lowest, pasid, handle;
	int zero;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, 0, &zero));
	EXPECT_EQ(-EOPNOTSUPP, sva_bind(e->fd, zero, NULL, NULL));
	EXPECT_EQ(-EOPNOTSUPP, sva_bind(e->fd, zero, NULL, NULL));
	EXPECT_EQ(-ENOENT, sva_unbind(e->fd, zero, 0, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(-EIO, dma_read(e, zero, lowest, e->buf, e->dma, 64));
	EXPECT_EQ(-EIO, dma_read(e, zero, 0, e->buf, e->dma, 64));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(lowest, probe_pasid(_metadata, e, e->dev[0]));

	/* This mm can bind other devices as if nothing happened */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &handle, &pasid));
	EXPECT_EQ(lowest, pasid);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);
	EXPECT_EQ(0, close(zero));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);
}

/*
 * A device without PASIDs, for an mm that has a PASID already: still "not
 * supported", as the device is no different; EOVERFLOW would tell the
 * caller to try again once the mm's PASID is lower, which cannot help.
 */
TEST_F(sva, no_pasid_device_bound_mm)
{
	SVA_ENV(e);
	__u32 pasid, handle;
	int zero;

	ASSERT_EQ(0, sva_dev_create(e->fd, 0, &zero));
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &handle, &pasid));
	EXPECT_EQ(-EOPNOTSUPP, sva_bind(e->fd, zero, NULL, NULL));
	EXPECT_EQ(-EIO, dma_read(e, zero, pasid, e->buf, e->dma, 64));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);
	EXPECT_EQ(0, close(zero));
}

/* === Binding, unbinding and DMA === */

/* PASID range, rebinding, handles, unbind order */
TEST_F(sva, bind_basic)
{
	SVA_ENV(e);
	size_t len = DMA_LEN(e->page);
	__u32 h0, h1, h2, p0, p1, p2;

	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, &p0));
	EXPECT_LE(1U, p0);
	EXPECT_GE(BIG_MAX_PASID, p0);
	/* The same bond again: a new handle, the same PASID */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h1, &p1));
	EXPECT_NE(h0, h1);
	EXPECT_EQ(p0, p1);

	/* DMA reads what the CPU wrote, the CPU reads what DMA wrote */
	EXPECT_DMA_SEES(e, e->dev[0], p0, e->buf, len, 1);
	EXPECT_DMA_WRITES(e, e->dev[0], p0, e->buf, len, 5);
	EXPECT_PATTERN(e->buf, len, 5);
	EXPECT_PATTERN_AT(e->buf + len, BUF_LEN - len, 1, len);
	fill(e->buf, len, 6);
	EXPECT_DMA_SEES(e, e->dev[0], p0, e->buf, len, 6);

	/* The bond lasts until its last handle goes */
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], h0, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_DMA_SEES(e, e->dev[0], p0, e->buf, len, 6);
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_SEES(e, e->dev[0], p0, e->buf, len, 6);
	/* The freed handle number is reused; the PASID is still the mm's */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h2, &p2));
	EXPECT_EQ(h0, h2);
	EXPECT_EQ(p0, p2);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], h1, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_DMA_SEES(e, e->dev[0], p0, e->buf, len, 6);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], h2, MOCK_SVA_UNBIND_DIRECT));
	/* DMA stops with the last unbind, before its work is done */
	EXPECT_DMA_FAILS(e, e->dev[0], p0, e->buf, len);
	EXPECT_PATTERN(e->buf, len, 6);

	/* Binding again after the teardown: the PASID came back free */
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_FAILS(e, e->dev[0], p0, e->buf, len);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, &p1));
	EXPECT_EQ(p0, p1);
	EXPECT_DMA_SEES(e, e->dev[0], p0, e->buf, len, 6);
}

/* Two devices bound by one process share its PASID, and both work */
TEST_F(sva, bind_two_devices)
{
	SVA_ENV(e);
	size_t len = DMA_LEN(e->page);
	char *a = e->buf, *b = e->buf + 2 * e->page;
	__u32 h0, h1, p0, p1;

	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, &p0));
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[1], &h1, &p1));
	EXPECT_EQ(p0, p1);
	/* Handles are numbered per device */
	EXPECT_EQ(h0, h1);

	fill(a, len, 7);
	EXPECT_DMA_SEES(e, e->dev[0], p0, a, len, 7);
	EXPECT_DMA_SEES(e, e->dev[1], p0, a, len, 7);
	EXPECT_DMA_WRITES(e, e->dev[0], p0, a, len, 8);
	EXPECT_DMA_WRITES(e, e->dev[1], p0, b, len, 9);
	EXPECT_PATTERN(a, len, 8);
	EXPECT_PATTERN(b, len, 9);
	/* Each device sees what the other wrote */
	EXPECT_DMA_SEES(e, e->dev[1], p0, a, len, 8);
	EXPECT_DMA_SEES(e, e->dev[0], p0, b, len, 9);

	/* Unbinding one leaves the other */
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], h0, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_DMA_FAILS(e, e->dev[0], p0, a, len);
	EXPECT_DMA_SEES(e, e->dev[1], p0, a, len, 8);
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_SEES(e, e->dev[1], p0, a, len, 8);
	EXPECT_DMA_WRITES(e, e->dev[1], p0, a, len, 10);
	EXPECT_PATTERN(a, len, 10);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[1], h1, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_DMA_FAILS(e, e->dev[1], p0, a, len);
	EXPECT_PATTERN(a, len, 10);
}

/* The longest DMA, odd offsets and lengths, single bytes */
TEST_F(sva, dma_sizes)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 handle, pasid;
	unsigned char *c = (unsigned char *)e->buf;

	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &handle, &pasid));
	memset(e->dma, 0, BUF_LEN);
	EXPECT_EQ(0, dma_read(e, e->dev[0], pasid, e->buf + 3, e->dma,
			      MOCK_SVA_DMA_MAX));
	EXPECT_PATTERN_AT(e->dma, MOCK_SVA_DMA_MAX, 1, 3);
	EXPECT_EQ(0, dma_read(e, e->dev[0], pasid, e->buf + page - 1, e->dma,
			      1));
	EXPECT_EQ(pat(1, page - 1), ((unsigned char *)e->dma)[0]);
	EXPECT_EQ(0, dma_read(e, e->dev[0], pasid, e->buf + page - 1, e->dma,
			      2));
	EXPECT_PATTERN_AT(e->dma, 2, 1, page - 1);

	/* A write of MOCK_SVA_DMA_MAX touches exactly those bytes */
	fill_at(e->dma, MOCK_SVA_DMA_MAX, 11, page / 2);
	EXPECT_EQ(0, dma_write(e, e->dev[0], pasid, e->buf + page / 2,
			       e->dma, MOCK_SVA_DMA_MAX));
	EXPECT_PATTERN_AT(e->buf, page / 2, 1, 0);
	EXPECT_PATTERN_AT(e->buf + page / 2, MOCK_SVA_DMA_MAX, 11, page / 2);
	EXPECT_PATTERN_AT(e->buf + page / 2 + MOCK_SVA_DMA_MAX,
			  BUF_LEN - page / 2 - MOCK_SVA_DMA_MAX, 1,
			  page / 2 + MOCK_SVA_DMA_MAX);
	/* One byte at the end of a page */
	c[2 * page - 1] = 0x42;
	((unsigned char *)e->dma)[0] = 0x24;
	EXPECT_EQ(0, dma_write(e, e->dev[0], pasid, e->buf + 2 * page - 1,
			       e->dma, 1));
	EXPECT_EQ(0x24, c[2 * page - 1]);
	EXPECT_EQ(pat(11, 2 * page), c[2 * page]);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], handle,
				MOCK_SVA_UNBIND_DIRECT));
}

/* === Invalidations === */

/* One page of fresh anonymous memory, filled with @seed (0: untouched) */
static char *page_alloc(struct __test_metadata *_metadata, size_t page,
			unsigned int seed)
{
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, page, MADV_NOHUGEPAGE);
	if (seed)
		fill(p, page, seed);
	return p;
}

/* Bind both devices; the PASID goes to *pasid */
static void bind_both(struct __test_metadata *_metadata, struct sva_env *e,
		      __u32 *pasid)
{
	__u32 h0, h1, p1;

	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, pasid));
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[1], &h1, &p1));
	ASSERT_EQ(*pasid, p1);
}

/*
 * munmap drops both devices' cached translations; a new page at the same
 * address is what they reach then.
 */
TEST_F(sva, invalidate_munmap)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x, *y;
	int i;

	bind_both(_metadata, e, &pasid);
	x = page_alloc(_metadata, page, 20);
	ASSERT_NE(NULL, x);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 20);
	ASSERT_EQ(0, munmap(x, page));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, x, page);

	y = mmap(x, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(x, y);
	fill(x, page, 21);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 21);
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 22);
	EXPECT_PATTERN(x, page, 22);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, x, page, 22);

	/* Again with writable translations cached */
	ASSERT_EQ(0, munmap(x, page));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, x, page);
	y = mmap(x, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(x, y);
	fill(x, page, 23);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 23);
	ASSERT_EQ(0, munmap(x, page));
}

/* MAP_FIXED over a mapped page replaces it for the devices as well */
TEST_F(sva, invalidate_map_fixed)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x, *y;
	int i;

	bind_both(_metadata, e, &pasid);
	x = page_alloc(_metadata, page, 24);
	ASSERT_NE(NULL, x);
	/* Device 0 caches a writable translation, device 1 a read-only one */
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 25);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, x, page, 25);

	/* A fresh page: zeros until written */
	y = mmap(x, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(x, y);
	for (i = 0; i != 2; i++) {
		memset(e->dma, 0xee, page);
		EXPECT_EQ(0, dma_read(e, e->dev[i], pasid, x, e->dma, page));
		EXPECT_TRUE(all_bytes(e->dma, page, 0));
	}
	/* The CPU's first write replaces the zero page the devices read */
	fill(x, page, 26);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 26);
	EXPECT_DMA_WRITES(e, e->dev[1], pasid, x, page, 27);
	EXPECT_PATTERN(x, page, 27);

	/* And a replacement with other contents at once */
	y = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, y);
	fill(y, page, 28);
	ASSERT_EQ(x, mremap(y, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, x));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 28);
	ASSERT_EQ(0, munmap(x, page));
}

/* A DMA read of an untouched page sees the zero page; CPU writes break it */
TEST_F(sva, invalidate_zero_page)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x;
	int i;

	bind_both(_metadata, e, &pasid);
	x = page_alloc(_metadata, page, 0);
	ASSERT_NE(NULL, x);
	for (i = 0; i != 2; i++) {
		memset(e->dma, 0xee, page);
		EXPECT_EQ(0, dma_read(e, e->dev[i], pasid, x, e->dma, page));
		EXPECT_TRUE(all_bytes(e->dma, page, 0));
	}
	fill(x, page, 30);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 30);
	ASSERT_EQ(0, munmap(x, page));

	/* A DMA write into an untouched page reaches the CPU */
	x = page_alloc(_metadata, page, 0);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(0, dma_read(e, e->dev[1], pasid, x, e->dma, page));
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 31);
	EXPECT_PATTERN(x, page, 31);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, x, page, 31);
	ASSERT_EQ(0, munmap(x, page));
}

/* MADV_DONTNEED drops the page: the devices read zeros afterwards */
TEST_F(sva, invalidate_dontneed)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x;
	int i;

	bind_both(_metadata, e, &pasid);
	x = page_alloc(_metadata, page, 32);
	ASSERT_NE(NULL, x);
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 33);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, x, page, 33);
	ASSERT_EQ(0, madvise(x, page, MADV_DONTNEED));
	for (i = 0; i != 2; i++) {
		memset(e->dma, 0xee, page);
		EXPECT_EQ(0, dma_read(e, e->dev[i], pasid, x, e->dma, page));
		EXPECT_TRUE(all_bytes(e->dma, page, 0));
	}
	EXPECT_TRUE(all_bytes(x, page, 0));
	EXPECT_DMA_WRITES(e, e->dev[1], pasid, x, page, 34);
	EXPECT_PATTERN(x, page, 34);
	ASSERT_EQ(0, munmap(x, page));
}

/* mprotect takes write access away from cached writable translations */
TEST_F(sva, invalidate_mprotect)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x;
	int i;

	bind_both(_metadata, e, &pasid);
	x = page_alloc(_metadata, page, 35);
	ASSERT_NE(NULL, x);
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 36);
	EXPECT_DMA_WRITES(e, e->dev[1], pasid, x, page, 36);
	EXPECT_PATTERN(x, page, 36);

	ASSERT_EQ(0, mprotect(x, page, PROT_READ));
	for (i = 0; i != 2; i++) {
		fill(e->dma, page, 37);
		EXPECT_EQ(-EIO, dma_write(e, e->dev[i], pasid, x, e->dma,
					  page));
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 36);
	}
	EXPECT_PATTERN(x, page, 36);

	ASSERT_EQ(0, mprotect(x, page, PROT_NONE));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, x, page);

	ASSERT_EQ(0, mprotect(x, page, PROT_READ | PROT_WRITE));
	EXPECT_DMA_WRITES(e, e->dev[1], pasid, x, page, 38);
	EXPECT_PATTERN(x, page, 38);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, x, page, 38);
	ASSERT_EQ(0, munmap(x, page));
}

/* mremap moves the page: the old address fails, the new one works */
TEST_F(sva, invalidate_mremap)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x, *z;
	int i;

	bind_both(_metadata, e, &pasid);
	x = page_alloc(_metadata, page, 39);
	ASSERT_NE(NULL, x);
	/* Somewhere to move it to */
	z = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, z);
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 40);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, x, page, 40);
	ASSERT_EQ(z, mremap(x, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, z));
	for (i = 0; i != 2; i++) {
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, x, page);
		EXPECT_DMA_SEES(e, e->dev[i], pasid, z, page, 40);
	}
	ASSERT_EQ(0, munmap(z, page));
}

/*
 * A shared file mapping: DMA reaches the page cache, and truncating the
 * file takes the page away from the devices as it does from the process.
 */
TEST_F(sva, invalidate_truncate)
{
	SVA_ENV(e);
	size_t page = e->page;
	__u32 pasid;
	char *x, *y;
	int mfd, i;

	bind_both(_metadata, e, &pasid);
	mfd = memfd_create("iommufd_sva", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	fill(e->dma, page, 41);
	ASSERT_EQ((ssize_t)page, pwrite(mfd, e->dma, page, 0));

	/* Over an anonymous page the devices have cached */
	x = page_alloc(_metadata, page, 42);
	ASSERT_NE(NULL, x);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 42);
	y = mmap(x, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd,
		 0);
	ASSERT_EQ(x, y);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, x, page, 41);
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, x, page, 43);
	memset(e->dma, 0, page);
	ASSERT_EQ((ssize_t)page, pread(mfd, e->dma, page, 0));
	EXPECT_PATTERN(e->dma, page, 43);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, x, page, 43);

	/* Past the end of the file: no page */
	ASSERT_EQ(0, ftruncate(mfd, 0));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, x, page);
	/* A new, empty page */
	ASSERT_EQ(0, ftruncate(mfd, page));
	for (i = 0; i != 2; i++) {
		memset(e->dma, 0xee, page);
		EXPECT_EQ(0, dma_read(e, e->dev[i], pasid, x, e->dma, page));
		EXPECT_TRUE(all_bytes(e->dma, page, 0));
	}
	ASSERT_EQ(0, munmap(x, page));
	ASSERT_EQ(0, close(mfd));
}

/* === fork === */

/*
 * These move one page at a time, the page at the start of the buffer, so
 * that the devices' one cached translation per PASID is what a DMA uses
 * when nothing invalidated it.
 */

/*
 * A child is not bound, and copy-on-write keeps its memory apart from what
 * the parent's PASID reaches; the child's own bind gets its own PASID.
 */
TEST_F(sva, fork_child_not_bound)
{
	SVA_ENV(e);
	size_t len = e->page;
	__u32 pasid, kid_pasid, kid_pasid1, kh0, kh1;
	struct kid k;

	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], NULL, &pasid));
	fill(e->buf, len, 44);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, len, 44);

	kid_start(_metadata, e, &k);
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, len, 45));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, len, 44);
	EXPECT_PATTERN(e->buf, len, 44);
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, len, 45));

	/* The child's bind: another PASID, reaching the child's memory */
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh0, &kid_pasid));
	EXPECT_NE(pasid, kid_pasid);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[1], &kh1, &kid_pasid1));
	EXPECT_EQ(kid_pasid, kid_pasid1);
	EXPECT_DMA_SEES(e, e->dev[0], kid_pasid, e->buf, len, 45);
	EXPECT_DMA_SEES(e, e->dev[1], kid_pasid, e->buf, len, 45);
	EXPECT_DMA_WRITES(e, e->dev[1], kid_pasid, e->buf, len, 46);
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, len, 46));
	EXPECT_PATTERN(e->buf, len, 44);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, len, 44);

	kid_exit(_metadata, &k);
	EXPECT_DMA_FAILS(e, e->dev[0], kid_pasid, e->buf, len);
	EXPECT_DMA_FAILS(e, e->dev[1], kid_pasid, e->buf, len);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, len, 44);
	/* The dead child's bonds are still there to unbind */
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], kh0, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[1], kh1, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, len, 44);
}

/*
 * The devices cached writable translations of the parent's page; fork
 * makes the page copy-on-write. A DMA write afterwards must go to the
 * parent's own copy, never into the page the child now shares.
 */
TEST_F(sva, fork_dma_write_after_fork)
{
	SVA_ENV(e);
	size_t len = e->page;
	struct kid k;
	__u32 pasid;
	int i;

	bind_both(_metadata, e, &pasid);
	for (i = 0; i != 2; i++) {
		EXPECT_DMA_WRITES(e, e->dev[i], pasid, e->buf, len, 47);
		EXPECT_DMA_SEES(e, e->dev[i], pasid, e->buf, len, 47);
	}

	kid_start(_metadata, e, &k);
	EXPECT_DMA_WRITES(e, e->dev[0], pasid, e->buf, len, 48);
	EXPECT_PATTERN(e->buf, len, 48);
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, len, 47));
	EXPECT_DMA_SEES(e, e->dev[1], pasid, e->buf, len, 48);
	EXPECT_DMA_WRITES(e, e->dev[1], pasid, e->buf, len, 49);
	EXPECT_PATTERN(e->buf, len, 49);
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, len, 47));
	kid_exit(_metadata, &k);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, len, 49);
}

/*
 * The devices cached read-only translations of the page fork then shares;
 * the parent's CPU write gives the parent a copy, which DMA must then see.
 */
TEST_F(sva, fork_cpu_write_after_fork)
{
	SVA_ENV(e);
	size_t len = e->page;
	struct kid k;
	__u32 pasid;
	int i;

	bind_both(_metadata, e, &pasid);
	fill(e->buf, len, 50);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, e->buf, len, 50);

	kid_start(_metadata, e, &k);
	fill(e->buf, len, 51);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, e->buf, len, 51);
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, len, 50));

	/* The child's write does not reach the parent's PASID either */
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, len, 52));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, e->buf, len, 51);
	kid_exit(_metadata, &k);
}

/* === Closing a device === */

/* Closing a device unbinds its handles and nothing else */
TEST_F(sva, close_with_handles)
{
	SVA_ENV(e);
	__u32 lowest, pasid, p, h, h0;
	int x;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &x));
	ASSERT_EQ(0, sva_bind(e->fd, x, &h, &pasid));
	EXPECT_EQ(lowest, pasid);
	ASSERT_EQ(0, sva_bind(e->fd, x, &h, &p));
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, &p));
	EXPECT_EQ(pasid, p);
	EXPECT_DMA_SEES(e, x, pasid, e->buf, 64, 1);
	ASSERT_EQ(0, close(x));

	/* The other device's bond is untouched */
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);
	EXPECT_NE(pasid, probe_pasid(_metadata, e, e->dev[1]));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], h0, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(0, sva_flush(e->fd));
	/* No bond of the closed device held the PASID */
	EXPECT_EQ(pasid, probe_pasid(_metadata, e, e->dev[1]));
}

/*
 * The parent closes the last reference to a device a live child is bound
 * to: the child's bond goes, and the child lives on and binds again.
 */
TEST_F(sva, close_child_alive)
{
	SVA_ENV(e);
	__u32 lowest, kp, kp2, kh;
	struct kid k;
	int x;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &x));
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, x, NULL, &kp));
	EXPECT_EQ(lowest, kp);
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, 64, 53));
	EXPECT_DMA_SEES(e, x, kp, e->buf, 64, 53);
	EXPECT_EQ(0, kid_close(_metadata, &k, x));
	ASSERT_EQ(0, close(x));

	/* The bond and the PASID are gone; the child is fine */
	EXPECT_EQ(-EIO, dma_read(e, e->dev[0], kp, e->buf, e->dma, 64));
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, 64, 53));
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh, &kp2));
	EXPECT_EQ(kp, kp2);
	EXPECT_DMA_SEES(e, e->dev[0], kp2, e->buf, 64, 53);
	kid_exit(_metadata, &k);
	EXPECT_DMA_FAILS(e, e->dev[0], kp2, e->buf, 64);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], kh, MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(kp, probe_pasid(_metadata, e, e->dev[1]));
}

/*
 * A child bound to a device holds the last reference to it when it exits:
 * the device goes in the child's exit, after its mm.
 */
TEST_F(sva, close_in_child_exit)
{
	SVA_ENV(e);
	__u32 lowest, kp;
	struct kid k;
	int x;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &x));
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, x, NULL, &kp));
	EXPECT_EQ(lowest, kp);
	ASSERT_EQ(0, kid_bind(_metadata, &k, x, NULL, &kp));
	EXPECT_DMA_SEES(e, x, kp, e->buf, 64, 1);
	ASSERT_EQ(0, close(x));
	kid_exit(_metadata, &k);
	EXPECT_EQ(kp, probe_pasid(_metadata, e, e->dev[0]));
}

/* === The IOMMU core === */

/* What 6.1's core may answer: see sva.c and iommufd_compat.h */
static bool core_errno_expected(int ret)
{
	switch (ret) {
	case -EOPNOTSUPP:	/* no PASIDs, or x86's iommu_sva_bind_device() */
	case -ENODEV:		/* no IOMMU, or the IOMMU cannot do SVM */
	case -EINVAL:		/* the device has no PASID, PRI or ATS on */
		return true;
	}
	return false;
}

static bool read_sysfs_hex(const char *dev, const char *attr,
			   unsigned int *val)
{
	char path[256];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fscanf(f, "%x", val);
	fclose(f);
	return n == 1;
}

/*
 * SVA_CORE_BIND of every PCI device: each answer is printed and must be a
 * clean refusal; afterwards no PASID may be left behind.
 */
TEST_F(sva, core_bind_pci)
{
	SVA_ENV(e);
	unsigned int seg, bus, slot, fn, vendor, device, n = 0;
	struct dirent *ent;
	__u32 lowest, pasid;
	DIR *dir;
	int ret, again;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	/* Nothing at segment 0xff, bus 0xff, 1f.7 */
	EXPECT_EQ(-ENODEV, sva_core_bind(e->fd, 0xffffff));

	dir = opendir("/sys/bus/pci/devices");
	if (!dir) {
		ksft_print_msg("SVA_CORE_BIND: no /sys/bus/pci/devices\n");
		fflush(stdout);
	}
	while (dir && (ent = readdir(dir))) {
		if (sscanf(ent->d_name, "%x:%x:%x.%x", &seg, &bus, &slot,
			   &fn) != 4)
			continue;
		vendor = device = 0;
		read_sysfs_hex(ent->d_name, "vendor", &vendor);
		read_sysfs_hex(ent->d_name, "device", &device);
		/*
		 * A failed bind's PASID is freed only after the mm side
		 * it went with (an SRCU grace period later): flush, or a
		 * device with a small PASID range would say ENOSPC.
		 */
		ASSERT_EQ(0, sva_flush(e->fd));
		ret = sva_core_bind(e->fd, seg << 16 | bus << 8 |
					   slot << 3 | fn);
		ksft_print_msg("SVA_CORE_BIND %s [%04x:%04x]: %s (%d)\n",
			       ent->d_name, vendor, device,
			       ret ? strerror(-ret) : "bound", ret);
		fflush(stdout);
		EXPECT_TRUE(core_errno_expected(ret)) {
			TH_LOG("%s: unexpected %d", ent->d_name, ret);
		}
		/* The same again: nothing changed by the first attempt */
		ASSERT_EQ(0, sva_flush(e->fd));
		again = sva_core_bind(e->fd, seg << 16 | bus << 8 |
					     slot << 3 | fn);
		EXPECT_EQ(ret, again);
		n++;
	}
	if (dir)
		closedir(dir);
	ksft_print_msg("SVA_CORE_BIND: %u PCI device(s)\n", n);
	fflush(stdout);

	/* No PASID and no mm side were left behind */
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(lowest, probe_pasid(_metadata, e, e->dev[0]));
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], NULL, &pasid));
	EXPECT_EQ(lowest, pasid);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);
}

/* === Process exit and release() === */

/*
 * A child bound to both devices exits: DMA on its PASID stops at once, the
 * bonds and the PASID stay until the parent unbinds them (in the variant's
 * way), and then the PASID is free.
 */
TEST_F(sva_mode, exit_while_bound)
{
	SVA_ENV(e);
	__u32 mode = variant->mode;
	__u32 lowest, kp, p, kh[3];
	struct kid k;
	int i;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh[0], &kp));
	EXPECT_EQ(lowest, kp);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[1], &kh[1], &p));
	EXPECT_EQ(kp, p);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh[2], &p));
	EXPECT_EQ(kp, p);
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, 64, 54));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], kp, e->buf, 64, 54);

	kid_exit(_metadata, &k);
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], kp, e->buf, 64);
	/* release() again, after the real one */
	EXPECT_EQ(0, sva_release(e->fd, e->dev[0], kh[0]));
	EXPECT_DMA_FAILS(e, e->dev[0], kp, e->buf, 64);

	/* The PASID is held until the bonds go */
	p = probe_pasid(_metadata, e, e->dev[0]);
	EXPECT_NE(kp, p);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], kh[0], mode));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[1], kh[1], mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_FAILS(e, e->dev[0], kp, e->buf, 64);
	EXPECT_NE(kp, probe_pasid(_metadata, e, e->dev[1]));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], kh[2], mode));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], kp, e->buf, 64);
	EXPECT_EQ(0, sva_flush(e->fd));
	for (i = 0; i != 3; i++)
		EXPECT_EQ(-ENOENT, sva_unbind(e->fd, e->dev[i == 1], kh[i],
					      mode));
	EXPECT_EQ(kp, probe_pasid(_metadata, e, e->dev[1]));
}

/*
 * release() twice on a live mm: DMA stops on every device bound to it;
 * unbinding is clean and frees the PASID, and a new bind works.
 */
TEST_F(sva_mode, release_twice)
{
	SVA_ENV(e);
	__u32 mode = variant->mode;
	__u32 lowest, pasid, p, h0, h1;
	int i;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, &pasid));
	EXPECT_EQ(lowest, pasid);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[1], &h1, &p));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_SEES(e, e->dev[i], pasid, e->buf, 64, 1);

	EXPECT_EQ(0, sva_release(e->fd, e->dev[0], h0));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, e->buf, 64);
	EXPECT_EQ(0, sva_release(e->fd, e->dev[0], h0));
	EXPECT_EQ(0, sva_release(e->fd, e->dev[1], h1));
	for (i = 0; i != 2; i++)
		EXPECT_DMA_FAILS(e, e->dev[i], pasid, e->buf, 64);
	EXPECT_PATTERN(e->buf, BUF_LEN, 1);

	EXPECT_NE(pasid, probe_pasid(_metadata, e, e->dev[0]));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], h0, mode));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[1], h1, mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(-ENOENT, sva_release(e->fd, e->dev[0], h0));
	EXPECT_EQ(pasid, probe_pasid(_metadata, e, e->dev[1]));

	/* A new bond of the same mm is not stopped */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &h0, &p));
	EXPECT_EQ(pasid, p);
	EXPECT_DMA_SEES(e, e->dev[0], p, e->buf, 64, 1);
}

/* release() of a live child, which then exits (release() again) */
TEST_F(sva_mode, release_live_then_exit)
{
	SVA_ENV(e);
	__u32 mode = variant->mode;
	__u32 lowest, kp, kh;
	struct kid k;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh, &kp));
	EXPECT_EQ(lowest, kp);
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, 64, 55));
	EXPECT_DMA_SEES(e, e->dev[0], kp, e->buf, 64, 55);
	EXPECT_EQ(0, sva_release(e->fd, e->dev[0], kh));
	EXPECT_DMA_FAILS(e, e->dev[0], kp, e->buf, 64);
	/* The child does not notice */
	EXPECT_EQ(0, kid_check(_metadata, &k, e->buf, 64, 55));
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, 64, 56));
	kid_exit(_metadata, &k);
	EXPECT_DMA_FAILS(e, e->dev[0], kp, e->buf, 64);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], kh, mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(kp, probe_pasid(_metadata, e, e->dev[0]));
}

/*
 * Unbinding (in the variant's way) and closing the device at once: the
 * close waits for the unbinds still in flight.
 */
TEST_F(sva_mode, close_pending_unbind)
{
	SVA_ENV(e);
	__u32 mode = variant->mode;
	__u32 lowest, pasid, p, h, kh, kp;
	struct kid k;
	int x;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &x));
	ASSERT_EQ(0, sva_bind(e->fd, x, &h, &pasid));
	EXPECT_EQ(lowest, pasid);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], NULL, &p));
	EXPECT_EQ(0, sva_unbind(e->fd, x, h, mode));
	ASSERT_EQ(0, close(x));
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);

	/* The same for a child that has exited */
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &x));
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, x, &kh, &kp));
	EXPECT_NE(pasid, kp);
	EXPECT_EQ(0, kid_close(_metadata, &k, x));
	kid_exit(_metadata, &k);
	EXPECT_EQ(0, sva_unbind(e->fd, x, kh, mode));
	ASSERT_EQ(0, close(x));
	EXPECT_EQ(kp, probe_pasid(_metadata, e, e->dev[1]));
}

/* === PASID allocation === */

/*
 * The parent's PASID, bound to two devices, is not reused while either
 * bond remains; once both are unbound (in the variant's way) and flushed,
 * the next mm to bind gets it.
 */
TEST_F(sva_mode, pasid_reuse)
{
	SVA_ENV(e);
	__u32 mode = variant->mode;
	__u32 lowest, pasid, p, ha, hb, kh, kp;
	struct kid k;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &ha, &pasid));
	EXPECT_EQ(lowest, pasid);
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[1], &hb, &p));
	EXPECT_EQ(pasid, p);

	/* A child that unbinds itself before it exits */
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh, &kp));
	EXPECT_NE(pasid, kp);
	EXPECT_EQ(0, kid_unbind(_metadata, &k, e->dev[0], kh, mode));
	kid_exit(_metadata, &k);
	EXPECT_EQ(0, sva_flush(e->fd));

	/* One of two bonds gone: the PASID stays */
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], ha, mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_FAILS(e, e->dev[0], pasid, e->buf, 64);
	EXPECT_DMA_SEES(e, e->dev[1], pasid, e->buf, 64, 1);
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[0], &kh, &kp));
	EXPECT_NE(pasid, kp);
	/* The device the parent left binds the parent's PASID again */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &ha, &p));
	EXPECT_EQ(pasid, p);
	EXPECT_DMA_SEES(e, e->dev[0], pasid, e->buf, 64, 1);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], ha, mode));
	kid_exit(_metadata, &k);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], kh, mode));
	EXPECT_EQ(0, sva_flush(e->fd));

	/* The last bond gone: the next mm gets the PASID */
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[1], hb, mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_DMA_FAILS(e, e->dev[1], pasid, e->buf, 64);
	kid_start(_metadata, e, &k);
	ASSERT_EQ(0, kid_bind(_metadata, &k, e->dev[1], &kh, &kp));
	EXPECT_EQ(pasid, kp);
	EXPECT_EQ(0, kid_fill(_metadata, &k, e->buf, 64, 57));
	EXPECT_DMA_SEES(e, e->dev[1], kp, e->buf, 64, 57);
	kid_exit(_metadata, &k);
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[1], kh, mode));
}

#define EXHAUST_K 3

/*
 * A device with room for EXHAUST_K PASIDs above the lowest free one: that
 * many processes bind it, the next gets ENOSPC until one unbinds (in the
 * variant's way). An mm whose PASID is beyond the device's range gets
 * EOVERFLOW, whether or not the range has room.
 */
TEST_F(sva_mode, exhaustion)
{
	SVA_ENV(e);
	__u32 mode = variant->mode;
	__u32 lowest, p, h, kp[EXHAUST_K + 1], kh[EXHAUST_K + 1], big_h;
	struct kid k[EXHAUST_K + 1];
	int small, i;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, lowest + EXHAUST_K - 1, &small));
	for (i = 0; i <= EXHAUST_K; i++)
		kid_start(_metadata, e, &k[i]);
	for (i = 0; i != EXHAUST_K; i++) {
		ASSERT_EQ(0, kid_bind(_metadata, &k[i], small, &kh[i],
				      &kp[i]));
		EXPECT_EQ(lowest + i, kp[i]);
	}
	EXPECT_EQ(-ENOSPC, kid_bind(_metadata, &k[EXHAUST_K], small, NULL,
				    NULL));
	EXPECT_EQ(-ENOSPC, kid_bind(_metadata, &k[EXHAUST_K], small, NULL,
				    NULL));

	/* The failures left nothing: the big device gives the next PASID */
	ASSERT_EQ(0, kid_bind(_metadata, &k[EXHAUST_K], e->dev[0], &big_h,
			      &p));
	EXPECT_EQ(lowest + EXHAUST_K, p);
	EXPECT_EQ(-EOVERFLOW, kid_bind(_metadata, &k[EXHAUST_K], small, NULL,
				       NULL));
	EXPECT_EQ(0, kid_unbind(_metadata, &k[EXHAUST_K], e->dev[0], big_h,
				mode));
	EXPECT_EQ(0, sva_flush(e->fd));

	/* One PASID of the range comes free */
	EXPECT_EQ(0, sva_unbind(e->fd, small, kh[0], mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(-EIO, dma_read(e, small, kp[0], e->buf, e->dma, 64));
	ASSERT_EQ(0, kid_bind(_metadata, &k[EXHAUST_K], small,
			      &kh[EXHAUST_K], &kp[EXHAUST_K]));
	EXPECT_EQ(kp[0], kp[EXHAUST_K]);
	EXPECT_EQ(0, kid_fill(_metadata, &k[EXHAUST_K], e->buf, 64, 58));
	EXPECT_DMA_SEES(e, small, kp[EXHAUST_K], e->buf, 64, 58);

	/* The parent's PASID, from the big device, is beyond the range */
	ASSERT_EQ(0, sva_bind(e->fd, e->dev[0], &big_h, &p));
	EXPECT_EQ(lowest + EXHAUST_K, p);
	EXPECT_EQ(-EOVERFLOW, sva_bind(e->fd, small, NULL, NULL));
	EXPECT_EQ(0, sva_unbind(e->fd, e->dev[0], big_h, mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	/* Now it has none, and the range is full */
	EXPECT_EQ(-ENOSPC, sva_bind(e->fd, small, NULL, NULL));

	/* A child that exits still holds its PASID until unbound */
	kid_exit(_metadata, &k[1]);
	EXPECT_EQ(-ENOSPC, sva_bind(e->fd, small, NULL, NULL));
	EXPECT_EQ(0, sva_unbind(e->fd, small, kh[1], mode));
	EXPECT_EQ(0, sva_flush(e->fd));
	ASSERT_EQ(0, sva_bind(e->fd, small, &h, &p));
	EXPECT_EQ(kp[1], p);
	EXPECT_DMA_SEES(e, small, p, e->buf, 64, 1);

	kid_exit(_metadata, &k[0]);
	kid_exit(_metadata, &k[2]);
	kid_exit(_metadata, &k[EXHAUST_K]);
	/* Closing the device unbinds the dead children's bonds */
	ASSERT_EQ(0, close(small));
	EXPECT_EQ(0, sva_flush(e->fd));
	EXPECT_EQ(lowest, probe_pasid(_metadata, e, e->dev[0]));
}

/* === A race of everything === */

/*
 * Work, not time, bounds the race: RACE_ROUNDS rounds of the threads'
 * loops in all (IOMMUFD_STRESS_ROUNDS, at most RACE_MAX_ROUNDS), each
 * thread at least RACE_MIN_ROUNDS of its own; about the work of the 5 s
 * it used to run on a loaded 2-core TCG guest. The timeout is at least 3x
 * the time of RACE_MAX_ROUNDS there, on the debug kernel.
 */
#define RACE_ROUNDS 4000UL
#define RACE_MAX_ROUNDS (4 * RACE_ROUNDS)
#define RACE_MIN_ROUNDS 20UL
#define STRESS_TIMEOUT 180
#define RACE_MSGS 8

enum race_thread {
	RT_READ_A,	/* DMA reads of the remapped page through device A */
	RT_READ_B,	/* the same through device B, bound and unbound */
	RT_WRITE,	/* DMA writes of a stable page, checked by the CPU */
	RT_REMAP,	/* replaces the page (mremap) or makes it PROT_NONE */
	RT_BIND0,	/* bind and unbind A and B, every mode */
	RT_BIND1,
	RT_FORK,	/* children bind device C and exit */
	RT_CHURN,	/* devices made, bound, closed with handles left */
	RT_NR,
};

struct race {
	int fd;
	int dev_a, dev_b, dev_c;
	__u32 pasid;		/* the parent's, held by a bond of A */
	size_t page;
	char *target;		/* the page RT_REMAP replaces */
	char *stable;		/* the page RT_WRITE writes */
	unsigned long gen;	/* generation of the target's contents */
	unsigned long rounds, rounds_done;
	unsigned long ok[RT_NR];	/* operations that worked */
	unsigned long eio[RT_NR];	/* that failed with a legitimate EIO */
	unsigned long bad;
	pthread_mutex_t lock;
	unsigned int nmsgs;
	char msgs[RACE_MSGS][160];
};

/* Once per round of a thread's loop: whether the work is done */
static bool race_stopped(struct race *r)
{
	static __thread unsigned long mine;
	unsigned long done;

	done = __atomic_add_fetch(&r->rounds_done, 1, __ATOMIC_RELAXED);
	return ++mine > RACE_MIN_ROUNDS && done > r->rounds;
}

static void race_count(struct race *r, enum race_thread t, bool eio)
{
	__atomic_fetch_add(eio ? &r->eio[t] : &r->ok[t], 1, __ATOMIC_RELAXED);
}

static void __attribute__((format(printf, 2, 3)))
race_bad(struct race *r, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->lock);
	r->bad++;
	if (r->nmsgs < RACE_MSGS) {
		va_start(ap, fmt);
		vsnprintf(r->msgs[r->nmsgs++], sizeof(r->msgs[0]), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&r->lock);
}

/*
 * Every generation fills the target page with its number. A DMA read must
 * see one generation throughout, no older than the one published before
 * the read started (a stale cached translation would show an older one)
 * and no newer than the one after it plus the one being put in place.
 */
static void race_read_target(struct race *r, enum race_thread t, int dev,
			     __u32 pasid, bool may_be_unbound)
{
	unsigned long words[16], before, after;
	unsigned int i;
	size_t off;
	int ret;

	off = (rand() % (r->page / sizeof(words))) * sizeof(words);
	before = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
	ret = sva_dma(r->fd, dev, pasid, 0, (uintptr_t)r->target + off,
		      words, sizeof(words));
	after = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
	if (ret == -EIO) {
		race_count(r, t, true);
		return;
	}
	if (ret) {
		race_bad(r, "DMA read of the target: %s", strerror(-ret));
		return;
	}
	for (i = 1; i != ARRAY_SIZE(words); i++)
		if (words[i] != words[0])
			break;
	if (i != ARRAY_SIZE(words))
		race_bad(r, "DMA read of the target: word 0 %lu, word %u %lu%s",
			 words[0], i, words[i],
			 may_be_unbound ? " (device B)" : "");
	else if (words[0] < before || words[0] > after + 1)
		race_bad(r, "DMA read generation %lu, published %lu..%lu%s",
			 words[0], before, after,
			 may_be_unbound ? " (device B)" : "");
	else
		race_count(r, t, false);
}

static void *race_reader(void *arg, enum race_thread t)
{
	struct race *r = arg;
	int dev = t == RT_READ_A ? r->dev_a : r->dev_b;

	while (!race_stopped(r))
		race_read_target(r, t, dev, r->pasid, t == RT_READ_B);
	return NULL;
}

static void *race_reader_a(void *arg)
{
	return race_reader(arg, RT_READ_A);
}

static void *race_reader_b(void *arg)
{
	return race_reader(arg, RT_READ_B);
}

/* DMA writes to the stable page, which no one else writes */
static void *race_writer(void *arg)
{
	struct race *r = arg;
	unsigned char data[256], back[256];
	unsigned int seed = 1;
	size_t off;
	int ret;

	while (!race_stopped(r)) {
		seed = seed % 255 + 1;
		off = rand() % (r->page - sizeof(data));
		fill(data, sizeof(data), seed);
		ret = sva_dma(r->fd, r->dev_a, r->pasid, MOCK_SVA_DMA_WRITE,
			      (uintptr_t)r->stable + off, data, sizeof(data));
		if (ret) {
			race_bad(r, "DMA write of the stable page: %s",
				 strerror(-ret));
			continue;
		}
		if (memcmp(r->stable + off, data, sizeof(data)))
			race_bad(r, "the CPU does not see a DMA write");
		ret = sva_dma(r->fd, r->dev_a, r->pasid, 0,
			      (uintptr_t)r->stable + off, back, sizeof(back));
		if (ret || memcmp(back, data, sizeof(data)))
			race_bad(r, "DMA read back of the stable page: %d",
				 ret);
		else
			race_count(r, RT_WRITE, false);
	}
	return NULL;
}

/*
 * Replace the target with a page of the next generation, filled before it
 * is moved in (mremap), so that a reader never sees it half written; every
 * eighth time make the target PROT_NONE for a moment instead.
 */
static void *race_remapper(void *arg)
{
	struct race *r = arg;
	unsigned long gen, *s, i;
	unsigned int n = 0;
	void *p;

	while (!race_stopped(r)) {
		if (++n % 8 == 0) {
			p = mmap(r->target, r->page, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0);
			if (p != r->target)
				race_bad(r, "mmap PROT_NONE: %s",
					 strerror(errno));
			race_count(r, RT_REMAP, true);
			continue;
		}
		gen = __atomic_load_n(&r->gen, __ATOMIC_RELAXED) + 1;
		s = mmap(NULL, r->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED) {
			race_bad(r, "mmap: %s", strerror(errno));
			continue;
		}
		for (i = 0; i != r->page / sizeof(*s); i++)
			s[i] = gen;
		p = mremap(s, r->page, r->page, MREMAP_MAYMOVE | MREMAP_FIXED,
			   r->target);
		if (p != r->target) {
			race_bad(r, "mremap: %s", strerror(errno));
			munmap(s, r->page);
			continue;
		}
		__atomic_store_n(&r->gen, gen, __ATOMIC_RELEASE);
		race_count(r, RT_REMAP, false);
	}
	return NULL;
}

/*
 * Bind A (which the parent holds, so only a reference more) or B (which
 * comes and goes, also under the other binder), read, unbind in every way.
 */
static void *race_binder(void *arg, enum race_thread t)
{
	struct race *r = arg;
	unsigned int n = t;
	__u32 handle, pasid, mode;
	int dev, ret;

	while (!race_stopped(r)) {
		n++;
		dev = n % 4 ? r->dev_b : r->dev_a;
		mode = (n / 4) % 3;
		ret = sva_bind(r->fd, dev, &handle, &pasid);
		if (ret) {
			race_bad(r, "bind: %s", strerror(-ret));
			continue;
		}
		if (pasid != r->pasid)
			race_bad(r, "bind: PASID %u, the mm's is %u", pasid,
				 r->pasid);
		race_read_target(r, t, dev, pasid, true);
		ret = sva_unbind(r->fd, dev, handle, mode);
		if (ret)
			race_bad(r, "unbind mode %u: %s", mode,
				 strerror(-ret));
		if (n % 16 == 0) {
			ret = sva_flush(r->fd);
			if (ret)
				race_bad(r, "flush: %s", strerror(-ret));
		}
	}
	return NULL;
}

static void *race_binder0(void *arg)
{
	return race_binder(arg, RT_BIND0);
}

static void *race_binder1(void *arg)
{
	return race_binder(arg, RT_BIND1);
}

/* What a forked child reports */
struct race_note {
	int bind;
	int dma;
	int unbind;	/* 1 if it did not unbind */
	__u32 handle;
	__u32 pasid;
};

/*
 * Children bind device C, DMA through their own PASID, and either unbind
 * (in some way) or not before they exit; the parent checks that their
 * PASID is dead after the exit and unbinds what is left. Only this thread
 * uses device C, so a handle a child unbound is not reused meanwhile.
 */
static void *race_forker(void *arg)
{
	struct race *r = arg;
	unsigned int n = 0;
	struct race_note note;
	unsigned char buf[64];
	int p[2], status, ret;
	__u32 mode;
	pid_t pid;

	while (!race_stopped(r)) {
		n++;
		mode = n % 3;
		if (pipe2(p, O_CLOEXEC)) {
			race_bad(r, "pipe: %s", strerror(errno));
			break;
		}
		pid = fork();
		if (pid < 0) {
			race_bad(r, "fork: %s", strerror(errno));
			close(p[0]);
			close(p[1]);
			break;
		}
		if (!pid) {
			memset(&note, 0, sizeof(note));
			note.unbind = 1;
			note.bind = sva_bind(r->fd, r->dev_c, &note.handle,
					     &note.pasid);
			if (!note.bind) {
				note.dma = sva_dma(r->fd, r->dev_c, note.pasid,
						   0, (uintptr_t)r->stable,
						   buf, sizeof(buf));
				if (n % 2)
					note.unbind = sva_unbind(r->fd,
								 r->dev_c,
								 note.handle,
								 mode);
			}
			if (write(p[1], &note, sizeof(note)) != sizeof(note))
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		ret = read(p[0], &note, sizeof(note));
		close(p[0]);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) || ret != sizeof(note)) {
			race_bad(r, "child status %#x, note %d", status, ret);
			continue;
		}
		if (note.bind || note.dma || note.unbind < 0) {
			race_bad(r, "child: bind %d, DMA %d, unbind %d",
				 note.bind, note.dma, note.unbind);
			if (note.bind)
				continue;
		}
		if (note.pasid == r->pasid)
			race_bad(r, "child got the parent's PASID %u",
				 note.pasid);
		/* The child is gone: so is DMA on its PASID */
		ret = sva_dma(r->fd, r->dev_c, note.pasid, 0,
			      (uintptr_t)r->stable, buf, sizeof(buf));
		if (ret != -EIO)
			race_bad(r, "DMA on a dead child's PASID: %d", ret);
		if (note.unbind) {
			/* release() once more, then unbind */
			ret = sva_release(r->fd, r->dev_c, note.handle);
			if (ret)
				race_bad(r, "release after exit: %d", ret);
			ret = sva_unbind(r->fd, r->dev_c, note.handle, mode);
			if (ret)
				race_bad(r, "unbind after exit: %d", ret);
		} else {
			ret = sva_unbind(r->fd, r->dev_c, note.handle, mode);
			if (ret != -ENOENT)
				race_bad(r, "unbind of an unbound handle: %d",
					 ret);
		}
		race_count(r, RT_FORK, false);
	}
	return NULL;
}

/* Devices that bind the parent's mm and are closed with handles bound */
static void *race_churner(void *arg)
{
	struct race *r = arg;
	unsigned char buf[64];
	unsigned int n = 0;
	__u32 h[2], pasid = 0;
	int dev, ret, i;

	while (!race_stopped(r)) {
		n++;
		ret = sva_dev_create(r->fd, BIG_MAX_PASID, &dev);
		if (ret) {
			race_bad(r, "device create: %s", strerror(-ret));
			continue;
		}
		for (i = 0; i != 2; i++) {
			ret = sva_bind(r->fd, dev, &h[i], &pasid);
			if (ret || pasid != r->pasid)
				race_bad(r, "churn bind: %d, PASID %u", ret,
					 pasid);
		}
		ret = sva_dma(r->fd, dev, r->pasid, 0, (uintptr_t)r->stable,
			      buf, sizeof(buf));
		if (ret)
			race_bad(r, "churn DMA: %s", strerror(-ret));
		if (n % 2) {
			ret = sva_unbind(r->fd, dev, h[0], n / 2 % 3);
			if (ret)
				race_bad(r, "churn unbind: %s",
					 strerror(-ret));
		}
		close(dev);
		race_count(r, RT_CHURN, false);
	}
	return NULL;
}

static unsigned long stress_rounds(void)
{
	const char *env = getenv("IOMMUFD_STRESS_ROUNDS");
	unsigned long v = env ? strtoul(env, NULL, 0) : RACE_ROUNDS;

	if (!v || v > RACE_MAX_ROUNDS)
		v = RACE_ROUNDS;
	return v;
}

TEST_F_TIMEOUT(sva, race, STRESS_TIMEOUT)
{
	SVA_ENV(e);
	static const char *const names[RT_NR] = {
		"read A", "read B", "write", "remap", "bind 0", "bind 1",
		"fork", "churn",
	};
	void *(*const fns[RT_NR])(void *) = {
		race_reader_a, race_reader_b, race_writer, race_remapper,
		race_binder0, race_binder1, race_forker, race_churner,
	};
	pthread_t threads[RT_NR];
	struct timespec t0, t1;
	unsigned int i;
	int warn_before = taint_warn();
	struct race r = {
		.fd = e->fd,
		.dev_a = e->dev[0],
		.dev_b = e->dev[1],
		.page = e->page,
		.gen = 1,
		.rounds = stress_rounds(),
	};
	__u32 lowest, handle;
	unsigned long *s;

	lowest = probe_pasid(_metadata, e, e->dev[0]);
	ASSERT_EQ(0, sva_dev_create(e->fd, BIG_MAX_PASID, &r.dev_c));
	ASSERT_EQ(0, sva_bind(e->fd, r.dev_a, &handle, &r.pasid));
	EXPECT_EQ(lowest, r.pasid);
	r.stable = e->buf;
	r.target = mmap(NULL, r.page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r.target);
	for (s = (unsigned long *)r.target, i = 0;
	     i != r.page / sizeof(*s); i++)
		s[i] = r.gen;
	pthread_mutex_init(&r.lock, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i != RT_NR; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fns[i], &r));
	/* The threads stop on their own, see race_stopped() */
	for (i = 0; i != RT_NR; i++)
		pthread_join(threads[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("race: %lu rounds in %ld s (timeout %d s)\n",
		       r.rounds_done, (long)(t1.tv_sec - t0.tv_sec),
		       STRESS_TIMEOUT);

	for (i = 0; i != r.nmsgs; i++)
		TH_LOG("%s", r.msgs[i]);
	EXPECT_EQ(0UL, r.bad);
	for (i = 0; i != RT_NR; i++) {
		ksft_print_msg("race %s: %lu ok, %lu EIO\n", names[i], r.ok[i],
			       r.eio[i]);
		/*
		 * Every thread got work done. Reads through device B work
		 * only while a binder happens to hold B, so whether any of
		 * them lands in such a window is up to the scheduler; the
		 * binders' own reads through B, made while they hold it,
		 * are the ones that must work.
		 */
		if (i == RT_READ_B) {
			EXPECT_LT(0UL, r.ok[i] + r.eio[i]);
			continue;
		}
		EXPECT_LT(0UL, r.ok[i]) {
			TH_LOG("%s never succeeded", names[i]);
		}
	}
	fflush(stdout);

	/* The parent's bond came through it all */
	memset(e->dma, 0, 64);
	EXPECT_EQ(0, dma_read(e, r.dev_a, r.pasid, e->buf + e->page, e->dma,
			      64));
	EXPECT_PATTERN_AT(e->dma, 64, 1, e->page);
	EXPECT_EQ(0, sva_unbind(e->fd, r.dev_a, handle,
				MOCK_SVA_UNBIND_DIRECT));
	ASSERT_EQ(0, close(r.dev_c));
	EXPECT_EQ(0, sva_flush(e->fd));
	/* Nothing holds a PASID any more */
	EXPECT_EQ(lowest, probe_pasid(_metadata, e, e->dev[1]));
	if (warn_before == 0)
		EXPECT_EQ(0, taint_warn());
	munmap(r.target, r.page);
	pthread_mutex_destroy(&r.lock);
}

TEST_HARNESS_MAIN
