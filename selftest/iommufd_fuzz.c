// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded random-ioctl fuzzer of /dev/iommu.
 *
 * FUZZ_PROCS processes (forked), each with FUZZ_THREADS threads, issue
 * random operations: every implemented ioctl (DESTROY, IOAS_ALLOC,
 * ALLOW_IOVAS, IOVA_RANGES, MAP, MAP_FILE, COPY, UNMAP, OPTION, HWPT_ALLOC,
 * CHANGE_PROCESS, VFIO_IOAS) and upstream's VFIO compatibility on the same
 * file (CHECK_EXTENSION, SET_IOMMU, GET_INFO, MAP_DMA, UNMAP_DMA on the
 * compat IOAS), and the test ops of IOMMU_TEST_CMD (mock domains and
 * their replace, accesses with pins and reads/writes, SVA devices, binds,
 * DMA and unbinds, reserved ranges, MD_CHECK_MAP/REFS). Arguments are
 * drawn from small pools so that they often make sense and often do not:
 * live, destroyed and garbage IDs; IOVAs inside and outside the mock
 * aperture, aligned or not; user memory that is anonymous, read-only,
 * unmapped, a memfd or hugetlb; flags with valid and invalid bits; struct
 * sizes that are short, exact, or long with a zero or nonzero tail.
 *
 * Each process has its own /dev/iommu file descriptor; all share one more,
 * opened before the fork. The run is cut into batches. After each batch
 * every thread of every process stops (a process-shared barrier), each
 * process closes its accesses and SVA devices, destroys everything on the
 * shared descriptor and closes its own, and then checks:
 *   - VmPin and VmLck of /proc/self/status are back to the process's
 *     baseline,
 *   - MD_CHECK_REFS says no page of its buffers is pinned,
 *   - a reopened descriptor and the emptied shared one hand out ID 1 for
 *     their next object, so no object was left behind;
 * and every errno seen is one the command can return at all (a cheap
 * sanity rule: anything else means a broken error path). The kernel side
 * (no splat, no leak at kmemleak's scan) is judged by the rig.
 *
 * The run is bounded by the number of operations, not by time:
 *   IOMMUFD_FUZZ_SEED   seed (decimal or 0x hex); default: from the clock,
 *                       printed first so a run can be replayed
 *   IOMMUFD_FUZZ_OPS    operations in all (default FUZZ_OPS_DEFAULT)
 *   IOMMUFD_FUZZ_PROCS, IOMMUFD_FUZZ_THREADS, IOMMUFD_FUZZ_BATCHES
 *                       the shape of the run; PROCS=1 THREADS=1 makes a
 *                       replay fully deterministic
 *   IOMMUFD_FUZZ_TRACE  1: print every operation (for a minimal sequence)
 * Every thread draws from its own PRNG stream, derived from the seed and
 * its process and thread number. At the end the counts of every command
 * per result (success or errno) are printed.
 */
#include "iommufd_utils.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/vfio.h>

/*
 * About a minute per kernel on a loaded 2-core TCG machine. The harness
 * timeout scales with IOMMUFD_FUZZ_OPS from FUZZ_TIMEOUT at the default,
 * at least 3x the measured time.
 */
#define FUZZ_OPS_DEFAULT 12000UL
#define FUZZ_TIMEOUT 240
#define MAX_PROCS 8
#define MAX_THREADS 8
#define MAX_BATCHES 1000

#define PG 4096UL
#define POOL 16		/* remembered IDs / fds per pool */
#define NIOVA 8		/* slots of the small IOVA window */

/* --- Deterministic PRNG: splitmix64 ------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return n ? rnd(r) % n : 0;
}

/* true with probability 1/n */
static bool one_in(struct rng *r, unsigned int n)
{
	return !below(r, n);
}

/* --- Commands and their statistics ---------------------------------------- */

enum cmd {
	C_DESTROY, C_IOAS_ALLOC, C_ALLOW_IOVAS, C_IOVA_RANGES, C_MAP,
	C_MAP_FILE, C_COPY, C_UNMAP, C_OPTION, C_HWPT_ALLOC, C_CHANGE_PROCESS,
	C_ADD_RESERVED, C_MOCK_DOMAIN, C_MOCK_REPLACE, C_MD_CHECK_MAP,
	C_MD_CHECK_REFS, C_ACCESS_CREATE, C_ACCESS_PAGES, C_ACCESS_UNPIN,
	C_ACCESS_RW, C_ACCESS_REPLACE, C_ACCESS_CLOSE, C_SVA_DEV, C_SVA_BIND,
	C_SVA_UNBIND, C_SVA_DMA, C_SVA_RELEASE, C_SVA_FLUSH, C_SVA_CLOSE,
	C_VFIO_IOAS, C_VFIO_EXT, C_VFIO_INFO, C_VFIO_MAP, C_VFIO_UNMAP,
	C_NR
};

static const char *const cmd_name[C_NR] = {
	"DESTROY", "IOAS_ALLOC", "ALLOW_IOVAS", "IOVA_RANGES", "MAP",
	"MAP_FILE", "COPY", "UNMAP", "OPTION", "HWPT_ALLOC", "CHANGE_PROCESS",
	"ADD_RESERVED", "MOCK_DOMAIN", "MOCK_REPLACE", "MD_CHECK_MAP",
	"MD_CHECK_REFS", "ACCESS_CREATE", "ACCESS_PAGES", "ACCESS_UNPIN",
	"ACCESS_RW", "ACCESS_REPLACE", "ACCESS_CLOSE", "SVA_DEV", "SVA_BIND",
	"SVA_UNBIND", "SVA_DMA", "SVA_RELEASE", "SVA_FLUSH", "SVA_CLOSE",
	"VFIO_IOAS", "VFIO_EXT", "VFIO_INFO", "VFIO_MAP", "VFIO_UNMAP",
};

/* Relative frequency of each command */
static const unsigned int cmd_weight[C_NR] = {
	[C_DESTROY] = 6, [C_IOAS_ALLOC] = 5, [C_ALLOW_IOVAS] = 2,
	[C_IOVA_RANGES] = 3, [C_MAP] = 12, [C_MAP_FILE] = 6, [C_COPY] = 5,
	[C_UNMAP] = 10, [C_OPTION] = 3, [C_HWPT_ALLOC] = 3,
	[C_CHANGE_PROCESS] = 1, [C_ADD_RESERVED] = 2, [C_MOCK_DOMAIN] = 4,
	[C_MOCK_REPLACE] = 3, [C_MD_CHECK_MAP] = 2, [C_MD_CHECK_REFS] = 2,
	[C_ACCESS_CREATE] = 3, [C_ACCESS_PAGES] = 6, [C_ACCESS_UNPIN] = 4,
	[C_ACCESS_RW] = 6, [C_ACCESS_REPLACE] = 2, [C_ACCESS_CLOSE] = 2,
	[C_SVA_DEV] = 1, [C_SVA_BIND] = 2, [C_SVA_UNBIND] = 2,
	[C_SVA_DMA] = 2, [C_SVA_RELEASE] = 1, [C_SVA_FLUSH] = 1,
	[C_SVA_CLOSE] = 1, [C_VFIO_IOAS] = 3, [C_VFIO_EXT] = 1,
	[C_VFIO_INFO] = 1, [C_VFIO_MAP] = 4, [C_VFIO_UNMAP] = 3,
};

/* Results are counted per errno below NERR; slot 0 is success */
#define NERR 134

/*
 * Every errno any command may give. An errno outside this set is a
 * failure: it means an error path returned something unrelated (a
 * positive value, a kernel-internal code such as ERESTARTSYS leaking out,
 * ...).
 */
static const int errno_ok[] = {
	EINVAL, ENOENT, EFAULT, ENOMEM, EBUSY, EOPNOTSUPP, ENOSPC, EEXIST, EBADFD,
	EADDRINUSE, ENODEV, EPERM, EOVERFLOW, ERANGE, E2BIG, EBADF, EAGAIN,
	EMSGSIZE, ENXIO, EDEADLOCK, EIO, ENOTTY, ESRCH, EACCES, ENOEXEC,
	/* ACCESS_PAGES: the pinned page is not the one behind its uptr */
	EBADE,
};

/* Shared between all processes (MAP_SHARED) */
struct shared {
	pthread_barrier_t barrier;
	unsigned long count[C_NR][NERR];
	unsigned long other_errno[C_NR];
	unsigned long ops;
	unsigned long failures;
	uint32_t shared_max_id;	/* highest ID seen on the shared fd */
};

static struct shared *sh;

struct config {
	uint64_t seed;
	unsigned long ops;
	unsigned int procs, threads, batches;
	unsigned long ops_per_batch;	/* per thread */
	bool trace;
};

static struct config cfg;

/* --- Per process state ---------------------------------------------------- */

/* A pool of remembered IDs (or fds); stale entries are kept on purpose */
struct pool {
	uint32_t v[POOL];
};

/* An IOVA range a MAP, MAP_FILE or COPY made, for COPY and UNMAP to use */
struct mapped {
	uint32_t ioas;
	uint64_t iova, length;
};

struct ctx {
	int fd;
	struct pool ioas, hwpt, dev, stdev;	/* IDs of this fd */
	struct mapped mapped[POOL];		/* guarded by proc.mapped_lock */
};

enum region_kind { R_ANON, R_RDONLY, R_HOLE, R_MEMFD, R_HUGE, R_NR };

struct region {
	char *p;
	size_t len;
	bool present;
};

struct proc {
	unsigned int idx;
	struct ctx own, shared;
	struct region reg[R_NR];
	int memfd, huge_memfd;
	size_t memfd_len, huge_memfd_len;
	struct pool access_fd;	/* fds of accesses of this process */
	struct pool pin_item;	/* ACCESS_PAGES item numbers */
	struct pool sva_fd;	/* fds of mock SVA devices */
	struct pool sva_handle;
	struct pool sva_pasid;
	pthread_mutex_t fd_lock;	/* guards access_fd and sva_fd */
	pthread_mutex_t mapped_lock;	/* guards ctx.mapped of own, shared */
	uint32_t own_max_id;	/* highest ID seen on our own fd */
	long vmpin0, vmlck0;
};

static struct proc pr;

struct thread {
	unsigned int idx;
	struct rng r;
	char scratch[4 * PG];	/* IOVA_RANGES output and similar */
};

static void fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "# FAIL proc %u: ", pr.idx);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		_exit(1);
	__atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
}

static void note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "# ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		_exit(1);
}

static void pool_put(struct rng *r, struct pool *p, uint32_t v)
{
	__atomic_store_n(&p->v[below(r, POOL)], v, __ATOMIC_RELAXED);
}

/* A remembered value; empty slots are skipped a few times */
static uint32_t pool_get(struct pool *p, struct rng *r)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i != 8 && !v; i++)
		v = __atomic_load_n(&p->v[below(r, POOL)], __ATOMIC_RELAXED);
	return v;
}

/*
 * Remember new fd @fd in a random slot of fd pool @p, closing the fd it
 * replaces, so that at most POOL stay open.
 */
static void fd_pool_put(struct rng *r, struct pool *p, int fd)
{
	unsigned int k = below(r, POOL);
	int old;

	pthread_mutex_lock(&pr.fd_lock);
	old = p->v[k];
	p->v[k] = fd;
	pthread_mutex_unlock(&pr.fd_lock);
	if (old > 0)
		close(old);
}

/* An ID: mostly from @p, sometimes from another pool, sometimes garbage */
static uint32_t pick_id(struct rng *r, struct ctx *c, struct pool *p)
{
	switch (below(r, 16)) {
	case 0:
		return 0;
	case 1:
		return below(r, 64);
	case 2:
		return rnd(r);
	case 3:
		return pool_get(&c->ioas, r);
	case 4:
		return pool_get(&c->hwpt, r);
	case 5:
		return pool_get(&c->dev, r);
	case 6:
		return 0xffffffffu;
	default:
		return pool_get(p, r);
	}
}

static struct ctx *pick_ctx(struct rng *r)
{
	return one_in(r, 4) ? &pr.shared : &pr.own;
}

/* A pointer that is never dereferenceable */
static uint64_t bad_ptr(struct rng *r)
{
	static const uint64_t bad[] = {
		0, 1, 0xfff, 0xffff800000000000ULL, ~0ULL, ~0ULL - 0xfff,
	};

	if (one_in(r, 3) && pr.reg[R_HOLE].p)
		return (uintptr_t)pr.reg[R_HOLE].p + below(r, 4) * PG;
	return bad[below(r, ARRAY_SIZE(bad))];
}

/* User memory: *len is chosen to go with it */
static uint64_t pick_uptr(struct rng *r, __u64 *len, bool writable)
{
	struct region *g;
	unsigned int k;
	uint64_t off, l;

	if (one_in(r, 12)) {
		*len = one_in(r, 2) ? PG : rnd(r);
		return bad_ptr(r);
	}
	k = writable ? (one_in(r, 3) ? R_MEMFD : R_ANON) : below(r, R_NR);
	if (!writable && one_in(r, 4) && pr.reg[R_HUGE].p)
		k = R_HUGE;
	g = &pr.reg[k];
	if (!g->p)
		g = &pr.reg[R_ANON];
	off = below(r, g->len / PG) * PG;
	l = (1 + below(r, 16)) * PG;
	if (one_in(r, 8))
		off += below(r, PG);
	if (one_in(r, 8))
		l = below(r, 3 * PG);
	if (one_in(r, 16))
		l = g->len;
	if (one_in(r, 32))
		l = rnd(r);
	if (off >= g->len)
		off = 0;
	if (l != (uint64_t)-1 && off + l > g->len && !one_in(r, 4))
		l = g->len - off;
	*len = l;
	return (uintptr_t)g->p + off;
}

static uint64_t pick_iova(struct rng *r)
{
	switch (below(r, 12)) {
	case 0:
		return 0;
	case 1:
		return rnd(r);
	case 2:
		return MOCK_APERTURE_LAST + 1 - PG * below(r, 4);
	case 3:
		return MOCK_APERTURE_START + below(r, 64 * PG);
	case 4:
		return ~0ULL - PG * below(r, 4);
	default:
		return MOCK_APERTURE_START + below(r, NIOVA) * 16 * PG;
	}
}

static uint64_t pick_len(struct rng *r)
{
	switch (below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return rnd(r);
	case 2:
		return ~0ULL;
	case 3:
		return below(r, 2 * PG);
	default:
		return (1 + below(r, 32)) * PG;
	}
}

/* Flags: mostly @valid bits, sometimes one more bit, sometimes garbage */
static uint32_t pick_flags(struct rng *r, uint32_t valid)
{
	uint32_t f = rnd(r) & valid;

	if (one_in(r, 10))
		f |= 1u << below(r, 32);
	if (one_in(r, 40))
		f = rnd(r);
	return f;
}

/*
 * Issue @request with the @len-byte struct at @arg, whose first __u32 is
 * the size: usually exact; sometimes short; sometimes longer with a zero
 * tail (accepted) or a nonzero one (E2BIG). @buf backs the long forms.
 */
static int do_ioctl(struct rng *r, int fd, unsigned long request, void *arg,
		    size_t len)
{
	uint64_t buf[64];
	uint32_t size = len;
	int ret;

	if (one_in(r, 16)) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, arg, len);
		switch (below(r, 3)) {
		case 0:
			size = below(r, len);
			break;
		case 1:
			size = len + 8 * (1 + below(r, 8));
			break;
		default:
			size = len + 8 * (1 + below(r, 8));
			((char *)buf)[size - 1 - below(r, size - len)] = 1;
			break;
		}
		memcpy(buf, &size, sizeof(size));
		ret = ioctl(fd, request, buf) ? -errno : 0;
		memcpy(arg, buf, len);
		return ret;
	}
	memcpy(arg, &size, sizeof(size));
	return ioctl(fd, request, arg) ? -errno : 0;
}

static void count(struct thread *t, enum cmd c, int ret)
{
	int e = -ret;
	unsigned int i;

	__atomic_add_fetch(&sh->ops, 1, __ATOMIC_RELAXED);
	if (ret > 0) {
		fail("%s returned %d", cmd_name[c], ret);
		return;
	}
	if (e < NERR)
		__atomic_add_fetch(&sh->count[c][e], 1, __ATOMIC_RELAXED);
	if (!e)
		return;
	for (i = 0; i != ARRAY_SIZE(errno_ok); i++)
		if (errno_ok[i] == e)
			return;
	__atomic_add_fetch(&sh->other_errno[c], 1, __ATOMIC_RELAXED);
	fail("%s: unexpected errno %d (%s)", cmd_name[c], e, strerror(e));
}

/* A new object ID of @ctx must be in [1, 2^31); remember the highest */
static void check_id(struct ctx *ctx, enum cmd c, uint32_t id)
{
	uint32_t *max = ctx == &pr.own ? &pr.own_max_id : &sh->shared_max_id;
	uint32_t old = __atomic_load_n(max, __ATOMIC_RELAXED);

	if (!id || id >= 1u << 31) {
		fail("%s succeeded with ID %u", cmd_name[c], id);
		return;
	}
	while (id > old &&
	       !__atomic_compare_exchange_n(max, &old, id, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static int test_op(struct rng *r, int fd, struct iommu_test_cmd *cmd)
{
	return do_ioctl(r, fd, IOMMU_TEST_CMD, cmd, sizeof(*cmd));
}

/* --- The commands --------------------------------------------------------- */

static int op_destroy(struct thread *t, struct ctx *c)
{
	struct iommu_destroy cmd = {
		.id = pick_id(&t->r, c, one_in(&t->r, 2) ? &c->ioas :
					one_in(&t->r, 2) ? &c->stdev : &c->hwpt),
	};

	return do_ioctl(&t->r, c->fd, IOMMU_DESTROY, &cmd, sizeof(cmd));
}

static int op_ioas_alloc(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_alloc cmd = {
		.flags = one_in(&t->r, 20) ? rnd(&t->r) : 0,
	};
	int ret;

	ret = do_ioctl(&t->r, c->fd, IOMMU_IOAS_ALLOC, &cmd, sizeof(cmd));
	if (!ret) {
		check_id(c, C_IOAS_ALLOC, cmd.out_ioas_id);
		pool_put(&t->r, &c->ioas, cmd.out_ioas_id);
	}
	return ret;
}

static int op_allow_iovas(struct thread *t, struct ctx *c)
{
	struct iommu_iova_range *rg = (void *)t->scratch;
	struct iommu_ioas_allow_iovas cmd = {
		.ioas_id = pick_id(&t->r, c, &c->ioas),
		.num_iovas = below(&t->r, 4),
		.allowed_iovas = (uintptr_t)rg,
	};
	unsigned int i;

	for (i = 0; i != 4; i++) {
		rg[i].start = pick_iova(&t->r) & ~(PG - 1);
		rg[i].last = rg[i].start + pick_len(&t->r) - 1;
		if (one_in(&t->r, 3)) {
			rg[i].start = MOCK_APERTURE_START;
			rg[i].last = MOCK_APERTURE_LAST;
		}
	}
	if (one_in(&t->r, 10))
		cmd.allowed_iovas = bad_ptr(&t->r);
	if (one_in(&t->r, 20))
		cmd.num_iovas = rnd(&t->r);
	if (one_in(&t->r, 20))
		cmd.__reserved = 1;
	return do_ioctl(&t->r, c->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd,
			sizeof(cmd));
}

static int op_iova_ranges(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_iova_ranges cmd = {
		.ioas_id = pick_id(&t->r, c, &c->ioas),
		.num_iovas = below(&t->r, 8),
		.allowed_iovas = (uintptr_t)t->scratch,
	};

	if (one_in(&t->r, 4))
		cmd.allowed_iovas = one_in(&t->r, 2) ? 0 : bad_ptr(&t->r);
	if (one_in(&t->r, 20))
		cmd.__reserved = rnd(&t->r);
	return do_ioctl(&t->r, c->fd, IOMMU_IOAS_IOVA_RANGES, &cmd,
			sizeof(cmd));
}

static uint32_t map_flags(struct rng *r)
{
	uint32_t f = IOMMU_IOAS_MAP_READABLE;

	if (!one_in(r, 3))
		f |= IOMMU_IOAS_MAP_WRITEABLE;
	if (!one_in(r, 3))
		f |= IOMMU_IOAS_MAP_FIXED_IOVA;
	if (one_in(r, 10))
		f = pick_flags(r, 7);
	return f;
}

static void check_map_iova(enum cmd c, uint32_t flags, uint64_t in,
			   uint64_t out, uint64_t len)
{
	if ((flags & IOMMU_IOAS_MAP_FIXED_IOVA) && in != out)
		fail("%s: fixed IOVA %#" PRIx64 " came back as %#" PRIx64,
		     cmd_name[c], in, out);
	if (len && out + len - 1 < out)
		fail("%s: IOVA %#" PRIx64 " + %#" PRIx64 " wraps",
		     cmd_name[c], out, len);
}

/* Remember a range that was just mapped in IOAS @ioas of @c. */
static void mapped_put(struct rng *r, struct ctx *c, uint32_t ioas,
		       uint64_t iova, uint64_t length)
{
	struct mapped m = { .ioas = ioas, .iova = iova, .length = length };

	pthread_mutex_lock(&pr.mapped_lock);
	c->mapped[below(r, POOL)] = m;
	pthread_mutex_unlock(&pr.mapped_lock);
}

/* A remembered range of @c, which may be gone by now; false if none */
static bool mapped_get(struct rng *r, struct ctx *c, struct mapped *m)
{
	pthread_mutex_lock(&pr.mapped_lock);
	*m = c->mapped[below(r, POOL)];
	pthread_mutex_unlock(&pr.mapped_lock);
	return m->length;
}

static int op_map(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_map cmd = {
		.flags = map_flags(&t->r),
		.ioas_id = pick_id(&t->r, c, &c->ioas),
		.iova = pick_iova(&t->r),
	};
	uint64_t in;
	int ret;

	cmd.user_va = pick_uptr(&t->r, &cmd.length, false);
	if (one_in(&t->r, 30))
		cmd.__reserved = 1;
	in = cmd.iova;
	ret = do_ioctl(&t->r, c->fd, IOMMU_IOAS_MAP, &cmd, sizeof(cmd));
	if (!ret) {
		check_map_iova(C_MAP, cmd.flags, in, cmd.iova, cmd.length);
		mapped_put(&t->r, c, cmd.ioas_id, cmd.iova, cmd.length);
	}
	return ret;
}

static int op_map_file(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_map_file cmd = {
		.flags = map_flags(&t->r),
		.ioas_id = pick_id(&t->r, c, &c->ioas),
		.iova = pick_iova(&t->r),
		.fd = pr.memfd,
	};
	size_t flen = pr.memfd_len;
	uint64_t in;
	int ret;

	switch (below(&t->r, 10)) {
	case 0:
		cmd.fd = -1;
		break;
	case 1:
		cmd.fd = c->fd;		/* not a memfd */
		break;
	case 2:
		cmd.fd = 1000 + below(&t->r, 10);	/* not open */
		break;
	case 3:
	case 4:
		if (pr.huge_memfd >= 0) {
			cmd.fd = pr.huge_memfd;
			flen = pr.huge_memfd_len;
		}
		break;
	}
	cmd.start = below(&t->r, flen / PG) * PG;
	cmd.length = (1 + below(&t->r, 16)) * PG;
	if (one_in(&t->r, 8))
		cmd.start += below(&t->r, PG);
	if (one_in(&t->r, 8))
		cmd.length = pick_len(&t->r);
	if (one_in(&t->r, 8))
		cmd.start = rnd(&t->r);
	in = cmd.iova;
	ret = do_ioctl(&t->r, c->fd, IOMMU_IOAS_MAP_FILE, &cmd, sizeof(cmd));
	if (!ret) {
		check_map_iova(C_MAP_FILE, cmd.flags, in, cmd.iova, cmd.length);
		mapped_put(&t->r, c, cmd.ioas_id, cmd.iova, cmd.length);
	}
	return ret;
}

static int op_copy(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_copy cmd = {
		.flags = map_flags(&t->r),
		.dst_ioas_id = pick_id(&t->r, c, &c->ioas),
		.src_ioas_id = pick_id(&t->r, c, &c->ioas),
		.length = pick_len(&t->r),
		.dst_iova = pick_iova(&t->r),
		.src_iova = pick_iova(&t->r),
	};
	struct mapped m;
	uint64_t in;
	int ret;

	/*
	 * Random ranges almost never cover whole areas, so mostly copy what
	 * was mapped, to an automatic IOVA of this or another IOAS.
	 */
	if (!one_in(&t->r, 3) && mapped_get(&t->r, c, &m)) {
		cmd.src_ioas_id = m.ioas;
		cmd.src_iova = m.iova;
		cmd.length = m.length;
		if (one_in(&t->r, 2))
			cmd.dst_ioas_id = m.ioas;
		if (!one_in(&t->r, 4))
			cmd.flags &= ~IOMMU_IOAS_MAP_FIXED_IOVA;
	}
	in = cmd.dst_iova;
	ret = do_ioctl(&t->r, c->fd, IOMMU_IOAS_COPY, &cmd, sizeof(cmd));
	if (!ret) {
		check_map_iova(C_COPY, cmd.flags, in, cmd.dst_iova, cmd.length);
		mapped_put(&t->r, c, cmd.dst_ioas_id, cmd.dst_iova, cmd.length);
	}
	return ret;
}

static int op_unmap(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_unmap cmd = {
		.ioas_id = pick_id(&t->r, c, &c->ioas),
		.iova = pick_iova(&t->r),
		.length = pick_len(&t->r),
	};
	struct mapped m;

	if (one_in(&t->r, 6)) {
		cmd.iova = 0;
		cmd.length = ~0ULL;
	} else if (one_in(&t->r, 3) && mapped_get(&t->r, c, &m)) {
		cmd.ioas_id = m.ioas;
		cmd.iova = m.iova;
		cmd.length = m.length;
	}
	return do_ioctl(&t->r, c->fd, IOMMU_IOAS_UNMAP, &cmd, sizeof(cmd));
}

static int op_option(struct thread *t, struct ctx *c)
{
	struct iommu_option cmd = {
		.option_id = below(&t->r, 3),
		.op = below(&t->r, 3),
		.object_id = one_in(&t->r, 2) ? 0 : pick_id(&t->r, c, &c->ioas),
		.val64 = below(&t->r, 3),
	};

	if (one_in(&t->r, 20))
		cmd.__reserved = 1;
	if (one_in(&t->r, 20))
		cmd.val64 = rnd(&t->r);
	return do_ioctl(&t->r, c->fd, IOMMU_OPTION, &cmd, sizeof(cmd));
}

static int op_hwpt_alloc(struct thread *t, struct ctx *c)
{
	struct iommu_hwpt_alloc cmd = {
		.flags = one_in(&t->r, 8) ? pick_flags(&t->r, 3) : 0,
		.dev_id = pick_id(&t->r, c, &c->dev),
		.pt_id = pick_id(&t->r, c, &c->ioas),
	};
	int ret;

	if (one_in(&t->r, 10)) {
		cmd.data_type = one_in(&t->r, 2) ? IOMMU_HWPT_DATA_SELFTEST :
						   rnd(&t->r);
		cmd.data_len = below(&t->r, 16);
		cmd.data_uptr = one_in(&t->r, 2) ? (uintptr_t)t->scratch :
						   bad_ptr(&t->r);
	}
	if (one_in(&t->r, 20))
		cmd.__reserved = 1;
	if (one_in(&t->r, 20))
		cmd.fault_id = rnd(&t->r);
	ret = do_ioctl(&t->r, c->fd, IOMMU_HWPT_ALLOC, &cmd, sizeof(cmd));
	if (!ret) {
		check_id(c, C_HWPT_ALLOC, cmd.out_hwpt_id);
		pool_put(&t->r, &c->hwpt, cmd.out_hwpt_id);
	}
	return ret;
}

static int op_change_process(struct thread *t, struct ctx *c)
{
	struct iommu_ioas_change_process cmd = {
		.__reserved = one_in(&t->r, 10),
	};

	return do_ioctl(&t->r, c->fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd,
			sizeof(cmd));
}

static int op_add_reserved(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = pick_id(&t->r, c, &c->ioas),
		.add_reserved = {
			.start = pick_iova(&t->r),
			.length = pick_len(&t->r),
		},
	};

	return test_op(&t->r, c->fd, &cmd);
}

static int op_mock_domain(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pick_id(&t->r, c, one_in(&t->r, 4) ? &c->hwpt : &c->ioas),
	};
	int ret;

	if (one_in(&t->r, 3)) {
		cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
		cmd.mock_domain_flags.dev_flags = pick_flags(&t->r, 7);
	}
	ret = test_op(&t->r, c->fd, &cmd);
	if (!ret) {
		check_id(c, C_MOCK_DOMAIN, cmd.mock_domain.out_stdev_id);
		check_id(c, C_MOCK_DOMAIN, cmd.mock_domain.out_hwpt_id);
		check_id(c, C_MOCK_DOMAIN, cmd.mock_domain.out_idev_id);
		pool_put(&t->r, &c->stdev, cmd.mock_domain.out_stdev_id);
		pool_put(&t->r, &c->hwpt, cmd.mock_domain.out_hwpt_id);
		pool_put(&t->r, &c->dev, cmd.mock_domain.out_idev_id);
	}
	return ret;
}

static int op_mock_replace(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = pick_id(&t->r, c, &c->stdev),
		.mock_domain_replace.pt_id =
			pick_id(&t->r, c, one_in(&t->r, 2) ? &c->hwpt :
							     &c->ioas),
	};

	return test_op(&t->r, c->fd, &cmd);
}

static int op_md_check_map(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = pick_id(&t->r, c, &c->hwpt),
		.check_map.iova = pick_iova(&t->r),
	};

	cmd.check_map.uptr = pick_uptr(&t->r, &cmd.check_map.length, false);
	return test_op(&t->r, c->fd, &cmd);
}

static int op_md_check_refs(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs.refs = below(&t->r, 3),
	};

	cmd.check_refs.uptr = pick_uptr(&t->r, &cmd.check_refs.length, false);
	return test_op(&t->r, c->fd, &cmd);
}

/* An access fd of this process, or a wrong one */
static int pick_access(struct rng *r, struct ctx *c)
{
	switch (below(r, 12)) {
	case 0:
		return -1;
	case 1:
		return c->fd;
	case 2:
		return 1000 + below(r, 10);
	default:
		return (int)pool_get(&pr.access_fd, r);
	}
}

static int op_access_create(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = pick_id(&t->r, c, &c->ioas),
		.create_access.flags = pick_flags(&t->r, 1),
	};
	int ret;

	ret = test_op(&t->r, c->fd, &cmd);
	if (!ret)
		fd_pool_put(&t->r, &pr.access_fd,
			    cmd.create_access.out_access_fd);
	return ret;
}

static int op_access_pages(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
		.id = pick_access(&t->r, c),
		.access_pages = {
			.flags = pick_flags(&t->r, MOCK_FLAGS_ACCESS_WRITE),
			.iova = pick_iova(&t->r),
			.length = pick_len(&t->r),
		},
	};
	int ret;

	if (one_in(&t->r, 4))
		cmd.access_pages.uptr = pick_uptr(&t->r, &cmd.access_pages.length,
						  false);
	ret = test_op(&t->r, c->fd, &cmd);
	if (!ret)
		pool_put(&t->r, &pr.pin_item,
			 cmd.access_pages.out_access_pages_id);
	return ret;
}

static int op_access_unpin(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
		.id = pick_access(&t->r, c),
		.destroy_access_pages.access_pages_id =
			one_in(&t->r, 8) ? rnd(&t->r) :
					   pool_get(&pr.pin_item, &t->r),
	};

	return test_op(&t->r, c->fd, &cmd);
}

static int op_access_rw(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = pick_access(&t->r, c),
		.access_rw = {
			.iova = pick_iova(&t->r),
			.flags = pick_flags(&t->r, MOCK_ACCESS_RW_WRITE |
						   MOCK_ACCESS_RW_SLOW_PATH),
		},
	};
	__u64 len;

	/*
	 * A read writes to user memory: only to our own buffers. One that
	 * runs past a buffer's end faults on its fence (map_fenced()).
	 */
	cmd.access_rw.uptr = pick_uptr(&t->r, &len, true);
	cmd.access_rw.length = one_in(&t->r, 10) ? pick_len(&t->r) :
						   below(&t->r, 3 * PG);
	return test_op(&t->r, c->fd, &cmd);
}

static int op_access_replace(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
		.id = pick_access(&t->r, c),
		.access_replace_ioas.ioas_id = pick_id(&t->r, c, &c->ioas),
	};

	return test_op(&t->r, c->fd, &cmd);
}

/* Close fd slot @k of @p if it is still open; 0 or -EBADF */
static int close_slot(struct pool *p, unsigned int k)
{
	int fd;

	pthread_mutex_lock(&pr.fd_lock);
	fd = p->v[k];
	p->v[k] = 0;
	pthread_mutex_unlock(&pr.fd_lock);
	if (fd <= 0)
		return -EBADF;
	return close(fd) ? -errno : 0;
}

static int op_access_close(struct thread *t, struct ctx *c)
{
	return close_slot(&pr.access_fd, below(&t->r, POOL));
}

static int pick_sva(struct rng *r, struct ctx *c)
{
	if (one_in(r, 10))
		return one_in(r, 2) ? c->fd : -1;
	return (int)pool_get(&pr.sva_fd, r);
}

static int op_sva_dev(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_DEV_CREATE,
		.sva_dev_create.max_pasid = one_in(&t->r, 10) ? rnd(&t->r) :
								 below(&t->r, 8),
	};
	int ret;

	ret = test_op(&t->r, c->fd, &cmd);
	if (!ret)
		fd_pool_put(&t->r, &pr.sva_fd, cmd.sva_dev_create.out_fd);
	return ret;
}

static int op_sva_bind(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_BIND,
		.id = pick_sva(&t->r, c),
	};
	int ret;

	ret = test_op(&t->r, c->fd, &cmd);
	if (!ret) {
		pool_put(&t->r, &pr.sva_handle, cmd.sva_bind.out_handle);
		pool_put(&t->r, &pr.sva_pasid, cmd.sva_bind.out_pasid);
	}
	return ret;
}

static int fuzz_sva_unbind(struct thread *t, struct ctx *c, bool release)
{
	struct iommu_test_cmd cmd = {
		.op = release ? IOMMU_TEST_OP_SVA_RELEASE :
				IOMMU_TEST_OP_SVA_UNBIND,
		.id = pick_sva(&t->r, c),
		.sva_unbind = {
			.handle = one_in(&t->r, 8) ? rnd(&t->r) :
					pool_get(&pr.sva_handle, &t->r),
			.mode = one_in(&t->r, 10) ? rnd(&t->r) :
						    below(&t->r, 3),
		},
	};

	return test_op(&t->r, c->fd, &cmd);
}

static int op_sva_unbind(struct thread *t, struct ctx *c)
{
	return fuzz_sva_unbind(t, c, false);
}

static int op_sva_release(struct thread *t, struct ctx *c)
{
	return fuzz_sva_unbind(t, c, true);
}

static int op_sva_dma(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_DMA,
		.id = pick_sva(&t->r, c),
		.sva_dma = {
			.pasid = one_in(&t->r, 8) ? rnd(&t->r) :
					pool_get(&pr.sva_pasid, &t->r),
			.flags = pick_flags(&t->r, MOCK_SVA_DMA_WRITE),
			.uptr = (uintptr_t)t->scratch,
		},
	};
	__u64 len;

	/* DMA writes only ever go to our own buffers (and stop at a fence) */
	cmd.sva_dma.va = pick_uptr(&t->r, &len, true);
	cmd.sva_dma.length = one_in(&t->r, 10) ? rnd(&t->r) :
						 below(&t->r, sizeof(t->scratch));
	if (cmd.sva_dma.length > len && len <= sizeof(t->scratch))
		cmd.sva_dma.length = len;
	return test_op(&t->r, c->fd, &cmd);
}

static int op_sva_flush(struct thread *t, struct ctx *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_FLUSH,
	};

	return test_op(&t->r, c->fd, &cmd);
}

static int op_sva_close(struct thread *t, struct ctx *c)
{
	return close_slot(&pr.sva_fd, below(&t->r, POOL));
}

static enum cmd pick_cmd(struct rng *r)
{
	static unsigned int total;
	unsigned int i, x;

	if (!total)
		for (i = 0; i != C_NR; i++)
			total += cmd_weight[i];
	x = below(r, total);
	for (i = 0; i != C_NR; i++) {
		if (x < cmd_weight[i])
			return i;
		x -= cmd_weight[i];
	}
	return C_IOVA_RANGES;
}

/*
 * IOMMU_VFIO_IOAS: mostly SET, so that the VFIO requests find a compat
 * IOAS; else get, clear or a bad op
 */
static int op_vfio_ioas(struct thread *t, struct ctx *c)
{
	struct iommu_vfio_ioas cmd = {
		.ioas_id = pick_id(&t->r, c, &c->ioas),
		.op = one_in(&t->r, 3) ? below(&t->r, 4) : IOMMU_VFIO_IOAS_SET,
	};

	if (one_in(&t->r, 20))
		cmd.__reserved = 1;
	return do_ioctl(&t->r, c->fd, IOMMU_VFIO_IOAS, &cmd, sizeof(cmd));
}

/*
 * CHECK_EXTENSION answers with a value, which is fine whatever it is;
 * SET_IOMMU with TYPE1 turns large pages off in the compat IOAS.
 */
static int op_vfio_ext(struct thread *t, struct ctx *c)
{
	unsigned long arg = below(&t->r, 12);
	int ret;

	if (one_in(&t->r, 2))
		ret = ioctl(c->fd, VFIO_CHECK_EXTENSION, arg);
	else
		ret = ioctl(c->fd, VFIO_SET_IOMMU, arg);
	return ret < 0 ? -errno : 0;
}

static int op_vfio_info(struct thread *t, struct ctx *c)
{
	uint64_t buf[64] = {};
	struct vfio_iommu_type1_info *info = (void *)buf;
	int ret;

	info->argsz = below(&t->r, 3) ? sizeof(buf) : below(&t->r, 40);
	ret = ioctl(c->fd, VFIO_IOMMU_GET_INFO, buf);
	return ret < 0 ? -errno : 0;
}

static int op_vfio_map(struct thread *t, struct ctx *c)
{
	struct vfio_iommu_type1_dma_map cmd = {
		.argsz = sizeof(cmd),
		.flags = pick_flags(&t->r, VFIO_DMA_MAP_FLAG_READ |
					   VFIO_DMA_MAP_FLAG_WRITE),
		.iova = pick_iova(&t->r),
	};
	int ret;

	cmd.vaddr = pick_uptr(&t->r, &cmd.size, false);
	if (one_in(&t->r, 20))
		cmd.argsz = below(&t->r, sizeof(cmd));
	ret = ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &cmd);
	return ret < 0 ? -errno : 0;
}

static int op_vfio_unmap(struct thread *t, struct ctx *c)
{
	struct vfio_iommu_type1_dma_unmap cmd = {
		.argsz = sizeof(cmd),
		.iova = pick_iova(&t->r),
		.size = pick_len(&t->r),
	};
	int ret;

	if (one_in(&t->r, 6)) {
		cmd.flags = VFIO_DMA_UNMAP_FLAG_ALL;
		cmd.iova = 0;
		cmd.size = 0;
	}
	if (one_in(&t->r, 20))
		cmd.flags = rnd(&t->r);
	if (one_in(&t->r, 20))
		cmd.argsz = below(&t->r, sizeof(cmd));
	ret = ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &cmd);
	return ret < 0 ? -errno : 0;
}

static int (*const op_fn[C_NR])(struct thread *t, struct ctx *c) = {
	[C_DESTROY] = op_destroy,
	[C_IOAS_ALLOC] = op_ioas_alloc,
	[C_ALLOW_IOVAS] = op_allow_iovas,
	[C_IOVA_RANGES] = op_iova_ranges,
	[C_MAP] = op_map,
	[C_MAP_FILE] = op_map_file,
	[C_COPY] = op_copy,
	[C_UNMAP] = op_unmap,
	[C_OPTION] = op_option,
	[C_HWPT_ALLOC] = op_hwpt_alloc,
	[C_CHANGE_PROCESS] = op_change_process,
	[C_ADD_RESERVED] = op_add_reserved,
	[C_MOCK_DOMAIN] = op_mock_domain,
	[C_MOCK_REPLACE] = op_mock_replace,
	[C_MD_CHECK_MAP] = op_md_check_map,
	[C_MD_CHECK_REFS] = op_md_check_refs,
	[C_ACCESS_CREATE] = op_access_create,
	[C_ACCESS_PAGES] = op_access_pages,
	[C_ACCESS_UNPIN] = op_access_unpin,
	[C_ACCESS_RW] = op_access_rw,
	[C_ACCESS_REPLACE] = op_access_replace,
	[C_ACCESS_CLOSE] = op_access_close,
	[C_SVA_DEV] = op_sva_dev,
	[C_SVA_BIND] = op_sva_bind,
	[C_SVA_UNBIND] = op_sva_unbind,
	[C_SVA_DMA] = op_sva_dma,
	[C_SVA_RELEASE] = op_sva_release,
	[C_SVA_FLUSH] = op_sva_flush,
	[C_SVA_CLOSE] = op_sva_close,
	[C_VFIO_IOAS] = op_vfio_ioas,
	[C_VFIO_EXT] = op_vfio_ext,
	[C_VFIO_INFO] = op_vfio_info,
	[C_VFIO_MAP] = op_vfio_map,
	[C_VFIO_UNMAP] = op_vfio_unmap,
};

static void one_op(struct thread *t)
{
	struct ctx *c = pick_ctx(&t->r);
	enum cmd k = pick_cmd(&t->r);
	int ret;

	if (cfg.trace)
		note("p%u t%u %s fd=%s", pr.idx, t->idx, cmd_name[k],
		     c == &pr.own ? "own" : "shared");
	ret = op_fn[k](t, c);
	if (cfg.trace)
		note("p%u t%u %s -> %d", pr.idx, t->idx, cmd_name[k], ret);
	count(t, k, ret);
}

/* --- Batches and their checks ----------------------------------------------- */

static void barrier(void)
{
	pthread_barrier_wait(&sh->barrier);
}

/*
 * Destroy every object of @fd. IDs are handed out lowest first, so all of
 * them are at most a little above @max_id, the highest one a command
 * returned (some objects, like the HW pagetable a mock device gets, take
 * an ID of their own). Sweep until a pass destroys nothing: what a
 * device is attached to only goes once the device has.
 */
static void destroy_all(int fd, uint32_t max_id)
{
	unsigned int pass, id, progress;

	for (pass = 0; pass != 64; pass++) {
		progress = 0;
		for (id = 1; id <= max_id + 64; id++)
			if (!obj_destroy(fd, id))
				progress++;
		if (!progress)
			return;
	}
}

static int open_iommu(void)
{
	int fd = open(IOMMUFD_DEV, O_RDWR);

	if (fd < 0) {
		fail("open %s: %s", IOMMUFD_DEV, strerror(errno));
		_exit(1);
	}
	return fd;
}

static void ctx_reset(struct ctx *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
}

/* The next object of @fd must get ID 1: nothing may be left in it */
static void check_empty(int fd, const char *what)
{
	__u32 id = 0;
	int ret;

	ret = ioas_alloc(fd, &id);
	if (ret) {
		fail("%s: IOAS_ALLOC after the batch: %s", what,
		     strerror(-ret));
		return;
	}
	if (id != 1)
		fail("%s: first ID after the batch is %u, not 1: objects left behind",
		     what, id);
	obj_destroy(fd, id);
}

static void check_no_refs(int fd)
{
	unsigned int k;
	int ret;

	for (k = 0; k != R_NR; k++) {
		if (!pr.reg[k].p || !pr.reg[k].present)
			continue;
		ret = md_check_refs(fd, pr.reg[k].p, pr.reg[k].len, 0);
		if (ret)
			fail("MD_CHECK_REFS of buffer %u after the batch: %s",
			     k, strerror(-ret));
	}
}

/* After the ops: accesses and SVA devices hold their contexts, close them */
static void batch_close_fds(void)
{
	unsigned int k;

	for (k = 0; k != POOL; k++) {
		close_slot(&pr.access_fd, k);
		close_slot(&pr.sva_fd, k);
	}
	sva_flush(pr.own.fd);
}

/* Then destroy everything, on the shared fd too, and close our own */
static void batch_destroy(void)
{
	destroy_all(pr.shared.fd, __atomic_load_n(&sh->shared_max_id,
						  __ATOMIC_RELAXED));
	destroy_all(pr.own.fd, pr.own_max_id);
	check_empty(pr.own.fd, "own fd after destroying everything");
	close(pr.own.fd);
}

/* Once everyone has done so: nothing may stay pinned or charged */
static void batch_check(unsigned int b)
{
	long vmpin, vmlck;

	ctx_reset(&pr.own, open_iommu());
	pr.own_max_id = 0;
	check_empty(pr.own.fd, "reopened fd");
	check_no_refs(pr.own.fd);
	vmpin = proc_status_kb("VmPin");
	vmlck = proc_status_kb("VmLck");
	if (vmpin != pr.vmpin0)
		fail("batch %u: VmPin %ld kB, was %ld kB", b, vmpin, pr.vmpin0);
	if (vmlck != pr.vmlck0)
		fail("batch %u: VmLck %ld kB, was %ld kB", b, vmlck, pr.vmlck0);
	if (pr.idx == 0) {
		check_empty(pr.shared.fd, "shared fd");
		/* The shared fd starts the next batch in its default mode */
		option_set(pr.shared.fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0);
		__atomic_store_n(&sh->shared_max_id, 0, __ATOMIC_RELAXED);
	}
	ctx_reset(&pr.shared, pr.shared.fd);
	memset(pr.pin_item.v, 0, sizeof(pr.pin_item.v));
	memset(pr.sva_handle.v, 0, sizeof(pr.sva_handle.v));
	memset(pr.sva_pasid.v, 0, sizeof(pr.sva_pasid.v));
}

/*
 * Every thread of every process meets at each barrier; between them only
 * thread 0 of each process works.
 */
static void *thread_fn(void *arg)
{
	struct thread *t = arg;
	unsigned int b;
	unsigned long i;

	for (b = 0; b != cfg.batches; b++) {
		for (i = 0; i != cfg.ops_per_batch; i++)
			one_op(t);
		barrier();
		if (t->idx == 0)
			batch_close_fds();
		barrier();
		if (t->idx == 0)
			batch_destroy();
		barrier();
		if (t->idx == 0)
			batch_check(b);
		barrier();
		if (t->idx == 0 && pr.idx == 0)
			note("batch %u of %u done, %lu ops so far", b + 1,
			     cfg.batches,
			     __atomic_load_n(&sh->ops, __ATOMIC_RELAXED));
	}
	return NULL;
}

/*
 * Buffers are fenced. The fuzzer runs accesses past the end of a buffer on
 * purpose (lengths are not always clamped to what is left of it), and such
 * an access must fault, not reach whatever mmap() put next to the buffer:
 * right above the first one mapped there would otherwise be `sh` (mapped
 * before the fork), so that an ACCESS_RW read, an SVA DMA write or a DMA
 * through an IOAS that pinned past the buffer's end overwrote the barrier,
 * and every process aborted in glibc ("The futex facility returned an
 * unexpected error code"). So each buffer is mapped with MAP_FIXED inside
 * a PROT_NONE reservation that leaves at least FENCE bytes on either side.
 * Every access the fuzzer makes runs up from its start without skipping
 * pages, so one inaccessible page stops it.
 */
#define FENCE PG

/*
 * Map @len bytes (@prot, @flags, @fd) aligned to @align (a power of two,
 * at least PG) between two fences; NULL if the mmap() of the buffer fails.
 */
static char *map_fenced(size_t len, size_t align, int prot, int flags,
			int fd)
{
	size_t span = FENCE + (align - PG) + len + FENCE;
	uintptr_t base, at;
	void *p;

	p = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fail("reserving %zu bytes for a buffer: %s", span,
		     strerror(errno));
		_exit(1);
	}
	base = (uintptr_t)p;
	at = (base + FENCE + align - 1) & ~(uintptr_t)(align - 1);
	p = mmap((void *)at, len, prot, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		munmap((void *)base, span);
		return NULL;
	}
	return p;
}

static void map_regions(void)
{
	struct region *g = pr.reg;

	/*
	 * R_RDONLY sits right below R_ANON, in one fence, so that a range
	 * that runs from the one into the other crosses two VMAs that pin
	 * differently (a read-only and a writable private mapping).
	 */
	g[R_ANON].len = 1UL << 20;
	g[R_RDONLY].len = 256UL << 10;
	g[R_RDONLY].p = map_fenced(g[R_RDONLY].len + g[R_ANON].len, PG,
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (!g[R_RDONLY].p || mprotect(g[R_RDONLY].p, g[R_RDONLY].len,
				       PROT_READ)) {
		fail("anonymous buffers: %s", strerror(errno));
		_exit(1);
	}
	g[R_ANON].p = g[R_RDONLY].p + g[R_RDONLY].len;
	memset(g[R_ANON].p, 0x5a, g[R_ANON].len);
	g[R_ANON].present = true;
	g[R_RDONLY].present = true;

	/* Address space that is not mapped, fenced like the rest */
	g[R_HOLE].len = 64UL << 10;
	g[R_HOLE].p = map_fenced(g[R_HOLE].len, PG, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (g[R_HOLE].p)
		munmap(g[R_HOLE].p, g[R_HOLE].len);

	pr.memfd_len = 1UL << 20;
	pr.memfd = memfd_create("fuzz", 0);
	if (pr.memfd < 0 || ftruncate(pr.memfd, pr.memfd_len)) {
		fail("memfd: %s", strerror(errno));
		_exit(1);
	}
	g[R_MEMFD].len = pr.memfd_len;
	g[R_MEMFD].p = map_fenced(pr.memfd_len, PG, PROT_READ | PROT_WRITE,
				  MAP_SHARED, pr.memfd);
	if (!g[R_MEMFD].p) {
		fail("mmap of the memfd: %s", strerror(errno));
		_exit(1);
	}
	memset(g[R_MEMFD].p, 0xa5, pr.memfd_len);
	g[R_MEMFD].present = true;

	/* hugetlb if the kernel has some: never munmap'ed in part */
	g[R_HUGE].len = 2 * SZ_2M;
	g[R_HUGE].p = map_fenced(g[R_HUGE].len, SZ_2M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
	if (g[R_HUGE].p) {
		memset(g[R_HUGE].p, 0x3c, g[R_HUGE].len);
		g[R_HUGE].present = true;
	}
	pr.huge_memfd_len = SZ_2M;
	pr.huge_memfd = memfd_create("fuzz-huge", MFD_HUGETLB);
	if (pr.huge_memfd >= 0 && ftruncate(pr.huge_memfd, SZ_2M)) {
		close(pr.huge_memfd);
		pr.huge_memfd = -1;
	}
}

/*
 * The fences work: pinning the page on either side of a buffer's edge, as
 * a MAP into an IOAS with a mock domain does, fails with EFAULT. R_RDONLY's
 * top edge is R_ANON's bottom, on purpose. Before the fences, R_ANON's
 * last page and the first of `sh` pinned fine.
 */
static void check_fences(void)
{
	static const struct {
		enum region_kind k;
		bool below, above;
	} edge[] = {
		{ R_RDONLY, true, false }, { R_ANON, false, true },
		{ R_MEMFD, true, true }, { R_HUGE, true, true },
	};
	__u32 ioas, stdev;
	unsigned int i, up;
	uintptr_t at;
	int fd = open_iommu(), ret;

	if (ioas_alloc(fd, &ioas) || mock_domain(fd, ioas, &stdev, NULL, NULL)) {
		fail("fence check: no IOAS with a mock domain");
		close(fd);
		return;
	}
	for (i = 0; i != ARRAY_SIZE(edge); i++) {
		struct region *g = &pr.reg[edge[i].k];

		if (!g->present)
			continue;
		for (up = 0; up != 2; up++) {
			if (!(up ? edge[i].above : edge[i].below))
				continue;
			at = (uintptr_t)g->p + (up ? g->len : 0) - PG;
			ret = ioas_map(fd, ioas, IOMMU_IOAS_MAP_READABLE |
				       IOMMU_IOAS_MAP_FIXED_IOVA, at, 2 * PG,
				       &(__u64){ MOCK_APERTURE_START });
			if (ret != -EFAULT)
				fail("buffer %u unfenced %s: MAP of %#lx+%#lx: %d",
				     edge[i].k, up ? "above" : "below",
				     (unsigned long)at, 2 * PG, ret);
			if (!ret)
				ioas_unmap(fd, ioas, 0, UINT64_MAX, NULL);
		}
	}
	obj_destroy(fd, stdev);
	obj_destroy(fd, ioas);
	close(fd);
}

static void run_process(unsigned int idx, int shared_fd)
{
	struct thread *th;
	pthread_t tid[MAX_THREADS];
	unsigned int i;

	pr.idx = idx;
	pthread_mutex_init(&pr.fd_lock, NULL);
	pthread_mutex_init(&pr.mapped_lock, NULL);
	map_regions();
	ctx_reset(&pr.own, open_iommu());
	ctx_reset(&pr.shared, shared_fd);
	check_fences();
	pr.vmpin0 = proc_status_kb("VmPin");
	pr.vmlck0 = proc_status_kb("VmLck");

	th = calloc(cfg.threads, sizeof(*th));
	for (i = 0; i != cfg.threads; i++) {
		th[i].idx = i;
		/* One stream per thread, from the seed and who it is */
		th[i].r.s = cfg.seed ^ ((uint64_t)(idx * MAX_THREADS + i + 1) *
					0xd1b54a32d192ed03ULL);
		rnd(&th[i].r);
	}
	for (i = 1; i < cfg.threads; i++)
		if (pthread_create(&tid[i], NULL, thread_fn, &th[i])) {
			fail("pthread_create: %s", strerror(errno));
			_exit(1);
		}
	thread_fn(&th[0]);
	for (i = 1; i < cfg.threads; i++)
		pthread_join(tid[i], NULL);

	/* Whatever is left goes with the process; the parent checks */
	for (i = 0; i != POOL; i++) {
		close_slot(&pr.access_fd, i);
		close_slot(&pr.sva_fd, i);
	}
	close(pr.own.fd);
	free(th);
}

static unsigned long env_ul(const char *name, unsigned long def,
			    unsigned long min, unsigned long max)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v < min || v > max) {
		note("ignoring %s=%s (want %lu..%lu)", name, s, min, max);
		return def;
	}
	return v;
}

static void read_config(void)
{
	const char *s = getenv("IOMMUFD_FUZZ_SEED");
	unsigned long per;
	struct timespec ts;

	if (s && *s) {
		cfg.seed = strtoull(s, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec;
	}
	cfg.ops = env_ul("IOMMUFD_FUZZ_OPS", FUZZ_OPS_DEFAULT, 1, 1UL << 40);
	cfg.procs = env_ul("IOMMUFD_FUZZ_PROCS", 3, 1, MAX_PROCS);
	cfg.threads = env_ul("IOMMUFD_FUZZ_THREADS", 3, 1, MAX_THREADS);
	cfg.batches = env_ul("IOMMUFD_FUZZ_BATCHES", 8, 1, MAX_BATCHES);
	cfg.trace = env_ul("IOMMUFD_FUZZ_TRACE", 0, 0, 1);
	per = cfg.procs * cfg.threads * cfg.batches;
	cfg.ops_per_batch = (cfg.ops + per - 1) / per;
}

static void print_counts(void)
{
	unsigned int c, e;
	char line[1024];
	int n;

	for (c = 0; c != C_NR; c++) {
		n = snprintf(line, sizeof(line), "%-15s ok %lu", cmd_name[c],
			     sh->count[c][0]);
		for (e = 1; e != NERR; e++)
			if (sh->count[c][e] && n < (int)sizeof(line) - 40)
				n += snprintf(line + n, sizeof(line) - n,
					      " %s %lu", strerrorname_np(e) ?:
					      "?", sh->count[c][e]);
		if (sh->other_errno[c])
			snprintf(line + n, sizeof(line) - n, " other %lu",
				 sh->other_errno[c]);
		note("%s", line);
	}
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	int fd = open(IOMMUFD_DEV, O_RDWR);

	if (fd < 0)
		SETUP_SKIP("no %s", IOMMUFD_DEV);
	close(fd);
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, run, FUZZ_TIMEOUT)
{
	pid_t pid[MAX_PROCS];
	unsigned int i;
	int shared_fd, st;
	long vmpin0;
	pthread_barrierattr_t ba;
	struct timespec t0, t1;

	ksft_print_msg("seed %#" PRIx64 " ops %lu procs %u threads %u batches %u (replay: IOMMUFD_FUZZ_SEED=%#" PRIx64 ")\n",
		       cfg.seed, cfg.ops, cfg.procs, cfg.threads, cfg.batches,
		       cfg.seed);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	/* Every thread of every process meets at the barrier */
	ASSERT_EQ(0, pthread_barrier_init(&sh->barrier, &ba,
					  cfg.procs * cfg.threads));

	vmpin0 = proc_status_kb("VmPin");
	shared_fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, shared_fd);

	for (i = 0; i != cfg.procs; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i]) {
			run_process(i, shared_fd);
			_exit(0);
		}
	}
	for (i = 0; i != cfg.procs; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) {
			TH_LOG("fuzzer process %u ended with status %#x", i, st);
		}
	}

	/* Every process is gone: the shared fd must be empty */
	check_empty(shared_fd, "shared fd at the end");
	close(shared_fd);
	EXPECT_EQ(vmpin0, proc_status_kb("VmPin"));

	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_counts();
	ksft_print_msg("%lu ops in %ld s, %lu failure(s), seed %#" PRIx64 "\n",
		       sh->ops, (long)(t1.tv_sec - t0.tv_sec), sh->failures,
		       cfg.seed);
	EXPECT_EQ(0UL, sh->failures);
	munmap(sh, sizeof(*sh));
}

/* The configuration, and a harness timeout that grows with the ops */
static void __attribute__((constructor(200))) fuzz_config(void)
{
	unsigned long t;

	read_config();
	t = FUZZ_TIMEOUT * ((cfg.ops + FUZZ_OPS_DEFAULT - 1) / FUZZ_OPS_DEFAULT);
	_fuzz_run_object.timeout = t > INT_MAX ? INT_MAX : t;
}

TEST_HARNESS_MAIN
