// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of upstream's VFIO compatibility on the /dev/iommu file:
 * IOMMU_VFIO_IOAS and the VFIO container ioctls (request numbers below
 * the iommufd commands) that act on the compat IOAS it chooses.
 *
 * The rules are upstream iommufd's: ENODEV while no compat IOAS is set,
 * ENOTTY for requests it does not serve, EINVAL for another SET_IOMMU
 * type, DMA_AVAIL U32_MAX, and the split rules: with large pages on (the
 * default, TYPE1v2) an UNMAP_DMA that cuts a mapping is ENOENT; TYPE1
 * turns large pages off, after which UNMAP_DMA splits mappings. The
 * mock domain (iommufd_test.h) checks that what the ioctls map is what
 * the domain translates, and warns, failing the run, if an unmap does
 * not match earlier maps.
 */
#include "iommufd_utils.h"

#include <linux/vfio.h>

#define PAGE 4096UL
/* Inside the mock aperture */
#define IOVA 0x10000000ULL
#define BUF_PAGES 16

FIXTURE(compat) {
	int fd;
	__u32 ioas_id;
	void *raw;
	size_t raw_size;
	char *buf;
};

FIXTURE_SETUP(compat)
{
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
	self->buf = alloc_touched(BUF_PAGES * PAGE, SZ_2M, false, &self->raw,
				  &self->raw_size);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->raw)
		munmap(self->raw, self->raw_size);
	if (self->fd >= 0)
		close(self->fd);
}

/* An ioctl returning a value: the value, or -errno */
static int ioctl_val(int fd, unsigned long request, unsigned long arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

/*
 * A VFIO request with a struct: its value, or -errno. A positive value
 * where 0 is due then shows as a mismatch, not as a stale errno.
 */
static int vfio_req(int fd, unsigned long request, void *arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

static int map_dma(int fd, __u32 flags, __u64 iova, const void *va,
		   __u64 size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = size,
	};

	return vfio_req(fd, VFIO_IOMMU_MAP_DMA, &map);
}

#define MAP_DMA_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* UNMAP_DMA; *size (may be NULL) gets what the kernel wrote back */
static int unmap_dma(int fd, __u32 flags, __u64 iova, __u64 size,
		     __u64 *out)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int ret;

	ret = vfio_req(fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (out)
		*out = unmap.size;
	return ret;
}

static int huge_pages(int fd, __u32 ioas_id)
{
	__u64 val;
	int ret;

	ret = option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas_id, &val);
	return ret ? ret : (int)val;
}

/* A compat IOAS with a mock domain; *hwpt_id gets its HWPT */
static void compat_with_domain(struct __test_metadata *_metadata, int fd,
			       __u32 ioas_id, __u32 *hwpt_id)
{
	ASSERT_EQ(0, compat_set(fd, ioas_id));
	ASSERT_EQ(0, mock_domain(fd, ioas_id, NULL, hwpt_id, NULL));
}

/* === IOMMU_VFIO_IOAS === */

TEST_F(compat, vfio_ioas_get_set_clear)
{
	__u32 id, other, stdev_id, hwpt_id;

	/* None to begin with */
	EXPECT_EQ(-ENODEV, compat_get(self->fd, &id));

	/* SET of something that is not an IOAS changes nothing */
	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, mock_domain(self->fd, other, &stdev_id, &hwpt_id, NULL));
	EXPECT_EQ(-ENOENT, compat_set(self->fd, 0));
	EXPECT_EQ(-ENOENT, compat_set(self->fd, 1000));
	EXPECT_EQ(-ENOENT, compat_set(self->fd, hwpt_id));
	EXPECT_EQ(-ENOENT, compat_set(self->fd, stdev_id));
	EXPECT_EQ(-ENODEV, compat_get(self->fd, &id));

	/* SET, then GET says which; SET copies nothing back */
	id = self->ioas_id;
	ASSERT_EQ(0, vfio_ioas_cmd(self->fd, IOMMU_VFIO_IOAS_SET, &id, 0));
	EXPECT_EQ(self->ioas_id, id);
	ASSERT_EQ(0, compat_get(self->fd, &id));
	EXPECT_EQ(self->ioas_id, id);

	/* A second SET replaces it */
	ASSERT_EQ(0, compat_set(self->fd, other));
	ASSERT_EQ(0, compat_get(self->fd, &id));
	EXPECT_EQ(other, id);

	/* Unknown op and nonzero __reserved: EOPNOTSUPP, nothing changes */
	id = self->ioas_id;
	EXPECT_EQ(-EOPNOTSUPP, vfio_ioas_cmd(self->fd, 3, &id, 0));
	id = self->ioas_id;
	EXPECT_EQ(-EOPNOTSUPP,
		  vfio_ioas_cmd(self->fd, IOMMU_VFIO_IOAS_SET, &id, 1));
	EXPECT_EQ(-EOPNOTSUPP,
		  vfio_ioas_cmd(self->fd, IOMMU_VFIO_IOAS_GET, &id, 0x8000));
	EXPECT_EQ(-EOPNOTSUPP,
		  vfio_ioas_cmd(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id, 1));
	ASSERT_EQ(0, compat_get(self->fd, &id));
	EXPECT_EQ(other, id);

	/* CLEAR forgets it but does not destroy it; clearing twice is fine */
	id = 0;
	ASSERT_EQ(0, vfio_ioas_cmd(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id, 0));
	EXPECT_EQ(-ENODEV, compat_get(self->fd, &id));
	EXPECT_TRUE(ioas_exists(self->fd, other));
	ASSERT_EQ(0, vfio_ioas_cmd(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id, 0));
	EXPECT_EQ(-ENODEV, compat_get(self->fd, &id));
}

/* The compat IOAS holds no reference: DESTROY works and forgets it */
TEST_F(compat, vfio_ioas_destroy)
{
	__u32 id, again;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));
	ASSERT_EQ(0, obj_destroy(self->fd, self->ioas_id));
	EXPECT_EQ(-ENODEV, compat_get(self->fd, &id));
	EXPECT_EQ(-ENODEV, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
				   PAGE));

	/* The ID is reused by a new IOAS, which is not the compat IOAS */
	ASSERT_EQ(0, ioas_alloc(self->fd, &again));
	EXPECT_EQ(self->ioas_id, again);
	EXPECT_EQ(-ENODEV, compat_get(self->fd, &id));
}

/* Closing the file with a compat IOAS that maps pinned pages frees all */
TEST_F(compat, vfio_ioas_close)
{
	__u32 hwpt_id;
	int fd;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &self->ioas_id));
	compat_with_domain(_metadata, fd, self->ioas_id, &hwpt_id);
	ASSERT_EQ(0, map_dma(fd, MAP_DMA_RW, IOVA, self->buf, 4 * PAGE));
	EXPECT_EQ(0, md_check_refs(fd, self->buf, 4 * PAGE, 1));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 4 * PAGE, 0));
}

/* === The VFIO requests without a compat IOAS === */

TEST_F(compat, no_compat_ioas)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct vfio_iommu_type1_dma_map map = { .argsz = 8 };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = 8 };
	__u64 size = 0;

	EXPECT_EQ(VFIO_API_VERSION,
		  ioctl_val(self->fd, VFIO_GET_API_VERSION, 0));
	EXPECT_EQ(1, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_UNMAP_ALL));
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_CHECK_EXTENSION, 12345));
	EXPECT_EQ(-ENODEV, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
				     VFIO_DMA_CC_IOMMU));

	/* The type is checked first */
	EXPECT_EQ(-EINVAL, ioctl_val(self->fd, VFIO_SET_IOMMU,
				     VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(-EINVAL, ioctl_val(self->fd, VFIO_SET_IOMMU,
				     VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_EQ(-EINVAL, ioctl_val(self->fd, VFIO_SET_IOMMU, 0));
	EXPECT_EQ(-ENODEV, ioctl_val(self->fd, VFIO_SET_IOMMU,
				     VFIO_TYPE1_IOMMU));
	EXPECT_EQ(-ENODEV, ioctl_val(self->fd, VFIO_SET_IOMMU,
				     VFIO_TYPE1v2_IOMMU));

	EXPECT_EQ(-ENODEV, vfio_req(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_EQ(-ENODEV, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
				   PAGE));
	EXPECT_EQ(-ENODEV, unmap_dma(self->fd, 0, IOVA, PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(-ENODEV, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
				     NULL));

	/* The argument checks come before the lookup, as upstream */
	info.argsz = 15;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_EQ(-EFAULT, vfio_req(self->fd, VFIO_IOMMU_MAP_DMA, NULL));

	/* Nothing was made */
	EXPECT_FALSE(ioas_exists(self->fd, self->ioas_id + 1));
}

/* Requests below the iommufd commands that are not served: ENOTTY */
TEST_F(compat, other_requests)
{
	__u64 buf[64] = { sizeof(buf) };

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	EXPECT_EQ(-ENOTTY, vfio_req(self->fd, VFIO_IOMMU_DIRTY_PAGES, buf));
	EXPECT_EQ(-ENOTTY, vfio_req(self->fd, VFIO_GROUP_GET_STATUS, buf));
	EXPECT_EQ(-ENOTTY, vfio_req(self->fd, VFIO_DEVICE_GET_INFO, buf));
	/* With direction and size bits, a VFIO number is another request */
	EXPECT_EQ(-ENOTTY,
		  vfio_req(self->fd,
			   _IOWR(VFIO_TYPE, VFIO_BASE + 13,
				 struct vfio_iommu_type1_dma_map),
			   buf));
	EXPECT_EQ(-ENOTTY, vfio_req(self->fd, _IO(VFIO_TYPE, 0), buf));
}

/* === CHECK_EXTENSION and SET_IOMMU on a compat IOAS === */

TEST_F(compat, cc_iommu)
{
	__u32 hwpt_id;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	/* No domain: vacuously coherent */
	EXPECT_EQ(1, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_DMA_CC_IOMMU));
	/* The mock IOMMU cannot enforce coherency */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id,
				 NULL));
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_DMA_CC_IOMMU));
}

TEST_F(compat, set_iommu)
{
	__u32 hwpt_id;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	EXPECT_EQ(1, huge_pages(self->fd, self->ioas_id));
	EXPECT_EQ(-EINVAL, ioctl_val(self->fd, VFIO_SET_IOMMU, 7));

	/* TYPE1v2 changes nothing */
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, huge_pages(self->fd, self->ioas_id));

	/* TYPE1 disables large pages, again and again */
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(0, huge_pages(self->fd, self->ioas_id));
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(0, huge_pages(self->fd, self->ioas_id));

	/* ... and TYPE1v2 does not set them back */
	EXPECT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(0, huge_pages(self->fd, self->ioas_id));

	/*
	 * A domain that already maps something may hold large IOPTEs, so
	 * TYPE1 is refused then, and large pages stay on.
	 */
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 1));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));
	EXPECT_EQ(-EINVAL, ioctl_val(self->fd, VFIO_SET_IOMMU,
				     VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, huge_pages(self->fd, self->ioas_id));
}

/* === MAP_DMA and UNMAP_DMA, seen through the IOAS === */

TEST_F(compat, map_unmap_through_ioas)
{
	__u32 hwpt_id, other;
	__u64 size = 0;

	compat_with_domain(_metadata, self->fd, self->ioas_id, &hwpt_id);
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
			     4 * PAGE));

	/* The domain translates it, every page pinned once */
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA, 4 * PAGE,
				  self->buf));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 4 * PAGE, 1));
	/* The IOAS has it: MAP over it is EEXIST, COPY from it works */
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  PAGE, IOVA + PAGE));
	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	EXPECT_EQ(0, ioas_copy_fixed(self->fd, other, IOVA, self->ioas_id,
				     IOVA, 4 * PAGE));
	EXPECT_UNMAP_EXACT(self->fd, other, IOVA, 4 * PAGE);

	/* IOAS_UNMAP removes what MAP_DMA made */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA, 4 * PAGE);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 4 * PAGE, 0));

	/* UNMAP_DMA removes what IOAS_MAP made, and says how much */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * PAGE, IOVA));
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA, 2 * PAGE, &size));
	EXPECT_EQ(2 * PAGE, size);
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, IOVA,
				      2 * PAGE, NULL));

	/* Read-only and write-only mappings */
	EXPECT_EQ(0, map_dma(self->fd, VFIO_DMA_MAP_FLAG_READ, IOVA,
			     self->buf, PAGE));
	EXPECT_EQ(0, map_dma(self->fd, VFIO_DMA_MAP_FLAG_WRITE, IOVA + PAGE,
			     self->buf + PAGE, PAGE));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA, 2 * PAGE,
				  self->buf));

	/* UNMAP_ALL takes everything, and says how much */
	EXPECT_EQ(0, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
			       &size));
	EXPECT_EQ(2 * PAGE, size);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 2 * PAGE, 0));
	EXPECT_EQ(0, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
			       &size));
	EXPECT_EQ(0ULL, size);
}

/* The requests follow whichever IOAS is the compat IOAS now */
TEST_F(compat, map_follows_compat_ioas)
{
	__u32 other;

	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));
	EXPECT_EQ(-EEXIST, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
				   PAGE));
	ASSERT_EQ(0, compat_set(self->fd, other));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA, PAGE);
	EXPECT_UNMAP_EXACT(self->fd, other, IOVA, PAGE);
}

TEST_F(compat, map_errors)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = MAP_DMA_RW,
		.vaddr = (uintptr_t)self->buf,
		.iova = IOVA,
		.size = PAGE,
	};
	__u32 hwpt_id;

	compat_with_domain(_metadata, self->fd, self->ioas_id, &hwpt_id);

	/* VFIO's argsz and flags rules */
	map.argsz = offsetofend(struct vfio_iommu_type1_dma_map, size) - 1;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	map.argsz = sizeof(map);
	map.flags = MAP_DMA_RW | VFIO_DMA_MAP_FLAG_VADDR;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	map.flags = MAP_DMA_RW | (1U << 7);
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_MAP_DMA, &map));

	/* The IOAS's own rules and errnos for the range */
	EXPECT_EQ(-EINVAL, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, 0));
	EXPECT_EQ(-EINVAL, map_dma(self->fd, MAP_DMA_RW, IOVA + 1, self->buf,
				   PAGE));
	/* Outside the mock aperture: reserved */
	EXPECT_EQ(-EINVAL, map_dma(self->fd, MAP_DMA_RW, 0, self->buf, PAGE));
	EXPECT_EQ(-EINVAL, map_dma(self->fd, MAP_DMA_RW,
				   MOCK_APERTURE_LAST + 1, self->buf, PAGE));
	EXPECT_EQ(-EOVERFLOW, map_dma(self->fd, MAP_DMA_RW, -PAGE, self->buf,
				      2 * PAGE));
	/* Unmapped memory cannot be pinned */
	EXPECT_EQ(-EFAULT, map_dma(self->fd, MAP_DMA_RW, IOVA,
				   (void *)(1UL << 46), PAGE));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
			     2 * PAGE));
	EXPECT_EQ(-EEXIST, map_dma(self->fd, MAP_DMA_RW, IOVA + PAGE,
				   self->buf, 2 * PAGE));

	/* None of the failures mapped or pinned anything */
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 2 * PAGE, PAGE, 0));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * PAGE);
}

/* Without a domain, as upstream, a mapping with neither flag is made */
TEST_F(compat, map_no_permission)
{
	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	EXPECT_EQ(0, map_dma(self->fd, 0, IOVA, self->buf, PAGE));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA, PAGE);
}

TEST_F(compat, unmap_errors)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = IOVA,
		.size = PAGE,
	};
	__u64 size;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));

	unmap.argsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size) - 1;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	unmap.argsz = sizeof(unmap);
	/* No dirty tracking here, no UPDATE_VADDR, nothing unknown */
	unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	unmap.flags = VFIO_DMA_UNMAP_FLAG_VADDR;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	unmap.flags = 1U << 9;
	EXPECT_EQ(-EINVAL, vfio_req(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));

	/* ALL takes no range */
	EXPECT_EQ(-EINVAL, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, IOVA,
				     0, NULL));
	EXPECT_EQ(-EINVAL, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, 0,
				     PAGE, NULL));
	/* The IOAS's errnos for the range */
	EXPECT_EQ(-EINVAL, unmap_dma(self->fd, 0, IOVA, 0, NULL));
	EXPECT_EQ(-EOVERFLOW, unmap_dma(self->fd, 0, -PAGE, 2 * PAGE, NULL));

	/* A range that holds nothing: success, size 0 (unlike IOAS_UNMAP) */
	size = 1;
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA + PAGE, PAGE, &size));
	EXPECT_EQ(0ULL, size);

	/* The mapping survived all of it */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA, PAGE);
}

/* === The split rules === */

/*
 * TYPE1v2, or large pages on: an UNMAP_DMA that cuts a mapping unmaps
 * the whole mappings before it, writes that size back, and fails with
 * ENOENT.
 */
TEST_F(compat, unmap_v2_no_split)
{
	__u32 hwpt_id;
	__u64 size;

	compat_with_domain(_metadata, self->fd, self->ioas_id, &hwpt_id);
	ASSERT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA + PAGE,
			     self->buf + PAGE, 3 * PAGE));

	size = 1;
	EXPECT_EQ(-ENOENT, unmap_dma(self->fd, 0, IOVA + 2 * PAGE, PAGE,
				     &size));
	EXPECT_EQ(0ULL, size);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA, 4 * PAGE,
				  self->buf));

	/* The first mapping goes, the second stops the unmap */
	EXPECT_EQ(-ENOENT, unmap_dma(self->fd, 0, IOVA, 2 * PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, PAGE, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + PAGE, 3 * PAGE, 1));

	/* Whole mappings go */
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA, 4 * PAGE, &size));
	EXPECT_EQ(3 * PAGE, size);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 4 * PAGE, 0));
}

/* TYPE1: large pages off, and UNMAP_DMA splits mappings */
TEST_F(compat, unmap_v1_split)
{
	__u32 hwpt_id;
	__u64 size;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, huge_pages(self->fd, self->ioas_id));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
			     8 * PAGE));

	/* A page from the middle */
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA + 2 * PAGE, PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 2 * PAGE, PAGE, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 2 * PAGE, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 3 * PAGE, 5 * PAGE,
				   1));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA, 2 * PAGE,
				  self->buf));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA + 3 * PAGE,
				  5 * PAGE, self->buf + 3 * PAGE));

	/* The pieces are areas of their own in the IOAS */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA, 2 * PAGE);

	/* Across the hole and into the rest: what is mapped goes */
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA + PAGE, 3 * PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 3 * PAGE, PAGE, 0));

	/* A cut off the granule is refused, and changes nothing */
	EXPECT_EQ(-EINVAL, unmap_dma(self->fd, 0, IOVA + 5 * PAGE + 0x800,
				     PAGE, &size));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 4 * PAGE, 4 * PAGE,
				   1));

	/* The last page, then the rest */
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA + 7 * PAGE, PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(0, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
			       &size));
	EXPECT_EQ(3 * PAGE, size);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 8 * PAGE, 0));
}

/* Splitting works from IOVA 0, where there is nothing to cut before */
TEST_F(compat, unmap_v1_split_at_zero)
{
	__u64 size;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, 0, self->buf, 4 * PAGE));
	EXPECT_EQ(0, unmap_dma(self->fd, 0, 0, PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, PAGE, 3 * PAGE);
}

/* An area an in-kernel access pins cannot be split */
TEST_F(compat, unmap_v1_split_pinned)
{
	__u32 hwpt_id, item;
	int access_fd;
	__u64 size;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, access_create(self->fd, self->ioas_id,
				   MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				   &access_fd));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
			     4 * PAGE));
	ASSERT_EQ(0, access_pin(self->fd, access_fd, 0, IOVA, PAGE, NULL,
				&item));
	EXPECT_EQ(-EINVAL, unmap_dma(self->fd, 0, IOVA + PAGE, PAGE, &size));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA, 4 * PAGE,
				  self->buf));
	ASSERT_EQ(0, access_unpin(self->fd, access_fd, item));
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA + PAGE, PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(0, unmap_dma(self->fd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
			       &size));
	EXPECT_EQ(3 * PAGE, size);
	close(access_fd);
}

/* The rule follows IOMMU_OPTION_HUGE_PAGES, whoever set it */
TEST_F(compat, unmap_split_follows_option)
{
	__u64 size;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));
	ASSERT_EQ(0, ioctl_val(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 1));
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf,
			     2 * PAGE));
	EXPECT_EQ(-ENOENT, unmap_dma(self->fd, 0, IOVA, PAGE, &size));
	EXPECT_EQ(0ULL, size);

	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));
	EXPECT_EQ(0, unmap_dma(self->fd, 0, IOVA, PAGE, &size));
	EXPECT_EQ(PAGE, size);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA + PAGE, PAGE);
}

/* === GET_INFO === */

/* The capabilities, as upstream lays them out: 8-byte aligned */
struct compat_info {
	struct vfio_iommu_type1_info info;
	struct vfio_iommu_type1_info_dma_avail avail;
	__u32 pad;
	struct vfio_iommu_type1_info_cap_iova_range range;
	struct vfio_iova_range ranges[4];
};

static int get_info(int fd, struct compat_info *ci, __u32 argsz)
{
	memset(ci, 0xa5, sizeof(*ci));
	ci->info.argsz = argsz;
	return vfio_req(fd, VFIO_IOMMU_GET_INFO, ci);
}

TEST_F(compat, get_info)
{
	const __u32 full = offsetof(struct compat_info, ranges[1]);
	struct compat_info ci;
	__u32 hwpt_id;

	ASSERT_EQ(0, compat_set(self->fd, self->ioas_id));

	/*
	 * Too small for any capability: the size needed, and no caps. As
	 * upstream, the struct is copied back up to argsz, which may end
	 * inside cap_offset.
	 */
	ASSERT_EQ(0, get_info(self->fd, &ci, 18));
	EXPECT_EQ(full, ci.info.argsz);
	EXPECT_EQ(0xa5a50018U, ci.info.cap_offset);
	ASSERT_EQ(0, get_info(self->fd, &ci, 16));
	EXPECT_EQ(full, ci.info.argsz);
	EXPECT_EQ((__u32)VFIO_IOMMU_INFO_PGSIZES, ci.info.flags);
	EXPECT_EQ(~(PAGE - 1), ci.info.iova_pgsizes);
	EXPECT_EQ(0xa5a5a5a5U, ci.info.cap_offset);
	ASSERT_EQ(0, get_info(self->fd, &ci, sizeof(ci.info)));
	EXPECT_EQ(full, ci.info.argsz);
	EXPECT_EQ((__u32)VFIO_IOMMU_INFO_PGSIZES, ci.info.flags);
	EXPECT_EQ(sizeof(ci.info), ci.info.cap_offset);
	EXPECT_EQ(0xa5a5U, ci.avail.header.id);

	/* Room for DMA_AVAIL only: it is there, the flag is not */
	ASSERT_EQ(0, get_info(self->fd, &ci,
			      offsetofend(struct compat_info, avail)));
	EXPECT_EQ(full, ci.info.argsz);
	EXPECT_EQ((__u32)VFIO_IOMMU_INFO_PGSIZES, ci.info.flags);
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, ci.avail.header.id);
	EXPECT_EQ(UINT32_MAX, ci.avail.avail);
	EXPECT_EQ(0xa5a5U, ci.range.header.id);

	/* Everything: no domain, so all of the IOVA space */
	ASSERT_EQ(0, get_info(self->fd, &ci, full));
	EXPECT_EQ(full, ci.info.argsz);
	EXPECT_EQ((__u32)(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS),
		  ci.info.flags);
	EXPECT_EQ(sizeof(ci.info), ci.info.cap_offset);
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, ci.avail.header.id);
	EXPECT_EQ(1, ci.avail.header.version);
	EXPECT_EQ(offsetof(struct compat_info, range), ci.avail.header.next);
	EXPECT_EQ(UINT32_MAX, ci.avail.avail);
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, ci.range.header.id);
	EXPECT_EQ(1, ci.range.header.version);
	EXPECT_EQ(0U, ci.range.header.next);
	EXPECT_EQ(1U, ci.range.nr_iovas);
	EXPECT_EQ(0ULL, ci.ranges[0].start);
	EXPECT_EQ(UINT64_MAX, ci.ranges[0].end);

	/* With the mock domain: its page size and its aperture */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, get_info(self->fd, &ci, sizeof(ci)));
	EXPECT_EQ(sizeof(ci), ci.info.argsz);
	EXPECT_EQ(PAGE, ci.info.iova_pgsizes);
	EXPECT_EQ(1U, ci.range.nr_iovas);
	EXPECT_EQ(MOCK_APERTURE_START, ci.ranges[0].start);
	EXPECT_EQ(MOCK_APERTURE_LAST, ci.ranges[0].end);
	EXPECT_EQ(0xa5a5a5a5U, ci.ranges[1].start >> 32);

	/* DMA_AVAIL does not count mappings */
	ASSERT_EQ(0, map_dma(self->fd, MAP_DMA_RW, IOVA, self->buf, PAGE));
	ASSERT_EQ(0, get_info(self->fd, &ci, full));
	EXPECT_EQ(UINT32_MAX, ci.avail.avail);
}

TEST_HARNESS_MAIN
