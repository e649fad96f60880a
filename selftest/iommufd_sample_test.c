// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the sample driver (/dev/iommufd_sample), a separate module that
 * reaches an IOAS only through the exported access kAPI: binding it to an
 * IOAS, pinning, copying through the CPU, and the driver's side of UNMAP
 * (its unmap callback drops the pins, so UNMAP succeeds).
 */
#include "iommufd_utils.h"
#include "iommufd_sample.h"

#define SAMPLE_DEV "/dev/iommufd_sample"
#define BUF_PAGES 16
#define IOVA_BASE 0x100000UL

FIXTURE(sample) {
	int iommufd;
	int dev;
	__u32 ioas_id;
	char *buf;
	size_t len;
};

FIXTURE_SETUP(sample)
{
	self->dev = open(SAMPLE_DEV, O_RDWR);
	if (self->dev < 0)
		SETUP_SKIP("no %s (sample module not loaded)", SAMPLE_DEV);
	self->iommufd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, ioas_alloc(self->iommufd, &self->ioas_id));

	self->len = BUF_PAGES * getpagesize();
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, self->len);

	ASSERT_EQ(0, ioas_map_fixed(self->iommufd, self->ioas_id, self->buf,
				    self->len, IOVA_BASE));
}

FIXTURE_TEARDOWN(sample)
{
	if (self->dev < 0)
		return;
	close(self->dev);
	close(self->iommufd);
	munmap(self->buf, self->len);
}

static int sample_bind(int dev, int iommufd, __u32 ioas_id)
{
	struct iommufd_sample_bind bind = {
		.iommufd = iommufd,
		.ioas_id = ioas_id,
	};

	return iommufd_ioctl(dev, IOMMUFD_SAMPLE_BIND, &bind);
}

static int sample_pin(int dev, __u64 iova, __u64 length)
{
	struct iommufd_sample_range range = {
		.iova = iova,
		.length = length,
	};

	return iommufd_ioctl(dev, IOMMUFD_SAMPLE_PIN, &range);
}

static int sample_rw(int dev, __u64 iova, void *buf, __u64 length,
		     bool write)
{
	struct iommufd_sample_range range = {
		.iova = iova,
		.length = length,
		.uptr = (uintptr_t)buf,
		.write = write,
	};

	return iommufd_ioctl(dev, IOMMUFD_SAMPLE_RW, &range);
}

TEST_F(sample, bind_errors)
{
	int null = open("/dev/null", O_RDWR);

	ASSERT_LE(0, null);
	EXPECT_EQ(-EBADF, sample_bind(self->dev, 9999, self->ioas_id));
	EXPECT_EQ(-EBADFD, sample_bind(self->dev, null, self->ioas_id));
	EXPECT_EQ(-ENOENT, sample_bind(self->dev, self->iommufd, 9999));
	/* Nothing bound: the other calls have no access to use. */
	EXPECT_EQ(-ENOENT, sample_pin(self->dev, IOVA_BASE, 4096));
	EXPECT_EQ(-ENOENT, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_UNBIND,
					 NULL));
	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));
	EXPECT_EQ(-EBUSY, sample_bind(self->dev, self->iommufd,
				       self->ioas_id));
	close(null);
}

/* Each ioctl of the sample refuses bad arguments, and changes nothing. */
TEST_F(sample, bad_input)
{
	struct iommufd_sample_bind bind = {
		.iommufd = self->iommufd,
		.ioas_id = self->ioas_id,
		.__reserved = 1,
	};
	struct iommufd_sample_range range = {
		.iova = IOVA_BASE,
		.length = getpagesize(),
		.__reserved = 1,
	};
	char byte;

	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_BIND,
					     &bind));
	EXPECT_EQ(-EFAULT, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_BIND, NULL));
	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));

	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_PIN,
					     &range));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_RW,
					     &range));
	/* A pin takes a page-aligned, non-empty range of at most 16 MiB. */
	EXPECT_EQ(-EINVAL, sample_pin(self->dev, IOVA_BASE + 1, 100));
	EXPECT_EQ(-EINVAL, sample_pin(self->dev, IOVA_BASE, 0));
	EXPECT_EQ(-EINVAL, sample_pin(self->dev, IOVA_BASE, (16 << 20) + 1));
	EXPECT_EQ(-EINVAL, sample_rw(self->dev, IOVA_BASE, &byte, 0, false));
	EXPECT_EQ(-EINVAL, sample_rw(self->dev, IOVA_BASE, &byte,
				     (16 << 20) + 1, false));
	EXPECT_EQ(-EFAULT, sample_rw(self->dev, IOVA_BASE, NULL, 1, true));
	EXPECT_EQ(-EINVAL, ioctl(self->dev, IOMMUFD_SAMPLE_IGNORE_UNMAP, 2) ?
				   -errno : 0);
	EXPECT_EQ(-ENOTTY, ioctl(self->dev, _IO(IOMMUFD_SAMPLE_TYPE, 99)) ?
				   -errno : 0);

	/* None of that pinned anything or left the device unusable. */
	EXPECT_EQ(0, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 0));
	EXPECT_EQ(0, sample_pin(self->dev, IOVA_BASE, getpagesize()));
	EXPECT_EQ(1, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
}

/* The driver owns the ACCESS object: userspace cannot DESTROY it. */
TEST_F(sample, access_object_is_the_drivers)
{
	struct iommufd_sample_bind bind = {
		.iommufd = self->iommufd,
		.ioas_id = self->ioas_id,
	};

	ASSERT_EQ(0, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_BIND, &bind));
	EXPECT_EQ(-EBUSY, obj_destroy(self->iommufd, bind.out_access_id));
	/* ... and the IOAS is in use by the access. */
	EXPECT_EQ(-EBUSY, obj_destroy(self->iommufd, self->ioas_id));
	ASSERT_EQ(0, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_UNBIND, NULL));
	EXPECT_EQ(-ENOENT, obj_destroy(self->iommufd, bind.out_access_id));
	EXPECT_EQ(0, obj_destroy(self->iommufd, self->ioas_id));
}

TEST_F(sample, pin_and_rw)
{
	char pattern[300], back[300];
	size_t page = getpagesize();

	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));
	ASSERT_EQ(0, sample_pin(self->dev, IOVA_BASE, 4 * page));
	EXPECT_EQ(1, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, 4 * page, 1));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf + 4 * page,
				   self->len - 4 * page, 0));

	/* A copy through the CPU lands in the user's memory, and back. */
	memset(pattern, 0xa7, sizeof(pattern));
	ASSERT_EQ(0, sample_rw(self->dev, IOVA_BASE + page - 100, pattern,
			       sizeof(pattern), true));
	EXPECT_EQ(0, memcmp(self->buf + page - 100, pattern, sizeof(pattern)));
	self->buf[5 * page] = 0x3c;
	ASSERT_EQ(0, sample_rw(self->dev, IOVA_BASE + 5 * page, back, 1,
			       false));
	EXPECT_EQ(0x3c, back[0]);

	/* Outside the mapping */
	EXPECT_EQ(-ENOENT, sample_pin(self->dev, IOVA_BASE + self->len, page));
	EXPECT_EQ(-ENOENT, sample_rw(self->dev, IOVA_BASE - page, back, 1,
				     false));

	ASSERT_EQ(0, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_UNBIND, NULL));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 0));
}

/* UNMAP calls the driver back, which drops its pins, so UNMAP succeeds. */
TEST_F(sample, unmap_calls_the_driver)
{
	size_t page = getpagesize();

	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));
	ASSERT_EQ(0, sample_pin(self->dev, IOVA_BASE, page));
	ASSERT_EQ(0, sample_pin(self->dev, IOVA_BASE + 2 * page, 2 * page));
	EXPECT_EQ(2, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	EXPECT_EQ(0, ioas_unmap(self->iommufd, self->ioas_id, 0, UINT64_MAX,
				NULL));
	EXPECT_EQ(0, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 0));
	/* Still bound, but there is nothing to pin any more. */
	EXPECT_EQ(-ENOENT, sample_pin(self->dev, IOVA_BASE, page));
}

/*
 * A driver that ignores its unmap callback makes UNMAP give up with
 * EDEADLOCK after bounded retries, and nothing is lost: the mapping and
 * the pin are intact, and once the driver behaves UNMAP succeeds.
 */
TEST_F(sample, unmap_of_a_driver_that_never_unpins)
{
	size_t page = getpagesize();
	char back[8];

	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));
	ASSERT_EQ(0, sample_pin(self->dev, IOVA_BASE, page));
	ASSERT_EQ(0, ioctl(self->dev, IOMMUFD_SAMPLE_IGNORE_UNMAP, 1));
	EXPECT_EQ(-EDEADLOCK, ioas_unmap(self->iommufd, self->ioas_id, 0,
					 UINT64_MAX, NULL));
	EXPECT_EQ(1, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, page, 1));
	/* The area is open to accesses again after the failed UNMAP. */
	EXPECT_EQ(0, sample_rw(self->dev, IOVA_BASE, back, sizeof(back),
			       false));
	EXPECT_EQ(0, sample_pin(self->dev, IOVA_BASE + page, page));

	ASSERT_EQ(0, ioctl(self->dev, IOMMUFD_SAMPLE_IGNORE_UNMAP, 0));
	EXPECT_EQ(0, ioas_unmap(self->iommufd, self->ioas_id, 0, UINT64_MAX,
				NULL));
	EXPECT_EQ(0, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 0));
}

/* Closing the driver's fd with pins held releases everything. */
TEST_F(sample, close_with_pins)
{
	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));
	ASSERT_EQ(0, sample_pin(self->dev, IOVA_BASE, self->len));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 1));
	close(self->dev);
	self->dev = open(SAMPLE_DEV, O_RDWR);
	ASSERT_LE(0, self->dev);
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 0));
}

/* The access keeps the context alive after the user closes /dev/iommu. */
TEST_F(sample, iommufd_closed_first)
{
	ASSERT_EQ(0, sample_bind(self->dev, self->iommufd, self->ioas_id));
	ASSERT_EQ(0, sample_pin(self->dev, IOVA_BASE, getpagesize()));
	close(self->iommufd);
	self->iommufd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->iommufd);
	EXPECT_EQ(1, ioctl(self->dev, IOMMUFD_SAMPLE_NR_PINS));
	ASSERT_EQ(0, iommufd_ioctl(self->dev, IOMMUFD_SAMPLE_UNBIND, NULL));
	EXPECT_EQ(0, md_check_refs(self->iommufd, self->buf, self->len, 0));
}

TEST_HARNESS_MAIN
