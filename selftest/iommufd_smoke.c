// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of a production build: the few things every installed
 * iommufd must do, with nothing from the test build (no IOMMU_TEST_CMD,
 * no mock IOMMU, no sample drivers). `make check-deb` runs it on the
 * modules DKMS built from the Debian package; `make check` runs it on
 * the test build as well.
 *
 *   - /dev/iommu: an IOAS, MAP, COPY, UNMAP and DESTROY on real memory;
 *   - a VFIO container on QEMU's edu (bound to vfio-pci by the rig's
 *     /init) that iommufd_vfio serves, with a DMA through it;
 *   - with IOMMUFD_SMOKE_PRODUCTION=1 in the environment (check-deb sets
 *     it), that the module has no test ioctl.
 */
#include "iommufd_utils.h"
#include "vfio_utils.h"

#define BUF_SIZE (4 * SZ_4K)
#define IOVA SZ_1M

static void *buf_alloc(size_t len, int fill)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, fill, len);
	return p;
}

FIXTURE(smoke) {
	int fd;
	void *buf;
};

FIXTURE_SETUP(smoke)
{
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->buf = buf_alloc(BUF_SIZE, 0x5a);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(smoke)
{
	munmap(self->buf, BUF_SIZE);
	close(self->fd);
}

/* MAP, COPY into a second IOAS, UNMAP of both, DESTROY: all undone */
TEST_F(smoke, map_copy_unmap)
{
	__u32 ioas, ioas2;
	__u64 unmapped;

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_NE(ioas, ioas2);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas, self->buf, BUF_SIZE,
				    IOVA));
	/* The range is taken now */
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, ioas, self->buf,
					  SZ_4K, IOVA + SZ_4K));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, ioas2, 2 * IOVA, ioas, IOVA,
				     BUF_SIZE));

	ASSERT_EQ(0, ioas_unmap(self->fd, ioas, IOVA, BUF_SIZE, &unmapped));
	EXPECT_EQ(BUF_SIZE, unmapped);
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, ioas, IOVA, BUF_SIZE, NULL));
	/* The copy holds its own reference to the pages */
	ASSERT_EQ(0, ioas_unmap(self->fd, ioas2, 2 * IOVA, BUF_SIZE,
				&unmapped));
	EXPECT_EQ(BUF_SIZE, unmapped);

	EXPECT_EQ(0, obj_destroy(self->fd, ioas));
	EXPECT_EQ(0, obj_destroy(self->fd, ioas2));
	EXPECT_FALSE(ioas_exists(self->fd, ioas));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, ioas));
}

/* Bad input is refused and leaves the IOAS as it was */
TEST_F(smoke, bad_map)
{
	__u64 iova = IOVA;
	__u32 ioas;

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, ioas, self->buf, 0, IOVA));
	EXPECT_EQ(-EOPNOTSUPP, ioas_map(self->fd, ioas, MAP_FIXED_RW | 1U << 31,
					(uintptr_t)self->buf, BUF_SIZE, &iova));
	EXPECT_EQ(-ENOENT, ioas_map_fixed(self->fd, ioas + 100, self->buf,
					  BUF_SIZE, IOVA));
	/* Nothing got mapped */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, ioas, IOVA, BUF_SIZE, NULL));
	EXPECT_EQ(0, obj_destroy(self->fd, ioas));
}

/* A production build has no IOMMU_TEST_CMD */
TEST_F(smoke, no_test_ioctl)
{
	struct iommu_test_cmd cmd = {};
	const char *prod = getenv("IOMMUFD_SMOKE_PRODUCTION");

	if (!prod || strcmp(prod, "1"))
		SKIP(return, "not told this is a production build");
	EXPECT_EQ(-ENOTTY, test_cmd(self->fd, &cmd));
}

/*
 * A TYPE1v2 container, as QEMU sets it up, taken by iommufd_vfio; edu
 * copies a page through it, and closing it drops every reference.
 */
TEST_F(smoke, vfio_container_dma)
{
	struct vfio_ctr ctr = { .container = -1, .group = -1 };
	struct vfio_edu edu = { .fd = -1 };
	char bdf[32], path[PATH_MAX];
	long refs;
	int group;
	__u8 *dst = (__u8 *)self->buf + SZ_4K;

	ASSERT_EQ(0, vfio_find_pci_nth(EDU_VENDOR, EDU_DEVICE, 0, bdf,
				       sizeof(bdf)));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	group = vfio_group_id_of(path);
	ASSERT_LE(0, group);
	refs = vfio_iommufd_refcnt();
	ASSERT_LE(0, refs);

	/* -EXDEV if vfio_iommu_type1 took it */
	ASSERT_EQ(0, vfio_ctr_open(&ctr, group, VFIO_TYPE1v2_IOMMU,
				   VFIO_BACKEND_IOMMUFD));
	EXPECT_LT(refs, vfio_iommufd_refcnt());
	ASSERT_EQ(0, vfio_edu_open(&edu, ctr.group, bdf));

	memset(dst, 0, SZ_4K);
	ASSERT_EQ(0, vfio_map(ctr.container, IOVA, self->buf, BUF_SIZE,
			      VFIO_RW));
	ASSERT_EQ(0, vfio_edu_copy(&edu, IOVA, IOVA + SZ_4K, SZ_4K));
	EXPECT_EQ(0, memcmp(self->buf, dst, SZ_4K));
	EXPECT_EQ(0x5a, dst[SZ_4K - 1]);

	vfio_edu_close(&edu);
	EXPECT_EQ(0, vfio_unmap(ctr.container, IOVA, BUF_SIZE, 0, NULL));
	vfio_ctr_close(&ctr);
	EXPECT_EQ(refs, vfio_iommufd_refcnt());
}

TEST_HARNESS_MAIN
