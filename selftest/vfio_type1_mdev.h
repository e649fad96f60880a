/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdev tests of the VFIO type1 conformance suite, included by
 * vfio_type1.c: what vfio_iommu_type1 does for VFIO_EMULATED_IOMMU groups
 * (vfio.md §2.7), checked on both backends through the sample device
 * iommufd_vfio_sample.ko.
 *
 * A container that holds only emulated groups has no IOMMU domain: MAP
 * records the mapping without pinning, and pages are pinned and charged
 * to locked_vm (VmLck) only when the device pins them. UNMAP of a range
 * the device has pinned calls every registered device's dma_unmap first,
 * with the whole mapping as the range, and the device unpins.
 */
#ifndef _VFIO_TYPE1_MDEV_H
#define _VFIO_TYPE1_MDEV_H

#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vfio_sample_utils.h"

#define MDEV_PAGE 4096UL
#define MDEV_NPAGES 16UL
#define MDEV_BUF_LEN (MDEV_NPAGES * MDEV_PAGE)
/* Mapping A is the first half of the buffer, B the second. */
#define MDEV_IOVA_A 0x100000UL
#define MDEV_IOVA_B (MDEV_IOVA_A + MDEV_BUF_LEN / 2)
#define MDEV_HALF (MDEV_BUF_LEN / 2)
#define MDEV_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define MDEV_PROT_RW (IOMMUFD_VFIO_SAMPLE_READ | IOMMUFD_VFIO_SAMPLE_WRITE)

FIXTURE(mdev) {
	struct vfio_ctr ctr;
	int group1;		/* sample device 1's group, once added */
	int dev[2];		/* device fds, -1 while closed */
	unsigned char *buf;	/* MDEV_BUF_LEN, touched */
	long vmlck0;		/* VmLck (kB) before anything was pinned */
};

FIXTURE_VARIANT(mdev) {
	enum vfio_backend backend;
};

FIXTURE_VARIANT_ADD(mdev, type1) {
	.backend = VFIO_BACKEND_TYPE1,
};

FIXTURE_VARIANT_ADD(mdev, iommufd) {
	.backend = VFIO_BACKEND_IOMMUFD,
};

static void mdev_close(FIXTURE_DATA(mdev) *self)
{
	int i;

	for (i = 0; i != 2; i++) {
		if (self->dev[i] >= 0)
			close(self->dev[i]);
		self->dev[i] = -1;
	}
	if (self->group1 >= 0)
		close(self->group1);
	self->group1 = -1;
	vfio_ctr_close(&self->ctr);
}

/* Sample device 0 alone in a new container of @type, its device open. */
static void mdev_open(struct __test_metadata *_metadata,
		      FIXTURE_DATA(mdev) *self, enum vfio_backend b,
		      unsigned long type)
{
	int group_id;

	group_id = vfio_sample_group_id(0);
	ASSERT_LE(0, group_id);
	ASSERT_EQ(0, vfio_ctr_open(&self->ctr, group_id, type, b)) {
		TH_LOG("cannot set up a container on %s",
		       vfio_backend_name(b));
	}
	self->dev[0] = vfio_sample_open_dev(self->ctr.group, 0);
	ASSERT_LE(0, self->dev[0]);
}

/* Put sample device 1's group in the container and open the device. */
static void mdev_add_dev1(struct __test_metadata *_metadata,
			  FIXTURE_DATA(mdev) *self)
{
	int group_id = vfio_sample_group_id(1);

	ASSERT_LE(0, group_id);
	self->group1 = vfio_sample_add_group(self->ctr.container, group_id);
	ASSERT_LE(0, self->group1);
	self->dev[1] = vfio_sample_open_dev(self->group1, 1);
	ASSERT_LE(0, self->dev[1]);
}

FIXTURE_SETUP(mdev)
{
	self->ctr.container = -1;
	self->ctr.group = -1;
	self->group1 = -1;
	self->dev[0] = -1;
	self->dev[1] = -1;
	self->buf = MAP_FAILED;
	if (!vfio_sample_loaded())
		SETUP_SKIP("no %s module", IOMMUFD_VFIO_SAMPLE_NAME);

	self->buf = mmap(NULL, MDEV_BUF_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x5a, MDEV_BUF_LEN);
	self->vmlck0 = mdev_status_kb("VmLck");
	ASSERT_LE(0, self->vmlck0);
	mdev_open(_metadata, self, variant->backend, VFIO_TYPE1v2_IOMMU);
}

FIXTURE_TEARDOWN(mdev)
{
	mdev_close(self);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, MDEV_BUF_LEN);
}

static void mdev_map_ab(struct __test_metadata *_metadata,
			FIXTURE_DATA(mdev) *self)
{
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf, MDEV_IOVA_A,
				  MDEV_HALF, MDEV_RW));
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf + MDEV_HALF,
				  MDEV_IOVA_B, MDEV_HALF, MDEV_RW));
}

/* Pages pinned beyond the baseline, seen from VmLck (4 KiB pages). */
static long mdev_charged(FIXTURE_DATA(mdev) *self)
{
	return (mdev_status_kb("VmLck") - self->vmlck0) / 4;
}

/*
 * Whether type1 would make lockdep report: in 6.1 it takes its
 * device_list_lock under iommu->lock (register_device, and before calling
 * dma_unmap), but the dma_unmap callback has to unpin, and
 * vfio_unpin_pages() takes iommu->lock under device_list_lock. That is a
 * real inversion (two UNMAPs of pinned ranges at once can deadlock), and
 * lockdep reports it the first time a device unpins from its callback, so
 * on a lockdep kernel type1 cannot run the tests that make it call
 * dma_unmap on pinned pages. Stock kernels run them; the iommufd backend
 * runs them everywhere.
 */
static bool mdev_type1_unmap_inverts(const FIXTURE_VARIANT(mdev) *variant)
{
	return variant->backend == VFIO_BACKEND_TYPE1 &&
	       !access("/proc/lockdep_stats", F_OK);
}

#define MDEV_TYPE1_LOCKDEP \
	"type1 inverts its own locks when dma_unmap unpins (lockdep kernel)"

static void mdev_expect_no_pins(struct __test_metadata *_metadata,
				FIXTURE_DATA(mdev) *self)
{
	struct iommufd_vfio_sample_info info;
	int i;

	for (i = 0; i != 2; i++) {
		if (self->dev[i] < 0)
			continue;
		ASSERT_EQ(0, vfio_sample_info(self->dev[i], &info));
		EXPECT_EQ(0U, info.nr_pins);
		EXPECT_EQ(0U, info.nr_pages);
	}
	EXPECT_EQ(0, vfio_sample_pinned());
	EXPECT_EQ(0, mdev_charged(self));
}

/* GET_INFO of a container with only an emulated group has no IOVA_RANGE. */
TEST_F(mdev, get_info_no_iova_range)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *cap;
	__u32 argsz, off;
	int ncaps = 0;

	info = calloc(1, sizeof(*info));
	ASSERT_NE(NULL, info);
	info->argsz = sizeof(*info);
	ASSERT_EQ(0, vfio_ioctl(self->ctr.container, VFIO_IOMMU_GET_INFO,
				info));
	EXPECT_NE(0U, info->flags & VFIO_IOMMU_INFO_PGSIZES);
	/* No domain: the smallest size is the CPU page */
	EXPECT_EQ(MDEV_PAGE, info->iova_pgsizes & -info->iova_pgsizes);
	argsz = info->argsz;
	ASSERT_LT(sizeof(*info), argsz);
	free(info);

	info = calloc(1, argsz);
	ASSERT_NE(NULL, info);
	info->argsz = argsz;
	ASSERT_EQ(0, vfio_ioctl(self->ctr.container, VFIO_IOMMU_GET_INFO,
				info));
	ASSERT_NE(0U, info->flags & VFIO_IOMMU_INFO_CAPS);
	for (off = info->cap_offset; off; off = cap->next) {
		ASSERT_LE(sizeof(*info), off);
		ASSERT_GE(argsz, off + sizeof(*cap));
		cap = (void *)((char *)info + off);
		EXPECT_NE(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, cap->id);
		ASSERT_GT(16, ++ncaps);
	}
	EXPECT_LT(0, ncaps);
	free(info);
}

/* MAP only records; pins charge VmLck, once per page however often. */
TEST_F(mdev, map_records_pin_charges)
{
	__u64 pfn[4], pfn2[4];
	int i;

	mdev_map_ab(_metadata, self);
	EXPECT_EQ(0, mdev_charged(self));
	EXPECT_EQ(0, vfio_sample_pinned());

	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A + MDEV_PAGE, 4,
				     MDEV_PROT_RW, pfn));
	EXPECT_EQ(4, mdev_charged(self));
	EXPECT_EQ(4, vfio_sample_pinned());
	for (i = 0; i != 4; i++)
		EXPECT_EQ(mdev_pagemap_pfn(self->buf + (i + 1) * MDEV_PAGE),
			  (long long)pfn[i]);

	/* Already pinned IOVAs reuse their pages and are not charged again */
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A + MDEV_PAGE, 4,
				     IOMMUFD_VFIO_SAMPLE_READ, pfn2));
	EXPECT_EQ(0, memcmp(pfn, pfn2, sizeof(pfn)));
	EXPECT_EQ(4, mdev_charged(self));

	/* A pin across both mappings: A's last page and B's first */
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_B - MDEV_PAGE, 2,
				     MDEV_PROT_RW, NULL));
	EXPECT_EQ(6, mdev_charged(self));

	/* Each pin holds its own reference */
	ASSERT_EQ(0, vfio_sample_unpin(self->dev[0], MDEV_IOVA_A + MDEV_PAGE,
				       4));
	EXPECT_EQ(6, mdev_charged(self));
	ASSERT_EQ(0, vfio_sample_unpin(self->dev[0], MDEV_IOVA_A + MDEV_PAGE,
				       4));
	EXPECT_EQ(2, mdev_charged(self));
	ASSERT_EQ(-ENOENT, vfio_sample_unpin(self->dev[0],
					     MDEV_IOVA_A + MDEV_PAGE, 4));
	ASSERT_EQ(0, vfio_sample_unpin(self->dev[0], MDEV_IOVA_B - MDEV_PAGE,
				       2));
	mdev_expect_no_pins(_metadata, self);
}

/* vfio_pin_pages() is for TYPE1v2 containers only. */
TEST_F(mdev, pin_v1_eacces)
{
	mdev_close(self);
	mdev_open(_metadata, self, variant->backend, VFIO_TYPE1_IOMMU);
	mdev_map_ab(_metadata, self);
	EXPECT_EQ(-EACCES, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1,
					   MDEV_PROT_RW, NULL));
	mdev_expect_no_pins(_metadata, self);
}

TEST_F(mdev, pin_errors)
{
	__u64 ro_iova = MDEV_IOVA_B + MDEV_HALF;
	__u64 wo_iova = ro_iova + MDEV_PAGE;

	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf, MDEV_IOVA_A,
				  MDEV_HALF, MDEV_RW));
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf + MDEV_HALF,
				  ro_iova, MDEV_PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container,
				  self->buf + MDEV_HALF + MDEV_PAGE, wo_iova,
				  MDEV_PAGE, VFIO_DMA_MAP_FLAG_WRITE));

	/* Unmapped IOVA, and a range running past the end of a mapping */
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0], 0, 1, MDEV_PROT_RW,
					   NULL));
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0],
					   MDEV_IOVA_B - MDEV_PAGE, 2,
					   MDEV_PROT_RW, NULL));
	mdev_expect_no_pins(_metadata, self);

	/* prot beyond the mapping's */
	EXPECT_EQ(-EPERM, vfio_sample_pin(self->dev[0], ro_iova, 1,
					  MDEV_PROT_RW, NULL));
	EXPECT_EQ(-EPERM, vfio_sample_pin(self->dev[0], wo_iova, 1,
					  IOMMUFD_VFIO_SAMPLE_READ, NULL));
	/* Failing on its last page undoes the pins of the first ones */
	EXPECT_EQ(-EPERM, vfio_sample_pin(self->dev[0], ro_iova, 2,
					  IOMMUFD_VFIO_SAMPLE_READ, NULL));
	mdev_expect_no_pins(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], ro_iova, 1,
				     IOMMUFD_VFIO_SAMPLE_READ, NULL));
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], wo_iova, 1,
				     IOMMUFD_VFIO_SAMPLE_WRITE, NULL));
	EXPECT_EQ(2, mdev_charged(self));
	ASSERT_EQ(0, vfio_sample_unpin(self->dev[0], ro_iova, 1));
	ASSERT_EQ(0, vfio_sample_unpin(self->dev[0], wo_iova, 1));

	/* VFIO's own limits, before the backend is asked */
	EXPECT_EQ(-E2BIG, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 513,
					  MDEV_PROT_RW, NULL));
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 0,
					   MDEV_PROT_RW, NULL));
	mdev_expect_no_pins(_metadata, self);
}

/* The largest pin VFIO passes on */
TEST_F(mdev, pin_512)
{
	size_t len = 512 * MDEV_PAGE;
	void *big;

	big = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, big, MDEV_IOVA_A, len,
				  MDEV_RW));
	EXPECT_EQ(0, mdev_charged(self));
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 512,
				     MDEV_PROT_RW, NULL));
	EXPECT_EQ(512, mdev_charged(self));
	EXPECT_EQ(512, vfio_sample_pinned());
	ASSERT_EQ(0, vfio_sample_unpin(self->dev[0], MDEV_IOVA_A, 512));
	mdev_expect_no_pins(_metadata, self);
	ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, MDEV_IOVA_A, len, 0,
				    NULL));
	munmap(big, len);
}

static const __u32 mdev_rw_where[] = {
	0,
	IOMMUFD_VFIO_SAMPLE_RW_KTHREAD,
	IOMMUFD_VFIO_SAMPLE_RW_WORKQUEUE,
};

/* vfio_dma_rw() from the caller, a kthread and a workqueue */
TEST_F(mdev, dma_rw)
{
	unsigned char *data, *back;
	__u32 len = MDEV_PAGE + 100;
	/* Starts in A, ends in B */
	__u64 iova = MDEV_IOVA_B - MDEV_PAGE + 7;
	size_t off = MDEV_HALF - MDEV_PAGE + 7;
	unsigned int i, j;

	data = malloc(len);
	back = malloc(len);
	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, back);
	mdev_map_ab(_metadata, self);

	for (i = 0; i != ARRAY_SIZE(mdev_rw_where); i++) {
		for (j = 0; j != len; j++)
			data[j] = (unsigned char)(j * 7 + i + 1);
		ASSERT_EQ(0, vfio_sample_rw(self->dev[0], iova, data, len,
					    mdev_rw_where[i] |
					    IOMMUFD_VFIO_SAMPLE_RW_WRITE));
		EXPECT_EQ(0, memcmp(self->buf + off, data, len));
		/* Nothing around it was touched */
		EXPECT_EQ(0x5a, self->buf[off - 1]);
		EXPECT_EQ(0x5a, self->buf[off + len]);

		for (j = 0; j != len; j++)
			self->buf[off + j] = (unsigned char)(j * 3 + i);
		memset(back, 0, len);
		ASSERT_EQ(0, vfio_sample_rw(self->dev[0], iova, back, len,
					    mdev_rw_where[i]));
		EXPECT_EQ(0, memcmp(self->buf + off, back, len));
		memset(self->buf + off, 0x5a, len);
	}
	/* dma_rw pins nothing */
	mdev_expect_no_pins(_metadata, self);
	free(data);
	free(back);
}

TEST_F(mdev, dma_rw_errors)
{
	__u64 ro_iova = MDEV_IOVA_B + MDEV_HALF;
	__u64 wo_iova = ro_iova + MDEV_PAGE;
	__u64 gone_iova = wo_iova + MDEV_PAGE;
	unsigned char data[64];
	unsigned int i;
	void *gone;

	memset(data, 0xc3, sizeof(data));
	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf, ro_iova,
				  MDEV_PAGE, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf, wo_iova,
				  MDEV_PAGE, VFIO_DMA_MAP_FLAG_WRITE));
	gone = mmap(NULL, MDEV_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, gone, gone_iova,
				  MDEV_PAGE, MDEV_RW));
	ASSERT_EQ(0, munmap(gone, MDEV_PAGE));

	for (i = 0; i != ARRAY_SIZE(mdev_rw_where); i++) {
		__u32 w = mdev_rw_where[i];
		__u32 wr = w | IOMMUFD_VFIO_SAMPLE_RW_WRITE;

		/* A write needs WRITE; any access needs READ */
		EXPECT_EQ(-EPERM, vfio_sample_rw(self->dev[0], ro_iova, data,
						 sizeof(data), wr));
		EXPECT_EQ(0, vfio_sample_rw(self->dev[0], ro_iova, data,
					    sizeof(data), w));
		EXPECT_EQ(-EPERM, vfio_sample_rw(self->dev[0], wo_iova, data,
						 sizeof(data), wr));
		EXPECT_EQ(-EPERM, vfio_sample_rw(self->dev[0], wo_iova, data,
						 sizeof(data), w));
		/* Unmapped IOVA */
		EXPECT_EQ(-EINVAL, vfio_sample_rw(self->dev[0], 0, data,
						  sizeof(data), w));
		EXPECT_EQ(-EINVAL, vfio_sample_rw(self->dev[0], 0, data,
						  sizeof(data), wr));
		/* Mapped, but the process's memory behind it is gone */
		EXPECT_EQ(-EFAULT, vfio_sample_rw(self->dev[0], gone_iova,
						  data, sizeof(data), w));
		EXPECT_EQ(-EFAULT, vfio_sample_rw(self->dev[0], gone_iova,
						  data, sizeof(data), wr));
	}
	/* The read-only page was not written */
	for (i = 0; i != sizeof(data); i++)
		ASSERT_EQ(0x5a, self->buf[i]);

	/* Bad requests of the sample driver itself */
	EXPECT_EQ(-EINVAL, vfio_sample_rw(self->dev[0], MDEV_IOVA_A, data, 0,
					  0));
	EXPECT_EQ(-EINVAL, vfio_sample_rw(self->dev[0], MDEV_IOVA_A, data,
					  sizeof(data),
					  IOMMUFD_VFIO_SAMPLE_RW_KTHREAD |
					  IOMMUFD_VFIO_SAMPLE_RW_WORKQUEUE));
	EXPECT_EQ(-EFAULT, vfio_sample_rw(self->dev[0], MDEV_IOVA_A, NULL,
					  sizeof(data), 0));
	ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, gone_iova, MDEV_PAGE,
				    0, NULL));
}

/* A process other than the one that mapped gets EFAULT from the caller. */
TEST_F(mdev, dma_rw_other_mm)
{
	unsigned char data[64];
	int status;
	pid_t pid;

	mdev_map_ab(_metadata, self);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int rc;

		rc = vfio_sample_rw(self->dev[0], MDEV_IOVA_A, data,
				    sizeof(data), 0);
		if (rc != -EFAULT)
			_exit(1);
		/* From a kernel thread it is the mapping's mm that counts */
		rc = vfio_sample_rw(self->dev[0], MDEV_IOVA_A, data,
				    sizeof(data),
				    IOMMUFD_VFIO_SAMPLE_RW_KTHREAD);
		_exit(rc ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * UNMAP of a pinned mapping: every registered device hears of the whole
 * mapping, the pins are gone, and the UNMAP succeeds.
 */
TEST_F(mdev, unmap_calls_dma_unmap)
{
	struct iommufd_vfio_sample_info info;
	__u64 size = 0;
	int i;

	if (mdev_type1_unmap_inverts(variant))
		SKIP(return, MDEV_TYPE1_LOCKDEP);

	mdev_add_dev1(_metadata, self);
	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A + MDEV_PAGE, 2,
				     MDEV_PROT_RW, NULL));
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1,
				     IOMMUFD_VFIO_SAMPLE_READ, NULL));
	EXPECT_EQ(3, mdev_charged(self));
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(0, vfio_sample_info(self->dev[i], &info));
		EXPECT_EQ(0U, info.nr_unmaps);
	}

	/* Both mappings in one call; only A is pinned */
	ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, MDEV_IOVA_A,
				    MDEV_BUF_LEN, 0, &size));
	EXPECT_EQ(MDEV_BUF_LEN, size);
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(0, vfio_sample_info(self->dev[i], &info));
		EXPECT_EQ(1U, info.nr_unmaps);
		EXPECT_EQ(MDEV_IOVA_A, info.last_unmap_iova);
		EXPECT_EQ(MDEV_HALF, info.last_unmap_length);
		EXPECT_EQ(i ? 0U : 3U, info.unmap_unpinned);
	}
	mdev_expect_no_pins(_metadata, self);
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1,
					   MDEV_PROT_RW, NULL));

	/* The range can be mapped and pinned again */
	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[1], MDEV_IOVA_B, 1,
				     MDEV_PROT_RW, NULL));
	ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, MDEV_IOVA_B,
				    MDEV_HALF, 0, &size));
	EXPECT_EQ(MDEV_HALF, size);
	ASSERT_EQ(0, vfio_sample_info(self->dev[1], &info));
	EXPECT_EQ(2U, info.nr_unmaps);
	EXPECT_EQ(MDEV_IOVA_B, info.last_unmap_iova);
	EXPECT_EQ(1U, info.unmap_unpinned);
	mdev_expect_no_pins(_metadata, self);
}

TEST_F(mdev, unmap_all_calls_dma_unmap)
{
	struct iommufd_vfio_sample_info info;
	__u64 size = 0;
	int i;

	if (mdev_type1_unmap_inverts(variant))
		SKIP(return, MDEV_TYPE1_LOCKDEP);

	mdev_add_dev1(_metadata, self);
	mdev_map_ab(_metadata, self);
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(0, vfio_sample_pin(self->dev[i], MDEV_IOVA_A, 1,
					     MDEV_PROT_RW, NULL));
		ASSERT_EQ(0, vfio_sample_pin(self->dev[i], MDEV_IOVA_B, 2,
					     MDEV_PROT_RW, NULL));
	}
	/* Shared IOVAs: pinned (and charged) once */
	EXPECT_EQ(3, mdev_charged(self));
	EXPECT_EQ(6, vfio_sample_pinned());

	ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, 0, 0,
				    VFIO_DMA_UNMAP_FLAG_ALL, &size));
	EXPECT_EQ(MDEV_BUF_LEN, size);
	for (i = 0; i != 2; i++) {
		ASSERT_EQ(0, vfio_sample_info(self->dev[i], &info));
		EXPECT_EQ(2U, info.nr_unmaps);
		EXPECT_EQ(3U, info.unmap_unpinned);
	}
	mdev_expect_no_pins(_metadata, self);
}

/* Closing the device drops its pins; the UNMAP that follows is plain. */
TEST_F(mdev, close_drops_pins)
{
	struct iommufd_vfio_sample_info info;
	__u64 size = 0;

	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 3,
				     MDEV_PROT_RW, NULL));
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_B, 8,
				     MDEV_PROT_RW, NULL));
	EXPECT_EQ(11, mdev_charged(self));
	EXPECT_EQ(11, vfio_sample_pinned());

	close(self->dev[0]);
	self->dev[0] = -1;
	EXPECT_EQ(0, vfio_sample_pinned());
	EXPECT_EQ(0, mdev_charged(self));
	ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, MDEV_IOVA_A,
				    MDEV_BUF_LEN, 0, &size));
	EXPECT_EQ(MDEV_BUF_LEN, size);

	/* And the device works again when reopened */
	self->dev[0] = vfio_sample_open_dev(self->ctr.group, 0);
	ASSERT_LE(0, self->dev[0]);
	ASSERT_EQ(0, vfio_sample_info(self->dev[0], &info));
	EXPECT_EQ(0U, info.nr_unmaps);
	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1,
				     MDEV_PROT_RW, NULL));
	EXPECT_EQ(1, mdev_charged(self));
}

/* Closing the container and group with pins held leaves nothing behind. */
TEST_F(mdev, teardown_with_pins)
{
	mdev_add_dev1(_metadata, self);
	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 2,
				     MDEV_PROT_RW, NULL));
	ASSERT_EQ(0, vfio_sample_pin(self->dev[1], MDEV_IOVA_B, 2,
				     MDEV_PROT_RW, NULL));
	/* Container first, then groups, devices last, as exit() does */
	close(self->ctr.container);
	self->ctr.container = -1;
	close(self->ctr.group);
	self->ctr.group = -1;
	close(self->group1);
	self->group1 = -1;
	EXPECT_EQ(4, vfio_sample_pinned());
	close(self->dev[0]);
	close(self->dev[1]);
	self->dev[0] = -1;
	self->dev[1] = -1;
	EXPECT_EQ(0, vfio_sample_pinned());
	EXPECT_EQ(0, mdev_charged(self));

	/* The groups can be set up again */
	mdev_open(_metadata, self, variant->backend, VFIO_TYPE1v2_IOMMU);
	mdev_add_dev1(_metadata, self);
}

/* The sample driver's own checks of its requests */
TEST_F(mdev, sample_bad_requests)
{
	struct iommufd_vfio_sample_pin pin = {
		.iova = MDEV_IOVA_A,
		.npage = 1,
		.prot = MDEV_PROT_RW,
		.__reserved = 1,
	};

	mdev_map_ab(_metadata, self);
	EXPECT_EQ(-EINVAL, vfio_ioctl(self->dev[0], IOMMUFD_VFIO_SAMPLE_PIN,
				      &pin));
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1, 0,
					   NULL));
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1, 4,
					   NULL));
	EXPECT_EQ(-EINVAL, vfio_sample_pin(self->dev[0], MDEV_IOVA_A + 1, 1,
					   MDEV_PROT_RW, NULL));
	EXPECT_EQ(-E2BIG, vfio_sample_pin(self->dev[0], MDEV_IOVA_A,
					  IOMMUFD_VFIO_SAMPLE_MAX_PAGES + 1,
					  MDEV_PROT_RW, NULL));
	/* A bad PFN array undoes the pin */
	EXPECT_EQ(-EFAULT, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 1,
					   MDEV_PROT_RW, (__u64 *)8));
	mdev_expect_no_pins(_metadata, self);

	ASSERT_EQ(0, vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 2,
				     MDEV_PROT_RW, NULL));
	/* UNPIN takes only a pin as it was made */
	EXPECT_EQ(-ENOENT, vfio_sample_unpin(self->dev[0], MDEV_IOVA_A, 1));
	EXPECT_EQ(-ENOENT, vfio_sample_unpin(self->dev[0],
					     MDEV_IOVA_A + MDEV_PAGE, 2));
	pin.__reserved = 0;
	pin.npage = 2;
	EXPECT_EQ(-EINVAL, vfio_ioctl(self->dev[0], IOMMUFD_VFIO_SAMPLE_UNPIN,
				      &pin));
	EXPECT_EQ(2, vfio_sample_pinned());
	EXPECT_EQ(0, vfio_sample_unpin(self->dev[0], MDEV_IOVA_A, 2));

	EXPECT_EQ(-ENOTTY, vfio_ioctl(self->dev[0],
				      _IO(IOMMUFD_VFIO_SAMPLE_TYPE, 0x7f),
				      NULL));
	EXPECT_EQ(-E2BIG, vfio_sample_rw(self->dev[0], MDEV_IOVA_A, self->buf,
					 IOMMUFD_VFIO_SAMPLE_MAX_RW + 1, 0));
	EXPECT_EQ(-EINVAL, vfio_sample_rw(self->dev[0], MDEV_IOVA_A, self->buf,
					  1, 0x80));
	mdev_expect_no_pins(_metadata, self);
}

/*
 * A process that exits with its device open, pages pinned and everything
 * mapped: the callbacks then run with no mm and no UNMAP before them, and
 * still nothing may stay pinned.
 */
TEST_F(mdev, exit_with_pins)
{
	long refcnt0;
	int status;
	pid_t pid;

	/* A group has one opener at a time; the child takes it over */
	mdev_close(self);
	refcnt0 = vfio_iommufd_refcnt();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		mdev_open(_metadata, self, variant->backend,
			  VFIO_TYPE1v2_IOMMU);
		mdev_add_dev1(_metadata, self);
		mdev_map_ab(_metadata, self);
		if (vfio_sample_pin(self->dev[0], MDEV_IOVA_A, 4,
				    MDEV_PROT_RW, NULL) ||
		    vfio_sample_pin(self->dev[1], MDEV_IOVA_B, 4,
				    MDEV_PROT_RW, NULL) ||
		    vfio_sample_pinned() != 8)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, vfio_sample_pinned());
	EXPECT_EQ(refcnt0, vfio_iommufd_refcnt());
	EXPECT_EQ(0, mdev_charged(self));

	/* Everything can be set up again */
	mdev_open(_metadata, self, variant->backend, VFIO_TYPE1v2_IOMMU);
	mdev_add_dev1(_metadata, self);
	mdev_map_ab(_metadata, self);
	ASSERT_EQ(0, vfio_sample_pin(self->dev[1], MDEV_IOVA_A, 1,
				     MDEV_PROT_RW, NULL));
	EXPECT_EQ(1, mdev_charged(self));
}

#define MDEV_RACE_ROUNDS 300U

/*
 * Round n: the main thread maps A and publishes gen = 2n + 1; the device
 * thread pins a page of A and copies from it, then answers with ack = gen;
 * the main thread unmaps A, which has to go through the dma_unmap
 * callback, while the device thread keeps the device busy with pins of B
 * and copies. A is pinned once per round only, so that type1 never has to
 * retry an unmap many times (it gives up with BUG_ON after 10).
 */
struct mdev_race {
	int dev;
	unsigned int gen;	/* round published by the main thread */
	unsigned int ack;	/* round the device thread has pinned A for */
	bool stop;
	unsigned int pinned, rw_ok, busy, errors;
};

static void *mdev_race_thread(void *arg)
{
	struct mdev_race *r = arg;
	unsigned char data[32];
	unsigned int gen, n = 0;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		gen = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
		if (gen != __atomic_load_n(&r->ack, __ATOMIC_RELAXED)) {
			/* A stays mapped until the ack */
			if (vfio_sample_pin(r->dev, MDEV_IOVA_A + MDEV_PAGE, 1,
					    MDEV_PROT_RW, NULL))
				r->errors++;
			else
				r->pinned++;
			if (vfio_sample_rw(r->dev, MDEV_IOVA_A, data,
					   sizeof(data), mdev_rw_where[n++ % 3]))
				r->errors++;
			else
				r->rw_ok++;
			__atomic_store_n(&r->ack, gen, __ATOMIC_RELEASE);
			continue;
		}
		/* Meanwhile the UNMAP may be running */
		if (vfio_sample_pin(r->dev, MDEV_IOVA_B, 1, MDEV_PROT_RW,
				    NULL) ||
		    vfio_sample_unpin(r->dev, MDEV_IOVA_B, 1))
			r->errors++;
		rc = vfio_sample_rw(r->dev, MDEV_IOVA_A, data, sizeof(data),
				    mdev_rw_where[n++ % 3]);
		if (rc && rc != -EINVAL)
			r->errors++;
		r->busy++;
	}
	return NULL;
}

/* dma_unmap callbacks arrive while the device is busy in its ioctls. */
TEST_F(mdev, unmap_races_ioctls)
{
	struct mdev_race r = { .dev = self->dev[0] };
	struct iommufd_vfio_sample_info info;
	unsigned int round, gen;
	pthread_t thread;
	__u64 size;

	if (mdev_type1_unmap_inverts(variant))
		SKIP(return, MDEV_TYPE1_LOCKDEP);

	ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf + MDEV_HALF,
				  MDEV_IOVA_B, MDEV_HALF, MDEV_RW));
	ASSERT_EQ(0, pthread_create(&thread, NULL, mdev_race_thread, &r));
	for (round = 0; round != MDEV_RACE_ROUNDS; round++) {
		ASSERT_EQ(0, mdev_dma_map(self->ctr.container, self->buf,
					  MDEV_IOVA_A, MDEV_HALF, MDEV_RW));
		gen = round + 1;
		__atomic_store_n(&r.gen, gen, __ATOMIC_RELEASE);
		/* Bounded by the other thread's work, not by time */
		while (__atomic_load_n(&r.ack, __ATOMIC_ACQUIRE) != gen)
			sched_yield();
		size = 0;
		ASSERT_EQ(0, mdev_dma_unmap(self->ctr.container, MDEV_IOVA_A,
					    MDEV_HALF, 0, &size));
		ASSERT_EQ(MDEV_HALF, size);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_EQ(0U, r.errors);
	EXPECT_EQ(MDEV_RACE_ROUNDS, r.pinned);
	EXPECT_EQ(MDEV_RACE_ROUNDS, r.rw_ok);
	ASSERT_EQ(0, vfio_sample_info(self->dev[0], &info));
	/* Every pin of A was given back through a callback of its round */
	EXPECT_EQ((__u64)MDEV_RACE_ROUNDS, info.unmap_unpinned);
	EXPECT_LE((__u64)MDEV_RACE_ROUNDS, info.nr_unmaps);
	EXPECT_EQ(MDEV_IOVA_A, info.last_unmap_iova);
	ksft_print_msg("%u rounds, %llu callbacks, %u busy iterations\n",
		       MDEV_RACE_ROUNDS, (unsigned long long)info.nr_unmaps,
		       r.busy);
	mdev_expect_no_pins(_metadata, self);
}

#endif
