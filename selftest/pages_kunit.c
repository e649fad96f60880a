// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the batch logic in pages.c: how PFNs are grouped into
 * runs, how a fill is cut into steps, how page indices become IOVA ranges
 * of an area anywhere in the IOVA space, and that runs spanning many
 * steps reach the IOMMU core whole. Included at the end of
 * pages.c, so that its static helpers can be tested as they are.
 */
#include <kunit/test.h>

/* Runs end where the next PFN is not the previous one plus one. */
static void pfn_run_lengths(struct kunit *test)
{
	static const unsigned long pfns[] = { 10, 11, 12, 20, 21, 5, 6, 7, 8 };

	KUNIT_EXPECT_EQ(test, iopt_pfn_run(pfns, ARRAY_SIZE(pfns)), 3);
	KUNIT_EXPECT_EQ(test, iopt_pfn_run(pfns + 3, 6), 2);
	KUNIT_EXPECT_EQ(test, iopt_pfn_run(pfns + 5, 4), 4);
	/* Never past n, even if the PFNs go on. */
	KUNIT_EXPECT_EQ(test, iopt_pfn_run(pfns, 2), 2);
	KUNIT_EXPECT_EQ(test, iopt_pfn_run(pfns, 1), 1);
}

/* A run never joins the same PFN repeated, nor a descending pair. */
static void pfn_run_not_contiguous(struct kunit *test)
{
	static const unsigned long same[] = { 7, 7, 8 };
	static const unsigned long down[] = { 9, 8, 7 };

	KUNIT_EXPECT_EQ(test, iopt_pfn_run(same, 3), 1);
	KUNIT_EXPECT_EQ(test, iopt_pfn_run(down, 3), 1);
}

/* A run goes on only with the next page at the next PFN. */
static void pfn_run_continues(struct kunit *test)
{
	struct iopt_pfn_run run = { .index = 10, .pfn = 100, .npages = 0 };

	/* An empty run is continued by nothing */
	KUNIT_EXPECT_FALSE(test, iopt_pfn_run_continues(&run, 10, 100));
	run.npages = 3;
	KUNIT_EXPECT_TRUE(test, iopt_pfn_run_continues(&run, 13, 103));
	KUNIT_EXPECT_FALSE(test, iopt_pfn_run_continues(&run, 13, 104));
	KUNIT_EXPECT_FALSE(test, iopt_pfn_run_continues(&run, 14, 103));
	KUNIT_EXPECT_FALSE(test, iopt_pfn_run_continues(&run, 12, 102));
	/* Not the PFN below, however the subtraction wraps */
	run.pfn = 0;
	KUNIT_EXPECT_FALSE(test, iopt_pfn_run_continues(&run, 13, ULONG_MAX));
}

/*
 * Walk [start, last] in steps as the fill does and check that the steps
 * tile the range exactly, each within step_pages.
 */
static void check_steps(struct kunit *test, unsigned long step_pages,
			unsigned long start, unsigned long last,
			unsigned long expect_steps)
{
	unsigned long index, step_last, steps = 0;

	for (index = start; index <= last; index = step_last + 1) {
		step_last = iopt_fill_step_last(step_pages, index, last);
		KUNIT_ASSERT_GE(test, step_last, index);
		KUNIT_EXPECT_LE(test, step_last - index + 1, step_pages);
		steps++;
	}
	KUNIT_EXPECT_EQ(test, index, last + 1);
	KUNIT_EXPECT_EQ(test, steps, expect_steps);
}

static void fill_steps(struct kunit *test)
{
	/* One page: one step. */
	check_steps(test, IOPT_FILL_STEP_MAX, 5, 5, 1);
	/* A full step, wherever it starts in the page set. */
	check_steps(test, IOPT_FILL_STEP_MAX, 100, IOPT_FILL_STEP_MAX + 99, 1);
	check_steps(test, IOPT_FILL_STEP_MAX, 100, IOPT_FILL_STEP_MAX + 100, 2);
	/* The smallest temp-memory limit: one page a step. */
	check_steps(test, 1, 10, 19, 10);
	/* A limit that does not divide the range. */
	check_steps(test, 100, 0, 2 * IOPT_FILL_STEP_MAX - 1, 11);
}

/*
 * A synthetic area of @length bytes of IOVA from @iova, whose first IOVA
 * is @page_offset bytes into page @first of its page set.
 */
static struct iopt_area synthetic_area(unsigned long iova,
				       unsigned long length,
				       unsigned int page_offset,
				       unsigned long first)
{
	struct iopt_area area = {
		.node = { .start = iova, .last = iova + (length - 1) },
		.pages_node = {
			.start = first,
			.last = first + (page_offset + (length - 1)) / PAGE_SIZE,
		},
		.page_offset = page_offset,
	};

	return area;
}

/*
 * The pages' IOVA ranges tile the area exactly, each at most a page long,
 * and each IOVA maps back to its page.
 */
static void check_area_tiling(struct kunit *test, struct iopt_area *area)
{
	unsigned long i, iova, iova_last, next = iopt_area_iova(area);

	for (i = area->pages_node.start; i <= area->pages_node.last; i++) {
		iopt_area_index_range(area, i, i, &iova, &iova_last);
		KUNIT_EXPECT_EQ(test, iova, next);
		KUNIT_EXPECT_LE(test, iova, iova_last);
		KUNIT_EXPECT_LT(test, iova_last - iova, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, iopt_area_iova_to_index(area, iova), i);
		KUNIT_EXPECT_EQ(test, iopt_area_iova_to_index(area, iova_last),
				i);
		/* Where map_pfns() puts the page's first IOVA in memory. */
		KUNIT_EXPECT_EQ(test, iopt_area_start_byte(area, iova),
				i * PAGE_SIZE + iopt_area_index_offset(area, i));
		next = iova_last + 1;
	}
	/* The last page ends where the area does. */
	KUNIT_EXPECT_EQ(test, next - 1, iopt_area_last_iova(area));
	iopt_area_index_range(area, area->pages_node.start,
			      area->pages_node.last, &iova, &iova_last);
	KUNIT_EXPECT_EQ(test, iova, iopt_area_iova(area));
	KUNIT_EXPECT_EQ(test, iova_last, iopt_area_last_iova(area));
}

/*
 * An area that ends at the last IOVA, whose IOVA page offset is not its
 * memory's: the page around ULONG_MAX would end past it, which must not
 * wrap the range's end round to a small IOVA. (In the tiling check below,
 * the IOVA after the last one is 0.)
 */
static void area_range_at_top(struct kunit *test)
{
	unsigned long start = ULONG_MAX - 5000 + 1, iova, iova_last;
	struct iopt_area area = synthetic_area(start, 5000, 0x100, 7);

	KUNIT_ASSERT_NE(test, start % PAGE_SIZE, 0x100UL);
	KUNIT_ASSERT_EQ(test, area.pages_node.last, 8UL);
	iopt_area_index_range(&area, 7, 7, &iova, &iova_last);
	KUNIT_EXPECT_EQ(test, iova, start);
	KUNIT_EXPECT_EQ(test, iova_last, start + PAGE_SIZE - 0x100 - 1);
	iopt_area_index_range(&area, 8, 8, &iova, &iova_last);
	KUNIT_EXPECT_EQ(test, iova, start + PAGE_SIZE - 0x100);
	KUNIT_EXPECT_EQ(test, iova_last, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, iopt_area_iova_to_index(&area, ULONG_MAX), 8UL);
	KUNIT_EXPECT_EQ(test, iopt_area_index_offset(&area, 7), 0x100UL);
	KUNIT_EXPECT_EQ(test, iopt_area_index_offset(&area, 8), 0UL);
	check_area_tiling(test, &area);

	/* One page, cut at both ends, the last IOVA in it. */
	area = synthetic_area(ULONG_MAX - 99, 100, 3000, 0);
	KUNIT_ASSERT_EQ(test, area.pages_node.last, 0UL);
	iopt_area_index_range(&area, 0, 0, &iova, &iova_last);
	KUNIT_EXPECT_EQ(test, iova, ULONG_MAX - 99);
	KUNIT_EXPECT_EQ(test, iova_last, ULONG_MAX);
	check_area_tiling(test, &area);

	/* 2 KiB IOMMU pages: IOVA half way into a page, memory not. */
	area = synthetic_area(ULONG_MAX - 3 * 2048 + 1, 3 * 2048, 0, 100);
	check_area_tiling(test, &area);
}

/* The same at IOVA 0, where the first page would start below it. */
static void area_range_at_bottom(struct kunit *test)
{
	struct iopt_area area = synthetic_area(0, 6000, 0x800, 3);
	unsigned long iova, iova_last;

	iopt_area_index_range(&area, 3, 3, &iova, &iova_last);
	KUNIT_EXPECT_EQ(test, iova, 0UL);
	KUNIT_EXPECT_EQ(test, iova_last, PAGE_SIZE - 0x800 - 1);
	check_area_tiling(test, &area);

	/* And an ordinary area, page aligned on both sides. */
	area = synthetic_area(0x10000000, 16 * PAGE_SIZE, 0, 0);
	iopt_area_index_range(&area, 5, 6, &iova, &iova_last);
	KUNIT_EXPECT_EQ(test, iova, 0x10000000UL + 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iova_last, 0x10000000UL + 7 * PAGE_SIZE - 1);
	check_area_tiling(test, &area);
}

/*
 * Fake domains for filling an area without pinning: the source translates
 * every IOVA to one physically contiguous range, the target counts the
 * IOPTEs the IOMMU core asks it for, by size. Nothing touches memory.
 */
#define FAKE_IOVA	SZ_1G
#define FAKE_PHYS	(8UL * SZ_1G)

struct fake_domain {
	struct iommu_domain domain;
	unsigned long maps;	/* map_pages() calls */
	unsigned long ioptes[3];	/* mapped PAGE_SIZE, PMD_SIZE, PUD_SIZE */
	unsigned long unmapped[3];
	bool cut;	/* an unmap ended inside a mapped IOPTE */
};

static int fake_size_index(size_t pgsize)
{
	return pgsize == PUD_SIZE ? 2 : pgsize == PMD_SIZE ? 1 : 0;
}

static int fake_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct fake_domain *fake = container_of(domain, struct fake_domain,
						domain);

	fake->maps++;
	fake->ioptes[fake_size_index(pgsize)] += pgcount;
	*mapped = pgsize * pgcount;
	return 0;
}

static size_t fake_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct fake_domain *fake = container_of(domain, struct fake_domain,
						domain);

	fake->unmapped[fake_size_index(pgsize)] += pgcount;
	return pgsize * pgcount;
}

static phys_addr_t fake_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	return iova - FAKE_IOVA + FAKE_PHYS;
}

static const struct iommu_domain_ops fake_domain_ops = {
	.map_pages = fake_map_pages,
	.unmap_pages = fake_unmap_pages,
	.iova_to_phys = fake_iova_to_phys,
};

static void fake_domain_init(struct fake_domain *fake)
{
	memset(fake, 0, sizeof(*fake));
	fake->domain.type = IOMMU_DOMAIN_UNMANAGED;
	fake->domain.ops = &fake_domain_ops;
	fake->domain.pgsize_bitmap = PAGE_SIZE | PMD_SIZE | PUD_SIZE;
}

/*
 * Fill a @length byte area at FAKE_IOVA, physically contiguous, into a
 * domain with 4 KiB, 2 MiB and 1 GiB pages, copying from a source domain,
 * with fill steps of @limit bytes of temporary memory.
 */
static void fill_contiguous(struct kunit *test, struct fake_domain *dst,
			    unsigned long length, unsigned long limit,
			    bool page_by_page)
{
	unsigned long old_limit = READ_ONCE(iommufd_temp_mem_limit);
	struct fake_domain *src;
	struct iopt_pages *pages;
	struct iopt_area area = synthetic_area(FAKE_IOVA, length, 0, 0);

	src = kunit_kzalloc(test, sizeof(*src), GFP_KERNEL);
	pages = kunit_kzalloc(test, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	fake_domain_init(src);
	fake_domain_init(dst);
	mutex_init(&pages->mutex);
	area.iommu_prot = IOMMU_READ | IOMMU_WRITE;
	area.storage_domain = &src->domain;

	iommufd_test_set_temp_mem_limit(limit);
	mutex_lock(&pages->mutex);
	KUNIT_EXPECT_EQ(test, iopt_area_fill_more(&area, pages, &dst->domain,
						  page_by_page), 0);
	/* What unfilling a domain the area stays in does */
	KUNIT_EXPECT_EQ(test,
			iopt_area_unmap_pages(&area, &dst->domain,
					      area.pages_node.start,
					      area.pages_node.last),
			area.pages_node.last + 1);
	mutex_unlock(&pages->mutex);
	iommufd_test_set_temp_mem_limit(old_limit);
	mutex_destroy(&pages->mutex);
}

/*
 * Physically contiguous memory reaches the IOMMU core in runs that fill
 * steps and batches do not cut, so 1 GiB IOPTEs are used where IOVA and
 * memory allow; and it is unmapped in whole IOPTEs.
 */
static void fill_gets_huge_ioptes(struct kunit *test)
{
	static const unsigned long limits[] = { 16, 4096, 65536 };
	struct fake_domain *dst;
	unsigned int i;

	dst = kunit_kzalloc(test, sizeof(*dst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	for (i = 0; i != ARRAY_SIZE(limits); i++) {
		fill_contiguous(test, dst, SZ_1G + SZ_2M + PAGE_SIZE,
				limits[i], false);
		KUNIT_EXPECT_EQ(test, dst->ioptes[2], 1UL);
		KUNIT_EXPECT_EQ(test, dst->ioptes[1], 1UL);
		KUNIT_EXPECT_EQ(test, dst->ioptes[0], 1UL);
		KUNIT_EXPECT_EQ(test, dst->unmapped[2], 1UL);
		KUNIT_EXPECT_EQ(test, dst->unmapped[1], 1UL);
		KUNIT_EXPECT_EQ(test, dst->unmapped[0], 1UL);
	}

	/* With large IOPTEs disabled, every page is mapped on its own */
	fill_contiguous(test, dst, 4 * SZ_2M, 65536, true);
	KUNIT_EXPECT_EQ(test, dst->maps, 4 * SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dst->ioptes[0], 4 * SZ_2M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dst->ioptes[1] + dst->ioptes[2], 0UL);
}

/*
 * Unfilling looks for the ends of runs only where the fill saw breaks:
 * at each listed break, up to the area's last page and not past it.
 */
static void next_break_listed(struct kunit *test)
{
	struct iopt_area area = synthetic_area(SZ_1M, 64 * PAGE_SIZE, 0, 100);
	u32 cursor = 0;

	iopt_pfn_breaks_add(&area.pfn_breaks, &area, 105);
	iopt_pfn_breaks_add(&area.pfn_breaks, &area, 109);
	iopt_pfn_breaks_add(&area.pfn_breaks, &area, 140);
	KUNIT_ASSERT_NOT_NULL(test, area.pfn_breaks.list);
	KUNIT_EXPECT_EQ(test, area.pfn_breaks.nr, 3U);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 100, 163, &cursor),
			105UL);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 104, 163, &cursor),
			105UL);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 105, 163, &cursor),
			109UL);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 109, 120, &cursor),
			121UL);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 121, 163, &cursor),
			140UL);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 140, 163, &cursor),
			164UL);
	iopt_pfn_breaks_clear(&area.pfn_breaks);
	KUNIT_EXPECT_NULL(test, area.pfn_breaks.list);
	KUNIT_EXPECT_EQ(test, area.pfn_breaks.mask, 0UL);

	/* No break at all: the whole area is one run */
	cursor = 0;
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 100, 163, &cursor),
			164UL);
}

/*
 * Too many breaks to list: only their mask is kept, and unfilling reads
 * once per aligned block that no break can be inside.
 */
static void next_break_overflow(struct kunit *test)
{
	struct iopt_area area = synthetic_area(SZ_1G, 4096 * PAGE_SIZE, 0, 7);
	struct iopt_pfn_breaks *breaks = &area.pfn_breaks;
	u32 cursor = 0;
	unsigned int i;

	/* One break per 2 MiB, listed; the list starts with room for 32 */
	for (i = 1; i != 8; i++)
		iopt_pfn_breaks_add(breaks, &area, 7 + i * 512);
	KUNIT_EXPECT_EQ(test, breaks->nr, 7U);
	/* And one at each odd multiple of 32 pages: 71 in all, room for 64 */
	for (i = 32; i < 4096; i += 64)
		iopt_pfn_breaks_add(breaks, &area, 7 + i);
	KUNIT_EXPECT_TRUE(test, breaks->overflow);
	KUNIT_EXPECT_NULL(test, breaks->list);
	KUNIT_EXPECT_EQ(test, breaks->nr, 0U);
	/* Blocks of 32 pages, counted from the area's first page */
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 7, 4102, &cursor),
			7UL + 32);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 7 + 31, 4102,
						   &cursor), 7UL + 32);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 7 + 32, 4102,
						   &cursor), 7UL + 64);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 4090, 4102, &cursor),
			4103UL);
	/* Once overflowed, further breaks only go into the mask */
	iopt_pfn_breaks_add(breaks, &area, 7 + 3);
	KUNIT_EXPECT_NULL(test, breaks->list);
	KUNIT_EXPECT_EQ(test, iopt_area_next_break(&area, 7, 4102, &cursor),
			8UL);
	iopt_pfn_breaks_clear(breaks);
	KUNIT_EXPECT_FALSE(test, breaks->overflow);
}

static struct kunit_case pages_batch_cases[] = {
	KUNIT_CASE(pfn_run_lengths),
	KUNIT_CASE(pfn_run_not_contiguous),
	KUNIT_CASE(pfn_run_continues),
	KUNIT_CASE(fill_steps),
	KUNIT_CASE(area_range_at_top),
	KUNIT_CASE(area_range_at_bottom),
	KUNIT_CASE(fill_gets_huge_ioptes),
	KUNIT_CASE(next_break_listed),
	KUNIT_CASE(next_break_overflow),
	{}
};

static struct kunit_suite pages_batch_suite = {
	.name = "iommufd_pages_batch",
	.test_cases = pages_batch_cases,
};

kunit_test_suites(&pages_batch_suite);
