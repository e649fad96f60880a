// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the batch logic in pages.c: how PFNs are grouped into
 * runs and how a fill is cut into steps and chunks. Included at the end of
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

static struct kunit_case pages_batch_cases[] = {
	KUNIT_CASE(pfn_run_lengths),
	KUNIT_CASE(pfn_run_not_contiguous),
	KUNIT_CASE(chunk_bounds),
	KUNIT_CASE(fill_steps),
	{}
};

static struct kunit_suite pages_batch_suite = {
	.name = "iommufd_pages_batch",
	.test_cases = pages_batch_cases,
};

kunit_test_suites(&pages_batch_suite);
