// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of in-kernel accesses, driven through the test ABI: CREATE_ACCESS
 * gives a file descriptor standing for a small driver that pins IOVA
 * ranges on request (ACCESS_PAGES, each pin an "item" with an ID),
 * unpins them (DESTROY_ACCESS_PAGES), copies through the IOAS with the CPU
 * (ACCESS_RW) and moves to another IOAS (ACCESS_REPLACE_IOAS). Closing the
 * fd destroys the access. Its unmap callback unpins every item that
 * touches the range it is given.
 *
 * Every test runs on an IOAS with no domain and on one with a mock domain.
 * Pins are observed with MD_CHECK_REFS (FOLL_PIN count of every page behind
 * a user range): memory an IOAS maps is pinned once by a domain, and an
 * access pin adds nothing to a page that is already pinned. The teardown
 * closes everything and then expects no page of the buffer pinned and
 * VmPin back where it was.
 *
 * All fixed IOVAs are inside the mock aperture, so the same addresses work
 * with and without a domain.
 */
#include "iommufd_utils.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE_SZ ((size_t)sysconf(_SC_PAGESIZE))
#define MOCK_PAGE mock_page_size()

#define PIN_ACCESS MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

#define SZ_16M 0x1000000UL

/* The fixture's buffer, in CPU pages */
#define BUF_PAGES 64
#define BUF_SIZE (BUF_PAGES * PAGE_SZ)

/* Fixed IOVAs, all page aligned and inside the mock aperture */
#define IOVA_A MOCK_APERTURE_START
#define IOVA_B (MOCK_APERTURE_START + 0x100000ULL)
#define IOVA_C (MOCK_APERTURE_START + 0x200000ULL)

/* Access fds a test may keep open; the teardown closes what is left */
#define MAX_ACCESSES 4

/* An object ID no test ever gets */
#define BAD_ID 0x7ffffff0U
/* A file descriptor number that is not open */
#define BAD_FD 0x7ffffff0U

/* === Command helpers; the wrappers are in iommufd_utils.h === */

/* A MAP at the fixed IOVA @iova with @flags (READABLE, WRITEABLE) */
static int map_flags_at(int fd, __u32 ioas_id, __u32 flags, const void *va,
			__u64 length, __u64 iova)
{
	return ioas_map(fd, ioas_id, flags | IOMMU_IOAS_MAP_FIXED_IOVA,
			(uintptr_t)va, length, &iova);
}

/* The IOVA field of the MOCK_FLAGS_ACCESS_SYZ encoding */
static __u64 syz_iova(__u32 nth_area, __u32 offset)
{
	struct {
		__u32 nth_area;
		__u32 offset;
	} syz = { nth_area, offset };
	__u64 iova;

	memcpy(&iova, &syz, sizeof(iova));
	return iova;
}

static __u64 ioas_alignment(int fd, __u32 ioas_id)
{
	__u64 alignment = 0;
	__u32 num = 0;
	int ret;

	ret = ioas_iova_ranges(fd, ioas_id, NULL, &num, &alignment);
	if (ret && ret != -EMSGSIZE)
		return 0;
	return alignment;
}

/* === Test patterns === */

/* Byte @i of pattern @seed */
static unsigned char pattern_byte(unsigned int seed, size_t i)
{
	return (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

static void fill_pattern(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		c[i] = pattern_byte(seed, i);
}

static bool has_pattern(const void *p, size_t len, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		if (c[i] != pattern_byte(seed, i))
			return false;
	return true;
}

static bool all_bytes(const void *p, size_t len, unsigned char val)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i != len; i++)
		if (c[i] != val)
			return false;
	return true;
}

/* === Fixture: an IOAS with 0 or 1 mock domains === */

FIXTURE(access) {
	int fd;
	__u32 ioas_id;
	unsigned int ndomains;
	__u32 stdev_id;
	__u32 hwpt_id;
	int afd[MAX_ACCESSES];	/* -1 once closed */
	void *raw;
	size_t raw_size;
	char *buf;		/* BUF_SIZE bytes, small pages, written */
	long vmpin0;		/* VmPin before the test */
	int warned0;		/* taint_warn() before the test */
};

FIXTURE_VARIANT(access) {
	unsigned int ndomains;
};

FIXTURE_VARIANT_ADD(access, no_domain) {
	.ndomains = 0,
};

FIXTURE_VARIANT_ADD(access, mock_domain) {
	.ndomains = 1,
};

FIXTURE_SETUP(access)
{
	unsigned int i;

	for (i = 0; i != MAX_ACCESSES; i++)
		self->afd[i] = -1;
	self->vmpin0 = proc_status_kb("VmPin");
	self->warned0 = taint_warn();
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	/*
	 * Small pages, 2 MiB aligned and written: MD_CHECK_REFS skips
	 * compound pages, and an unwritten page would be the zero page.
	 */
	self->buf = alloc_touched(BUF_SIZE, SZ_2M, false, &self->raw,
				  &self->raw_size);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
	self->ndomains = variant->ndomains;
	if (self->ndomains)
		ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id,
					 &self->stdev_id, &self->hwpt_id,
					 NULL));
}

FIXTURE_TEARDOWN(access)
{
	unsigned int i;
	int fd;

	for (i = 0; i != MAX_ACCESSES; i++) {
		if (self->afd[i] >= 0)
			close(self->afd[i]);
		self->afd[i] = -1;
	}
	if (self->fd >= 0)
		close(self->fd);

	/*
	 * With every access and the context gone, nothing of the buffer may
	 * stay pinned, and no pin may stay charged.
	 */
	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd >= 0 && self->buf) {
		EXPECT_EQ(0, md_check_refs(fd, self->buf, BUF_SIZE, 0));
		close(fd);
	}
	EXPECT_EQ(self->vmpin0, proc_status_kb("VmPin"));
	/* No WARN (mock map/unmap pairing, refcounts, ...) on the way */
	if (!self->warned0)
		EXPECT_EQ(0, taint_warn());
	if (self->buf)
		munmap(self->raw, self->raw_size);
}

/* Page @n of the buffer */
#define PG(n) (self->buf + (size_t)(n) * PAGE_SZ)
/* @n pages of bytes */
#define NP(n) ((__u64)(n) * PAGE_SZ)

/* Pin count of memory mapped into the fixture's IOAS and not access-pinned */
#define BASE_REFS (self->ndomains ? 1U : 0U)

/* Expect pin count @refs on pages [first, first + n) of the buffer */
#define EXPECT_REFS(first, n, refs) \
	EXPECT_EQ(0, md_check_refs(self->fd, PG(first), NP(n), refs))

/* Open an access on @ioas_id in slot @slot */
static int open_access(FIXTURE_DATA(access) *self, unsigned int slot,
		       __u32 ioas_id, __u32 flags)
{
	int afd = -1, ret;

	ret = access_create(self->fd, ioas_id, flags, &afd);
	if (!ret)
		self->afd[slot] = afd;
	return ret;
}

static void close_access(FIXTURE_DATA(access) *self, unsigned int slot)
{
	close(self->afd[slot]);
	self->afd[slot] = -1;
}

#define OPEN_ACCESS(slot, ioas_id, flags) \
	ASSERT_EQ(0, open_access(self, slot, ioas_id, flags))

#define AFD(slot) (self->afd[slot])

/* === CREATE_ACCESS === */

TEST_F(access, create_errors)
{
	int afd = -1;

	EXPECT_EQ(-EOPNOTSUPP, access_create(self->fd, self->ioas_id, 1 << 1,
					     &afd));
	EXPECT_EQ(-EOPNOTSUPP, access_create(self->fd, self->ioas_id,
					     PIN_ACCESS | (1U << 31), &afd));
	EXPECT_EQ(-ENOENT, access_create(self->fd, 0, PIN_ACCESS, &afd));
	EXPECT_EQ(-ENOENT, access_create(self->fd, BAD_ID, PIN_ACCESS, &afd));
	EXPECT_EQ(-ENOENT, access_create(self->fd, BAD_ID, 0, &afd));
	if (self->ndomains) {
		/* A HWPT or a selftest device is not an IOAS */
		EXPECT_EQ(-ENOENT, access_create(self->fd, self->hwpt_id,
						 PIN_ACCESS, &afd));
		EXPECT_EQ(-ENOENT, access_create(self->fd, self->stdev_id,
						 0, &afd));
	}
	EXPECT_EQ(-1, afd);
}

TEST_F(access, create_gives_cloexec_fd)
{
	int flags;

	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, 0);
	EXPECT_LE(0, self->afd[0]);
	EXPECT_LE(0, self->afd[1]);
	EXPECT_NE(self->afd[0], self->afd[1]);
	EXPECT_NE(self->fd, self->afd[0]);

	flags = fcntl(self->afd[0], F_GETFD);
	ASSERT_LE(0, flags);
	EXPECT_TRUE(flags & FD_CLOEXEC);
	flags = fcntl(self->afd[1], F_GETFD);
	ASSERT_LE(0, flags);
	EXPECT_TRUE(flags & FD_CLOEXEC);

	close_access(self, 0);
	close_access(self, 1);
	/* The IOAS is no longer used by anything */
	if (!self->ndomains)
		EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
}

TEST_F(access, alignment)
{
	__u64 base_align = self->ndomains ? MOCK_PAGE : 1;

	EXPECT_EQ(base_align, ioas_alignment(self->fd, self->ioas_id));

	/* An access that does not pin leaves the alignment alone */
	OPEN_ACCESS(0, self->ioas_id, 0);
	EXPECT_EQ(base_align, ioas_alignment(self->fd, self->ioas_id));

	/* One that pins needs whole pages */
	OPEN_ACCESS(1, self->ioas_id, PIN_ACCESS);
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, self->ioas_id));
	OPEN_ACCESS(2, self->ioas_id, PIN_ACCESS);
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, self->ioas_id));

	/* So MAP takes only page aligned IOVA, length and VA offset */
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(1),
					  IOVA_A + PAGE_SZ / 2));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id, PG(0),
					  PAGE_SZ / 2, IOVA_A));
	EXPECT_EQ(-EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
					  PG(0) + PAGE_SZ / 2, NP(1), IOVA_A));
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(1),
				    IOVA_A));

	close_access(self, 1);
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, self->ioas_id));
	close_access(self, 2);
	EXPECT_EQ(base_align, ioas_alignment(self->fd, self->ioas_id));
	close_access(self, 0);
	EXPECT_EQ(base_align, ioas_alignment(self->fd, self->ioas_id));

	/* Sub-page maps are possible again */
	EXPECT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(1), MOCK_PAGE,
				    IOVA_B + MOCK_PAGE));
}

TEST_F(access, unaligned_area_refuses_pinning_access)
{
	char got[0x800];
	__u64 iova = IOVA_A + 0x800;

	/* Aligned for the mock domain (2048) but not for a CPU page */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), 0x800,
				    iova));

	EXPECT_EQ(-EADDRINUSE, open_access(self, 0, self->ioas_id,
					   PIN_ACCESS));
	EXPECT_EQ(-1, self->afd[0]);
	/* The failed attach left the alignment as it was */
	EXPECT_EQ(self->ndomains ? MOCK_PAGE : 1,
		  ioas_alignment(self->fd, self->ioas_id));

	/* An access that only copies does not care, and can read it */
	OPEN_ACCESS(1, self->ioas_id, 0);
	fill_pattern(PG(0), 0x800, 1);
	memset(got, 0, sizeof(got));
	EXPECT_EQ(0, access_rw(self->fd, AFD(1), iova, got, sizeof(got), 0));
	EXPECT_TRUE(has_pattern(got, sizeof(got), 1));
	EXPECT_EQ(0, access_rw(self->fd, AFD(1), iova, got, sizeof(got),
			       MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_TRUE(has_pattern(got, sizeof(got), 1));
	/* ... but cannot pin */
	EXPECT_EQ(-EOPNOTSUPP, access_pin(self->fd, AFD(1), 0, IOVA_A,
					  NP(1), NULL, NULL));

	/* Once the area is gone a pinning access attaches */
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, iova, 0x800, NULL));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, self->ioas_id));
}

/*
 * COPY must not make areas that start inside a CPU page of an IOAS that a
 * pinning access uses: two adjacent 2 KiB areas copied as one 4 KiB range
 * would put a seam inside the page, and a one-page pin across it would
 * fill two entries of a one-entry page array.
 */
TEST_F(access, copy_of_sub_page_areas_refused)
{
	__u64 dst_iova = IOVA_B;
	__u32 dst_id;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), 0x800,
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0) + 0x800,
				    0x800, IOVA_A + 0x800));
	ASSERT_EQ(0, ioas_alloc(self->fd, &dst_id));
	OPEN_ACCESS(0, dst_id, PIN_ACCESS);
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, dst_id));

	/* First IOVA and total length are page aligned; the seam is not */
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, MAP_FIXED_RW, dst_id,
				     self->ioas_id, NP(1), IOVA_A, &dst_iova));
	/* Nothing was left mapped at the destination */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, dst_id, IOVA_B, NP(1), NULL));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_B, NP(1),
				      NULL, NULL));
	/* Page 0 is pinned once for each source area's page set */
	EXPECT_REFS(0, 1, 2 * BASE_REFS);

	/* Automatic IOVA is held to the same rule */
	EXPECT_EQ(-EINVAL, ioas_copy(self->fd, IOMMU_IOAS_MAP_READABLE |
				     IOMMU_IOAS_MAP_WRITEABLE, dst_id,
				     self->ioas_id, NP(1), IOVA_A, NULL));

	/* One source area of a whole page copies fine */
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, IOVA_A, NP(1), NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(1),
				    IOVA_A));
	EXPECT_EQ(0, ioas_copy_fixed(self->fd, dst_id, IOVA_B, self->ioas_id,
				     IOVA_A, NP(1)));
	EXPECT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_B, NP(1), NULL,
				NULL));
	close_access(self, 0);
	EXPECT_EQ(0, ioas_unmap(self->fd, dst_id, IOVA_B, NP(1), NULL));
	EXPECT_EQ(0, obj_destroy(self->fd, dst_id));
}

/* === ACCESS_PAGES and DESTROY_ACCESS_PAGES === */

TEST_F(access, pin_refs)
{
	__u32 item[4];

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(8),
				    IOVA_A));
	EXPECT_REFS(0, 8, BASE_REFS);
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);

	/* Items are numbered from 0 within the access */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(2), NP(2),
				PG(2), &item[0]));
	EXPECT_EQ(0U, item[0]);
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_REFS(2, 2, 1);
	EXPECT_REFS(4, 4, BASE_REFS);

	/* The same pages again: still pinned once */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(2), NP(2),
				PG(2), &item[1]));
	EXPECT_EQ(1U, item[1]);
	EXPECT_REFS(2, 2, 1);

	/* An overlapping pin for writing */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A + NP(3), NP(3), PG(3), &item[2]));
	EXPECT_EQ(2U, item[2]);
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_REFS(2, 4, 1);
	EXPECT_REFS(6, 2, BASE_REFS);

	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item[0]));
	EXPECT_REFS(2, 4, 1);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item[1]));
	EXPECT_REFS(2, 1, BASE_REFS);
	EXPECT_REFS(3, 3, 1);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item[2]));
	EXPECT_REFS(0, 8, BASE_REFS);

	/* Each item goes once */
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), item[0]));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), item[2]));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), 3));

	/* IDs are not reused */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(8), PG(0),
				&item[3]));
	EXPECT_EQ(3U, item[3]);
	EXPECT_REFS(0, 8, 1);

	/* A length that is not whole pages pins every page it touches */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(1) + 1, PG(0),
				&item[0]));
	EXPECT_EQ(4U, item[0]);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item[3]));
	EXPECT_REFS(0, 2, 1);
	EXPECT_REFS(2, 6, BASE_REFS);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item[0]));
	EXPECT_REFS(0, 8, BASE_REFS);
}

TEST_F(access, pin_two_accesses)
{
	__u32 a, b;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, PIN_ACCESS);

	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&a));
	ASSERT_EQ(0, access_pin(self->fd, AFD(1), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A, NP(4), PG(0), &b));
	/* Each access numbers its own items */
	EXPECT_EQ(0U, a);
	EXPECT_EQ(0U, b);
	EXPECT_REFS(0, 4, 1);

	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), a));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), a));
	EXPECT_REFS(0, 4, 1);
	/* The other access's item with the same number is still there */
	EXPECT_EQ(0, access_unpin(self->fd, AFD(1), b));
	EXPECT_REFS(0, 4, BASE_REFS);

	/* Both pin again, then the accesses go away one by one */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&a));
	ASSERT_EQ(0, access_pin(self->fd, AFD(1), 0, IOVA_A + NP(1), NP(3),
				PG(1), &b));
	EXPECT_REFS(0, 4, 1);
	close_access(self, 0);
	EXPECT_REFS(0, 1, BASE_REFS);
	EXPECT_REFS(1, 3, 1);
	close_access(self, 1);
	EXPECT_REFS(0, 4, BASE_REFS);
}

TEST_F(access, pin_errors)
{
	__u32 item = 0xdead;
	unsigned long top = (~0UL) & ~(PAGE_SZ - 1);

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, 0);

	/* Checked before the access is looked at */
	EXPECT_EQ(-ENOMEM, access_pin(self->fd, AFD(0), 0, IOVA_A,
				      SZ_16M + 1, NULL, &item));
	EXPECT_EQ(-ENOMEM, access_pin(self->fd, BAD_FD, 0, IOVA_A,
				      SZ_16M + 1, NULL, &item));
	EXPECT_EQ(-EOPNOTSUPP, access_pin(self->fd, AFD(0), 1 << 1, IOVA_A,
					  NP(1), NULL, &item));
	EXPECT_EQ(-EOPNOTSUPP, access_pin(self->fd, AFD(0), 1U << 31, IOVA_A,
					  NP(1), NULL, &item));
	EXPECT_EQ(-EOPNOTSUPP, access_pin(self->fd, BAD_FD, 1 << 1, IOVA_A,
					  NP(1), NULL, &item));

	/* Not an access fd */
	EXPECT_EQ(-EBADFD, access_pin(self->fd, BAD_FD, 0, IOVA_A, NP(1),
				      NULL, &item));
	EXPECT_EQ(-EBADFD, access_pin(self->fd, self->fd, 0, IOVA_A, NP(1),
				      NULL, &item));
	EXPECT_EQ(-EBADFD, access_unpin(self->fd, BAD_FD, 0));
	EXPECT_EQ(-EBADFD, access_unpin(self->fd, self->fd, 0));

	/* An access made without NEEDS_PIN_PAGES does not pin */
	EXPECT_EQ(-EOPNOTSUPP, access_pin(self->fd, AFD(1), 0, IOVA_A, NP(1),
					  NULL, &item));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(1), 0));

	/* Bad ranges */
	EXPECT_EQ(-EINVAL, access_pin(self->fd, AFD(0), 0, IOVA_A, 0, NULL,
				      &item));
	EXPECT_EQ(-EINVAL, access_pin(self->fd, AFD(0), 0, IOVA_A + 5, NP(1),
				      NULL, &item));
	EXPECT_EQ(-EINVAL, access_pin(self->fd, AFD(0), 0,
				      IOVA_A + PAGE_SZ / 2, NP(1), NULL,
				      &item));
	EXPECT_EQ(-EOVERFLOW, access_pin(self->fd, AFD(0), 0, top, NP(2),
					 NULL, &item));
	/* Not mapped, or only partly */
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_B, NP(1),
				      NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A - NP(1),
				      NP(2), NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(3),
				      NP(2), NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(5),
				      NULL, &item));

	/* The pages are not those behind uptr */
	EXPECT_EQ(-EBADE, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2),
				     PG(8), &item));
	EXPECT_EQ(-EBADE, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2),
				     PG(1), &item));
	EXPECT_EQ(0xdeadU, item);

	/* None of that pinned anything or recorded an item */
	EXPECT_REFS(0, 4, BASE_REFS);
	EXPECT_REFS(4, BUF_PAGES - 4, 0);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), 0));

	/* Failures did not use up IDs either */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&item));
	EXPECT_EQ(0U, item);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), item + 1));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), ~0U));
	EXPECT_REFS(0, 4, 1);
	/* An uptr that is not page aligned names the same pages */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4),
				PG(0) + 100, &item));
	EXPECT_EQ(1U, item);
}

TEST_F(access, pin_permissions)
{
	__u32 item;

	ASSERT_EQ(0, map_flags_at(self->fd, self->ioas_id,
				  IOMMU_IOAS_MAP_READABLE, PG(0), NP(2),
				  IOVA_A));
	ASSERT_EQ(0, map_flags_at(self->fd, self->ioas_id,
				  IOMMU_IOAS_MAP_WRITEABLE, PG(4), NP(2),
				  IOVA_B));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);

	/* Read-only mapping */
	EXPECT_EQ(-EPERM, access_pin(self->fd, AFD(0),
				     MOCK_FLAGS_ACCESS_WRITE, IOVA_A, NP(2),
				     PG(0), &item));
	EXPECT_REFS(0, 2, BASE_REFS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&item));
	EXPECT_REFS(0, 2, 1);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 2, BASE_REFS);

	/* Write-only mapping */
	EXPECT_EQ(-EPERM, access_pin(self->fd, AFD(0), 0, IOVA_B, NP(2),
				     PG(4), &item));
	EXPECT_REFS(4, 2, BASE_REFS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_B, NP(2), PG(4), &item));
	EXPECT_REFS(4, 2, 1);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(4, 2, BASE_REFS);
}

TEST_F(access, pin_two_areas)
{
	__u64 unmapped = 0;
	__u32 a, b, c;

	/* Three areas back to back; the first two also adjacent in VA */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(2), NP(2),
				    IOVA_A + NP(2)));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(8), NP(2),
				    IOVA_A + NP(4)));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);

	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(1), NP(2),
				PG(1), &a));
	EXPECT_REFS(0, 1, BASE_REFS);
	EXPECT_REFS(1, 2, 1);
	EXPECT_REFS(3, 1, BASE_REFS);

	/* Across the second and third: not contiguous in VA */
	EXPECT_EQ(-EBADE, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(3),
				     NP(2), PG(3), &b));
	EXPECT_REFS(3, 1, BASE_REFS);
	EXPECT_REFS(8, 1, BASE_REFS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A + NP(3), NP(2), NULL, &b));
	EXPECT_REFS(3, 1, 1);
	EXPECT_REFS(8, 1, 1);
	EXPECT_REFS(9, 1, BASE_REFS);

	/* All three */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(6), NULL, &c));
	EXPECT_REFS(0, 4, 1);
	EXPECT_REFS(8, 2, 1);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), c));
	EXPECT_REFS(0, 1, BASE_REFS);
	EXPECT_REFS(1, 3, 1);
	EXPECT_REFS(8, 1, 1);
	EXPECT_REFS(9, 1, BASE_REFS);

	/* Unmapping the middle area drops both pins that touch it */
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, IOVA_A + NP(2), NP(2),
				&unmapped));
	EXPECT_EQ(NP(2), unmapped);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), a));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), b));
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_REFS(2, 2, 0);
	EXPECT_REFS(8, 2, BASE_REFS);
}

TEST_F(access, pin_gap)
{
	char got[16];
	__u32 item;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(3), NP(2),
				    IOVA_A + NP(3)));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);

	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(5),
				      NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(1),
				      NP(3), NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(2),
				      NP(2), NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(2),
				      NP(1), NULL, &item));
	/* What was pinned before the gap was found is unpinned again */
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_REFS(2, 1, 0);
	EXPECT_REFS(3, 2, BASE_REFS);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), 0));

	/* The same for rw */
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A + NP(2) - 8, got,
				     sizeof(got), 0));
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A + NP(3) - 8, got,
				     sizeof(got), MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A + NP(2), got,
				     sizeof(got), MOCK_ACCESS_RW_WRITE));
	EXPECT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A + NP(2) - 16, got,
			       sizeof(got), 0));
	EXPECT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A + NP(3), got,
			       sizeof(got), 0));

	/* Each side alone is fine */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&item));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(3), NP(2),
				PG(3), &item));
	EXPECT_REFS(0, 2, 1);
	EXPECT_REFS(3, 2, 1);
}

TEST_F(access, pin_after_unmap)
{
	__u64 unmapped = 0;
	char got[8];
	__u32 item;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&item));
	EXPECT_REFS(0, 4, 1);

	/* UNMAP asks the access to let go, and then succeeds */
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, IOVA_A, NP(4),
				&unmapped));
	EXPECT_EQ(NP(4), unmapped);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 4, 0);

	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4),
				      NULL, &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(1),
				      NULL, &item));
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A, got,
				     sizeof(got), 0));
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A, got,
				     sizeof(got), MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_REFS(0, 4, 0);

	/* Mapped again, it can be pinned again */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&item));
	EXPECT_EQ(1U, item);
	EXPECT_REFS(0, 4, 1);
}

TEST_F(access, unmap_with_pins)
{
	__u32 a0, a1, a2, b0, b1;
	__u64 unmapped = 0;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(8),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(8), NP(8),
				    IOVA_B));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, PIN_ACCESS);
	/* An access with no pins is asked too, and must not get in the way */
	OPEN_ACCESS(2, self->ioas_id, 0);

	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&a0));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A + NP(6), NP(2), PG(6), &a1));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_B, NP(1), PG(8),
				&a2));
	ASSERT_EQ(0, access_pin(self->fd, AFD(1), 0, IOVA_A + NP(1), NP(4),
				PG(1), &b0));
	ASSERT_EQ(0, access_pin(self->fd, AFD(1), 0, IOVA_B + NP(4), NP(4),
				PG(12), &b1));

	/* The first area: only the items that touch it go */
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, IOVA_A, NP(8),
				&unmapped));
	EXPECT_EQ(NP(8), unmapped);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), a0));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), a1));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(1), b0));
	EXPECT_REFS(0, 8, 0);
	EXPECT_REFS(8, 1, 1);
	EXPECT_REFS(9, 3, BASE_REFS);
	EXPECT_REFS(12, 4, 1);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), a2));
	EXPECT_REFS(8, 1, BASE_REFS);

	/* Unmap everything, with b1 still pinned */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_B, NP(8), PG(8),
				&a2));
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(NP(8), unmapped);
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), a2));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(1), b1));
	EXPECT_REFS(0, 16, 0);

	/* The accesses go on working on new mappings */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_C));
	ASSERT_EQ(0, access_pin(self->fd, AFD(1), 0, IOVA_C, NP(2), PG(0),
				&b1));
	EXPECT_REFS(0, 2, 1);
}

/* Closing the access fd undoes its pins */
TEST_F(access, close_with_pins)
{
	__u32 item;
	int old_fd;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&item));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A + NP(1), NP(2), PG(1), &item));
	EXPECT_REFS(0, 4, 1);
	old_fd = AFD(0);
	close_access(self, 0);
	EXPECT_REFS(0, 4, BASE_REFS);
	EXPECT_EQ(self->ndomains ? MOCK_PAGE : 1,
		  ioas_alignment(self->fd, self->ioas_id));

	/* The fd number means nothing to the test ABI any more */
	EXPECT_EQ(-EBADFD, access_unpin(self->fd, old_fd, item));

	/* The mapping stays and is unmapped normally */
	EXPECT_EQ(0, ioas_unmap(self->fd, self->ioas_id, IOVA_A, NP(4), NULL));
	if (!self->ndomains)
		EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
}

/* A domain coming and going under an access pin */
TEST_F(access, domain_under_pin)
{
	__u32 item, stdev, hwpt;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&item));
	EXPECT_REFS(0, 4, 1);

	/* The new domain uses the pages the access pinned */
	ASSERT_EQ(0, mock_domain(self->fd, self->ioas_id, &stdev, &hwpt,
				 NULL));
	EXPECT_REFS(0, 4, 1);
	EXPECT_EQ(0, md_check_map(self->fd, hwpt, IOVA_A, NP(4), PG(0)));
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, self->ioas_id));

	/* Unpinning leaves the domain's pin */
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 4, 1);

	/* Pin again and take the domain away: the access's pin stays */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(1), NP(2),
				PG(1), &item));
	ASSERT_EQ(0, obj_destroy(self->fd, stdev));
	EXPECT_REFS(0, 1, BASE_REFS);
	EXPECT_REFS(1, 2, 1);
	EXPECT_REFS(3, 1, BASE_REFS);
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 4, BASE_REFS);
}

/* === ACCESS_RW === */

/* Both ways through [iova, iova + len) with @flags, checked in the buffer */
static void rw_roundtrip(struct __test_metadata *_metadata,
			 FIXTURE_DATA(access) *self, __u32 afd, __u64 iova,
			 char *mem, size_t len, __u32 flags, unsigned int seed)
{
	char *tmp;

	tmp = malloc(len + 2);
	ASSERT_NE(NULL, tmp);

	/* Write through the IOAS, look at the memory directly */
	mem[-1] = 0x11;
	mem[len] = 0x22;
	fill_pattern(tmp, len, seed);
	ASSERT_EQ(0, access_rw(self->fd, afd, iova, tmp, len,
			       flags | MOCK_ACCESS_RW_WRITE));
	EXPECT_TRUE(has_pattern(mem, len, seed));
	EXPECT_EQ(0x11, mem[-1]);
	EXPECT_EQ(0x22, mem[len]);

	/* Write the memory directly, read through the IOAS */
	fill_pattern(mem, len, seed + 1);
	memset(tmp, 0, len + 2);
	ASSERT_EQ(0, access_rw(self->fd, afd, iova, tmp, len, flags));
	EXPECT_TRUE(has_pattern(tmp, len, seed + 1));
	/* Not a byte more */
	EXPECT_EQ(0, tmp[len]);
	EXPECT_EQ(0, tmp[len + 1]);
	free(tmp);
}

static const __u32 rw_paths[] = { 0, MOCK_ACCESS_RW_SLOW_PATH };

TEST_F(access, rw_one_area)
{
	unsigned int i, slot;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(1), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, 0);

	for (slot = 0; slot != 2; slot++) {
		for (i = 0; i != 2; i++) {
			unsigned int seed = slot * 16 + i * 4;

			/* Whole pages */
			rw_roundtrip(_metadata, self, AFD(slot), IOVA_A + NP(1),
				     PG(2), NP(2), rw_paths[i], seed);
			/* A few bytes inside a page */
			rw_roundtrip(_metadata, self, AFD(slot), IOVA_A + 5,
				     PG(1) + 5, 3, rw_paths[i], seed + 1);
			/* Across a page boundary */
			rw_roundtrip(_metadata, self, AFD(slot),
				     IOVA_A + NP(1) - 3, PG(2) - 3, 7,
				     rw_paths[i], seed + 2);
			/* One byte, at the very end of the area */
			rw_roundtrip(_metadata, self, AFD(slot),
				     IOVA_A + NP(4) - 1, PG(5) - 1, 1,
				     rw_paths[i], seed + 3);
			/* The whole area, from an odd start */
			rw_roundtrip(_metadata, self, AFD(slot), IOVA_A + 1,
				     PG(1) + 1, NP(4) - 1, rw_paths[i],
				     seed + 3);
		}
	}

	/* rw pins nothing that outlives it */
	EXPECT_REFS(1, 4, BASE_REFS);
	EXPECT_REFS(0, 1, 0);
	EXPECT_REFS(5, 1, 0);
}

TEST_F(access, rw_two_areas)
{
	unsigned int i;

	/* Adjacent in IOVA, far apart in VA */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(1), NP(2),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(8), NP(2),
				    IOVA_A + NP(2)));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);

	for (i = 0; i != 2; i++) {
		char *tmp = malloc(NP(4));
		size_t off = PAGE_SZ + 100, len = NP(2);

		ASSERT_NE(NULL, tmp);
		fill_pattern(tmp, len, 40 + i);
		memset(PG(0), 0x5a, NP(16));
		ASSERT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A + off, tmp,
				       len,
				       rw_paths[i] | MOCK_ACCESS_RW_WRITE));
		/* The first part lands in PG(2), from byte 100 on... */
		EXPECT_EQ(0, memcmp(PG(1) + off, tmp, NP(2) - off));
		/* ... the rest at the start of PG(8) */
		EXPECT_EQ(0, memcmp(PG(8), tmp + NP(2) - off,
				    len - (NP(2) - off)));
		EXPECT_TRUE(all_bytes(PG(1), off, 0x5a));
		EXPECT_TRUE(all_bytes(PG(8) + len - (NP(2) - off),
				      NP(2) - (len - (NP(2) - off)), 0x5a));
		EXPECT_TRUE(all_bytes(PG(3), NP(5), 0x5a));

		/* And the whole of both, read back */
		fill_pattern(PG(1), NP(2), 50 + i);
		fill_pattern(PG(8), NP(2), 60 + i);
		memset(tmp, 0, NP(4));
		ASSERT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A, tmp, NP(4),
				       rw_paths[i]));
		EXPECT_TRUE(has_pattern(tmp, NP(2), 50 + i));
		EXPECT_TRUE(has_pattern(tmp + NP(2), NP(2), 60 + i));

		/* Running past the second area fails as a whole */
		EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A + 8,
					     tmp, NP(4), rw_paths[i]));
		free(tmp);
	}
	EXPECT_REFS(1, 2, BASE_REFS);
	EXPECT_REFS(8, 2, BASE_REFS);
}

TEST_F(access, rw_errors)
{
	char *bad = mmap(NULL, PAGE_SZ, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long top = ~0UL;
	char got[64];
	unsigned int i;

	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	/*
	 * A write that runs off the end of the mapping may have copied the
	 * part that was mapped before it fails; copying the buffer's own
	 * value keeps the check below independent of that.
	 */
	memset(got, 0x5a, sizeof(got));

	/* Checked before the fd is looked at */
	EXPECT_EQ(-ENOMEM, access_rw(self->fd, AFD(0), IOVA_A, got,
				     SZ_16M + 1, 0));
	EXPECT_EQ(-ENOMEM, access_rw(self->fd, BAD_FD, IOVA_A, got,
				     SZ_16M + 1, 0));
	EXPECT_EQ(-EOPNOTSUPP, access_rw(self->fd, AFD(0), IOVA_A, got,
					 sizeof(got), 1 << 1));
	EXPECT_EQ(-EOPNOTSUPP, access_rw(self->fd, AFD(0), IOVA_A, got,
					 sizeof(got), 1 << 3));
	EXPECT_EQ(-EOPNOTSUPP, access_rw(self->fd, BAD_FD, IOVA_A, got,
					 sizeof(got), 1 << 1));
	EXPECT_EQ(-EBADFD, access_rw(self->fd, BAD_FD, IOVA_A, got,
				     sizeof(got), 0));
	EXPECT_EQ(-EBADFD, access_rw(self->fd, self->fd, IOVA_A, got,
				     sizeof(got), 0));

	for (i = 0; i != 2; i++) {
		__u32 f = rw_paths[i];

		EXPECT_EQ(-EINVAL, access_rw(self->fd, AFD(0), IOVA_A, got, 0,
					     f));
		EXPECT_EQ(-EINVAL, access_rw(self->fd, AFD(0), IOVA_A, got, 0,
					     f | MOCK_ACCESS_RW_WRITE));
		EXPECT_EQ(-EOVERFLOW, access_rw(self->fd, AFD(0), top - 3,
						got, 8, f));
		EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_B, got,
					     sizeof(got), f));
		EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A - 8, got,
					     sizeof(got), f));
		EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0),
					     IOVA_A + NP(2) - 8, got,
					     sizeof(got),
					     f | MOCK_ACCESS_RW_WRITE));
		/* The user buffer is unusable */
		EXPECT_EQ(-EFAULT, access_rw(self->fd, AFD(0), IOVA_A, bad,
					     sizeof(got),
					     f | MOCK_ACCESS_RW_WRITE));
		EXPECT_EQ(-EFAULT, access_rw(self->fd, AFD(0), IOVA_A, bad,
					     sizeof(got), f));
		EXPECT_EQ(-EFAULT, access_rw(self->fd, AFD(0), IOVA_A, NULL,
					     sizeof(got), f));
	}
	/* A failed write changed nothing */
	EXPECT_TRUE(all_bytes(PG(0), NP(2), 0x5a));
	EXPECT_REFS(0, 2, BASE_REFS);
	munmap(bad, PAGE_SZ);
}

TEST_F(access, rw_permissions)
{
	char got[32];
	unsigned int i;

	ASSERT_EQ(0, map_flags_at(self->fd, self->ioas_id,
				  IOMMU_IOAS_MAP_READABLE, PG(0), NP(2),
				  IOVA_A));
	ASSERT_EQ(0, map_flags_at(self->fd, self->ioas_id,
				  IOMMU_IOAS_MAP_WRITEABLE, PG(4), NP(2),
				  IOVA_B));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(8), NP(2),
				    IOVA_A + NP(2)));
	OPEN_ACCESS(0, self->ioas_id, 0);

	for (i = 0; i != 2; i++) {
		__u32 f = rw_paths[i];

		fill_pattern(got, sizeof(got), 70 + i);
		EXPECT_EQ(-EPERM, access_rw(self->fd, AFD(0), IOVA_A + 3, got,
					    sizeof(got),
					    f | MOCK_ACCESS_RW_WRITE));
		EXPECT_TRUE(all_bytes(PG(0), NP(2), 0x5a));
		EXPECT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A + 3, got,
				       sizeof(got), f));
		EXPECT_TRUE(all_bytes(got, sizeof(got), 0x5a));

		EXPECT_EQ(-EPERM, access_rw(self->fd, AFD(0), IOVA_B, got,
					    sizeof(got), f));
		fill_pattern(got, sizeof(got), 80 + i);
		EXPECT_EQ(0, access_rw(self->fd, AFD(0), IOVA_B + 7, got,
				       sizeof(got), f | MOCK_ACCESS_RW_WRITE));
		EXPECT_TRUE(has_pattern(PG(4) + 7, sizeof(got), 80 + i));

		/* A write from the read-only area on into the read-write one */
		EXPECT_EQ(-EPERM, access_rw(self->fd, AFD(0),
					    IOVA_A + NP(2) - 8, got,
					    sizeof(got),
					    f | MOCK_ACCESS_RW_WRITE));
	}
}

/* The "syzkaller" IOVA encoding: the nth area plus an offset */
TEST_F(access, syz_encoding)
{
	char got[16], put[16];
	__u32 item;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(4), NP(4),
				    IOVA_B));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);

	fill_pattern(PG(0), NP(2), 90);
	fill_pattern(PG(4), NP(4), 91);
	ASSERT_EQ(0, access_rw(self->fd, AFD(0), syz_iova(0, 9), got,
			       sizeof(got), MOCK_FLAGS_ACCESS_SYZ));
	EXPECT_EQ(0, memcmp(got, PG(0) + 9, sizeof(got)));
	ASSERT_EQ(0, access_rw(self->fd, AFD(0), syz_iova(1, NP(1) + 3), got,
			       sizeof(got),
			       MOCK_FLAGS_ACCESS_SYZ |
				       MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_EQ(0, memcmp(got, PG(5) + 3, sizeof(got)));
	fill_pattern(put, sizeof(put), 92);
	ASSERT_EQ(0, access_rw(self->fd, AFD(0), syz_iova(1, 100), put,
			       sizeof(put),
			       MOCK_FLAGS_ACCESS_SYZ | MOCK_ACCESS_RW_WRITE));
	EXPECT_EQ(0, memcmp(put, PG(4) + 100, sizeof(put)));
	/* No such area: the IOVA becomes 0, where nothing is mapped */
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), syz_iova(2, 0), got,
				     sizeof(got), MOCK_FLAGS_ACCESS_SYZ));
	/* Without the flag the same number is just an unmapped IOVA */
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), syz_iova(1, 100), got,
				     sizeof(got), 0));

	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_SYZ,
				syz_iova(1, NP(2)), NP(2), PG(6), &item));
	EXPECT_REFS(4, 2, BASE_REFS);
	EXPECT_REFS(6, 2, 1);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0),
				MOCK_FLAGS_ACCESS_SYZ | MOCK_FLAGS_ACCESS_WRITE,
				syz_iova(0, 0), NP(2), PG(0), &item));
	EXPECT_REFS(0, 2, 1);
	EXPECT_EQ(-EBADE, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_SYZ,
				     syz_iova(1, 0), NP(1), PG(0), &item));
	EXPECT_EQ(-ENOENT, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_SYZ,
				      syz_iova(5, 0), NP(1), NULL, &item));
	EXPECT_EQ(-EINVAL, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_SYZ,
				      syz_iova(1, 8), NP(1), NULL, &item));
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_REFS(4, 2, BASE_REFS);
	EXPECT_REFS(6, 2, 1);
}

/* === ACCESS_REPLACE_IOAS === */

TEST_F(access, replace_moves_pins)
{
	__u32 ioas_b, item, item_b;
	char got[16];

	/* A maps pages 0-3, B maps pages 8-11 at the same IOVA */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas_b));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas_b, PG(8), NP(4), IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas_b, PG(12), NP(2), IOVA_C));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	EXPECT_EQ(1U, ioas_alignment(self->fd, ioas_b));

	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(0),
				&item));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), MOCK_FLAGS_ACCESS_WRITE,
				IOVA_A + NP(1), NP(1), PG(1), &item));
	EXPECT_REFS(0, 4, 1);
	EXPECT_REFS(8, 4, 0);

	ASSERT_EQ(0, access_replace(self->fd, AFD(0), ioas_b));
	/* Every item went, and with it every pin it held in A */
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), 0));
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 4, BASE_REFS);
	EXPECT_REFS(8, 4, 0);
	/* The alignment moved with the access */
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, ioas_b));
	EXPECT_EQ(self->ndomains ? MOCK_PAGE : 1,
		  ioas_alignment(self->fd, self->ioas_id));

	/* Pins and rw now go to B's mappings */
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(4), PG(8),
				&item_b));
	EXPECT_EQ(2U, item_b);
	EXPECT_REFS(0, 4, BASE_REFS);
	EXPECT_REFS(8, 4, 1);
	EXPECT_EQ(-EBADE, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(1), PG(0),
				     &item));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_C, NP(2), PG(12),
				&item));
	EXPECT_REFS(12, 2, 1);
	fill_pattern(PG(8) + 40, sizeof(got), 100);
	ASSERT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A + 40, got,
			       sizeof(got), 0));
	EXPECT_TRUE(has_pattern(got, sizeof(got), 100));
	fill_pattern(got, sizeof(got), 101);
	ASSERT_EQ(0, access_rw(self->fd, AFD(0), IOVA_C + 1, got, sizeof(got),
			       MOCK_ACCESS_RW_WRITE |
				       MOCK_ACCESS_RW_SLOW_PATH));
	EXPECT_TRUE(has_pattern(PG(12) + 1, sizeof(got), 101));

	/* A is free now; B is held */
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, ioas_b));
	EXPECT_EQ(self->ndomains ? -EBUSY : 0,
		  obj_destroy(self->fd, self->ioas_id));

	/* Back to A, if it still exists: B's pins go */
	if (self->ndomains) {
		ASSERT_EQ(0, access_replace(self->fd, AFD(0), self->ioas_id));
		EXPECT_REFS(8, 6, 0);
		EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), item_b));
		EXPECT_EQ(1U, ioas_alignment(self->fd, ioas_b));
		ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(1),
					PG(0), &item));
		EXPECT_REFS(0, 1, 1);
	}

	/* Closing the access releases B */
	close_access(self, 0);
	EXPECT_REFS(0, 4, BASE_REFS);
	EXPECT_REFS(8, 8, 0);
	EXPECT_EQ(0, obj_destroy(self->fd, ioas_b));
}

TEST_F(access, replace_same_and_failures)
{
	__u32 ioas_b, ioas_c, item, item2;
	char got[8];

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&item));
	EXPECT_REFS(0, 2, 1);

	/* The same IOAS: nothing happens, the item stays */
	EXPECT_EQ(0, access_replace(self->fd, AFD(0), self->ioas_id));
	EXPECT_REFS(0, 2, 1);

	/* Not an IOAS */
	EXPECT_EQ(-ENOENT, access_replace(self->fd, AFD(0), BAD_ID));
	EXPECT_EQ(-ENOENT, access_replace(self->fd, AFD(0), 0));
	if (self->ndomains) {
		EXPECT_EQ(-ENOENT, access_replace(self->fd, AFD(0),
						  self->hwpt_id));
		EXPECT_EQ(-ENOENT, access_replace(self->fd, AFD(0),
						  self->stdev_id));
	}
	/* Not an access fd */
	EXPECT_EQ(-EBADFD, access_replace(self->fd, BAD_FD, self->ioas_id));
	EXPECT_EQ(-EBADFD, access_replace(self->fd, self->fd, self->ioas_id));

	/* An IOAS the access cannot align with */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas_b));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas_b, PG(8), 0x800,
				    IOVA_A + 0x800));
	EXPECT_EQ(-EADDRINUSE, access_replace(self->fd, AFD(0), ioas_b));
	EXPECT_EQ(1U, ioas_alignment(self->fd, ioas_b));
	EXPECT_EQ(0, obj_destroy(self->fd, ioas_b));

	/* After all that, the access is still on the fixture's IOAS */
	EXPECT_REFS(0, 2, 1);
	EXPECT_EQ(PAGE_SZ, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A + NP(2), NP(2),
				PG(2), &item2));
	EXPECT_EQ(1U, item2);
	fill_pattern(PG(3), sizeof(got), 110);
	EXPECT_EQ(0, access_rw(self->fd, AFD(0), IOVA_A + NP(3), got,
			       sizeof(got), 0));
	EXPECT_TRUE(has_pattern(got, sizeof(got), 110));
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_REFS(2, 2, 1);
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, self->ioas_id));

	/* An access that does not pin moves onto an unaligned IOAS */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas_c));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas_c, PG(8), 0x800,
				    IOVA_A + 0x800));
	OPEN_ACCESS(1, self->ioas_id, 0);
	EXPECT_EQ(0, access_replace(self->fd, AFD(1), ioas_c));
	fill_pattern(PG(8) + 0x10, sizeof(got), 111);
	EXPECT_EQ(0, access_rw(self->fd, AFD(1), IOVA_A + 0x810, got,
			       sizeof(got), 0));
	EXPECT_TRUE(has_pattern(got, sizeof(got), 111));
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, ioas_c));
	close_access(self, 1);
	EXPECT_EQ(0, obj_destroy(self->fd, ioas_c));
}

/* === Lifetime === */

TEST_F(access, destroy_ioas_in_use)
{
	__u32 item;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, 0);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&item));
	if (self->ndomains)
		ASSERT_EQ(0, obj_destroy(self->fd, self->stdev_id));

	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, self->ioas_id));
	close_access(self, 0);
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, self->ioas_id));
	/* The pinning access's pins went with it */
	EXPECT_REFS(0, 2, 0);
	close_access(self, 1);
	EXPECT_EQ(0, obj_destroy(self->fd, self->ioas_id));
	EXPECT_FALSE(ioas_exists(self->fd, self->ioas_id));
}

/*
 * The ACCESS objects have IDs userspace never learns. DESTROY of any ID
 * this test did not make must either find nothing or be refused, and
 * must not disturb the accesses.
 */
TEST_F(access, destroy_unknown_ids)
{
	unsigned int busy = 0, id;
	__u32 ioas_b, item;
	char got[8];

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas_b));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(2),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	OPEN_ACCESS(1, self->ioas_id, 0);
	OPEN_ACCESS(2, ioas_b, PIN_ACCESS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&item));

	for (id = 0; id != 256; id++) {
		int ret;

		if (id == self->ioas_id || id == ioas_b ||
		    (self->ndomains && id == self->stdev_id))
			continue;
		ret = obj_destroy(self->fd, id);
		if (ret == -EBUSY)
			busy++;
		else
			EXPECT_EQ(-ENOENT, ret);
	}
	/* The three accesses, plus the HWPT and device of the mock domain */
	EXPECT_EQ(3U + 2 * self->ndomains, busy);

	/* Nothing changed */
	EXPECT_REFS(0, 2, 1);
	EXPECT_EQ(0, access_rw(self->fd, AFD(1), IOVA_A, got, sizeof(got), 0));
	EXPECT_EQ(0, access_unpin(self->fd, AFD(0), item));
	EXPECT_REFS(0, 2, BASE_REFS);
	EXPECT_EQ(-EBUSY, obj_destroy(self->fd, ioas_b));
	close_access(self, 2);
	EXPECT_EQ(0, obj_destroy(self->fd, ioas_b));
}

/*
 * The access holds the context: closing /dev/iommu first leaves the IOAS
 * and the pins in place until the access fd goes.
 */
TEST_F(access, close_context_first)
{
	char got[16];
	__u32 item;
	int fd2;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&item));
	close(self->fd);
	self->fd = -1;

	/* Another context can still reach the access through its fd */
	fd2 = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, md_check_refs(fd2, PG(0), NP(2), 1));
	EXPECT_EQ(0, md_check_refs(fd2, PG(2), NP(2), BASE_REFS));
	fill_pattern(PG(1) + 3, sizeof(got), 120);
	EXPECT_EQ(0, access_rw(fd2, AFD(0), IOVA_A + NP(1) + 3, got,
			       sizeof(got), 0));
	EXPECT_TRUE(has_pattern(got, sizeof(got), 120));
	EXPECT_EQ(0, access_pin(fd2, AFD(0), 0, IOVA_A + NP(2), NP(2), PG(2),
				&item));
	EXPECT_EQ(0, md_check_refs(fd2, PG(0), NP(4), 1));
	EXPECT_EQ(0, access_unpin(fd2, AFD(0), 0));
	EXPECT_EQ(0, md_check_refs(fd2, PG(0), NP(2), BASE_REFS));

	/* Closing the access ends the old context: nothing stays pinned */
	close_access(self, 0);
	EXPECT_EQ(0, md_check_refs(fd2, PG(0), NP(4), 0));
	close(fd2);
}

/* The same with an access that never pinned, and one never used */
TEST_F(access, close_context_first_idle)
{
	OPEN_ACCESS(0, self->ioas_id, 0);
	OPEN_ACCESS(1, self->ioas_id, PIN_ACCESS);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(4),
				    IOVA_A));
	close(self->fd);
	self->fd = -1;
	close_access(self, 1);
	close_access(self, 0);
}

/* === MAP and UNMAP held inside the mock domain === */

/*
 * MD_HOLD stops a mock domain's next map or unmap call, with the locks
 * iommufd holds around it, until the test releases it, so another thread
 * can act on the IOAS at that point. Every wait for the other thread is
 * bounded by HOLD_WAIT_MS, thousands of times what the work takes even on
 * a loaded machine: a wait that runs out means a thread is blocked, never
 * that it was slow. The harness timeout covers the bounded waits a test
 * can add up to.
 */
#define HOLD_WAIT_MS 60000
#define HOLD_TIMEOUT 300

static int md_hold(int fd, __u32 hwpt_id, __u32 flags, __u32 *waiting)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_HOLD,
		.id = hwpt_id,
		.md_hold = { .flags = flags },
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (!ret && waiting)
		*waiting = cmd.md_hold.out_waiting;
	return ret;
}

/* Wait, for at least HOLD_WAIT_MS, until @n calls of the domain are held */
static bool wait_held(int fd, __u32 hwpt_id, __u32 n)
{
	struct timespec step = { .tv_nsec = 1000000 };
	unsigned int ms;
	__u32 waiting;

	for (ms = 0; ms != HOLD_WAIT_MS; ms++) {
		if (md_hold(fd, hwpt_id, 0, &waiting))
			return false;
		if (waiting == n)
			return true;
		nanosleep(&step, NULL);
	}
	return false;
}

/* A thread running @fn(@arg) that says through a pipe when it is done */
struct side_thread {
	pthread_t thread;
	int done[2];
	void (*fn)(void *arg);
	void *arg;
};

static void *side_thread_main(void *p)
{
	struct side_thread *st = p;
	char c = 1;

	st->fn(st->arg);
	if (write(st->done[1], &c, 1) != 1)
		abort();
	return NULL;
}

static int side_start(struct side_thread *st, void (*fn)(void *arg),
		      void *arg)
{
	st->fn = fn;
	st->arg = arg;
	if (pipe(st->done))
		return -errno;
	if (pthread_create(&st->thread, NULL, side_thread_main, st)) {
		close(st->done[0]);
		close(st->done[1]);
		return -EAGAIN;
	}
	return 0;
}

/* Has the thread finished, waiting at most @ms for it? */
static bool side_wait(struct side_thread *st, int ms)
{
	struct pollfd pfd = { .fd = st->done[0], .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

static void side_join(struct side_thread *st)
{
	pthread_join(st->thread, NULL);
	close(st->done[0]);
	close(st->done[1]);
}

struct map_call {
	int fd;
	__u32 ioas_id;
	const void *va;
	__u64 length;
	__u64 iova;
	int rc;
};

static void map_call_fn(void *arg)
{
	struct map_call *m = arg;

	m->rc = map_flags_at(m->fd, m->ioas_id, MAP_RW, m->va, m->length,
			     m->iova);
}

struct unmap_call {
	int fd;
	__u32 ioas_id;
	__u64 iova;
	__u64 length;
	__u64 unmapped;
	int rc;
};

static void unmap_call_fn(void *arg)
{
	struct unmap_call *u = arg;

	u->rc = ioas_unmap(u->fd, u->ioas_id, u->iova, u->length,
			   &u->unmapped);
}

/*
 * An area whose MAP is still filling the domain has no page set yet. An
 * UNMAP that meets it fails with EBUSY, as upstream's does, even where the
 * area also sticks out of the range (which alone is ENOENT): the busy
 * check comes first. UNMAP_ALL is EBUSY too, and the area's IOVA is taken.
 */
TEST_F_TIMEOUT(access, unmap_of_area_being_built_is_busy, HOLD_TIMEOUT)
{
	struct map_call m = {
		.fd = self->fd, .ioas_id = self->ioas_id, .va = PG(0),
		.length = NP(4), .iova = IOVA_A,
	};
	struct side_thread st;
	bool held;

	if (!self->ndomains)
		SKIP(return, "a map call to hold needs a mock domain");
	ASSERT_EQ(0, md_hold(self->fd, self->hwpt_id, MOCK_HOLD_MAP, NULL));
	ASSERT_EQ(0, side_start(&st, map_call_fn, &m));
	held = wait_held(self->fd, self->hwpt_id, 1);
	EXPECT_TRUE(held);
	if (held) {
		/* Part of the area, from either end: busy before sticking out */
		EXPECT_EQ(-EBUSY, ioas_unmap(self->fd, self->ioas_id, IOVA_A,
					     NP(2), NULL));
		EXPECT_EQ(-EBUSY, ioas_unmap(self->fd, self->ioas_id,
					     IOVA_A + NP(2), NP(2), NULL));
		/* All of it, more than it, everything */
		EXPECT_EQ(-EBUSY, ioas_unmap(self->fd, self->ioas_id,
					     IOVA_A - NP(1), NP(6), NULL));
		EXPECT_EQ(-EBUSY, ioas_unmap(self->fd, self->ioas_id, 0,
					     UINT64_MAX, NULL));
		/* Its IOVA is in use; elsewhere there is nothing to unmap */
		EXPECT_EQ(-EEXIST, map_flags_at(self->fd, self->ioas_id, MAP_RW,
						PG(8), NP(1), IOVA_A + NP(1)));
		EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, IOVA_B,
					      NP(1), NULL));
	}
	EXPECT_EQ(0, md_hold(self->fd, self->hwpt_id, MOCK_HOLD_RELEASE,
			     NULL));
	EXPECT_TRUE(side_wait(&st, HOLD_WAIT_MS));
	side_join(&st);
	EXPECT_EQ(0, m.rc);
	EXPECT_EQ(0, md_check_map(self->fd, self->hwpt_id, IOVA_A, NP(4),
				  PG(0)));
	EXPECT_REFS(0, 4, 1);

	/* Complete now: part of it is ENOENT, the whole of it goes */
	EXPECT_EQ(-ENOENT, ioas_unmap(self->fd, self->ioas_id, IOVA_A, NP(2),
				      NULL));
	EXPECT_UNMAP_EXACT(self->fd, self->ioas_id, IOVA_A, NP(4));
	EXPECT_REFS(0, 4, 0);
}

/* What the second thread does while an UNMAP of area A is held */
struct other_work {
	int fd;
	__u32 ioas_id;
	int afd;
	const void *b;		/* the memory of area B */
	int pin_b, rw_b, unpin_b;
	int pin_a, rw_a, unmap_a, unmap_all, map_a, copy_a, unmap_c;
	__u64 unmapped_c;
	unsigned char data[256];
};

static void other_work_fn(void *arg)
{
	struct other_work *w = arg;
	unsigned char scratch[16];
	__u32 item = 0;

	/* Area B: pin, read through the access, unpin */
	w->pin_b = access_pin(w->fd, w->afd, 0, IOVA_B, NP(2), w->b, &item);
	w->rw_b = access_rw(w->fd, w->afd, IOVA_B + 100, w->data,
			    sizeof(w->data), 0);
	w->unpin_b = w->pin_b ? -1 : access_unpin(w->fd, w->afd, item);

	/* Area A, being unmapped: busy or absent, never waited for */
	w->pin_a = access_pin(w->fd, w->afd, 0, IOVA_A, NP(1), NULL, &item);
	if (!w->pin_a)
		access_unpin(w->fd, w->afd, item);
	w->rw_a = access_rw(w->fd, w->afd, IOVA_A, scratch, sizeof(scratch),
			    0);
	w->unmap_a = ioas_unmap(w->fd, w->ioas_id, IOVA_A, NP(8), NULL);
	w->unmap_all = ioas_unmap(w->fd, w->ioas_id, 0, UINT64_MAX, NULL);
	w->map_a = map_flags_at(w->fd, w->ioas_id, MAP_RW, w->b, NP(1),
				IOVA_A);
	w->copy_a = ioas_copy_fixed(w->fd, w->ioas_id, IOVA_C + NP(8),
				    w->ioas_id, IOVA_A, NP(1));

	/* Another UNMAP, of area C, goes through its own domain unmap */
	w->unmap_c = ioas_unmap(w->fd, w->ioas_id, IOVA_C, NP(4),
				&w->unmapped_c);
}

/*
 * UNMAP does not hold the IOVA lock while it unmaps the domains and
 * unpins: with the UNMAP of area A held inside the mock domain's unmap,
 * another thread pins and reads area B, unmaps area C, and sees A as busy
 * (UNMAP, UNMAP_ALL), absent (pin, rw, COPY) and still holding its IOVA
 * (MAP). Area A had an access pin, so the UNMAP first had the access let
 * go of it. Once released, A is gone from the domain and unpinned, and
 * only B stays pinned and charged.
 */
TEST_F_TIMEOUT(access, unmap_lets_other_areas_work, HOLD_TIMEOUT)
{
	struct unmap_call u = {
		.fd = self->fd, .ioas_id = self->ioas_id, .iova = IOVA_A,
		.length = NP(8),
	};
	struct other_work w = {
		.fd = self->fd, .ioas_id = self->ioas_id, .b = PG(8),
	};
	struct side_thread ut, wt;
	bool held, done = false;
	unsigned char scratch[16];
	__u32 a0;

	if (!self->ndomains)
		SKIP(return, "an unmap call to hold needs a mock domain");
	fill_pattern(PG(8), NP(8), 3);
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(0), NP(8),
				    IOVA_A));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(8), NP(8),
				    IOVA_B));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, PG(16), NP(4),
				    IOVA_C));
	OPEN_ACCESS(0, self->ioas_id, PIN_ACCESS);
	w.afd = AFD(0);
	ASSERT_EQ(0, access_pin(self->fd, AFD(0), 0, IOVA_A, NP(2), PG(0),
				&a0));

	ASSERT_EQ(0, md_hold(self->fd, self->hwpt_id, MOCK_HOLD_UNMAP, NULL));
	ASSERT_EQ(0, side_start(&ut, unmap_call_fn, &u));
	held = wait_held(self->fd, self->hwpt_id, 1);
	EXPECT_TRUE(held);
	if (held) {
		ASSERT_EQ(0, side_start(&wt, other_work_fn, &w));
		done = side_wait(&wt, HOLD_WAIT_MS);
		/* Blocked behind the held UNMAP of another area */
		EXPECT_TRUE(done);
	}
	EXPECT_EQ(0, md_hold(self->fd, self->hwpt_id, MOCK_HOLD_RELEASE,
			     NULL));
	if (held) {
		if (!done)
			EXPECT_TRUE(side_wait(&wt, HOLD_WAIT_MS));
		side_join(&wt);
	}
	EXPECT_TRUE(side_wait(&ut, HOLD_WAIT_MS));
	side_join(&ut);
	EXPECT_EQ(0, u.rc);
	EXPECT_EQ(NP(8), u.unmapped);

	if (held) {
		EXPECT_EQ(0, w.pin_b);
		EXPECT_EQ(0, w.rw_b);
		EXPECT_EQ(0, memcmp(w.data, PG(8) + 100, sizeof(w.data)));
		EXPECT_EQ(0, w.unpin_b);
		EXPECT_EQ(-ENOENT, w.pin_a);
		EXPECT_EQ(-ENOENT, w.rw_a);
		EXPECT_EQ(-EBUSY, w.unmap_a);
		EXPECT_EQ(-EBUSY, w.unmap_all);
		EXPECT_EQ(-EEXIST, w.map_a);
		EXPECT_EQ(-ENOENT, w.copy_a);
		EXPECT_EQ(0, w.unmap_c);
		EXPECT_EQ(NP(4), w.unmapped_c);
	}

	/* A is gone: its access pin was dropped, and so are its pages */
	EXPECT_EQ(-ENOENT, access_unpin(self->fd, AFD(0), a0));
	EXPECT_EQ(-ENOENT, access_rw(self->fd, AFD(0), IOVA_A, scratch,
				     sizeof(scratch), 0));
	EXPECT_NE(0, md_check_map(self->fd, self->hwpt_id, IOVA_A,
				  MOCK_PAGE, PG(0)));
	EXPECT_EQ(0, md_check_map(self->fd, self->hwpt_id, IOVA_B, NP(8),
				  PG(8)));
	EXPECT_REFS(0, 8, 0);
	EXPECT_REFS(8, 8, 1);
	EXPECT_REFS(16, 4, 0);
	EXPECT_EQ(self->vmpin0 + (long)(NP(8) / 1024),
		  proc_status_kb("VmPin"));
	EXPECT_UNMAP_ALL(self->fd, self->ioas_id, NP(8));
}

/* === An area that ends at the last IOVA === */

/*
 * With no domain the whole 64-bit IOVA space is usable, and the IOVA page
 * offset of an area need not be its memory's: an area ending at the last
 * IOVA then has a last page that would reach past it. MAP, rw on both
 * paths and UNMAP must all work there.
 */
TEST(area_at_last_iova)
{
	const size_t len = 2 * PAGE_SZ, off = 0x123;
	const __u64 iova = UINT64_MAX - len + 1;
	unsigned char got[64], put[64];
	__u64 unmapped = 0, map_iova = iova;
	size_t raw_size;
	__u32 ioas_id;
	int fd, afd, i;
	char *buf;
	void *raw;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));
	buf = alloc_touched(4 * PAGE_SZ, PAGE_SZ, false, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	fill_pattern(buf, 4 * PAGE_SZ, 3);

	ASSERT_EQ(0, ioas_map(fd, ioas_id, MAP_FIXED_RW, (uintptr_t)buf + off,
			      len, &map_iova));
	ASSERT_EQ(iova, map_iova);
	/* Not a pinning access: its area is not page aligned in IOVA */
	ASSERT_EQ(0, access_create(fd, ioas_id, 0, &afd));

	for (i = 0; i != 2; i++) {
		__u32 path = i ? MOCK_ACCESS_RW_SLOW_PATH : 0;

		/* The last bytes, the very last one, and across pages */
		EXPECT_EQ(0, access_rw(fd, afd, UINT64_MAX - 63, got, 64,
				       path));
		EXPECT_EQ(0, memcmp(got, buf + off + len - 64, 64));
		EXPECT_EQ(0, access_rw(fd, afd, UINT64_MAX, got, 1, path));
		EXPECT_EQ(buf[off + len - 1], (char)got[0]);
		EXPECT_EQ(0, access_rw(fd, afd, iova + PAGE_SZ - 32, got, 64,
				       path));
		EXPECT_EQ(0, memcmp(got, buf + off + PAGE_SZ - 32, 64));

		fill_pattern(put, sizeof(put), 10 + i);
		EXPECT_EQ(0, access_rw(fd, afd, UINT64_MAX - 63, put, 64,
				       MOCK_ACCESS_RW_WRITE | path));
		EXPECT_TRUE(has_pattern(buf + off + len - 64, 64, 10 + i));
		/* One byte past the end wraps */
		EXPECT_EQ(-EOVERFLOW, access_rw(fd, afd, UINT64_MAX, got, 2,
						path));
	}

	/* rw pinned nothing that outlives it */
	EXPECT_EQ(0, md_check_refs(fd, buf, 4 * PAGE_SZ, 0));

	EXPECT_EQ(0, ioas_unmap(fd, ioas_id, iova, len, &unmapped));
	EXPECT_EQ(len, unmapped);
	EXPECT_EQ(-ENOENT, access_rw(fd, afd, UINT64_MAX, got, 1, 0));
	close(afd);
	close(fd);
	munmap(raw, raw_size);
}

/* === rw from a kthread === */

/*
 * A kthread (a driver's worker) copies through the owner's mm while it
 * lives, and through the pinned pages once it is gone; with neither, the
 * copy fails with EFAULT and changes nothing.
 */
TEST(kthread_rw_owner_alive)
{
	unsigned char got[256];
	size_t raw_size;
	__u32 ioas_id;
	int fd, afd;
	char *buf;
	void *raw;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));
	buf = alloc_touched(2 * PAGE_SZ, PAGE_SZ, false, &raw, &raw_size);
	ASSERT_NE(NULL, buf);
	fill_pattern(buf, 2 * PAGE_SZ, 5);
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas_id, buf, 2 * PAGE_SZ, IOVA_A));
	ASSERT_EQ(0, access_create(fd, ioas_id, 0, &afd));

	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + PAGE_SZ - 128, got,
			       sizeof(got), MOCK_ACCESS_RW_KTHREAD));
	EXPECT_EQ(0, memcmp(got, buf + PAGE_SZ - 128, sizeof(got)));
	fill_pattern(got, sizeof(got), 6);
	EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + 7, got, sizeof(got),
			       MOCK_ACCESS_RW_KTHREAD | MOCK_ACCESS_RW_WRITE));
	EXPECT_TRUE(has_pattern(buf + 7, sizeof(got), 6));
	/* Nothing is left pinned */
	EXPECT_EQ(0, md_check_refs(fd, buf, 2 * PAGE_SZ, 0));
	close(afd);
	close(fd);
	munmap(raw, raw_size);
}

TEST(kthread_rw_after_owner_exit)
{
	__u32 ioas_id, bare_ioas, item;
	const size_t len = 2 * PAGE_SZ;
	unsigned char *got, *put;
	int fd, afd, bare_afd, status;
	unsigned int i, seed;
	pid_t pid;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	/* One IOAS whose domain pins what is mapped, one with nothing */
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));
	ASSERT_EQ(0, mock_domain(fd, ioas_id, NULL, NULL, NULL));
	ASSERT_EQ(0, ioas_alloc(fd, &bare_ioas));
	got = malloc(len);
	put = malloc(len);
	ASSERT_NE(NULL, got);
	ASSERT_NE(NULL, put);

	/* The owner: maps its memory into both, then exits */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (mem == MAP_FAILED)
			_exit(1);
		madvise(mem, len, MADV_NOHUGEPAGE);
		fill_pattern(mem, len, 21);
		if (ioas_map_fixed(fd, ioas_id, mem, len, IOVA_A) ||
		    ioas_map_fixed(fd, bare_ioas, mem, len, IOVA_A))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, access_create(fd, ioas_id, 0, &afd));
	ASSERT_EQ(0, access_create(fd, bare_ioas, PIN_ACCESS, &bare_afd));

	/*
	 * Pinned by the domain: first the bytes the owner wrote, then what
	 * the last round wrote, from a kthread and from this process.
	 */
	for (i = 0, seed = 21; i != 2; i++) {
		__u32 how = i ? 0 : MOCK_ACCESS_RW_KTHREAD;

		memset(got, 0, len);
		EXPECT_EQ(0, access_rw(fd, afd, IOVA_A, got, len, how));
		EXPECT_TRUE(has_pattern(got, len, seed));
		seed = 31 + i;
		fill_pattern(put, len, seed);
		EXPECT_EQ(0, access_rw(fd, afd, IOVA_A, put, len,
				       how | MOCK_ACCESS_RW_WRITE));
		memset(got, 0, len);
		EXPECT_EQ(0, access_rw(fd, afd, IOVA_A, got, len,
				       MOCK_ACCESS_RW_KTHREAD));
		EXPECT_TRUE(has_pattern(got, len, seed));
		/* A few bytes across the page boundary */
		EXPECT_EQ(0, access_rw(fd, afd, IOVA_A + PAGE_SZ - 3, got, 6,
				       how));
		EXPECT_EQ(0, memcmp(got, put + PAGE_SZ - 3, 6));
	}

	/* Pinned by nothing: the memory is gone */
	memset(got, 0x77, len);
	EXPECT_EQ(-EFAULT, access_rw(fd, bare_afd, IOVA_A, got, len,
				     MOCK_ACCESS_RW_KTHREAD));
	EXPECT_EQ(-EFAULT, access_rw(fd, bare_afd, IOVA_A, got, len, 0));
	EXPECT_EQ(-EFAULT, access_rw(fd, bare_afd, IOVA_A, got, len,
				     MOCK_ACCESS_RW_KTHREAD |
					     MOCK_ACCESS_RW_WRITE));
	EXPECT_TRUE(all_bytes(got, len, 0x77));
	EXPECT_EQ(-EFAULT, access_pin(fd, bare_afd, 0, IOVA_A, len, NULL,
				      &item));

	/* Everything goes away cleanly */
	EXPECT_EQ(0, ioas_unmap(fd, ioas_id, 0, UINT64_MAX, NULL));
	EXPECT_EQ(-ENOENT, access_rw(fd, afd, IOVA_A, got, 1,
				     MOCK_ACCESS_RW_KTHREAD));
	close(bare_afd);
	close(afd);
	close(fd);
	free(got);
	free(put);
}

TEST_HARNESS_MAIN
