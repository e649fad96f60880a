// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure sweeps over the /dev/iommu operations.
 *
 * Writing n to /proc/self/task/<tid>/fail-nth makes the n-th fault
 * injection check of that task, counted from the write, fail. The check
 * counter runs down on every check; reading the file back tells whether
 * the fault was delivered (0) or whether the operation ran out of checks
 * first (nonzero). Each sweep here runs one operation with n = 1, 2, 3 ...
 * on a freshly prepared state and checks after every run that:
 *
 *   - a failed operation returned one of the errnos an allocation or lookup
 *     failure may give, and left the state as it was before the call;
 *   - a successful operation did all of its work, even if a fault was
 *     delivered (some callers recover from a failed allocation);
 *   - the sweep ends, within NTH_MAX runs, with a run that did not use up
 *     its fault.
 *
 * A success does not end the sweep: with kmemleak on, kmemleak's own
 * metadata allocation takes every other injected fault and falls back
 * silently, so the operation still succeeds while later checks remain.
 *
 * The kernel needs CONFIG_FAULT_INJECTION for fail-nth; without it every
 * test is skipped. CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC provide the
 * allocation checks, and their debugfs knobs are set up for the sweep.
 */
#include "iommufd_utils.h"
#include "vfio_sample_utils.h"

#include <dirent.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/capability.h>

/* Upper bound of fault positions tried per operation. */
#define NTH_MAX 1000U

/*
 * Each sweep is bounded by work (at most NTH_MAX runs), not by time, but
 * on a loaded 2-core TCG guest with KASAN and kmemleak the longest ones
 * take far more than the harness's 30 s default (see the "took" line each
 * sweep prints). Every test of this file gets SWEEP_TIMEOUT instead, at
 * least 3x the longest sweep measured on such a machine: 108 s in a full
 * make check with other VMs running beside it; one ran past 400 s
 * with the host's load at four times its cores.
 */
#define SWEEP_TIMEOUT 900
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT SWEEP_TIMEOUT

#define DEBUGFS "/sys/kernel/debug"

/*
 * The mapping sweeps map BUF_LEN of anonymous memory, inside the aperture
 * of the mock domains. COPY puts its copy at COPY_IOVA, and the detach
 * sweeps map the second half of the buffer there as a mapping of its own.
 */
#define BUF_LEN (256UL * 1024)
#define MAP_IOVA MOCK_APERTURE_START
#define COPY_IOVA (MOCK_APERTURE_START + 0x100000)

/*
 * Debugfs settings for the sweep, restored afterwards.
 *
 * ignore-gfp-wait defaults to Y, which exempts every allocation that may
 * sleep, GFP_KERNEL included; the sweep wants those to fail too. verbose
 * is turned off so that each injected fault does not dump a stack trace.
 *
 * task-filter is left alone on purpose: in 6.1, should_fail_ex() in
 * lib/fault-inject.c acts on a nonzero current->fail_nth before it looks
 * at task-filter, probability, interval or times, so fail-nth works for
 * the calling task whatever those say. task-filter only narrows the
 * probability based injection, which is off unless someone sets a
 * probability, and this test does not.
 */
static const struct {
	const char *path;
	const char *value;
	bool needed;	/* without it the sweep loses most of its faults */
} knobs[] = {
	{ DEBUGFS "/failslab/ignore-gfp-wait", "N", true },
	{ DEBUGFS "/failslab/verbose", "0", false },
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N", false },
	{ DEBUGFS "/fail_page_alloc/verbose", "0", false },
	{ DEBUGFS "/fail_iommufd/verbose", "0", false },
};

#define KNOB_LEN 32

FIXTURE(fail_nth) {
	int nth_fd;		/* this task's fail-nth, or -1 */
	bool full_coverage;	/* every needed knob could be set */
	char saved[ARRAY_SIZE(knobs)][KNOB_LEN];
	bool changed[ARRAY_SIZE(knobs)];
};

FIXTURE_SETUP(fail_nth)
{
	char path[64];
	unsigned int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	self->nth_fd = open(path, O_RDWR);
	if (self->nth_fd < 0)
		return;	/* each test skips */

	self->full_coverage = true;
	for (i = 0; i != ARRAY_SIZE(knobs); i++) {
		if (knob_read(knobs[i].path, self->saved[i], KNOB_LEN) &&
		    knob_write(knobs[i].path, knobs[i].value)) {
			self->changed[i] = true;
		} else if (knobs[i].needed) {
			self->full_coverage = false;
			ksft_print_msg("cannot set %s: sleeping allocations will not fail\n",
				       knobs[i].path);
			/* Test children end with _exit(): flush now */
			fflush(stdout);
		}
	}
}

FIXTURE_TEARDOWN(fail_nth)
{
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(knobs); i++)
		if (self->changed[i])
			knob_write(knobs[i].path, self->saved[i]);
	if (self->nth_fd >= 0)
		close(self->nth_fd);
}

static int fail_nth_set(int nth_fd, unsigned int nth)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%u", nth);
	if (pwrite(nth_fd, buf, len, 0) != len)
		return -errno;
	return 0;
}

static int fail_nth_get(int nth_fd, unsigned int *left)
{
	char buf[16];
	ssize_t n;

	n = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n ? -errno : -EIO;
	buf[n] = 0;
	*left = strtoul(buf, NULL, 10);
	return 0;
}

/* What one operation under test works on */
struct nth_state {
	int fd;			/* iommufd context, -1 if none */
	__u32 id;		/* object the operation works on */
	__u32 bystander;	/* object that must not be affected */
	__u32 out_id;		/* object ID the operation returned */
	int out_fd;		/* file descriptor the operation returned */
	struct iommu_iova_range ranges[2];
	__u32 num;
	__u64 alignment;

	/* For the sweeps that map memory */
	void *buf;		/* BUF_LEN of touched memory, or NULL */
	void *raw;		/* the mapping @buf is in, to munmap */
	size_t raw_size;
	__u32 dst;		/* destination IOAS of COPY */
	__u32 dst_hwpt;		/* its HW pagetable */
	__u32 hwpt[2];		/* HW pagetables (mock domains) of IOAS @id */
	__u32 stdev[2];		/* mock devices attached to them */
	__u32 idev;		/* DEVICE object of stdev[0] */
	unsigned int ndomains;	/* entries used in @hwpt and @stdev */
	__u64 iova;		/* IOVA the operation maps, copies to or unmaps */
	__u64 out_len;		/* length UNMAP reported */
	long vmpin0;		/* VmPin (kB) with none of @buf pinned, or -1 */

	/* For the sweeps of in-kernel accesses */
	unsigned int variant;	/* &nth_op.variant of the sweep */
	int access_fd;		/* access of the test driver, or -1 */
	__u32 item;		/* ACCESS_PAGES item of @access_fd */
	int free_fd;		/* lowest free fd before the operation */
	int nfds;		/* open fds before the operation */
	void *rw_buf;		/* ACCESS_RW user buffer (malloc), or NULL */
	__u64 rw_iova;		/* what ACCESS_RW copies */
	__u64 rw_len;
	__u32 rw_flags;

	/* For the sweeps of file mappings and of moving them */
	int memfd;		/* the memfd @buf is a shared mapping of, or -1 */
	long vmlck0;		/* VmLck (kB) with none of @buf pinned */
	pid_t child;		/* task the operation runs in, or 0 */
	int child_sock;		/* socket to talk to @child, or -1 */
	long child_vmpin0;	/* VmPin and VmLck (kB) of @child at first */
	long child_vmlck0;

	/* For the SVA sweeps */
	int sva_dev[2];		/* mock SVA devices, or -1 */
	__u32 pasid;		/* the PASID the bind is to return */
	__u32 handle;		/* the handle number it is to return */
	__u32 out_pasid;	/* the PASID it returned */
};

/* A state with nothing in it: every fd field -1, the rest zero */
#define NTH_STATE_INIT							\
	{								\
		.fd = -1, .out_fd = -1, .access_fd = -1, .memfd = -1,	\
		.child_sock = -1, .sva_dev = { -1, -1 },		\
	}

/*
 * One operation to sweep.
 *
 * @run is called with the fault armed, so it must make no system call
 * other than the one under test. It returns 0 or -errno. The other
 * callbacks run with nothing armed.
 *
 * An operation that another task makes has @run_nth instead: it arms
 * fault @nth of that task (none for 0), runs the operation there, and
 * returns the result as @run does, with in *@left what that task's
 * fail-nth read afterwards.
 */
struct nth_op {
	const char *name;
	/* errnos a failed run may give, 0-terminated */
	const int *errnos;
	/* fewest faults the operation must take when allocations can fail */
	unsigned int min_faults;
	/* whether it needs IOMMU_TEST_CMD, as every mapping sweep does */
	bool needs_test_cmd;
	/* initial @ndomains of the state, for a @prepare that takes a number */
	unsigned int ndomains;
	/* passed to @prepare in &nth_state.variant */
	unsigned int variant;
	void (*prepare)(struct __test_metadata *_metadata,
			struct nth_state *st);
	int (*run)(struct nth_state *st);
	int (*run_nth)(struct __test_metadata *_metadata, struct nth_state *st,
		       unsigned int nth, unsigned int *left);
	void (*check_success)(struct __test_metadata *_metadata,
			      struct nth_state *st);
	void (*check_failure)(struct __test_metadata *_metadata,
			      struct nth_state *st);
};

static void state_open(struct __test_metadata *_metadata,
		       struct nth_state *st)
{
	st->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, st->fd);
}

static void state_close(struct nth_state *st)
{
	if (st->fd >= 0)
		close(st->fd);
	if (st->out_fd >= 0)
		close(st->out_fd);
	/* Destroying the access unpins what it pinned and puts the context */
	if (st->access_fd >= 0)
		close(st->access_fd);
	/* Closing an SVA device unbinds what is bound through it */
	if (st->sva_dev[0] >= 0)
		close(st->sva_dev[0]);
	if (st->sva_dev[1] >= 0)
		close(st->sva_dev[1]);
	free(st->rw_buf);
	/* The child has the context as well; it lets go when it exits */
	if (st->child > 0) {
		close(st->child_sock);
		waitpid(st->child, NULL, 0);
	}
	/* After the close, which unpinned whatever was still pinned */
	if (st->buf)
		munmap(st->raw, st->raw_size);
	if (st->memfd >= 0)
		close(st->memfd);
}

static bool errno_expected(const int *errnos, int err)
{
	for (; *errnos; errnos++)
		if (*errnos == err)
			return true;
	return false;
}

/* Whether the module has IOMMU_TEST_CMD; if /dev/iommu fails, let it show */
static bool have_test_cmd(void)
{
	int fd, ret;

	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd < 0)
		return true;
	/* Checking no pages at all succeeds */
	ret = md_check_refs(fd, NULL, 0, 0);
	close(fd);
	return ret != -ENOTTY;
}

static void sweep(struct __test_metadata *_metadata,
		  FIXTURE_DATA(fail_nth) *self, const struct nth_op *op)
{
	unsigned int nth, faults = 0, failures = 0;
	struct timespec t0, t1;
	long vmpin;

	if (op->needs_test_cmd && !have_test_cmd())
		SKIP(return, "no IOMMU_TEST_CMD in the module");
	if (self->nth_fd < 0)
		SKIP(return, "no fail-nth (needs CONFIG_FAULT_INJECTION)");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	vmpin = proc_status_kb("VmPin");
	for (nth = 1; nth <= NTH_MAX; nth++) {
		struct nth_state st = NTH_STATE_INIT;
		unsigned int left = 0;
		int ret;

		st.ndomains = op->ndomains;
		st.variant = op->variant;
		op->prepare(_metadata, &st);

		if (op->run_nth) {
			ret = op->run_nth(_metadata, &st, nth, &left);
		} else {
			ASSERT_EQ(0, fail_nth_set(self->nth_fd, nth));
			ret = op->run(&st);
			ASSERT_EQ(0, fail_nth_get(self->nth_fd, &left));
			/* Disarm a fault the operation did not reach */
			ASSERT_EQ(0, fail_nth_set(self->nth_fd, 0));
		}

		if (ret) {
			/* A failure without a delivered fault is a bug */
			ASSERT_EQ(0U, left) {
				TH_LOG("%s: %s without a fault (nth %u)",
				       op->name, strerror(-ret), nth);
			}
			ASSERT_TRUE(errno_expected(op->errnos, -ret)) {
				TH_LOG("%s: unexpected %s at nth %u",
				       op->name, strerror(-ret), nth);
			}
			failures++;
			op->check_failure(_metadata, &st);
		} else {
			op->check_success(_metadata, &st);
		}
		state_close(&st);

		if (left)
			break;
		faults++;
	}
	ASSERT_GE(NTH_MAX, nth) {
		TH_LOG("%s: still consuming faults after %u runs",
		       op->name, NTH_MAX);
	}

	/* Every context was closed: nothing of the sweep may stay pinned */
	if (vmpin >= 0) {
		EXPECT_EQ(vmpin, proc_status_kb("VmPin")) {
			TH_LOG("%s: VmPin changed over the sweep", op->name);
		}
	}

	ksft_print_msg("%s: %u fault(s) injected, %u made it fail\n",
		       op->name, faults, failures);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("%s: took %ld ms (timeout %d s)\n", op->name,
		       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
			      (t1.tv_nsec - t0.tv_nsec) / 1000000),
		       SWEEP_TIMEOUT);
	fflush(stdout);
	if (self->full_coverage) {
		ASSERT_LE(op->min_faults, faults) {
			TH_LOG("%s: expected at least %u fault point(s)",
			       op->name, op->min_faults);
		}
	}
}

/*
 * IOMMU_IOAS_ALLOC into a context holding IOAS 2 with a hole at 1. A
 * success must return 1; a failure must leave 1 free and 2 alone.
 */
static const int alloc_errnos[] = { ENOMEM, 0 };

static void ioas_alloc_prepare(struct __test_metadata *_metadata,
			       struct nth_state *st)
{
	__u32 id;

	state_open(_metadata, st);
	ASSERT_EQ(0, ioas_alloc(st->fd, &id));
	ASSERT_EQ(1U, id);
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->bystander));
	ASSERT_EQ(2U, st->bystander);
	ASSERT_EQ(0, obj_destroy(st->fd, id));
}

static int ioas_alloc_run(struct nth_state *st)
{
	return ioas_alloc(st->fd, &st->out_id);
}

static void ioas_alloc_check_success(struct __test_metadata *_metadata,
				     struct nth_state *st)
{
	EXPECT_EQ(1U, st->out_id);
	EXPECT_TRUE(ioas_exists(st->fd, 1));
	EXPECT_TRUE(ioas_exists(st->fd, st->bystander));
	EXPECT_FALSE(ioas_exists(st->fd, 3));
}

static void ioas_alloc_check_failure(struct __test_metadata *_metadata,
				     struct nth_state *st)
{
	__u32 id;

	EXPECT_FALSE(ioas_exists(st->fd, 1));
	EXPECT_FALSE(ioas_exists(st->fd, 3));
	EXPECT_TRUE(ioas_exists(st->fd, st->bystander));
	ASSERT_EQ(0, ioas_alloc(st->fd, &id));
	EXPECT_EQ(1U, id);
}

static const struct nth_op ioas_alloc_op = {
	.name = "IOMMU_IOAS_ALLOC",
	.errnos = alloc_errnos,
	.min_faults = 1,
	.prepare = ioas_alloc_prepare,
	.run = ioas_alloc_run,
	.check_success = ioas_alloc_check_success,
	.check_failure = ioas_alloc_check_failure,
};

/*
 * IOMMU_DESTROY of IOAS 1 next to IOAS 2. A failure must leave 1 in place
 * (and destroyable); a success must free exactly 1.
 */
static const int destroy_errnos[] = { ENOMEM, ENOENT, 0 };

static void destroy_prepare(struct __test_metadata *_metadata,
			    struct nth_state *st)
{
	state_open(_metadata, st);
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->id));
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->bystander));
}

static int destroy_run(struct nth_state *st)
{
	return obj_destroy(st->fd, st->id);
}

static void destroy_check_success(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	__u32 id;

	EXPECT_FALSE(ioas_exists(st->fd, st->id));
	EXPECT_TRUE(ioas_exists(st->fd, st->bystander));
	ASSERT_EQ(0, ioas_alloc(st->fd, &id));
	EXPECT_EQ(st->id, id);
}

static void destroy_check_failure(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	EXPECT_TRUE(ioas_exists(st->fd, st->id));
	EXPECT_TRUE(ioas_exists(st->fd, st->bystander));
	EXPECT_EQ(0, obj_destroy(st->fd, st->id));
}

static const struct nth_op destroy_op = {
	.name = "IOMMU_DESTROY",
	.errnos = destroy_errnos,
	.prepare = destroy_prepare,
	.run = destroy_run,
	.check_success = destroy_check_success,
	.check_failure = destroy_check_failure,
};

/*
 * IOMMU_IOAS_IOVA_RANGES of a fresh IOAS into an array with room to spare.
 * A success must report exactly the whole address space; a failure must
 * leave the IOAS answering correctly afterwards.
 */
static const int iova_ranges_errnos[] = { ENOMEM, ENOENT, EFAULT, 0 };

static void iova_ranges_prepare(struct __test_metadata *_metadata,
				struct nth_state *st)
{
	state_open(_metadata, st);
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->id));
	memset(st->ranges, 0, sizeof(st->ranges));
	st->num = ARRAY_SIZE(st->ranges);
}

static int iova_ranges_run(struct nth_state *st)
{
	return ioas_iova_ranges(st->fd, st->id, st->ranges, &st->num,
				&st->alignment);
}

static void iova_ranges_check_success(struct __test_metadata *_metadata,
				      struct nth_state *st)
{
	EXPECT_EQ(1U, st->num);
	EXPECT_EQ(1U, st->alignment);
	EXPECT_EQ(0U, st->ranges[0].start);
	EXPECT_EQ(UINT64_MAX, st->ranges[0].last);
}

static void iova_ranges_check_failure(struct __test_metadata *_metadata,
				      struct nth_state *st)
{
	memset(st->ranges, 0, sizeof(st->ranges));
	st->num = ARRAY_SIZE(st->ranges);
	ASSERT_EQ(0, iova_ranges_run(st));
	iova_ranges_check_success(_metadata, st);
}

static const struct nth_op iova_ranges_op = {
	.name = "IOMMU_IOAS_IOVA_RANGES",
	.errnos = iova_ranges_errnos,
	.prepare = iova_ranges_prepare,
	.run = iova_ranges_run,
	.check_success = iova_ranges_check_success,
	.check_failure = iova_ranges_check_failure,
};

/*
 * open() of /dev/iommu. A success must give a working context; a failure
 * must not stop the next open from working.
 */
static const int open_errnos[] = { ENOMEM, ENFILE, EFAULT, 0 };

static void open_prepare(struct __test_metadata *_metadata,
			 struct nth_state *st)
{
}

static int open_run(struct nth_state *st)
{
	st->out_fd = open(IOMMUFD_DEV, O_RDWR);
	return st->out_fd < 0 ? -errno : 0;
}

static void open_check_success(struct __test_metadata *_metadata,
			       struct nth_state *st)
{
	__u32 id;

	ASSERT_EQ(0, ioas_alloc(st->out_fd, &id));
	EXPECT_EQ(1U, id);
}

static void open_check_failure(struct __test_metadata *_metadata,
			       struct nth_state *st)
{
	ASSERT_EQ(0, open_run(st));
	open_check_success(_metadata, st);
}

static const struct nth_op open_op = {
	.name = "open(/dev/iommu)",
	.errnos = open_errnos,
	.min_faults = 1,
	.prepare = open_prepare,
	.run = open_run,
	.check_success = open_check_success,
	.check_failure = open_check_failure,
};

/*
 * close() of a context that still holds objects. It cannot fail; the
 * faults land in the teardown, which must cope without leaking (kmemleak
 * and KASAN watch that side).
 */
static const int close_errnos[] = { 0 };

static void close_prepare(struct __test_metadata *_metadata,
			  struct nth_state *st)
{
	unsigned int i;
	__u32 id;

	state_open(_metadata, st);
	for (i = 0; i != 4; i++)
		ASSERT_EQ(0, ioas_alloc(st->fd, &id));
	ASSERT_EQ(0, obj_destroy(st->fd, 2));
}

static int close_run(struct nth_state *st)
{
	int ret = close(st->fd);

	st->fd = -1;
	return ret ? -errno : 0;
}

static void close_check(struct __test_metadata *_metadata,
			struct nth_state *st)
{
	struct nth_state fresh = NTH_STATE_INIT;

	/* Whatever happened, the next context starts empty */
	ASSERT_EQ(0, open_run(&fresh));
	EXPECT_FALSE(ioas_exists(fresh.out_fd, 1));
	state_close(&fresh);
}

static const struct nth_op close_op = {
	.name = "close(/dev/iommu)",
	.errnos = close_errnos,
	.prepare = close_prepare,
	.run = close_run,
	.check_success = close_check,
	.check_failure = close_check,
};

/*
 * Mapping sweeps
 *
 * These need the mock IOMMU of IOMMU_TEST_CMD. Besides the errnos of
 * allocations and lookups, their failures can come from iommufd's own
 * fault points: pin accounting (ENOMEM), GUP (EFAULT) and the mock
 * domain's map (ENOENT).
 *
 * Pins are checked three ways: MD_CHECK_REFS counts the pins of every
 * page of the buffer, VmPin shows what was charged to this process, and
 * MD_CHECK_MAP asks each mock domain where an IOVA range leads.
 */
static const int map_errnos[] = { ENOMEM, ENOENT, EFAULT, 0 };

/*
 * How many mock IOMMU pages of [iova, iova + length) @hwpt_id maps onto
 * @buf. MD_CHECK_MAP says EINVAL for an IOVA that maps nothing, without a
 * warning from the mock.
 */
static unsigned int md_mapped_pages(int fd, __u32 hwpt_id, __u64 iova,
				    void *buf, __u64 length)
{
	size_t page = mock_page_size();
	unsigned int mapped = 0;
	__u64 off;

	for (off = 0; off < length; off += page)
		if (!md_check_map(fd, hwpt_id, iova + off, page,
				  (char *)buf + off))
			mapped++;
	return mapped;
}

/*
 * VmPin must be @extra_kb above what it was with nothing pinned. VmPin is
 * the mm's pinned_vm, which every pin of iommufd is charged to whatever the
 * accounting mode.
 */
static void check_vmpin(struct __test_metadata *_metadata,
			const struct nth_state *st, long extra_kb)
{
	if (st->vmpin0 < 0)
		return;
	EXPECT_EQ(st->vmpin0 + extra_kb, proc_status_kb("VmPin"));
}

/* BUF_LEN pinned once (@pinned) or not at all, per MD_CHECK_REFS and VmPin */
static void check_pinned(struct __test_metadata *_metadata,
			 const struct nth_state *st, bool pinned)
{
	EXPECT_EQ(0, md_check_refs(st->fd, st->buf, BUF_LEN, pinned));
	check_vmpin(_metadata, st, pinned ? BUF_LEN / 1024 : 0);
}

/* The lowest free object ID is @id: allocate it as an IOAS and free it. */
static void check_next_id(struct __test_metadata *_metadata, int fd,
			  __u32 id)
{
	__u32 got;

	ASSERT_EQ(0, ioas_alloc(fd, &got));
	EXPECT_EQ(id, got);
	EXPECT_EQ(0, obj_destroy(fd, got));
}

/* An IOAS in @st->id; nothing pinned yet. */
static void state_ioas(struct __test_metadata *_metadata,
		       struct nth_state *st)
{
	state_open(_metadata, st);
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->id));
	ASSERT_EQ(1U, st->id);
}

/* BUF_LEN of touched memory in @st->buf, and the VmPin baseline. */
static void state_buf(struct __test_metadata *_metadata, struct nth_state *st)
{
	st->buf = alloc_touched(BUF_LEN, sysconf(_SC_PAGESIZE), false,
				&st->raw, &st->raw_size);
	ASSERT_NE(NULL, st->buf);
	st->vmpin0 = proc_status_kb("VmPin");
	ASSERT_EQ(0, md_check_refs(st->fd, st->buf, BUF_LEN, 0));
}

/*
 * @n mock domains (at most 2) mirroring IOAS @st->id. The first comes from
 * MOCK_DOMAIN on the IOAS, which makes an automatic HWPT. A second
 * MOCK_DOMAIN on the IOAS would only join that HWPT, so the second domain
 * is a HWPT_ALLOC of the IOAS, with a second mock device attached to it.
 */
static void state_domains(struct __test_metadata *_metadata,
			  struct nth_state *st, unsigned int n)
{
	__u32 hwpt;

	ASSERT_GE(ARRAY_SIZE(st->hwpt), n);
	if (n >= 1)
		ASSERT_EQ(0, mock_domain(st->fd, st->id, &st->stdev[0],
					 &st->hwpt[0], &st->idev));
	if (n >= 2) {
		ASSERT_EQ(0, hwpt_alloc(st->fd, 0, st->idev, st->id,
					&st->hwpt[1]));
		ASSERT_NE(st->hwpt[0], st->hwpt[1]);
		ASSERT_EQ(0, mock_domain(st->fd, st->hwpt[1], &st->stdev[1],
					 &hwpt, NULL));
		ASSERT_EQ(st->hwpt[1], hwpt);
	}
	st->ndomains = n;
}

/*
 * IOMMU_IOAS_MAP, FIXED, of BUF_LEN into an IOAS with 0, 1 or 2 mock
 * domains. A failure must leave nothing pinned, charged or mapped in any
 * domain, and the IOVA free for the same MAP; a success must have pinned
 * the buffer once and mapped it in every domain. Unmapping it afterwards
 * must release everything.
 */
/*
 * &nth_op.variant of the MAP and attach sweeps: pin with two pin workers
 * (pin_workers.c), from memory nobody touched yet. The low temporary
 * memory limit cuts BUF_LEN into eight chunks of eight pages, so that a
 * fault can hit each worker's chunk and the pool's start.
 */
#define NTH_POOL 1U
#define POOL_TEMP_LIMIT 256
#define TEMP_LIMIT_DEFAULT 65536
#define PIN_WORKERS "/sys/module/iommufd/parameters/pin_workers"

/* BUF_LEN of memory nobody touched, in @st->buf, and the VmPin baseline */
static void state_buf_cold(struct __test_metadata *_metadata,
			   struct nth_state *st)
{
	st->buf = mmap_aligned(BUF_LEN, sysconf(_SC_PAGESIZE), &st->raw,
			       &st->raw_size);
	ASSERT_NE(NULL, st->buf);
	st->vmpin0 = proc_status_kb("VmPin");
	ASSERT_EQ(0, set_temp_memory_limit(st->fd, POOL_TEMP_LIMIT));
}

static void map_prepare(struct __test_metadata *_metadata,
			struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, st->ndomains);
	if (st->variant & NTH_POOL)
		state_buf_cold(_metadata, st);
	else
		state_buf(_metadata, st);
	st->iova = MAP_IOVA;
}

static int map_run(struct nth_state *st)
{
	return ioas_map(st->fd, st->id, MAP_FIXED_RW, (uintptr_t)st->buf,
			BUF_LEN, &st->iova);
}

static void map_check_success(struct __test_metadata *_metadata,
			      struct nth_state *st)
{
	__u64 unmapped = 0;
	unsigned int i;

	EXPECT_EQ(MAP_IOVA, st->iova);
	/* Without a domain MAP records the range and pins nothing */
	check_pinned(_metadata, st, st->ndomains);
	for (i = 0; i != st->ndomains; i++)
		EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[i], MAP_IOVA,
					  BUF_LEN, st->buf));
	EXPECT_EQ(-EEXIST,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));

	ASSERT_EQ(0, ioas_unmap(st->fd, st->id, MAP_IOVA, BUF_LEN,
				&unmapped));
	EXPECT_EQ(BUF_LEN, unmapped);
	check_pinned(_metadata, st, false);
	for (i = 0; i != st->ndomains; i++)
		EXPECT_EQ(0U, md_mapped_pages(st->fd, st->hwpt[i], MAP_IOVA,
					      st->buf, BUF_LEN));
}

/* Nothing of a failed MAP or MAP_FILE is left pinned or mapped */
static void map_check_undone(struct __test_metadata *_metadata,
			     struct nth_state *st)
{
	unsigned int i;

	check_pinned(_metadata, st, false);
	for (i = 0; i != st->ndomains; i++)
		EXPECT_EQ(0U, md_mapped_pages(st->fd, st->hwpt[i], MAP_IOVA,
					      st->buf, BUF_LEN));
}

static void map_check_failure(struct __test_metadata *_metadata,
			      struct nth_state *st)
{
	map_check_undone(_metadata, st);
	/* The IOVA was not left reserved */
	st->iova = MAP_IOVA;
	ASSERT_EQ(0, map_run(st));
	map_check_success(_metadata, st);
}

static const struct nth_op map0_op = {
	.name = "IOMMU_IOAS_MAP, no domain",
	.errnos = map_errnos,
	/* lookup, page set, area */
	.min_faults = 3,
	.needs_test_cmd = true,
	.ndomains = 0,
	.prepare = map_prepare,
	.run = map_run,
	.check_success = map_check_success,
	.check_failure = map_check_failure,
};

static const struct nth_op map1_op = {
	.name = "IOMMU_IOAS_MAP, 1 mock domain",
	.errnos = map_errnos,
	/* and two fill buffers, accounting, GUP, mock map */
	.min_faults = 8,
	.needs_test_cmd = true,
	.ndomains = 1,
	.prepare = map_prepare,
	.run = map_run,
	.check_success = map_check_success,
	.check_failure = map_check_failure,
};

static const struct nth_op map2_op = {
	.name = "IOMMU_IOAS_MAP, 2 mock domains",
	.errnos = map_errnos,
	/* and a fill buffer and the mock map of the second domain */
	.min_faults = 10,
	.needs_test_cmd = true,
	.ndomains = 2,
	.prepare = map_prepare,
	.run = map_run,
	.check_success = map_check_success,
	.check_failure = map_check_failure,
};

static const struct nth_op map1_pool_op = {
	.name = "IOMMU_IOAS_MAP, 1 mock domain, 2 pin workers",
	.errnos = map_errnos,
	/*
	 * as map1_op, and the pool, its work items, its four slots and
	 * the choice of a failing chunk for each of the eight
	 */
	.min_faults = 22,
	.needs_test_cmd = true,
	.ndomains = 1,
	.variant = NTH_POOL,
	.prepare = map_prepare,
	.run = map_run,
	.check_success = map_check_success,
	.check_failure = map_check_failure,
};

/*
 * IOMMU_IOAS_MAP_FILE, FIXED, of BUF_LEN of a memfd into an IOAS with 0, 1
 * or 2 mock domains, checked as the MAP sweeps are: @buf is this process's
 * shared mapping of the memfd, through which MD_CHECK_REFS and MD_CHECK_MAP
 * see the page cache pages that the mapping pins. To pin them, the kernel
 * maps the file into the calling process for a moment, which brings fault
 * points of its own; neither a failure nor a success may leave that
 * mapping behind, so the memfd must stay mapped exactly once, by @buf.
 */
#define MEMFD_NAME "fail_nth_memfd"

/* BUF_LEN of touched memfd memory in @st->buf, and the VmPin baseline. */
static void state_memfd(struct __test_metadata *_metadata,
			struct nth_state *st)
{
	void *p;

	st->memfd = memfd_create(MEMFD_NAME, MFD_CLOEXEC);
	ASSERT_LE(0, st->memfd);
	ASSERT_EQ(0, ftruncate(st->memfd, BUF_LEN));
	p = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		 st->memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	st->buf = p;
	st->raw = p;
	st->raw_size = BUF_LEN;
	memset(st->buf, 0x5a, BUF_LEN);
	st->vmpin0 = proc_status_kb("VmPin");
	st->vmlck0 = proc_status_kb("VmLck");
	ASSERT_EQ(0, md_check_refs(st->fd, st->buf, BUF_LEN, 0));
}

/*
 * How many mappings of @st->memfd this process has, or -1: the lines of
 * /proc/self/maps with its inode number, which no earlier memfd shares.
 */
static int memfd_mappings(const struct nth_state *st)
{
	unsigned long long ino;
	char line[512];
	struct stat sb;
	int n = 0;
	FILE *f;

	if (fstat(st->memfd, &sb))
		return -1;
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* address perms offset dev inode path */
		if (sscanf(line, "%*s %*s %*s %*s %llu", &ino) == 1 &&
		    ino == sb.st_ino && strstr(line, "/memfd:" MEMFD_NAME))
			n++;
	}
	fclose(f);
	return n;
}

static void map_file_prepare(struct __test_metadata *_metadata,
			     struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, st->ndomains);
	state_memfd(_metadata, st);
	st->iova = MAP_IOVA;
}

static int map_file_run(struct nth_state *st)
{
	return ioas_map_file(st->fd, st->id, MAP_FIXED_RW, st->memfd, 0,
			     BUF_LEN, &st->iova);
}

/* The memfd is mapped in this process by @buf, and nothing else */
static void check_memfd_mapped_once(struct __test_metadata *_metadata,
				    const struct nth_state *st)
{
	EXPECT_EQ(1, memfd_mappings(st)) {
		TH_LOG("the file is left mapped in the process");
	}
}

static void map_file_check_success(struct __test_metadata *_metadata,
				   struct nth_state *st)
{
	check_memfd_mapped_once(_metadata, st);
	map_check_success(_metadata, st);
}

static void map_file_check_failure(struct __test_metadata *_metadata,
				   struct nth_state *st)
{
	check_memfd_mapped_once(_metadata, st);
	map_check_undone(_metadata, st);
	/* The IOVA was not left reserved */
	st->iova = MAP_IOVA;
	ASSERT_EQ(0, map_file_run(st));
	map_file_check_success(_metadata, st);
}

static const struct nth_op map_file0_op = {
	.name = "IOMMU_IOAS_MAP_FILE, no domain",
	.errnos = map_errnos,
	/* lookup, page set, area */
	.min_faults = 3,
	.needs_test_cmd = true,
	.ndomains = 0,
	.prepare = map_file_prepare,
	.run = map_file_run,
	.check_success = map_file_check_success,
	.check_failure = map_file_check_failure,
};

static const struct nth_op map_file1_op = {
	.name = "IOMMU_IOAS_MAP_FILE, 1 mock domain",
	.errnos = map_errnos,
	/* and two fill buffers, accounting, GUP, the mapping, mock map */
	.min_faults = 9,
	.needs_test_cmd = true,
	.ndomains = 1,
	.prepare = map_file_prepare,
	.run = map_file_run,
	.check_success = map_file_check_success,
	.check_failure = map_file_check_failure,
};

static const struct nth_op map_file2_op = {
	.name = "IOMMU_IOAS_MAP_FILE, 2 mock domains",
	.errnos = map_errnos,
	/* and a fill buffer and the mock map of the second domain */
	.min_faults = 11,
	.needs_test_cmd = true,
	.ndomains = 2,
	.prepare = map_file_prepare,
	.run = map_file_run,
	.check_success = map_file_check_success,
	.check_failure = map_file_check_failure,
};

/*
 * IOMMU_IOAS_CHANGE_PROCESS of a context holding a BUF_LEN memfd mapping
 * that a mock domain pins, made and owned by this process. The call is
 * made by a child that inherited the context: the child runs each attempt
 * with its own fail-nth armed and answers over a socket, while this
 * process prepares and checks. The charge to the caller is the only step
 * that may fail (besides an allocation), and it comes before anything is
 * changed: a failure must leave the owner, VmPin and VmLck of both
 * processes as they were; a success must have moved VmPin, and VmLck with
 * per-process accounting, to the child. Pins are never touched, so the
 * mock domain and the pin counts must not change in either case.
 *
 * For the charge step to be reached the pins must be charged, so the
 * mapping is made without CAP_IPC_LOCK (&nth_op.variant says otherwise),
 * and the child is a different process (per-process accounting) or a
 * different user (per-user). Without CAP_IPC_LOCK the pins are charged
 * against RLIMIT_MEMLOCK, which is lifted for the purpose.
 */
#define CP_PER_PROCESS 1U	/* RLIMIT_MODE 1; else the child is "nobody" */
#define CP_UNCHARGED 2U		/* map with CAP_IPC_LOCK: nothing charged */

/* What the child is asked to do: CHANGE_PROCESS, or only report */
enum { CP_CHANGE, CP_STATUS };

struct cp_req {
	__u32 op;
	__u32 nth;		/* fault to arm for CP_CHANGE, 0 for none */
};

struct cp_rep {
	__s32 ret;		/* of CHANGE_PROCESS */
	__s32 err;		/* -errno if the child could not do as asked */
	__u32 left;		/* fail-nth after CHANGE_PROCESS */
	__u32 unused;
	long vmpin;		/* the child's VmPin and VmLck (kB) afterwards */
	long vmlck;
};

/* Lower or raise CAP_IPC_LOCK in the effective set; it stays permitted */
static bool cap_ipc_lock_effective(bool on)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	if (on)
		data[0].effective |= 1U << CAP_IPC_LOCK;
	else
		data[0].effective &= ~(1U << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return false;
	return !(proc_status_cap_eff() & (1ULL << CAP_IPC_LOCK)) == !on;
}

/* Become user "nobody" with no capabilities and RLIMIT_MEMLOCK to spare */
static bool become_nobody(void)
{
	return become_nobody_memlock(16 * SZ_1M);
}

/*
 * The child: serves requests on @sock until it is closed. Its fail-nth is
 * opened first, while /proc/self is still accessible whoever it becomes.
 */
static void __attribute__((noreturn)) cp_child(int fd, int sock,
					       bool other_user)
{
	struct cp_rep rep;
	struct cp_req req;
	int nth_fd, err = 0;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0)
		err = -errno;
	else if (other_user && !become_nobody())
		err = -EPERM;

	while (recv(sock, &req, sizeof(req), 0) == sizeof(req)) {
		memset(&rep, 0, sizeof(rep));
		rep.err = err;
		if (!err && req.op == CP_CHANGE) {
			if (req.nth)
				rep.err = fail_nth_set(nth_fd, req.nth);
			if (!rep.err)
				rep.ret = ioas_change_process(fd);
			if (!rep.err && req.nth) {
				rep.err = fail_nth_get(nth_fd, &rep.left);
				if (!rep.err)
					rep.err = fail_nth_set(nth_fd, 0);
			}
		}
		rep.vmpin = proc_status_kb("VmPin");
		rep.vmlck = proc_status_kb("VmLck");
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != sizeof(rep))
			break;
	}
	_exit(0);
}

/* Ask the child to do @op, with fault @nth armed for CP_CHANGE */
static void cp_call(struct __test_metadata *_metadata, struct nth_state *st,
		    __u32 op, unsigned int nth, struct cp_rep *rep)
{
	struct cp_req req = { .op = op, .nth = nth };

	ASSERT_EQ((ssize_t)sizeof(req),
		  send(st->child_sock, &req, sizeof(req), MSG_NOSIGNAL));
	ASSERT_EQ((ssize_t)sizeof(*rep),
		  recv(st->child_sock, rep, sizeof(*rep), 0));
	ASSERT_EQ(0, rep->err) {
		TH_LOG("the child failed: %s", strerror(-rep->err));
	}
}

/*
 * Who owns the pins: the child (@child_owns) or this process. Whoever
 * does has VmPin raised by BUF_LEN, and VmLck too if the pins are charged
 * per process; the other has its own baselines.
 */
static void change_check_owner(struct __test_metadata *_metadata,
			       struct nth_state *st, bool child_owns)
{
	bool per_mm = (st->variant & CP_PER_PROCESS) &&
		      !(st->variant & CP_UNCHARGED);
	long kb = BUF_LEN / 1024;
	struct cp_rep rep;

	EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA, BUF_LEN,
				  st->buf));
	EXPECT_EQ(0, md_check_refs(st->fd, st->buf, BUF_LEN, 1));
	/* Small pages, which MD_CHECK_REFS does count */
	EXPECT_EQ(-EIO, md_check_refs(st->fd, st->buf, BUF_LEN, 2));

	check_vmpin(_metadata, st, child_owns ? 0 : kb);
	EXPECT_EQ(st->vmlck0 + (per_mm && !child_owns ? kb : 0),
		  proc_status_kb("VmLck"));
	cp_call(_metadata, st, CP_STATUS, 0, &rep);
	EXPECT_EQ(st->child_vmpin0 + (child_owns ? kb : 0), rep.vmpin);
	EXPECT_EQ(st->child_vmlck0 + (per_mm && child_owns ? kb : 0),
		  rep.vmlck);
}

static void change_prepare(struct __test_metadata *_metadata,
			   struct nth_state *st)
{
	struct rlimit unlimited = {
		.rlim_cur = RLIM_INFINITY,
		.rlim_max = RLIM_INFINITY,
	};
	bool charged = !(st->variant & CP_UNCHARGED);
	struct cp_rep rep;
	int sv[2], ret;

	state_open(_metadata, st);
	if (st->variant & CP_PER_PROCESS)
		ASSERT_EQ(0, option_set(st->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					1));
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->id));
	state_domains(_metadata, st, 1);
	state_memfd(_metadata, st);

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &unlimited));
	if (charged)
		ASSERT_TRUE(cap_ipc_lock_effective(false));
	st->iova = MAP_IOVA;
	ret = map_file_run(st);
	if (charged)
		ASSERT_TRUE(cap_ipc_lock_effective(true));
	ASSERT_EQ(0, ret);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				sv));
	fflush(NULL);
	st->child = fork();
	ASSERT_LE(0, st->child);
	if (!st->child) {
		close(sv[0]);
		cp_child(st->fd, sv[1], !(st->variant & CP_PER_PROCESS));
	}
	close(sv[1]);
	st->child_sock = sv[0];
	cp_call(_metadata, st, CP_STATUS, 0, &rep);
	st->child_vmpin0 = rep.vmpin;
	st->child_vmlck0 = rep.vmlck;
	ASSERT_LE(0, st->child_vmpin0);
	ASSERT_LE(0, st->child_vmlck0);
	change_check_owner(_metadata, st, false);
}

static int change_run_nth(struct __test_metadata *_metadata,
			  struct nth_state *st, unsigned int nth,
			  unsigned int *left)
{
	struct cp_rep rep;

	cp_call(_metadata, st, CP_CHANGE, nth, &rep);
	*left = rep.left;
	return rep.ret;
}

static void change_check_success(struct __test_metadata *_metadata,
				 struct nth_state *st)
{
	change_check_owner(_metadata, st, true);
	/* Back to this process, which has CAP_IPC_LOCK: it cannot fail */
	ASSERT_EQ(0, ioas_change_process(st->fd));
	change_check_owner(_metadata, st, false);

	EXPECT_UNMAP_EXACT(st->fd, st->id, MAP_IOVA, BUF_LEN);
	check_pinned(_metadata, st, false);
	EXPECT_EQ(st->vmlck0, proc_status_kb("VmLck"));
}

static void change_check_failure(struct __test_metadata *_metadata,
				 struct nth_state *st)
{
	struct cp_rep rep;

	change_check_owner(_metadata, st, false);
	cp_call(_metadata, st, CP_CHANGE, 0, &rep);
	ASSERT_EQ(0, rep.ret);
	change_check_success(_metadata, st);
}

static const int change_errnos[] = { ENOMEM, 0 };

static const struct nth_op change_mm_op = {
	.name = "IOMMU_IOAS_CHANGE_PROCESS, per-process accounting",
	.errnos = change_errnos,
	/* IOAS array, charge */
	.min_faults = 2,
	.needs_test_cmd = true,
	.variant = CP_PER_PROCESS,
	.prepare = change_prepare,
	.run_nth = change_run_nth,
	.check_success = change_check_success,
	.check_failure = change_check_failure,
};

static const struct nth_op change_user_op = {
	.name = "IOMMU_IOAS_CHANGE_PROCESS, per-user accounting, other user",
	.errnos = change_errnos,
	/* IOAS array, charge */
	.min_faults = 2,
	.needs_test_cmd = true,
	.variant = 0,
	.prepare = change_prepare,
	.run_nth = change_run_nth,
	.check_success = change_check_success,
	.check_failure = change_check_failure,
};

static const struct nth_op change_uncharged_op = {
	.name = "IOMMU_IOAS_CHANGE_PROCESS, nothing charged",
	.errnos = change_errnos,
	/* IOAS array; there is nothing to charge */
	.min_faults = 1,
	.needs_test_cmd = true,
	.variant = CP_PER_PROCESS | CP_UNCHARGED,
	.prepare = change_prepare,
	.run_nth = change_run_nth,
	.check_success = change_check_success,
	.check_failure = change_check_failure,
};

/* sweep() of a CHANGE_PROCESS op, which needs root to set its state up */
static void change_sweep(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fail_nth) *self, const struct nth_op *op)
{
	if (geteuid())
		SKIP(return, "needs root, to map without CAP_IPC_LOCK");
	sweep(_metadata, self, op);
}

/*
 * IOMMU_IOAS_COPY of a mapping of IOAS @id (one mock domain) to COPY_IOVA
 * of IOAS @dst (a mock domain of its own). The copy shares the source's
 * pinned pages, so the pin count and VmPin stay put either way. A failure
 * must leave nothing mapped at the destination and the source intact; a
 * success must have mapped the copy in the destination's domain.
 */
static void copy_prepare(struct __test_metadata *_metadata,
			 struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, 1);
	state_buf(_metadata, st);
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->dst));
	ASSERT_EQ(0, mock_domain(st->fd, st->dst, &st->stdev[1],
				 &st->dst_hwpt, NULL));
	check_pinned(_metadata, st, true);
	st->iova = COPY_IOVA;
}

static int copy_run(struct nth_state *st)
{
	return ioas_copy_fixed(st->fd, st->dst, st->iova, st->id, MAP_IOVA,
			       BUF_LEN);
}

static void copy_check_source(struct __test_metadata *_metadata,
			      struct nth_state *st)
{
	check_pinned(_metadata, st, true);
	EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA, BUF_LEN,
				  st->buf));
}

static void copy_check_success(struct __test_metadata *_metadata,
			       struct nth_state *st)
{
	__u64 unmapped = 0;

	copy_check_source(_metadata, st);
	EXPECT_EQ(0, md_check_map(st->fd, st->dst_hwpt, COPY_IOVA, BUF_LEN,
				  st->buf));

	/* The copy goes, the source keeps the pages pinned */
	ASSERT_EQ(0, ioas_unmap(st->fd, st->dst, COPY_IOVA, BUF_LEN,
				&unmapped));
	EXPECT_EQ(BUF_LEN, unmapped);
	EXPECT_EQ(0U, md_mapped_pages(st->fd, st->dst_hwpt, COPY_IOVA,
				      st->buf, BUF_LEN));
	copy_check_source(_metadata, st);

	unmapped = 0;
	ASSERT_EQ(0, ioas_unmap(st->fd, st->id, MAP_IOVA, BUF_LEN,
				&unmapped));
	EXPECT_EQ(BUF_LEN, unmapped);
	check_pinned(_metadata, st, false);
}

static void copy_check_failure(struct __test_metadata *_metadata,
			       struct nth_state *st)
{
	copy_check_source(_metadata, st);
	EXPECT_EQ(0U, md_mapped_pages(st->fd, st->dst_hwpt, COPY_IOVA,
				      st->buf, BUF_LEN));
	/* Nothing was left at the destination: the same COPY works */
	ASSERT_EQ(0, copy_run(st));
	copy_check_success(_metadata, st);
}

static const struct nth_op copy_op = {
	.name = "IOMMU_IOAS_COPY",
	.errnos = map_errnos,
	/* two lookups, list entry, area, two fill buffers, mock map */
	.min_faults = 7,
	.needs_test_cmd = true,
	.prepare = copy_prepare,
	.run = copy_run,
	.check_success = copy_check_success,
	.check_failure = copy_check_failure,
};

/*
 * IOMMU_IOAS_UNMAP of a mapping in an IOAS with one mock domain. The
 * teardown allocates with __GFP_NOFAIL, so only the IOAS lookup should be
 * able to fail it. A failure must leave the mapping whole; a success must
 * have unpinned and uncharged everything and freed the IOVA.
 */
static const int unmap_errnos[] = { ENOENT, 0 };

static void unmap_prepare(struct __test_metadata *_metadata,
			  struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, 1);
	state_buf(_metadata, st);
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	check_pinned(_metadata, st, true);
	st->iova = MAP_IOVA;
}

static int unmap_run(struct nth_state *st)
{
	return ioas_unmap(st->fd, st->id, st->iova, BUF_LEN, &st->out_len);
}

static void unmap_check_success(struct __test_metadata *_metadata,
				struct nth_state *st)
{
	EXPECT_EQ(BUF_LEN, st->out_len);
	check_pinned(_metadata, st, false);
	EXPECT_EQ(0U, md_mapped_pages(st->fd, st->hwpt[0], MAP_IOVA, st->buf,
				      BUF_LEN));
	EXPECT_EQ(-ENOENT, ioas_unmap(st->fd, st->id, MAP_IOVA, BUF_LEN,
				      NULL));
	/* The IOVA is free again */
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA, BUF_LEN,
				  st->buf));
	check_pinned(_metadata, st, true);
}

static void unmap_check_failure(struct __test_metadata *_metadata,
				struct nth_state *st)
{
	check_pinned(_metadata, st, true);
	EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA, BUF_LEN,
				  st->buf));
	EXPECT_EQ(-EEXIST,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	ASSERT_EQ(0, unmap_run(st));
	unmap_check_success(_metadata, st);
}

static const struct nth_op unmap_op = {
	.name = "IOMMU_IOAS_UNMAP, 1 mock domain",
	.errnos = unmap_errnos,
	/* lookup */
	.min_faults = 1,
	.needs_test_cmd = true,
	.prepare = unmap_prepare,
	.run = unmap_run,
	.check_success = unmap_check_success,
	.check_failure = unmap_check_failure,
};

/*
 * IOMMU_TEST_OP_MOCK_DOMAIN on IOAS 1, which already maps BUF_LEN with no
 * domain (so nothing is pinned yet). A failure must leave nothing pinned,
 * no object behind (the next ID handed out is 2) and no aperture reserved;
 * a success must have pinned the buffer and mapped it in the new domain,
 * and destroying the mock device must undo all of that.
 */
static const int attach_errnos[] = { ENOMEM, ENOENT, EFAULT, 0 };

static void attach_prepare(struct __test_metadata *_metadata,
			   struct nth_state *st)
{
	state_ioas(_metadata, st);
	if (st->variant & NTH_POOL)
		state_buf_cold(_metadata, st);
	else
		state_buf(_metadata, st);
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	check_pinned(_metadata, st, false);
}

static int attach_run(struct nth_state *st)
{
	return mock_domain(st->fd, st->id, &st->stdev[0], &st->hwpt[0],
			   &st->idev);
}

/* The mapping of IOAS 1 survives whatever happens to its domains. */
static void check_ioas_mapped(struct __test_metadata *_metadata,
			      struct nth_state *st)
{
	EXPECT_EQ(-EEXIST,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
}

static void attach_check_success(struct __test_metadata *_metadata,
				 struct nth_state *st)
{
	check_pinned(_metadata, st, true);
	EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA, BUF_LEN,
				  st->buf));
	expect_mock_ranges(_metadata, st->fd, st->id);

	/* Detaching the only domain unpins; its automatic HWPT goes too */
	ASSERT_EQ(0, obj_destroy(st->fd, st->stdev[0]));
	check_pinned(_metadata, st, false);
	EXPECT_EQ(-ENOENT, md_check_map(st->fd, st->hwpt[0], MAP_IOVA, BUF_LEN,
					st->buf));
	expect_no_domain_ranges(_metadata, st->fd, st->id);
	check_next_id(_metadata, st->fd, 2);
	check_ioas_mapped(_metadata, st);
}

static void attach_check_failure(struct __test_metadata *_metadata,
				 struct nth_state *st)
{
	check_pinned(_metadata, st, false);
	expect_no_domain_ranges(_metadata, st->fd, st->id);
	check_next_id(_metadata, st->fd, 2);
	check_ioas_mapped(_metadata, st);
	ASSERT_EQ(0, attach_run(st));
	attach_check_success(_metadata, st);
}

static const struct nth_op attach_op = {
	.name = "MOCK_DOMAIN attach, with a mapping",
	.errnos = attach_errnos,
	/*
	 * selftest object, mock device, DEVICE object, lookup, HWPT, domain,
	 * two fill buffers, accounting, GUP, mock map
	 */
	.min_faults = 11,
	.needs_test_cmd = true,
	.prepare = attach_prepare,
	.run = attach_run,
	.check_success = attach_check_success,
	.check_failure = attach_check_failure,
};

static const struct nth_op attach_pool_op = {
	.name = "MOCK_DOMAIN attach, with a mapping, 2 pin workers",
	.errnos = attach_errnos,
	/* as attach_op, and the pool's, as for map1_pool_op */
	.min_faults = 25,
	.needs_test_cmd = true,
	.variant = NTH_POOL,
	.prepare = attach_prepare,
	.run = attach_run,
	.check_success = attach_check_success,
	.check_failure = attach_check_failure,
};

/*
 * IOMMU_GET_HW_INFO of a mock device. A failure must leave no reference
 * on the device (its IOAS can still be emptied and destroyed) and must
 * not have written the caller's buffer as if it had succeeded.
 */
static const int hw_info_errnos[] = { ENOMEM, ENOENT, 0 };
static struct iommu_hw_info hw_info_cmd;
static __u32 hw_info_buf[4];

static void hw_info_prepare(struct __test_metadata *_metadata,
			    struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, 1);
	memset(hw_info_buf, 0xff, sizeof(hw_info_buf));
	memset(&hw_info_cmd, 0, sizeof(hw_info_cmd));
	hw_info_cmd.size = sizeof(hw_info_cmd);
	hw_info_cmd.dev_id = st->idev;
	hw_info_cmd.data_len = sizeof(hw_info_buf);
	hw_info_cmd.data_uptr = (uintptr_t)hw_info_buf;
}

static int hw_info_run(struct nth_state *st)
{
	return iommufd_ioctl(st->fd, IOMMU_GET_HW_INFO, &hw_info_cmd);
}

static void hw_info_check_success(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, hw_info_cmd.out_data_type);
	EXPECT_EQ(8U, hw_info_cmd.data_len);
	EXPECT_EQ(0U, hw_info_buf[0]);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, hw_info_buf[1]);
	EXPECT_EQ(0U, hw_info_buf[2]);
	EXPECT_EQ(0U, hw_info_buf[3]);
	EXPECT_EQ(0, obj_destroy(st->fd, st->stdev[0]));
	EXPECT_EQ(0, obj_destroy(st->fd, st->id));
}

static void hw_info_check_failure(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	EXPECT_EQ(sizeof(hw_info_buf), hw_info_cmd.data_len);
	EXPECT_EQ(0xffffffffU, hw_info_buf[1]);
	EXPECT_EQ(0, obj_destroy(st->fd, st->stdev[0]));
	EXPECT_EQ(0, obj_destroy(st->fd, st->id));
}

static const struct nth_op hw_info_op = {
	.name = "GET_HW_INFO of a mock device",
	.errnos = hw_info_errnos,
	/* the device lookup and the mock's info buffer */
	.min_faults = 2,
	.needs_test_cmd = true,
	.prepare = hw_info_prepare,
	.run = hw_info_run,
	.check_success = hw_info_check_success,
	.check_failure = hw_info_check_failure,
};

/*
 * IOMMU_DESTROY of the mock device of the first of 1 or 2 domains of an
 * IOAS holding two mappings (the two halves of the buffer). Detaching has
 * no way to report failure, so the destroy must succeed whatever fails
 * underneath. With one domain the pages are unpinned; with two, the
 * remaining domain keeps them pinned and mapped, even though the one that
 * went was where the pages' addresses were read from.
 */
static const int detach_errnos[] = { 0 };

static void detach_prepare(struct __test_metadata *_metadata,
			   struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, st->ndomains);
	state_buf(_metadata, st);
	ASSERT_EQ(0, ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN / 2,
				    MAP_IOVA));
	ASSERT_EQ(0, ioas_map_fixed(st->fd, st->id,
				    (char *)st->buf + BUF_LEN / 2,
				    BUF_LEN / 2, COPY_IOVA));
	check_pinned(_metadata, st, true);
}

static int detach_run(struct nth_state *st)
{
	return obj_destroy(st->fd, st->stdev[0]);
}

/* Does @hwpt_id map both halves? */
static void check_halves_mapped(struct __test_metadata *_metadata,
				struct nth_state *st, __u32 hwpt_id)
{
	EXPECT_EQ(0, md_check_map(st->fd, hwpt_id, MAP_IOVA, BUF_LEN / 2,
				  st->buf));
	EXPECT_EQ(0, md_check_map(st->fd, hwpt_id, COPY_IOVA, BUF_LEN / 2,
				  (char *)st->buf + BUF_LEN / 2));
}

static void detach_check(struct __test_metadata *_metadata,
			 struct nth_state *st)
{
	EXPECT_EQ(-ENOENT, obj_destroy(st->fd, st->stdev[0]));
	/* The automatic HWPT went with its only device */
	EXPECT_EQ(-ENOENT, md_check_map(st->fd, st->hwpt[0], MAP_IOVA,
					BUF_LEN / 2, st->buf));
	/* Mock device, DEVICE object and HWPT are gone: 2 to 4 are free */
	check_next_id(_metadata, st->fd, 2);

	if (st->ndomains == 2) {
		check_pinned(_metadata, st, true);
		check_halves_mapped(_metadata, st, st->hwpt[1]);
		expect_mock_ranges(_metadata, st->fd, st->id);
		ASSERT_EQ(0, obj_destroy(st->fd, st->stdev[1]));
		/* A HWPT_ALLOC one stays until destroyed */
		check_pinned(_metadata, st, true);
		check_halves_mapped(_metadata, st, st->hwpt[1]);
		ASSERT_EQ(0, obj_destroy(st->fd, st->hwpt[1]));
	}
	check_pinned(_metadata, st, false);
	expect_no_domain_ranges(_metadata, st->fd, st->id);

	/* The mappings themselves stay in the IOAS */
	EXPECT_UNMAP_EXACT(st->fd, st->id, MAP_IOVA, BUF_LEN / 2);
	EXPECT_UNMAP_EXACT(st->fd, st->id, COPY_IOVA, BUF_LEN / 2);
}

static const struct nth_op detach1_op = {
	.name = "MOCK_DOMAIN detach (DESTROY), last domain",
	.errnos = detach_errnos,
	.needs_test_cmd = true,
	.ndomains = 1,
	.prepare = detach_prepare,
	.run = detach_run,
	.check_success = detach_check,
	.check_failure = detach_check,
};

static const struct nth_op detach2_op = {
	.name = "MOCK_DOMAIN detach (DESTROY), 1 of 2 domains",
	.errnos = detach_errnos,
	.needs_test_cmd = true,
	.ndomains = 2,
	.prepare = detach_prepare,
	.run = detach_run,
	.check_success = detach_check,
	.check_failure = detach_check,
};

/*
 * Access sweeps
 *
 * An access is the test driver of IOMMU_TEST_CMD standing in for an
 * mdev-like driver: CREATE_ACCESS returns a file descriptor for it, which
 * the other access ops take in @id. ACCESS_PAGES pins an IOVA range and
 * records it as an item; the driver's unmap callback unpins every item an
 * UNMAP or a REPLACE touches; closing the fd destroys the access.
 *
 * Besides the errnos of allocations and lookups, failures come from the
 * same fault points as MAP (pin accounting, GUP) and, for ACCESS_RW on the
 * pinning path, its own (EINVAL).
 */
/* Bytes ACCESS_PAGES pins: the start of the buffer */
#define PIN_LEN (64UL * 1024)

static size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/*
 * Why the access sweeps cannot run, or NULL if they can. A module without
 * IOMMU_TEST_CMD at all (ENOTTY here) is left to sweep(), as every access
 * op has &nth_op.needs_test_cmd.
 */
static const char *access_skip_reason(void)
{
	int fd, access_fd = -1, ret;
	__u32 ioas_id;

	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd < 0)
		return NULL;	/* let the test show it */
	ret = ioas_alloc(fd, &ioas_id);
	if (!ret)
		ret = access_create(fd, ioas_id, 0, &access_fd);
	if (access_fd >= 0)
		close(access_fd);
	close(fd);
	return ret == -EOPNOTSUPP ? "no accesses in IOMMU_TEST_CMD" : NULL;
}

/* Open fds of this process, the directory stream's own included */
static int count_fds(void)
{
	struct dirent *ent;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while ((ent = readdir(dir)))
		if (ent->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/*
 * The fd the next open() gets. An fd number reserved and never installed
 * or released does not show in /proc/self/fd but is skipped here.
 */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Every page of [@off, @off + @len) of @st->buf is pinned @refs times */
static void check_refs(struct __test_metadata *_metadata,
		       const struct nth_state *st, size_t off, size_t len,
		       unsigned int refs)
{
	EXPECT_EQ(0, md_check_refs(st->fd, (char *)st->buf + off, len, refs)) {
		TH_LOG("pages [%#zx, %#zx) of the buffer not pinned %u times",
		       off, off + len, refs);
	}
}

/*
 * The pins of an IOAS whose domains (@ndomains, 0 or 1) map all of @buf,
 * plus an access pin of its first PIN_LEN (@item_pinned).
 */
static void check_access_pinned(struct __test_metadata *_metadata,
				const struct nth_state *st,
				unsigned int ndomains, bool item_pinned)
{
	check_refs(_metadata, st, 0, PIN_LEN, ndomains || item_pinned);
	check_refs(_metadata, st, PIN_LEN, BUF_LEN - PIN_LEN, ndomains);
	if (ndomains)
		check_vmpin(_metadata, st, BUF_LEN / 1024);
	else
		check_vmpin(_metadata, st, item_pinned ? PIN_LEN / 1024 : 0);
}

/*
 * IOAS @st->id with @st->ndomains (the op's &nth_op.ndomains) mock domains
 * and BUF_LEN mapped at MAP_IOVA
 */
static void state_ioas_mapped(struct __test_metadata *_metadata,
			      struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_domains(_metadata, st, st->ndomains);
	state_buf(_metadata, st);
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	check_access_pinned(_metadata, st, st->ndomains, false);
}

/*
 * CREATE_ACCESS with NEEDS_PIN_PAGES on IOAS 1, which maps BUF_LEN and has
 * no domain. A failure must leave no fd behind (neither installed nor
 * reserved), no object (ID 2 is next), no reference on the IOAS (DESTROY
 * of it works) and the IOVA alignment at 1. A success must return the
 * lowest free fd, close-on-exec, for an access that pins; the access
 * raises the alignment to PAGE_SIZE and holds the IOAS until closed.
 */
static const int create_access_errnos[] = { ENOMEM, ENOENT, EFAULT, ENFILE,
					    0 };

static void create_access_prepare(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	state_ioas_mapped(_metadata, st);
	expect_no_domain_ranges(_metadata, st->fd, st->id);
	st->free_fd = lowest_free_fd();
	ASSERT_LE(0, st->free_fd);
	st->nfds = count_fds();
	ASSERT_LT(0, st->nfds);
}

static int create_access_run(struct nth_state *st)
{
	return access_create(st->fd, st->id,
			     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			     &st->access_fd);
}

/* Whatever happened, the access is gone and the IOAS as it was */
static void create_access_check_gone(struct __test_metadata *_metadata,
				     struct nth_state *st)
{
	EXPECT_EQ(st->nfds, count_fds());
	EXPECT_EQ(st->free_fd, lowest_free_fd());
	check_next_id(_metadata, st->fd, 2);
	expect_no_domain_ranges(_metadata, st->fd, st->id);
	check_access_pinned(_metadata, st, 0, false);
	/* Nothing holds the IOAS any more */
	EXPECT_EQ(0, obj_destroy(st->fd, st->id));
}

static void create_access_check_success(struct __test_metadata *_metadata,
					struct nth_state *st)
{
	__u32 item;

	ASSERT_EQ(st->free_fd, st->access_fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(st->access_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(st->nfds + 1, count_fds());
	/* The access object took ID 2 */
	check_next_id(_metadata, st->fd, 3);
	expect_one_range(_metadata, st->fd, st->id, 0, UINT64_MAX,
			 page_size());
	EXPECT_EQ(-EBUSY, obj_destroy(st->fd, st->id));

	/* It may pin */
	ASSERT_EQ(0, access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
				MAP_IOVA, PIN_LEN, st->buf, &item));
	EXPECT_EQ(0U, item);
	check_access_pinned(_metadata, st, 0, true);
	EXPECT_EQ(0, access_unpin(st->fd, st->access_fd, item));
	check_access_pinned(_metadata, st, 0, false);

	ASSERT_EQ(0, close(st->access_fd));
	st->access_fd = -1;
	create_access_check_gone(_metadata, st);
}

static void create_access_check_failure(struct __test_metadata *_metadata,
					struct nth_state *st)
{
	EXPECT_EQ(-1, st->access_fd);
	create_access_check_gone(_metadata, st);
}

static const struct nth_op create_access_op = {
	.name = "CREATE_ACCESS, NEEDS_PIN_PAGES",
	.errnos = create_access_errnos,
	/* driver state, file, ACCESS object, IOAS lookup */
	.min_faults = 4,
	.needs_test_cmd = true,
	.prepare = create_access_prepare,
	.run = create_access_run,
	.check_success = create_access_check_success,
	.check_failure = create_access_check_failure,
};

/*
 * ACCESS_PAGES of the first PIN_LEN of a BUF_LEN mapping of IOAS 1, with
 * &nth_op.ndomains (0 or 1) mock domains. Without a domain the pin pins
 * the pages and charges them; with one they are pinned already and stay
 * pinned once. A failure must leave pins, VmPin and the item IDs as they
 * were, and the same ACCESS_PAGES must then work; a success must pin (and
 * check, through @uptr) exactly that range, and DESTROY_ACCESS_PAGES must
 * undo it.
 */
static const int access_pages_errnos[] = { ENOMEM, EFAULT, 0 };

static void access_pages_prepare(struct __test_metadata *_metadata,
				 struct nth_state *st)
{
	state_ioas_mapped(_metadata, st);
	ASSERT_EQ(0, access_create(st->fd, st->id,
				   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				   &st->access_fd));
	st->item = UINT32_MAX;
}

static int access_pages_run(struct nth_state *st)
{
	return access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
			  MAP_IOVA, PIN_LEN, st->buf, &st->item);
}

static void access_pages_check_success(struct __test_metadata *_metadata,
				       struct nth_state *st)
{
	/* No failed attempt consumed an ID */
	EXPECT_EQ(0U, st->item);
	check_access_pinned(_metadata, st, st->ndomains, true);
	if (st->ndomains)
		EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA,
					  BUF_LEN, st->buf));

	ASSERT_EQ(0, access_unpin(st->fd, st->access_fd, st->item));
	check_access_pinned(_metadata, st, st->ndomains, false);
	EXPECT_EQ(-ENOENT, access_unpin(st->fd, st->access_fd, st->item));
	if (st->ndomains)
		EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA,
					  BUF_LEN, st->buf));
}

static void access_pages_check_failure(struct __test_metadata *_metadata,
				       struct nth_state *st)
{
	check_access_pinned(_metadata, st, st->ndomains, false);
	/* No item was recorded */
	EXPECT_EQ(-ENOENT, access_unpin(st->fd, st->access_fd, 0));
	ASSERT_EQ(0, access_pages_run(st));
	access_pages_check_success(_metadata, st);
}

static const struct nth_op access_pages0_op = {
	.name = "ACCESS_PAGES, no domain",
	.errnos = access_pages_errnos,
	/*
	 * page array, item, access range, two fill buffers, accounting,
	 * GUP
	 */
	.min_faults = 7,
	.needs_test_cmd = true,
	.ndomains = 0,
	.prepare = access_pages_prepare,
	.run = access_pages_run,
	.check_success = access_pages_check_success,
	.check_failure = access_pages_check_failure,
};

static const struct nth_op access_pages1_op = {
	.name = "ACCESS_PAGES, 1 mock domain",
	.errnos = access_pages_errnos,
	/* page array, item, access range, two fill buffers */
	.min_faults = 5,
	.needs_test_cmd = true,
	.ndomains = 1,
	.prepare = access_pages_prepare,
	.run = access_pages_run,
	.check_success = access_pages_check_success,
	.check_failure = access_pages_check_failure,
};

/*
 * ACCESS_RW through an access without NEEDS_PIN_PAGES, on a BUF_LEN
 * mapping of IOAS 1 with no domain. &nth_op.variant picks the direction,
 * the path and the size: 7 bytes across a page boundary, or 3 pages
 * starting mid-page. The IOAS memory and the user buffer hold different
 * patterns (bit 7 clear in one, set in the other), so every byte shows
 * where it came from. A failure must leave both as they were, and the
 * same copy must then work; a success must have moved exactly the range
 * asked for. Nothing is left pinned either way.
 */
#define RW_WRITE 1U	/* copy the user buffer into the IOAS */
#define RW_SLOW 2U	/* MOCK_ACCESS_RW_SLOW_PATH */
#define RW_LARGE 4U	/* 3 pages rather than 7 bytes */

static const int access_rw_errnos[] = { ENOMEM, EINVAL, EFAULT, 0 };

static size_t rw_buf_len(void)
{
	return 4 * page_size();
}

static unsigned char rw_pattern(size_t i, bool user)
{
	return ((i * 7 + (i >> 8) * 3) & 0x7f) | (user ? 0x80 : 0);
}

static void rw_fill(unsigned char *p, size_t len, bool user)
{
	size_t i;

	for (i = 0; i != len; i++)
		p[i] = rw_pattern(i, user);
}

/* Bytes [from, to) of @p hold the @user pattern, moved up by @shift */
static void rw_check_bytes(struct __test_metadata *_metadata,
			   const char *what, const unsigned char *p,
			   size_t from, size_t to, bool user, size_t shift)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != rw_pattern(i - shift, user))
			break;
	EXPECT_EQ(to, i) {
		TH_LOG("%s: byte %#zx is %#x, expected %#x", what, i, p[i],
		       rw_pattern(i - shift, user));
	}
}

/* The IOAS memory, with the user buffer copied in if @written */
static void rw_check_iova_memory(struct __test_metadata *_metadata,
				 const struct nth_state *st, bool written)
{
	size_t off = st->rw_iova - MAP_IOVA;

	if (!written) {
		rw_check_bytes(_metadata, "IOAS memory", st->buf, 0, BUF_LEN,
			       false, 0);
		return;
	}
	rw_check_bytes(_metadata, "IOAS memory", st->buf, 0, off, false, 0);
	rw_check_bytes(_metadata, "IOAS memory", st->buf, off,
		       off + st->rw_len, true, off);
	rw_check_bytes(_metadata, "IOAS memory", st->buf, off + st->rw_len,
		       BUF_LEN, false, 0);
}

/* The user buffer, with the IOAS memory copied in if @read */
static void rw_check_user_buf(struct __test_metadata *_metadata,
			      const struct nth_state *st, bool read)
{
	size_t off = st->rw_iova - MAP_IOVA;

	if (!read) {
		rw_check_bytes(_metadata, "user buffer", st->rw_buf, 0,
			       rw_buf_len(), true, 0);
		return;
	}
	/* Byte i came from byte off + i of the IOAS memory */
	rw_check_bytes(_metadata, "user buffer", st->rw_buf, 0, st->rw_len,
		       false, -off);
	rw_check_bytes(_metadata, "user buffer", st->rw_buf, st->rw_len,
		       rw_buf_len(), true, 0);
}

static void access_rw_prepare(struct __test_metadata *_metadata,
			      struct nth_state *st)
{
	size_t page = page_size();

	state_ioas_mapped(_metadata, st);
	rw_fill(st->buf, BUF_LEN, false);
	ASSERT_EQ(0, access_create(st->fd, st->id, 0, &st->access_fd));

	st->rw_buf = malloc(rw_buf_len());
	ASSERT_NE(NULL, st->rw_buf);
	rw_fill(st->rw_buf, rw_buf_len(), true);

	if (st->variant & RW_LARGE) {
		st->rw_iova = MAP_IOVA + 2 * page + 100;
		st->rw_len = 3 * page;
	} else {
		st->rw_iova = MAP_IOVA + page - 3;
		st->rw_len = 7;
	}
	ASSERT_GE(rw_buf_len(), st->rw_len);
	st->rw_flags = 0;
	if (st->variant & RW_WRITE)
		st->rw_flags |= MOCK_ACCESS_RW_WRITE;
	if (st->variant & RW_SLOW)
		st->rw_flags |= MOCK_ACCESS_RW_SLOW_PATH;
}

static int access_rw_run(struct nth_state *st)
{
	return access_rw(st->fd, st->access_fd, st->rw_iova, st->rw_buf,
			 st->rw_len, st->rw_flags);
}

static void access_rw_check_success(struct __test_metadata *_metadata,
				    struct nth_state *st)
{
	bool write = st->variant & RW_WRITE;

	rw_check_iova_memory(_metadata, st, write);
	rw_check_user_buf(_metadata, st, !write);
	check_access_pinned(_metadata, st, 0, false);
}

static void access_rw_check_failure(struct __test_metadata *_metadata,
				    struct nth_state *st)
{
	rw_check_iova_memory(_metadata, st, false);
	rw_check_user_buf(_metadata, st, false);
	check_access_pinned(_metadata, st, 0, false);
	ASSERT_EQ(0, access_rw_run(st));
	access_rw_check_success(_metadata, st);
}

/* kvzalloc of the driver's bounce buffer; the pinning path's own point */
#define ACCESS_RW_OP(op_name, op_variant)				\
	{								\
		.name = op_name,					\
		.errnos = access_rw_errnos,				\
		.min_faults = ((op_variant) & RW_SLOW) ? 2 : 1,		\
		.needs_test_cmd = true,					\
		.variant = op_variant,					\
		.prepare = access_rw_prepare,				\
		.run = access_rw_run,					\
		.check_success = access_rw_check_success,		\
		.check_failure = access_rw_check_failure,		\
	}

static const struct nth_op access_rw_ops[] = {
	ACCESS_RW_OP("ACCESS_RW, read 7 bytes", 0),
	ACCESS_RW_OP("ACCESS_RW, write 7 bytes", RW_WRITE),
	ACCESS_RW_OP("ACCESS_RW, read 7 bytes, SLOW_PATH", RW_SLOW),
	ACCESS_RW_OP("ACCESS_RW, write 7 bytes, SLOW_PATH",
		     RW_WRITE | RW_SLOW),
	ACCESS_RW_OP("ACCESS_RW, read 3 pages", RW_LARGE),
	ACCESS_RW_OP("ACCESS_RW, write 3 pages", RW_LARGE | RW_WRITE),
	ACCESS_RW_OP("ACCESS_RW, read 3 pages, SLOW_PATH",
		     RW_LARGE | RW_SLOW),
	ACCESS_RW_OP("ACCESS_RW, write 3 pages, SLOW_PATH",
		     RW_LARGE | RW_WRITE | RW_SLOW),
};

/*
 * ACCESS_REPLACE_IOAS of an access that pins the first PIN_LEN of IOAS A
 * (1, the first half of the buffer at MAP_IOVA) to IOAS B (2, the second
 * half at COPY_IOVA); neither has a domain. A failure must leave the
 * access on A with its item pinned, and B free of references; a success
 * must have dropped the item (the driver's callback unpins it) and let go
 * of A, with new pins going to B.
 *
 * While a replace runs, the access takes no new pins (they fail ENOENT)
 * until it has finished; a single-threaded sweep never sees that window,
 * and after a failed replace pins must work again, which the failure check
 * shows by pinning more of A.
 */
static const int replace_errnos[] = { ENOENT, ENOMEM, 0 };

#define HALF_LEN (BUF_LEN / 2)

/* IOAS B in @st->dst, mapping the second half of the buffer */
static void replace_state_b(struct __test_metadata *_metadata,
			    struct nth_state *st)
{
	ASSERT_EQ(0, ioas_alloc(st->fd, &st->dst));
	ASSERT_EQ(2U, st->dst);
	ASSERT_EQ(0, ioas_map_fixed(st->fd, st->dst,
				    (char *)st->buf + HALF_LEN, HALF_LEN,
				    COPY_IOVA));
}

static void replace_prepare(struct __test_metadata *_metadata,
			    struct nth_state *st)
{
	state_ioas(_metadata, st);
	state_buf(_metadata, st);
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, HALF_LEN, MAP_IOVA));
	replace_state_b(_metadata, st);
	ASSERT_EQ(0, access_create(st->fd, st->id,
				   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				   &st->access_fd));
	ASSERT_EQ(0, access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
				MAP_IOVA, PIN_LEN, st->buf, &st->item));
	check_access_pinned(_metadata, st, 0, true);
}

static int replace_run(struct nth_state *st)
{
	return access_replace(st->fd, st->access_fd, st->dst);
}

static void replace_check_success(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	__u32 item;

	/* The item went with A */
	EXPECT_EQ(-ENOENT, access_unpin(st->fd, st->access_fd, st->item));
	check_access_pinned(_metadata, st, 0, false);

	/* Pins go to B, and only there */
	EXPECT_EQ(-ENOENT, access_pin(st->fd, st->access_fd,
				      MOCK_FLAGS_ACCESS_WRITE, MAP_IOVA,
				      PIN_LEN, st->buf, NULL));
	check_access_pinned(_metadata, st, 0, false);
	ASSERT_EQ(0, access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
				COPY_IOVA, PIN_LEN, (char *)st->buf + HALF_LEN,
				&item));
	check_refs(_metadata, st, 0, HALF_LEN, 0);
	check_refs(_metadata, st, HALF_LEN, PIN_LEN, 1);
	check_refs(_metadata, st, HALF_LEN + PIN_LEN,
		   HALF_LEN - PIN_LEN, 0);
	check_vmpin(_metadata, st, PIN_LEN / 1024);
	EXPECT_EQ(0, access_unpin(st->fd, st->access_fd, item));
	check_access_pinned(_metadata, st, 0, false);

	/* A is free, B is held until the access goes */
	EXPECT_EQ(0, obj_destroy(st->fd, st->id));
	EXPECT_EQ(-EBUSY, obj_destroy(st->fd, st->dst));
	ASSERT_EQ(0, close(st->access_fd));
	st->access_fd = -1;
	EXPECT_EQ(0, obj_destroy(st->fd, st->dst));
	check_access_pinned(_metadata, st, 0, false);
}

static void replace_check_failure(struct __test_metadata *_metadata,
				  struct nth_state *st)
{
	__u32 item;

	/* Still on A, with the item pinned */
	check_access_pinned(_metadata, st, 0, true);
	EXPECT_EQ(-EBUSY, obj_destroy(st->fd, st->id));
	EXPECT_EQ(-ENOENT, access_pin(st->fd, st->access_fd,
				      MOCK_FLAGS_ACCESS_WRITE, COPY_IOVA,
				      PIN_LEN, (char *)st->buf + HALF_LEN,
				      NULL));
	ASSERT_EQ(0, access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
				MAP_IOVA + PIN_LEN, PIN_LEN,
				(char *)st->buf + PIN_LEN, &item));
	check_refs(_metadata, st, 0, 2 * PIN_LEN, 1);
	EXPECT_EQ(0, access_unpin(st->fd, st->access_fd, item));
	check_access_pinned(_metadata, st, 0, true);

	/* The item is there to destroy; then make it again */
	EXPECT_EQ(0, access_unpin(st->fd, st->access_fd, st->item));
	check_access_pinned(_metadata, st, 0, false);
	ASSERT_EQ(0, access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
				MAP_IOVA, PIN_LEN, st->buf, &st->item));
	check_access_pinned(_metadata, st, 0, true);

	/* Nothing holds B: it can go, and come back as it was */
	EXPECT_EQ(0, obj_destroy(st->fd, st->dst));
	replace_state_b(_metadata, st);

	ASSERT_EQ(0, replace_run(st));
	replace_check_success(_metadata, st);
}

static const struct nth_op replace_op = {
	.name = "ACCESS_REPLACE_IOAS, with a pinned item",
	.errnos = replace_errnos,
	/* IOAS lookup */
	.min_faults = 1,
	.needs_test_cmd = true,
	.prepare = replace_prepare,
	.run = replace_run,
	.check_success = replace_check_success,
	.check_failure = replace_check_failure,
};

/*
 * IOMMU_IOAS_UNMAP of a BUF_LEN mapping of which an access pins the first
 * PIN_LEN, with &nth_op.ndomains (0 or 1) mock domains. UNMAP asks the
 * access to let go, and the test driver's callback unpins the item. A
 * failure must leave the mapping and the pin; a success must leave nothing
 * pinned or mapped, and the access attached and working.
 */
static void unmap_access_prepare(struct __test_metadata *_metadata,
				 struct nth_state *st)
{
	access_pages_prepare(_metadata, st);
	ASSERT_EQ(0, access_pages_run(st));
	check_access_pinned(_metadata, st, st->ndomains, true);
	st->iova = MAP_IOVA;
}

static void unmap_access_check_success(struct __test_metadata *_metadata,
				       struct nth_state *st)
{
	__u32 item;

	EXPECT_EQ(BUF_LEN, st->out_len);
	check_access_pinned(_metadata, st, 0, false);
	EXPECT_EQ(-ENOENT, access_unpin(st->fd, st->access_fd, st->item));
	if (st->ndomains)
		EXPECT_EQ(0U, md_mapped_pages(st->fd, st->hwpt[0], MAP_IOVA,
					      st->buf, BUF_LEN));
	EXPECT_EQ(-ENOENT, access_pin(st->fd, st->access_fd,
				      MOCK_FLAGS_ACCESS_WRITE, MAP_IOVA,
				      PIN_LEN, st->buf, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(st->fd, st->id, MAP_IOVA, BUF_LEN,
				      NULL));

	/* The IOVA is free, and the access still works */
	ASSERT_EQ(0,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	ASSERT_EQ(0, access_pin(st->fd, st->access_fd, MOCK_FLAGS_ACCESS_WRITE,
				MAP_IOVA, PIN_LEN, st->buf, &item));
	check_access_pinned(_metadata, st, st->ndomains, true);
	EXPECT_EQ(0, access_unpin(st->fd, st->access_fd, item));
	check_access_pinned(_metadata, st, st->ndomains, false);
}

static void unmap_access_check_failure(struct __test_metadata *_metadata,
				       struct nth_state *st)
{
	check_access_pinned(_metadata, st, st->ndomains, true);
	EXPECT_EQ(-EEXIST,
		  ioas_map_fixed(st->fd, st->id, st->buf, BUF_LEN, MAP_IOVA));
	if (st->ndomains)
		EXPECT_EQ(0, md_check_map(st->fd, st->hwpt[0], MAP_IOVA,
					  BUF_LEN, st->buf));
	ASSERT_EQ(0, unmap_run(st));
	unmap_access_check_success(_metadata, st);
}

static const struct nth_op unmap_access0_op = {
	.name = "IOMMU_IOAS_UNMAP, pinned by an access, no domain",
	.errnos = unmap_errnos,
	/* lookup */
	.min_faults = 1,
	.needs_test_cmd = true,
	.ndomains = 0,
	.prepare = unmap_access_prepare,
	.run = unmap_run,
	.check_success = unmap_access_check_success,
	.check_failure = unmap_access_check_failure,
};

static const struct nth_op unmap_access1_op = {
	.name = "IOMMU_IOAS_UNMAP, pinned by an access, 1 mock domain",
	.errnos = unmap_errnos,
	/* lookup */
	.min_faults = 1,
	.needs_test_cmd = true,
	.ndomains = 1,
	.prepare = unmap_access_prepare,
	.run = unmap_run,
	.check_success = unmap_access_check_success,
	.check_failure = unmap_access_check_failure,
};

/* sweep(), unless the module lacks what the access sweeps need */
static void access_sweep(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fail_nth) *self, const struct nth_op *op)
{
	const char *reason = access_skip_reason();

	if (reason)
		SKIP(return, "%s", reason);
	sweep(_metadata, self, op);
}

/*
 * SVA sweeps
 *
 * IOMMU_TEST_OP_SVA_BIND of this process's mm to a mock SVA device
 * (sva_dev[0]), in one of three states (&nth_op.variant):
 *
 *   0           the mm has no PASID yet: the bind allocates the mm side
 *               (an mmu_notifier), the PASID, the bond and the device's
 *               state for the PASID, and a handle number
 *   SVA_SHARED  the mm is bound to another device (sva_dev[1]): the bind
 *               adds a bond with the mm's PASID
 *   SVA_AGAIN   the mm is bound to this device already (handle 0): the
 *               bind takes one more reference on that bond, as handle 1
 *
 * A failure must leave no handle (SVA_UNBIND of the number the bind would
 * have returned says ENOENT), no bond and no reference (DMA on the mm's
 * PASID through the device fails, or for SVA_AGAIN works until handle 0
 * is unbound and no longer), and the other device's bond as it was; the
 * same bind must then work at once. A success must return the lowest free
 * handle number and the mm's PASID, and DMA must reach the memory.
 * Either way, once both devices are closed (which unbinds what is left,
 * and would WARN on a bond count gone wrong) the PASID must be free: the
 * bind of another process gets it.
 */
#define SVA_SHARED 1U
#define SVA_AGAIN 2U

#define SVA_MAX_PASID ((1U << 20) - 1)
#define SVA_DMA_LEN 64UL

static const int sva_bind_errnos[] = { ENOMEM, 0 };

/*
 * Why the SVA sweeps cannot run, or NULL if they can. A module without
 * IOMMU_TEST_CMD (ENOTTY) is left to sweep().
 */
static const char *sva_skip_reason(void)
{
	int fd, dev = -1, ret;

	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd < 0)
		return NULL;	/* let the test show it */
	ret = sva_dev_create(fd, SVA_MAX_PASID, &dev);
	if (dev >= 0)
		close(dev);
	close(fd);
	return ret == -EOPNOTSUPP ? "no SVA ops in IOMMU_TEST_CMD" : NULL;
}

/*
 * The PASID that the bind of another mm to @dev gets now, or -errno: a
 * child binds, unbinds and exits, and its PASID is freed again.
 */
static int sva_child_pasid(int fd, int dev)
{
	__u32 handle, pasid;
	int p[2], ret, status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (!pid) {
		ret = sva_bind(fd, dev, &handle, &pasid);
		if (!ret) {
			ret = pasid;
			if (sva_unbind(fd, dev, handle, MOCK_SVA_UNBIND_DIRECT))
				ret = -EBADE;
		}
		_exit(write(p[1], &ret, sizeof(ret)) != sizeof(ret));
	}
	close(p[1]);
	n = read(p[0], &ret, sizeof(ret));
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || n != sizeof(ret))
		return -ECHILD;
	if (sva_flush(fd))
		return -errno;
	return ret;
}

/* Whether DMA through @dev on @pasid reaches the buffer */
static void sva_check_dma(struct __test_metadata *_metadata,
			  struct nth_state *st, int dev, __u32 pasid,
			  bool bound)
{
	unsigned char out[SVA_DMA_LEN];
	int ret;

	memset(out, 0, sizeof(out));
	ret = sva_dma(st->fd, dev, pasid, 0, (uintptr_t)st->buf, out,
		      sizeof(out));
	if (bound) {
		EXPECT_EQ(0, ret);
		EXPECT_EQ(0, memcmp(out, st->buf, sizeof(out)));
	} else {
		EXPECT_EQ(-EIO, ret);
	}
}

static void sva_bind_prepare(struct __test_metadata *_metadata,
			     struct nth_state *st)
{
	__u32 handle, pasid;
	int ret;

	state_open(_metadata, st);
	ASSERT_EQ(0, sva_dev_create(st->fd, SVA_MAX_PASID, &st->sva_dev[0]));
	ASSERT_EQ(0, sva_dev_create(st->fd, SVA_MAX_PASID, &st->sva_dev[1]));
	state_buf(_metadata, st);
	/* The lowest free PASID, which this mm's first bind gets */
	ret = sva_child_pasid(st->fd, st->sva_dev[0]);
	ASSERT_LT(0, ret);
	st->pasid = ret;
	st->handle = 0;
	if (st->variant & SVA_SHARED) {
		ASSERT_EQ(0, sva_bind(st->fd, st->sva_dev[1], &handle, &pasid));
		ASSERT_EQ(st->pasid, pasid);
	}
	if (st->variant & SVA_AGAIN) {
		ASSERT_EQ(0, sva_bind(st->fd, st->sva_dev[0], &handle, &pasid));
		ASSERT_EQ(0U, handle);
		ASSERT_EQ(st->pasid, pasid);
		st->handle = 1;
	}
	sva_check_dma(_metadata, st, st->sva_dev[0], st->pasid,
		      st->variant & SVA_AGAIN);
}

static int sva_bind_run(struct nth_state *st)
{
	return sva_bind(st->fd, st->sva_dev[0], &st->out_id, &st->out_pasid);
}

/*
 * Unbind the bind's handle: it must have been the only reference to the
 * bond but for SVA_AGAIN's handle 0. Then close both devices, which must
 * leave no bond holding the PASID.
 */
static void sva_bind_check_gone(struct __test_metadata *_metadata,
				struct nth_state *st)
{
	bool again = st->variant & SVA_AGAIN;
	int dev;

	EXPECT_EQ(0, sva_unbind(st->fd, st->sva_dev[0], st->out_id,
				MOCK_SVA_UNBIND_DIRECT));
	EXPECT_EQ(-ENOENT, sva_unbind(st->fd, st->sva_dev[0], st->out_id,
				      MOCK_SVA_UNBIND_DIRECT));
	sva_check_dma(_metadata, st, st->sva_dev[0], st->out_pasid, again);
	if (again) {
		EXPECT_EQ(0, sva_unbind(st->fd, st->sva_dev[0], 0,
					MOCK_SVA_UNBIND_DIRECT));
		sva_check_dma(_metadata, st, st->sva_dev[0], st->out_pasid,
			      false);
	}
	if (st->variant & SVA_SHARED)
		sva_check_dma(_metadata, st, st->sva_dev[1], st->pasid, true);

	EXPECT_EQ(0, close(st->sva_dev[0]));
	EXPECT_EQ(0, close(st->sva_dev[1]));
	st->sva_dev[0] = -1;
	st->sva_dev[1] = -1;
	ASSERT_EQ(0, sva_dev_create(st->fd, SVA_MAX_PASID, &dev));
	EXPECT_EQ((int)st->pasid, sva_child_pasid(st->fd, dev));
	EXPECT_EQ(0, close(dev));
}

static void sva_bind_check_success(struct __test_metadata *_metadata,
				   struct nth_state *st)
{
	EXPECT_EQ(st->handle, st->out_id);
	EXPECT_EQ(st->pasid, st->out_pasid);
	sva_check_dma(_metadata, st, st->sva_dev[0], st->out_pasid, true);
	sva_bind_check_gone(_metadata, st);
}

static void sva_bind_check_failure(struct __test_metadata *_metadata,
				   struct nth_state *st)
{
	/* No handle, no bond, no reference */
	EXPECT_EQ(-ENOENT, sva_unbind(st->fd, st->sva_dev[0], st->handle,
				      MOCK_SVA_UNBIND_DIRECT));
	sva_check_dma(_metadata, st, st->sva_dev[0], st->pasid,
		      st->variant & SVA_AGAIN);
	if (st->variant & SVA_SHARED)
		sva_check_dma(_metadata, st, st->sva_dev[1], st->pasid, true);

	/*
	 * The same bind works straight away. A new mm side may get another
	 * PASID while the failed one's is on its way out (freed after an
	 * SRCU grace period); an mm bound elsewhere keeps its own.
	 */
	ASSERT_EQ(0, sva_bind_run(st));
	EXPECT_EQ(st->handle, st->out_id);
	if (st->variant & (SVA_SHARED | SVA_AGAIN))
		EXPECT_EQ(st->pasid, st->out_pasid);
	EXPECT_LE(1U, st->out_pasid);
	EXPECT_GE(SVA_MAX_PASID, st->out_pasid);
	sva_check_dma(_metadata, st, st->sva_dev[0], st->out_pasid, true);
	sva_bind_check_gone(_metadata, st);
}

static const struct nth_op sva_bind_new_op = {
	.name = "SVA_BIND, new PASID",
	.errnos = sva_bind_errnos,
	/* own point, mm side, bond, device state */
	.min_faults = 4,
	.needs_test_cmd = true,
	.variant = 0,
	.prepare = sva_bind_prepare,
	.run = sva_bind_run,
	.check_success = sva_bind_check_success,
	.check_failure = sva_bind_check_failure,
};

static const struct nth_op sva_bind_shared_op = {
	.name = "SVA_BIND, PASID of another device's bond",
	.errnos = sva_bind_errnos,
	/* own point, bond, device state */
	.min_faults = 3,
	.needs_test_cmd = true,
	.variant = SVA_SHARED,
	.prepare = sva_bind_prepare,
	.run = sva_bind_run,
	.check_success = sva_bind_check_success,
	.check_failure = sva_bind_check_failure,
};

static const struct nth_op sva_bind_again_op = {
	.name = "SVA_BIND, bound already",
	.errnos = sva_bind_errnos,
	/* own point */
	.min_faults = 1,
	.needs_test_cmd = true,
	.variant = SVA_AGAIN,
	.prepare = sva_bind_prepare,
	.run = sva_bind_run,
	.check_success = sva_bind_check_success,
	.check_failure = sva_bind_check_failure,
};

/* sweep(), unless the module lacks the mock SVA device */
static void sva_sweep(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fail_nth) *self, const struct nth_op *op)
{
	const char *reason = sva_skip_reason();

	if (reason)
		SKIP(return, "%s", reason);
	sweep(_metadata, self, op);
}

/*
 * VFIO container sweeps: SET_IOMMU, attaching a group to a container that
 * has its backend already, and MAP_DMA, on the iommufd_vfio backend, with
 * the sample device's emulated group and, if the machine has one, QEMU's
 * edu device on vfio-pci.
 *
 * VFIO tries the next driver when a backend's open or attach fails, so an
 * injected fault may end with type1 serving the container; and a fault in
 * VFIO itself may fail the call with any errno. Either outcome is
 * accepted. What is checked, after every run, is that the state is what
 * the outcome says (a container that works, a group that is or is not
 * attached, a mapping that is or is not there), and that nothing is left
 * behind once everything is closed: iommufd_vfio's reference count and
 * VmLck are back at their values before the sweep, the sample device
 * holds no pins, and a new container of the same group can be set up on
 * iommufd_vfio. The sweeps skip until the backend module is loaded.
 */
/*
 * The backend the sweeps are for. Building with
 * -DVNTH_BACKEND=VFIO_BACKEND_TYPE1 runs them on type1 instead, to tell a
 * backend's bug from one of VFIO's own.
 */
#ifndef VNTH_BACKEND
#define VNTH_BACKEND VFIO_BACKEND_IOMMUFD
#endif
#define VNTH_ON_IOMMUFD (VNTH_BACKEND == VFIO_BACKEND_IOMMUFD)

#define VNTH_IOVA 0x100000UL
#define VNTH_LEN (64UL * 1024)
#define VNTH_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

enum vnth_kind {
	VNTH_SET_IOMMU,
	VNTH_ATTACH,
	VNTH_MAP,
	VNTH_MAP_FILE,	/* IOMMU_IOAS_MAP_FILE on the container fd */
};

struct vnth_op {
	const char *name;
	enum vnth_kind kind;
	bool edu_base;	/* the container starts with edu's group */
	bool edu_test;	/* ATTACH adds edu's group, else sample 1's */
};

/* What one run works on */
struct vnth {
	const struct vnth_op *op;
	int base_group;		/* group id the container starts with */
	int test_group;		/* group id ATTACH adds */
	int container, group[2];	/* fds, -1 if closed */
	void *buf;		/* VNTH_LEN of touched memory */
	int mfd;		/* a memfd of VNTH_LEN, for VNTH_MAP_FILE */
	__u32 ioas;		/* the container's IOAS, for VNTH_MAP_FILE */
	long refcnt0;		/* iommufd_vfio refcnt before the sweep */
	long vmlck0;		/* VmLck before the sweep */
	long refcnt_run;	/* refcnt just before the run */
};

/* iommufd_vfio's refcnt is @expected, if the module is loaded at all */
#define VNTH_EXPECT_REFCNT(st, expected)				\
	do {								\
		if ((st)->refcnt0 >= 0)					\
			EXPECT_EQ((expected), vfio_iommufd_refcnt());	\
	} while (0)

static void vnth_close(struct vnth *st)
{
	int i;

	for (i = 0; i != 2; i++) {
		if (st->group[i] >= 0)
			close(st->group[i]);
		st->group[i] = -1;
	}
	if (st->container >= 0)
		close(st->container);
	st->container = -1;
}

/* edu's group, bound to vfio-pci here if the rig did not; -errno if none */
static int vnth_edu_group(void)
{
	const char *new_id = "/sys/bus/pci/drivers/vfio-pci/new_id";
	/* Sized so that no snprintf() of vfio_utils.h can truncate */
	char bdf[NAME_MAX + 1], path[NAME_MAX + 32];

	if (vfio_find_pci(EDU_VENDOR, EDU_DEVICE, bdf, sizeof(bdf))) {
		/* EEXIST if the ID is there already; look again regardless */
		vfio_sysfs_write(new_id, "1234 11e8");
		if (vfio_find_pci(EDU_VENDOR, EDU_DEVICE, bdf, sizeof(bdf)))
			return -ENODEV;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return vfio_group_id_of(path);
}

static int vnth_open_group(int group_id)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	fd = open(path, O_RDWR);
	return fd < 0 ? -errno : fd;
}

static bool vnth_group_attached(int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	if (vfio_ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		return false;
	return status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET;
}

/* pages a MAP of VNTH_LEN pins: none without an IOMMU domain */
static long vnth_map_kb(const struct vnth *st, bool with_test_group)
{
	if (st->op->edu_base || (st->op->edu_test && with_test_group))
		return VNTH_LEN / 1024;
	return 0;
}

static void vnth_prepare(struct __test_metadata *_metadata, struct vnth *st)
{
	struct vfio_ctr ctr;

	st->container = -1;
	st->group[0] = -1;
	st->group[1] = -1;
	if (st->op->kind == VNTH_SET_IOMMU) {
		ASSERT_EQ(0, vfio_backend_select(VNTH_BACKEND));
		st->group[0] = vnth_open_group(st->base_group);
		ASSERT_LE(0, st->group[0]);
		st->container = open(VFIO_CONTAINER_DEV, O_RDWR);
		ASSERT_LE(0, st->container);
		ASSERT_EQ(0, vfio_ioctl(st->group[0], VFIO_GROUP_SET_CONTAINER,
					&st->container));
		return;
	}
	ASSERT_EQ(0, vfio_ctr_open(&ctr, st->base_group, VFIO_TYPE1v2_IOMMU,
				   VNTH_BACKEND));
	st->container = ctr.container;
	st->group[0] = ctr.group;
	if (st->op->kind == VNTH_MAP_FILE)
		ASSERT_EQ(0, compat_get(st->container, &st->ioas));
	if (st->op->kind == VNTH_ATTACH) {
		ASSERT_EQ(0, mdev_dma_map(st->container, st->buf, VNTH_IOVA,
					  VNTH_LEN, VNTH_RW));
		st->group[1] = vnth_open_group(st->test_group);
		ASSERT_LE(0, st->group[1]);
	}
}

static int vnth_run(struct vnth *st)
{
	switch (st->op->kind) {
	case VNTH_SET_IOMMU:
		return vfio_ioctl(st->container, VFIO_SET_IOMMU,
				  (void *)VFIO_TYPE1v2_IOMMU);
	case VNTH_ATTACH:
		return vfio_ioctl(st->group[1], VFIO_GROUP_SET_CONTAINER,
				  &st->container);
	case VNTH_MAP:
		return mdev_dma_map(st->container, st->buf, VNTH_IOVA,
				    VNTH_LEN, VNTH_RW);
	case VNTH_MAP_FILE: {
		__u64 iova = VNTH_IOVA;

		return ioas_map_file(st->container, st->ioas, MAP_FIXED_RW,
				     st->mfd, 0, VNTH_LEN, &iova);
	}
	}
	return -EINVAL;
}

/* The container maps, charges what it should, and unmaps. */
static void vnth_check_container(struct __test_metadata *_metadata,
				 struct vnth *st, bool mapped)
{
	__u64 size = 0;

	if (!mapped)
		ASSERT_EQ(0, mdev_dma_map(st->container, st->buf, VNTH_IOVA,
					  VNTH_LEN, VNTH_RW));
	EXPECT_EQ(st->vmlck0 + vnth_map_kb(st, true),
		  mdev_status_kb("VmLck"));
	ASSERT_EQ(0, mdev_dma_unmap(st->container, VNTH_IOVA, VNTH_LEN, 0,
				    &size));
	EXPECT_EQ(VNTH_LEN, size);
	EXPECT_EQ(st->vmlck0, mdev_status_kb("VmLck"));
}

/* Sample device 1 reaches the mapping through its newly attached group. */
static void vnth_check_sample_dev(struct __test_metadata *_metadata,
				  struct vnth *st)
{
	int dev;

	dev = vfio_sample_open_dev(st->group[1], 1);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, vfio_sample_pin(dev, VNTH_IOVA, 1,
				     IOMMUFD_VFIO_SAMPLE_READ, NULL));
	EXPECT_EQ(1, vfio_sample_pinned());
	close(dev);
	EXPECT_EQ(0, vfio_sample_pinned());
}

static void vnth_check_success(struct __test_metadata *_metadata,
			       struct vnth *st)
{
	long refcnt = vfio_iommufd_refcnt();

	switch (st->op->kind) {
	case VNTH_SET_IOMMU:
		/* Either backend may have taken it */
		EXPECT_TRUE(refcnt == st->refcnt_run ||
			    refcnt == st->refcnt_run + 1);
		vnth_check_container(_metadata, st, false);
		break;
	case VNTH_ATTACH:
		VNTH_EXPECT_REFCNT(st, st->refcnt_run);
		EXPECT_TRUE(vnth_group_attached(st->group[1]));
		if (!st->op->edu_test)
			vnth_check_sample_dev(_metadata, st);
		/* A new domain of edu's got the mapping, pinned and charged */
		vnth_check_container(_metadata, st, true);
		break;
	case VNTH_MAP:
	case VNTH_MAP_FILE:
		VNTH_EXPECT_REFCNT(st, st->refcnt_run);
		vnth_check_container(_metadata, st, true);
		break;
	}
}

static void vnth_check_failure(struct __test_metadata *_metadata,
			       struct vnth *st)
{
	VNTH_EXPECT_REFCNT(st, st->refcnt_run);
	/* Nothing was pinned or charged by the failed call */
	EXPECT_EQ(st->vmlck0 + (st->op->kind == VNTH_ATTACH ?
				vnth_map_kb(st, false) : 0),
		  mdev_status_kb("VmLck"));
	/* And the same call now goes through */
	switch (st->op->kind) {
	case VNTH_SET_IOMMU:
		ASSERT_EQ(0, vnth_run(st));
		vnth_check_container(_metadata, st, false);
		break;
	case VNTH_ATTACH:
		EXPECT_FALSE(vnth_group_attached(st->group[1]));
		ASSERT_EQ(0, vnth_run(st));
		vnth_check_container(_metadata, st, true);
		break;
	case VNTH_MAP:
	case VNTH_MAP_FILE:
		/* No EEXIST: the failed MAP left no mapping */
		ASSERT_EQ(0, vnth_run(st));
		vnth_check_container(_metadata, st, true);
		break;
	}
}

/* After everything is closed: nothing is held, and the group sets up. */
static void vnth_check_clean(struct __test_metadata *_metadata,
			     struct vnth *st)
{
	struct vfio_ctr ctr;

	VNTH_EXPECT_REFCNT(st, st->refcnt0);
	EXPECT_EQ(st->vmlck0, mdev_status_kb("VmLck"));
	EXPECT_EQ(0, vfio_sample_pinned());
	ASSERT_EQ(0, vfio_ctr_open(&ctr, st->base_group, VFIO_TYPE1v2_IOMMU,
				   VNTH_BACKEND));
	VNTH_EXPECT_REFCNT(st, st->refcnt0 + VNTH_ON_IOMMUFD);
	vfio_ctr_close(&ctr);
	VNTH_EXPECT_REFCNT(st, st->refcnt0);
}

static const char *const vnth_unsafe_irq[] = {
	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
	"/sys/module/iommufd/parameters/allow_unsafe_interrupts",
};

static void vfio_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fail_nth) *self, const struct vnth_op *op)
{
	char saved[ARRAY_SIZE(vnth_unsafe_irq)][KNOB_LEN];
	bool changed[ARRAY_SIZE(vnth_unsafe_irq)] = {};
	unsigned int nth, i, faults = 0, failures = 0;
	struct vnth st = { .op = op };
	int edu_group = -ENODEV;

	if (self->nth_fd < 0)
		SKIP(return, "no fail-nth (needs CONFIG_FAULT_INJECTION)");
	if (VNTH_ON_IOMMUFD && access(IOMMUFD_VFIO_SYSFS, F_OK))
		SKIP(return, "iommufd_vfio is not loaded");
	if (!vfio_sample_loaded())
		SKIP(return, "no %s module", IOMMUFD_VFIO_SAMPLE_NAME);
	if (op->edu_base || op->edu_test) {
		edu_group = vnth_edu_group();
		if (edu_group < 0)
			SKIP(return, "no edu device on vfio-pci");
	}

	st.base_group = vfio_sample_group_id(0);
	ASSERT_LE(0, st.base_group);
	st.test_group = vfio_sample_group_id(1);
	ASSERT_LE(0, st.test_group);
	if (edu_group >= 0) {
		if (op->edu_base)
			st.base_group = edu_group;
		else
			st.test_group = edu_group;
		/* The VM has no interrupt remapping (intremap=off) */
		for (i = 0; i != ARRAY_SIZE(vnth_unsafe_irq); i++) {
			if (!knob_read(vnth_unsafe_irq[i], saved[i], KNOB_LEN))
				continue;
			changed[i] = knob_write(vnth_unsafe_irq[i], "Y");
		}
	}
	st.buf = mmap(NULL, VNTH_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st.buf);
	memset(st.buf, 0x3c, VNTH_LEN);
	st.mfd = -1;
	if (op->kind == VNTH_MAP_FILE) {
		st.mfd = memfd_create("vnth", MFD_CLOEXEC);
		ASSERT_LE(0, st.mfd);
		ASSERT_EQ(0, ftruncate(st.mfd, VNTH_LEN));
	}
	st.refcnt0 = vfio_iommufd_refcnt();
	if (VNTH_ON_IOMMUFD)
		ASSERT_LE(0, st.refcnt0);
	st.vmlck0 = mdev_status_kb("VmLck");
	ASSERT_LE(0, st.vmlck0);

	for (nth = 1; nth <= NTH_MAX; nth++) {
		unsigned int left = 0;
		int ret;

		vnth_prepare(_metadata, &st);
		st.refcnt_run = vfio_iommufd_refcnt();
		ASSERT_EQ(0, fail_nth_set(self->nth_fd, nth));
		ret = vnth_run(&st);
		ASSERT_EQ(0, fail_nth_get(self->nth_fd, &left));
		ASSERT_EQ(0, fail_nth_set(self->nth_fd, 0));

		if (ret) {
			/* Any errno may come, but only from the fault */
			ASSERT_EQ(0U, left) {
				TH_LOG("%s: %s without a fault (nth %u)",
				       op->name, strerror(-ret), nth);
			}
			failures++;
			vnth_check_failure(_metadata, &st);
		} else {
			vnth_check_success(_metadata, &st);
		}
		vnth_close(&st);
		vnth_check_clean(_metadata, &st);
		if (left)
			break;
		faults++;
	}
	ASSERT_GE(NTH_MAX, nth) {
		TH_LOG("%s: still consuming faults after %u runs",
		       op->name, NTH_MAX);
	}
	ksft_print_msg("%s: %u fault(s) injected, %u made it fail\n",
		       op->name, faults, failures);
	/* Every sweep reaches at least the backend's own allocations */
	if (self->full_coverage)
		EXPECT_LE(1U, faults);

	munmap(st.buf, VNTH_LEN);
	if (st.mfd >= 0)
		close(st.mfd);
	for (i = 0; i != ARRAY_SIZE(vnth_unsafe_irq); i++)
		if (changed[i])
			knob_write(vnth_unsafe_irq[i], saved[i]);
}

static const struct vnth_op vnth_set_iommu_sample = {
	.name = "VFIO_SET_IOMMU, emulated group", .kind = VNTH_SET_IOMMU,
};

static const struct vnth_op vnth_set_iommu_edu = {
	.name = "VFIO_SET_IOMMU, edu", .kind = VNTH_SET_IOMMU,
	.edu_base = true,
};

static const struct vnth_op vnth_attach_sample = {
	.name = "VFIO_GROUP_SET_CONTAINER, emulated group", .kind = VNTH_ATTACH,
};

static const struct vnth_op vnth_attach_edu = {
	.name = "VFIO_GROUP_SET_CONTAINER, edu", .kind = VNTH_ATTACH,
	.edu_test = true,
};

static const struct vnth_op vnth_attach_to_edu = {
	.name = "VFIO_GROUP_SET_CONTAINER, emulated group beside edu",
	.kind = VNTH_ATTACH, .edu_base = true,
};

static const struct vnth_op vnth_map_sample = {
	.name = "VFIO_IOMMU_MAP_DMA, emulated group", .kind = VNTH_MAP,
};

static const struct vnth_op vnth_map_edu = {
	.name = "VFIO_IOMMU_MAP_DMA, edu", .kind = VNTH_MAP, .edu_base = true,
};

static const struct vnth_op vnth_map_file_edu = {
	.name = "IOMMU_IOAS_MAP_FILE on a container, edu", .kind = VNTH_MAP_FILE,
	.edu_base = true,
};

TEST_F(fail_nth, ioas_alloc)
{
	sweep(_metadata, self, &ioas_alloc_op);
}

TEST_F(fail_nth, destroy)
{
	sweep(_metadata, self, &destroy_op);
}

TEST_F(fail_nth, iova_ranges)
{
	sweep(_metadata, self, &iova_ranges_op);
}

TEST_F(fail_nth, open)
{
	sweep(_metadata, self, &open_op);
}

TEST_F(fail_nth, close)
{
	sweep(_metadata, self, &close_op);
}

TEST_F(fail_nth, map_no_domain)
{
	sweep(_metadata, self, &map0_op);
}

TEST_F(fail_nth, map_1_domain)
{
	sweep(_metadata, self, &map1_op);
}

TEST_F(fail_nth, map_2_domains)
{
	sweep(_metadata, self, &map2_op);
}

/*
 * A sweep with two pin workers, which sets pin_workers for its duration.
 * The temporary memory limit its runs lower is put back as well.
 */
static void pool_sweep(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fail_nth) *self, const struct nth_op *op)
{
	char saved[KNOB_LEN];
	int fd;

	if (!knob_read(PIN_WORKERS, saved, sizeof(saved)))
		SKIP(return, "no %s", PIN_WORKERS);
	ASSERT_TRUE(knob_write(PIN_WORKERS, "2"));
	sweep(_metadata, self, op);
	knob_write(PIN_WORKERS, saved);
	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd >= 0) {
		set_temp_memory_limit(fd, TEMP_LIMIT_DEFAULT);
		close(fd);
	}
}

TEST_F(fail_nth, map_1_domain_pin_workers)
{
	pool_sweep(_metadata, self, &map1_pool_op);
}

TEST_F(fail_nth, attach_pin_workers)
{
	pool_sweep(_metadata, self, &attach_pool_op);
}

TEST_F(fail_nth, map_file_no_domain)
{
	sweep(_metadata, self, &map_file0_op);
}

/*
 * Hundreds of runs, each mapping and unmapping the file in the process
 * besides what MAP does: more than the default 30 s on a busy debug kernel
 */
TEST_F_TIMEOUT(fail_nth, map_file_1_domain, SWEEP_TIMEOUT)
{
	sweep(_metadata, self, &map_file1_op);
}

TEST_F_TIMEOUT(fail_nth, map_file_2_domains, SWEEP_TIMEOUT)
{
	sweep(_metadata, self, &map_file2_op);
}

TEST_F(fail_nth, change_process_per_process)
{
	change_sweep(_metadata, self, &change_mm_op);
}

TEST_F(fail_nth, change_process_per_user)
{
	change_sweep(_metadata, self, &change_user_op);
}

TEST_F(fail_nth, change_process_uncharged)
{
	change_sweep(_metadata, self, &change_uncharged_op);
}

TEST_F(fail_nth, copy)
{
	sweep(_metadata, self, &copy_op);
}

TEST_F(fail_nth, unmap)
{
	sweep(_metadata, self, &unmap_op);
}

TEST_F(fail_nth, get_hw_info)
{
	sweep(_metadata, self, &hw_info_op);
}

TEST_F(fail_nth, attach)
{
	sweep(_metadata, self, &attach_op);
}

TEST_F(fail_nth, detach_last_domain)
{
	sweep(_metadata, self, &detach1_op);
}

TEST_F(fail_nth, detach_1_of_2_domains)
{
	sweep(_metadata, self, &detach2_op);
}

TEST_F(fail_nth, create_access)
{
	access_sweep(_metadata, self, &create_access_op);
}

TEST_F(fail_nth, access_pages_no_domain)
{
	access_sweep(_metadata, self, &access_pages0_op);
}

TEST_F(fail_nth, access_pages_1_domain)
{
	access_sweep(_metadata, self, &access_pages1_op);
}

TEST_F(fail_nth, access_rw_read_small)
{
	access_sweep(_metadata, self, &access_rw_ops[0]);
}

TEST_F(fail_nth, access_rw_write_small)
{
	access_sweep(_metadata, self, &access_rw_ops[1]);
}

TEST_F(fail_nth, access_rw_read_small_slow)
{
	access_sweep(_metadata, self, &access_rw_ops[2]);
}

TEST_F(fail_nth, access_rw_write_small_slow)
{
	access_sweep(_metadata, self, &access_rw_ops[3]);
}

TEST_F(fail_nth, access_rw_read_3_pages)
{
	access_sweep(_metadata, self, &access_rw_ops[4]);
}

TEST_F(fail_nth, access_rw_write_3_pages)
{
	access_sweep(_metadata, self, &access_rw_ops[5]);
}

TEST_F(fail_nth, access_rw_read_3_pages_slow)
{
	access_sweep(_metadata, self, &access_rw_ops[6]);
}

TEST_F(fail_nth, access_rw_write_3_pages_slow)
{
	access_sweep(_metadata, self, &access_rw_ops[7]);
}

TEST_F(fail_nth, access_replace_ioas)
{
	access_sweep(_metadata, self, &replace_op);
}

TEST_F(fail_nth, unmap_access_no_domain)
{
	access_sweep(_metadata, self, &unmap_access0_op);
}

TEST_F(fail_nth, unmap_access_1_domain)
{
	access_sweep(_metadata, self, &unmap_access1_op);
}

TEST_F(fail_nth, sva_bind_new_pasid)
{
	sva_sweep(_metadata, self, &sva_bind_new_op);
}

TEST_F(fail_nth, sva_bind_shared_pasid)
{
	sva_sweep(_metadata, self, &sva_bind_shared_op);
}

TEST_F(fail_nth, sva_bind_again)
{
	sva_sweep(_metadata, self, &sva_bind_again_op);
}

TEST_F(fail_nth, vfio_set_iommu_emulated)
{
	vfio_sweep(_metadata, self, &vnth_set_iommu_sample);
}

TEST_F(fail_nth, vfio_set_iommu_edu)
{
	vfio_sweep(_metadata, self, &vnth_set_iommu_edu);
}

TEST_F(fail_nth, vfio_attach_emulated)
{
	vfio_sweep(_metadata, self, &vnth_attach_sample);
}

TEST_F(fail_nth, vfio_attach_edu)
{
	vfio_sweep(_metadata, self, &vnth_attach_edu);
}

TEST_F(fail_nth, vfio_attach_emulated_beside_edu)
{
	vfio_sweep(_metadata, self, &vnth_attach_to_edu);
}

TEST_F(fail_nth, vfio_map_emulated)
{
	vfio_sweep(_metadata, self, &vnth_map_sample);
}

TEST_F(fail_nth, vfio_map_edu)
{
	vfio_sweep(_metadata, self, &vnth_map_edu);
}

TEST_F(fail_nth, vfio_container_map_file_edu)
{
	vfio_sweep(_metadata, self, &vnth_map_file_edu);
}

TEST_HARNESS_MAIN
