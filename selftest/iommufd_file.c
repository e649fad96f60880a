// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of IOMMU_IOAS_MAP_FILE (mapping a range of a memfd rather than of
 * the caller's address space) and of IOMMU_IOAS_CHANGE_PROCESS (handing
 * the ownership and the pin charges of every file mapping of a context to
 * the calling process).
 *
 * The memory of a file mapping is the file's page cache. The tests look at
 * it through a MAP_SHARED mapping of the same memfd: MD_CHECK_MAP compares
 * the mock domain with the pages behind that mapping, MD_CHECK_REFS counts
 * their pins, and the data path (ACCESS_RW, ACCESS_PAGES) is compared with
 * what read(2) and the mapping see. Charges are read from VmPin (every
 * mode) and VmLck (per-process mode only) in /proc/self/status.
 *
 * The memfds are small-page shmem (checked, as MD_CHECK_REFS skips
 * compound pages); huge pages get tests of their own. Ownership moves are
 * tested with a forked worker process that shares the /dev/iommu file
 * descriptor and takes orders over a pipe; accounting is only visible
 * without CAP_IPC_LOCK, so those tests drop root.
 *
 * Sections:
 *   1. MAP_FILE errors            5. CHANGE_PROCESS in one process
 *   2. MAP_FILE mappings          6. huge pages, files that are not memfds
 *   3. the data path              7. CHANGE_PROCESS between processes
 *   4. truncation, hole punch     8. a bounded race test
 *      and sealing
 */
#include "iommufd_utils.h"

#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))
/* The mock IOMMU's page: half a CPU page */
#define MOCK_PAGE mock_page_size()

#define SZ_64K 0x10000UL
#define SZ_16M 0x1000000UL
#define SZ_64M 0x4000000UL

/* Fixed IOVAs, all inside the mock aperture */
#define IOVA_A MOCK_APERTURE_START
#define IOVA_B (MOCK_APERTURE_START + 0x10000000ULL)
#define IOVA_C (MOCK_APERTURE_START + 0x20000000ULL)

/* The fixture's memfd */
#define FILE_SIZE SZ_4M

#define PIN_ACCESS MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

/* An object ID no test ever gets */
#define BAD_ID 0x7ffffff0U

#define NOBODY 65534
/* A second unprivileged user, for moves between users */
#define OTHER_UID 65533

#define KB(bytes) ((long)((bytes) / 1024))

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__u64)(a) - 1))

/* === Commands === */

/* MAP_FILE at the fixed IOVA @iova */
static int mapf_at(int fd, __u32 ioas_id, __u32 flags, int mfd, __u64 start,
		   __u64 length, __u64 iova)
{
	return ioas_map_file(fd, ioas_id, flags | IOMMU_IOAS_MAP_FIXED_IOVA, mfd, start,
		    length, &iova);
}

static int change_process_raw(int fd, __u32 reserved)
{
	struct iommu_ioas_change_process cmd = {
		.size = sizeof(cmd),
		.__reserved = reserved,
	};

	return iommufd_ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd);
}

static __u64 ioas_alignment(int fd, __u32 ioas_id)
{
	__u64 alignment = 0;
	__u32 num = 0;
	int ret;

	ret = ioas_iova_ranges(fd, ioas_id, NULL, &num, &alignment);
	if (ret && ret != -EMSGSIZE)
		return 0;
	return alignment;
}

/*
 * A new IOAS whose automatic IOVAs stay inside the mock aperture, so that
 * a mock domain can be attached after mappings were made
 */
static int ioas_alloc_ap(int fd, __u32 *ioas_id)
{
	int ret = ioas_alloc(fd, ioas_id);

	if (!ret)
		ret = ioas_allow_range(fd, *ioas_id, MOCK_APERTURE_START,
				       MOCK_APERTURE_LAST);
	return ret;
}

/*
 * One more (manual) domain on @ioas_id whose device also maps 1 MiB IO
 * pages; the device itself sits on an IOAS of its own.
 */
static int huge_iova_domain(int fd, __u32 ioas_id, __u32 *hwpt_id)
{
	__u32 helper_ioas, idev_id;
	int ret;

	ret = ioas_alloc(fd, &helper_ioas);
	if (!ret)
		ret = mock_domain_flags(fd, helper_ioas,
					MOCK_FLAGS_DEVICE_HUGE_IOVA, NULL, NULL,
					&idev_id);
	if (!ret)
		ret = hwpt_alloc(fd, 0, idev_id, ioas_id, hwpt_id);
	return ret;
}

/* KiB of VmPin that pinning [start, start + length) of a file adds */
static long pin_kb(__u64 start, __u64 length)
{
	__u64 npages = (start + length - 1) / PAGE_SZ - start / PAGE_SZ + 1;

	return KB(npages * PAGE_SZ);
}

/* === Data === */

/* Byte @i of pattern @seed; files are filled so that byte i is at offset i */
static unsigned char pat(unsigned int seed, size_t i)
{
	return (unsigned char)(seed * 37 + i * 11 + (i >> 12) * 5 +
			       (i >> 20) * 29 + 1);
}

static void fill_pattern(void *p, size_t len, unsigned int seed, size_t off)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		c[i] = pat(seed, off + i);
}

/* Does @p hold bytes [off, off + len) of pattern @seed? */
static bool has_pattern(const void *p, size_t len, unsigned int seed,
			size_t off)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		if (c[i] != pat(seed, off + i))
			return false;
	return true;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		if (c[i])
			return false;
	return true;
}

/* ACCESS_RW flags: the direct path where there is one, the pinning path */
static const __u32 rw_paths[] = { 0, MOCK_ACCESS_RW_SLOW_PATH };

/* A memfd and a shared read/write mapping of all of it */
struct memf {
	int fd;
	char *map;
	size_t size;
};

/* @size bytes of memfd (@mfd_flags), filled with pattern @seed */
static bool memf_new(struct memf *m, size_t size, unsigned int mfd_flags,
		     unsigned int seed)
{
	m->map = NULL;
	m->size = size;
	m->fd = memfd_create("iommufd_file", mfd_flags);
	if (m->fd < 0)
		return false;
	if (ftruncate(m->fd, size))
		goto err;
	m->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		      0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		goto err;
	}
	fill_pattern(m->map, size, seed, 0);
	return true;
err:
	close(m->fd);
	m->fd = -1;
	return false;
}

static void memf_free(struct memf *m)
{
	if (m->map)
		munmap(m->map, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->map = NULL;
	m->fd = -1;
}

/* /proc/self/fd/@fd opened again with @flags (O_RDONLY, O_WRONLY, O_PATH) */
static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

/* Lines of /proc/self/maps that map a memf (see memf_new()) */
static int memf_maps(void)
{
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/memfd:iommufd_file"))
			n++;
	fclose(f);
	return n;
}

/* === Process state === */

#define REQUIRE_ROOT()							\
	do {								\
		if (geteuid() != 0)					\
			SKIP(return, "needs root");			\
	} while (0)

static bool set_memlock(rlim_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	return !setrlimit(RLIMIT_MEMLOCK, &rl);
}

/*
 * Become @uid (and the group of the same number) with no capabilities,
 * CAP_IPC_LOCK in particular, which would exempt pins from accounting.
 * Open file descriptors and mappings stay usable.
 */
static bool become_user(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return false;
	/* Changing the UIDs made us undumpable; keep /proc/self ours */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return proc_status_cap_eff() == 0;
}

static long vmpin(void)
{
	return proc_status_kb("VmPin");
}

static long vmlck(void)
{
	return proc_status_kb("VmLck");
}

/*
 * A worker: a child process sharing the test's /dev/iommu file descriptor,
 * which runs one command at a time for the test and answers with the
 * result and its own VmPin and VmLck afterwards. It reads EOF and exits if
 * the test goes away.
 */
enum worker_op {
	W_STATUS,
	W_CHANGE,	/* IOMMU_IOAS_CHANGE_PROCESS */
	W_UNMAP_ALL,	/* of IOAS arg */
	W_CLOSE,	/* close the shared file descriptor */
	W_QUIT,
};

struct worker_msg {
	int op;
	__u32 arg;
};

struct worker_reply {
	int ret;
	long vmpin;
	long vmlck;
};

struct worker {
	pid_t pid;	/* 0: not running */
	int cmd;
	int res;
};

static bool worker_answer(int res, int ret)
{
	struct worker_reply r = {
		.ret = ret,
		.vmpin = vmpin(),
		.vmlck = vmlck(),
	};

	return write(res, &r, sizeof(r)) == sizeof(r);
}

static void __attribute__((noreturn))
worker_main(int fd, int cmd, int res, long uid, long memlock)
{
	struct worker_msg m;
	int ret = 0;

	if (memlock >= 0 && !set_memlock(memlock))
		ret = -errno;
	if (!ret && uid >= 0 && !become_user(uid))
		ret = -EPERM;
	if (!worker_answer(res, ret))
		_exit(1);
	while (read(cmd, &m, sizeof(m)) == sizeof(m)) {
		switch (m.op) {
		case W_STATUS:
			ret = 0;
			break;
		case W_CHANGE:
			ret = ioas_change_process(fd);
			break;
		case W_UNMAP_ALL:
			ret = ioas_unmap(fd, m.arg, 0, UINT64_MAX, NULL);
			break;
		case W_CLOSE:
			ret = close(fd) ? -errno : 0;
			fd = -1;
			break;
		case W_QUIT:
			worker_answer(res, 0);
			_exit(0);
		default:
			ret = -EINVAL;
		}
		if (!worker_answer(res, ret))
			_exit(1);
	}
	_exit(0);
}

/*
 * Fork a worker on @fd that becomes @uid (if >= 0) with RLIMIT_MEMLOCK
 * @memlock (if >= 0). *ready is its first answer: ret 0 if it got there.
 */
static bool worker_start(struct worker *w, int fd, long uid, long memlock,
			 struct worker_reply *ready)
{
	int c[2], r[2];

	signal(SIGPIPE, SIG_IGN);
	if (pipe(c))
		return false;
	if (pipe(r)) {
		close(c[0]);
		close(c[1]);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	w->pid = fork();
	if (w->pid < 0) {
		w->pid = 0;
		close(c[0]);
		close(c[1]);
		close(r[0]);
		close(r[1]);
		return false;
	}
	if (!w->pid) {
		close(c[1]);
		close(r[0]);
		worker_main(fd, c[0], r[1], uid, memlock);
	}
	close(c[0]);
	close(r[1]);
	w->cmd = c[1];
	w->res = r[0];
	return read(w->res, ready, sizeof(*ready)) == sizeof(*ready);
}

static bool worker_do(struct worker *w, int op, __u32 arg,
		      struct worker_reply *out)
{
	struct worker_msg m = { .op = op, .arg = arg };

	if (write(w->cmd, &m, sizeof(m)) != sizeof(m))
		return false;
	return read(w->res, out, sizeof(*out)) == sizeof(*out);
}

/* Stop the worker; its exit status, 0 if it was not running */
static int worker_stop(struct worker *w)
{
	struct worker_reply r;
	int status;

	if (!w->pid)
		return 0;
	worker_do(w, W_QUIT, 0, &r);
	close(w->cmd);
	close(w->res);
	if (waitpid(w->pid, &status, 0) != w->pid)
		status = -1;
	w->pid = 0;
	return status;
}

/* === Fixture: an IOAS with 0 or 1 mock domains, and a memfd === */

FIXTURE(file) {
	int fd;
	__u32 ioas_id;
	unsigned int ndomains;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	struct memf m;	/* FILE_SIZE bytes, pattern 1 */
	long vmpin0;
	int warned0;
};

FIXTURE_VARIANT(file) {
	unsigned int ndomains;
};

FIXTURE_VARIANT_ADD(file, no_domain) {
	.ndomains = 0,
};

FIXTURE_VARIANT_ADD(file, mock_domain) {
	.ndomains = 1,
};

FIXTURE_SETUP(file)
{
	self->m.fd = -1;
	self->vmpin0 = vmpin();
	self->warned0 = taint_warn();
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	/* Automatic IOVAs in the aperture: a domain may come later */
	ASSERT_EQ(0, ioas_alloc_ap(self->fd, &self->ioas_id));
	ASSERT_TRUE(memf_new(&self->m, FILE_SIZE, 0, 1));
	/*
	 * Small pages, or every MD_CHECK_REFS below would pass whatever
	 * the count (compound pages are skipped).
	 */
	ASSERT_EQ(-EIO, md_check_refs(self->fd, self->m.map, FILE_SIZE, 1000));

	self->ndomains = variant->ndomains;
	if (self->ndomains)
		ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id,
					 &self->stdev_id, &self->hwpt_id,
					 &self->idev_id));
}

FIXTURE_TEARDOWN(file)
{
	int fd;

	if (self->fd >= 0)
		close(self->fd);
	/* With the context gone nothing of the file may stay pinned */
	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd >= 0 && self->m.map) {
		EXPECT_EQ(0, md_check_refs(fd, self->m.map, FILE_SIZE, 0));
		close(fd);
	}
	EXPECT_EQ(self->vmpin0, vmpin());
	if (!self->warned0)
		EXPECT_EQ(0, taint_warn());
	memf_free(&self->m);
}

/* Pin count of the file's pages mapped into the fixture's IOAS */
#define BASE_REFS (self->ndomains ? 1U : 0U)
/* VmPin that mapping @bytes into the fixture's IOAS adds */
#define MAPPED_KB(bytes) (self->ndomains ? KB(bytes) : 0L)

/* Byte @off of the fixture's file, through its mapping */
#define FMAP(off) (self->m.map + (off))

/* Nothing mapped in the fixture's IOAS, nothing of the file pinned */
#define EXPECT_CLEAN()							\
	do {								\
		EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);		\
		EXPECT_EQ(self->vmpin0, vmpin());			\
		EXPECT_EQ(0, md_check_refs(self->fd, self->m.map,	\
					   FILE_SIZE, 0));		\
	} while (0)

/* MAP_FILE with these arguments fails with @err and leaves nothing */
#define EXPECT_MAPF_FAILS(err, ...)					\
	do {								\
		EXPECT_EQ(-(err), ioas_map_file(__VA_ARGS__));			\
		EXPECT_CLEAN();						\
	} while (0)

#define EXPECT_MAPF_AT_FAILS(err, ...)					\
	do {								\
		EXPECT_EQ(-(err), mapf_at(__VA_ARGS__));		\
		EXPECT_CLEAN();						\
	} while (0)

/*
 * MAP_FILE with these arguments is accepted, as upstream, while nothing
 * needs the pages, and fails with @err once they are pinned: with no
 * domain the MAP succeeds and attaching a domain fails; with a domain
 * attached the MAP itself fails. @iova: 0 for an automatic IOVA. Either
 * way nothing is left behind.
 */
#define EXPECT_MAPF_PIN_FAILS(err, fd, ioas, flags, mfd, start, len, iova) \
	do {								\
		__u64 __iova = (iova), __len = (len), __start = (start); \
		__u32 __ioas = (ioas), __flags = (flags) |		\
				((__iova) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0); \
		int __err = (err), __fd = (fd), __mfd = (mfd);		\
									\
		if (self->ndomains) {					\
			EXPECT_MAPF_FAILS(__err, __fd, __ioas, __flags,	\
					  __mfd, __start, __len, &__iova); \
			break;						\
		}							\
		ASSERT_EQ(0, ioas_map_file(__fd, __ioas, __flags, __mfd, \
					   __start, __len, &__iova));	\
		EXPECT_EQ(-__err, mock_domain(__fd, __ioas, NULL, NULL,	\
					      NULL));			\
		EXPECT_EQ(self->vmpin0, vmpin());			\
		EXPECT_UNMAP_ALL(__fd, __ioas, __len);			\
		EXPECT_CLEAN();						\
	} while (0)

/* === 1. MAP_FILE errors, in the order the checks apply === */

TEST_F(file, bad_flags_ids_and_fds)
{
	int fd = self->fd, mfd = self->m.fd, closed_fd, path_fd;
	__u32 ioas = self->ioas_id;

	/* Unknown flags, before anything else is looked at */
	EXPECT_MAPF_FAILS(EOPNOTSUPP, fd, ioas, MAP_RW | (1U << 3), mfd, 0,
			  SZ_1M, NULL);
	EXPECT_MAPF_FAILS(EOPNOTSUPP, fd, ioas, MAP_RW | (1U << 31), mfd, 0,
			  SZ_1M, NULL);
	/* The selftest flag COPY strips means nothing here */
	EXPECT_MAPF_FAILS(EOPNOTSUPP, fd, ioas, MAP_RW | MOCK_FLAGS_ACCESS_SYZ,
			  mfd, 0, SZ_1M, NULL);
	EXPECT_MAPF_FAILS(EOPNOTSUPP, fd, BAD_ID, 1U << 8, -1, 0, 0, NULL);

	/* IOVA or length of ULONG_MAX */
	EXPECT_MAPF_AT_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd, 0, SZ_1M,
			     UINT64_MAX);
	EXPECT_MAPF_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd, 0, UINT64_MAX,
			  NULL);
	EXPECT_MAPF_FAILS(EOVERFLOW, fd, BAD_ID, 0, -1, 0, UINT64_MAX, NULL);

	/* Neither readable nor writeable */
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, 0, mfd, 0, SZ_1M, NULL);
	EXPECT_MAPF_AT_FAILS(EINVAL, fd, ioas, 0, mfd, 0, SZ_1M, IOVA_A);
	EXPECT_MAPF_FAILS(EINVAL, fd, BAD_ID, 0, -1, 0, 0, NULL);

	/* Not an IOAS */
	EXPECT_MAPF_FAILS(ENOENT, fd, 0, MAP_RW, mfd, 0, SZ_1M, NULL);
	EXPECT_MAPF_FAILS(ENOENT, fd, BAD_ID, MAP_RW, mfd, 0, SZ_1M, NULL);
	EXPECT_MAPF_FAILS(ENOENT, fd, BAD_ID, MAP_RW, -1, 0, 0, NULL);
	if (self->ndomains) {
		EXPECT_MAPF_FAILS(ENOENT, fd, self->hwpt_id, MAP_RW, mfd, 0,
				  SZ_1M, NULL);
		EXPECT_MAPF_FAILS(ENOENT, fd, self->stdev_id, MAP_RW, mfd, 0,
				  SZ_1M, NULL);
		EXPECT_MAPF_FAILS(ENOENT, fd, self->idev_id, MAP_RW, mfd, 0,
				  SZ_1M, NULL);
	}

	/* Not a file descriptor */
	EXPECT_MAPF_FAILS(EBADF, fd, ioas, MAP_RW, -1, 0, SZ_1M, NULL);
	EXPECT_MAPF_FAILS(EBADF, fd, ioas, MAP_RW, 0x7ffffff0, 0, SZ_1M,
			  NULL);
	closed_fd = dup(mfd);
	ASSERT_LE(0, closed_fd);
	ASSERT_EQ(0, close(closed_fd));
	EXPECT_MAPF_FAILS(EBADF, fd, ioas, MAP_RW, closed_fd, 0, SZ_1M, NULL);
	/* The bad fd is seen before the length */
	EXPECT_MAPF_FAILS(EBADF, fd, ioas, MAP_RW, closed_fd, 0, 0, NULL);
	/* An O_PATH descriptor of the memfd does not give access to it */
	path_fd = reopen(mfd, O_PATH);
	ASSERT_LE(0, path_fd);
	EXPECT_MAPF_FAILS(EBADF, fd, ioas, IOMMU_IOAS_MAP_READABLE, path_fd, 0,
			  SZ_1M, NULL);
	close(path_fd);

	/*
	 * No error above kept a reference on the IOAS (EBADF in particular):
	 * it can be destroyed once its device is gone.
	 */
	if (self->ndomains)
		EXPECT_EQ(0, obj_destroy(fd, self->stdev_id));
	EXPECT_EQ(0, obj_destroy(fd, ioas));
	EXPECT_EQ(-ENOENT, ioas_map_file(fd, ioas, MAP_RW, mfd, 0, SZ_1M, NULL));
	EXPECT_EQ(self->vmpin0, vmpin());
}

/*
 * Only shmem and hugetlbfs files can be pinned. A regular file elsewhere is
 * found out when pinning, as upstream; anything that is not a regular file
 * is refused by MAP_FILE itself, so that no mapping holds a reference on a
 * device or socket (or on the context's own fd, which would never be freed).
 */
TEST_F(file, bad_file_types)
{
	int fd = self->fd, ioas = self->ioas_id, p[2], s[2], other;

	/* Pipes */
	ASSERT_EQ(0, pipe(p));
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, IOMMU_IOAS_MAP_READABLE, p[0],
			  0, PAGE_SZ, NULL);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, p[1], 0, PAGE_SZ, NULL);
	close(p[0]);
	close(p[1]);

	/* Sockets */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, s[0], 0, PAGE_SZ, NULL);
	close(s[0]);
	close(s[1]);

	/* Character devices: /dev/zero, /dev/null, /dev/iommu */
	other = open("/dev/zero", O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, other, 0, PAGE_SZ, NULL);
	close(other);
	other = open("/dev/null", O_RDWR);
	ASSERT_LE(0, other);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, other, 0, PAGE_SZ, NULL);
	close(other);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, fd, 0, PAGE_SZ, NULL);

	/* An anonymous inode */
	other = eventfd(0, 0);
	ASSERT_LE(0, other);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, other, 0, PAGE_SZ, NULL);
	close(other);

	/* A directory */
	other = open("/", O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, other);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, IOMMU_IOAS_MAP_READABLE, other,
			  0, PAGE_SZ, NULL);
	close(other);

	/* A regular file, on procfs */
	other = open("/proc/self/status", O_RDONLY);
	ASSERT_LE(0, other);
	EXPECT_MAPF_PIN_FAILS(EINVAL, fd, ioas, IOMMU_IOAS_MAP_READABLE, other,
			      0, PAGE_SZ, 0);
	close(other);
}

TEST_F(file, bad_ranges)
{
	int fd = self->fd, mfd = self->m.fd;
	__u32 ioas = self->ioas_id;
	__u64 iova;

	/* Nothing */
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, 0, 0, NULL);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, FILE_SIZE, 0, NULL);
	EXPECT_MAPF_AT_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, 0, 0, IOVA_A);

	/* start + length - 1 wraps; found before the end of the file */
	EXPECT_MAPF_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd,
			  UINT64_MAX - PAGE_SZ + 1, 2 * PAGE_SZ, NULL);
	EXPECT_MAPF_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd, (1ULL << 63) + 1,
			  1ULL << 63, NULL);
	EXPECT_MAPF_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd, UINT64_MAX, 2,
			  NULL);
	/*
	 * Reaching the last byte of the space is no wrap. The end of the
	 * file is not looked at: the first is too long for an automatic
	 * IOVA, the second is one page far past the end, which cannot be
	 * pinned.
	 */
	EXPECT_MAPF_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd, 1ULL << 63,
			  1ULL << 63, NULL);
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, mfd,
			      UINT64_MAX - PAGE_SZ + 1, PAGE_SZ, 0);

	/*
	 * Past the end of the file: the MAP is accepted, as upstream, and
	 * pinning fails (EFAULT here, as for a file shrunk under a mapping).
	 * Whole pages, so that a domain's IOVA alignment is no matter.
	 */
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, mfd, 0,
			      FILE_SIZE + PAGE_SZ, 0);
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, mfd, PAGE_SZ,
			      FILE_SIZE, 0);
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, mfd,
			      FILE_SIZE - PAGE_SZ, 2 * PAGE_SZ, 0);
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, mfd, FILE_SIZE,
			      PAGE_SZ, 0);
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, mfd, SZ_1M, FILE_SIZE,
			      IOVA_A);

	/* Up to the last byte exactly is fine */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, FILE_SIZE - PAGE_SZ, PAGE_SZ,
			  &iova));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, FILE_SIZE, IOVA_B));
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(FILE_SIZE + PAGE_SZ), vmpin());
	/* Two page sets share the last page */
	EXPECT_EQ(0, md_check_refs(fd, self->m.map, FILE_SIZE - PAGE_SZ,
				   BASE_REFS));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(FILE_SIZE - PAGE_SZ), PAGE_SZ,
				   2 * BASE_REFS));
	if (self->ndomains) {
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, IOVA_B, FILE_SIZE,
					  self->m.map));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, PAGE_SZ,
					  FMAP(FILE_SIZE - PAGE_SZ)));
	}
	EXPECT_UNMAP_ALL(fd, ioas, FILE_SIZE + PAGE_SZ);
	EXPECT_CLEAN();
}

TEST_F(file, bad_permissions)
{
	int fd = self->fd, mfd = self->m.fd, ro, wo;
	__u32 ioas = self->ioas_id;
	struct memf sealed;
	char *sealed_ro;
	__u64 iova;

	/* Open for reading only: no writeable mapping */
	ro = reopen(mfd, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_MAPF_FAILS(EPERM, fd, ioas, MAP_RW, ro, 0, SZ_1M, NULL);
	EXPECT_MAPF_FAILS(EPERM, fd, ioas, IOMMU_IOAS_MAP_WRITEABLE, ro, 0,
			  SZ_1M, NULL);
	/* Found before the IOVA is looked at ... */
	EXPECT_MAPF_AT_FAILS(EPERM, fd, ioas, MAP_RW, ro, 0, SZ_1M,
			     IOVA_A + 1);
	/* ... and whatever the range */
	EXPECT_MAPF_FAILS(EPERM, fd, ioas, MAP_RW, ro, 0, FILE_SIZE + 1, NULL);
	/* (Reading is fine: see read_only_fd) */
	close(ro);

	/*
	 * Open for writing only: as upstream, which pins whatever the file
	 * is open for, the pages can be mapped and pinned, for reading too
	 */
	wo = reopen(mfd, O_WRONLY);
	ASSERT_LE(0, wo);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, IOMMU_IOAS_MAP_READABLE, wo, 0,
				   SZ_1M, &iova));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, wo, SZ_1M, SZ_1M, IOVA_B));
	close(wo);
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(2 * SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, self->m.map, 2 * SZ_1M, BASE_REFS));
	if (self->ndomains) {
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, SZ_1M,
					  self->m.map));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, IOVA_B, SZ_1M,
					  FMAP(SZ_1M)));
	}
	EXPECT_UNMAP_ALL(fd, ioas, 2 * SZ_1M);
	EXPECT_CLEAN();
	wo = reopen(mfd, O_WRONLY);
	ASSERT_LE(0, wo);
	EXPECT_MAPF_PIN_FAILS(EFAULT, fd, ioas, MAP_RW, wo, 0,
			      FILE_SIZE + PAGE_SZ, 0);
	close(wo);

	/* Sealed against writes: readable only */
	ASSERT_TRUE(memf_new(&sealed, SZ_64K, MFD_ALLOW_SEALING, 2));
	ASSERT_EQ(0, munmap(sealed.map, SZ_64K));
	sealed.map = NULL;
	ASSERT_EQ(0, fcntl(sealed.fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_MAPF_FAILS(EPERM, fd, ioas, MAP_RW, sealed.fd, 0, SZ_64K, NULL);
	EXPECT_MAPF_FAILS(EPERM, fd, ioas, IOMMU_IOAS_MAP_WRITEABLE, sealed.fd,
			  0, SZ_64K, NULL);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, IOMMU_IOAS_MAP_READABLE, sealed.fd, 0,
			  SZ_64K, &iova));
	sealed_ro = mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED, sealed.fd, 0);
	ASSERT_NE(MAP_FAILED, sealed_ro);
	EXPECT_TRUE(has_pattern(sealed_ro, SZ_64K, 2, 0));
	EXPECT_EQ(0, md_check_refs(fd, sealed_ro, SZ_64K, BASE_REFS));
	if (self->ndomains)
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, SZ_64K,
					  sealed_ro));
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_64K), vmpin());
	EXPECT_UNMAP_EXACT(fd, ioas, iova, SZ_64K);
	EXPECT_EQ(0, md_check_refs(fd, sealed_ro, SZ_64K, 0));
	munmap(sealed_ro, SZ_64K);
	memf_free(&sealed);
	EXPECT_CLEAN();
}

/* A file open for reading only can be mapped readable, and used */
TEST_F(file, read_only_fd)
{
	int fd = self->fd, ro, afd;
	__u32 ioas = self->ioas_id, hwpt;
	unsigned int i;
	char buf[300];
	__u64 iova;

	ro = reopen(self->m.fd, O_RDONLY);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, IOMMU_IOAS_MAP_READABLE, ro, SZ_1M, SZ_1M,
			  &iova));
	/* The mapping holds the file */
	close(ro);
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_1M), vmpin());
	hwpt = self->hwpt_id;
	if (!self->ndomains)
		EXPECT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, FMAP(SZ_1M)));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M), SZ_1M, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());

	ASSERT_EQ(0, access_create(fd, ioas, 0, &afd));
	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(0, access_rw(fd, afd, iova + PAGE_SZ - 10, buf,
				       sizeof(buf), rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, sizeof(buf), 1,
					SZ_1M + PAGE_SZ - 10));
		EXPECT_EQ(-EPERM, access_rw(fd, afd, iova, buf, sizeof(buf),
					    rw_paths[i] |
						    MOCK_ACCESS_RW_WRITE));
	}
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_CLEAN();
}

TEST_F(file, bad_iova)
{
	int fd = self->fd, mfd = self->m.fd;
	__u32 ioas = self->ioas_id, ioas2;
	__u64 align, iova;

	/* Without a domain, make the alignment something to miss */
	align = ioas_alignment(fd, ioas);
	if (align == 1) {
		ASSERT_EQ(0, option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
		align = ioas_alignment(fd, ioas);
	}
	ASSERT_LT(1ULL, align);

	/* Misaligned IOVA, memory or length */
	EXPECT_MAPF_AT_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, 0, SZ_64K,
			     IOVA_A + align / 2);
	EXPECT_MAPF_AT_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, align / 2, SZ_64K,
			     IOVA_A);
	EXPECT_MAPF_AT_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, align / 2, SZ_64K,
			     IOVA_A + align / 2);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, align / 2, SZ_64K,
			  NULL);
	EXPECT_MAPF_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, 0, align + align / 2,
			  NULL);
	EXPECT_MAPF_AT_FAILS(EINVAL, fd, ioas, MAP_RW, mfd, 0,
			     align + align / 2, IOVA_A);
	/* IOVA + length - 1 wraps */
	EXPECT_MAPF_AT_FAILS(EOVERFLOW, fd, ioas, MAP_RW, mfd, 0, SZ_64K,
			     UINT64_MAX - SZ_64K / 2 + 1 - align);

	/* Overlaps, however small */
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_64K, IOVA_B));
	EXPECT_EQ(-EEXIST, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_64K, IOVA_B));
	EXPECT_EQ(-EEXIST, mapf_at(fd, ioas, MAP_RW, mfd, SZ_1M, PAGE_SZ,
				   IOVA_B + SZ_64K - PAGE_SZ));
	EXPECT_EQ(-EEXIST, mapf_at(fd, ioas, MAP_RW, mfd, SZ_1M, 2 * PAGE_SZ,
				   IOVA_B - PAGE_SZ));
	EXPECT_EQ(-EEXIST, mapf_at(fd, ioas, IOMMU_IOAS_MAP_READABLE, mfd,
				   SZ_1M, SZ_1M, IOVA_B - SZ_64K));
	/* Nothing but the first mapping is there */
	EXPECT_UNMAP_ALL(fd, ioas, SZ_64K);
	EXPECT_CLEAN();

	/* No room in the allowed IOVA */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, ioas_allow_range(fd, ioas2, IOVA_A, IOVA_A + SZ_64K - 1));
	EXPECT_EQ(-ENOSPC, ioas_map_file(fd, ioas2, MAP_RW, mfd, 0, 2 * SZ_64K, NULL));
	EXPECT_UNMAP_ALL(fd, ioas2, 0);
	ASSERT_EQ(0, ioas_map_file(fd, ioas2, MAP_RW, mfd, 0, SZ_64K, &iova));
	EXPECT_EQ(IOVA_A, iova);
	EXPECT_EQ(-ENOSPC, ioas_map_file(fd, ioas2, MAP_RW, mfd, 0, PAGE_SZ, NULL));
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_64K);
	EXPECT_EQ(0, obj_destroy(fd, ioas2));
	EXPECT_CLEAN();
}

/* === 2. MAP_FILE mappings === */

TEST_F(file, map_then_attach)
{
	int fd = self->fd, mfd = self->m.fd;
	__u32 ioas = self->ioas_id, stdev, hwpt;
	__u64 iova, iova2;

	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, SZ_1M, SZ_1M, &iova));
	/* Pinned only if a domain is there */
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M), SZ_1M, BASE_REFS));
	if (self->ndomains) {
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, SZ_1M,
					  FMAP(SZ_1M)));
		/* The check itself can fail: other pages are not these */
		EXPECT_EQ(-EINVAL, md_check_map(fd, self->hwpt_id, iova,
						PAGE_SZ, FMAP(0)));
	}

	/* A new device: pins what was not pinned, once */
	ASSERT_EQ(0, mock_domain(fd, ioas, &stdev, &hwpt, NULL));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M), SZ_1M, 1));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, FMAP(SZ_1M)));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, 0));

	/* Mapped now, pinned now */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, 3 * SZ_1M, SZ_1M / 4, &iova2));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M + SZ_1M / 4), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, FMAP(3 * SZ_1M), SZ_1M / 4, 1));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova2, SZ_1M / 4,
				  FMAP(3 * SZ_1M)));

	/* The device goes: only the fixture's domain keeps pages pinned */
	EXPECT_EQ(0, obj_destroy(fd, stdev));
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_1M + SZ_1M / 4), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M), SZ_1M, BASE_REFS));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(3 * SZ_1M), SZ_1M / 4, BASE_REFS));

	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M + SZ_1M / 4);
	EXPECT_CLEAN();
}

TEST_F(file, unaligned_start)
{
	int fd = self->fd, mfd = self->m.fd;
	__u64 start = 3 * PAGE_SZ + MOCK_PAGE, len = 16 * PAGE_SZ, iova;
	__u32 ioas = self->ioas_id, hwpt;

	/* The automatic IOVA has the same offset in its page as @start */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, start, len, &iova));
	EXPECT_EQ(start % PAGE_SZ, iova % PAGE_SZ);
	/* 17 pages are touched */
	EXPECT_EQ(self->vmpin0 + (self->ndomains ? pin_kb(start, len) : 0),
		  vmpin());
	EXPECT_EQ(17 * KB(PAGE_SZ), pin_kb(start, len));
	/* At a fixed IOVA with the same offset */
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, start, len,
			     IOVA_B + MOCK_PAGE));

	hwpt = self->hwpt_id;
	if (!self->ndomains)
		ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, len, FMAP(start)));
	EXPECT_EQ(0, md_check_map(fd, hwpt, IOVA_B + MOCK_PAGE, len,
				  FMAP(start)));
	/* Two MAP_FILEs of the same range: a page set each, pinned by each */
	EXPECT_EQ(0, md_check_refs(fd, FMAP(3 * PAGE_SZ), 17 * PAGE_SZ, 2));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(20 * PAGE_SZ), PAGE_SZ, 0));
	EXPECT_EQ(self->vmpin0 + 2 * pin_kb(start, len), vmpin());

	EXPECT_UNMAP_ALL(fd, ioas, 2 * len);
	EXPECT_CLEAN();
}

TEST_F(file, auto_iova_alignment)
{
	int fd = self->fd, mfd = self->m.fd;
	__u64 base, e1, e2, e3, e4, e5, iova;
	__u32 ioas = self->ioas_id;

	/* The lowest allowed IOVA */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, 0, PAGE_SZ, &base));
	EXPECT_EQ(MOCK_APERTURE_START, base);

	/* 64 KiB at a 64 KiB aligned offset: 64 KiB aligned */
	e1 = ALIGN_UP(base + PAGE_SZ, SZ_64K);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, SZ_64K, SZ_64K, &iova));
	EXPECT_EQ(e1, iova);

	/* 64 KiB at a page aligned offset: the hole below e1 is too small */
	e2 = e1 + SZ_64K;
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, 3 * PAGE_SZ, SZ_64K, &iova));
	EXPECT_EQ(e2, iova);

	/* Half a page in: fits below e1, at the same offset in its page */
	e3 = base + PAGE_SZ + MOCK_PAGE;
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, 3 * PAGE_SZ + MOCK_PAGE,
			  2 * PAGE_SZ, &iova));
	EXPECT_EQ(e3, iova);

	/* 2 MiB at a 2 MiB offset: a huge page's alignment */
	e4 = ALIGN_UP(e2 + SZ_64K, SZ_2M);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, SZ_2M, SZ_2M, &iova));
	EXPECT_EQ(e4, iova);

	/* The length bounds the alignment too */
	e5 = base + 4 * PAGE_SZ;
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, SZ_2M, PAGE_SZ, &iova));
	EXPECT_EQ(e5, iova);

	if (self->ndomains) {
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, base, PAGE_SZ,
					  FMAP(0)));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, e1, SZ_64K,
					  FMAP(SZ_64K)));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, e2, SZ_64K,
					  FMAP(3 * PAGE_SZ)));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, e3, 2 * PAGE_SZ,
					  FMAP(3 * PAGE_SZ + MOCK_PAGE)));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, e4, SZ_2M,
					  FMAP(SZ_2M)));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, e5, PAGE_SZ,
					  FMAP(SZ_2M)));
	}
	EXPECT_UNMAP_ALL(fd, ioas,
			 PAGE_SZ + 2 * SZ_64K + 2 * PAGE_SZ + SZ_2M + PAGE_SZ);
	EXPECT_CLEAN();
}

TEST_F(file, two_domains_and_copy)
{
	__u32 ioas = self->ioas_id, ioas2, hwpt0, hwpt1, hwpt2, idev;
	int fd = self->fd, mfd = self->m.fd;

	if (self->ndomains) {
		hwpt0 = self->hwpt_id;
		idev = self->idev_id;
	} else {
		ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt0, &idev));
	}
	/* A second domain on the same IOAS, with a device of its own */
	ASSERT_EQ(0, hwpt_alloc(fd, 0, idev, ioas, &hwpt1));
	ASSERT_EQ(0, mock_domain(fd, hwpt1, NULL, NULL, NULL));
	/* And another IOAS with a domain */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt2, NULL));

	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_1M, IOVA_A));
	EXPECT_EQ(0, md_check_map(fd, hwpt0, IOVA_A, SZ_1M, FMAP(0)));
	EXPECT_EQ(0, md_check_map(fd, hwpt1, IOVA_A, SZ_1M, FMAP(0)));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());

	/* COPY uses the same pinned pages: nothing more is pinned */
	ASSERT_EQ(0, ioas_copy_fixed(fd, ioas2, IOVA_B, ioas, IOVA_A, SZ_1M));
	ASSERT_EQ(0, ioas_copy_fixed(fd, ioas2, IOVA_C, ioas,
				     IOVA_A + SZ_1M / 4, SZ_1M / 4));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, IOVA_B, SZ_1M, FMAP(0)));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, IOVA_C, SZ_1M / 4,
				  FMAP(SZ_1M / 4)));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());

	/* The copies keep the pages when the original goes */
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_EQ(0, md_check_map(fd, hwpt2, IOVA_B, SZ_1M, FMAP(0)));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	/* Only the pages the partial copy maps stay pinned */
	EXPECT_UNMAP_EXACT(fd, ioas2, IOVA_B, SZ_1M);
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M / 4, 0));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M / 4), SZ_1M / 4, 1));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M / 2), SZ_1M / 2, 0));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M / 4), vmpin());
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M / 4);
	EXPECT_CLEAN();
}

/* === 3. The data path: ACCESS_RW and ACCESS_PAGES === */

TEST_F(file, access_rw)
{
	int fd = self->fd, mfd = self->m.fd, afd;
	const size_t off = SZ_64K, len = SZ_1M / 4;
	__u32 ioas = self->ioas_id;
	unsigned int i, seed;
	__u64 iova, iova_ro;
	char *buf, *tmp;

	buf = malloc(len);
	tmp = malloc(len);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, tmp);
	ASSERT_EQ(0, access_create(fd, ioas, 0, &afd));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, off, len, &iova));

	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		seed = 10 + 3 * i;

		/* Device writes are in the file: mapping and read(2) */
		fill_pattern(buf, 5000, seed, 0);
		ASSERT_EQ(0, access_rw(fd, afd, iova + 100, buf, 5000,
				       rw_paths[i] | MOCK_ACCESS_RW_WRITE));
		EXPECT_TRUE(has_pattern(FMAP(off + 100), 5000, seed, 0));
		EXPECT_EQ(pat(1, off + 99), (unsigned char)*FMAP(off + 99));
		EXPECT_EQ(pat(1, off + 5100), (unsigned char)*FMAP(off + 5100));
		memset(tmp, 0, 5000);
		ASSERT_EQ(5000, pread(mfd, tmp, 5000, off + 100));
		EXPECT_TRUE(has_pattern(tmp, 5000, seed, 0));

		/* Writes to the file reach the device: write(2) ... */
		fill_pattern(tmp, 10000, seed + 1, 0);
		ASSERT_EQ(10000, pwrite(mfd, tmp, 10000, off + 8000));
		memset(buf, 0, 10000);
		ASSERT_EQ(0, access_rw(fd, afd, iova + 8000, buf, 10000,
				       rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, 10000, seed + 1, 0));

		/* ... and stores through a mapping */
		fill_pattern(FMAP(off + 3 * PAGE_SZ - 7), 2 * PAGE_SZ,
			     seed + 2, 0);
		memset(buf, 0, 2 * PAGE_SZ);
		ASSERT_EQ(0, access_rw(fd, afd, iova + 3 * PAGE_SZ - 7, buf,
				       2 * PAGE_SZ, rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, 2 * PAGE_SZ, seed + 2, 0));

		/* All of it */
		ASSERT_EQ(0, access_rw(fd, afd, iova, buf, len, rw_paths[i]));
		EXPECT_EQ(0, memcmp(buf, FMAP(off), len));

		/* Not past the end */
		EXPECT_EQ(-ENOENT, access_rw(fd, afd, iova + len - 10, buf, 20,
					     rw_paths[i]));
	}

	/* A readable mapping can be read, not written */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, IOMMU_IOAS_MAP_READABLE, mfd, SZ_2M,
			  SZ_64K, &iova_ro));
	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		EXPECT_EQ(-EPERM, access_rw(fd, afd, iova_ro, buf, 100,
					    rw_paths[i] |
						    MOCK_ACCESS_RW_WRITE));
		ASSERT_EQ(0, access_rw(fd, afd, iova_ro, buf, SZ_64K,
				       rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, SZ_64K, 1, SZ_2M));
	}

	/* Copies pin nothing for long */
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(len + SZ_64K), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, FMAP(off), len, BASE_REFS));
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, len + SZ_64K);
	EXPECT_CLEAN();
	free(buf);
	free(tmp);
}

TEST_F(file, access_pages)
{
	int fd = self->fd, mfd = self->m.fd, afd;
	__u32 ioas = self->ioas_id, item, item2, item3;

	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 2 * SZ_64K, SZ_64K,
			     IOVA_A));
	ASSERT_EQ(0, mapf_at(fd, ioas, IOMMU_IOAS_MAP_READABLE, mfd, SZ_1M,
			     4 * PAGE_SZ, IOVA_B));

	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_64K + 4 * PAGE_SZ), vmpin());

	/* The pinned pages are the file's (checked against uptr) */
	ASSERT_EQ(0, access_pin(fd, afd, 0, IOVA_A, SZ_64K, FMAP(2 * SZ_64K),
				&item));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(2 * SZ_64K), SZ_64K, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_64K) + MAPPED_KB(4 * PAGE_SZ), vmpin());
	ASSERT_EQ(0, access_pin(fd, afd, MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A + PAGE_SZ, 2 * PAGE_SZ,
				FMAP(2 * SZ_64K + PAGE_SZ), &item2));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(2 * SZ_64K), SZ_64K, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_64K) + MAPPED_KB(4 * PAGE_SZ), vmpin());
	/* Other pages are not these */
	EXPECT_EQ(-EBADE, access_pin(fd, afd, 0, IOVA_A, PAGE_SZ, FMAP(0),
				     NULL));

	/* Read-only memory: a read pin only */
	EXPECT_EQ(-EPERM, access_pin(fd, afd, MOCK_FLAGS_ACCESS_WRITE, IOVA_B,
				     PAGE_SZ, NULL, NULL));
	ASSERT_EQ(0, access_pin(fd, afd, 0, IOVA_B, 4 * PAGE_SZ, FMAP(SZ_1M),
				&item3));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M), 4 * PAGE_SZ, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_64K + 4 * PAGE_SZ), vmpin());

	EXPECT_EQ(0, access_unpin(fd, afd, item));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(2 * SZ_64K), PAGE_SZ, BASE_REFS));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(2 * SZ_64K + PAGE_SZ),
				   2 * PAGE_SZ, 1));
	EXPECT_EQ(0, access_unpin(fd, afd, item2));
	EXPECT_EQ(0, access_unpin(fd, afd, item3));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(2 * SZ_64K), SZ_64K, BASE_REFS));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_1M), 4 * PAGE_SZ, BASE_REFS));
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_64K + 4 * PAGE_SZ), vmpin());
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_64K + 4 * PAGE_SZ);
	EXPECT_CLEAN();
}

/* UNMAP under an access pin asks the access to let go, as for MAP */
TEST_F(file, unmap_under_access_pin)
{
	int fd = self->fd, mfd = self->m.fd, afd;
	__u32 ioas = self->ioas_id, item, item2;
	__u64 unmapped = 0;

	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_64K, IOVA_A));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, SZ_64K, SZ_64K, IOVA_B));
	ASSERT_EQ(0, access_pin(fd, afd, MOCK_FLAGS_ACCESS_WRITE, IOVA_A,
				SZ_64K, FMAP(0), &item));
	ASSERT_EQ(0, access_pin(fd, afd, 0, IOVA_B + PAGE_SZ, PAGE_SZ,
				FMAP(SZ_64K + PAGE_SZ), &item2));
	EXPECT_EQ(self->vmpin0 + KB(SZ_64K) + MAPPED_KB(SZ_64K) +
			  (self->ndomains ? 0 : KB(PAGE_SZ)),
		  vmpin());

	EXPECT_EQ(0, ioas_unmap(fd, ioas, IOVA_A, SZ_64K, &unmapped));
	EXPECT_EQ(SZ_64K, unmapped);
	EXPECT_EQ(-ENOENT, access_unpin(fd, afd, item));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_64K, 0));
	/* The other pin is untouched */
	EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_64K + PAGE_SZ), PAGE_SZ, 1));

	/* Unmap everything, still pinned */
	EXPECT_UNMAP_ALL(fd, ioas, SZ_64K);
	EXPECT_EQ(-ENOENT, access_unpin(fd, afd, item2));
	close(afd);
	EXPECT_CLEAN();
}

/* === 4. Truncation, hole punch and sealing under mappings === */

/*
 * Pin all of [iova, iova + len): the fixture's domain does it, else an
 * access pin does (its item in *item).
 */
static void pin_mapping(struct __test_metadata *_metadata,
			FIXTURE_DATA(file) *self, int afd, __u64 iova,
			size_t len, char *uptr, __u32 *item)
{
	if (!self->ndomains)
		ASSERT_EQ(0, access_pin(self->fd, afd, MOCK_FLAGS_ACCESS_WRITE,
					iova, len, uptr, item));
}

TEST_F(file, truncate_under_pinned_mapping)
{
	const size_t half = SZ_1M / 2;
	int fd = self->fd, afd;
	__u32 ioas = self->ioas_id, item = 0;
	struct memf m;
	__u64 iova, iova2;

	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 7));
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, 0, SZ_1M, &iova));
	pin_mapping(_metadata, self, afd, iova, SZ_1M, m.map, &item);
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 1));

	/* Shrink below the mapping: the device keeps every page */
	ASSERT_EQ(0, ftruncate(m.fd, half));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, m.map, half, 1));
	if (self->ndomains)
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, half,
					  m.map));
	/* (What ACCESS_RW reads: see rw_after_truncate) */
	/* The cut part cannot be pinned any more, nor mapped with a domain */
	if (self->ndomains) {
		EXPECT_EQ(-EFAULT, ioas_map_file(fd, ioas, MAP_RW, m.fd, half,
						 PAGE_SZ, NULL));
	} else {
		ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, half,
					   PAGE_SZ, &iova2));
		EXPECT_EQ(-EFAULT, access_pin(fd, afd, 0, iova2, PAGE_SZ, NULL,
					      NULL));
		EXPECT_UNMAP_EXACT(fd, ioas, iova2, PAGE_SZ);
	}

	/* Growing back gives new pages to the file, not to the device */
	ASSERT_EQ(0, ftruncate(m.fd, SZ_1M));
	EXPECT_TRUE(all_zero(m.map + half, half));
	EXPECT_EQ(0, md_check_refs(fd, m.map + half, half, 0));
	if (self->ndomains)
		EXPECT_EQ(-EINVAL, md_check_map(fd, self->hwpt_id, iova + half,
						MOCK_PAGE, m.map + half));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());

	if (!self->ndomains)
		EXPECT_EQ(0, access_unpin(fd, afd, item));
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));
	memf_free(&m);
	EXPECT_CLEAN();
}

/*
 * ACCESS_RW goes to the pages the IOAS maps, as a device would: pages
 * pinned before a shrink or a hole punch stay those of the mapping even
 * though the file no longer has them.
 */
TEST_F(file, rw_after_truncate)
{
	const size_t half = SZ_1M / 2, q = SZ_1M / 4;
	int fd = self->fd, afd;
	__u32 ioas = self->ioas_id, item = 0, item2 = 0;
	struct memf m, m2;
	__u64 iova, iova2;
	unsigned int i;
	char *buf;

	buf = malloc(SZ_1M);
	ASSERT_NE(NULL, buf);
	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 7));
	ASSERT_TRUE(memf_new(&m2, SZ_1M, 0, 17));
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, 0, SZ_1M, &iova));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m2.fd, 0, SZ_1M, &iova2));
	pin_mapping(_metadata, self, afd, iova, SZ_1M, m.map, &item);
	pin_mapping(_metadata, self, afd, iova2, SZ_1M, m2.map, &item2);

	/* Shrunk: the cut part is still there for the device */
	ASSERT_EQ(0, ftruncate(m.fd, half));
	/* Hole punched */
	ASSERT_EQ(0, fallocate(m2.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, q,
			       q));
	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		memset(buf, 0, SZ_1M);
		EXPECT_EQ(0, access_rw(fd, afd, iova, buf, SZ_1M,
				       rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, SZ_1M, 7, 0));
		memset(buf, 0, SZ_1M);
		EXPECT_EQ(0, access_rw(fd, afd, iova2, buf, SZ_1M,
				       rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, SZ_1M, 17, 0));
	}

	/* Grown back, the file has new pages; the device the old ones */
	ASSERT_EQ(0, ftruncate(m.fd, SZ_1M));
	EXPECT_TRUE(all_zero(m.map + half, half));
	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		memset(buf, 0, SZ_1M);
		EXPECT_EQ(0, access_rw(fd, afd, iova + half, buf, half,
				       rw_paths[i]));
		EXPECT_TRUE(has_pattern(buf, half, 7, half));
	}
	EXPECT_EQ(self->vmpin0 + 2 * KB(SZ_1M), vmpin());

	if (!self->ndomains) {
		EXPECT_EQ(0, access_unpin(fd, afd, item));
		EXPECT_EQ(0, access_unpin(fd, afd, item2));
	}
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, 2 * SZ_1M);
	memf_free(&m);
	memf_free(&m2);
	EXPECT_CLEAN();
	free(buf);
}

TEST_F(file, truncate_before_pinning)
{
	const size_t half = SZ_1M / 2;
	int fd = self->fd, afd;
	__u32 ioas2, item, hwpt;
	char buf[64];
	struct memf m;
	__u64 iova;

	/* An IOAS with nothing attached: nothing gets pinned by MAP_FILE */
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas2));
	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 8));
	ASSERT_EQ(0, ioas_map_file(fd, ioas2, MAP_RW, m.fd, 0, SZ_1M, &iova));
	ASSERT_EQ(0, ftruncate(m.fd, half));

	/* What is past the end cannot be pinned, and nothing changes */
	EXPECT_EQ(-EFAULT, mock_domain(fd, ioas2, NULL, NULL, NULL));
	expect_no_domain_ranges(_metadata, fd, ioas2);
	EXPECT_EQ(self->vmpin0, vmpin());
	EXPECT_EQ(0, md_check_refs(fd, m.map, half, 0));
	ASSERT_EQ(0, access_create(fd, ioas2, PIN_ACCESS, &afd));
	EXPECT_EQ(-EFAULT, access_pin(fd, afd, 0, iova + half, PAGE_SZ, NULL,
				      NULL));
	EXPECT_EQ(-EFAULT, access_pin(fd, afd, 0, iova, SZ_1M, NULL, NULL));
	EXPECT_EQ(self->vmpin0, vmpin());
	EXPECT_EQ(0, md_check_refs(fd, m.map, half, 0));
	EXPECT_EQ(-EFAULT, access_rw(fd, afd, iova + half, buf, sizeof(buf),
				     0));
	/* What is before it still can */
	ASSERT_EQ(0, access_pin(fd, afd, 0, iova, half, m.map, &item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, half, 1));
	EXPECT_EQ(self->vmpin0 + KB(half), vmpin());
	EXPECT_EQ(0, access_unpin(fd, afd, item));
	EXPECT_EQ(self->vmpin0, vmpin());

	/* Grown again, the file has pages there, which get pinned */
	ASSERT_EQ(0, ftruncate(m.fd, SZ_1M));
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt, NULL));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, m.map));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 1));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	EXPECT_TRUE(has_pattern(m.map, half, 8, 0));
	EXPECT_TRUE(all_zero(m.map + half, half));

	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M);
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));
	memf_free(&m);
	EXPECT_CLEAN();
}

TEST_F(file, grow_under_mapping)
{
	int fd = self->fd, afd;
	__u32 ioas = self->ioas_id, item = 0;
	struct memf m;
	__u64 iova, iova2;

	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 9));
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, 0, SZ_1M, &iova));
	pin_mapping(_metadata, self, afd, iova, SZ_1M, m.map, &item);
	/* Past the end: accepted with no domain, but not pinned */
	if (self->ndomains) {
		EXPECT_EQ(-EFAULT, ioas_map_file(fd, ioas, MAP_RW, m.fd, SZ_1M,
						 PAGE_SZ, NULL));
	} else {
		ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, SZ_1M,
					   PAGE_SZ, &iova2));
		EXPECT_EQ(-EFAULT, access_pin(fd, afd, 0, iova2, PAGE_SZ, NULL,
					      NULL));
		EXPECT_UNMAP_EXACT(fd, ioas, iova2, PAGE_SZ);
	}

	ASSERT_EQ(0, ftruncate(m.fd, SZ_2M));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 1));
	if (self->ndomains)
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, SZ_1M,
					  m.map));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	/* The new part can be mapped */
	EXPECT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, SZ_1M, SZ_1M, NULL));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M) + MAPPED_KB(SZ_1M), vmpin());

	if (!self->ndomains)
		EXPECT_EQ(0, access_unpin(fd, afd, item));
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_2M);
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));
	memf_free(&m);
	EXPECT_CLEAN();
}

TEST_F(file, hole_punch)
{
	const size_t q = SZ_1M / 4;
	int fd = self->fd, afd, mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	__u32 ioas = self->ioas_id, ioas2, item = 0, hwpt2;
	struct memf m;
	__u64 iova, iova2;

	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 11));
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, m.fd, 0, SZ_1M, &iova));
	pin_mapping(_metadata, self, afd, iova, SZ_1M, m.map, &item);
	/* Mapped, never pinned */
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas2));
	ASSERT_EQ(0, ioas_map_file(fd, ioas2, MAP_RW, m.fd, 0, SZ_1M, &iova2));

	ASSERT_EQ(0, fallocate(m.fd, mode, q, q));
	EXPECT_TRUE(all_zero(m.map + q, q));
	EXPECT_TRUE(has_pattern(m.map + 2 * q, q, 11, 2 * q));

	/* The pinned pages stay with the device */
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, m.map + q, q, 0));
	EXPECT_EQ(0, md_check_refs(fd, m.map + 2 * q, q, 1));
	if (self->ndomains) {
		EXPECT_EQ(-EINVAL, md_check_map(fd, self->hwpt_id, iova + q,
						MOCK_PAGE, m.map + q));
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova + 2 * q,
					  q, m.map + 2 * q));
	}
	/* (What ACCESS_RW reads: see rw_after_truncate) */

	/* The unpinned mapping gets the file's new pages */
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt2, NULL));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, iova2 + q, q, m.map + q));
	EXPECT_EQ(0, md_check_refs(fd, m.map + q, q, 1));
	EXPECT_EQ(self->vmpin0 + 2 * KB(SZ_1M), vmpin());

	if (!self->ndomains)
		EXPECT_EQ(0, access_unpin(fd, afd, item));
	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M);
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));
	memf_free(&m);
	EXPECT_CLEAN();
}

/* F_ADD_SEALS: 0 or -errno */
static int add_seals(int fd, int seals)
{
	return fcntl(fd, F_ADD_SEALS, seals) ? -errno : 0;
}

TEST_F(file, seal_write)
{
	int fd = self->fd, mfd, ro_fd;
	__u32 ioas = self->ioas_id, ioas2;
	struct memf m;
	__u64 iova;
	char *ro;

	ASSERT_TRUE(memf_new(&m, SZ_64K, MFD_ALLOW_SEALING, 12));
	/*
	 * Only the device may write: no writable mapping of our own. A
	 * shared mapping through a descriptor open for writing counts as
	 * writable even without PROT_WRITE, so look through a read-only one.
	 */
	ASSERT_EQ(0, munmap(m.map, SZ_64K));
	m.map = NULL;
	mfd = m.fd;
	ro_fd = reopen(mfd, O_RDONLY);
	ASSERT_LE(0, ro_fd);
	ro = mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED, ro_fd, 0);
	ASSERT_NE(MAP_FAILED, ro);
	close(ro_fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));

	/* A writeable mapping is a writable mapping of the file */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, 0, SZ_64K, &iova));
	EXPECT_EQ(-EBUSY, add_seals(mfd, F_SEAL_WRITE));
	/* So is a COPY of it, after the original is gone */
	ASSERT_EQ(0, ioas_copy_fixed(fd, ioas2, IOVA_A, ioas, iova, SZ_64K));
	EXPECT_UNMAP_EXACT(fd, ioas, iova, SZ_64K);
	EXPECT_EQ(-EBUSY, add_seals(mfd, F_SEAL_WRITE));
	EXPECT_EQ(0, fcntl(mfd, F_GET_SEALS));
	EXPECT_UNMAP_EXACT(fd, ioas2, IOVA_A, SZ_64K);
	EXPECT_EQ(0, md_check_refs(fd, ro, SZ_64K, 0));

	/* With both gone it can be sealed */
	EXPECT_EQ(0, add_seals(mfd, F_SEAL_WRITE));
	EXPECT_EQ(F_SEAL_WRITE, fcntl(mfd, F_GET_SEALS));
	EXPECT_EQ(-EPERM, ioas_map_file(fd, ioas, MAP_RW, mfd, 0, SZ_64K, NULL));
	ASSERT_EQ(0, ioas_map_file(fd, ioas, IOMMU_IOAS_MAP_READABLE, mfd, 0, SZ_64K,
			  &iova));
	EXPECT_EQ(0, md_check_refs(fd, ro, SZ_64K, BASE_REFS));
	if (self->ndomains)
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, iova, SZ_64K, ro));
	EXPECT_UNMAP_EXACT(fd, ioas, iova, SZ_64K);
	EXPECT_EQ(0, md_check_refs(fd, ro, SZ_64K, 0));
	munmap(ro, SZ_64K);
	memf_free(&m);
	EXPECT_CLEAN();
}

/* === 5. CHANGE_PROCESS within one process === */

TEST_F(file, change_process_basics)
{
	int fd = self->fd, mfd = self->m.fd, fd2;
	__u32 ioas = self->ioas_id, ioas2, hwpt;
	unsigned int i;
	long pin;

	/* Reserved bits */
	EXPECT_EQ(-EOPNOTSUPP, change_process_raw(fd, 1));
	EXPECT_EQ(-EOPNOTSUPP, change_process_raw(fd, 1U << 31));

	/* Nothing to move */
	fd2 = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, ioas_change_process(fd2));
	ASSERT_EQ(0, ioas_alloc(fd2, &ioas2));
	EXPECT_EQ(0, ioas_change_process(fd2));
	EXPECT_EQ(0, obj_destroy(fd2, ioas2));
	EXPECT_EQ(0, ioas_change_process(fd2));
	close(fd2);
	EXPECT_EQ(0, ioas_change_process(fd));

	/* From the owner: nothing changes */
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_1M, IOVA_A));
	ASSERT_EQ(0, mapf_at(fd, ioas, IOMMU_IOAS_MAP_READABLE, mfd, SZ_2M,
			     SZ_1M / 4, IOVA_C));
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, ioas_copy_fixed(fd, ioas2, IOVA_B, ioas, IOVA_A, SZ_1M));
	pin = vmpin();
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_1M + SZ_1M / 4), pin);
	EXPECT_EQ(-EOPNOTSUPP, change_process_raw(fd, 2));
	for (i = 0; i != 3; i++) {
		EXPECT_EQ(0, ioas_change_process(fd));
		EXPECT_EQ(pin, vmpin());
		EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, BASE_REFS));
		EXPECT_EQ(0, md_check_refs(fd, FMAP(SZ_2M), SZ_1M / 4,
					   BASE_REFS));
		if (self->ndomains) {
			EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, IOVA_A,
						  SZ_1M, FMAP(0)));
			EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, IOVA_C,
						  SZ_1M / 4, FMAP(SZ_2M)));
		}
	}

	/* The mappings work on as before: attach pins them */
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt, NULL));
	EXPECT_EQ(0, md_check_map(fd, hwpt, IOVA_B, SZ_1M, FMAP(0)));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M) + MAPPED_KB(SZ_1M / 4), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, 1));
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(self->vmpin0 + KB(SZ_1M) + MAPPED_KB(SZ_1M / 4), vmpin());

	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M + SZ_1M / 4);
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_CLEAN();
}

TEST_F(file, change_process_refuses_user_memory)
{
	int fd = self->fd, mfd = self->m.fd;
	__u32 ioas = self->ioas_id, ioas2, ioas3, hwpt2;
	size_t raw_size;
	long pin;
	void *raw;
	char *buf;

	buf = alloc_touched(SZ_1M, SZ_2M, false, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_1M, IOVA_A));

	/* User memory in another IOAS, pinned there */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt2, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas2, buf, SZ_1M / 4, IOVA_A));
	pin = vmpin();
	EXPECT_EQ(-EINVAL, ioas_change_process(fd));
	EXPECT_EQ(pin, vmpin());
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_1M / 4, 1));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, IOVA_A, SZ_1M / 4, buf));
	EXPECT_EQ(0, md_check_refs(fd, FMAP(0), SZ_1M, BASE_REFS));
	if (self->ndomains)
		EXPECT_EQ(0, md_check_map(fd, self->hwpt_id, IOVA_A, SZ_1M,
					  FMAP(0)));

	/* A COPY of user memory is user memory */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas3));
	ASSERT_EQ(0, ioas_copy_fixed(fd, ioas3, IOVA_B, ioas2, IOVA_A,
				     SZ_1M / 4));
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M / 4);
	EXPECT_EQ(-EINVAL, ioas_change_process(fd));
	EXPECT_UNMAP_ALL(fd, ioas3, SZ_1M / 4);
	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_1M), vmpin());
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_1M, 0));

	/* Without it the move works */
	EXPECT_EQ(0, ioas_change_process(fd));

	/* User memory next to the file, unpinned: refused all the same */
	ASSERT_EQ(0, ioas_map(fd, ioas3, MAP_RW, (uintptr_t)buf, SZ_1M, NULL));
	EXPECT_EQ(-EINVAL, ioas_change_process(fd));
	EXPECT_UNMAP_ALL(fd, ioas3, SZ_1M);
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buf, SZ_1M, IOVA_B));
	EXPECT_EQ(-EINVAL, ioas_change_process(fd));
	EXPECT_UNMAP_EXACT(fd, ioas, IOVA_B, SZ_1M);
	EXPECT_EQ(0, ioas_change_process(fd));

	EXPECT_EQ(self->vmpin0 + MAPPED_KB(SZ_1M), vmpin());
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_1M, 0));
	munmap(raw, raw_size);
	EXPECT_CLEAN();
}

/* === 6. Huge pages and files that are not memfds === */

/* A fresh directory in /tmp, for a mount */
static bool make_mountpoint(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/iommufd_file.XXXXXX");
	return mkdtemp(dir) != NULL;
}

/*
 * A regular file on a filesystem other than tmpfs cannot be pinned: MAP_FILE
 * accepts it, as upstream, but attaching a domain, or a MAP with one
 * attached, fails
 */
TEST(ramfs_file_refused)
{
	char dir[64], path[96], *map;
	__u32 ioas_id, hwpt;
	struct statfs st;
	int fd, ffd;

	REQUIRE_ROOT();
	ASSERT_TRUE(make_mountpoint(dir, sizeof(dir)));
	if (mount("none", dir, "ramfs", 0, NULL)) {
		rmdir(dir);
		SKIP(return, "cannot mount ramfs");
	}
	ASSERT_EQ(0, statfs(dir, &st));
	EXPECT_NE((unsigned long)TMPFS_MAGIC, (unsigned long)st.f_type);
	snprintf(path, sizeof(path), "%s/file", dir);
	ffd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, SZ_64K));
	map = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, map);
	fill_pattern(map, SZ_64K, 3, 0);

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas_id));
	ASSERT_EQ(0, ioas_map_file(fd, ioas_id, MAP_RW, ffd, 0, SZ_64K, NULL));
	ASSERT_EQ(0, ioas_map_file(fd, ioas_id, IOMMU_IOAS_MAP_READABLE, ffd, 0,
				   PAGE_SZ, NULL));
	EXPECT_EQ(-EINVAL, mock_domain(fd, ioas_id, NULL, &hwpt, NULL));
	EXPECT_EQ(0, md_check_refs(fd, map, SZ_64K, 0));
	EXPECT_UNMAP_ALL(fd, ioas_id, SZ_64K + PAGE_SZ);
	ASSERT_EQ(0, mock_domain(fd, ioas_id, NULL, &hwpt, NULL));
	EXPECT_EQ(-EINVAL, ioas_map_file(fd, ioas_id, MAP_RW, ffd, 0, SZ_64K, NULL));
	EXPECT_EQ(-EINVAL, ioas_map_file(fd, ioas_id, IOMMU_IOAS_MAP_READABLE, ffd, 0,
				PAGE_SZ, NULL));
	EXPECT_UNMAP_ALL(fd, ioas_id, 0);
	EXPECT_EQ(0, md_check_refs(fd, map, SZ_64K, 0));
	close(fd);

	munmap(map, SZ_64K);
	close(ffd);
	EXPECT_EQ(0, umount2(dir, MNT_DETACH));
	rmdir(dir);
}

/* Any regular tmpfs file will do, not only a memfd */
TEST(tmpfs_file_accepted)
{
	char dir[64], path[96], *map;
	__u32 ioas_id, hwpt;
	int fd, ffd;
	long pin0 = vmpin();
	__u64 iova;

	REQUIRE_ROOT();
	ASSERT_TRUE(make_mountpoint(dir, sizeof(dir)));
	ASSERT_EQ(0, mount("none", dir, "tmpfs", 0, NULL));
	snprintf(path, sizeof(path), "%s/file", dir);
	ffd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, SZ_64K));
	map = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, map);
	fill_pattern(map, SZ_64K, 4, 0);

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));
	ASSERT_EQ(0, mock_domain(fd, ioas_id, NULL, &hwpt, NULL));
	ASSERT_EQ(0, ioas_map_file(fd, ioas_id, MAP_RW, ffd, 0, SZ_64K, &iova));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_64K, map));
	EXPECT_EQ(0, md_check_refs(fd, map, SZ_64K, 1));
	EXPECT_EQ(pin0 + KB(SZ_64K), vmpin());
	EXPECT_UNMAP_ALL(fd, ioas_id, SZ_64K);
	EXPECT_EQ(0, md_check_refs(fd, map, SZ_64K, 0));
	EXPECT_EQ(pin0, vmpin());
	close(fd);

	munmap(map, SZ_64K);
	close(ffd);
	EXPECT_EQ(0, umount2(dir, MNT_DETACH));
	rmdir(dir);
}

/*
 * Shared checks of a 4 MiB file in huge pages mapped at @map: mappings at
 * a huge page boundary, half a small page in, and across a huge page
 * boundary, into a domain with small IO pages and one with 1 MiB ones,
 * and copies through an access with and without a domain.
 */
static void check_huge_file(struct __test_metadata *_metadata, int mfd,
			    char *map, unsigned int seed)
{
	const __u64 s2 = SZ_2M + PAGE_SZ + MOCK_PAGE, s3 = PAGE_SZ;
	__u32 ioas, ioas2, hwpt, huge_hwpt;
	__u64 iova1, iova2, iova3, iova4;
	long pin0 = vmpin();
	unsigned int i;
	int fd, afd, afd2;
	char buf[256];

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	ASSERT_EQ(0, huge_iova_domain(fd, ioas, &huge_hwpt));

	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, 0, SZ_4M, &iova1));
	EXPECT_EQ(0ULL, iova1 % SZ_2M);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, s2, SZ_1M, &iova2));
	EXPECT_EQ(s2 % PAGE_SZ, iova2 % PAGE_SZ);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, mfd, s3, SZ_2M, &iova3));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova1, SZ_4M, map));
	EXPECT_EQ(0, md_check_map(fd, huge_hwpt, iova1, SZ_4M, map));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova2, SZ_1M, map + s2));
	EXPECT_EQ(0, md_check_map(fd, huge_hwpt, iova2, SZ_1M, map + s2));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova3, SZ_2M, map + s3));
	EXPECT_EQ(0, md_check_map(fd, huge_hwpt, iova3, SZ_2M, map + s3));
	/* Pins are counted in small pages, per page set */
	EXPECT_EQ(pin0 + KB(SZ_4M) + pin_kb(s2, SZ_1M) + pin_kb(s3, SZ_2M),
		  vmpin());

	/* Copies across the huge page boundary, both ways */
	ASSERT_EQ(0, access_create(fd, ioas, 0, &afd));
	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		ASSERT_EQ(0, access_rw(fd, afd, iova3 + SZ_2M - PAGE_SZ - 100,
				       buf, sizeof(buf), rw_paths[i]));
		EXPECT_EQ(0, memcmp(buf, map + SZ_2M - 100, sizeof(buf)));
		fill_pattern(buf, sizeof(buf), seed + 1 + i, 0);
		ASSERT_EQ(0, access_rw(fd, afd, iova1 + SZ_2M - 50, buf,
				       sizeof(buf),
				       rw_paths[i] | MOCK_ACCESS_RW_WRITE));
		EXPECT_TRUE(has_pattern(map + SZ_2M - 50, sizeof(buf),
					seed + 1 + i, 0));
	}
	close(afd);

	/* Without a domain every copy pins a page of the file for a moment */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, ioas_map_file(fd, ioas2, MAP_RW, mfd, s2, SZ_64K, &iova4));
	ASSERT_EQ(0, access_create(fd, ioas2, 0, &afd2));
	for (i = 0; i != ARRAY_SIZE(rw_paths); i++) {
		ASSERT_EQ(0, access_rw(fd, afd2, iova4 + 10, buf, sizeof(buf),
				       rw_paths[i]));
		EXPECT_EQ(0, memcmp(buf, map + s2 + 10, sizeof(buf)));
	}
	close(afd2);

	EXPECT_UNMAP_ALL(fd, ioas, SZ_4M + SZ_1M + SZ_2M);
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_64K);
	EXPECT_EQ(pin0, vmpin());
	close(fd);
}

/* Shared memory in transparent huge pages: a tmpfs mounted huge=always */
TEST(thp_shmem_file)
{
	char dir[64], path[96], *map, *buf;
	int mfd, iommufd;
	void *raw;

	REQUIRE_ROOT();
	ASSERT_TRUE(make_mountpoint(dir, sizeof(dir)));
	if (mount("none", dir, "tmpfs", 0, "huge=always")) {
		rmdir(dir);
		SKIP(return, "no tmpfs with huge=always");
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	mfd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, SZ_4M));
	/* Filled by write(2), which allocates huge pages with no VMA */
	buf = malloc(SZ_4M);
	ASSERT_NE(NULL, buf);
	fill_pattern(buf, SZ_4M, 5, 0);
	ASSERT_EQ((ssize_t)SZ_4M, pwrite(mfd, buf, SZ_4M, 0));
	free(buf);
	/* Mapped 2 MiB aligned, where the huge pages fit */
	raw = mmap(NULL, SZ_4M + SZ_2M, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	map = mmap((char *)ALIGN_UP((uintptr_t)raw, SZ_2M), SZ_4M,
		   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_TRUE(has_pattern(map, SZ_4M, 5, 0));

	/* MD_CHECK_REFS skips compound pages: any count passes on THP */
	iommufd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, iommufd);
	if (md_check_refs(iommufd, map, SZ_4M, 1000)) {
		close(iommufd);
		munmap(raw, SZ_4M + SZ_2M);
		close(mfd);
		umount2(dir, MNT_DETACH);
		rmdir(dir);
		SKIP(return, "the file did not get huge pages (shmem THP unsupported?)");
	}
	close(iommufd);

	check_huge_file(_metadata, mfd, map, 5);

	munmap(raw, SZ_4M + SZ_2M);
	close(mfd);
	EXPECT_EQ(0, umount2(dir, MNT_DETACH));
	rmdir(dir);
}

/* A field of /proc/meminfo, or -1 */
static long meminfo(const char *key)
{
	size_t len = strlen(key);
	char line[256];
	long val = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static long read_long(const char *path)
{
	long val = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

static bool write_long(const char *path, long val)
{
	bool ok;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", val) > 0;
	return !fclose(f) && ok;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/* hugetlbfs through memfd_create(MFD_HUGETLB), in 2 MiB pages */
TEST(hugetlb_memfd)
{
	long old_nr = -1, free_pages;
	char *map;
	int mfd;

	if (meminfo("Hugepagesize") != 2048)
		SKIP(return, "the default huge page is not 2 MiB");
	free_pages = meminfo("HugePages_Free");
	if (free_pages < 2 && geteuid() == 0) {
		old_nr = read_long(NR_HUGEPAGES);
		if (old_nr >= 0 &&
		    !write_long(NR_HUGEPAGES, old_nr + 2 - free_pages))
			old_nr = -1;
	}

	mfd = memfd_create("iommufd_file_huge", MFD_HUGETLB);
	if (mfd < 0 || ftruncate(mfd, SZ_4M))
		map = MAP_FAILED;
	else
		map = mmap(NULL, SZ_4M, PROT_READ | PROT_WRITE, MAP_SHARED,
			   mfd, 0);
	if (map == MAP_FAILED) {
		if (mfd >= 0)
			close(mfd);
		if (old_nr >= 0)
			write_long(NR_HUGEPAGES, old_nr);
		SKIP(return, "no 2 MiB hugetlb pages");
	}
	fill_pattern(map, SZ_4M, 6, 0);

	check_huge_file(_metadata, mfd, map, 6);

	munmap(map, SZ_4M);
	close(mfd);
	if (old_nr >= 0)
		EXPECT_TRUE(write_long(NR_HUGEPAGES, old_nr));
}

/*
 * CPU copies of hugetlbfs pages go through the page cache, from a kthread
 * too; a huge page not in the file yet is faulted in through a short
 * mapping, which only a caller with an mm of its own has.
 */
TEST(hugetlb_kthread_rw)
{
	long old_nr = -1, free_pages;
	unsigned char buf[64];
	int mfd, fd, afd, maps0;
	__u32 ioas;
	char *map;

	if (meminfo("Hugepagesize") != 2048)
		SKIP(return, "the default huge page is not 2 MiB");
	free_pages = meminfo("HugePages_Free");
	if (free_pages < 2 && geteuid() == 0) {
		old_nr = read_long(NR_HUGEPAGES);
		if (old_nr >= 0 &&
		    !write_long(NR_HUGEPAGES, old_nr + 2 - free_pages))
			old_nr = -1;
	}
	mfd = memfd_create("iommufd_file_huge", MFD_HUGETLB);
	if (mfd < 0 || ftruncate(mfd, SZ_4M))
		map = MAP_FAILED;
	else
		map = mmap(NULL, SZ_4M, PROT_READ | PROT_WRITE, MAP_SHARED,
			   mfd, 0);
	if (map == MAP_FAILED || meminfo("HugePages_Free") < 2) {
		if (map != MAP_FAILED)
			munmap(map, SZ_4M);
		if (mfd >= 0)
			close(mfd);
		if (old_nr >= 0)
			write_long(NR_HUGEPAGES, old_nr);
		SKIP(return, "no 2 MiB hugetlb pages");
	}
	/* The first huge page is in the file, the second is a hole */
	fill_pattern(map, SZ_2M, 14, 0);

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, mfd, 0, SZ_4M, IOVA_A));
	ASSERT_EQ(0, access_create(fd, ioas, 0, &afd));
	maps0 = memf_maps();

	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + SZ_1M + PAGE_SZ - 7, buf,
			       sizeof(buf), MOCK_ACCESS_RW_KTHREAD));
	EXPECT_TRUE(has_pattern(buf, sizeof(buf), 14, SZ_1M + PAGE_SZ - 7));
	fill_pattern(buf, sizeof(buf), 15, 0);
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + SZ_2M - 20, buf, 20,
			       MOCK_ACCESS_RW_KTHREAD | MOCK_ACCESS_RW_WRITE));
	EXPECT_TRUE(has_pattern(map + SZ_2M - 20, 20, 15, 0));

	/* The hole: not from a kthread, which changes nothing */
	memset(buf, 0x5a, sizeof(buf));
	EXPECT_EQ(-EFAULT, access_rw(fd, afd, IOVA_A + SZ_2M + 5, buf,
				     sizeof(buf), MOCK_ACCESS_RW_KTHREAD));
	EXPECT_EQ(-EFAULT, access_rw(fd, afd, IOVA_A + SZ_2M - 8, buf,
				     sizeof(buf), MOCK_ACCESS_RW_KTHREAD));
	EXPECT_EQ(maps0, memf_maps());
	/* From this process it is faulted in, and then in the page cache */
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + SZ_2M + 5, buf, sizeof(buf),
			       0));
	EXPECT_TRUE(all_zero(buf, sizeof(buf)));
	EXPECT_EQ(maps0, memf_maps());
	fill_pattern(buf, sizeof(buf), 16, 0);
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + SZ_4M - sizeof(buf), buf,
			       sizeof(buf),
			       MOCK_ACCESS_RW_KTHREAD | MOCK_ACCESS_RW_WRITE));
	EXPECT_TRUE(has_pattern(map + SZ_4M - sizeof(buf), sizeof(buf), 16, 0));

	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_4M);
	close(fd);
	munmap(map, SZ_4M);
	close(mfd);
	if (old_nr >= 0)
		EXPECT_TRUE(write_long(NR_HUGEPAGES, old_nr));
}

/* === Pinning and copying from a kthread, and what pinning maps === */

/*
 * A kthread copies file memory through the page cache, so it needs no mm
 * at all: the owner may be gone. A long-term pin from a kthread of pages
 * nothing holds yet fails with EFAULT, and nothing changes; pages that
 * are already pinned it gets.
 */
TEST(kthread_file_rw_after_owner_exit)
{
	__u32 ioas, item, item2;
	unsigned char buf[300];
	int fd, afd, status;
	long vmpin0 = vmpin();
	struct memf m;
	pid_t pid;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas));
	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 11));

	/* The owner maps the file, and exits */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(mapf_at(fd, ioas, MAP_RW, m.fd, 0, SZ_1M, IOVA_A) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));

	/* Nothing is pinned; the kthread reads and writes the file */
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + PAGE_SZ - 10, buf,
			       sizeof(buf), MOCK_ACCESS_RW_KTHREAD));
	EXPECT_TRUE(has_pattern(buf, sizeof(buf), 11, PAGE_SZ - 10));
	fill_pattern(buf, sizeof(buf), 12, 0);
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + (SZ_1M / 2) - 5, buf,
			       sizeof(buf),
			       MOCK_ACCESS_RW_KTHREAD | MOCK_ACCESS_RW_WRITE));
	EXPECT_TRUE(has_pattern(m.map + (SZ_1M / 2) - 5, sizeof(buf), 12, 0));
	EXPECT_TRUE(has_pattern(m.map + (SZ_1M / 2) - 5 - PAGE_SZ, PAGE_SZ, 11,
				(SZ_1M / 2) - 5 - PAGE_SZ));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));
	EXPECT_EQ(vmpin0, vmpin());

	/* A kthread cannot pin what nobody has pinned */
	EXPECT_EQ(-EFAULT, access_pin(fd, afd, MOCK_FLAGS_ACCESS_KTHREAD,
				      IOVA_A, PAGE_SZ, NULL, &item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));

	/* This process can, through its own mm; then the kthread can too */
	ASSERT_EQ(0, access_pin(fd, afd, MOCK_FLAGS_ACCESS_WRITE, IOVA_A,
				SZ_64K, m.map, &item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_64K, 1));
	ASSERT_EQ(0, access_pin(fd, afd, MOCK_FLAGS_ACCESS_KTHREAD,
				IOVA_A + PAGE_SZ, PAGE_SZ, m.map + PAGE_SZ,
				&item2));
	/* (Pinned once, whatever the number of access pins) */
	EXPECT_EQ(0, md_check_refs(fd, m.map + PAGE_SZ, PAGE_SZ, 1));
	/* Not if a page of the range is not pinned yet */
	EXPECT_EQ(-EFAULT, access_pin(fd, afd, MOCK_FLAGS_ACCESS_KTHREAD,
				      IOVA_A, SZ_64K + PAGE_SZ, NULL, NULL));
	EXPECT_EQ(0, md_check_refs(fd, m.map + SZ_64K, PAGE_SZ, 0));
	EXPECT_EQ(0, access_unpin(fd, afd, item2));
	EXPECT_EQ(0, access_unpin(fd, afd, item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));

	close(afd);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	close(fd);
	memf_free(&m);
	EXPECT_EQ(vmpin0, vmpin());
}

/*
 * The owner alive, with its own mm: still only the calling process's own
 * address space is used, so a kthread's long-term pin of pages nobody has
 * pinned fails (and does not map anything into the owner).
 */
TEST(kthread_file_pin_with_owner_alive)
{
	long vmpin0 = vmpin();
	unsigned char buf[64];
	__u32 ioas, item;
	int fd, afd, maps0;
	struct memf m;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas));
	ASSERT_TRUE(memf_new(&m, SZ_1M, 0, 13));
	ASSERT_EQ(0, mapf_at(fd, ioas, MAP_RW, m.fd, 0, SZ_1M, IOVA_A));
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	maps0 = memf_maps();
	ASSERT_LE(1, maps0);

	EXPECT_EQ(-EFAULT, access_pin(fd, afd,
				      MOCK_FLAGS_ACCESS_KTHREAD |
					      MOCK_FLAGS_ACCESS_WRITE,
				      IOVA_A, SZ_64K, NULL, &item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));
	EXPECT_EQ(vmpin0, vmpin());
	EXPECT_EQ(maps0, memf_maps());

	/* A copy from a kthread needs no pin */
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + 3 * PAGE_SZ - 7, buf,
			       sizeof(buf), MOCK_ACCESS_RW_KTHREAD));
	EXPECT_TRUE(has_pattern(buf, sizeof(buf), 13, 3 * PAGE_SZ - 7));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));

	/* From this process the pin works, and leaves no mapping behind */
	ASSERT_EQ(0, access_pin(fd, afd, MOCK_FLAGS_ACCESS_WRITE, IOVA_A,
				SZ_1M, m.map, &item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 1));
	EXPECT_EQ(maps0, memf_maps());
	EXPECT_EQ(0, access_unpin(fd, afd, item));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 0));

	/* A domain's fill neither */
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, NULL, NULL));
	EXPECT_EQ(0, md_check_refs(fd, m.map, SZ_1M, 1));
	EXPECT_EQ(maps0, memf_maps());

	close(afd);
	close(fd);
	EXPECT_EQ(vmpin0, vmpin());
	memf_free(&m);
}

/* === 7. CHANGE_PROCESS between processes === */

/*
 * The test's context (@fd) is shared with one or two workers. The variants
 * are the two accounting modes; in both, the test and the workers drop
 * root, so that pins are charged. In per-process mode a charge shows in
 * the owner's VmLck; VmPin follows the owner in both.
 */
#define HO_SIZE SZ_2M

FIXTURE(handover) {
	int fd;
	int check_fd;	/* another context, for MD_CHECK_REFS only */
	struct memf m;	/* HO_SIZE, pattern 20 */
	struct worker w[2];
	long vmpin0;
	bool mm_mode;
};

FIXTURE_VARIANT(handover) {
	bool mm_mode;
};

FIXTURE_VARIANT_ADD(handover, per_user) {
	.mm_mode = false,
};

FIXTURE_VARIANT_ADD(handover, per_process) {
	.mm_mode = true,
};

FIXTURE_SETUP(handover)
{
	self->m.fd = -1;
	self->vmpin0 = vmpin();
	self->mm_mode = variant->mm_mode;
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->check_fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->check_fd);
	/* Needs CAP_SYS_RESOURCE; the tests skip without root anyway */
	if (variant->mm_mode && geteuid() == 0)
		ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					1));
	ASSERT_TRUE(memf_new(&self->m, HO_SIZE, 0, 20));
	ASSERT_EQ(-EIO, md_check_refs(self->check_fd, self->m.map, HO_SIZE,
				      1000));
}

FIXTURE_TEARDOWN(handover)
{
	unsigned int i;

	/* The workers share the context: it lives until they are gone */
	for (i = 0; i != ARRAY_SIZE(self->w); i++)
		EXPECT_EQ(0, worker_stop(&self->w[i]));
	if (self->fd >= 0)
		close(self->fd);
	if (self->check_fd >= 0 && self->m.map) {
		EXPECT_EQ(0, md_check_refs(self->check_fd, self->m.map,
					   HO_SIZE, 0));
	}
	if (self->check_fd >= 0)
		close(self->check_fd);
	EXPECT_EQ(self->vmpin0, vmpin());
	memf_free(&self->m);
}

/* VmLck that owning @bytes of pins adds in this variant */
#define LCK_KB(bytes) (self->mm_mode ? KB(bytes) : 0L)

#define HMAP(off) (self->m.map + (off))

/* Start worker @i as @uid with RLIMIT_MEMLOCK @memlock; *c0 its status */
#define START_WORKER(i, uid, memlock, c0)				\
	do {								\
		ASSERT_TRUE(worker_start(&self->w[i], self->fd, uid,	\
					 memlock, c0));			\
		ASSERT_EQ(0, (c0)->ret);				\
		EXPECT_EQ(0, (c0)->vmpin);				\
		EXPECT_EQ(0, (c0)->vmlck);				\
	} while (0)

/* Worker @i runs @op (@arg); its answer in *r */
#define WORKER(i, op, arg, r) ASSERT_TRUE(worker_do(&self->w[i], op, arg, r))

/* The test itself becomes "nobody" with RLIMIT_MEMLOCK @memlock */
#define BECOME_NOBODY(memlock)						\
	do {								\
		ASSERT_TRUE(set_memlock(memlock));			\
		ASSERT_TRUE(become_user(NOBODY));			\
	} while (0)

TEST_F(handover, to_worker_and_back)
{
	__u32 ioas, ioas2, hwpt, hwpt2;
	struct worker_reply c0, r;
	__u64 iova, iova2 = 0, iova3;
	int fd = self->fd;
	long pin0, lck0;

	REQUIRE_ROOT();
	START_WORKER(0, NOBODY, SZ_64M, &c0);
	BECOME_NOBODY(SZ_64M);

	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt2, NULL));
	pin0 = vmpin();
	lck0 = vmlck();
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, SZ_1M, &iova));
	ASSERT_EQ(0, ioas_copy(fd, MAP_RW, ioas2, ioas, SZ_1M, iova, &iova2));
	EXPECT_EQ(pin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(SZ_1M), vmlck());

	/* The worker takes it all; the copy shares the page set */
	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(KB(SZ_1M), r.vmpin);
	EXPECT_EQ(LCK_KB(SZ_1M), r.vmlck);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
	/* The pins are the same */
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, HMAP(0)));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, iova2, SZ_1M, HMAP(0)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), SZ_1M, 1));

	/* A mapping made now is ours, until the worker takes it too */
	ASSERT_EQ(0, ioas_map_file(fd, ioas2, MAP_RW, self->m.fd, SZ_1M, SZ_1M / 4,
			  &iova3));
	EXPECT_EQ(pin0 + KB(SZ_1M / 4), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(SZ_1M / 4), vmlck());
	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(KB(SZ_1M + SZ_1M / 4), r.vmpin);
	EXPECT_EQ(LCK_KB(SZ_1M + SZ_1M / 4), r.vmlck);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());

	/* Back to us */
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(SZ_1M + SZ_1M / 4), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(SZ_1M + SZ_1M / 4), vmlck());
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(0, r.vmpin);
	EXPECT_EQ(0, r.vmlck);
	/* Again: nothing to do */
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(SZ_1M + SZ_1M / 4), vmpin());
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, HMAP(0)));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, iova3, SZ_1M / 4, HMAP(SZ_1M)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), SZ_1M + SZ_1M / 4, 1));

	/* Unmapped while the worker owns it: the worker is uncharged */
	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(KB(SZ_1M + SZ_1M / 4), r.vmpin);
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M + SZ_1M / 4);
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(0, r.vmpin);
	EXPECT_EQ(0, r.vmlck);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), HO_SIZE, 0));
	EXPECT_EQ(0, worker_stop(&self->w[0]));
}

/* Pages pinned after the move are charged to the new owner */
TEST_F(handover, later_pins_charge_the_owner)
{
	struct worker_reply c0, r;
	__u32 ioas, stdev, hwpt, item;
	int fd = self->fd, afd;
	long pin0, lck0;
	__u64 iova;

	REQUIRE_ROOT();
	START_WORKER(0, NOBODY, SZ_64M, &c0);
	BECOME_NOBODY(SZ_64M);

	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas));
	pin0 = vmpin();
	lck0 = vmlck();
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, SZ_1M, &iova));
	EXPECT_EQ(pin0, vmpin());
	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, r.vmpin);

	/* We attach, the worker pays */
	ASSERT_EQ(0, mock_domain(fd, ioas, &stdev, &hwpt, NULL));
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(KB(SZ_1M), r.vmpin);
	EXPECT_EQ(LCK_KB(SZ_1M), r.vmlck);
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, HMAP(0)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), SZ_1M, 1));

	EXPECT_EQ(0, obj_destroy(fd, stdev));
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(0, r.vmpin);
	EXPECT_EQ(0, r.vmlck);
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), SZ_1M, 0));

	/* The same for an access pin */
	ASSERT_EQ(0, access_create(fd, ioas, PIN_ACCESS, &afd));
	ASSERT_EQ(0, access_pin(fd, afd, 0, iova + PAGE_SZ, 2 * PAGE_SZ,
				HMAP(PAGE_SZ), &item));
	EXPECT_EQ(pin0, vmpin());
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(KB(2 * PAGE_SZ), r.vmpin);
	EXPECT_EQ(LCK_KB(2 * PAGE_SZ), r.vmlck);
	EXPECT_EQ(0, access_unpin(fd, afd, item));
	close(afd);
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(0, r.vmpin);

	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
	EXPECT_EQ(0, worker_stop(&self->w[0]));
}

/*
 * The new owner is charged against its own RLIMIT_MEMLOCK: if that fails
 * nothing changes. Per user, a move within one user never fails.
 */
TEST_F(handover, new_owner_over_its_limit)
{
	struct worker_reply c0, c1, r;
	int fd = self->fd, over;
	__u32 ioas, hwpt;
	long pin0, lck0;
	__u64 iova;

	REQUIRE_ROOT();
	if (self->mm_mode) {
		START_WORKER(0, NOBODY, SZ_1M / 2, &c0);
		over = 0;
	} else {
		/* Same user, tiny limit; another user, small limit */
		START_WORKER(0, NOBODY, PAGE_SZ, &c0);
		START_WORKER(1, OTHER_UID, SZ_1M / 2, &c1);
		over = 1;
	}
	BECOME_NOBODY(SZ_64M);

	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	pin0 = vmpin();
	lck0 = vmlck();
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, SZ_1M, &iova));

	if (!self->mm_mode) {
		WORKER(0, W_CHANGE, 0, &r);
		EXPECT_EQ(0, r.ret);
		EXPECT_EQ(KB(SZ_1M), r.vmpin);
		EXPECT_EQ(pin0, vmpin());
		EXPECT_EQ(0, ioas_change_process(fd));
		WORKER(0, W_STATUS, 0, &r);
		EXPECT_EQ(0, r.vmpin);
	}

	WORKER(over, W_CHANGE, 0, &r);
	EXPECT_EQ(-ENOMEM, r.ret);
	EXPECT_EQ(0, r.vmpin);
	EXPECT_EQ(0, r.vmlck);
	EXPECT_EQ(pin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(SZ_1M), vmlck());
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, HMAP(0)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), SZ_1M, 1));
	/* Still ours: a move to us is a no-op */
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(SZ_1M), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(SZ_1M), vmlck());
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_EQ(pin0, vmpin());

	/* Under the limit the same worker can take it */
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, SZ_1M / 4, &iova));
	WORKER(over, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(KB(SZ_1M / 4), r.vmpin);
	EXPECT_EQ(LCK_KB(SZ_1M / 4), r.vmlck);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(SZ_1M / 4), vmpin());
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M / 4);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
}

/*
 * The old owner's charge really goes: with it, the test can pin what its
 * limit would not have allowed before, and it cannot take the first
 * mapping back on top.
 */
TEST_F(handover, old_owner_uncharged)
{
	struct worker_reply c0, r;
	__u32 ioas, hwpt;
	int fd = self->fd;
	const size_t part = 3 * SZ_1M / 8;	/* 384 KiB; 2 don't fit 512 */
	__u64 iova, iova2;
	long pin0, lck0;

	REQUIRE_ROOT();
	/* Per user the worker must be another user to take the charge */
	START_WORKER(0, self->mm_mode ? NOBODY : OTHER_UID, SZ_64M, &c0);
	BECOME_NOBODY(SZ_1M / 2);

	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	pin0 = vmpin();
	lck0 = vmlck();
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, part, &iova));
	EXPECT_EQ(-ENOMEM, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, SZ_1M, part,
				NULL));

	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(KB(part), r.vmpin);
	EXPECT_EQ(LCK_KB(part), r.vmlck);
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, SZ_1M, part, &iova2));
	EXPECT_EQ(pin0 + KB(part), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(part), vmlck());

	/* Taking the first back would pass our limit: nothing moves */
	EXPECT_EQ(-ENOMEM, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(part), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(part), vmlck());
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(KB(part), r.vmpin);
	EXPECT_EQ(LCK_KB(part), r.vmlck);
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, part, HMAP(0)));
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova2, part, HMAP(SZ_1M)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), part, 1));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(SZ_1M), part, 1));

	/* With ours gone it fits */
	EXPECT_UNMAP_EXACT(fd, ioas, iova2, part);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(part), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(part), vmlck());
	WORKER(0, W_STATUS, 0, &r);
	EXPECT_EQ(0, r.vmpin);
	EXPECT_EQ(0, r.vmlck);

	EXPECT_UNMAP_ALL(fd, ioas, part);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
}

/* The new owner exits: its pins are taken back from its dead mm */
TEST_F(handover, owner_exits)
{
	__u32 ioas, ioas2, hwpt, hwpt2;
	struct worker_reply c0, r;
	int fd = self->fd;
	long pin0, lck0;
	__u64 iova, iova2;

	REQUIRE_ROOT();
	START_WORKER(0, NOBODY, SZ_64M, &c0);
	BECOME_NOBODY(SZ_64M);

	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	ASSERT_EQ(0, ioas_alloc_ap(fd, &ioas2));
	pin0 = vmpin();
	lck0 = vmlck();
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, SZ_1M, &iova));
	ASSERT_EQ(0, ioas_map_file(fd, ioas2, MAP_RW, self->m.fd, SZ_1M, SZ_1M / 2,
			  &iova2));
	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(KB(SZ_1M), r.vmpin);
	EXPECT_EQ(0, worker_stop(&self->w[0]));

	/* Nothing is lost with the owner */
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(0, md_check_map(fd, hwpt, iova, SZ_1M, HMAP(0)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(0), SZ_1M, 1));
	/* Pinning for a dead owner still works, and is not charged to us */
	ASSERT_EQ(0, mock_domain(fd, ioas2, NULL, &hwpt2, NULL));
	EXPECT_EQ(0, md_check_map(fd, hwpt2, iova2, SZ_1M / 2, HMAP(SZ_1M)));
	EXPECT_EQ(0, md_check_refs(fd, HMAP(SZ_1M), SZ_1M / 2, 1));
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());

	EXPECT_EQ(0, ioas_change_process(fd));
	EXPECT_EQ(pin0 + KB(SZ_1M + SZ_1M / 2), vmpin());
	EXPECT_EQ(lck0 + LCK_KB(SZ_1M + SZ_1M / 2), vmlck());
	EXPECT_UNMAP_ALL(fd, ioas, SZ_1M);
	EXPECT_UNMAP_ALL(fd, ioas2, SZ_1M / 2);
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(lck0, vmlck());
}

/* The live update case: the old process closes, the new one carries on */
TEST_F(handover, old_process_leaves)
{
	struct worker_reply c0, r;
	__u32 ioas, hwpt;
	int fd = self->fd;
	long pin0;
	__u64 iova;

	REQUIRE_ROOT();
	START_WORKER(0, NOBODY, SZ_64M, &c0);
	BECOME_NOBODY(SZ_64M);

	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, mock_domain(fd, ioas, NULL, &hwpt, NULL));
	pin0 = vmpin();
	ASSERT_EQ(0, ioas_map_file(fd, ioas, MAP_RW, self->m.fd, 0, SZ_1M, &iova));
	WORKER(0, W_CHANGE, 0, &r);
	EXPECT_EQ(0, r.ret);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(pin0, vmpin());
	EXPECT_EQ(0, md_check_refs(self->check_fd, HMAP(0), SZ_1M, 1));

	WORKER(0, W_UNMAP_ALL, ioas, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, r.vmpin);
	EXPECT_EQ(0, md_check_refs(self->check_fd, HMAP(0), SZ_1M, 0));
	WORKER(0, W_CLOSE, 0, &r);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, worker_stop(&self->w[0]));
}

/* === 8. A race: mapping, copying, IOAS churn and moves all at once === */

/*
 * Work, not time, bounds the race: ST_ROUNDS rounds of the threads' loops
 * in all (IOMMUFD_STRESS_ROUNDS, at most ST_MAX_ROUNDS), each thread and
 * the child at least ST_MIN_ROUNDS of its own; about the work of the 5 s
 * it used to run on a loaded 2-core TCG guest. The timeout is at least 3x
 * the time of ST_MAX_ROUNDS there, on the debug kernel.
 */
#define ST_ROUNDS 20000UL
#define ST_MAX_ROUNDS (4 * ST_ROUNDS)
#define ST_MIN_ROUNDS 20UL
#define STRESS_TIMEOUT 180

#define ST_FILE SZ_16M
#define ST_MAPPERS 2
#define ST_SLOT (ST_FILE / ST_MAPPERS)	/* file bytes per mapper */
#define ST_LEN SZ_2M			/* bytes each mapping maps */
#define ST_IOVA(i) (IOVA_A + (__u64)(i) * 0x4000000ULL)
#define ST_MAX_MSGS 20

struct st_child {
	int stop;
	int done;
	unsigned long calls;
	unsigned long failures;
	int first_err;
	long vmpin0;
	long vmpin_end;
};

struct stress {
	int fd;
	struct memf m;
	__u32 ioas_a, ioas_c;
	unsigned long rounds, rounds_done;
	unsigned long maps, unmaps, copies, copy_misses, reads, read_misses;
	unsigned long allocs, destroy_busy, attaches, changes;
	unsigned long failures;
};

/* Once per round of a thread's loop: whether the work is done */
static bool st_stopped(struct stress *s)
{
	static __thread unsigned long mine;
	unsigned long done;

	done = __atomic_add_fetch(&s->rounds_done, 1, __ATOMIC_RELAXED);
	return ++mine > ST_MIN_ROUNDS && done > s->rounds;
}

static void st_count(unsigned long *n)
{
	__atomic_add_fetch(n, 1, __ATOMIC_RELAXED);
}

static void st_fail(struct stress *s, const char *what, int ret)
{
	if (__atomic_fetch_add(&s->failures, 1, __ATOMIC_RELAXED) <
	    ST_MAX_MSGS)
		ksft_print_msg("%s: %s (%d)\n", what, strerror(-ret), ret);
}

struct st_mapper {
	struct stress *s;
	unsigned int idx;
};

/* Map most of slot @idx of the file, large so that filling takes time */
static void *st_mapper_fn(void *arg)
{
	struct st_mapper *mp = arg;
	struct stress *s = mp->s;
	unsigned int n = 0;
	__u64 unmapped;
	int ret;

	while (!st_stopped(s)) {
		__u64 start = mp->idx * ST_SLOT + (n++ % 3) * SZ_1M;
		__u32 flags = n % 4 ? MAP_RW : IOMMU_IOAS_MAP_READABLE;

		ret = mapf_at(s->fd, s->ioas_a, flags, s->m.fd, start, ST_LEN,
			      ST_IOVA(mp->idx));
		if (ret) {
			st_fail(s, "map", ret);
			continue;
		}
		st_count(&s->maps);
		unmapped = 0;
		ret = ioas_unmap(s->fd, s->ioas_a, ST_IOVA(mp->idx), ST_LEN,
				 &unmapped);
		if (ret || unmapped != ST_LEN)
			st_fail(s, "unmap", ret);
		else
			st_count(&s->unmaps);
	}
	return NULL;
}

/*
 * COPY the first MiB of mapper 0's area, whatever state it is in, to IOAS
 * C, readable only as the source may be
 */
static void *st_copier_fn(void *arg)
{
	struct stress *s = arg;
	__u64 unmapped;
	int ret;

	while (!st_stopped(s)) {
		__u64 dst = IOVA_A;

		ret = ioas_copy(s->fd,
				IOMMU_IOAS_MAP_FIXED_IOVA |
					IOMMU_IOAS_MAP_READABLE,
				s->ioas_c, s->ioas_a, SZ_1M, ST_IOVA(0), &dst);
		if (ret == -ENOENT) {
			st_count(&s->copy_misses);
			continue;
		}
		if (ret) {
			st_fail(s, "copy", ret);
			continue;
		}
		st_count(&s->copies);
		unmapped = 0;
		ret = ioas_unmap(s->fd, s->ioas_c, IOVA_A, SZ_1M, &unmapped);
		if (ret || unmapped != SZ_1M)
			st_fail(s, "copy unmap", ret);
	}
	return NULL;
}

/* Read mapper 1's area through an access and compare with the file */
static void *st_reader_fn(void *arg)
{
	struct stress *s = arg;
	unsigned int n = 0;
	char buf[300];
	int afd, ret;

	ret = access_create(s->fd, s->ioas_a, 0, &afd);
	if (ret) {
		st_fail(s, "access", ret);
		return NULL;
	}
	while (!st_stopped(s)) {
		__u64 off = (n++ * 4099) % (ST_LEN - sizeof(buf));

		ret = access_rw(s->fd, afd, ST_IOVA(1) + off, buf, sizeof(buf),
				n % 2 ? MOCK_ACCESS_RW_SLOW_PATH : 0);
		/* Not mapped, or being unmapped */
		if (ret == -ENOENT || ret == -EINVAL) {
			st_count(&s->read_misses);
			continue;
		}
		if (ret) {
			st_fail(s, "access_rw", ret);
			continue;
		}
		st_count(&s->reads);
		/* Mapper 1 maps its slot at one of three offsets */
		if (memcmp(buf, s->m.map + ST_SLOT + off, sizeof(buf)) &&
		    memcmp(buf, s->m.map + ST_SLOT + SZ_1M + off, sizeof(buf)) &&
		    memcmp(buf, s->m.map + ST_SLOT + SZ_2M + off, sizeof(buf)))
			st_fail(s, "access_rw data", -EIO);
	}
	close(afd);
	return NULL;
}

/* IOASes come and go, with a small mapping, sometimes pinned */
static void *st_churn_fn(void *arg)
{
	struct stress *s = arg;
	unsigned int n = 0;
	__u32 ioas, stdev;
	bool attached;
	int ret;

	while (!st_stopped(s)) {
		ret = ioas_alloc_ap(s->fd, &ioas);
		if (ret) {
			st_fail(s, "ioas_alloc", ret);
			continue;
		}
		st_count(&s->allocs);
		ret = ioas_map_file(s->fd, ioas, MAP_RW, s->m.fd, (n % 64) * SZ_64K,
			   SZ_64K, NULL);
		if (ret)
			st_fail(s, "churn map", ret);
		attached = !(n++ % 4);
		if (attached) {
			ret = mock_domain(s->fd, ioas, &stdev, NULL, NULL);
			if (ret) {
				st_fail(s, "churn attach", ret);
				attached = false;
			} else {
				st_count(&s->attaches);
			}
		}
		while (attached &&
		       (ret = obj_destroy(s->fd, stdev)) == -EBUSY) {
			st_count(&s->destroy_busy);
			sched_yield();
		}
		if (ret && attached)
			st_fail(s, "churn detach", ret);
		/* CHANGE_PROCESS holds every IOAS for a moment */
		while ((ret = obj_destroy(s->fd, ioas)) == -EBUSY) {
			st_count(&s->destroy_busy);
			sched_yield();
		}
		if (ret)
			st_fail(s, "ioas destroy", ret);
	}
	return NULL;
}

static void *st_changer_fn(void *arg)
{
	struct stress *s = arg;
	int ret;

	while (!st_stopped(s)) {
		ret = ioas_change_process(s->fd);
		if (ret)
			st_fail(s, "change_process", ret);
		else
			st_count(&s->changes);
	}
	return NULL;
}

/* The other process: takes everything, over and over */
static void __attribute__((noreturn))
st_child_main(int fd, struct st_child *c, int report)
{
	char byte;
	int ret;

	c->vmpin0 = vmpin();
	while (c->calls < ST_MIN_ROUNDS ||
	       !__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		ret = ioas_change_process(fd);
		if (ret && !c->failures++)
			c->first_err = ret;
		c->calls++;
	}
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	/* Wait until the test has taken everything back */
	if (read(report, &byte, 1) == 1)
		c->vmpin_end = vmpin();
	_exit(0);
}

static unsigned long stress_rounds(void)
{
	const char *env = getenv("IOMMUFD_STRESS_ROUNDS");
	unsigned long v = env ? strtoul(env, NULL, 0) : ST_ROUNDS;

	if (!v)
		v = ST_ROUNDS;
	return v > ST_MAX_ROUNDS ? ST_MAX_ROUNDS : v;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_VARIANT(stress) {
	/* Per-process accounting, without root, so that moves charge */
	bool mm_nobody;
};

FIXTURE_VARIANT_ADD(stress, root) {
	.mm_nobody = false,
};

FIXTURE_VARIANT_ADD(stress, mm_nobody) {
	.mm_nobody = true,
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, race, STRESS_TIMEOUT)
{
	struct timespec ts, t0, t1;
	unsigned int i;
	struct st_mapper mappers[ST_MAPPERS];
	pthread_t threads[ST_MAPPERS + 4];
	unsigned int nthreads = 0;
	struct stress s = {};
	struct st_child *c;
	int report[2], status, warned0 = taint_warn();
	long pin0 = vmpin();
	pid_t pid;

	if (variant->mm_nobody)
		REQUIRE_ROOT();
	s.rounds = stress_rounds();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s.fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, s.fd);
	if (variant->mm_nobody) {
		ASSERT_EQ(0, option_set(s.fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
		ASSERT_TRUE(set_memlock(256 * SZ_1M));
		ASSERT_TRUE(become_user(NOBODY));
	}
	ASSERT_TRUE(memf_new(&s.m, ST_FILE, 0, 30));
	ASSERT_EQ(-EIO, md_check_refs(s.fd, s.m.map, ST_FILE, 1000));
	ASSERT_EQ(0, ioas_alloc(s.fd, &s.ioas_a));
	ASSERT_EQ(0, mock_domain(s.fd, s.ioas_a, NULL, NULL, NULL));
	ASSERT_EQ(0, ioas_alloc(s.fd, &s.ioas_c));
	ASSERT_EQ(0, mock_domain(s.fd, s.ioas_c, NULL, NULL, NULL));

	/* The child first, before there are threads to copy */
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	memset(c, 0, sizeof(*c));
	c->vmpin_end = -1;
	ASSERT_EQ(0, pipe(report));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(report[1]);
		st_child_main(s.fd, c, report[0]);
	}
	close(report[0]);

	for (i = 0; i != ST_MAPPERS; i++) {
		mappers[i].s = &s;
		mappers[i].idx = i;
		ASSERT_EQ(0, pthread_create(&threads[nthreads++], NULL,
					    st_mapper_fn, &mappers[i]));
	}
	ASSERT_EQ(0, pthread_create(&threads[nthreads++], NULL, st_copier_fn,
				    &s));
	ASSERT_EQ(0, pthread_create(&threads[nthreads++], NULL, st_reader_fn,
				    &s));
	ASSERT_EQ(0, pthread_create(&threads[nthreads++], NULL, st_churn_fn,
				    &s));
	ASSERT_EQ(0, pthread_create(&threads[nthreads++], NULL, st_changer_fn,
				    &s));

	/* The threads stop on their own, see st_stopped() */
	for (i = 0; i != nthreads; i++)
		pthread_join(threads[i], NULL);
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	/* However long the child takes: the harness timeout bounds a hang */
	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		ts.tv_sec = 0;
		ts.tv_nsec = 10 * 1000 * 1000;
		nanosleep(&ts, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* Everything back to us, then the child reports */
	EXPECT_EQ(0, ioas_change_process(s.fd));
	EXPECT_EQ(1, write(report[1], "r", 1));
	close(report[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	ksft_print_msg("%lu rounds in %ld s (timeout %d s): change_process %lu here, %lu in the child; map %lu unmap %lu copy %lu (missed %lu) read %lu (missed %lu) ioas %lu attach %lu destroy busy %lu\n",
		       s.rounds_done, (long)(t1.tv_sec - t0.tv_sec),
		       STRESS_TIMEOUT, s.changes, c->calls, s.maps, s.unmaps,
		       s.copies, s.copy_misses, s.reads, s.read_misses,
		       s.allocs, s.attaches, s.destroy_busy);
	EXPECT_EQ(0UL, s.failures);
	EXPECT_EQ(0UL, c->failures);
	if (c->failures)
		ksft_print_msg("child: first error %d\n", c->first_err);
	/* Each side did move things, and the child holds nothing now */
	EXPECT_LT(0UL, s.changes);
	EXPECT_LT(0UL, c->calls);
	EXPECT_LT(0UL, s.maps);
	EXPECT_EQ(c->vmpin0, c->vmpin_end);

	EXPECT_UNMAP_ALL(s.fd, s.ioas_a, 0);
	EXPECT_UNMAP_ALL(s.fd, s.ioas_c, 0);
	EXPECT_EQ(0, md_check_refs(s.fd, s.m.map, ST_FILE, 0));
	EXPECT_EQ(pin0, vmpin());
	close(s.fd);
	EXPECT_EQ(pin0, vmpin());
	memf_free(&s.m);
	munmap(c, sizeof(*c));
	if (!warned0)
		EXPECT_EQ(0, taint_warn());
}

TEST_HARNESS_MAIN
