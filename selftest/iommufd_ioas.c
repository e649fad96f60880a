// SPDX-License-Identifier: GPL-2.0
/*
 * Functional tests of the IOAS data path of /dev/iommu: IOMMU_IOAS_MAP,
 * IOMMU_IOAS_UNMAP, IOMMU_IOAS_COPY, IOMMU_IOAS_ALLOW_IOVAS, the reserved
 * ranges seen through IOMMU_IOAS_IOVA_RANGES, and IOMMU_OPTION.
 *
 * Every test here runs on an IOAS with no domain or access attached, so
 * MAP only records the range: nothing is pinned and user_va is never
 * touched. Reservations are made with IOMMU_TEST_OP_ADD_RESERVED.
 */
#include "iommufd_utils.h"

#include <stdlib.h>
#include <sys/wait.h>

/* Memory every test maps from; 2 MiB aligned so huge alignment is seen */
#define BUF_SIZE (8 * SZ_2M)

/* Never mapped by this process, and never touched with no domain */
#define BOGUS_VA (1ULL << 40)
#define BOGUS_VA_PTR ((void *)(uintptr_t)BOGUS_VA)

/* IOMMU_TEST_OP_ADD_RESERVED of [start, start + length) in the IOAS */
static int add_reserved(int fd, __u32 ioas_id, __u64 start, __u64 length)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = ioas_id,
		.add_reserved = { .start = start, .length = length },
	};

	return test_cmd(fd, &cmd);
}

/* --- Fixture: one context, one IOAS, one 2 MiB aligned buffer --- */

FIXTURE(ioas) {
	int fd;
	__u32 ioas_id;
	void *raw;
	size_t raw_size;
	char *buf;	/* BUF_SIZE bytes, 2 MiB aligned */
};

FIXTURE_SETUP(ioas)
{
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));

	self->buf = mmap_aligned(BUF_SIZE, SZ_2M, &self->raw, &self->raw_size);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(ioas)
{
	if (self->raw && self->raw != MAP_FAILED)
		munmap(self->raw, self->raw_size);
	if (self->fd >= 0)
		close(self->fd);
}

/* === IOMMU_IOAS_MAP === */

TEST_F(ioas, map_fixed_iova_and_unmap)
{
	__u64 iova = 0x10000000;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id, MAP_FIXED_RW,
			      (uintptr_t)self->buf, SZ_1M, &iova));
	/* FIXED returns the IOVA it was given */
	EXPECT_EQ(0x10000000ULL, iova);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x10000000, SZ_1M);

	/* Read-only and write-only mappings are accepted too */
	iova = 0x20000000;
	EXPECT_EQ(0, ioas_map(self->fd, self->ioas_id,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_READABLE,
			      (uintptr_t)self->buf, SZ_4K, &iova));
	iova = 0x30000000;
	EXPECT_EQ(0, ioas_map(self->fd, self->ioas_id,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_WRITEABLE,
			      (uintptr_t)self->buf, SZ_4K, &iova));
	/* IOVA 0 is a valid fixed IOVA */
	EXPECT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K, 0));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 3 * SZ_4K);
}

TEST_F(ioas, map_auto_iova_basic)
{
	__u64 iova;

	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf, SZ_1M,
				   &iova));
	EXPECT_NE(0ULL, iova);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, SZ_1M);
}

TEST_F(ioas, map_error_order)
{
	__u64 va = (uintptr_t)self->buf;
	struct iommu_ioas_map cmd;
	__u64 iova;

	/* 1: unknown flags or __reserved, before everything else */
	iova = UINT64_MAX;
	EXPECT_EQ(-EOPNOTSUPP, ioas_map(self->fd, 0, MAP_RW | (1 << 3),
					va, 0, &iova));
	EXPECT_EQ(-EOPNOTSUPP, ioas_map(self->fd, self->ioas_id,
					MAP_RW | (1U << 31), va, SZ_4K, NULL));
	cmd = (struct iommu_ioas_map){
		.size = sizeof(cmd),
		.flags = MAP_RW,
		.ioas_id = 0,
		.__reserved = 1,
		.user_va = va,
		.length = UINT64_MAX,
	};
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.ioas_id = self->ioas_id;
	cmd.length = SZ_4K;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));

	/* 2: iova or length >= UINT64_MAX, before the flags and the ID */
	iova = UINT64_MAX;
	EXPECT_EQ(-EOVERFLOW, ioas_map(self->fd, 0, IOMMU_IOAS_MAP_FIXED_IOVA,
				       va, SZ_4K, &iova));
	EXPECT_EQ(-EOVERFLOW, ioas_map(self->fd, 0, 0, va, UINT64_MAX, NULL));
	EXPECT_EQ(-EOVERFLOW, ioas_map(self->fd, self->ioas_id, MAP_RW,
				       va, UINT64_MAX, NULL));
	/* Even without FIXED the iova field is checked */
	iova = UINT64_MAX;
	EXPECT_EQ(-EOVERFLOW, ioas_map(self->fd, self->ioas_id, MAP_RW,
				       va, SZ_4K, &iova));

	/* 3: neither READABLE nor WRITEABLE, before the ID */
	EXPECT_EQ(-EINVAL, ioas_map(self->fd, 0, 0, va, 0, NULL));
	iova = 0x10000000;
	EXPECT_EQ(-EINVAL, ioas_map(self->fd, self->ioas_id,
				    IOMMU_IOAS_MAP_FIXED_IOVA, va, SZ_4K,
				    &iova));

	/* 4: bad IOAS ID, before the length */
	EXPECT_EQ(-ENOENT, ioas_map(self->fd, 0, MAP_RW, va, 0, NULL));
	EXPECT_EQ(-ENOENT, ioas_map(self->fd, self->ioas_id + 1000,
				    MAP_RW, va, SZ_4K, NULL));

	/* 5: length 0, fixed or not */
	EXPECT_EQ(-EINVAL, ioas_map(self->fd, self->ioas_id, MAP_RW, va,
				    0, NULL));
	iova = 0x10000000;
	EXPECT_EQ(-EINVAL, ioas_map(self->fd, self->ioas_id, MAP_FIXED_RW,
				    va, 0, &iova));

	/* Nothing was mapped by any of this */
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
}

TEST_F(ioas, map_fixed_iova_wraps)
{
	/* The last byte of the range is past UINT64_MAX */
	EXPECT_EQ(-EOVERFLOW, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					     SZ_4K, UINT64_MAX - SZ_4K + 2));
	EXPECT_EQ(-EOVERFLOW, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					     3, UINT64_MAX - 1));
	/* The very last possible byte, UINT64_MAX - 1, is fine */
	EXPECT_EQ(0, ioas_map(self->fd, self->ioas_id, MAP_FIXED_RW,
			      BOGUS_VA, 2, &(__u64){ UINT64_MAX - 2 }));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2);
}

/*
 * The largest length MAP takes, from a user address inside a page: the
 * page count must not wrap. With no domain nothing is touched, so the
 * range is recorded and can be unmapped again.
 */
TEST_F(ioas, map_largest_length_from_page_offset)
{
	__u64 length = UINT64_MAX - getpagesize();
	__u64 iova = 0, unmapped = 0;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
				      IOMMU_IOAS_MAP_READABLE,
			      getpagesize() - 1, length, &iova));
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(length, unmapped);
	/* One byte more than that is refused. */
	EXPECT_EQ(-EINVAL, ioas_map(self->fd, self->ioas_id,
				    IOMMU_IOAS_MAP_FIXED_IOVA |
					    IOMMU_IOAS_MAP_READABLE,
				    0, length + 1, &iova));
}

TEST_F(ioas, map_fixed_overlap_eexist)
{
	const __u64 base = 0x40000000;
	__u64 unmapped = 0;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    4 * SZ_4K, base));

	/* Partial overlap at the start and at the end */
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  2 * SZ_4K, base - SZ_4K));
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  2 * SZ_4K, base + 3 * SZ_4K));
	/* Single byte overlaps at either edge */
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_4K + 1, base - SZ_4K));
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_4K, base + 4 * SZ_4K - 1));
	/* Containing the existing mapping */
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  6 * SZ_4K, base - SZ_4K));
	/* Contained in it, and the identical range */
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_4K, base + SZ_4K));
	EXPECT_EQ(-EEXIST, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  4 * SZ_4K, base));

	/* Adjacent on both sides is fine */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    base - SZ_4K));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    base + 4 * SZ_4K));

	/* The original mapping is intact and the neighbours are separate */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, base, 4 * SZ_4K);
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(2 * SZ_4K, unmapped);
}

TEST_F(ioas, map_fixed_into_reserved)
{
	const __u64 rsv = 0x50000000;

	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, rsv, SZ_1M));

	/* Inside, overlapping either end, and containing the reservation */
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_4K, rsv));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_4K, rsv + SZ_1M - SZ_4K));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  2 * SZ_4K, rsv - SZ_4K));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  2 * SZ_4K, rsv + SZ_1M - SZ_4K));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  2 * SZ_1M, rsv - SZ_4K));

	/* Right next to it is fine */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    rsv - SZ_4K));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    rsv + SZ_1M));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_4K);
}

TEST_F(ioas, map_user_va_wraps)
{
	__u64 iova = 0x10000000;

	/* user_va + length runs past the top of the address space */
	EXPECT_EQ(-EOVERFLOW, ioas_map(self->fd, self->ioas_id, MAP_FIXED_RW,
				       UINT64_MAX - SZ_4K + 1, 2 * SZ_4K,
				       &iova));
	EXPECT_EQ(-EOVERFLOW, ioas_map(self->fd, self->ioas_id, MAP_RW,
				       UINT64_MAX - SZ_4K + 1, 2 * SZ_4K,
				       NULL));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
}

TEST_F(ioas, map_bogus_user_va_without_domain)
{
	__u64 iova;

	/* Nothing is pinned without a domain, so the VA is not looked at */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id, MAP_RW, BOGUS_VA,
			      SZ_1M, &(__u64){ 0 }));
	iova = 0x10000000;
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id, MAP_FIXED_RW,
			      BOGUS_VA, SZ_1M, &iova));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_1M);
}

TEST_F(ioas, map_auto_iova_keeps_page_offset)
{
	static const __u64 offsets[] = { 0, 0x8, 0x800, 0xfff };
	unsigned int i;
	__u64 iova;

	for (i = 0; i != ARRAY_SIZE(offsets); i++) {
		ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id,
					   self->buf + SZ_4K + offsets[i],
					   0x100, &iova));
		EXPECT_NE(0ULL, iova);
		EXPECT_EQ(offsets[i], iova % SZ_4K);
		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, 0x100);
	}
}

TEST_F(ioas, map_auto_iova_huge_alignment)
{
	__u64 iova_small, iova;

	/* Take the bottom of the space so that alignment has to matter */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf + SZ_4K,
				   SZ_4K, &iova_small));
	EXPECT_EQ(0ULL, iova_small % SZ_4K);

	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf, SZ_4M,
				   &iova));
	EXPECT_EQ(0ULL, iova % SZ_2M);
	EXPECT_NE(0ULL, iova);
	/* It does not overlap the first mapping */
	EXPECT_TRUE(iova + SZ_4M <= iova_small || iova >= iova_small + SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, SZ_4M);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova_small, SZ_4K);
}

/*
 * The alignment follows the length and the VA's low bits, but stops at
 * the PMD huge page (2 MiB): memory 8 MiB aligned does not make the IOVA
 * skip a lower hole that is only 2 MiB aligned.
 */
TEST_F(ioas, map_auto_iova_alignment_stops_at_pmd)
{
	__u64 iova_small, iova;
	size_t raw_size;
	void *raw;
	char *big;

	big = mmap_aligned(SZ_8M, 2 * SZ_8M, &raw, &raw_size);
	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf + SZ_4K,
				   SZ_4K, &iova_small));
	ASSERT_LT(iova_small, (__u64)SZ_2M);

	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, big, SZ_8M,
				   &iova));
	EXPECT_EQ((__u64)SZ_2M, iova);
	/* Limited by the VA's low bits: 1 MiB aligned memory, 1 MiB IOVA */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, big + SZ_1M,
				   SZ_4M, &iova_small));
	EXPECT_EQ(0ULL, iova_small % SZ_1M);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova_small, SZ_4M);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, SZ_8M);
	munmap(raw, raw_size);
}

TEST_F(ioas, map_auto_iova_in_allowed_ranges)
{
	const struct iommu_iova_range allowed[] = {
		{ .start = 0x10000000, .last = 0x10003fff },
		{ .start = 0x20000000, .last = 0x20001fff },
	};
	__u64 iova[6];
	unsigned int i;

	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, allowed, 2));

	/* Six pages fit, one at a time, lowest hole first */
	for (i = 0; i != 6; i++) {
		ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf,
					   SZ_4K, &iova[i]));
		EXPECT_TRUE((iova[i] >= allowed[0].start &&
			     iova[i] + SZ_4K - 1 <= allowed[0].last) ||
			    (iova[i] >= allowed[1].start &&
			     iova[i] + SZ_4K - 1 <= allowed[1].last)) {
			TH_LOG("iova 0x%llx", (unsigned long long)iova[i]);
		}
	}
	/* All allowed space is used now */
	EXPECT_EQ(-ENOSPC, ioas_map_auto(self->fd, self->ioas_id, self->buf,
					 SZ_4K, &iova[0]));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 6 * SZ_4K);

	/* Something larger than any allowed range never fits */
	EXPECT_EQ(-ENOSPC, ioas_map_auto(self->fd, self->ioas_id, self->buf,
					 5 * SZ_4K, &iova[0]));
}

TEST_F(ioas, map_auto_iova_skips_reserved_and_mapped)
{
	const long page = sysconf(_SC_PAGESIZE);
	__u64 iova[3];

	if (page != 4096)
		SKIP(return, "the IOVAs here assume 4 KiB pages");

	/*
	 * The automatic window starts at page 1. Pages 1 and 2 are reserved
	 * and page 4 is mapped, so the free holes are page 3 and from page 5.
	 */
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x1000, 0x2000));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    0x4000));

	/*
	 * Three pages fit only from page 5. The VA is only 4 KiB aligned,
	 * so the IOVA need not be aligned any further.
	 */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf + SZ_4K,
				   3 * SZ_4K, &iova[0]));
	EXPECT_EQ(0x5000ULL, iova[0]);
	/* One page: the lowest hole, page 3; then the one after page 7 */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf, SZ_4K,
				   &iova[1]));
	EXPECT_EQ(0x3000ULL, iova[1]);
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf, SZ_4K,
				   &iova[2]));
	EXPECT_EQ(0x8000ULL, iova[2]);

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x5000, 3 * SZ_4K);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 3 * SZ_4K);
}

/* === IOMMU_IOAS_UNMAP === */

TEST_F(ioas, unmap_exact_and_superset)
{
	const __u64 base = 0x10000000;
	__u64 unmapped = 0;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    3 * SZ_4K, base));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, base, 3 * SZ_4K);
	/* Gone now */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, base,
				      3 * SZ_4K, NULL));

	/* A range larger than the areas in it reports only their bytes */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    3 * SZ_4K, base));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    base + SZ_1M));
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base - SZ_1M,
				3 * SZ_1M, &unmapped));
	EXPECT_EQ(4 * SZ_4K, unmapped);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
}

TEST_F(ioas, unmap_all)
{
	/* Nothing mapped: success with 0 bytes */
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);

	ASSERT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K, 0));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, 0x10000000));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_1M,
				    UINT64_MAX - SZ_1M));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 3 * SZ_4K + SZ_1M);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, 0x10000000,
				      2 * SZ_4K, NULL));
}

TEST_F(ioas, unmap_nothing_there)
{
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, 0x10000000,
				      SZ_4K, NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    0x10000000));
	/* Just before and just after the area */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id,
				      0x10000000 - SZ_4K, SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id,
				      0x10000000 + SZ_4K, SZ_4K, NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x10000000, SZ_4K);
}

TEST_F(ioas, unmap_partial_area_enoent)
{
	const __u64 base = 0x10000000;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    4 * SZ_4K, base));
	/* Cutting the start, the end, the middle, or one byte short */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, base - SZ_4K,
				      2 * SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, base,
				      2 * SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id,
				      base + 3 * SZ_4K, 2 * SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, base + SZ_4K,
				      2 * SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, base,
				      4 * SZ_4K - 1, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, base + 1,
				      4 * SZ_4K, NULL));
	/* Never split: the whole area is still there */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, base, 4 * SZ_4K);
}

TEST_F(ioas, unmap_not_atomic)
{
	const __u64 a = 0x10000000, b = 0x10010000;

	ASSERT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K, a));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, b));

	/* Covers A entirely, cuts B: fails, but A is already gone */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, a,
				      b - a + SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, a, SZ_4K,
				      NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, b, 2 * SZ_4K);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
}

TEST_F(ioas, unmap_bad_args)
{
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    0x10000000));

	EXPECT_EQ(-EINVAL, ioas_unmap(self->fd, self->ioas_id, 0x10000000, 0,
				      NULL));
	EXPECT_EQ(-EINVAL, ioas_unmap(self->fd, self->ioas_id, 0, 0, NULL));

	/* Values of UINT64_MAX, other than the unmap-all pair */
	EXPECT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, UINT64_MAX,
					 SZ_4K, NULL));
	EXPECT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, 1,
					 UINT64_MAX, NULL));
	EXPECT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, 0x10000000,
					 UINT64_MAX, NULL));
	EXPECT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, UINT64_MAX,
					 UINT64_MAX, NULL));

	/* The range runs past the top */
	EXPECT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas_id,
					 UINT64_MAX - SZ_4K + 1, 2 * SZ_4K,
					 NULL));
	EXPECT_EQ(-EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, 3,
					 UINT64_MAX - 1, NULL));

	/* Bad IOAS ID, also for unmap-all */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, 0, 0x10000000, SZ_4K, NULL));
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id + 1000, 0,
				      UINT64_MAX, NULL));

	/* None of the failures touched the mapping */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x10000000, SZ_4K);
}

/* === IOMMU_IOAS_COPY === */

TEST_F(ioas, copy_whole_area_same_ioas)
{
	const __u64 src = 0x10000000, dst = 0x20000000;
	__u64 iova = dst;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    4 * SZ_4K, src));
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
			       self->ioas_id, 4 * SZ_4K, src, &iova));
	EXPECT_EQ(dst, iova);

	/* Automatic destination IOVA, never 0, clear of both areas */
	iova = 0;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_RW, self->ioas_id, self->ioas_id,
			       4 * SZ_4K, src, &iova));
	EXPECT_NE(0ULL, iova);
	EXPECT_TRUE(iova + 4 * SZ_4K <= src || iova >= src + 4 * SZ_4K);
	EXPECT_TRUE(iova + 4 * SZ_4K <= dst || iova >= dst + 4 * SZ_4K);

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, 4 * SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, dst, 4 * SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, src, 4 * SZ_4K);
}

TEST_F(ioas, copy_across_ioas)
{
	const __u64 src = 0x10000000;
	__u32 dst_id;
	__u64 iova = src;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, src));
	/* The same IOVA is free in the other IOAS */
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, self->ioas_id,
			       2 * SZ_4K, src, &iova));
	EXPECT_EQ(src, iova);
	EXPECT_UNMAP_EXACT(self->fd, dst_id, src, 2 * SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, src, 2 * SZ_4K);
	EXPECT_EQ(0, obj_destroy(self->fd, dst_id));
}

TEST_F(ioas, copy_sub_range)
{
	const __u64 src = 0x10000000, dst = 0x20000000;
	__u64 iova = dst;
	__u32 dst_id;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    4 * SZ_4K, src));
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, self->ioas_id,
			       2 * SZ_4K, src + SZ_4K, &iova));
	EXPECT_EQ(dst, iova);
	/* Not page aligned inside the area either */
	iova = dst + SZ_1M;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, self->ioas_id,
			       0x100, src + 0x2800, &iova));
	EXPECT_UNMAP_ALL(self->fd, dst_id, 2 * SZ_4K + 0x100);
	/* The source area is unchanged */
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, src, 4 * SZ_4K);
}

TEST_F(ioas, copy_spanning_adjacent_areas)
{
	const __u64 a = 0x10000000, b = a + 2 * SZ_4K, dst = 0x30000000;
	__u64 iova = dst;
	__u32 dst_id;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, a));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    self->buf + 4 * SZ_4K, 3 * SZ_4K, b));

	/* The last page of A and all of B */
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, self->ioas_id,
			       4 * SZ_4K, a + SZ_4K, &iova));
	EXPECT_EQ(dst, iova);

	/*
	 * One destination area per source piece: each unmaps exactly, and
	 * the second alone would fail if they had been merged.
	 */
	EXPECT_UNMAP_EXACT(self->fd, dst_id, dst + SZ_4K, 3 * SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, dst_id, dst, SZ_4K);
	EXPECT_UNMAP_ALL(self->fd, dst_id, 0);

	/* All of A and B, into the same IOAS */
	iova = dst;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
			       self->ioas_id, 5 * SZ_4K, a, &iova));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, dst, 2 * SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, dst + 2 * SZ_4K,
			   3 * SZ_4K);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 5 * SZ_4K);
}

TEST_F(ioas, copy_source_not_covered)
{
	const __u64 a = 0x10000000, c = a + 3 * SZ_4K;
	__u64 iova;
	__u32 dst_id;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));

	/* Nothing mapped at all */
	iova = 0x20000000;
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
				     self->ioas_id, SZ_4K, a, &iova));

	/* A and C with a one page gap between them */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, a));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, c));
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
				     self->ioas_id, 5 * SZ_4K, a, &iova));
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW, dst_id, self->ioas_id,
				     2 * SZ_4K, a + SZ_4K, &iova));
	/* Only the gap */
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW, dst_id, self->ioas_id,
				     SZ_4K, a + 2 * SZ_4K, &iova));
	/* Starting before A, and running past C */
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW, dst_id, self->ioas_id,
				     2 * SZ_4K, a - SZ_4K, &iova));
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW, dst_id, self->ioas_id,
				     2 * SZ_4K + 1, c, &iova));

	/* Nothing was created in the destination */
	EXPECT_UNMAP_ALL(self->fd, dst_id, 0);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 4 * SZ_4K);
}

TEST_F(ioas, copy_bad_args)
{
	const __u64 src = 0x10000000, dst = 0x20000000;
	__u32 dst_id;
	__u64 iova;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, src));

	iova = dst;
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
				     self->ioas_id, 0, src, &iova));

	/* Unknown flags win over everything */
	EXPECT_EQ(-EOPNOTSUPP, ioas_copy(self->fd, MAP_FIXED_RW | (1 << 3),
					 dst_id, self->ioas_id, 2 * SZ_4K,
					 src, &iova));
	EXPECT_EQ(-EOPNOTSUPP, ioas_copy(self->fd, MAP_RW | (1U << 31), 0, 0,
					 UINT64_MAX, src, &iova));

	/* Each of the three values at UINT64_MAX */
	EXPECT_EQ(-EOVERFLOW, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
					self->ioas_id, UINT64_MAX, src,
					&iova));
	EXPECT_EQ(-EOVERFLOW, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
					self->ioas_id, SZ_4K, UINT64_MAX,
					&iova));
	iova = UINT64_MAX;
	EXPECT_EQ(-EOVERFLOW, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
					self->ioas_id, SZ_4K, src, &iova));
	/* Before the R/W and ID checks */
	EXPECT_EQ(-EOVERFLOW, ioas_copy(self->fd, 0, 0, 0, UINT64_MAX, src,
					NULL));

	/* Neither READABLE nor WRITEABLE, before the IDs */
	iova = dst;
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, IOMMU_IOAS_MAP_FIXED_IOVA,
				     dst_id, self->ioas_id, SZ_4K, src, &iova));
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, 0, 0, 0, SZ_4K, src, &iova));

	/* Bad source or destination ID */
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, 0,
				     SZ_4K, src, &iova));
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_FIXED_RW, 0, self->ioas_id,
				     SZ_4K, src, &iova));
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_FIXED_RW, dst_id + 1000,
				     self->ioas_id, SZ_4K, src, &iova));

	/* The destination overlaps something: the source itself */
	iova = src + SZ_4K;
	EXPECT_EQ(-EEXIST, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
				     self->ioas_id, SZ_4K, src, &iova));
	iova = src;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, self->ioas_id,
			       2 * SZ_4K, src, &iova));
	iova = src - SZ_4K;
	EXPECT_EQ(-EEXIST, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
				     self->ioas_id, 2 * SZ_4K, src, &iova));

	EXPECT_UNMAP_ALL(self->fd, dst_id, 2 * SZ_4K);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_4K);
}

TEST_F(ioas, copy_writeable_from_read_only_eperm)
{
	const __u64 src = 0x10000000;
	__u64 iova = 0x20000000;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_READABLE,
			      (uintptr_t)self->buf, 2 * SZ_4K,
			      &(__u64){ src }));
	EXPECT_EQ(-EPERM, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
				    self->ioas_id, 2 * SZ_4K, src, &iova));
	EXPECT_EQ(-EPERM, ioas_copy(self->fd,
				    IOMMU_IOAS_MAP_WRITEABLE, self->ioas_id,
				    self->ioas_id, SZ_4K, src, &iova));
	/* Read-only copies are fine */
	ASSERT_EQ(0, ioas_copy(self->fd, IOMMU_IOAS_MAP_FIXED_IOVA |
			       IOMMU_IOAS_MAP_READABLE, self->ioas_id,
			       self->ioas_id, 2 * SZ_4K, src, &iova));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 4 * SZ_4K);
}

TEST_F(ioas, copy_survives_source_unmap)
{
	const __u64 src = 0x10000000;
	__u64 iova = 0x20000000;
	__u32 dst_id;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    3 * SZ_4K, src));
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
			       self->ioas_id, 3 * SZ_4K, src, &iova));
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, self->ioas_id,
			       3 * SZ_4K, src, &iova));

	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, src, 3 * SZ_4K);
	/* Both copies remain and can be copied from again */
	iova = 0x30000000;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, dst_id, dst_id,
			       SZ_4K, 0x20000000 + SZ_4K, &iova));
	EXPECT_UNMAP_EXACT(self->fd, dst_id, 0x30000000, SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, dst_id, 0x20000000, 3 * SZ_4K);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x20000000, 3 * SZ_4K);
	EXPECT_EQ(0, obj_destroy(self->fd, dst_id));
}

static __u64 syz_iova(__u32 nth_area, __u32 offset)
{
	return ((__u64)offset << 32) | nth_area;
}

TEST_F(ioas, copy_syz_encoding)
{
	/* Areas in IOVA order: 0 RW 2 pages, 1 read-only 4 pages, 2 RW 1 page */
	const __u64 area[3] = { 0x10000000, 0x20000000, 0x30000000 };
	__u32 dst_id;
	__u64 iova;

	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	/* Made out of IOVA order on purpose */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    area[2]));
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas_id,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_READABLE,
			      (uintptr_t)self->buf, 4 * SZ_4K,
			      &(__u64){ area[1] }));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, area[0]));

	/*
	 * Offset one page into area 1: three pages fit only there, and a
	 * writeable copy fails because only area 1 is read-only.
	 */
	iova = 0x50000000;
	EXPECT_EQ(-EPERM, ioas_copy(self->fd, MAP_FIXED_RW |
				    MOCK_FLAGS_ACCESS_SYZ, dst_id,
				    self->ioas_id, 3 * SZ_4K,
				    syz_iova(1, SZ_4K), &iova));
	ASSERT_EQ(0, ioas_copy(self->fd, IOMMU_IOAS_MAP_FIXED_IOVA |
			       IOMMU_IOAS_MAP_READABLE | MOCK_FLAGS_ACCESS_SYZ,
			       dst_id, self->ioas_id, 3 * SZ_4K,
			       syz_iova(1, SZ_4K), &iova));
	EXPECT_EQ(0x50000000ULL, iova);
	EXPECT_UNMAP_EXACT(self->fd, dst_id, 0x50000000, 3 * SZ_4K);

	/* Area 0 holds two pages and no more */
	iova = 0;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_RW | MOCK_FLAGS_ACCESS_SYZ,
			       dst_id, self->ioas_id, 2 * SZ_4K,
			       syz_iova(0, 0), &iova));
	EXPECT_UNMAP_EXACT(self->fd, dst_id, iova, 2 * SZ_4K);
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW | MOCK_FLAGS_ACCESS_SYZ,
				     dst_id, self->ioas_id, 3 * SZ_4K,
				     syz_iova(0, 0), &iova));

	/* Area 2, with an offset inside its page */
	iova = 0x60000800;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW | MOCK_FLAGS_ACCESS_SYZ,
			       dst_id, self->ioas_id, 0x800,
			       syz_iova(2, 0x800), &iova));
	EXPECT_UNMAP_EXACT(self->fd, dst_id, 0x60000800, 0x800);
	/* Past the end of area 2 */
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW | MOCK_FLAGS_ACCESS_SYZ,
				     dst_id, self->ioas_id, SZ_4K,
				     syz_iova(2, 0x800), &iova));

	/* No area 3: the IOVA becomes 0, where nothing is mapped */
	EXPECT_EQ(-ENOENT, ioas_copy(self->fd, MAP_RW | MOCK_FLAGS_ACCESS_SYZ,
				     dst_id, self->ioas_id, SZ_4K,
				     syz_iova(3, 0), &iova));

	EXPECT_UNMAP_ALL(self->fd, dst_id, 0);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 7 * SZ_4K);
}

/* === IOMMU_IOAS_ALLOW_IOVAS === */

/* Where a one page automatic MAP lands; the mapping is removed again */
static int probe_auto_iova(int fd, __u32 ioas_id, void *va, __u64 *iova)
{
	__u64 unmapped;
	int ret;

	ret = ioas_map_auto(fd, ioas_id, va, SZ_4K, iova);
	if (ret)
		return ret;
	ret = ioas_unmap(fd, ioas_id, *iova, SZ_4K, &unmapped);
	if (!ret && unmapped != SZ_4K)
		ret = -EIO;
	return ret;
}

TEST_F(ioas, allow_iovas_replace_and_clear)
{
	const struct iommu_iova_range low = { 0x10000000, 0x1000ffff };
	const struct iommu_iova_range high = { 0x20000000, 0x2000ffff };
	const long page = sysconf(_SC_PAGESIZE);
	__u64 iova;

	/* No list: the lowest page that may be handed out */
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ((__u64)page, iova);

	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &low, 1));
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ(low.start, iova);

	/* A new list replaces the old one rather than adding to it */
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &high, 1));
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ(high.start, iova);

	/* Both; the lower one wins */
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id,
				      (struct iommu_iova_range[]){ high, low },
				      2));
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ(low.start, iova);

	/* num_iovas 0 clears the list; the pointer is not looked at */
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, NULL, 0));
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ((__u64)page, iova);
}

TEST_F(ioas, allow_iovas_bad_entries_keep_old_list)
{
	const struct iommu_iova_range good = { 0x10000000, 0x1000ffff };
	struct iommu_iova_range bad[2];
	__u64 iova;

	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &good, 1));

	/* start >= last, including a single byte */
	bad[0] = (struct iommu_iova_range){ 0x20000000, 0x1fffffff };
	EXPECT_EQ(-EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, bad, 1));
	bad[0] = (struct iommu_iova_range){ 0x20000000, 0x20000000 };
	EXPECT_EQ(-EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, bad, 1));
	/* A bad entry after a good one */
	bad[0] = (struct iommu_iova_range){ 0x20000000, 0x2000ffff };
	bad[1] = (struct iommu_iova_range){ 0x30000000, 0x30000000 };
	EXPECT_EQ(-EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, bad, 2));

	/* Entries that overlap each other, partly or by one byte */
	bad[1] = (struct iommu_iova_range){ 0x20008000, 0x20018000 };
	EXPECT_EQ(-EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, bad, 2));
	bad[1] = (struct iommu_iova_range){ 0x2000ffff, 0x20010fff };
	EXPECT_EQ(-EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, bad, 2));
	bad[1] = bad[0];
	EXPECT_EQ(-EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, bad, 2));

	/* Unreadable array */
	EXPECT_EQ(-EFAULT, ioas_allow_iovas(self->fd, self->ioas_id, NULL, 1));
	EXPECT_EQ(-EFAULT, ioas_allow_iovas(self->fd, self->ioas_id,
					    (void *)(uintptr_t)BOGUS_VA, 1));

	/* Nonzero __reserved, and a bad ID */
	{
		struct iommu_ioas_allow_iovas cmd = {
			.size = sizeof(cmd),
			.ioas_id = self->ioas_id,
			.num_iovas = 0,
			.__reserved = 1,
		};

		EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd,
						     IOMMU_IOAS_ALLOW_IOVAS,
						     &cmd));
	}
	EXPECT_EQ(-ENOENT, ioas_allow_iovas(self->fd, 0, NULL, 0));
	EXPECT_EQ(-ENOENT,
		  ioas_allow_iovas(self->fd, self->ioas_id + 1000, &good, 1));

	/* Still the original list */
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ(good.start, iova);
}

TEST_F(ioas, allow_iovas_vs_reserved)
{
	const struct iommu_iova_range good = { 0x10000000, 0x1000ffff };
	const struct iommu_iova_range other = { 0x30000000, 0x3000ffff };
	struct iommu_iova_range clash[2];
	__u64 iova;

	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x20000000,
				  SZ_1M));
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &good, 1));

	/* Intersecting the reservation, at either end or containing it */
	clash[0] = other;
	clash[1] = (struct iommu_iova_range){ 0x1ffff000, 0x20000000 };
	EXPECT_EQ(-EADDRINUSE,
		  ioas_allow_iovas(self->fd, self->ioas_id, clash, 2));
	clash[1] = (struct iommu_iova_range){ 0x200fffff, 0x20100fff };
	EXPECT_EQ(-EADDRINUSE,
		  ioas_allow_iovas(self->fd, self->ioas_id, clash, 2));
	clash[1] = (struct iommu_iova_range){ 0x1f000000, 0x21000000 };
	EXPECT_EQ(-EADDRINUSE,
		  ioas_allow_iovas(self->fd, self->ioas_id, clash, 2));

	/* The old list is still in force */
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ(good.start, iova);

	/* Right next to the reservation is fine */
	clash[1] = (struct iommu_iova_range){ 0x20100000, 0x2010ffff };
	EXPECT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &clash[1], 1));
	ASSERT_EQ(0, probe_auto_iova(self->fd, self->ioas_id, self->buf,
				     &iova));
	EXPECT_EQ(0x20100000ULL, iova);
}

TEST_F(ioas, allow_iovas_does_not_limit_fixed_or_ranges)
{
	const struct iommu_iova_range allowed = { 0x10000000, 0x1000ffff };
	struct iommu_iova_range ranges[2] = {};
	__u32 num = 2;

	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allowed, 1));

	/* FIXED outside the allowed list still works */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    0x40000000));
	EXPECT_EQ(0,
		  ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K, 0));

	/* IOVA_RANGES still reports the whole space */
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, ranges, &num,
				      NULL));
	ASSERT_EQ(1U, num);
	EXPECT_EQ(0ULL, ranges[0].start);
	EXPECT_EQ(UINT64_MAX, ranges[0].last);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_4K);
}

TEST_F(ioas, add_reserved_conflicts)
{
	const struct iommu_iova_range allowed = { 0x10000000, 0x1000ffff };

	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allowed, 1));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
				    2 * SZ_4K, 0x40000000));

	/* Over an allowed range: inside it, or touching one end */
	EXPECT_EQ(-EADDRINUSE, add_reserved(self->fd, self->ioas_id,
					    0x10001000, SZ_4K));
	EXPECT_EQ(-EADDRINUSE, add_reserved(self->fd, self->ioas_id,
					    0x0ffff000, 0x1001));
	EXPECT_EQ(-EADDRINUSE, add_reserved(self->fd, self->ioas_id,
					    0x1000ffff, SZ_4K));
	/* Over a mapping */
	EXPECT_EQ(-EADDRINUSE, add_reserved(self->fd, self->ioas_id,
					    0x40001000, SZ_4K));
	EXPECT_EQ(-EADDRINUSE, add_reserved(self->fd, self->ioas_id, 0,
					    0x40000001));
	/* Next to both is fine */
	EXPECT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x10010000,
				  SZ_4K));
	EXPECT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x40002000,
				  SZ_4K));
	/* Bad IOAS ID */
	EXPECT_EQ(-ENOENT, add_reserved(self->fd, self->ioas_id + 1000,
					0x50000000, SZ_4K));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 2 * SZ_4K);
}

/* === IOMMU_IOAS_IOVA_RANGES with reservations === */

TEST_F(ioas, iova_ranges_around_reserved)
{
	struct iommu_iova_range ranges[4];
	__u64 align = 0;
	__u32 num = ARRAY_SIZE(ranges);

	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 4096, 4096));
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, ranges, &num,
				      &align));
	ASSERT_EQ(2U, num);
	EXPECT_EQ(1ULL, align);
	EXPECT_EQ(0ULL, ranges[0].start);
	EXPECT_EQ(4095ULL, ranges[0].last);
	EXPECT_EQ(8192ULL, ranges[1].start);
	EXPECT_EQ(UINT64_MAX, ranges[1].last);
}

TEST_F(ioas, iova_ranges_merge_reservations)
{
	struct iommu_iova_range ranges[4];
	__u32 num = ARRAY_SIZE(ranges);

	/* Overlapping, then adjacent: one hole boundary */
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x10000, 0x10000));
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x18000, 0x18000));
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x30000, 0x10000));
	/* The same range twice */
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x10000, 0x10000));
	/* Contained in another */
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x20000, 0x1000));
	/* The very first and the very last byte */
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0, 0x1000));
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id,
				  UINT64_MAX - 0xfff, 0x1000));

	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, ranges, &num,
				      NULL));
	ASSERT_EQ(2U, num);
	EXPECT_EQ(0x1000ULL, ranges[0].start);
	EXPECT_EQ(0xffffULL, ranges[0].last);
	EXPECT_EQ(0x40000ULL, ranges[1].start);
	EXPECT_EQ(UINT64_MAX - 0x1000, ranges[1].last);
}

TEST_F(ioas, iova_ranges_emsgsize)
{
	struct iommu_iova_range ranges[3];
	__u64 align = 0;
	__u32 num;

	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x10000, 0x1000));
	ASSERT_EQ(0, add_reserved(self->fd, self->ioas_id, 0x20000, 0x1000));

	/* No room at all: the count and alignment come back anyway */
	num = 0;
	EXPECT_EQ(-EMSGSIZE, ioas_iova_ranges(self->fd, self->ioas_id, NULL,
					      &num, &align));
	EXPECT_EQ(3U, num);
	EXPECT_EQ(1ULL, align);

	/* Room for one: it is written, the rest of the array is not */
	memset(ranges, 0xa5, sizeof(ranges));
	num = 1;
	EXPECT_EQ(-EMSGSIZE, ioas_iova_ranges(self->fd, self->ioas_id,
					      ranges, &num, NULL));
	EXPECT_EQ(3U, num);
	EXPECT_EQ(0ULL, ranges[0].start);
	EXPECT_EQ(0xffffULL, ranges[0].last);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, ranges[1].start);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, ranges[1].last);

	/* Exactly enough room */
	num = 3;
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, ranges, &num,
				      NULL));
	EXPECT_EQ(3U, num);
	EXPECT_EQ(0x11000ULL, ranges[1].start);
	EXPECT_EQ(0x1ffffULL, ranges[1].last);
	EXPECT_EQ(0x21000ULL, ranges[2].start);
	EXPECT_EQ(UINT64_MAX, ranges[2].last);
}

/* === IOMMU_OPTION === */

TEST_F(ioas, option_rlimit_mode)
{
	__u32 id;
	__u64 val;
	int fd;

	/* The default of /dev/iommu is per-user accounting */
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(0ULL, val);

	if (geteuid() != 0)
		SKIP(return, "SET of RLIMIT_MODE needs CAP_SYS_RESOURCE");

	/* The fixture's IOAS makes this context busy, whatever the value */
	EXPECT_EQ(-EBUSY, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				     1));
	EXPECT_EQ(-EBUSY, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				     0));
	EXPECT_EQ(-EBUSY, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				     2));

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 2));
	ASSERT_EQ(0, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_EQ(0, option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(1ULL, val);
	/* Setting the same value again is fine while empty */
	EXPECT_EQ(0, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));

	/* The old value stays after a failed SET */
	EXPECT_EQ(-EINVAL, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 2));
	EXPECT_EQ(0, option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(1ULL, val);

	/* Busy as soon as any object exists, and free again after it */
	ASSERT_EQ(0, ioas_alloc(fd, &id));
	EXPECT_EQ(-EBUSY, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	EXPECT_EQ(0, option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(1ULL, val);
	ASSERT_EQ(0, obj_destroy(fd, id));
	EXPECT_EQ(0, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	EXPECT_EQ(0, option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(0ULL, val);
	ASSERT_EQ(0, close(fd));
}

TEST_F(ioas, option_rlimit_mode_needs_cap_sys_resource)
{
	__u64 val;
	int status;
	pid_t pid;
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop CAP_SYS_RESOURCE");

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* A non-root uid drops the effective capabilities */
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		if (option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1) != -EPERM)
			_exit(1);
		/* GET needs no capability; the mode is still the default */
		if (option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val) || val)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The context is still empty, and root may still set the mode */
	EXPECT_EQ(0, option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_EQ(0, close(fd));
}

TEST_F(ioas, option_bad_args)
{
	struct iommu_option cmd;
	__u64 val = 1;

	/* RLIMIT_MODE is context wide: object_id must be 0 */
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					  IOMMU_OPTION_OP_GET, self->ioas_id,
					  &val));
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					  IOMMU_OPTION_OP_SET, self->ioas_id,
					  &val));

	/* Unknown option IDs */
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, 2, IOMMU_OPTION_OP_GET, 0,
					  &val));
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, 0xffffffff,
					  IOMMU_OPTION_OP_GET, self->ioas_id,
					  &val));

	/* Unknown ops */
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					  2, 0, &val));
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, IOMMU_OPTION_HUGE_PAGES,
					  2, self->ioas_id, &val));
	EXPECT_EQ(-EOPNOTSUPP, option_cmd(self->fd, IOMMU_OPTION_HUGE_PAGES,
					  0xffff, self->ioas_id, &val));

	/* Nonzero __reserved, with otherwise valid GETs */
	cmd = (struct iommu_option){
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
		.__reserved = 1,
	};
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.option_id = IOMMU_OPTION_HUGE_PAGES;
	cmd.object_id = self->ioas_id;
	cmd.__reserved = 0x8000;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(self->fd, IOMMU_OPTION, &cmd));

	/* HUGE_PAGES needs an IOAS */
	EXPECT_EQ(-ENOENT, option_cmd(self->fd, IOMMU_OPTION_HUGE_PAGES,
				      IOMMU_OPTION_OP_GET, 0, &val));
	EXPECT_EQ(-ENOENT, option_cmd(self->fd, IOMMU_OPTION_HUGE_PAGES,
				      IOMMU_OPTION_OP_SET,
				      self->ioas_id + 1000, &val));
}

/* An iommu_option followed by 8 bytes of tail that must stay zero */
struct option_ext {
	struct iommu_option opt;
	__u64 tail;
};

TEST_F(ioas, option_writes_back_only_val64)
{
	const long page = sysconf(_SC_PAGESIZE);
	struct option_ext ext, before;
	struct iommu_option *edge;
	char *pages;

	/* A larger struct with a zero tail: only val64 changes */
	memset(&ext, 0, sizeof(ext));
	ext.opt.size = sizeof(ext);
	ext.opt.option_id = IOMMU_OPTION_HUGE_PAGES;
	ext.opt.op = IOMMU_OPTION_OP_GET;
	ext.opt.object_id = self->ioas_id;
	ext.opt.val64 = 0x5a5a5a5a5a5a5a5aULL;
	before = ext;
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_OPTION, &ext));
	EXPECT_EQ(1ULL, ext.opt.val64);
	EXPECT_EQ(0, memcmp(&before, &ext,
			    offsetof(struct iommu_option, val64)));
	EXPECT_EQ(0ULL, ext.tail);

	/* SET also writes val64 back, and only that */
	ext.opt.op = IOMMU_OPTION_OP_SET;
	before = ext;
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_OPTION, &ext));
	EXPECT_EQ(0, memcmp(&before, &ext, sizeof(ext)));

	/*
	 * The fields before val64 on a read-only page, val64 on the next,
	 * writable page: a copy back of anything but val64 would fault.
	 */
	pages = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	edge = (struct iommu_option *)(pages + page -
				       offsetof(struct iommu_option, val64));
	memset(edge, 0, sizeof(*edge) + 8);
	edge->size = sizeof(*edge) + 8;
	edge->option_id = IOMMU_OPTION_HUGE_PAGES;
	edge->op = IOMMU_OPTION_OP_GET;
	edge->object_id = self->ioas_id;
	edge->val64 = 7;
	ASSERT_EQ(0, mprotect(pages, page, PROT_READ));
	EXPECT_EQ(0, iommufd_ioctl(self->fd, IOMMU_OPTION, edge));
	EXPECT_EQ(1ULL, edge->val64);
	EXPECT_EQ(0ULL, *(__u64 *)(edge + 1));
	ASSERT_EQ(0, munmap(pages, 2 * page));
}

TEST_F(ioas, option_huge_pages)
{
	const long page = sysconf(_SC_PAGESIZE);
	__u32 other;
	__u64 val, align;

	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &val));
	EXPECT_EQ(1ULL, val);

	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &val));
	EXPECT_EQ(0ULL, val);
	ASSERT_EQ(-EMSGSIZE, ioas_iova_ranges(self->fd, self->ioas_id, NULL,
					      &(__u32){ 0 }, &align));
	EXPECT_EQ((__u64)page, align);
	/* SET of the current value is fine */
	EXPECT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));

	/* Values other than 0 and 1, and the old value stays */
	EXPECT_EQ(-EINVAL, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				      self->ioas_id, 2));
	EXPECT_EQ(-EINVAL, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				      self->ioas_id, UINT64_MAX));
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &val));
	EXPECT_EQ(0ULL, val);

	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 1));
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &val));
	EXPECT_EQ(1ULL, val);
	ASSERT_EQ(-EMSGSIZE, ioas_iova_ranges(self->fd, self->ioas_id, NULL,
					      &(__u32){ 0 }, &align));
	EXPECT_EQ(1ULL, align);

	/* Per IOAS: another IOAS is not affected */
	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, other, 0));
	EXPECT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &val));
	EXPECT_EQ(1ULL, val);
	EXPECT_EQ(0, obj_destroy(self->fd, other));
}

TEST_F(ioas, option_huge_pages_off_vs_unaligned)
{
	const long page = sysconf(_SC_PAGESIZE);
	__u64 iova, val;

	if (page != 4096)
		SKIP(return, "the offsets here assume 4 KiB pages");

	/* An existing mapping that is not page aligned blocks SET 0 */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + 0x800,
				    0x800, 0x1000800));
	EXPECT_EQ(-EADDRINUSE, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					  self->ioas_id, 0));
	EXPECT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &val));
	EXPECT_EQ(1ULL, val);
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x1000800, 0x800);

	/* Page aligned mappings do not */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    0x2000000));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));

	/* With huge pages off, everything must be page aligned */
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  0x800, 0x1000000));
	EXPECT_EQ(-EINVAL, ioas_map_auto(self->fd, self->ioas_id, self->buf,
					 0x800, &iova));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					  SZ_4K, 0x1000800));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
					  self->buf + 0x800, SZ_4K, 0x1000000));
	EXPECT_EQ(-EINVAL, ioas_map_auto(self->fd, self->ioas_id,
					 self->buf + 0x800, SZ_4K, &iova));
	/* COPY places its destination by the same rules */
	iova = 0x3000800;
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
				     self->ioas_id, SZ_4K, 0x2000000, &iova));
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id,
				     self->ioas_id, 0x800, 0x2000000, &iova));
	/* Aligned is fine */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, SZ_4K,
				    0x1000000));
	EXPECT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf, SZ_4K,
				   &iova));
	EXPECT_EQ(0ULL, iova % SZ_4K);

	/* Back on, the unaligned cases work again */
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 1));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + 0x800,
				    0x800, 0x1000800 + SZ_1M));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 3 * SZ_4K + 0x800);
}

/* === Lifetime and volume === */

TEST_F(ioas, destroy_ioas_with_mappings)
{
	__u32 other;
	__u64 iova = 0x10000000;

	ASSERT_EQ(0, ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, other, self->buf, SZ_1M, iova));
	ASSERT_EQ(0, ioas_map_auto(self->fd, other, self->buf, SZ_4M, &iova));
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_RW, other, other, SZ_1M,
			       0x10000000, &(__u64){ 0 }));
	/* A copy into the fixture's IOAS outlives the source IOAS */
	iova = 0x10000000;
	ASSERT_EQ(0, ioas_copy(self->fd, MAP_FIXED_RW, self->ioas_id, other,
			       SZ_1M, 0x10000000, &iova));

	EXPECT_EQ(0, obj_destroy(self->fd, other));
	EXPECT_FALSE(ioas_exists(self->fd, other));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, other));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x10000000, SZ_1M);
}

TEST_F(ioas, close_with_mappings_in_several_ioas)
{
	__u32 ids[3];
	unsigned int i;
	__u64 iova;
	int fd;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i != ARRAY_SIZE(ids); i++) {
		ASSERT_EQ(0, ioas_alloc(fd, &ids[i]));
		ASSERT_EQ(0, ioas_map_fixed(fd, ids[i], self->buf, SZ_2M,
					    0x10000000));
		ASSERT_EQ(0, ioas_map_auto(fd, ids[i], BOGUS_VA_PTR, SZ_1M,
					   &iova));
		ASSERT_EQ(0, add_reserved(fd, ids[i], 0x40000000, SZ_1M));
	}
	/* Shared page sets between the IOAS */
	iova = 0x20000000;
	ASSERT_EQ(0, ioas_copy(fd, MAP_FIXED_RW, ids[1], ids[0], SZ_2M,
			       0x10000000, &iova));
	iova = 0x20000000;
	ASSERT_EQ(0, ioas_copy(fd, MAP_FIXED_RW, ids[2], ids[1], SZ_2M,
			       0x20000000, &iova));
	ASSERT_EQ(0, close(fd));

	/* The device still works afterwards */
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ids[0]));
	EXPECT_EQ(0, ioas_map_fixed(fd, ids[0], self->buf, SZ_4K, 0x10000000));
	ASSERT_EQ(0, close(fd));
}

#define MANY_MAPS 1000

TEST_F(ioas, many_fixed_maps_then_unmap_all)
{
	__u64 total = 0;
	unsigned int i;

	for (i = 0; i != MANY_MAPS; i++) {
		/* Every other page, so that no two areas touch */
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
					    self->buf + (i % 16) * SZ_4K,
					    SZ_4K + (i % 3) * 0x100,
					    0x10000000 + (__u64)i * 4 * SZ_4K));
	}
	for (i = 0; i != MANY_MAPS; i++)
		total += SZ_4K + (i % 3) * 0x100;
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, total);
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
}

TEST_F(ioas, map_unmap_cycles)
{
	__u64 iova, first = 0;
	unsigned int i;

	for (i = 0; i != 100; i++) {
		ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, self->buf,
					   SZ_2M, &iova));
		/* The lowest hole is the same every time */
		if (!i)
			first = iova;
		EXPECT_EQ(first, iova);
		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, iova, SZ_2M);

		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf,
					    SZ_4K, 0x10000000));
		EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, 0x10000000,
				   SZ_4K);
	}
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, 0);
}

TEST_HARNESS_MAIN
