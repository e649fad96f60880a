// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel pinning (pin_workers.c): a MAP or an attach that has to pin a
 * long range hands it to workers. Whatever the number of workers, the
 * domain must end up with exactly the pages the process sees, each pinned
 * once; and any failure, a fatal signal included, must leave nothing
 * pinned or charged.
 *
 * The module parameter pin_workers sets the number of workers. A pool
 * needs at least two chunks, and a chunk's size follows the temporary
 * memory limit (two chunks of page pointers per worker), so the tests
 * lower that limit to get many small chunks out of a few MiB.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "iommufd_utils.h"

#define PARAM "/sys/module/iommufd/parameters/pin_workers"
#define TOTALS "/sys/kernel/debug/iommufd/totals"
#define IOVA MOCK_APERTURE_START
#define TEMP_LIMIT_DEFAULT 65536
/* 16 page pointers per slot with 2 workers, 8 with 4: many chunks */
#define TEMP_LIMIT_SMALL 512

static bool param_write(const char *value)
{
	return knob_write(PARAM, value);
}

static int param_read(void)
{
	char buf[16];

	return knob_read(PARAM, buf, sizeof(buf)) ? atoi(buf) : -1;
}

static bool set_workers(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	return param_write(buf);
}

/* A "@key N" line of the debugfs totals, or -1 without debugfs */
static long totals(const char *key)
{
	size_t len = strlen(key);
	char line[128];
	long val = -1;
	FILE *f;

	f = fopen(TOTALS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ')
			val = atol(line + len + 1);
	fclose(f);
	return val;
}

/* @size of memory nobody has touched, aligned to @align */
static char *alloc_cold(size_t size, size_t align, bool thp, void **raw,
			size_t *raw_size)
{
	char *p = mmap_aligned(size, align, raw, raw_size);

	if (p)
		madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/*
 * @workers pin workers, temporary memory limit @limit, and @len of cold
 * memory aligned to @align (THP if @thp); NULL on failure.
 */
#define POOL_PREPARE(workers, limit, len, align, thp, raw, raw_size)	\
	({								\
		ASSERT_TRUE(set_workers(workers));			\
		ASSERT_EQ(0, set_temp_memory_limit(self->fd, limit));	\
		alloc_cold(len, align, thp, raw, raw_size);		\
	})

FIXTURE(pool) {
	int fd;
	__u32 ioas;
	__u32 stdev;
	__u32 hwpt;
	int saved;
};

FIXTURE_SETUP(pool)
{
	self->fd = -1;
	self->saved = param_read();
	if (self->saved < 1)
		SETUP_SKIP("no " PARAM);
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (md_check_refs(self->fd, NULL, 0, 0) == -ENOTTY)
		SETUP_SKIP("no IOMMU_TEST_CMD in the module");
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas, &self->stdev,
				 &self->hwpt, NULL));
}

FIXTURE_TEARDOWN(pool)
{
	if (self->fd >= 0) {
		set_temp_memory_limit(self->fd, TEMP_LIMIT_DEFAULT);
		close(self->fd);
	}
	if (self->saved >= 1)
		set_workers(self->saved);
}

/* The bounds of pin_workers: 1 (the caller alone) to 64 */
TEST_F(pool, param_bounds)
{
	EXPECT_FALSE(param_write("0"));
	EXPECT_FALSE(param_write("65"));
	EXPECT_FALSE(param_write("-1"));
	EXPECT_FALSE(param_write("two"));
	EXPECT_EQ(self->saved, param_read());
	ASSERT_TRUE(param_write("64"));
	EXPECT_EQ(64, param_read());
	ASSERT_TRUE(param_write("1"));
	EXPECT_EQ(1, param_read());
}

/* Workers are only started with two CPUs or more */
static bool pools_possible(unsigned int workers)
{
	return workers >= 2 && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

/*
 * Map @len of cold memory and check the result: every IOVA maps the page
 * the process sees at the same offset, each small page is pinned once,
 * VmPin and the module's pinned pages grew by @len; none of it pinned by
 * workers unless @by_workers (and then how much depends on who got to a
 * chunk first, the fill or a worker); then unmap and check that all of it
 * went. Returns how many pages workers pinned, or 0 without debugfs.
 */
static long map_and_check(struct __test_metadata *_metadata,
			  FIXTURE_DATA(pool) *self, char *buf, size_t len,
			  __u32 flags, __u32 hwpt, bool by_workers)
{
	long pin0 = proc_status_kb("VmPin");
	long pinned0 = totals("pinned_pages");
	long worker0 = totals("worker_pinned_pages");
	__u64 iova = IOVA, unmapped = 0;
	long by_worker = 0;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, flags, (uintptr_t)buf,
			      len, &iova));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt, IOVA, len, buf));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, len, 1));
	EXPECT_EQ(pin0 + (long)(len / 1024), proc_status_kb("VmPin"));
	if (pinned0 >= 0) {
		EXPECT_EQ(pinned0 + (long)(len / 4096), totals("pinned_pages"));
		by_worker = totals("worker_pinned_pages") - worker0;
		EXPECT_GE(by_workers ? (long)(len / 4096) : 0, by_worker);
		EXPECT_LE(0, by_worker);
	}

	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, len, &unmapped));
	EXPECT_EQ(len, unmapped);
	EXPECT_EQ(0, md_check_refs(self->fd, buf, len, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	if (pinned0 >= 0)
		EXPECT_EQ(pinned0, totals("pinned_pages"));
	return by_worker;
}

/* 1, 2 and 4 workers, many small chunks or a few large ones */
TEST_F_TIMEOUT(pool, map_cold, 600)
{
	static const struct {
		unsigned int workers;
		__u32 limit;
		size_t len;
	} cases[] = {
		{ 1, TEMP_LIMIT_SMALL, 4 * SZ_1M },
		{ 2, TEMP_LIMIT_SMALL, 4 * SZ_1M },
		{ 4, TEMP_LIMIT_SMALL, 4 * SZ_1M },
		/* Not a whole number of chunks */
		{ 2, TEMP_LIMIT_SMALL, 4 * SZ_1M + 3 * 4096 },
		/* 2048-page chunks: 4 of them */
		{ 2, TEMP_LIMIT_DEFAULT, 32 * SZ_1M },
	};
	long by_workers = 0;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(cases); i++) {
		size_t raw_size;
		void *raw;
		char *buf;

		buf = POOL_PREPARE(cases[i].workers, cases[i].limit,
				   cases[i].len, 4096, false, &raw, &raw_size);
		ASSERT_NE(NULL, buf);
		by_workers += map_and_check(_metadata, self, buf,
					    cases[i].len, MAP_FIXED_RW,
					    self->hwpt,
					    pools_possible(cases[i].workers));
		munmap(raw, raw_size);
	}
	/* The fill may beat the workers to a chunk, but not to all of them */
	if (pools_possible(2) && totals("worker_pinned_pages") >= 0)
		EXPECT_LT(0, by_workers);
}

/* THP-backed cold memory: huge pages split across chunks */
TEST_F_TIMEOUT(pool, map_cold_thp, 300)
{
	size_t len = 32 * SZ_1M, raw_size;
	void *raw;
	char *buf;

	/* 1024-page chunks: two huge pages each */
	buf = POOL_PREPARE(2, 32768, len, SZ_2M, true, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	map_and_check(_metadata, self, buf, len, MAP_FIXED_RW, self->hwpt,
		      pools_possible(2));
	munmap(raw, raw_size);
}

/*
 * A read-only MAP of private memory breaks COW first (pages.c), which the
 * workers' lockless GUP would not: the caller pins such a set alone.
 */
TEST_F(pool, map_cold_readonly)
{
	size_t len = 4 * SZ_1M, raw_size;
	void *raw;
	char *buf;

	buf = POOL_PREPARE(2, TEMP_LIMIT_SMALL, len, 4096, false, &raw,
			   &raw_size);
	ASSERT_NE(NULL, buf);
	map_and_check(_metadata, self, buf, len,
		      IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		      self->hwpt, false);
	munmap(raw, raw_size);
}

/* Attaching the first domain to an IOAS with a cold mapping pins it all */
TEST_F(pool, attach_cold)
{
	size_t len = 4 * SZ_1M, raw_size;
	__u32 ioas, stdev, hwpt;
	long pin0, worker0;
	void *raw;
	char *buf;

	buf = POOL_PREPARE(2, TEMP_LIMIT_SMALL, len, 4096, false, &raw,
			   &raw_size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas, buf, len, IOVA));
	pin0 = proc_status_kb("VmPin");
	EXPECT_EQ(0, md_check_refs(self->fd, buf, len, 0));

	worker0 = totals("worker_pinned_pages");
	ASSERT_EQ(0, mock_domain(self->fd, ioas, &stdev, &hwpt, NULL));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt, IOVA, len, buf));
	if (worker0 >= 0)
		EXPECT_GE(worker0 + (pools_possible(2) ? (long)(len / 4096) : 0),
			  totals("worker_pinned_pages"));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, len, 1));
	EXPECT_EQ(pin0 + (long)(len / 1024), proc_status_kb("VmPin"));

	/* The device going unpins it all */
	ASSERT_EQ(0, obj_destroy(self->fd, stdev));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, len, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, obj_destroy(self->fd, ioas));
	munmap(raw, raw_size);
}

/*
 * A hole in the middle: the worker that reaches it fails, every worker
 * stops, and whatever any of them pinned is let go. The IOVA stays free.
 */
TEST_F(pool, map_hole_efault)
{
	size_t len = 4 * SZ_1M, raw_size, hole = 3 * SZ_1M;
	long pin0, pinned0;
	void *raw;
	char *buf;

	buf = POOL_PREPARE(2, TEMP_LIMIT_SMALL, len, 4096, false, &raw,
			   &raw_size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, munmap(buf + hole, 4096));
	pin0 = proc_status_kb("VmPin");
	pinned0 = totals("pinned_pages");

	EXPECT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas, buf, len,
					  IOVA));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, hole, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, buf + hole + 4096,
				   len - hole - 4096, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	if (pinned0 >= 0)
		EXPECT_EQ(pinned0, totals("pinned_pages"));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, self->hwpt, IOVA, 4096,
					buf));

	/* Up to the hole maps, at the same IOVA */
	map_and_check(_metadata, self, buf, hole, MAP_FIXED_RW, self->hwpt,
		      pools_possible(2));
	munmap(raw, raw_size);
}

/*
 * RLIMIT_MEMLOCK is checked once, before any worker starts: a MAP over
 * the limit pins nothing at all, one up to it works. Runs in a child, as
 * the parent has to put pin_workers back as root.
 */
TEST_F(pool, rlimit)
{
	size_t limit = 4 * SZ_1M, raw_size;
	int status = 0;
	void *raw;
	char *buf;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to become nobody");
	buf = POOL_PREPARE(2, TEMP_LIMIT_SMALL, 2 * limit, 4096, false, &raw,
			   &raw_size);
	ASSERT_NE(NULL, buf);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long pin0, user0;

		if (!become_nobody_memlock(limit))
			_exit(10);
		pin0 = proc_status_kb("VmPin");
		user0 = totals("charged_user_pages");
		/* One page over: nothing pinned, nothing charged */
		if (ioas_map_fixed(self->fd, self->ioas, buf, limit + 4096,
				   IOVA) != -ENOMEM)
			_exit(11);
		if (md_check_refs(self->fd, buf, limit + 4096, 0))
			_exit(12);
		if (proc_status_kb("VmPin") != pin0)
			_exit(13);
		if (user0 >= 0 && totals("charged_user_pages") != user0)
			_exit(14);
		/* Exactly the limit */
		if (ioas_map_fixed(self->fd, self->ioas, buf, limit, IOVA))
			_exit(15);
		if (md_check_map(self->fd, self->hwpt, IOVA, limit, buf) ||
		    md_check_refs(self->fd, buf, limit, 1))
			_exit(16);
		if (user0 >= 0 &&
		    totals("charged_user_pages") != user0 + (long)(limit / 4096))
			_exit(17);
		/* And not a page more */
		if (ioas_map_fixed(self->fd, self->ioas, buf + limit,
				   2 * 4096, IOVA + limit) != -ENOMEM)
			_exit(18);
		if (md_check_refs(self->fd, buf + limit, 2 * 4096, 0))
			_exit(19);
		if (ioas_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL))
			_exit(20);
		if (proc_status_kb("VmPin") != pin0 ||
		    (user0 >= 0 && totals("charged_user_pages") != user0))
			_exit(21);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(raw, raw_size);
}

/* VmPin of process @pid in kB, or -1 */
static long pid_vmpin(pid_t pid)
{
	char path[64], line[256];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPin:", 6))
			val = atol(line + 6);
	fclose(f);
	return val;
}

/*
 * One attempt: a child, as nobody (so that the pins are charged), maps
 * @len of cold shared memory, which we also map; we SIGKILL it once its
 * MAP has charged (VmPin jumps before any page is pinned). Returns 1 if
 * the signal came while the MAP ran, 0 if the MAP had finished.
 */
static int kill_during_map(struct __test_metadata *_metadata, int fd,
			   __u32 ioas, char *buf, size_t len)
{
	struct pollfd pfd;
	int p[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		if (!become_nobody_memlock(RLIM_INFINITY))
			_exit(10);
		if (write(p[1], "R", 1) != 1)
			_exit(11);
		if (ioas_map_fixed(fd, ioas, buf, len, IOVA))
			_exit(12);
		if (write(p[1], "M", 1) != 1)
			_exit(13);
		pause();
		_exit(14);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1));
	ASSERT_EQ('R', c);
	/* Wait for the charge, or for the MAP to end first */
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	while (pid_vmpin(pid) <= 0) {
		if (poll(&pfd, 1, 1) > 0)
			break;
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status)) {
		TH_LOG("child exited with %d", WEXITSTATUS(status));
	}
	pfd.revents = 0;
	c = 0;
	if (poll(&pfd, 1, 0) > 0 && read(p[0], &c, 1) == 1)
		ASSERT_EQ('M', c);
	close(p[0]);
	return c != 'M';
}

/*
 * A fatal signal while the workers pin: the MAP gives up, and once the
 * child is gone no page it was pinning is still pinned and nothing is
 * left charged. The memory is shared, so we can look at its pages after
 * the child's mm is gone.
 */
TEST_F_TIMEOUT(pool, fatal_signal, 900)
{
	size_t len = 128 * SZ_1M;
	long pinned0, user0, mm0;
	int hits = 0, hit, tries;
	char *buf;

	if (geteuid())
		SKIP(return, "needs root to become nobody");
	ASSERT_TRUE(set_workers(2));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	pinned0 = totals("pinned_pages");
	user0 = totals("charged_user_pages");
	mm0 = totals("charged_mm_pages");

	/* Each try kills a MAP; one that finished first does not count */
	for (tries = 0; tries != 4 && hits != 2; tries++) {
		hit = kill_during_map(_metadata, self->fd, self->ioas, buf,
				      len);
		/*
		 * The context is ours too and lives on: an interrupted MAP
		 * must have undone itself, one that finished is undone here.
		 */
		if (!hit)
			EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas, 0,
						UINT64_MAX, NULL));
		hits += hit;
		EXPECT_EQ(-EINVAL, md_check_map(self->fd, self->hwpt, IOVA,
						4096, buf));
		EXPECT_EQ(0, md_check_refs(self->fd, buf, len, 0));
		if (pinned0 >= 0) {
			EXPECT_EQ(pinned0, totals("pinned_pages"));
			EXPECT_EQ(user0, totals("charged_user_pages"));
			EXPECT_EQ(mm0, totals("charged_mm_pages"));
		}
		/* Start cold again */
		ASSERT_EQ(0, madvise(buf, len, MADV_REMOVE));
	}
	EXPECT_LE(1, hits) {
		TH_LOG("every MAP of %zu MiB finished before SIGKILL",
		       len >> 20);
	}
	munmap(buf, len);
}

/*
 * Shared memory: workers fault in shmem (shared anonymous memory and
 * memfds mapped by address), but leave a file system's pages, here
 * ramfs's, to the caller, whose GUP may wait on the file system.
 */
TEST_F(pool, map_cold_shared)
{
	size_t len = 4 * SZ_1M;
	char dir[] = "/pin_workers_XXXXXX", path[64];
	long worker0;
	char *buf;
	int mfd, fd;

	ASSERT_TRUE(set_workers(2));
	ASSERT_EQ(0, set_temp_memory_limit(self->fd, TEMP_LIMIT_SMALL));

	/* Shared anonymous memory is shmem */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	map_and_check(_metadata, self, buf, len, MAP_FIXED_RW, self->hwpt,
		      pools_possible(2));
	munmap(buf, len);

	/* A memfd, mapped and MAPped by address */
	mfd = memfd_create("pin_workers", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, len));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	map_and_check(_metadata, self, buf, len, MAP_FIXED_RW, self->hwpt,
		      pools_possible(2));
	munmap(buf, len);
	close(mfd);

	/* A ramfs file: the caller pins it all */
	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("none", dir, "ramfs", 0, NULL)) {
		rmdir(dir);
		SKIP(return, "cannot mount ramfs");
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, len));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	worker0 = totals("worker_pinned_pages");
	map_and_check(_metadata, self, buf, len, MAP_FIXED_RW, self->hwpt,
		      false);
	if (worker0 >= 0)
		EXPECT_EQ(worker0, totals("worker_pinned_pages"));
	munmap(buf, len);
	close(fd);
	umount(dir);
	rmdir(dir);
}

/*
 * A task memory policy would not bind the workers' faults, so a caller
 * with one pins alone. The test's own process is the harness's child, so
 * the policy goes with it.
 */
TEST_F(pool, mempolicy)
{
	size_t len = 4 * SZ_1M, raw_size;
	unsigned long nodes = 1;
	void *raw;
	char *buf;

	buf = POOL_PREPARE(2, TEMP_LIMIT_SMALL, len, 4096, false, &raw,
			   &raw_size);
	ASSERT_NE(NULL, buf);
	/* MPOL_PREFERRED (1) for node 0 */
	if (syscall(__NR_set_mempolicy, 1, &nodes, 8 * sizeof(nodes)))
		SKIP(return, "no NUMA memory policies (%s)", strerror(errno));
	map_and_check(_metadata, self, buf, len, MAP_FIXED_RW, self->hwpt,
		      false);
	/* MPOL_DEFAULT (0): workers again */
	ASSERT_EQ(0, syscall(__NR_set_mempolicy, 0, NULL, 0));
	munmap(raw, raw_size);
	buf = POOL_PREPARE(2, TEMP_LIMIT_SMALL, len, 4096, false, &raw,
			   &raw_size);
	ASSERT_NE(NULL, buf);
	map_and_check(_metadata, self, buf, len, MAP_FIXED_RW, self->hwpt,
		      pools_possible(2));
	munmap(raw, raw_size);
}

TEST_HARNESS_MAIN
