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

#include <stdio.h>
#include <stdlib.h>

/* Upper bound of fault positions tried per operation. */
#define NTH_MAX 1000U

#define DEBUGFS "/sys/kernel/debug"

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

static bool knob_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

static bool knob_write(const char *path, const char *value)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return false;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value);
}

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
};

/*
 * One operation to sweep.
 *
 * @run is called with the fault armed, so it must make no system call
 * other than the one under test. It returns 0 or -errno. The other
 * callbacks run with nothing armed.
 */
struct nth_op {
	const char *name;
	/* errnos a failed run may give, 0-terminated */
	const int *errnos;
	/* fewest faults the operation must take when allocations can fail */
	unsigned int min_faults;
	void (*prepare)(struct __test_metadata *_metadata,
			struct nth_state *st);
	int (*run)(struct nth_state *st);
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
}

static bool errno_expected(const int *errnos, int err)
{
	for (; *errnos; errnos++)
		if (*errnos == err)
			return true;
	return false;
}

static void sweep(struct __test_metadata *_metadata,
		  FIXTURE_DATA(fail_nth) *self, const struct nth_op *op)
{
	unsigned int nth, faults = 0, failures = 0;

	if (self->nth_fd < 0)
		SKIP(return, "no fail-nth (needs CONFIG_FAULT_INJECTION)");

	for (nth = 1; nth <= NTH_MAX; nth++) {
		struct nth_state st = { .fd = -1, .out_fd = -1 };
		unsigned int left = 0;
		int ret;

		op->prepare(_metadata, &st);

		ASSERT_EQ(0, fail_nth_set(self->nth_fd, nth));
		ret = op->run(&st);
		ASSERT_EQ(0, fail_nth_get(self->nth_fd, &left));
		/* Disarm a fault the operation did not reach */
		ASSERT_EQ(0, fail_nth_set(self->nth_fd, 0));

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

	ksft_print_msg("%s: %u fault(s) injected, %u made it fail\n",
		       op->name, faults, failures);
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
	struct nth_state fresh = { .fd = -1, .out_fd = -1 };

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

TEST_HARNESS_MAIN
