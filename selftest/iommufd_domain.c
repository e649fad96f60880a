// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/iommu with mock IOMMU domains attached: what attaching a
 * device does to an IOAS, when user memory gets pinned and how often, how
 * pins are charged, huge pages, the temporary memory limit, IOMMU_HWPT_ALLOC,
 * device replace, and teardown with everything live.
 *
 * Pins are observed with IOMMU_TEST_OP_MD_CHECK_REFS (pin count of every
 * page behind a user range) and translations with IOMMU_TEST_OP_MD_CHECK_MAP
 * (every mock IO page of an IOVA range must lead to the page behind a user
 * pointer). Charges are read from VmPin and VmLck in /proc/self/status.
 *
 * Buffers are private anonymous memory, written before use (so that no page
 * is the shared zero page) and, unless a test is about huge pages, marked
 * MADV_NOHUGEPAGE: MD_CHECK_REFS skips compound pages, so a THP would make a
 * pin-count check pass whatever the count.
 */
#include "iommufd_utils.h"

#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))
/* The mock IOMMU's page: half a CPU page (2048 bytes with 4 KiB pages) */
#define MOCK_PAGE mock_page_size()

/* Fixed IOVAs used below, all inside the mock aperture */
#define IOVA_A MOCK_APERTURE_START
#define IOVA_B (MOCK_APERTURE_START + 0x10000000ULL)
#define IOVA_C (MOCK_APERTURE_START + 0x20000000ULL)

/* The default of IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT */
#define TEMP_LIMIT_DEFAULT 65536

/* Memory every fixture test may map: small pages, 2 MiB aligned */
#define BUF_SIZE SZ_4M

#define NOBODY 65534

/* DEV_CHECK_CACHE: does cache entry @slot of @idev_id hold @value? */
static int dev_check_cache(int fd, __u32 idev_id, __u32 slot, __u32 value)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DEV_CHECK_CACHE,
		.id = idev_id,
		.check_dev_cache = { .id = slot, .cache = value },
	};

	return test_cmd(fd, &cmd);
}

/* === Process state === */

/*
 * Become user and group "nobody" with no capabilities at all: in
 * particular no CAP_IPC_LOCK, which would exempt every pin from
 * accounting. File descriptors and mappings made before stay usable.
 */
static bool drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return false;
	/* Changing the UIDs made us undumpable; keep /proc/self ours */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return proc_status_cap_eff() == 0;
}

static bool set_memlock(rlim_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	return !setrlimit(RLIMIT_MEMLOCK, &rl);
}

/* === Memory === */

/* @npages of address space that is certainly not mapped */
static void *unmapped_va(size_t npages)
{
	void *p = mmap(NULL, npages * PAGE_SZ, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, npages * PAGE_SZ);
	return p;
}

/* === Checks shared by several tests === */

/* Unmap everything there is, whatever its size */
#define EXPECT_UNMAPPED_ALL(fd, ioas_id)				\
	EXPECT_EQ(0, ioas_unmap(fd, ioas_id, 0, UINT64_MAX, NULL))

/* === Fixture: an IOAS with 0, 1 or 2 mock domains === */

/*
 * With two domains, the first is the automatic HWPT of a device attached
 * to the IOAS, the second a manual HWPT (IOMMU_HWPT_ALLOC) with a second
 * device attached to it: automatic attach would have reused the first.
 */
FIXTURE(domain) {
	int fd;
	__u32 ioas_id;
	unsigned int ndomains;
	__u32 stdev_id[2];
	__u32 hwpt_id[2];
	__u32 idev_id[2];
	void *raw;
	size_t raw_size;
	char *buf;	/* BUF_SIZE bytes, small pages, written */
	long vmpin0;	/* VmPin before the test */
};

FIXTURE_VARIANT(domain) {
	unsigned int ndomains;
};

FIXTURE_VARIANT_ADD(domain, no_domain) {
	.ndomains = 0,
};

FIXTURE_VARIANT_ADD(domain, one_domain) {
	.ndomains = 1,
};

FIXTURE_VARIANT_ADD(domain, two_domains) {
	.ndomains = 2,
};

FIXTURE_SETUP(domain)
{
	self->vmpin0 = proc_status_kb("VmPin");
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
	self->buf = alloc_touched(BUF_SIZE, SZ_2M, false, &self->raw,
				  &self->raw_size);
	ASSERT_NE(NULL, self->buf);

	self->ndomains = variant->ndomains;
	if (self->ndomains >= 1)
		ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id,
					 &self->stdev_id[0],
					 &self->hwpt_id[0],
					 &self->idev_id[0]));
	if (self->ndomains >= 2) {
		ASSERT_EQ(0, hwpt_alloc(self->fd, 0, self->idev_id[0],
					self->ioas_id, &self->hwpt_id[1]));
		ASSERT_EQ(0, mock_domain(self->fd, self->hwpt_id[1],
					 &self->stdev_id[1], NULL,
					 &self->idev_id[1]));
	}
}

FIXTURE_TEARDOWN(domain)
{
	int fd;

	/* The limit is global: never leave a test's value behind */
	if (self->fd >= 0) {
		set_temp_memory_limit(self->fd, TEMP_LIMIT_DEFAULT);
		close(self->fd);
	}

	/*
	 * Whatever the test did, closing the fd must leave no page of the
	 * buffer pinned and no pin charged.
	 */
	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd >= 0 && self->buf) {
		EXPECT_EQ(0, md_check_refs(fd, self->buf, BUF_SIZE, 0));
		close(fd);
	}
	EXPECT_EQ(self->vmpin0, proc_status_kb("VmPin"));
	if (self->raw && self->raw != MAP_FAILED)
		munmap(self->raw, self->raw_size);
}

/* Pin count expected for memory mapped once into the fixture's IOAS */
static __u32 fixture_refs(FIXTURE_DATA(domain) *self)
{
	return self->ndomains ? 1 : 0;
}

/* MD_CHECK_MAP on every domain of the fixture's IOAS */
static void expect_mapped_all(struct __test_metadata *_metadata,
			      FIXTURE_DATA(domain) *self, __u64 iova,
			      __u64 length, const void *uptr)
{
	unsigned int i;

	for (i = 0; i != self->ndomains; i++)
		EXPECT_EQ(0, md_check_map(self->fd, self->hwpt_id[i], iova,
					  length, uptr));
}

/* An IOAS of its own, with a domain of its own; returns the HWPT */
static void new_ioas_with_domain(struct __test_metadata *_metadata, int fd,
				 __u32 *ioas_id, __u32 *stdev_id,
				 __u32 *hwpt_id)
{
	ASSERT_EQ(0, ioas_alloc(fd, ioas_id));
	ASSERT_EQ(0, mock_domain(fd, *ioas_id, stdev_id, hwpt_id, NULL));
}

/* === Fixture: an IOAS with nothing attached, for tests that attach === */

FIXTURE(attach) {
	int fd;
	__u32 ioas_id;
	void *raw;
	size_t raw_size;
	char *buf;	/* BUF_SIZE bytes, small pages, written */
};

FIXTURE_SETUP(attach)
{
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
	self->buf = alloc_touched(BUF_SIZE, SZ_2M, false, &self->raw,
				  &self->raw_size);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(attach)
{
	if (self->fd >= 0) {
		set_temp_memory_limit(self->fd, TEMP_LIMIT_DEFAULT);
		close(self->fd);
	}
	if (self->raw && self->raw != MAP_FAILED)
		munmap(self->raw, self->raw_size);
}

/* === 1. What attaching does to the IOAS === */

TEST_F(attach, ranges_follow_the_aperture)
{
	__u32 stdev_id, hwpt_id, idev_id;

	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, &idev_id));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);

	/* Outside the aperture is now reserved: FIXED maps there fail */
	EXPECT_EQ(-EINVAL,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				 MOCK_APERTURE_START - PAGE_SZ));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  PAGE_SZ, MOCK_APERTURE_LAST + 1));
	/* Straddling either edge too */
	EXPECT_EQ(-EINVAL,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				 2 * PAGE_SZ, MOCK_APERTURE_START - PAGE_SZ));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  2 * PAGE_SZ,
					  MOCK_APERTURE_LAST + 1 - PAGE_SZ));
	/* The first and the last page of the aperture are fine */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				    MOCK_APERTURE_START));
	EXPECT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf + PAGE_SZ,
				 PAGE_SZ, MOCK_APERTURE_LAST + 1 - PAGE_SZ));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, MOCK_APERTURE_START,
				  PAGE_SZ, self->buf));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id,
				  MOCK_APERTURE_LAST + 1 - PAGE_SZ, PAGE_SZ,
				  self->buf + PAGE_SZ));
	/* Lengths only need the mock page alignment */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    MOCK_PAGE, IOVA_B));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  MOCK_PAGE / 2, IOVA_C));
	/* and memory at a mock page offset within its CPU page */
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
					  self->buf + 512, MOCK_PAGE, IOVA_C));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    self->buf + MOCK_PAGE, MOCK_PAGE, IOVA_C));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_C, MOCK_PAGE,
				  self->buf + MOCK_PAGE));

	/* The device gone, the automatic HWPT goes and the IOAS is free */
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				    0));
}

TEST_F(attach, auto_iova_lands_in_the_aperture)
{
	__u64 iova;
	int i;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL, NULL));
	for (i = 0; i != 4; i++) {
		ASSERT_EQ(0,
			  ioas_map_auto(self->fd, self->ioas_id,
					self->buf + i * SZ_1M, SZ_1M, &iova));
		EXPECT_LE(MOCK_APERTURE_START, iova);
		EXPECT_GE(MOCK_APERTURE_LAST, iova + SZ_1M - 1);
	}
}

TEST_F(attach, ids_are_distinct_and_auto_hwpt_is_shared)
{
	__u32 stdev[2], hwpt[2], idev[2];

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev[0],
				 &hwpt[0], &idev[0]));
	EXPECT_NE(0U, stdev[0]);
	EXPECT_NE(0U, hwpt[0]);
	EXPECT_NE(0U, idev[0]);
	EXPECT_NE(self->ioas_id, stdev[0]);
	EXPECT_NE(self->ioas_id, hwpt[0]);
	EXPECT_NE(self->ioas_id, idev[0]);
	EXPECT_NE(stdev[0], hwpt[0]);
	EXPECT_NE(stdev[0], idev[0]);
	EXPECT_NE(hwpt[0], idev[0]);

	/* A second device on the same IOAS reuses the automatic HWPT */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev[1],
				 &hwpt[1], &idev[1]));
	EXPECT_EQ(hwpt[0], hwpt[1]);
	EXPECT_NE(stdev[0], stdev[1]);
	EXPECT_NE(idev[0], idev[1]);
	EXPECT_NE(stdev[1], idev[1]);
	EXPECT_NE(hwpt[0], stdev[1]);
	EXPECT_NE(hwpt[0], idev[1]);

	/* Still one domain's view of the IOAS */
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);

	/* The HWPT stays while either device is attached */
	EXPECT_EQ(0, obj_destroy(self->fd, stdev[0]));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, hwpt[0]));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, obj_destroy(self->fd, stdev[1]));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt[0]));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
}

TEST_F(attach, destroy_ordering)
{
	__u32 stdev_id, hwpt_id, idev_id;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, &idev_id));

	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, self->ioas_id));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, hwpt_id));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, idev_id));
	/* None of the refusals changed anything */
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	/* The device, its automatic HWPT and the pins went with it */
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, idev_id));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_id));
	EXPECT_EQ(-ENOENT, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M,
					self->buf));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
	EXPECT_FALSE(ioas_exists(self->fd, self->ioas_id));
}

TEST_F(attach, mapping_outside_aperture_eaddrinuse)
{
	static const __u64 outside[] = {
		0,					/* below */
		MOCK_APERTURE_START - 0x1000,		/* last page below */
		MOCK_APERTURE_START - 0x1000,		/* straddles start */
		MOCK_APERTURE_LAST + 1,			/* just above */
		MOCK_APERTURE_LAST + 1 - 0x1000,	/* straddles end */
		1ULL << 40,				/* far above */
	};
	__u64 lengths[] = { 0x1000, 0x1000, 0x2000, 0x1000, 0x2000, 0x1000 };
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(outside); i++) {
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					    lengths[i], outside[i]));
		EXPECT_EQ(-EADDRINUSE, mock_domain(self->fd, self->ioas_id,
						   NULL, NULL, NULL));
		/* Nothing changed: no domain, the mapping is still there */
		expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
		EXPECT_EQ(0,
			  md_check_refs(self->fd, self->buf, 2 * PAGE_SZ, 0));
		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, outside[i],
				   lengths[i]);
	}

	/* Inside the aperture the same mapping is fine */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, 0x2000,
				    MOCK_APERTURE_START));
	EXPECT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL, NULL));
}

TEST_F(attach, allowed_range_outside_aperture_eaddrinuse)
{
	__u32 stdev_id;

	ASSERT_EQ(0, ioas_allow_range(self->fd, self->ioas_id, 0x1000, 0x1fff));
	EXPECT_EQ(-EADDRINUSE, mock_domain(self->fd, self->ioas_id, NULL,
					   NULL, NULL));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);

	ASSERT_EQ(0, ioas_allow_range(self->fd, self->ioas_id,
				      MOCK_APERTURE_LAST - 0xfff,
				      MOCK_APERTURE_LAST + 0x1000));
	EXPECT_EQ(-EADDRINUSE, mock_domain(self->fd, self->ioas_id, NULL,
					   NULL, NULL));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);

	/* An allowed range inside the aperture does not conflict */
	ASSERT_EQ(0, ioas_allow_range(self->fd, self->ioas_id, IOVA_B,
				      IOVA_B + SZ_1M - 1));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, NULL,
				 NULL));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	/* While attached, allowing outside the aperture conflicts */
	EXPECT_EQ(-EADDRINUSE, ioas_allow_range(self->fd, self->ioas_id, 0x1000,
						0x1fff));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, ioas_allow_range(self->fd, self->ioas_id, 0x1000, 0x1fff));
}

TEST_F(attach, misaligned_area_eaddrinuse)
{
	/* Fine with no domain (alignment 1); not a multiple of 2048 */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, 1000,
				    IOVA_A));
	EXPECT_EQ(-EADDRINUSE, mock_domain(self->fd, self->ioas_id, NULL,
					   NULL, NULL));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, 1000);

	/* A misaligned IOVA is no better */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    MOCK_PAGE, IOVA_A + 512));
	EXPECT_EQ(-EADDRINUSE, mock_domain(self->fd, self->ioas_id, NULL,
					   NULL, NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A + 512, MOCK_PAGE);

	/* Nor a user_va that is misaligned within its page */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + 512,
				    MOCK_PAGE, IOVA_A));
	EXPECT_EQ(-EADDRINUSE, mock_domain(self->fd, self->ioas_id, NULL,
					   NULL, NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, MOCK_PAGE);

	/* Half a page, mock page aligned, is fine */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    self->buf + MOCK_PAGE, MOCK_PAGE,
				    IOVA_A + MOCK_PAGE));
	EXPECT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL, NULL));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, PAGE_SZ, 1));
}

TEST_F(attach, bad_pt_ids)
{
	__u32 stdev_id, hwpt_id, idev_id;

	EXPECT_EQ(-ENOENT, mock_domain(self->fd, 0, NULL, NULL, NULL));
	EXPECT_EQ(-ENOENT, mock_domain(self->fd, 0xfffff, NULL, NULL, NULL));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, &idev_id));
	/* Objects that are neither an IOAS nor a paging HWPT */
	EXPECT_EQ(-EINVAL, mock_domain(self->fd, stdev_id, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, mock_domain(self->fd, idev_id, NULL, NULL, NULL));

	/* The failed attempts left nothing behind that holds the IOAS */
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
}

TEST_F(attach, attach_pins_and_fails_on_bad_user_va)
{
	void *hole = unmapped_va(4);
	__u32 stdev_id, hwpt_id;

	ASSERT_NE(NULL, hole);
	/* With no domain a MAP records the range without looking at it */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, hole, 4 * PAGE_SZ,
				    IOVA_B));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_1M,
				    SZ_1M, IOVA_C));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 0));

	/* Attaching pins, and fails on the bogus range */
	EXPECT_EQ(-EFAULT, mock_domain(self->fd, self->ioas_id, NULL, NULL,
				       NULL));
	/* All undone: nothing pinned, no domain, every mapping kept */
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 0));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_B, 4 * PAGE_SZ);
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, NULL));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 1));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_C, SZ_1M,
				  self->buf + SZ_1M));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, SZ_1M, 1));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 0));
}

/* === 2. Pinning: once per page set, whatever the number of domains === */

TEST_F(domain, map_pins_once)
{
	__u32 refs = fixture_refs(self);
	__u64 iova;

	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, refs));
	/* Only the mapped pages */
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, SZ_1M, 0));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);

	/* Automatic IOVA, a single page */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf + SZ_2M,
				   PAGE_SZ, &iova));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_2M, PAGE_SZ, refs));
	expect_mapped_all(_metadata, self, iova, PAGE_SZ, self->buf + SZ_2M);

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_2M, PAGE_SZ, refs));
	/* Unmapped IOVA is gone from every domain */
	if (self->ndomains)
		EXPECT_EQ(-EINVAL, md_check_map(self->fd, self->hwpt_id[0],
						IOVA_A, MOCK_PAGE, self->buf));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, PAGE_SZ);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * Two MAPs of the same memory are two page sets, each pinning on its own:
 * the pin count is the number of page sets with a domain to fill.
 */
TEST_F(domain, same_memory_mapped_twice)
{
	__u32 refs = fixture_refs(self);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_B));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 2 * refs));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);
	expect_mapped_all(_metadata, self, IOVA_B, SZ_1M, self->buf);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, refs));
	expect_mapped_all(_metadata, self, IOVA_B, SZ_1M, self->buf);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_B, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
}

/*
 * A mapping that starts half way into a page: the IOMMU maps mock pages,
 * so the first and last CPU pages are only half used, but all three are
 * pinned.
 */
TEST_F(domain, map_at_half_page_offset)
{
	__u32 refs = fixture_refs(self);
	__u64 iova;

	ASSERT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf + MOCK_PAGE,
				 2 * PAGE_SZ, IOVA_A));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 3 * PAGE_SZ, refs));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 3 * PAGE_SZ, PAGE_SZ,
				   0));
	expect_mapped_all(_metadata, self, IOVA_A, 2 * PAGE_SZ,
			  self->buf + MOCK_PAGE);

	/* Automatic IOVA keeps the offset within the page */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id,
				   self->buf + SZ_1M + MOCK_PAGE, MOCK_PAGE,
				   &iova));
	EXPECT_EQ(MOCK_PAGE, iova % PAGE_SZ);
	expect_mapped_all(_metadata, self, iova, MOCK_PAGE,
			  self->buf + SZ_1M + MOCK_PAGE);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, PAGE_SZ, refs));

	/* Two areas of two page sets sharing one page: two pins on it */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_1M,
				    MOCK_PAGE, IOVA_B));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, PAGE_SZ,
				   2 * refs));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, MOCK_PAGE);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, PAGE_SZ, refs));

	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/*
 * COPY maps the source's page set again: a destination IOAS with a domain
 * of its own shares the pins. Unmapping either side keeps the other.
 */
TEST_F(domain, copy_shares_pins)
{
	__u32 dst_ioas, dst_stdev, dst_hwpt;

	new_ioas_with_domain(_metadata, self->fd, &dst_ioas, &dst_stdev,
			     &dst_hwpt);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_B, self->ioas_id,
				     IOVA_A, SZ_1M));
	/* With no source domain the destination's domain did the pinning */
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);
	EXPECT_EQ(0,
		  md_check_map(self->fd, dst_hwpt, IOVA_B, SZ_1M, self->buf));

	/* A second copy within the destination changes nothing either */
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_C, dst_ioas,
				     IOVA_B, SZ_1M));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0,
		  md_check_map(self->fd, dst_hwpt, IOVA_C, SZ_1M, self->buf));
	EXPECT_UNMAP_EXACT(self->fd, dst_ioas, IOVA_C, SZ_1M);

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0,
		  md_check_map(self->fd, dst_hwpt, IOVA_B, SZ_1M, self->buf));

	EXPECT_UNMAP_EXACT(self->fd, dst_ioas, IOVA_B, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));

	/* And the other way round: the copy goes first */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_B, self->ioas_id,
				     IOVA_A, SZ_1M));
	EXPECT_UNMAP_EXACT(self->fd, dst_ioas, IOVA_B, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M,
				   fixture_refs(self)));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
}

/*
 * Copying part of an area: once the source goes, only the pages the copy
 * covers stay pinned.
 */
TEST_F(domain, partial_copy_keeps_only_its_pages)
{
	__u32 dst_ioas, dst_stdev, dst_hwpt;
	size_t quarter = SZ_1M / 4;

	new_ioas_with_domain(_metadata, self->fd, &dst_ioas, &dst_stdev,
			     &dst_hwpt);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	/* The middle half, and a piece that starts half way into a page */
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_B, self->ioas_id,
				     IOVA_A + quarter, 2 * quarter));
	ASSERT_EQ(0,
		  ioas_copy_fixed(self->fd, dst_ioas, IOVA_C + MOCK_PAGE,
				  self->ioas_id, IOVA_A + MOCK_PAGE, PAGE_SZ));
	EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt, IOVA_B, 2 * quarter,
				  self->buf + quarter));
	EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt, IOVA_C + MOCK_PAGE,
				  PAGE_SZ, self->buf + MOCK_PAGE));
	if (self->ndomains) {
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	} else {
		/* Only what the destination's domain uses is pinned. */
		EXPECT_EQ(0,
			  md_check_refs(self->fd, self->buf, 2 * PAGE_SZ, 1));
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 2 * PAGE_SZ,
					   quarter - 2 * PAGE_SZ, 0));
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf + quarter,
					   2 * quarter, 1));
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 3 * quarter,
					   quarter, 0));
	}

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, 2 * PAGE_SZ, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 2 * PAGE_SZ,
				   quarter - 2 * PAGE_SZ, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + quarter, 2 * quarter,
				   1));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + 3 * quarter, quarter,
				   0));
	EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt, IOVA_B, 2 * quarter,
				  self->buf + quarter));
	EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt, IOVA_C + MOCK_PAGE,
				  PAGE_SZ, self->buf + MOCK_PAGE));

	EXPECT_UNMAPPED_ALL(self->fd, dst_ioas);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
}

/*
 * Domains come and go under live mappings: pins follow whether any domain
 * is left, never how many there are.
 */
TEST_F(domain, detach_unpins_and_attach_pins)
{
	__u32 stdev_id, hwpt_id;
	unsigned int i;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_2M,
				    SZ_1M, IOVA_B));

	/* The devices go, then the manual HWPT of the second one */
	for (i = self->ndomains; i--;) {
		EXPECT_EQ(0, obj_destroy(self->fd, self->stdev_id[i]));
		/* The manual HWPT of the second variant still pins */
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M,
					   self->ndomains == 2 ? 1 : 0));
		if (i == 1) {
			/* Manual: still there, still mapping, still pinning */
			EXPECT_EQ(0, md_check_map(self->fd, self->hwpt_id[1],
						  IOVA_A, SZ_1M, self->buf));
			EXPECT_EQ(-EBUSY, obj_destroy(self->fd,
						      self->ioas_id));
		}
	}
	if (self->ndomains == 2) {
		/* The automatic HWPT went with its device; this one stays */
		EXPECT_EQ(-ENOENT, obj_destroy(self->fd, self->hwpt_id[0]));
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
		EXPECT_EQ(0, obj_destroy(self->fd, self->hwpt_id[1]));
	}
	self->ndomains = 0;
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);

	/* Attach again: the mappings left are pinned and mapped again */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_2M, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, SZ_1M, 0));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_1M,
				  self->buf + SZ_2M));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/* A domain added to an IOAS that already has several is filled from them */
TEST_F(domain, added_domain_gets_every_mapping)
{
	__u32 helper_ioas, helper_idev, hwpt_id;

	/* A device of its own to allocate with, attached elsewhere */
	ASSERT_EQ(0, ioas_alloc(self->fd, &helper_ioas));
	ASSERT_EQ(0, mock_domain(self->fd, helper_ioas, NULL, NULL,
				 &helper_idev));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id,
				 self->buf + SZ_1M + MOCK_PAGE, SZ_1M, IOVA_B));

	ASSERT_EQ(0, hwpt_alloc(self->fd, 0, helper_idev, self->ioas_id,
				&hwpt_id));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_1M,
				  self->buf + SZ_1M + MOCK_PAGE));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M + PAGE_SZ, 1));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);

	/* New maps reach it too */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    self->buf + SZ_2M + SZ_1M, SZ_1M, IOVA_C));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_C, SZ_1M,
				  self->buf + SZ_2M + SZ_1M));

	EXPECT_EQ(0, obj_destroy(self->fd, hwpt_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M + PAGE_SZ,
				   fixture_refs(self)));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_2M + PAGE_SZ,
				   SZ_1M - PAGE_SZ, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_2M + SZ_1M, SZ_1M,
				   fixture_refs(self)));
	expect_mapped_all(_metadata, self, IOVA_B, SZ_1M,
			  self->buf + SZ_1M + MOCK_PAGE);
}

TEST_F(attach, check_ops_bad_args)
{
	__u32 stdev_id, hwpt_id, idev_id;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, &idev_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));

	/* MD_CHECK_MAP wants a paging HWPT */
	EXPECT_EQ(-ENOENT, md_check_map(self->fd, self->ioas_id, IOVA_A, SZ_1M,
					self->buf));
	EXPECT_EQ(-ENOENT, md_check_map(self->fd, stdev_id, IOVA_A, SZ_1M,
					self->buf));
	EXPECT_EQ(-ENOENT, md_check_map(self->fd, idev_id, IOVA_A, SZ_1M,
					self->buf));
	EXPECT_EQ(-ENOENT, md_check_map(self->fd, 0, IOVA_A, SZ_1M, self->buf));
	/* Mock page alignment of iova, length and uptr */
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_A + 8,
					MOCK_PAGE, self->buf + 8));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_A,
					MOCK_PAGE + 8, self->buf));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_A, MOCK_PAGE,
					self->buf + 8));
	/* Wrong memory, or beyond what is mapped */
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M,
					self->buf + PAGE_SZ));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M,
					self->buf + MOCK_PAGE));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_A,
					SZ_1M + MOCK_PAGE, self->buf));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id, IOVA_B, MOCK_PAGE,
					self->buf));
	/* A sub-range, starting half way into a page, is fine */
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A + MOCK_PAGE,
				  PAGE_SZ, self->buf + MOCK_PAGE));

	/* MD_CHECK_REFS wants page alignment */
	EXPECT_EQ(-EINVAL, md_check_refs(self->fd, self->buf + MOCK_PAGE,
					 PAGE_SZ, 1));
	EXPECT_EQ(-EINVAL, md_check_refs(self->fd, self->buf, MOCK_PAGE, 1));
	/* and says EIO for a wrong count */
	EXPECT_EQ(-EIO, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(-EIO, md_check_refs(self->fd, self->buf, SZ_1M, 2));
	EXPECT_EQ(-EIO, md_check_refs(self->fd, self->buf, SZ_1M + PAGE_SZ, 1));
}

/* === 3. Pinning errors: nothing is left mapped or pinned === */

TEST_F(domain, map_unmapped_user_va)
{
	void *hole = unmapped_va(4);
	char *gap;

	ASSERT_NE(NULL, hole);
	if (!self->ndomains) {
		/* Nothing looks at the memory yet */
		EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, hole,
					    4 * PAGE_SZ, IOVA_A));
		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A,
				   4 * PAGE_SZ);
		return;
	}
	EXPECT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas_id, hole,
					  4 * PAGE_SZ, IOVA_A));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
	/* The IOVA is free again */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, IOVA_A,
				      4 * PAGE_SZ, NULL));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    4 * PAGE_SZ, IOVA_A));
	expect_mapped_all(_metadata, self, IOVA_A, 4 * PAGE_SZ, self->buf);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, 4 * PAGE_SZ);

	/*
	 * Good memory with a hole after 1 MiB: the pages before the hole
	 * get pinned (and mapped) first, and must be released again.
	 */
	gap = self->buf + SZ_1M;
	ASSERT_EQ(0, munmap(gap, PAGE_SZ));
	EXPECT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_2M, IOVA_A));
	EXPECT_EQ(-EFAULT,
		  ioas_map_fixed(self->fd, self->ioas_id, gap - MOCK_PAGE,
				 2 * PAGE_SZ, IOVA_B));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(0,
		  md_check_refs(self->fd, gap + PAGE_SZ, SZ_1M - PAGE_SZ, 0));
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, self->hwpt_id[0], IOVA_A,
					MOCK_PAGE, self->buf));
	/* Both IOVA ranges can be mapped again */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, gap + PAGE_SZ,
				    SZ_1M, IOVA_B));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, gap + PAGE_SZ, SZ_1M, 1));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);
	expect_mapped_all(_metadata, self, IOVA_B, SZ_1M, gap + PAGE_SZ);

	/* Fill the hole again, for the teardown's check of the buffer */
	ASSERT_EQ(gap, mmap(gap, PAGE_SZ, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
}

/*
 * A WRITEABLE mapping pins with FOLL_WRITE, which read-only memory refuses
 * (EFAULT from GUP). A read-only mapping of it is fine.
 */
TEST_F(domain, map_writeable_of_read_only_memory)
{
	char *ro = self->buf + SZ_2M;
	__u64 iova;

	/* The second half of the buffer becomes read-only (and is written) */
	ASSERT_EQ(0, mprotect(ro, SZ_2M, PROT_READ));

	if (!self->ndomains) {
		EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, ro, SZ_1M,
					    IOVA_A));
		EXPECT_EQ(0, md_check_refs(self->fd, ro, SZ_1M, 0));
		return;
	}
	EXPECT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas_id, ro, SZ_1M,
					  IOVA_A));
	EXPECT_EQ(-EFAULT,
		  ioas_map(self->fd, self->ioas_id, IOMMU_IOAS_MAP_WRITEABLE,
			   (uintptr_t)ro, SZ_1M, &(__u64){ 0 }));
	/* Writable memory first, read-only after it */
	EXPECT_EQ(-EFAULT, ioas_map_fixed(self->fd, self->ioas_id, ro - SZ_1M,
					  SZ_2M, IOVA_A));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));

	/* Read-only mappings pin without FOLL_WRITE */
	iova = IOVA_A;
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
				      IOMMU_IOAS_MAP_READABLE,
			      (uintptr_t)ro, SZ_1M, &iova));
	EXPECT_EQ(0, md_check_refs(self->fd, ro, SZ_1M, 1));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, ro);
	/* and cannot be copied into a writeable one */
	EXPECT_EQ(-EPERM, ioas_copy_fixed(self->fd, self->ioas_id, IOVA_B,
					  self->ioas_id, IOVA_A, SZ_1M));
	EXPECT_EQ(0, md_check_refs(self->fd, ro, SZ_1M, 1));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, ro, SZ_1M, 0));
}

/* === 4. Accounting: VmPin, and locked_vm against RLIMIT_MEMLOCK === */

#define KB(bytes) ((long)((bytes) / 1024))

TEST_F(domain, vmpin_follows_page_sets)
{
	long pin0 = proc_status_kb("VmPin"), lck0 = proc_status_kb("VmLck");
	long per_map = self->ndomains ? KB(SZ_1M) : 0;
	__u32 plain_ioas, dom_ioas, dom_stdev, dom_hwpt;

	ASSERT_LE(0, pin0);
	ASSERT_LE(0, lck0);
	ASSERT_EQ(0, ioas_alloc(self->fd, &plain_ioas));
	new_ioas_with_domain(_metadata, self->fd, &dom_ioas, &dom_stdev,
			     &dom_hwpt);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	EXPECT_EQ(pin0 + per_map, proc_status_kb("VmPin"));

	/* COPY reuses the page set: nothing new to charge */
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, plain_ioas, IOVA_A,
				     self->ioas_id, IOVA_A, SZ_1M));
	EXPECT_EQ(pin0 + per_map, proc_status_kb("VmPin"));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dom_ioas, IOVA_A, self->ioas_id,
				     IOVA_A, SZ_1M));
	/* charged once, by whichever domain pinned first */
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));

	/* A second MAP of the same memory is another page set */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_B));
	EXPECT_EQ(pin0 + KB(SZ_1M) + per_map, proc_status_kb("VmPin"));

	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));
	EXPECT_UNMAPPED_ALL(self->fd, dom_ioas);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAPPED_ALL(self->fd, plain_ioas);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));

	/* Root has CAP_IPC_LOCK: nothing went to the process's locked_vm */
	EXPECT_EQ(lck0, proc_status_kb("VmLck"));
}

/* Skip unless we can become someone without CAP_IPC_LOCK */
#define REQUIRE_ROOT()							\
	do {								\
		if (geteuid() != 0)					\
			SKIP(return, "needs root to drop privileges");	\
	} while (0)

/*
 * Per-user accounting (the default) for a process without CAP_IPC_LOCK:
 * pins are charged to the user's locked_vm against RLIMIT_MEMLOCK, VmPin
 * grows, VmLck does not. This assumes nothing else charges user "nobody"
 * while it runs.
 */
TEST(rlimit_user_mode)
{
	__u32 ioas_id, ioas2, ioas3, stdev_id, hwpt_id;
	long pin0, lck0;
	size_t raw_size;
	void *raw;
	char *buf;
	int fd;

	REQUIRE_ROOT();
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	buf = alloc_touched(SZ_4M, SZ_2M, false, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	ASSERT_TRUE(set_memlock(SZ_1M));
	ASSERT_TRUE(drop_privileges());

	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));
	ASSERT_EQ(0, mock_domain(fd, ioas_id, &stdev_id, &hwpt_id, NULL));
	pin0 = proc_status_kb("VmPin");
	lck0 = proc_status_kb("VmLck");
	ASSERT_LE(0, pin0);

	/* Over the limit: ENOMEM, and nothing pinned or charged */
	EXPECT_EQ(-ENOMEM, ioas_map_fixed(fd, ioas_id, buf, SZ_2M, IOVA_A));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_2M, 0));
	EXPECT_UNMAP_ALL(fd, ioas_id, 0);

	/* Under it */
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas_id, buf, SZ_1M / 2, IOVA_A));
	EXPECT_EQ(pin0 + KB(SZ_1M / 2), proc_status_kb("VmPin"));
	EXPECT_EQ(lck0, proc_status_kb("VmLck"));
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_1M / 2, 1));
	EXPECT_EQ(0, md_check_map(fd, hwpt_id, IOVA_A, SZ_1M / 2, buf));

	/* 768 KiB alone would fit; on top of the 512 KiB it does not */
	EXPECT_EQ(-ENOMEM, ioas_map_fixed(fd, ioas_id, buf + SZ_1M,
					  3 * SZ_1M / 4, IOVA_B));
	EXPECT_EQ(pin0 + KB(SZ_1M / 2), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(fd, buf + SZ_1M, 3 * SZ_1M / 4, 0));
	/* Up to the limit exactly is allowed */
	EXPECT_EQ(0,
		  ioas_map_fixed(fd, ioas_id, buf + SZ_1M, SZ_1M / 2, IOVA_B));
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));
	EXPECT_EQ(-ENOMEM,
		  ioas_map_fixed(fd, ioas_id, buf + SZ_2M, PAGE_SZ, IOVA_C));

	/* COPY into another domain charges nothing: it would not fit */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas3));
	ASSERT_EQ(0, mock_domain(fd, ioas3, NULL, NULL, NULL));
	EXPECT_EQ(0, ioas_copy_fixed(fd, ioas3, IOVA_A, ioas_id, IOVA_A,
				     SZ_1M / 2));
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));

	EXPECT_UNMAPPED_ALL(fd, ioas_id);
	EXPECT_EQ(pin0 + KB(SZ_1M / 2), proc_status_kb("VmPin"));
	EXPECT_UNMAPPED_ALL(fd, ioas3);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_4M, 0));

	/* Attaching is where an unpinned MAP gets charged, and can fail */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas2, buf, SZ_2M, IOVA_A));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(-ENOMEM, mock_domain(fd, ioas2, NULL, NULL, NULL));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(fd, buf, SZ_2M, 0));
	expect_no_domain_ranges(_metadata, fd, ioas2);
	EXPECT_UNMAP_EXACT(fd, ioas2, IOVA_A, SZ_2M);
	EXPECT_EQ(lck0, proc_status_kb("VmLck"));

	close(fd);
	munmap(raw, raw_size);
}

/*
 * Per-process accounting (RLIMIT_MODE 1, set as root on an empty context):
 * pins go to the process's locked_vm, seen as VmLck, against the same
 * limit. A context in the default mode next to it charges no VmLck.
 */
TEST(rlimit_mm_mode)
{
	__u32 mm_ioas, user_ioas, mm_hwpt;
	long pin0, lck0;
	int mm_fd, user_fd;
	size_t raw_size;
	void *raw;
	char *buf;

	REQUIRE_ROOT();
	mm_fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, mm_fd);
	user_fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, user_fd);
	ASSERT_EQ(0, option_set(mm_fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	buf = alloc_touched(SZ_4M, SZ_2M, false, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	ASSERT_TRUE(set_memlock(SZ_1M));
	ASSERT_TRUE(drop_privileges());

	ASSERT_EQ(0, ioas_alloc(mm_fd, &mm_ioas));
	ASSERT_EQ(0, mock_domain(mm_fd, mm_ioas, NULL, &mm_hwpt, NULL));
	ASSERT_EQ(0, ioas_alloc(user_fd, &user_ioas));
	ASSERT_EQ(0, mock_domain(user_fd, user_ioas, NULL, NULL, NULL));
	pin0 = proc_status_kb("VmPin");
	lck0 = proc_status_kb("VmLck");
	ASSERT_LE(0, pin0);
	ASSERT_LE(0, lck0);

	EXPECT_EQ(-ENOMEM, ioas_map_fixed(mm_fd, mm_ioas, buf, SZ_2M, IOVA_A));
	EXPECT_EQ(lck0, proc_status_kb("VmLck"));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));

	ASSERT_EQ(0, ioas_map_fixed(mm_fd, mm_ioas, buf, SZ_1M / 2, IOVA_A));
	EXPECT_EQ(lck0 + KB(SZ_1M / 2), proc_status_kb("VmLck"));
	EXPECT_EQ(pin0 + KB(SZ_1M / 2), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(mm_fd, mm_hwpt, IOVA_A, SZ_1M / 2, buf));

	EXPECT_EQ(-ENOMEM, ioas_map_fixed(mm_fd, mm_ioas, buf + SZ_1M,
					  3 * SZ_1M / 4, IOVA_B));
	EXPECT_EQ(lck0 + KB(SZ_1M / 2), proc_status_kb("VmLck"));
	EXPECT_EQ(pin0 + KB(SZ_1M / 2), proc_status_kb("VmPin"));

	/* The per-user context: VmPin grows, VmLck does not */
	ASSERT_EQ(0, ioas_map_fixed(user_fd, user_ioas, buf + SZ_2M, SZ_1M / 4,
				    IOVA_A));
	EXPECT_EQ(lck0 + KB(SZ_1M / 2), proc_status_kb("VmLck"));
	EXPECT_EQ(pin0 + KB(3 * SZ_1M / 4), proc_status_kb("VmPin"));

	EXPECT_UNMAPPED_ALL(mm_fd, mm_ioas);
	EXPECT_EQ(lck0, proc_status_kb("VmLck"));
	EXPECT_EQ(pin0 + KB(SZ_1M / 4), proc_status_kb("VmPin"));
	/* Closing uncharges too */
	close(user_fd);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(mm_fd, buf, SZ_4M, 0));

	close(mm_fd);
	munmap(raw, raw_size);
}

/* CAP_IPC_LOCK exempts from accounting in both modes; VmPin still counts */
TEST(rlimit_cap_ipc_lock_not_charged)
{
	__u32 ioas_id, mm_ioas, hwpt_id;
	long pin0, lck0;
	int fd, mm_fd;
	size_t raw_size;
	void *raw;
	char *buf;

	if (!(proc_status_cap_eff() & (1ULL << 14)))	/* CAP_IPC_LOCK */
		SKIP(return, "needs CAP_IPC_LOCK");
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	mm_fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, mm_fd);
	if (option_set(mm_fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1))
		SKIP(return, "needs CAP_SYS_RESOURCE");
	buf = alloc_touched(SZ_4M, SZ_2M, false, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	ASSERT_TRUE(set_memlock(SZ_1M));

	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));
	ASSERT_EQ(0, mock_domain(fd, ioas_id, NULL, &hwpt_id, NULL));
	ASSERT_EQ(0, ioas_alloc(mm_fd, &mm_ioas));
	ASSERT_EQ(0, mock_domain(mm_fd, mm_ioas, NULL, NULL, NULL));
	pin0 = proc_status_kb("VmPin");
	lck0 = proc_status_kb("VmLck");

	ASSERT_EQ(0, ioas_map_fixed(fd, ioas_id, buf, SZ_2M, IOVA_A));
	EXPECT_EQ(0, md_check_map(fd, hwpt_id, IOVA_A, SZ_2M, buf));
	ASSERT_EQ(0,
		  ioas_map_fixed(mm_fd, mm_ioas, buf + SZ_2M, SZ_2M, IOVA_A));
	EXPECT_EQ(pin0 + KB(SZ_4M), proc_status_kb("VmPin"));
	EXPECT_EQ(lck0, proc_status_kb("VmLck"));

	EXPECT_UNMAPPED_ALL(fd, ioas_id);
	EXPECT_UNMAPPED_ALL(mm_fd, mm_ioas);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	close(mm_fd);
	close(fd);
	munmap(raw, raw_size);
}

/*
 * One more (manual) domain on @ioas_id, allocated for a new device with
 * @dev_flags. The device itself is attached to an IOAS of its own.
 */
static void extra_domain(struct __test_metadata *_metadata, int fd,
			 __u32 ioas_id, __u32 dev_flags, __u32 *hwpt_id)
{
	__u32 helper_ioas, idev_id;

	ASSERT_EQ(0, ioas_alloc(fd, &helper_ioas));
	ASSERT_EQ(0, mock_domain_flags(fd, helper_ioas, dev_flags, NULL, NULL,
				       &idev_id));
	ASSERT_EQ(0, hwpt_alloc(fd, 0, idev_id, ioas_id, hwpt_id));
}

/* === 5. Huge pages: THP and hugetlbfs memory, 1 MiB IOMMU pages === */

TEST_F(domain, thp_memory)
{
	__u32 huge_hwpt, ioas2, hwpt2;
	long pin0 = proc_status_kb("VmPin");
	size_t raw_size;
	void *raw;
	char *thp;

	thp = alloc_touched(SZ_4M, SZ_2M, true, &raw, &raw_size);
	ASSERT_NE(NULL, thp);
	/* A domain with 1 MiB pages as well; the IOAS alignment stays */
	extra_domain(_metadata, self->fd, self->ioas_id,
		     MOCK_FLAGS_DEVICE_HUGE_IOVA, &huge_hwpt);
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);

	ASSERT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, thp, SZ_4M, IOVA_A));
	/* Not 1 MiB aligned in IOVA, though the memory is */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, thp + PAGE_SZ,
				    SZ_2M, IOVA_B + PAGE_SZ));
	/* Half a page in */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, thp + MOCK_PAGE,
				    SZ_1M, IOVA_C + MOCK_PAGE));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_4M, thp);
	expect_mapped_all(_metadata, self, IOVA_B + PAGE_SZ, SZ_2M,
			  thp + PAGE_SZ);
	expect_mapped_all(_metadata, self, IOVA_C + MOCK_PAGE, SZ_1M,
			  thp + MOCK_PAGE);
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_A, SZ_4M, thp));
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_B + PAGE_SZ, SZ_2M,
				  thp + PAGE_SZ));
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_C + MOCK_PAGE,
				  SZ_1M, thp + MOCK_PAGE));
	/* Three page sets, each charged per page; the last has 257 pages */
	EXPECT_EQ(pin0 + KB(SZ_4M + SZ_2M + SZ_1M + PAGE_SZ),
		  proc_status_kb("VmPin"));

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_B + PAGE_SZ, SZ_2M);
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_A, SZ_4M, thp));
	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, obj_destroy(self->fd, huge_hwpt));

	/* An IOAS whose only domain has 1 MiB pages, through auto attach */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, mock_domain_flags(self->fd, ioas2,
				       MOCK_FLAGS_DEVICE_HUGE_IOVA, NULL,
				       &hwpt2, NULL));
	expect_mock_ranges(_metadata, self->fd, ioas2);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, thp, SZ_1M, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, thp + SZ_1M, 3 * SZ_1M,
				    IOVA_A + SZ_1M));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt2, IOVA_A, SZ_4M, thp));
	EXPECT_UNMAP_EXACT(self->fd, ioas2, IOVA_A, SZ_1M);
	EXPECT_EQ(-EINVAL,
		  md_check_map(self->fd, hwpt2, IOVA_A, MOCK_PAGE, thp));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt2, IOVA_A + SZ_1M, 3 * SZ_1M,
				  thp + SZ_1M));
	EXPECT_UNMAP_EXACT(self->fd, ioas2, IOVA_A + SZ_1M, 3 * SZ_1M);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	munmap(raw, raw_size);
}

/*
 * How many times the PFN of a page of [p, p + len) is not the one before
 * plus one, from /proc/self/pagemap; -1 if PFNs cannot be read.
 */
static long pfn_breaks(const char *p, size_t len)
{
	__u64 ent, prev = 0;
	long breaks = 0;
	size_t i;
	int f;

	f = open("/proc/self/pagemap", O_RDONLY);
	if (f < 0)
		return -1;
	for (i = 0; i != len / PAGE_SZ; i++) {
		if (pread(f, &ent, sizeof(ent),
			  ((uintptr_t)p / PAGE_SZ + i) * sizeof(ent)) !=
			    sizeof(ent) ||
		    !(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1))) {
			close(f);
			return -1;
		}
		ent &= (1ULL << 55) - 1;
		if (i && ent != prev + 1)
			breaks++;
		prev = ent;
	}
	close(f);
	return breaks;
}

/*
 * Unmapping finds the end of every run of consecutive PFNs, whether the
 * fill listed where they break (a few breaks) or kept only their mask
 * (too many for the list): every page is mapped where it is, and
 * unpinned, and no other page is. Small pages written one by one come out
 * of the page allocator scattered, which gives the many breaks; a huge
 * page split into small ones (through debugfs) and rotated by 37 pages
 * gives the few.
 */
TEST_F(domain, unmap_finds_every_pfn_run)
{
	const size_t len = SZ_2M, npages = len / PAGE_SZ;
	__u32 refs = fixture_refs(self);
	char *few, *many, *src, cmd[96];
	size_t i, raw_size;
	void *raw;
	int f;

	few = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	many = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = alloc_touched(len, SZ_2M, true, &raw, &raw_size);
	ASSERT_NE(MAP_FAILED, few);
	ASSERT_NE(MAP_FAILED, many);
	ASSERT_NE(NULL, src);
	madvise(many, len, MADV_NOHUGEPAGE);
	for (i = 0; i != npages; i++)
		many[i * PAGE_SZ] = 1;
	f = open("/sys/kernel/debug/split_huge_pages", O_WRONLY);
	snprintf(cmd, sizeof(cmd), "%d,%#lx,%#lx", getpid(), (uintptr_t)src,
		 (uintptr_t)src + len);
	if (f < 0 || write(f, cmd, strlen(cmd)) < 0)
		TH_LOG("cannot split the huge page: %s", strerror(errno));
	if (f >= 0)
		close(f);
	for (i = 0; i != npages; i++)
		ASSERT_NE(MAP_FAILED,
			  mremap(src + (i + 37) % npages * PAGE_SZ, PAGE_SZ,
				 PAGE_SZ, MREMAP_MAYMOVE | MREMAP_FIXED,
				 few + i * PAGE_SZ));
	/* What the layout is, for the log; the checks below hold anyway */
	TH_LOG("PFN breaks: %ld and %ld of %zu pages", pfn_breaks(few, len),
	       pfn_breaks(many, len), npages);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, few, len, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, many, len,
				    IOVA_B));
	/* Half a page in, so that every page but the first is cut */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, many + MOCK_PAGE,
				    len - PAGE_SZ, IOVA_C + MOCK_PAGE));
	expect_mapped_all(_metadata, self, IOVA_A, len, few);
	expect_mapped_all(_metadata, self, IOVA_B, len, many);
	expect_mapped_all(_metadata, self, IOVA_C + MOCK_PAGE, len - PAGE_SZ,
			  many + MOCK_PAGE);
	EXPECT_EQ(0, md_check_refs(self->fd, few, len, refs));
	/* The third mapping reaches into every page, the last one too */
	EXPECT_EQ(0, md_check_refs(self->fd, many, len, 2 * refs));

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_B, len);
	EXPECT_EQ(0, md_check_refs(self->fd, many, len, refs));
	expect_mapped_all(_metadata, self, IOVA_C + MOCK_PAGE, len - PAGE_SZ,
			  many + MOCK_PAGE);
	EXPECT_EQ(0, md_check_refs(self->fd, few, len, refs));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, len);
	EXPECT_EQ(0, md_check_refs(self->fd, few, len, 0));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_C + MOCK_PAGE,
			   len - PAGE_SZ);
	EXPECT_EQ(0, md_check_refs(self->fd, many, len, 0));
	munmap(few, len);
	munmap(raw, raw_size);
	munmap(many, len);
}

/* MAP_FLOOR on @len bytes at @p, into a domain like HWPT @hwpt_id's */
static int map_floor(int fd, __u32 hwpt_id, const void *p, __u64 len,
		     struct iommu_test_cmd *out)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MAP_FLOOR,
		.id = hwpt_id,
		.map_floor = { .uptr = (uintptr_t)p, .length = len },
	};
	int ret = test_cmd(fd, &cmd);

	if (out)
		*out = cmd;
	return ret;
}

/* MAP_STATS with @flags, reading the counters into @st */
static int map_stats(int fd, __u32 flags, struct iommu_test_map_stat *st,
		     __u32 nr, __u32 *out_nr)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MAP_STATS,
		.map_stats = { .flags = flags, .nr = nr, .uptr = (uintptr_t)st },
	};
	int ret = test_cmd(fd, &cmd);

	if (out_nr)
		*out_nr = cmd.map_stats.nr;
	return ret;
}

/*
 * MAP_FLOOR pins, maps, unmaps and unpins, and leaves nothing behind;
 * bad arguments change nothing.
 */
TEST_F(domain, map_floor)
{
	struct iommu_test_map_stat st[MOCK_STAT_NR];
	long pin0 = proc_status_kb("VmPin");
	struct iommu_test_cmd out;
	void *hole;

	if (!self->ndomains) {
		/* An IOAS is not a mock domain's HW pagetable */
		EXPECT_EQ(-ENOENT, map_floor(self->fd, self->ioas_id,
					     self->buf, BUF_SIZE, NULL));
		return;
	}
	ASSERT_EQ(0, map_floor(self->fd, self->hwpt_id[0], self->buf, BUF_SIZE,
			       &out));
	EXPECT_LT(0ULL, out.map_floor.out_pin_ns);
	EXPECT_LT(0ULL, out.map_floor.out_map_ns);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	/* Its domain is its own: nothing appears in the fixture's */
	EXPECT_EQ(-EINVAL, md_check_map(self->fd, self->hwpt_id[0], IOVA_A,
					MOCK_PAGE, self->buf));

	/* With the counters on, its iommu_map() calls are counted */
	ASSERT_EQ(0, map_stats(self->fd, MOCK_MAP_STATS_ON, NULL, 0, NULL));
	ASSERT_EQ(0, map_floor(self->fd, self->hwpt_id[0], self->buf, BUF_SIZE,
			       NULL));
	ASSERT_EQ(0, map_stats(self->fd, MOCK_MAP_STATS_OFF, st, MOCK_STAT_NR,
			       NULL));
	EXPECT_LE(1ULL, st[MOCK_STAT_FLOOR_MAP].calls);
	EXPECT_GE((__u64)(BUF_SIZE / PAGE_SZ), st[MOCK_STAT_FLOOR_MAP].calls);

	EXPECT_EQ(-EINVAL, map_floor(self->fd, self->hwpt_id[0], self->buf, 0,
				     NULL));
	EXPECT_EQ(-EINVAL, map_floor(self->fd, self->hwpt_id[0],
				     self->buf + 1, PAGE_SZ, NULL));
	EXPECT_EQ(-EINVAL, map_floor(self->fd, self->hwpt_id[0], self->buf,
				     PAGE_SZ + 1, NULL));
	/* Longer than the aperture */
	EXPECT_EQ(-EINVAL, map_floor(self->fd, self->hwpt_id[0], self->buf,
				     2ULL << 30, NULL));
	EXPECT_EQ(-EINVAL, map_floor(self->fd, self->hwpt_id[0],
				     (void *)(-PAGE_SZ), 2 * PAGE_SZ, NULL));
	EXPECT_EQ(-ENOENT, map_floor(self->fd, self->ioas_id, self->buf,
				     BUF_SIZE, NULL));
	/* Pinning stops at the hole; what it pinned is unpinned */
	hole = mmap(NULL, 2 * PAGE_SZ, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	memset(hole, 1, 2 * PAGE_SZ);
	munmap((char *)hole + PAGE_SZ, PAGE_SZ);
	EXPECT_EQ(-EFAULT, map_floor(self->fd, self->hwpt_id[0], hole,
				     2 * PAGE_SZ, NULL));
	EXPECT_EQ(0, md_check_refs(self->fd, hole, PAGE_SZ, 0));
	munmap(hole, PAGE_SZ);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
}

/*
 * MAP_STATS counts each phase of MAP and UNMAP while it is on, and
 * nothing while it is off; every read resets.
 */
TEST_F(domain, map_stats)
{
	struct iommu_test_map_stat st[MOCK_STAT_NR + 1];
	unsigned int i;
	__u32 nr = 0;

	ASSERT_EQ(0, map_stats(self->fd, MOCK_MAP_STATS_ON, NULL, 0, &nr));
	EXPECT_EQ((__u32)MOCK_STAT_NR, nr);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    BUF_SIZE, IOVA_A));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, BUF_SIZE);
	/* Room for more than there is: only MOCK_STAT_NR are written */
	memset(st, 0xff, sizeof(st));
	ASSERT_EQ(0, map_stats(self->fd, 0, st, MOCK_STAT_NR + 1, &nr));
	EXPECT_EQ((__u32)MOCK_STAT_NR, nr);
	EXPECT_EQ((__u64)UINT64_MAX, st[MOCK_STAT_NR].calls);
	EXPECT_EQ((__u64)self->ndomains, st[MOCK_STAT_FILL].calls);
	EXPECT_EQ((__u64)self->ndomains, st[MOCK_STAT_UNFILL].calls);
	if (self->ndomains) {
		/* Pinned once, however many domains */
		EXPECT_LE((__u64)(BUF_SIZE / PAGE_SZ / 512),
			  st[MOCK_STAT_PIN].calls);
		EXPECT_LE((__u64)self->ndomains, st[MOCK_STAT_MAP].calls);
		EXPECT_LE(1ULL, st[MOCK_STAT_UNMAP].calls);
		EXPECT_LE(1ULL, st[MOCK_STAT_UNPIN].calls);
		EXPECT_LT(0ULL, st[MOCK_STAT_FILL].ns);
	}
	EXPECT_EQ(0ULL, st[MOCK_STAT_FLOOR_MAP].calls);

	/* The read reset them; off, nothing more is counted */
	ASSERT_EQ(0, map_stats(self->fd, MOCK_MAP_STATS_OFF, NULL, 0, NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    BUF_SIZE, IOVA_A));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, BUF_SIZE);
	ASSERT_EQ(0, map_stats(self->fd, 0, st, MOCK_STAT_NR, NULL));
	for (i = 0; i != MOCK_STAT_NR; i++) {
		EXPECT_EQ(0ULL, st[i].calls);
		EXPECT_EQ(0ULL, st[i].ns);
	}

	EXPECT_EQ(-EINVAL, map_stats(self->fd,
				     MOCK_MAP_STATS_ON | MOCK_MAP_STATS_OFF,
				     NULL, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, map_stats(self->fd, 1 << 2, NULL, 0, NULL));
	EXPECT_EQ(-EFAULT, map_stats(self->fd, 0, (void *)8, MOCK_STAT_NR,
				     NULL));
}

/*
 * hugetlbfs memory (the test VM reserves 2 MiB huge pages). MD_CHECK_REFS
 * skips compound pages, so it passes whatever count it is given.
 */
TEST_F(domain, hugetlb_memory)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 huge_hwpt;
	char *huge;

	huge = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED)
		SKIP(return, "no 2 MiB hugetlb page available");
	memset(huge, 0xa5, SZ_2M);
	extra_domain(_metadata, self->fd, self->ioas_id,
		     MOCK_FLAGS_DEVICE_HUGE_IOVA, &huge_hwpt);

	ASSERT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, huge, SZ_2M, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, huge + MOCK_PAGE,
				    SZ_1M, IOVA_B + MOCK_PAGE));
	expect_mapped_all(_metadata, self, IOVA_A, SZ_2M, huge);
	expect_mapped_all(_metadata, self, IOVA_B + MOCK_PAGE, SZ_1M,
			  huge + MOCK_PAGE);
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_A, SZ_2M, huge));
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_B + MOCK_PAGE,
				  SZ_1M, huge + MOCK_PAGE));
	EXPECT_EQ(0, md_check_refs(self->fd, huge, SZ_2M, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, huge, SZ_2M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, huge, SZ_2M, 1000));
	EXPECT_EQ(pin0 + KB(SZ_2M + SZ_1M + PAGE_SZ), proc_status_kb("VmPin"));

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_2M);
	EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_B + MOCK_PAGE,
				  SZ_1M, huge + MOCK_PAGE));
	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, obj_destroy(self->fd, huge_hwpt));
	munmap(huge, SZ_2M);
}

/*
 * A huge page filled in steps far smaller than it: the run of its PFNs is
 * carried across the steps, so domains with 1 MiB pages get 1 MiB IOPTEs,
 * and every unmap, of the last domain or not, must take them whole (the
 * mock warns about an unmap that ends inside one).
 */
TEST_F(domain, hugetlb_memory_small_temp_limit)
{
	static const __u32 limits[] = { 12, 100, TEMP_LIMIT_DEFAULT };
	long pin0 = proc_status_kb("VmPin");
	__u32 huge_hwpt, more_hwpt;
	unsigned int i;
	char *huge;

	huge = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED)
		SKIP(return, "no 2 MiB hugetlb page available");
	memset(huge, 0x3c, SZ_2M);
	extra_domain(_metadata, self->fd, self->ioas_id,
		     MOCK_FLAGS_DEVICE_HUGE_IOVA, &huge_hwpt);

	for (i = 0; i != ARRAY_SIZE(limits); i++) {
		ASSERT_EQ(0, set_temp_memory_limit(self->fd, limits[i]));
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, huge,
					    SZ_2M, IOVA_A));
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
					    huge + MOCK_PAGE, SZ_1M,
					    IOVA_B + MOCK_PAGE));
		EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt, IOVA_A, SZ_2M,
					  huge));
		EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt,
					  IOVA_B + MOCK_PAGE, SZ_1M,
					  huge + MOCK_PAGE));

		/* Filled from the first domain, then taken out again */
		extra_domain(_metadata, self->fd, self->ioas_id,
			     MOCK_FLAGS_DEVICE_HUGE_IOVA, &more_hwpt);
		EXPECT_EQ(0, md_check_map(self->fd, more_hwpt, IOVA_A, SZ_2M,
					  huge));
		EXPECT_EQ(0, md_check_map(self->fd, more_hwpt,
					  IOVA_B + MOCK_PAGE, SZ_1M,
					  huge + MOCK_PAGE));
		EXPECT_EQ(0, obj_destroy(self->fd, more_hwpt));

		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_2M);
		EXPECT_EQ(0, md_check_map(self->fd, huge_hwpt,
					  IOVA_B + MOCK_PAGE, SZ_1M,
					  huge + MOCK_PAGE));
		EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
		EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	}
	EXPECT_EQ(0, set_temp_memory_limit(self->fd, TEMP_LIMIT_DEFAULT));
	EXPECT_EQ(0, obj_destroy(self->fd, huge_hwpt));
	munmap(huge, SZ_2M);
}

/* === 6. A small temporary memory limit: many small fill steps === */

TEST_F(domain, small_temp_memory_limit)
{
	static const __u32 limits[] = { 12, 100, 4096, TEMP_LIMIT_DEFAULT };
	__u32 dst_ioas, dst_stdev, dst_hwpt, extra_hwpt;
	char *b = self->buf + SZ_1M + MOCK_PAGE;
	unsigned int i;

	EXPECT_EQ(-EINVAL, set_temp_memory_limit(self->fd, 0));
	EXPECT_EQ(-EINVAL, set_temp_memory_limit(self->fd, 11));
	new_ioas_with_domain(_metadata, self->fd, &dst_ioas, &dst_stdev,
			     &dst_hwpt);

	for (i = 0; i != ARRAY_SIZE(limits); i++) {
		ASSERT_EQ(0, set_temp_memory_limit(self->fd, limits[i]));

		/* MAP fills the fixture's domains */
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					    SZ_1M, IOVA_A));
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, b, SZ_1M,
					    IOVA_B));
		expect_mapped_all(_metadata, self, IOVA_A, SZ_1M, self->buf);
		expect_mapped_all(_metadata, self, IOVA_B, SZ_1M, b);
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M + PAGE_SZ,
					   fixture_refs(self)));

		/* A new domain is filled from them, or pins */
		extra_domain(_metadata, self->fd, self->ioas_id, 0,
			     &extra_hwpt);
		EXPECT_EQ(0, md_check_map(self->fd, extra_hwpt, IOVA_A, SZ_1M,
					  self->buf));
		EXPECT_EQ(0, md_check_map(self->fd, extra_hwpt, IOVA_B, SZ_1M,
					  b));
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M + PAGE_SZ,
					   1));

		/* COPY fills another IOAS's domain */
		ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_A,
					     self->ioas_id, IOVA_A, SZ_1M));
		ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas,
					     IOVA_B + MOCK_PAGE, self->ioas_id,
					     IOVA_B, SZ_1M));
		EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt, IOVA_A, SZ_1M,
					  self->buf));
		EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt,
					  IOVA_B + MOCK_PAGE, SZ_1M, b));

		/* Tear down in small steps too */
		EXPECT_EQ(0, obj_destroy(self->fd, extra_hwpt));
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M + PAGE_SZ,
					   1));
		EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M + PAGE_SZ,
					   1));
		EXPECT_EQ(0, md_check_map(self->fd, dst_hwpt,
					  IOVA_B + MOCK_PAGE, SZ_1M, b));
		EXPECT_UNMAPPED_ALL(self->fd, dst_ioas);
		EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
	}
	EXPECT_EQ(0, set_temp_memory_limit(self->fd, TEMP_LIMIT_DEFAULT));
}

/* === 10. IOMMU_OPTION_HUGE_PAGES with domains === */

TEST_F(domain, option_huge_pages)
{
	__u64 small_align = self->ndomains ? MOCK_PAGE : 1;
	__u64 first = self->ndomains ? MOCK_APERTURE_START : 0;
	__u64 last = self->ndomains ? MOCK_APERTURE_LAST : UINT64_MAX;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	if (self->ndomains) {
		/* Domains already hold large IOPTEs: refused */
		EXPECT_EQ(-EINVAL, option_set(self->fd,
					      IOMMU_OPTION_HUGE_PAGES,
					      self->ioas_id, 0));
		expect_one_range(_metadata, self->fd, self->ioas_id, first,
				 last, small_align);
		EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
	}
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));
	expect_one_range(_metadata, self->fd, self->ioas_id, first, last,
			 PAGE_SZ);
	EXPECT_EQ(-EINVAL,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_2M,
				 MOCK_PAGE, IOVA_B));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_2M,
				    SZ_1M, IOVA_B));
	expect_mapped_all(_metadata, self, IOVA_B, SZ_1M, self->buf + SZ_2M);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_2M, SZ_1M,
				   fixture_refs(self)));
	/* Setting the current value again is a no-op, domain or not */
	EXPECT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));

	/* A domain added now gets page-sized IOPTEs and the same mapping */
	if (self->ndomains) {
		__u32 hwpt_id;

		extra_domain(_metadata, self->fd, self->ioas_id, 0, &hwpt_id);
		EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_1M,
					  self->buf + SZ_2M));
		EXPECT_EQ(0, obj_destroy(self->fd, hwpt_id));
	}

	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 1));
	expect_one_range(_metadata, self->fd, self->ioas_id, first, last,
			 small_align);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    self->buf + 3 * SZ_1M, MOCK_PAGE, IOVA_C));
	expect_mapped_all(_metadata, self, IOVA_C, MOCK_PAGE,
			  self->buf + 3 * SZ_1M);
	/* Now refused for either reason */
	EXPECT_EQ(self->ndomains ? -EINVAL : -EADDRINUSE,
		  option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, self->ioas_id,
			     0));
	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, BUF_SIZE, 0));
}

/* === 11. Closing with everything live === */

TEST_F(domain, close_with_everything_live)
{
	__u32 dst_ioas, dst_stdev, dst_hwpt, plain_ioas, extra_hwpt;
	long pin0 = proc_status_kb("VmPin");
	char *b = self->buf + SZ_1M + MOCK_PAGE;
	int fd2;

	ASSERT_LE(0, pin0);
	new_ioas_with_domain(_metadata, self->fd, &dst_ioas, &dst_stdev,
			     &dst_hwpt);
	ASSERT_EQ(0, ioas_alloc(self->fd, &plain_ioas));
	extra_domain(_metadata, self->fd, dst_ioas, 0, &extra_hwpt);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, b, SZ_1M, IOVA_B));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_2M,
				    SZ_1M, IOVA_C));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_A, self->ioas_id,
				     IOVA_A, SZ_1M));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, dst_ioas, IOVA_B, self->ioas_id,
				     IOVA_B, SZ_1M / 2));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, plain_ioas, IOVA_B,
				     self->ioas_id, IOVA_B, SZ_1M));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, plain_ioas, IOVA_C, dst_ioas,
				     IOVA_A, SZ_1M));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0, md_check_map(self->fd, extra_hwpt, IOVA_B, SZ_1M / 2, b));
	ASSERT_LT(pin0, proc_status_kb("VmPin"));

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	/* Everything was released: look from a new context */
	fd2 = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, md_check_refs(fd2, self->buf, BUF_SIZE, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, set_temp_memory_limit(fd2, TEMP_LIMIT_DEFAULT));
	close(fd2);
}

/* === 7. IOMMU_HWPT_ALLOC === */

static int hwpt_try(int fd, __u32 flags, __u32 dev_id, __u32 pt_id,
		    __u32 reserved, __u32 data_type, __u32 data_len,
		    const void *data)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.__reserved = reserved,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};

	return iommufd_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);
}

TEST_F(attach, hwpt_alloc_errors)
{
	__u32 stdev_id, hwpt_id, idev_id, nd_stdev, nd_idev;
	__u32 data[4] = { 0 };
	__u32 ioas = self->ioas_id;

	ASSERT_EQ(0, mock_domain(self->fd, ioas, &stdev_id, &hwpt_id,
				 &idev_id));
	ASSERT_EQ(0, mock_domain_flags(self->fd, ioas,
				       MOCK_FLAGS_DEVICE_NO_DIRTY, &nd_stdev,
				       NULL, &nd_idev));

	/* Unknown flags and __reserved */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 1 << 4, idev_id, ioas, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 1U << 31, idev_id, ioas, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, idev_id, ioas, 1,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	/* __reserved comes before the object lookups */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, 0, 0, 1,
					IOMMU_HWPT_DATA_NONE, 0, NULL));

	/* data_type and data_len must agree, before the lookups too */
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, sizeof(data),
				    data));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, ioas, 0,
				    IOMMU_HWPT_DATA_SELFTEST, 0, data));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, 0, 0, 0,
				    IOMMU_HWPT_DATA_NONE, sizeof(data),
				    data));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, 0, 0, 0,
				    IOMMU_HWPT_DATA_SELFTEST, 0, NULL));

	/* dev_id must be a device */
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, 0, 0, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, 0, 0xfffff, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, 0, ioas, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, 0, stdev_id, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, 0, hwpt_id, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));

	/* A bad pt_id is EINVAL, not ENOENT */
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, 0, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, 0xfffff, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, idev_id, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, stdev_id, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	/*
	 * A paging HWPT as pt_id asks for a nested HWPT, which needs driver
	 * data (EOPNOTSUPP without it), and an automatic HWPT cannot be a
	 * nesting parent
	 */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, idev_id, hwpt_id, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, idev_id, hwpt_id, 0,
				    IOMMU_HWPT_DATA_SELFTEST,
				    sizeof(data[0]), data));

	/* Driver data on a paging HWPT */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, idev_id, ioas, 0,
					IOMMU_HWPT_DATA_SELFTEST,
					sizeof(data[0]), data));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, idev_id, ioas, 0,
					IOMMU_HWPT_DATA_VTD_S1, sizeof(data),
					data));

	/* FAULT_ID_VALID: no FAULT object can exist yet, so ENOENT */
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, IOMMU_HWPT_FAULT_ID_VALID,
				    idev_id, ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	/* Flags the mock cannot honour */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, IOMMU_HWPT_ALLOC_PASID,
					idev_id, ioas, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					nd_idev, ioas, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
						IOMMU_HWPT_ALLOC_NEST_PARENT,
					nd_idev, ioas, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));

	/* None of it left an object holding the IOAS */
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, obj_destroy(self->fd, nd_stdev));
	EXPECT_EQ(0, obj_destroy(self->fd, ioas));
}

TEST_F(attach, hwpt_alloc_min_size)
{
	struct iommu_hwpt_alloc cmd = {};
	__u32 idev_id;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL,
				 &idev_id));
	/* Old userspace: the struct up to __reserved only */
	cmd.size = offsetofend(struct iommu_hwpt_alloc, __reserved);
	cmd.dev_id = idev_id;
	cmd.pt_id = self->ioas_id;
	cmd.data_type = 0xffff;	/* beyond the size: never read */
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_NE(0U, cmd.out_hwpt_id);
	EXPECT_EQ(0xffffU, cmd.data_type);
	EXPECT_EQ(0, obj_destroy(self->fd, cmd.out_hwpt_id));
}

TEST_F(attach, hwpt_alloc_manual_domain)
{
	__u32 helper_ioas, helper_idev, manual, auto_hwpt, out_hwpt;
	__u32 stdev_m, stdev_a;

	/* The allocating device is attached somewhere else entirely */
	ASSERT_EQ(0, ioas_alloc(self->fd, &helper_ioas));
	ASSERT_EQ(0, mock_domain(self->fd, helper_ioas, NULL, NULL,
				 &helper_idev));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));

	ASSERT_EQ(0, hwpt_alloc(self->fd, 0, helper_idev, self->ioas_id,
				&manual));
	/* Filled, pinning, and applied to the IOAS with no device on it */
	EXPECT_EQ(0, md_check_map(self->fd, manual, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	/* It holds the IOAS */
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, self->ioas_id));

	/* Explicit attach uses it */
	ASSERT_EQ(0, mock_domain(self->fd, manual, &stdev_m, &out_hwpt, NULL));
	EXPECT_EQ(manual, out_hwpt);
	/* Automatic attach does not */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_a,
				 &auto_hwpt, NULL));
	EXPECT_NE(manual, auto_hwpt);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));

	/* New mappings reach both */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + SZ_1M,
				    SZ_1M, IOVA_B));
	EXPECT_EQ(0, md_check_map(self->fd, manual, IOVA_B, SZ_1M,
				  self->buf + SZ_1M));
	EXPECT_EQ(0, md_check_map(self->fd, auto_hwpt, IOVA_B, SZ_1M,
				  self->buf + SZ_1M));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 1));

	/* Busy while a device is attached, and outlives its device */
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, manual));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_m));
	EXPECT_EQ(0, md_check_map(self->fd, manual, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, obj_destroy(self->fd, manual));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, manual));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 1));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, self->ioas_id));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_a));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 0));
	EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
}

TEST_F(attach, hwpt_alloc_flags)
{
	static const __u32 flags[] = {
		IOMMU_HWPT_ALLOC_NEST_PARENT,
		IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	__u32 idev_id, hwpt_id, stdev_id, out_hwpt, nd_idev, nd_hwpt;
	unsigned int i;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL,
				 &idev_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	for (i = 0; i != ARRAY_SIZE(flags); i++) {
		ASSERT_EQ(0, hwpt_alloc(self->fd, flags[i], idev_id,
					self->ioas_id, &hwpt_id));
		EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M,
					  self->buf));
		ASSERT_EQ(0, mock_domain(self->fd, hwpt_id, &stdev_id,
					 &out_hwpt, NULL));
		EXPECT_EQ(hwpt_id, out_hwpt);
		EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
		EXPECT_EQ(0, obj_destroy(self->fd, hwpt_id));
	}

	/* A device without dirty tracking: plain HWPTs are fine for it */
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id,
				       MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL,
				       &nd_idev));
	ASSERT_EQ(0, hwpt_alloc(self->fd, IOMMU_HWPT_ALLOC_NEST_PARENT,
				nd_idev, self->ioas_id, &nd_hwpt));
	ASSERT_EQ(0, mock_domain_flags(self->fd, nd_hwpt,
				       MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev_id,
				       NULL, NULL));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));

	/* but it cannot attach to one that tracks dirty pages */
	ASSERT_EQ(0, hwpt_alloc(self->fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				idev_id, self->ioas_id, &hwpt_id));
	stdev_id = 0;
	EXPECT_EQ(-EINVAL, mock_domain_flags(self->fd, hwpt_id,
					     MOCK_FLAGS_DEVICE_NO_DIRTY,
					     &stdev_id, NULL, NULL));
	/* (Should it have attached, detach it so the rest still runs) */
	if (stdev_id)
		EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	/* The refused attach left no device on it */
	EXPECT_EQ(0, obj_destroy(self->fd, hwpt_id));
}

TEST_F(attach, hwpt_alloc_fill_errors)
{
	void *hole = unmapped_va(2);
	__u32 helper_ioas, idev_id;

	ASSERT_NE(NULL, hole);
	ASSERT_EQ(0, ioas_alloc(self->fd, &helper_ioas));
	ASSERT_EQ(0, mock_domain(self->fd, helper_ioas, NULL, NULL,
				 &idev_id));

	/* A mapping outside the aperture */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				    MOCK_APERTURE_LAST + 1));
	EXPECT_EQ(-EADDRINUSE, hwpt_alloc(self->fd, 0, idev_id,
					  self->ioas_id, NULL));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);

	/* An allowed range outside it */
	ASSERT_EQ(0, ioas_allow_range(self->fd, self->ioas_id, 0x1000, 0x1fff));
	EXPECT_EQ(-EADDRINUSE, hwpt_alloc(self->fd, 0, idev_id,
					  self->ioas_id, NULL));
	ASSERT_EQ(0, ioas_allow_range(self->fd, self->ioas_id, IOVA_A,
				      IOVA_C - 1));

	/* An area the mock page size does not fit */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, 1000,
				    IOVA_A));
	EXPECT_EQ(-EADDRINUSE, hwpt_alloc(self->fd, 0, idev_id,
					  self->ioas_id, NULL));
	EXPECT_UNMAPPED_ALL(self->fd, self->ioas_id);

	/* Memory that is not there, after some that is */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, hole, 2 * PAGE_SZ,
				    IOVA_B));
	EXPECT_EQ(-EFAULT, hwpt_alloc(self->fd, 0, idev_id, self->ioas_id,
				      NULL));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);

	/* Nothing holds the IOAS */
	EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
}

/* === 8. MOCK_DOMAIN_REPLACE === */

/*
 * Two IOASes map the same memory with MAPs of their own, so each has its
 * own page set and pins on its own: a page's count is the number of those
 * page sets that have a domain. Moving the only device from one IOAS to
 * the other frees the old automatic HWPT, so the old IOAS's pins go and
 * the new one's come: the count over the shared memory stays 1.
 */
TEST_F(attach, replace_between_ioas)
{
	__u32 a = self->ioas_id, b, stdev_id, idev_id, hwpt_a, hwpt_b, pt;
	char *shared = self->buf, *only_b = self->buf + SZ_1M;

	ASSERT_EQ(0, ioas_alloc(self->fd, &b));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, a, shared, SZ_1M, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, b, shared, SZ_1M, IOVA_B));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, b, only_b, SZ_1M, IOVA_A));

	ASSERT_EQ(0, mock_domain(self->fd, a, &stdev_id, &hwpt_a, &idev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, shared, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, only_b, SZ_1M, 0));

	pt = b;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	hwpt_b = pt;
	EXPECT_NE(hwpt_a, hwpt_b);
	EXPECT_NE(b, hwpt_b);
	/* The old automatic HWPT is gone, with its domain and pins */
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_a));
	expect_no_domain_ranges(_metadata, self->fd, a);
	expect_mock_ranges(_metadata, self->fd, b);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_b, IOVA_A, SZ_1M, only_b));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_b, IOVA_B, SZ_1M, shared));
	EXPECT_EQ(0, md_check_refs(self->fd, shared, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, only_b, SZ_1M, 1));
	/* The device is still bound */
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, idev_id));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, b));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, hwpt_b));

	/* To what it is attached to already: nothing changes */
	pt = b;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_EQ(hwpt_b, pt);
	pt = hwpt_b;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_EQ(hwpt_b, pt);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_b, IOVA_A, SZ_1M, only_b));
	EXPECT_EQ(0, md_check_refs(self->fd, shared, SZ_1M, 1));

	/* Back to the first IOAS: a new automatic HWPT */
	pt = a;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_NE(hwpt_b, pt);
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_b));
	EXPECT_EQ(0, md_check_map(self->fd, pt, IOVA_A, SZ_1M, shared));
	EXPECT_EQ(0, md_check_refs(self->fd, shared, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, only_b, SZ_1M, 0));
	EXPECT_EQ(0, obj_destroy(self->fd, b));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 0));
}

TEST_F(attach, replace_errors_keep_the_old_attachment)
{
	__u32 stdev_id, idev_id, hwpt_id, bad_ioas, hole_ioas, pt;
	void *hole = unmapped_va(2);

	ASSERT_NE(NULL, hole);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, &idev_id));

	/* No such target, or not a target */
	pt = 0xfffff;
	EXPECT_EQ(-ENOENT, mock_domain_replace(self->fd, stdev_id, &pt));
	pt = 0;
	EXPECT_EQ(-ENOENT, mock_domain_replace(self->fd, stdev_id, &pt));
	pt = idev_id;
	EXPECT_EQ(-EINVAL, mock_domain_replace(self->fd, stdev_id, &pt));
	pt = stdev_id;
	EXPECT_EQ(-EINVAL, mock_domain_replace(self->fd, stdev_id, &pt));
	/* id must be the selftest device object */
	pt = self->ioas_id;
	EXPECT_EQ(-ENOENT, mock_domain_replace(self->fd, idev_id, &pt));
	EXPECT_EQ(-ENOENT, mock_domain_replace(self->fd, hwpt_id, &pt));
	EXPECT_EQ(-ENOENT, mock_domain_replace(self->fd, self->ioas_id, &pt));
	EXPECT_EQ(-ENOENT, mock_domain_replace(self->fd, 0xfffff, &pt));

	/* Targets whose domain cannot be built */
	ASSERT_EQ(0, ioas_alloc(self->fd, &bad_ioas));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, bad_ioas, self->buf, PAGE_SZ,
				    MOCK_APERTURE_START - PAGE_SZ));
	pt = bad_ioas;
	EXPECT_EQ(-EADDRINUSE, mock_domain_replace(self->fd, stdev_id, &pt));
	expect_no_domain_ranges(_metadata, self->fd, bad_ioas);

	ASSERT_EQ(0, ioas_alloc(self->fd, &hole_ioas));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, hole_ioas, self->buf + SZ_1M,
				    SZ_1M, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, hole_ioas, hole, 2 * PAGE_SZ,
				    IOVA_B));
	pt = hole_ioas;
	EXPECT_EQ(-EFAULT, mock_domain_replace(self->fd, stdev_id, &pt));
	expect_no_domain_ranges(_metadata, self->fd, hole_ioas);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, SZ_1M, 0));

	/* The old attachment is as it was */
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, hwpt_id));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, obj_destroy(self->fd, bad_ioas));
	EXPECT_EQ(0, obj_destroy(self->fd, hole_ioas));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_id));
}

/*
 * Replacing to and from a manual HWPT: the manual one is never freed by
 * a detach, the automatic one always is.
 */
TEST_F(attach, replace_with_manual_hwpt)
{
	__u32 a = self->ioas_id, b, stdev_id, idev_id, hwpt_b, manual, pt;

	ASSERT_EQ(0, ioas_alloc(self->fd, &b));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, a, self->buf, SZ_1M, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, b, self->buf, SZ_1M, IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, b, &stdev_id, &hwpt_b, &idev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));

	/* A manual HWPT on the other IOAS pins that IOAS's page set too */
	ASSERT_EQ(0, hwpt_alloc(self->fd, 0, idev_id, a, &manual));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 2));

	pt = manual;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_EQ(manual, pt);
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_b));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0, md_check_map(self->fd, manual, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, manual));

	/* From the manual HWPT to its own IOAS: a new automatic HWPT */
	pt = a;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_NE(manual, pt);
	EXPECT_EQ(0, md_check_map(self->fd, pt, IOVA_A, SZ_1M, self->buf));
	/* The manual one stays, unattached, until destroyed */
	EXPECT_EQ(0, md_check_map(self->fd, manual, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, obj_destroy(self->fd, manual));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(0, obj_destroy(self->fd, a));
	EXPECT_EQ(0, obj_destroy(self->fd, b));
}

/* === 9. MOCK_DOMAIN_FLAGS and DEV_CHECK_CACHE === */

TEST_F(attach, mock_domain_flags)
{
	static const __u32 good[] = {
		0,
		MOCK_FLAGS_DEVICE_NO_DIRTY,
		MOCK_FLAGS_DEVICE_HUGE_IOVA,
		MOCK_FLAGS_DEVICE_PASID,
		MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA |
			MOCK_FLAGS_DEVICE_PASID,
	};
	__u32 stdev_id, hwpt_id, idev_id, ioas2, out;
	unsigned int i;

	EXPECT_EQ(-EINVAL, mock_domain_flags(self->fd, self->ioas_id, 1 << 3,
					     NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, mock_domain_flags(self->fd, self->ioas_id,
					     1U << 31, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, mock_domain_flags(self->fd, self->ioas_id,
					     MOCK_FLAGS_DEVICE_HUGE_IOVA |
						     1 << 5,
					     NULL, NULL, NULL));
	/* Nothing was attached by the refusals */
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);

	for (i = 0; i != ARRAY_SIZE(good); i++) {
		ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
		ASSERT_EQ(0, mock_domain_flags(self->fd, ioas2, good[i],
					       &stdev_id, &hwpt_id, &idev_id));
		EXPECT_NE(stdev_id, hwpt_id);
		EXPECT_NE(stdev_id, idev_id);
		EXPECT_NE(hwpt_id, idev_id);
		expect_mock_ranges(_metadata, self->fd, ioas2);
		ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, self->buf, SZ_2M,
					    IOVA_A));
		EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_2M,
					  self->buf));
		/* Explicit attach of a second such device */
		ASSERT_EQ(0, mock_domain_flags(self->fd, hwpt_id, good[i],
					       NULL, &out, NULL));
		EXPECT_EQ(hwpt_id, out);
		EXPECT_EQ(-EBUSY, obj_destroy(self->fd, idev_id));
		EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	}
	/*
	 * Every IOAS made its own page set of the buffer and keeps a device
	 * (the second one) and so a domain: one pin per IOAS.
	 */
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M,
				   ARRAY_SIZE(good)));
}

TEST_F(attach, dev_check_cache)
{
	__u32 stdev_id, hwpt_id, idev_id, idev2, slot;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id,
				 &hwpt_id, &idev_id));
	for (slot = 0; slot <= MOCK_DEV_CACHE_ID_MAX; slot++) {
		EXPECT_EQ(0, dev_check_cache(self->fd, idev_id, slot,
					     IOMMU_TEST_DEV_CACHE_DEFAULT));
		EXPECT_EQ(-EINVAL, dev_check_cache(self->fd, idev_id, slot,
						   0));
		EXPECT_EQ(-EINVAL,
			  dev_check_cache(self->fd, idev_id, slot,
					  IOMMU_TEST_DEV_CACHE_DEFAULT + 1));
	}
	EXPECT_EQ(-EINVAL, dev_check_cache(self->fd, idev_id,
					   MOCK_DEV_CACHE_ID_MAX + 1,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	EXPECT_EQ(-EINVAL, dev_check_cache(self->fd, idev_id, UINT32_MAX,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	/* Only a DEVICE object has a cache */
	EXPECT_EQ(-ENOENT, dev_check_cache(self->fd, stdev_id, 0,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	EXPECT_EQ(-ENOENT, dev_check_cache(self->fd, hwpt_id, 0,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	EXPECT_EQ(-ENOENT, dev_check_cache(self->fd, self->ioas_id, 0,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	EXPECT_EQ(-ENOENT, dev_check_cache(self->fd, 0, 0,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	/* A device flagged otherwise starts the same */
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id,
				       MOCK_FLAGS_DEVICE_HUGE_IOVA, NULL, NULL,
				       &idev2));
	EXPECT_EQ(0, dev_check_cache(self->fd, idev2, MOCK_DEV_CACHE_ID_MAX,
				     IOMMU_TEST_DEV_CACHE_DEFAULT));
	/* Gone with its device */
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(-ENOENT, dev_check_cache(self->fd, idev_id, 0,
					   IOMMU_TEST_DEV_CACHE_DEFAULT));
	EXPECT_EQ(0, dev_check_cache(self->fd, idev2, 0,
				     IOMMU_TEST_DEV_CACHE_DEFAULT));
}

/* === Automatic HWPTs under concurrent attach and detach === */

/*
 * Rounds each thread of auto_hwpt_attach_detach_race makes; bounded by
 * work, not time. One round is two replaces, two MD_CHECK_MAPs and, every
 * RACE_RENEW_EVERY rounds, a device destroyed and made anew.
 */
#define RACE_ROUNDS 1500
#define RACE_RENEW_EVERY 50
#define RACE_THREADS 2
/* A round takes well under 10 ms on a loaded debug kernel under TCG */
#define RACE_TIMEOUT 300

struct race_ctx {
	int fd;
	__u32 ioas[2];
	char *buf;
};

struct race_thread {
	struct race_ctx *ctx;
	__u32 stdev_id;
	/* The first failure: which step, and its errno */
	const char *what;
	int err;
	unsigned int round;
};

/*
 * Attach to @ioas, by replace or with a new device, and check that the
 * HWPT reported is alive and translates the page every IOAS maps.
 */
static bool race_step(struct race_thread *t, __u32 ioas, bool renew)
{
	struct race_ctx *c = t->ctx;
	__u32 pt = ioas;
	int rc;

	if (renew) {
		rc = obj_destroy(c->fd, t->stdev_id);
		if (rc) {
			t->what = "destroy device";
			t->err = rc;
			return false;
		}
		rc = mock_domain(c->fd, ioas, &t->stdev_id, &pt, NULL);
		if (rc) {
			t->what = "new device";
			t->err = rc;
			return false;
		}
	} else {
		rc = mock_domain_replace(c->fd, t->stdev_id, &pt);
		if (rc) {
			t->what = "replace";
			t->err = rc;
			return false;
		}
	}
	/* Our device is attached to it, so nobody may have freed it */
	rc = md_check_map(c->fd, pt, IOVA_A, PAGE_SZ, c->buf);
	if (rc) {
		t->what = "check map";
		t->err = rc;
		return false;
	}
	return true;
}

static void *race_thread_fn(void *arg)
{
	struct race_thread *t = arg;
	unsigned int i;

	for (i = 0; i != RACE_ROUNDS; i++) {
		t->round = i;
		if (!race_step(t, t->ctx->ioas[1], false) ||
		    !race_step(t, t->ctx->ioas[0],
			       i % RACE_RENEW_EVERY == RACE_RENEW_EVERY - 1))
			break;
	}
	return NULL;
}

/*
 * Two threads move one device each between two IOASes and now and then
 * replace it with a new device. Whenever one leaves an IOAS as the last
 * device of its automatic HWPT while the other arrives, the HWPT's last
 * reference is dropped while the arriving attach looks it up in the IOAS's
 * list. Either the arrival keeps the HWPT (and it stays until its device
 * leaves) or it makes a new one; a device must never be left on a freed
 * HWPT. At the end nothing may be left holding the IOASes or the pages.
 */
TEST_F_TIMEOUT(attach, auto_hwpt_attach_detach_race, RACE_TIMEOUT)
{
	struct race_thread th[RACE_THREADS] = {};
	struct race_ctx ctx = { .fd = self->fd, .buf = self->buf };
	pthread_t tid[RACE_THREADS];
	int i;

	ctx.ioas[0] = self->ioas_id;
	ASSERT_EQ(0, ioas_alloc(self->fd, &ctx.ioas[1]));
	for (i = 0; i != 2; i++)
		ASSERT_EQ(0, ioas_map_fixed(self->fd, ctx.ioas[i], self->buf,
					    PAGE_SZ, IOVA_A));
	for (i = 0; i != RACE_THREADS; i++) {
		th[i].ctx = &ctx;
		ASSERT_EQ(0, mock_domain(self->fd, ctx.ioas[0],
					 &th[i].stdev_id, NULL, NULL));
	}
	for (i = 0; i != RACE_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, race_thread_fn,
					    &th[i]));
	for (i = 0; i != RACE_THREADS; i++)
		pthread_join(tid[i], NULL);

	for (i = 0; i != RACE_THREADS; i++) {
		if (th[i].what)
			TH_LOG("thread %d, round %u: %s: %s", i, th[i].round,
			       th[i].what, strerror(-th[i].err));
		EXPECT_EQ(NULL, th[i].what);
		EXPECT_EQ(0, obj_destroy(self->fd, th[i].stdev_id));
	}
	/* No automatic HWPT outlived its devices */
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, PAGE_SZ, 0));
	expect_no_domain_ranges(_metadata, self->fd, ctx.ioas[0]);
	expect_no_domain_ranges(_metadata, self->fd, ctx.ioas[1]);
	EXPECT_EQ(0, obj_destroy(self->fd, ctx.ioas[1]));
	EXPECT_EQ(0, obj_destroy(self->fd, ctx.ioas[0]));
}

/* === 9. ID resolution before "not supported", and GET_HW_INFO === */

/*
 * One object of every kind the mock can make, for the ID tests: a device
 * on an automatic HWPT, a manual HWPT made with NEST_PARENT, one without,
 * the selftest object and the IOAS.
 */
struct id_objs {
	__u32 ioas, stdev, idev, auto_hwpt, parent, plain, missing;
};

static void id_objs_make(struct __test_metadata *_metadata, int fd,
			 __u32 ioas, struct id_objs *o)
{
	o->ioas = ioas;
	ASSERT_EQ(0, mock_domain(fd, ioas, &o->stdev, &o->auto_hwpt,
				 &o->idev));
	ASSERT_EQ(0, hwpt_alloc(fd, IOMMU_HWPT_ALLOC_NEST_PARENT, o->idev,
				ioas, &o->parent));
	ASSERT_EQ(0, hwpt_alloc(fd, 0, o->idev, ioas, &o->plain));
	o->missing = o->plain + 100;
}

/* Everything the ID tests made can go away again: nothing leaked a ref */
static void id_objs_destroy(struct __test_metadata *_metadata, int fd,
			    struct id_objs *o)
{
	EXPECT_EQ(0, obj_destroy(fd, o->parent));
	EXPECT_EQ(0, obj_destroy(fd, o->plain));
	EXPECT_EQ(0, obj_destroy(fd, o->stdev));
	EXPECT_EQ(0, obj_destroy(fd, o->ioas));
	EXPECT_FALSE(ioas_exists(fd, o->missing));
}

static int hw_info_try(int fd, struct iommu_hw_info *cmd, __u32 dev_id,
		       void *buf, __u32 len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->dev_id = dev_id;
	cmd->data_len = len;
	cmd->data_uptr = (uintptr_t)buf;
	return iommufd_ioctl(fd, IOMMU_GET_HW_INFO, cmd);
}

TEST_F(attach, get_hw_info_ids)
{
	struct iommu_hw_info cmd;
	struct id_objs o;
	__u32 buf[4];

	id_objs_make(_metadata, self->fd, self->ioas_id, &o);
	EXPECT_EQ(-ENOENT, hw_info_try(self->fd, &cmd, 0, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT,
		  hw_info_try(self->fd, &cmd, o.missing, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT,
		  hw_info_try(self->fd, &cmd, o.ioas, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT,
		  hw_info_try(self->fd, &cmd, o.stdev, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT,
		  hw_info_try(self->fd, &cmd, o.auto_hwpt, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT,
		  hw_info_try(self->fd, &cmd, o.parent, buf, sizeof(buf)));
	EXPECT_EQ(0, hw_info_try(self->fd, &cmd, o.idev, buf, sizeof(buf)));
	id_objs_destroy(_metadata, self->fd, &o);
}

TEST_F(attach, get_hw_info_data)
{
	struct iommu_test_hw_info *info;
	struct iommu_hw_info cmd;
	unsigned char buf[64];
	__u32 idev_id, nd_idev, pasid_idev;
	unsigned int i;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL,
				 &idev_id));
	info = (void *)buf;

	/* Exactly the mock's 8 bytes */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, hw_info_try(self->fd, &cmd, idev_id, buf, sizeof(*info)));
	EXPECT_EQ(sizeof(*info), cmd.data_len);
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	EXPECT_EQ(0U, info->flags);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info->test_reg);
	EXPECT_EQ((__u64)IOMMU_HW_CAP_DIRTY_TRACKING,
		  cmd.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	EXPECT_EQ((__u64)IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED,
		  cmd.out_capabilities & IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	EXPECT_EQ(0ULL, cmd.out_capabilities & (IOMMU_HW_CAP_PCI_PASID_EXEC |
					      IOMMU_HW_CAP_PCI_PASID_PRIV));
	EXPECT_EQ(0, cmd.out_max_pasid_log2);
	for (i = sizeof(*info); i != sizeof(buf); i++)
		ASSERT_EQ(0xff, buf[i]);

	/* A longer buffer: the data, then zeroes to the end of the buffer */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, hw_info_try(self->fd, &cmd, idev_id, buf, 40));
	EXPECT_EQ(sizeof(*info), cmd.data_len);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info->test_reg);
	for (i = sizeof(*info); i != 40; i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %u", i);
	for (; i != sizeof(buf); i++)
		ASSERT_EQ(0xff, buf[i]) TH_LOG("byte %u", i);

	/* A shorter one: what fits, and the full length comes back */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, hw_info_try(self->fd, &cmd, idev_id, buf, 5));
	EXPECT_EQ(sizeof(*info), cmd.data_len);
	EXPECT_EQ(0U, info->flags);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL & 0xff, buf[4]);
	for (i = 5; i != sizeof(buf); i++)
		ASSERT_EQ(0xff, buf[i]) TH_LOG("byte %u", i);

	/* No buffer at all: only the length and the type */
	ASSERT_EQ(0, hw_info_try(self->fd, &cmd, idev_id, NULL, 0));
	EXPECT_EQ(sizeof(*info), cmd.data_len);
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);

	/* A buffer that cannot be written */
	EXPECT_EQ(-EFAULT, hw_info_try(self->fd, &cmd, idev_id, NULL, 8));
	EXPECT_EQ(-EFAULT, hw_info_try(self->fd, &cmd, idev_id, NULL, 1));

	/* A device without dirty tracking, one with PASIDs */
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id,
				       MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL,
				       &nd_idev));
	ASSERT_EQ(0, hw_info_try(self->fd, &cmd, nd_idev, buf, sizeof(buf)));
	EXPECT_EQ(0ULL, cmd.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	EXPECT_EQ(0, cmd.out_max_pasid_log2);
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id,
				       MOCK_FLAGS_DEVICE_PASID, NULL, NULL,
				       &pasid_idev));
	ASSERT_EQ(0, hw_info_try(self->fd, &cmd, pasid_idev, buf,
				 sizeof(buf)));
	EXPECT_EQ(MOCK_PASID_WIDTH, cmd.out_max_pasid_log2);
}

static int hw_info_typed(int fd, struct iommu_hw_info *cmd, __u32 flags,
			 __u32 dev_id, __u32 type, void *buf, __u32 len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->flags = flags;
	cmd->dev_id = dev_id;
	cmd->data_len = len;
	cmd->data_uptr = (uintptr_t)buf;
	cmd->in_data_type = type;
	return iommufd_ioctl(fd, IOMMU_GET_HW_INFO, cmd);
}

TEST_F(attach, get_hw_info_input_type)
{
	const __u32 input = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	struct iommu_hw_info cmd;
	__u32 buf[2], idev_id;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL,
				 &idev_id));
	/* The right type, and DEFAULT, give the mock's data */
	ASSERT_EQ(0, hw_info_typed(self->fd, &cmd, input, idev_id,
				   IOMMU_HW_INFO_TYPE_SELFTEST, buf,
				   sizeof(buf)));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, buf[1]);
	ASSERT_EQ(0, hw_info_typed(self->fd, &cmd, input, idev_id,
				   IOMMU_HW_INFO_TYPE_DEFAULT, buf,
				   sizeof(buf)));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	/* A type the mock does not have */
	EXPECT_EQ(-EOPNOTSUPP, hw_info_typed(self->fd, &cmd, input, idev_id,
					     IOMMU_HW_INFO_TYPE_INTEL_VTD, buf,
					     sizeof(buf)));
	EXPECT_EQ(-EOPNOTSUPP, hw_info_typed(self->fd, &cmd, input, idev_id,
					     0x12345678, buf, sizeof(buf)));
	/* ... but looked for only after the device */
	EXPECT_EQ(-ENOENT, hw_info_typed(self->fd, &cmd, input,
					 self->ioas_id,
					 IOMMU_HW_INFO_TYPE_INTEL_VTD, buf,
					 sizeof(buf)));
	/* Without the flag the field is output only */
	ASSERT_EQ(0, hw_info_typed(self->fd, &cmd, 0, idev_id,
				   IOMMU_HW_INFO_TYPE_INTEL_VTD, buf,
				   sizeof(buf)));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);

	/* Unknown flags and reserved bytes come before the lookup */
	EXPECT_EQ(-EOPNOTSUPP, hw_info_typed(self->fd, &cmd, 1U << 1, 0, 0,
					     buf, sizeof(buf)));
	EXPECT_EQ(-EOPNOTSUPP, hw_info_typed(self->fd, &cmd, 1U << 31,
					     idev_id, 0, buf, sizeof(buf)));
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = idev_id;
	cmd.__reserved[2] = 0x80;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_GET_HW_INFO,
					     &cmd));
}

TEST_F(attach, get_hw_info_min_size)
{
	struct iommu_hw_info cmd = {};
	__u32 buf[2], idev_id;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, NULL, NULL,
				 &idev_id));
	/* The 32-byte struct of old userspace: out_capabilities untouched */
	cmd.size = offsetofend(struct iommu_hw_info, __reserved);
	cmd.dev_id = idev_id;
	cmd.data_len = sizeof(buf);
	cmd.data_uptr = (uintptr_t)buf;
	cmd.out_capabilities = 0x5a5a5a5a5a5a5a5aULL;
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	EXPECT_EQ(sizeof(buf), cmd.data_len);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, buf[1]);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, cmd.out_capabilities);

	/* The full struct gets it */
	cmd.size = sizeof(cmd);
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	EXPECT_NE(0x5a5a5a5a5a5a5a5aULL, cmd.out_capabilities);
	EXPECT_EQ((__u64)IOMMU_HW_CAP_DIRTY_TRACKING,
		  cmd.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
}

TEST_F(attach, dirty_cmds_ids)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.iova = MOCK_APERTURE_START,
		.length = SZ_1M,
		.page_size = SZ_4K,
		.data = (uintptr_t)self->buf,
	};
	__u32 dirty_hwpt;
	struct id_objs o;

	id_objs_make(_metadata, self->fd, self->ioas_id, &o);
	ASSERT_EQ(0, hwpt_alloc(self->fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				o.idev, self->ioas_id, &dirty_hwpt));
	{
		const __u32 bad[] = { 0, o.missing, o.ioas, o.idev, o.stdev };
		unsigned int i;

		for (i = 0; i != ARRAY_SIZE(bad); i++) {
			set.hwpt_id = bad[i];
			get.hwpt_id = bad[i];
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd,
						IOMMU_HWPT_SET_DIRTY_TRACKING,
						&set)) TH_LOG("id %u", bad[i]);
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd,
						IOMMU_HWPT_GET_DIRTY_BITMAP,
						&get)) TH_LOG("id %u", bad[i]);
		}
	}
	/* A paging HWPT: there is no dirty tracking on 6.1 */
	set.hwpt_id = o.auto_hwpt;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd,
					     IOMMU_HWPT_SET_DIRTY_TRACKING,
					     &set));
	set.hwpt_id = dirty_hwpt;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd,
					     IOMMU_HWPT_SET_DIRTY_TRACKING,
					     &set));
	get.hwpt_id = dirty_hwpt;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd,
					     IOMMU_HWPT_GET_DIRTY_BITMAP,
					     &get));
	/* but the range is checked first, as upstream does */
	get.page_size = 0;
	EXPECT_EQ(-EINVAL, iommufd_ioctl(self->fd,
					 IOMMU_HWPT_GET_DIRTY_BITMAP, &get));
	get.page_size = SZ_4K;
	get.iova = MOCK_APERTURE_START + mock_page_size() / 2;
	EXPECT_EQ(-EINVAL, iommufd_ioctl(self->fd,
					 IOMMU_HWPT_GET_DIRTY_BITMAP, &get));
	get.iova = MOCK_APERTURE_START + mock_page_size();
	EXPECT_EQ(-EINVAL, iommufd_ioctl(self->fd,
					 IOMMU_HWPT_GET_DIRTY_BITMAP, &get));
	get.iova = UINT64_MAX - SZ_4K + 1;
	EXPECT_EQ(-EOVERFLOW, iommufd_ioctl(self->fd,
					    IOMMU_HWPT_GET_DIRTY_BITMAP,
					    &get));
	EXPECT_EQ(0, obj_destroy(self->fd, dirty_hwpt));
	id_objs_destroy(_metadata, self->fd, &o);
}

TEST_F(attach, invalidate_ids)
{
	struct iommu_hwpt_invalidate_selftest entry = {};
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.data_uptr = (uintptr_t)&entry,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(entry),
	};
	struct id_objs o;
	unsigned int i;

	id_objs_make(_metadata, self->fd, self->ioas_id, &o);
	{
		const struct {
			__u32 id;
			int err;
		} cases[] = {
			{ 0, -ENOENT },
			{ o.missing, -ENOENT },
			/* Not a nested HWPT or a vIOMMU: EINVAL */
			{ o.ioas, -EINVAL },
			{ o.idev, -EINVAL },
			{ o.stdev, -EINVAL },
			{ o.auto_hwpt, -EINVAL },
			{ o.parent, -EINVAL },
		};

		for (i = 0; i != ARRAY_SIZE(cases); i++) {
			cmd.hwpt_id = cases[i].id;
			cmd.entry_num = 1;
			EXPECT_EQ(cases[i].err,
				  iommufd_ioctl(self->fd, IOMMU_HWPT_INVALIDATE,
						&cmd))
				TH_LOG("id %u", cases[i].id);
			EXPECT_EQ(0U, cmd.entry_num);
		}
	}
	id_objs_destroy(_metadata, self->fd, &o);
}

TEST_F(attach, viommu_cmds_ids)
{
	struct iommu_viommu_alloc viommu = {
		.size = sizeof(viommu),
		.type = IOMMU_VIOMMU_TYPE_SELFTEST,
	};
	struct iommu_vdevice_alloc vdev = {
		.size = sizeof(vdev),
		.virt_id = 1,
	};
	struct iommu_veventq_alloc veventq = {
		.size = sizeof(veventq),
		.type = IOMMU_VEVENTQ_TYPE_SELFTEST,
		.veventq_depth = 4,
	};
	struct iommu_hw_queue_alloc hw_queue = {
		.size = sizeof(hw_queue),
		.type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
		.nesting_parent_iova = MOCK_APERTURE_START,
		.length = SZ_4K,
	};
	struct id_objs o;
	unsigned int i;

	id_objs_make(_metadata, self->fd, self->ioas_id, &o);
	{
		const __u32 not_dev[] = { 0, o.missing, o.ioas, o.stdev,
					  o.auto_hwpt, o.parent };
		const __u32 not_hwpt[] = { 0, o.missing, o.ioas, o.stdev,
					   o.idev };
		/* No vIOMMU can exist: every ID is ENOENT */
		const __u32 not_viommu[] = { 0, o.missing, o.ioas, o.stdev,
					     o.idev, o.parent };

		/* VIOMMU_ALLOC: dev_id first, hwpt_id even if it is bad */
		viommu.hwpt_id = o.missing;
		for (i = 0; i != ARRAY_SIZE(not_dev); i++) {
			viommu.dev_id = not_dev[i];
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd, IOMMU_VIOMMU_ALLOC,
						&viommu)) TH_LOG("id %u",
								 not_dev[i]);
		}
		/* A type the device's IOMMU does not know, before hwpt_id */
		viommu.dev_id = o.idev;
		viommu.type = 0x1234;
		EXPECT_EQ(-EOPNOTSUPP,
			  iommufd_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &viommu));
		viommu.type = IOMMU_VIOMMU_TYPE_SELFTEST;
		for (i = 0; i != ARRAY_SIZE(not_hwpt); i++) {
			viommu.hwpt_id = not_hwpt[i];
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd, IOMMU_VIOMMU_ALLOC,
						&viommu)) TH_LOG("id %u",
								 not_hwpt[i]);
		}
		/* Not a nesting parent */
		viommu.hwpt_id = o.auto_hwpt;
		EXPECT_EQ(-EINVAL,
			  iommufd_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &viommu));
		viommu.hwpt_id = o.plain;
		EXPECT_EQ(-EINVAL,
			  iommufd_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &viommu));
		/* Everything resolved: only now not supported */
		viommu.hwpt_id = o.parent;
		EXPECT_EQ(-EOPNOTSUPP,
			  iommufd_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &viommu));

		vdev.dev_id = o.idev;
		veventq.viommu_id = o.idev;
		for (i = 0; i != ARRAY_SIZE(not_viommu); i++) {
			vdev.viommu_id = not_viommu[i];
			veventq.viommu_id = not_viommu[i];
			hw_queue.viommu_id = not_viommu[i];
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd, IOMMU_VDEVICE_ALLOC,
						&vdev));
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd, IOMMU_VEVENTQ_ALLOC,
						&veventq));
			EXPECT_EQ(-ENOENT,
				  iommufd_ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC,
						&hw_queue));
		}
	}
	id_objs_destroy(_metadata, self->fd, &o);
}

TEST_F(attach, hwpt_alloc_ids)
{
	__u32 sel = 0x5a;
	struct id_objs o;
	unsigned int i;

	id_objs_make(_metadata, self->fd, self->ioas_id, &o);

	/* Unknown flags are judged after dev_id and pt_id */
	EXPECT_EQ(-ENOENT, hwpt_try(self->fd, 1U << 30, o.missing, o.ioas, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 1U << 30, o.idev, o.missing, 0,
				    IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 1U << 30, o.idev, o.ioas, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));

	/* fault_id: no FAULT object can exist, so every ID is ENOENT */
	{
		const __u32 not_fault[] = { 0, o.missing, o.ioas, o.idev,
					    o.stdev, o.auto_hwpt };

		for (i = 0; i != ARRAY_SIZE(not_fault); i++) {
			struct iommu_hwpt_alloc cmd = {
				.size = sizeof(cmd),
				.flags = IOMMU_HWPT_FAULT_ID_VALID,
				.dev_id = o.idev,
				.pt_id = o.ioas,
				.fault_id = not_fault[i],
			};

			EXPECT_EQ(-ENOENT, iommufd_ioctl(self->fd,
							 IOMMU_HWPT_ALLOC,
							 &cmd));
			/* nested on a parent, too */
			cmd.pt_id = o.parent;
			cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
			cmd.data_len = sizeof(sel);
			cmd.data_uptr = (uintptr_t)&sel;
			EXPECT_EQ(-ENOENT, iommufd_ioctl(self->fd,
							 IOMMU_HWPT_ALLOC,
							 &cmd));
		}
	}
	/* The allocation error still comes first */
	{
		__u32 nd_stdev, nd_idev;
		struct iommu_hwpt_alloc cmd = {
			.size = sizeof(cmd),
			.flags = IOMMU_HWPT_FAULT_ID_VALID |
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			.pt_id = o.ioas,
		};

		ASSERT_EQ(0, mock_domain_flags(self->fd, o.ioas,
					       MOCK_FLAGS_DEVICE_NO_DIRTY,
					       &nd_stdev, NULL, &nd_idev));
		cmd.dev_id = nd_idev;
		EXPECT_EQ(-EOPNOTSUPP,
			  iommufd_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
		EXPECT_EQ(0, obj_destroy(self->fd, nd_stdev));
	}

	/* Nested on a paging HWPT, in upstream's order */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, o.idev, o.parent, 0,
					IOMMU_HWPT_DATA_NONE, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					o.idev, o.parent, 0,
					IOMMU_HWPT_DATA_SELFTEST, sizeof(sel),
					&sel));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, o.idev, o.auto_hwpt, 0,
				    IOMMU_HWPT_DATA_SELFTEST, sizeof(sel),
				    &sel));
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, o.idev, o.plain, 0,
				    IOMMU_HWPT_DATA_SELFTEST, sizeof(sel),
				    &sel));
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, o.idev, o.parent, 0,
					IOMMU_HWPT_DATA_VTD_S1, sizeof(sel),
					&sel));
	/* A good request: not supported yet */
	EXPECT_EQ(-EOPNOTSUPP, hwpt_try(self->fd, 0, o.idev, o.parent, 0,
					IOMMU_HWPT_DATA_SELFTEST, sizeof(sel),
					&sel));
	/* pt_id of a kind that cannot be a page table */
	EXPECT_EQ(-EINVAL, hwpt_try(self->fd, 0, o.idev, o.stdev, 0,
				    IOMMU_HWPT_DATA_SELFTEST, sizeof(sel),
				    &sel));

	/* Nothing above left an HWPT or a reference behind */
	id_objs_destroy(_metadata, self->fd, &o);
}

/*
 * === 12. A short unmap by the IOMMU driver ===
 *
 * MD_SHORT_UNMAP makes a mock domain stop an unmap short, leaving IOPTEs
 * behind, as a buggy IOMMU driver might. iommufd must then never unpin a
 * page the domain can still reach: such pages stay pinned and charged,
 * leaked for good, even once everything is closed. The core reports each
 * short unmap (with a WARN in production; for one the mock made, a log
 * line and a count that MD_SHORT_UNMAP reads back). Each test uses a part
 * of the buffer no other test touches, as what is leaked stays pinned for
 * the life of the test process.
 */

static int md_short_unmap(int fd, __u32 hwpt_id, __u32 flags, __u64 length,
			  __u32 *reported)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_SHORT_UNMAP,
		.id = hwpt_id,
		.short_unmap = { .length = length, .flags = flags },
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (!ret && reported)
		*reported = cmd.short_unmap.out_reported;
	return ret;
}

/* How many short unmaps of @hwpt_id iommufd reported, or UINT32_MAX */
static __u32 short_unmaps(int fd, __u32 hwpt_id)
{
	__u32 n = UINT32_MAX;

	if (md_short_unmap(fd, hwpt_id, 0, 0, &n))
		return UINT32_MAX;
	return n;
}

#define KB_PER_PAGE ((long)(PAGE_SZ / 1024))

TEST_F(attach, short_unmap_keeps_reachable_pages_pinned)
{
	long vmpin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	char *buf = self->buf;
	int fd;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buf,
				    8 * PAGE_SZ, IOVA_A));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, 8 * PAGE_SZ, 1));
	EXPECT_EQ(vmpin0 + 8 * KB_PER_PAGE, proc_status_kb("VmPin"));
	EXPECT_EQ(0U, short_unmaps(self->fd, hwpt_id));

	/* Two and a half pages go, then the domain refuses the rest */
	ASSERT_EQ(0, md_short_unmap(self->fd, hwpt_id, MOCK_SHORT_UNMAP_ARM,
				    2 * PAGE_SZ + MOCK_PAGE, NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, 8 * PAGE_SZ);
	EXPECT_EQ(1U, short_unmaps(self->fd, hwpt_id));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, 2 * PAGE_SZ, 0));
	/* The half-unmapped page is reachable too */
	EXPECT_EQ(0, md_check_refs(self->fd, buf + 2 * PAGE_SZ, 6 * PAGE_SZ,
				   1));
	EXPECT_EQ(vmpin0 + 6 * KB_PER_PAGE, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id,
				  IOVA_A + 2 * PAGE_SZ + MOCK_PAGE,
				  5 * PAGE_SZ + MOCK_PAGE,
				  buf + 2 * PAGE_SZ + MOCK_PAGE));

	/* The domain is back to normal */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buf + SZ_1M,
				    4 * PAGE_SZ, IOVA_B));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_B, 4 * PAGE_SZ);
	EXPECT_EQ(0, md_check_refs(self->fd, buf + SZ_1M, 4 * PAGE_SZ, 0));
	EXPECT_EQ(1U, short_unmaps(self->fd, hwpt_id));

	/* Freeing everything gives nothing of it back */
	close(self->fd);
	self->fd = -1;
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, md_check_refs(fd, buf, 2 * PAGE_SZ, 0));
	EXPECT_EQ(0, md_check_refs(fd, buf + 2 * PAGE_SZ, 6 * PAGE_SZ, 1));
	EXPECT_EQ(vmpin0 + 6 * KB_PER_PAGE, proc_status_kb("VmPin"));
	close(fd);
}

/*
 * Unfilling unmaps a batch of whole PFN runs at a time, so where a batch
 * ends depends on the physical layout. Whatever it is, what the short
 * unmap left reachable leaks, from the first page it did not unmap to at
 * most the end of the area, and everything else is unpinned.
 */
TEST_F(attach, short_unmap_in_the_second_chunk)
{
	const unsigned long rest = (SZ_2M - 3 * PAGE_SZ) / PAGE_SZ;
	long vmpin0 = proc_status_kb("VmPin");
	char *buf = self->buf, *tail;
	__u32 stdev_id, hwpt_id;
	unsigned long leaked;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buf, SZ_4M,
				    IOVA_A));
	ASSERT_EQ(0, md_short_unmap(self->fd, hwpt_id, MOCK_SHORT_UNMAP_ARM,
				    SZ_2M + 3 * PAGE_SZ, NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, SZ_4M);
	EXPECT_EQ(1U, short_unmaps(self->fd, hwpt_id));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, SZ_2M + 3 * PAGE_SZ, 0));
	/* The leaked pages are a prefix of the rest, at least one page */
	tail = buf + SZ_2M + 3 * PAGE_SZ;
	for (leaked = 0; leaked != rest; leaked++)
		if (md_check_refs(self->fd, tail + leaked * PAGE_SZ, PAGE_SZ,
				  1))
			break;
	EXPECT_LE(1UL, leaked);
	if (leaked != rest)
		EXPECT_EQ(0, md_check_refs(self->fd, tail + leaked * PAGE_SZ,
					   (rest - leaked) * PAGE_SZ, 0));
	EXPECT_EQ(vmpin0 + (long)leaked * KB_PER_PAGE, proc_status_kb("VmPin"));
}

/*
 * Unmapping from a domain the area stays in (the pages stay pinned for
 * the other one) must still leak what it left reachable, once the other
 * domain lets go: whichever of the two domains stops short.
 */
TEST_F(attach, short_unmap_with_two_domains)
{
	__u32 stdev_id[2], hwpt_id[2], idev_id;
	char *buf = self->buf;
	unsigned int i;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id[0],
				 &hwpt_id[0], &idev_id));
	ASSERT_EQ(0, hwpt_alloc(self->fd, 0, idev_id, self->ioas_id,
				&hwpt_id[1]));
	ASSERT_EQ(0, mock_domain(self->fd, hwpt_id[1], &stdev_id[1], NULL,
				 NULL));

	for (i = 0; i != 2; i++) {
		/* Each domain keeps the IOVA it refused: use another one */
		__u64 iova = i ? IOVA_B : IOVA_A;
		char *mem = buf + i * SZ_1M;

		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, mem,
					    4 * PAGE_SZ, iova));
		EXPECT_EQ(0, md_check_refs(self->fd, mem, 4 * PAGE_SZ, 1));
		/* Nothing goes */
		ASSERT_EQ(0, md_short_unmap(self->fd, hwpt_id[i],
					    MOCK_SHORT_UNMAP_ARM, 0, NULL));
		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova,
				   4 * PAGE_SZ);
		EXPECT_EQ(1U, short_unmaps(self->fd, hwpt_id[i]));
		EXPECT_EQ(i, short_unmaps(self->fd, hwpt_id[!i]));
		EXPECT_EQ(0, md_check_refs(self->fd, mem, 4 * PAGE_SZ, 1));
		EXPECT_EQ(0, md_check_map(self->fd, hwpt_id[i], iova,
					  4 * PAGE_SZ, mem));
		EXPECT_EQ(-EINVAL, md_check_map(self->fd, hwpt_id[!i], iova,
						MOCK_PAGE, mem));
	}
}

/*
 * Pages another area of the same page set (a COPY) still maps are not
 * unpinned by the first unmap anyway; the leak must outlast that area.
 */
TEST_F(attach, short_unmap_of_a_copied_area)
{
	__u32 stdev_id, hwpt_id;
	char *buf = self->buf;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buf,
				    4 * PAGE_SZ, IOVA_A));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, self->ioas_id, IOVA_B,
				     self->ioas_id, IOVA_A, 4 * PAGE_SZ));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, 4 * PAGE_SZ, 1));
	ASSERT_EQ(0, md_short_unmap(self->fd, hwpt_id, MOCK_SHORT_UNMAP_ARM,
				    PAGE_SZ, NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, 4 * PAGE_SZ);
	EXPECT_EQ(1U, short_unmaps(self->fd, hwpt_id));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, 4 * PAGE_SZ, 1));
	/* The copy goes whole: only its first page is unpinned */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_B, 4 * PAGE_SZ);
	EXPECT_EQ(1U, short_unmaps(self->fd, hwpt_id));
	EXPECT_EQ(0, md_check_refs(self->fd, buf, PAGE_SZ, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, buf + PAGE_SZ, 3 * PAGE_SZ, 1));
}

TEST_F(attach, short_unmap_bad_args)
{
	__u32 stdev_id, hwpt_id, idev_id;

	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 &idev_id));
	EXPECT_EQ(-EOPNOTSUPP, md_short_unmap(self->fd, hwpt_id, 1U << 1, 0,
					      NULL));
	EXPECT_EQ(-EOPNOTSUPP, md_short_unmap(self->fd, hwpt_id, 1U << 31, 0,
					      NULL));
	EXPECT_EQ(-ENOENT, md_short_unmap(self->fd, self->ioas_id,
					  MOCK_SHORT_UNMAP_ARM, 0, NULL));
	EXPECT_EQ(-ENOENT, md_short_unmap(self->fd, stdev_id,
					  MOCK_SHORT_UNMAP_ARM, 0, NULL));
	EXPECT_EQ(-ENOENT, md_short_unmap(self->fd, idev_id,
					  MOCK_SHORT_UNMAP_ARM, 0, NULL));
	EXPECT_EQ(-ENOENT, md_short_unmap(self->fd, 0, 0, 0, NULL));
	/* None of that armed the domain */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    PAGE_SZ, IOVA_A));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, PAGE_SZ);
	EXPECT_EQ(0U, short_unmaps(self->fd, hwpt_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, PAGE_SZ, 0));

	/* Armed and never used: the domain goes away as usual */
	ASSERT_EQ(0, md_short_unmap(self->fd, hwpt_id, MOCK_SHORT_UNMAP_ARM,
				    0, NULL));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
}

/* === 13. Read-only pins of private file mappings break COW first === */

/*
 * A private (COW) mapping of a file shows the process page-cache pages
 * until it writes them; then the process gets copies of its own. A
 * read-only MAP must pin the pages the process keeps, or the device goes
 * on reading the file while the process sees its copies. Each test reads
 * a memfd through a private mapping, maps it without WRITEABLE, lets a
 * mock domain pin it, writes it through the CPU and asks MD_CHECK_MAP
 * whether the domain still maps what the process sees. A shared mapping
 * of the same file shows the page-cache pages, so MD_CHECK_REFS on it
 * tells whether they were pinned.
 */

#define COW_OLD 0x11
#define COW_NEW 0x22

struct cow_file {
	int mfd;
	size_t size;
	char *shared;	/* read/write MAP_SHARED of the whole file */
};

/* A memfd of @size bytes (hugetlbfs with MFD_HUGETLB), every byte COW_OLD */
static bool cow_file_init(struct cow_file *f, unsigned int mfd_flags,
			  size_t size)
{
	f->size = size;
	f->shared = MAP_FAILED;
	f->mfd = memfd_create("iommufd_cow", MFD_CLOEXEC | mfd_flags);
	if (f->mfd < 0 || ftruncate(f->mfd, size))
		return false;
	f->shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 f->mfd, 0);
	if (f->shared == MAP_FAILED)
		return false;
	memset(f->shared, COW_OLD, size);
	return true;
}

static void cow_file_fini(struct cow_file *f)
{
	if (f->shared != MAP_FAILED)
		munmap(f->shared, f->size);
	if (f->mfd >= 0)
		close(f->mfd);
}

static bool all_bytes_are(const char *p, size_t len, char c)
{
	size_t i;

	for (i = 0; i != len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* IOMMU_IOAS_MAP of @va at @iova, readable only */
static int ioas_map_ro(int fd, __u32 ioas_id, const void *va, __u64 length,
		       __u64 iova)
{
	return ioas_map(fd, ioas_id,
			IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
			(uintptr_t)va, length, &iova);
}

/*
 * The process writes COW_NEW over [p, p + len) of a mapping that the
 * domain @hwpt_id maps read-only at IOVA_A: the domain must still map the
 * process's pages, and the file keep COW_OLD.
 */
static void cow_write_and_check(struct __test_metadata *_metadata, int fd,
				__u32 hwpt_id, struct cow_file *f, char *p,
				size_t len)
{
	memset(p, COW_NEW, len);
	EXPECT_EQ(0, md_check_map(fd, hwpt_id, IOVA_A, len, p));
	EXPECT_TRUE(all_bytes_are(f->shared, len, COW_OLD));
}

/* Read-only MAP of a read/write private mapping: pinned with FOLL_WRITE */
TEST_F(attach, ro_map_of_private_file_mapping)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	struct cow_file f;
	char *priv;

	ASSERT_TRUE(cow_file_init(&f, 0, SZ_1M));
	priv = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.mfd,
		    0);
	ASSERT_NE(MAP_FAILED, priv);
	/* Every page mapped, as the page-cache page */
	ASSERT_TRUE(all_bytes_are(priv, SZ_1M, COW_OLD));

	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, priv, SZ_1M, IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, priv));
	/* The process's own copies are pinned, the file's pages are not */
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_1M, 0));
	/* and they still read as the file */
	EXPECT_TRUE(all_bytes_are(priv, SZ_1M, COW_OLD));

	cow_write_and_check(_metadata, self->fd, hwpt_id, &f, priv, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 1));
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, SZ_1M);
	munmap(priv, SZ_1M);
	cow_file_fini(&f);
}

/*
 * A read-only private mapping, of a read-only file descriptor: pinned
 * with FOLL_WRITE | FOLL_FORCE. The copy stays read-only for the process
 * until mprotect(), and then it is the page the process writes.
 */
TEST_F(attach, ro_map_of_read_only_private_file_mapping)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	char path[64];
	struct cow_file f;
	char *priv;
	int rofd;

	ASSERT_TRUE(cow_file_init(&f, 0, SZ_1M));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f.mfd);
	rofd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rofd);
	priv = mmap(NULL, SZ_1M, PROT_READ, MAP_PRIVATE, rofd, 0);
	ASSERT_NE(MAP_FAILED, priv);
	ASSERT_TRUE(all_bytes_are(priv, SZ_1M, COW_OLD));

	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, priv, SZ_1M, IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, priv));
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_1M, 0));
	EXPECT_TRUE(all_bytes_are(priv, SZ_1M, COW_OLD));

	ASSERT_EQ(0, mprotect(priv, SZ_1M, PROT_READ | PROT_WRITE));
	cow_write_and_check(_metadata, self->fd, hwpt_id, &f, priv, SZ_1M);
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 1));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, SZ_1M);
	munmap(priv, SZ_1M);
	close(rofd);
	cow_file_fini(&f);
}

/* A shared mapping has no COW: the page-cache pages are pinned, as before */
TEST_F(attach, ro_map_of_shared_file_mapping)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	struct cow_file f;
	char *ro;

	ASSERT_TRUE(cow_file_init(&f, 0, SZ_1M));
	/* A read-only shared mapping of the same pages too */
	ro = mmap(NULL, SZ_1M, PROT_READ, MAP_SHARED, f.mfd, 0);
	ASSERT_NE(MAP_FAILED, ro);

	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, f.shared, SZ_1M,
				 IOVA_A));
	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, ro, SZ_1M, IOVA_B));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + 2 * KB(SZ_1M), proc_status_kb("VmPin"));
	/* Two page sets, each pinning the page-cache pages once */
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_1M, 2));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, f.shared));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_1M, ro));

	memset(f.shared, COW_NEW, SZ_1M);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, f.shared));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_1M, ro));
	EXPECT_TRUE(all_bytes_are(ro, SZ_1M, COW_NEW));
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_1M, 2));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_1M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_1M);
	munmap(ro, SZ_1M);
	cow_file_fini(&f);
}

/* Anonymous memory the process owns pins the pages it has */
TEST_F(attach, ro_map_of_anonymous_memory)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;

	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, self->buf, SZ_1M,
				 IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	memset(self->buf, COW_NEW, SZ_1M);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 1));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, SZ_1M);
}

/*
 * Private anonymous memory never touched shows the shared zero page, which
 * the process leaves on its first write: a read-only pin must give the
 * device the page the process will keep, whether the mapping is writable
 * now or only after an mprotect().
 */
TEST_F(attach, ro_map_of_untouched_anonymous_memory)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	char *rw, *ro;

	rw = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rw);
	ro = mmap(NULL, SZ_1M, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, rw, SZ_1M, IOVA_A));
	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, ro, SZ_1M,
				 IOVA_A + SZ_1M));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + KB(2 * SZ_1M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(self->fd, rw, SZ_1M, 1));

	memset(rw, COW_NEW, SZ_1M);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_1M, rw));
	EXPECT_EQ(0, md_check_refs(self->fd, rw, SZ_1M, 1));
	ASSERT_EQ(0, mprotect(ro, SZ_1M, PROT_READ | PROT_WRITE));
	memset(ro, COW_NEW, SZ_1M);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A + SZ_1M, SZ_1M,
				  ro));
	EXPECT_EQ(0, md_check_refs(self->fd, ro, SZ_1M, 1));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, rw, SZ_1M, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, ro, SZ_1M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_1M);
	munmap(rw, SZ_1M);
	munmap(ro, SZ_1M);
}

/*
 * One MAP over four adjacent VMAs: anonymous memory, a read/write private
 * mapping of the file, a read-only one, and a shared one. Pinning works
 * VMA by VMA where it has to break COW, and each part ends up right.
 */
TEST_F(attach, ro_map_across_mixed_vmas)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	char *va, *anon, *rw, *rdonly, *shared;
	struct cow_file f;

	ASSERT_TRUE(cow_file_init(&f, 0, 3 * SZ_1M));
	va = mmap(NULL, SZ_4M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, va);
	anon = mmap(va, SZ_1M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	rw = mmap(va + SZ_1M, SZ_1M, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_FIXED, f.mfd, 0);
	rdonly = mmap(va + SZ_2M, SZ_1M, PROT_READ, MAP_PRIVATE | MAP_FIXED,
		      f.mfd, SZ_1M);
	shared = mmap(va + 3 * SZ_1M, SZ_1M, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED, f.mfd, SZ_2M);
	ASSERT_EQ(va, anon);
	ASSERT_EQ(va + SZ_1M, rw);
	ASSERT_EQ(va + SZ_2M, rdonly);
	ASSERT_EQ(va + 3 * SZ_1M, shared);
	madvise(anon, SZ_1M, MADV_NOHUGEPAGE);
	memset(anon, COW_OLD, SZ_1M);

	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, va, SZ_4M, IOVA_A));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + KB(SZ_4M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_4M, va));
	EXPECT_EQ(0, md_check_refs(self->fd, va, SZ_4M, 1));
	/* Of the file, only the part mapped shared is pinned */
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_2M, 0));
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared + SZ_2M, SZ_1M, 1));
	EXPECT_TRUE(all_bytes_are(va, SZ_4M, COW_OLD));

	ASSERT_EQ(0, mprotect(rdonly, SZ_1M, PROT_READ | PROT_WRITE));
	memset(va, COW_NEW, SZ_4M);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_4M, va));
	EXPECT_EQ(0, md_check_refs(self->fd, va, SZ_4M, 1));
	/* Only the shared part reached the file */
	EXPECT_TRUE(all_bytes_are(f.shared, SZ_2M, COW_OLD));
	EXPECT_TRUE(all_bytes_are(f.shared + SZ_2M, SZ_1M, COW_NEW));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, va, SZ_4M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, SZ_4M);
	munmap(va, SZ_4M);
	cow_file_fini(&f);
}

/*
 * Memory the process can neither read nor write (PROT_NONE, private) is
 * not pinned for a read-only MAP: the MAP into an IOAS with a domain, and
 * the attach of a domain to an IOAS that maps it, fail with EFAULT, pin
 * nothing and leave the IOAS as it was. Breaking COW for a read-only pin
 * must not lend such memory the FOLL_FORCE a debugger gets.
 */
TEST_F(attach, ro_map_of_prot_none_is_efault)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	char *va;

	/* A readable page, then one that is not */
	va = mmap(NULL, 2 * PAGE_SZ, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, va);
	memset(va, COW_OLD, 2 * PAGE_SZ);
	ASSERT_EQ(0, mprotect(va + PAGE_SZ, PAGE_SZ, PROT_NONE));

	/* Mapped before a domain: nothing is pinned yet, the attach fails */
	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, va, 2 * PAGE_SZ,
				 IOVA_A));
	EXPECT_EQ(-EFAULT, mock_domain(self->fd, self->ioas_id, &stdev_id,
				       &hwpt_id, NULL));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(self->fd, va, PAGE_SZ, 0));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * PAGE_SZ);

	/* Mapped into a domain: the MAP fails, whole or in part */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(-EFAULT, ioas_map_ro(self->fd, self->ioas_id, va + PAGE_SZ,
				       PAGE_SZ, IOVA_A));
	EXPECT_EQ(-EFAULT, ioas_map_ro(self->fd, self->ioas_id, va,
				       2 * PAGE_SZ, IOVA_A));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_refs(self->fd, va, PAGE_SZ, 0));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);

	/* The readable page alone still maps */
	EXPECT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, va, PAGE_SZ,
				 IOVA_A));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, PAGE_SZ, va));
	EXPECT_EQ(pin0 + KB(PAGE_SZ), proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, PAGE_SZ);
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	munmap(va, 2 * PAGE_SZ);
}

/*
 * The pin made by another process that has the iommufd (here a child
 * attaching the domain) reaches the owner's mm remotely, and breaks COW
 * there just the same.
 */
TEST_F(attach, ro_map_of_private_file_mapping_pinned_remotely)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 ids[2]; /* stdev, hwpt */
	struct cow_file f;
	int pipefd[2];
	int status;
	char *priv;
	pid_t pid;

	ASSERT_TRUE(cow_file_init(&f, 0, SZ_1M));
	priv = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.mfd,
		    0);
	ASSERT_NE(MAP_FAILED, priv);
	ASSERT_TRUE(all_bytes_are(priv, SZ_1M, COW_OLD));
	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, priv, SZ_1M, IOVA_A));
	ASSERT_EQ(0, pipe(pipefd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mock_domain(self->fd, self->ioas_id, &ids[0], &ids[1],
				NULL))
			_exit(1);
		if (write(pipefd[1], ids, sizeof(ids)) != sizeof(ids))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)sizeof(ids), read(pipefd[0], ids, sizeof(ids)));
	close(pipefd[0]);
	close(pipefd[1]);

	/* Charged to the owner, and its copies are pinned */
	EXPECT_EQ(pin0 + KB(SZ_1M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(self->fd, ids[1], IOVA_A, SZ_1M, priv));
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 1));
	EXPECT_EQ(0, md_check_refs(self->fd, f.shared, SZ_1M, 0));
	cow_write_and_check(_metadata, self->fd, ids[1], &f, priv, SZ_1M);

	EXPECT_EQ(0, obj_destroy(self->fd, ids[0]));
	EXPECT_EQ(0, md_check_refs(self->fd, priv, SZ_1M, 0));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, SZ_1M);
	munmap(priv, SZ_1M);
	cow_file_fini(&f);
}

/*
 * hugetlbfs. A read/write private mapping breaks COW of the huge page,
 * as for small pages. 6.1 refuses FOLL_FORCE writes to hugetlb, so a
 * read-only private hugetlb mapping is pinned as it is, the file's page:
 * MAP works and the domain maps what the process sees for as long as it
 * does not make the mapping writable and write it. MD_CHECK_REFS skips
 * compound pages, so only MD_CHECK_MAP and VmPin are checked.
 */
TEST_F(attach, ro_map_of_private_hugetlb_mapping)
{
	long pin0 = proc_status_kb("VmPin");
	__u32 stdev_id, hwpt_id;
	char *priv, *rdonly;
	struct cow_file f;

	if (!cow_file_init(&f, MFD_HUGETLB, SZ_4M)) {
		cow_file_fini(&f);
		SKIP(return, "no 2 MiB hugetlb pages");
	}
	priv = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.mfd,
		    0);
	rdonly = mmap(NULL, SZ_2M, PROT_READ, MAP_PRIVATE, f.mfd, SZ_2M);
	if (priv == MAP_FAILED || rdonly == MAP_FAILED) {
		if (priv != MAP_FAILED)
			munmap(priv, SZ_2M);
		if (rdonly != MAP_FAILED)
			munmap(rdonly, SZ_2M);
		cow_file_fini(&f);
		SKIP(return, "no 2 MiB hugetlb pages to reserve");
	}
	ASSERT_TRUE(all_bytes_are(priv, SZ_2M, COW_OLD));
	ASSERT_TRUE(all_bytes_are(rdonly, SZ_2M, COW_OLD));

	ASSERT_EQ(0, ioas_map_ro(self->fd, self->ioas_id, priv, SZ_2M, IOVA_A));
	ASSERT_EQ(0,
		  ioas_map_ro(self->fd, self->ioas_id, rdonly, SZ_2M, IOVA_B));
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev_id, &hwpt_id,
				 NULL));
	EXPECT_EQ(pin0 + KB(SZ_4M), proc_status_kb("VmPin"));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_A, SZ_2M, priv));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_2M, rdonly));
	EXPECT_TRUE(all_bytes_are(priv, SZ_2M, COW_OLD));

	cow_write_and_check(_metadata, self->fd, hwpt_id, &f, priv, SZ_2M);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, IOVA_B, SZ_2M, rdonly));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(pin0, proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, SZ_4M);
	munmap(rdonly, SZ_2M);
	munmap(priv, SZ_2M);
	cow_file_fini(&f);
}

/* === 14. Reserved regions of a device (MOCK_FLAGS_DEVICE_RESV_REGIONS) === */

#define RESV MOCK_FLAGS_DEVICE_RESV_REGIONS

/*
 * IOVA_RANGES of an IOAS with a RESV_REGIONS device attached: the mock
 * aperture less the MSI window. The relaxable region stays usable.
 */
static void expect_resv_ranges(struct __test_metadata *_metadata, int fd,
			       __u32 ioas_id)
{
	struct iommu_iova_range r[4];
	__u64 alignment = 0;
	__u32 num = 4;

	memset(r, 0xff, sizeof(r));
	ASSERT_EQ(0, ioas_iova_ranges(fd, ioas_id, r, &num, &alignment));
	ASSERT_EQ(2U, num);
	EXPECT_EQ(MOCK_APERTURE_START, r[0].start);
	EXPECT_EQ(MOCK_RESV_MSI_START - 1, r[0].last);
	EXPECT_EQ(MOCK_RESV_MSI_LAST + 1, r[1].start);
	EXPECT_EQ(MOCK_APERTURE_LAST, r[1].last);
	EXPECT_EQ(mock_page_size(), alignment);
}

/* Is [iova, iova + length) free for a FIXED map? Leaves nothing mapped. */
static int try_map_fixed(int fd, __u32 ioas_id, const void *va,
			 size_t length, __u64 iova)
{
	int ret = ioas_map_fixed(fd, ioas_id, va, length, iova);

	if (!ret)
		ret = ioas_unmap(fd, ioas_id, iova, length, NULL);
	return ret;
}

TEST_F(attach, resv_regions_reserved_while_attached)
{
	__u32 stdev_id, hwpt_id, idev_id;
	__u64 msi = MOCK_RESV_MSI_START, msi_end = MOCK_RESV_MSI_LAST + 1;
	struct iommu_iova_range allow = {
		.start = msi_end - PAGE_SZ,
		.last = msi_end + PAGE_SZ - 1,
	};

	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id, RESV,
				       &stdev_id, &hwpt_id, &idev_id));
	expect_resv_ranges(_metadata, self->fd, self->ioas_id);

	/* The MSI window cannot be mapped, not even in part */
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, self->ioas_id, self->buf,
					 PAGE_SZ, msi));
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, self->ioas_id, self->buf,
					 PAGE_SZ, msi_end - PAGE_SZ));
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, self->ioas_id, self->buf,
					 2 * PAGE_SZ, msi - PAGE_SZ));
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, self->ioas_id, self->buf,
					 2 * PAGE_SZ, msi_end - PAGE_SZ));
	/* nor allowed */
	EXPECT_EQ(-EADDRINUSE,
		  ioas_allow_iovas(self->fd, self->ioas_id, &allow, 1));
	/* Right next to it is fine, and so is the relaxable region */
	EXPECT_EQ(0, try_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				   msi - PAGE_SZ));
	EXPECT_EQ(0, try_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				   msi_end));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    MOCK_RESV_RELAXABLE_START));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, MOCK_RESV_RELAXABLE_START,
				  SZ_1M, self->buf));

	/* The device gone, its region is free again */
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_id));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, try_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				   msi));
	EXPECT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allow, 1));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, MOCK_RESV_RELAXABLE_START,
			   SZ_1M);
}

/* Each device owns its reservation: the window stays while one is left */
TEST_F(attach, resv_regions_owned_per_device)
{
	__u32 stdev1, stdev2, stdev3, hwpt1, hwpt2;

	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id, RESV, &stdev1,
				       &hwpt1, NULL));
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id, RESV, &stdev2,
				       &hwpt2, NULL));
	EXPECT_EQ(hwpt1, hwpt2);
	/* A device without regions changes nothing about them */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev3, NULL,
				 NULL));
	expect_resv_ranges(_metadata, self->fd, self->ioas_id);

	EXPECT_EQ(0, obj_destroy(self->fd, stdev1));
	expect_resv_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, self->ioas_id, self->buf,
					 PAGE_SZ, MOCK_RESV_MSI_START));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev2));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, try_map_fixed(self->fd, self->ioas_id, self->buf, PAGE_SZ,
				   MOCK_RESV_MSI_START));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev3));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
}

/*
 * A mapping or an allowed range in the MSI window makes attach fail with
 * EADDRINUSE, and nothing changes: no HWPT, no reservation, no pins, the
 * mapping intact.
 */
TEST_F(attach, resv_regions_conflict_fails_attach)
{
	struct iommu_iova_range allow = {
		.start = MOCK_RESV_MSI_LAST,
		.last = MOCK_RESV_MSI_LAST + PAGE_SZ,
	};
	__u32 stdev_id, hwpt_id, plain, plain_hwpt;

	/* A mapping in the relaxable region is no conflict */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    MOCK_RESV_RELAXABLE_START));
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id, RESV,
				       &stdev_id, &hwpt_id, NULL));
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_id, MOCK_RESV_RELAXABLE_START,
				  SZ_1M, self->buf));
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M, 0));

	/* One that reaches into the window is: with no domain yet */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    self->buf + SZ_1M, 2 * PAGE_SZ,
				    MOCK_RESV_MSI_START - PAGE_SZ));
	EXPECT_EQ(-EADDRINUSE, mock_domain_flags(self->fd, self->ioas_id, RESV,
						 NULL, NULL, NULL));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_2M, 0));

	/* and with an automatic HWPT to reuse, which stays as it was */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &plain, &plain_hwpt,
				 NULL));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M + 2 * PAGE_SZ,
				   1));
	EXPECT_EQ(-EADDRINUSE, mock_domain_flags(self->fd, self->ioas_id, RESV,
						 NULL, NULL, NULL));
	EXPECT_EQ(-EADDRINUSE, mock_domain_flags(self->fd, plain_hwpt, RESV,
						 NULL, NULL, NULL));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, md_check_map(self->fd, plain_hwpt,
				  MOCK_RESV_MSI_START - PAGE_SZ, 2 * PAGE_SZ,
				  self->buf + SZ_1M));
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf, SZ_1M + 2 * PAGE_SZ,
				   1));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id,
			   MOCK_RESV_MSI_START - PAGE_SZ, 2 * PAGE_SZ);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, MOCK_RESV_RELAXABLE_START,
			   SZ_1M);

	/* An allowed range in the window is a conflict too */
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allow, 1));
	EXPECT_EQ(-EADDRINUSE, mock_domain_flags(self->fd, self->ioas_id, RESV,
						 NULL, NULL, NULL));
	expect_mock_ranges(_metadata, self->fd, self->ioas_id);
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, NULL, 0));
	ASSERT_EQ(0, mock_domain_flags(self->fd, self->ioas_id, RESV,
				       &stdev_id, &hwpt_id, NULL));
	EXPECT_EQ(plain_hwpt, hwpt_id);
	expect_resv_ranges(_metadata, self->fd, self->ioas_id);
	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	EXPECT_EQ(0, obj_destroy(self->fd, plain));
	expect_no_domain_ranges(_metadata, self->fd, self->ioas_id);
}

/*
 * Replace moves the reservation to the new IOAS, and keeps it when the
 * new HWPT is on the same IOAS.
 */
TEST_F(attach, resv_regions_replace_moves_them)
{
	__u32 a = self->ioas_id, b, stdev_id, idev_id, hwpt_a, manual_b, pt;

	ASSERT_EQ(0, ioas_alloc(self->fd, &b));
	ASSERT_EQ(0, mock_domain_flags(self->fd, a, RESV, &stdev_id, &hwpt_a,
				       &idev_id));
	expect_resv_ranges(_metadata, self->fd, a);

	pt = b;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, hwpt_a));
	expect_resv_ranges(_metadata, self->fd, b);
	expect_no_domain_ranges(_metadata, self->fd, a);
	EXPECT_EQ(0, try_map_fixed(self->fd, a, self->buf, PAGE_SZ,
				   MOCK_RESV_MSI_START));
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, b, self->buf, PAGE_SZ,
					 MOCK_RESV_MSI_START));

	/* Another HWPT on the same IOAS: the reservation stays */
	ASSERT_EQ(0, hwpt_alloc(self->fd, 0, idev_id, b, &manual_b));
	pt = manual_b;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	EXPECT_EQ(manual_b, pt);
	expect_resv_ranges(_metadata, self->fd, b);
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, b, self->buf, PAGE_SZ,
					 MOCK_RESV_MSI_START));

	/* Back to the first IOAS: the manual HWPT stays, the window goes */
	pt = a;
	ASSERT_EQ(0, mock_domain_replace(self->fd, stdev_id, &pt));
	expect_resv_ranges(_metadata, self->fd, a);
	expect_mock_ranges(_metadata, self->fd, b);
	EXPECT_EQ(0, try_map_fixed(self->fd, b, self->buf, PAGE_SZ,
				   MOCK_RESV_MSI_START));
	EXPECT_EQ(0, obj_destroy(self->fd, manual_b));
	expect_no_domain_ranges(_metadata, self->fd, b);

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	expect_no_domain_ranges(_metadata, self->fd, a);
	EXPECT_EQ(0, obj_destroy(self->fd, b));
}

/*
 * A failed replace leaves both IOASes as they were: when the new IOAS's
 * mapping is in the way, and when the regions were reserved but the
 * device then refused the domain.
 */
TEST_F(attach, resv_regions_failed_replace_changes_nothing)
{
	__u32 a = self->ioas_id, c, d, stdev_id, hwpt_a, helper, dirty, pt;

	ASSERT_EQ(0, ioas_alloc(self->fd, &c));
	ASSERT_EQ(0, ioas_alloc(self->fd, &d));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, a, self->buf, SZ_1M, IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, c, self->buf + SZ_1M, PAGE_SZ,
				    MOCK_RESV_MSI_LAST + 1 - PAGE_SZ));
	ASSERT_EQ(0, mock_domain_flags(self->fd, a,
				       RESV | MOCK_FLAGS_DEVICE_NO_DIRTY,
				       &stdev_id, &hwpt_a, NULL));

	pt = c;
	EXPECT_EQ(-EADDRINUSE, mock_domain_replace(self->fd, stdev_id, &pt));
	expect_no_domain_ranges(_metadata, self->fd, c);
	EXPECT_EQ(0, md_check_refs(self->fd, self->buf + SZ_1M, PAGE_SZ, 0));

	/* d has a dirty-tracking HWPT, which this device refuses */
	ASSERT_EQ(0, mock_domain(self->fd, d, NULL, NULL, &helper));
	ASSERT_EQ(0, hwpt_alloc(self->fd, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				helper, d, &dirty));
	pt = dirty;
	EXPECT_EQ(-EINVAL, mock_domain_replace(self->fd, stdev_id, &pt));
	expect_mock_ranges(_metadata, self->fd, d);
	EXPECT_EQ(0, try_map_fixed(self->fd, d, self->buf, PAGE_SZ,
				   MOCK_RESV_MSI_START));
	/* The same for a first attach */
	EXPECT_EQ(-EINVAL,
		  mock_domain_flags(self->fd, dirty,
				    RESV | MOCK_FLAGS_DEVICE_NO_DIRTY, NULL,
				    NULL, NULL));
	expect_mock_ranges(_metadata, self->fd, d);

	/* The old attachment is intact */
	expect_resv_ranges(_metadata, self->fd, a);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt_a, IOVA_A, SZ_1M, self->buf));
	EXPECT_EQ(-EINVAL, try_map_fixed(self->fd, a, self->buf, PAGE_SZ,
					 MOCK_RESV_MSI_START));

	EXPECT_EQ(0, obj_destroy(self->fd, stdev_id));
	expect_no_domain_ranges(_metadata, self->fd, a);
	EXPECT_EQ(0, obj_destroy(self->fd, dirty));
	EXPECT_EQ(0, obj_destroy(self->fd, c));
}

#undef RESV

TEST_HARNESS_MAIN
