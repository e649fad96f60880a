/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the iommufd userspace tests.
 *
 * The ioctl wrappers return 0 on success and -errno on failure (errno is
 * left set as well), so a test reads as ASSERT_EQ(-ENOENT, obj_destroy(...)).
 */
#ifndef _IOMMUFD_UTILS_H
#define _IOMMUFD_UTILS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include <linux/iommufd.h>
#include "iommufd_test.h"

#define IOMMUFD_DEV "/dev/iommu"

#ifndef offsetofend
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
#endif

static inline int iommufd_ioctl(int fd, unsigned long request, void *arg)
{
	if (ioctl(fd, request, arg))
		return -errno;
	return 0;
}

static inline int ioas_alloc_flags(int fd, __u32 flags, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!ret && ioas_id)
		*ioas_id = cmd.out_ioas_id;
	return ret;
}

static inline int ioas_alloc(int fd, __u32 *ioas_id)
{
	return ioas_alloc_flags(fd, 0, ioas_id);
}

static inline int obj_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return iommufd_ioctl(fd, IOMMU_DESTROY, &cmd);
}

/*
 * IOMMU_IOAS_IOVA_RANGES with an array of *num entries. *num and *alignment
 * receive what the kernel wrote back, which it also does on EMSGSIZE.
 * Either output pointer may be NULL.
 */
static inline int ioas_iova_ranges(int fd, __u32 ioas_id,
				   struct iommu_iova_range *ranges,
				   __u32 *num, __u64 *alignment)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num ? *num : 0,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	if (!ret || ret == -EMSGSIZE) {
		if (num)
			*num = cmd.num_iovas;
		if (alignment)
			*alignment = cmd.out_iova_alignment;
	}
	return ret;
}

/*
 * Whether @id names an IOAS in this context, without changing anything:
 * IOVA_RANGES with no array succeeds or says EMSGSIZE for any IOAS, and
 * says ENOENT for anything else.
 */
static inline bool ioas_exists(int fd, __u32 id)
{
	int ret = ioas_iova_ranges(fd, id, NULL, NULL, NULL);

	return !ret || ret == -EMSGSIZE;
}

static inline int test_cmd(int fd, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return iommufd_ioctl(fd, IOMMU_TEST_CMD, cmd);
}

/*
 * IOMMU_TEST_OP_MOCK_DOMAIN: a mock device attached to @pt_id. Any of the
 * output pointers may be NULL.
 */
static inline int mock_domain(int fd, __u32 pt_id, __u32 *stdev_id,
			      __u32 *hwpt_id, __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}

/*
 * Size rule checks
 *
 * Every command goes through the same size handling (see the "General
 * ioctl format" documentation in linux/iommufd.h), so it is checked the
 * same way for each of them, with otherwise zeroed structs:
 *
 *   size 0 and min_size - 1                      EINVAL
 *   size == sizeof                               some result R (recorded)
 *   min_size, when below sizeof                  R (tail read as zero)
 *   sizeof + 8 and a whole page, zero tail       R (zero tail accepted)
 *   sizeof + 8, a nonzero byte right after the
 *   struct, or at the end of the tail            E2BIG
 *   a whole page, nonzero last byte              E2BIG
 *   NULL, or a pointer to unreadable memory      EFAULT
 *   size readable, rest of the struct not        EFAULT
 *
 * R is whatever the command answers for a zeroed struct (ENOENT for a zero
 * object ID, EOPNOTSUPP for a command without an implementation, success
 * for a command that needs no input). Comparing against R rather than a
 * fixed errno keeps the check valid as commands gain implementations. R
 * must not be E2BIG or ENOTTY: a zeroed struct of the kernel's own size is
 * never "too big", and every listed command exists.
 */
struct length_area {
	unsigned char *buf;	/* two zeroed, writable pages */
	unsigned char *guard;	/* one inaccessible page right after them */
	size_t page;
};

static inline bool length_area_init(struct length_area *a)
{
	void *p;

	a->page = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, 3 * a->page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	a->buf = p;
	a->guard = a->buf + 2 * a->page;
	if (mprotect(a->guard, a->page, PROT_NONE)) {
		munmap(p, 3 * a->page);
		return false;
	}
	return true;
}

static inline void length_area_fini(struct length_area *a)
{
	munmap(a->buf, 3 * a->page);
}

/* Issue @request with a zeroed struct of @size bytes and tail byte @mark. */
static inline int length_try(int fd, unsigned long request,
			     struct length_area *a, __u32 size, long mark)
{
	memset(a->buf, 0, 2 * a->page);
	if (mark >= 0)
		a->buf[mark] = 0xa5;
	*(__u32 *)a->buf = size;
	return iommufd_ioctl(fd, request, a->buf);
}

static inline void check_cmd_length(struct __test_metadata *_metadata,
				    int fd, unsigned long request,
				    __u32 size, __u32 min_size)
{
	struct length_area a;
	__u32 *edge;
	int base;

	ASSERT_TRUE(length_area_init(&a));
	ASSERT_LE(min_size, size);
	ASSERT_LT(size + 8, a.page);

	base = length_try(fd, request, &a, size, -1);
	if (base == -ENOTTY && request == IOMMU_TEST_CMD) {
		length_area_fini(&a);
		SKIP(return, "IOMMU_TEST_CMD is not built in");
	}
	ASSERT_NE(-ENOTTY, base);
	ASSERT_NE(-E2BIG, base);

	/* Too short */
	EXPECT_EQ(-EINVAL, length_try(fd, request, &a, 0, -1));
	EXPECT_EQ(-EINVAL, length_try(fd, request, &a, min_size - 1, -1));

	/* Longer, with a zero tail: the same answer as the exact size */
	EXPECT_EQ(base, length_try(fd, request, &a, size, -1));
	EXPECT_EQ(base, length_try(fd, request, &a, size + 8, -1));
	EXPECT_EQ(base, length_try(fd, request, &a, a.page, -1));

	/* Longer, with something the kernel does not know in the tail */
	EXPECT_EQ(-E2BIG, length_try(fd, request, &a, size + 8, size));
	EXPECT_EQ(-E2BIG, length_try(fd, request, &a, size + 8, size + 7));
	EXPECT_EQ(-E2BIG, length_try(fd, request, &a, a.page, a.page - 1));

	/*
	 * Shorter than the struct but long enough: the missing tail reads as
	 * zero. A nonzero byte just past the caller's size is not part of
	 * the struct, so it is neither read nor overwritten by the copy back.
	 */
	if (min_size < size) {
		EXPECT_EQ(base, length_try(fd, request, &a, min_size, -1));
		EXPECT_EQ(base,
			  length_try(fd, request, &a, min_size, min_size));
		EXPECT_EQ(0xa5, a.buf[min_size]);
	}

	/* Unreadable memory */
	EXPECT_EQ(-EFAULT, iommufd_ioctl(fd, request, NULL));
	EXPECT_EQ(-EFAULT, iommufd_ioctl(fd, request, a.guard));
	edge = (__u32 *)(a.guard - sizeof(__u32));
	*edge = size;
	EXPECT_EQ(-EFAULT, iommufd_ioctl(fd, request, edge));

	length_area_fini(&a);
}

/*
 * LENGTH_TEST() - Define a test of the size rules of one command
 * @fixture: fixture whose data has an open iommufd in ->fd
 * @name: test name suffix; the test is called length_<name>
 * @request: the ioctl request
 * @type: the command's struct type
 * @last_needed: the last field the command requires; the minimum size is
 *	the end of this field
 */
#define LENGTH_TEST(fixture, name, request, type, last_needed)		\
	TEST_F(fixture, length_##name)					\
	{								\
		check_cmd_length(_metadata, self->fd, request,		\
				 sizeof(type),				\
				 offsetofend(type, last_needed));	\
	}

#endif
