// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the batch logic in pages.c: how PFNs are grouped into
 * runs, how a fill is cut into steps and chunks, and how page indices
 * become IOVA ranges of an area anywhere in the IOVA space. Included at the end of
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

/* Chunks are IOPT_FILL_CHUNK pages, aligned in the page set. */
static void chunk_bounds(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, iopt_chunk_last(0), IOPT_FILL_CHUNK - 1);
	KUNIT_EXPECT_EQ(test, iopt_chunk_last(IOPT_FILL_CHUNK - 1),
			IOPT_FILL_CHUNK - 1);
	KUNIT_EXPECT_EQ(test, iopt_chunk_last(IOPT_FILL_CHUNK),
			2 * IOPT_FILL_CHUNK - 1);
	KUNIT_EXPECT_EQ(test, iopt_chunk_last(3 * IOPT_FILL_CHUNK + 7),
			4 * IOPT_FILL_CHUNK - 1);
}

/*
 * Walk [start, last] in steps as the fill does and check that the steps
 * tile the range exactly, each within one chunk and within step_pages.
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
		KUNIT_EXPECT_EQ(test, iopt_chunk_last(index),
				iopt_chunk_last(step_last));
		steps++;
	}
	KUNIT_EXPECT_EQ(test, index, last + 1);
	KUNIT_EXPECT_EQ(test, steps, expect_steps);
}

static void fill_steps(struct kunit *test)
{
	/* One page: one step. */
	check_steps(test, IOPT_FILL_CHUNK, 5, 5, 1);
	/* Within a chunk, whole. */
	check_steps(test, IOPT_FILL_CHUNK, 0, IOPT_FILL_CHUNK - 1, 1);
	/* Crossing one chunk boundary splits there. */
	check_steps(test, IOPT_FILL_CHUNK, 100, IOPT_FILL_CHUNK + 99, 2);
	/* The smallest temp-memory limit: one page a step. */
	check_steps(test, 1, 10, 19, 10);
	/* A limit that does not divide the chunk. */
	check_steps(test, 100, 0, 2 * IOPT_FILL_CHUNK - 1, 12);
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

static struct kunit_case pages_batch_cases[] = {
	KUNIT_CASE(pfn_run_lengths),
	KUNIT_CASE(pfn_run_not_contiguous),
	KUNIT_CASE(chunk_bounds),
	KUNIT_CASE(fill_steps),
	KUNIT_CASE(area_range_at_top),
	KUNIT_CASE(area_range_at_bottom),
	{}
};

static struct kunit_suite pages_batch_suite = {
	.name = "iommufd_pages_batch",
	.test_cases = pages_batch_cases,
};

kunit_test_suites(&pages_batch_suite);
