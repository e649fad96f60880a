// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for iommufd's pure logic: the object table and the walk over
 * unreserved IOVA ranges. They run when the module is loaded, before its
 * init function, so they build their own contexts instead of opening
 * /dev/iommu.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "iommufd_private.h"

static struct iommufd_ctx *objtable_ctx(struct kunit *test)
{
	struct iommufd_ctx *ictx = iommufd_ctx_alloc();

	KUNIT_ASSERT_NOT_NULL(test, ictx);
	return ictx;
}

static void objtable_release(struct iommufd_ctx *ictx)
{
	iommufd_ctx_destroy_objects(ictx);
	iommufd_ctx_free(ictx);
}

static u32 objtable_new_ioas(struct kunit *test, struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas = iommufd_ioas_alloc(ictx);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ioas));
	iommufd_object_finalize(ictx, &ioas->obj);
	return ioas->obj.id;
}

/* IDs start at 1 and the lowest free one is handed out next. */
static void objtable_ids_reuse_lowest(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);

	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 1);
	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 2);
	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 3);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, 2), 0);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, 1), 0);
	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 1);
	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 2);
	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 4);
	objtable_release(ictx);
}

/* An object being built cannot be found or destroyed; abort frees its ID. */
static void objtable_unfinalized_invisible(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);
	struct iommufd_ioas *ioas;

	ioas = iommufd_ioas_alloc(ictx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ioas));
	KUNIT_EXPECT_EQ(test, ioas->obj.id, 1);
	KUNIT_EXPECT_PTR_EQ(test, iommufd_get_object(ictx, 1, IOMMUFD_OBJ_ANY),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, 1), -ENOENT);
	iommufd_object_abort_and_destroy(ictx, &ioas->obj);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ictx->objects));
	KUNIT_EXPECT_EQ(test, objtable_new_ioas(test, ictx), 1);
	objtable_release(ictx);
}

/* A looked-up object is busy; it can be removed once the lookup is put. */
static void objtable_remove_busy(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);
	struct iommufd_object *obj;
	u32 id = objtable_new_ioas(test, ictx);

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(obj));
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, id), -EBUSY);
	/* The failed removal changed nothing. */
	KUNIT_EXPECT_EQ(test, refcount_read(&obj->users), 2);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&ictx->objects, id), (void *)obj);
	iommufd_put_object(ictx, obj);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, id), 0);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, id), -ENOENT);
	objtable_release(ictx);
}

/* Lookups check the type and never find ID 0 or an unused ID. */
static void objtable_lookup(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);
	struct iommufd_object *obj;
	u32 id = objtable_new_ioas(test, ictx);

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_ANY);
	KUNIT_ASSERT_FALSE(test, IS_ERR(obj));
	KUNIT_EXPECT_EQ(test, obj->type, IOMMUFD_OBJ_IOAS);
	iommufd_put_object(ictx, obj);
	KUNIT_EXPECT_PTR_EQ(test, iommufd_get_object(ictx, 0, IOMMUFD_OBJ_ANY),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_PTR_EQ(test,
			    iommufd_get_object(ictx, id + 1, IOMMUFD_OBJ_ANY),
			    ERR_PTR(-ENOENT));
	objtable_release(ictx);
}

/* Releasing a context frees every object, busy or not. */
static void objtable_release_all(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);
	int i;

	for (i = 0; i != 100; i++)
		objtable_new_ioas(test, ictx);
	iommufd_ctx_destroy_objects(ictx);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ictx->objects));
	iommufd_ctx_free(ictx);
}

static struct kunit_case objtable_cases[] = {
	KUNIT_CASE(objtable_ids_reuse_lowest),
	KUNIT_CASE(objtable_unfinalized_invisible),
	KUNIT_CASE(objtable_remove_busy),
	KUNIT_CASE(objtable_lookup),
	KUNIT_CASE(objtable_release_all),
	{}
};

static struct kunit_suite objtable_suite = {
	.name = "iommufd_objtable",
	.test_cases = objtable_cases,
};

struct hole_test {
	struct io_pagetable iopt;
	struct interval_tree_node nodes[8];
	unsigned int nr_nodes;
};

static int hole_test_init(struct kunit *test)
{
	struct hole_test *ht;

	ht = kunit_kzalloc(test, sizeof(*ht), GFP_KERNEL);
	if (!ht)
		return -ENOMEM;
	iopt_init_table(&ht->iopt);
	test->priv = ht;
	return 0;
}

static void hole_reserve(struct kunit *test, unsigned long start,
			 unsigned long last)
{
	struct hole_test *ht = test->priv;
	struct interval_tree_node *node;

	KUNIT_ASSERT_LT(test, ht->nr_nodes, ARRAY_SIZE(ht->nodes));
	node = &ht->nodes[ht->nr_nodes++];
	node->start = start;
	node->last = last;
	interval_tree_insert(node, &ht->iopt.reserved_itree);
}

/*
 * Walk the holes and compare with @expect, pairs of {start, last}. The
 * reserved nodes live in the test's memory, so they are simply dropped.
 */
static void hole_expect(struct kunit *test, const unsigned long *expect,
			unsigned int nr)
{
	struct hole_test *ht = test->priv;
	struct iopt_hole_iter iter;
	unsigned int i = 0;

	down_read(&ht->iopt.iova_rwsem);
	for (iopt_hole_iter_first(&iter, &ht->iopt); !iter.done;
	     iopt_hole_iter_next(&iter)) {
		KUNIT_ASSERT_LT(test, i, nr);
		KUNIT_EXPECT_EQ(test, iter.start, expect[2 * i]);
		KUNIT_EXPECT_EQ(test, iter.last, expect[2 * i + 1]);
		i++;
	}
	up_read(&ht->iopt.iova_rwsem);
	KUNIT_EXPECT_EQ(test, i, nr);
	ht->iopt.reserved_itree = RB_ROOT_CACHED;
}

static void hole_empty(struct kunit *test)
{
	static const unsigned long expect[] = { 0, ULONG_MAX };

	hole_expect(test, expect, 1);
}

static void hole_middle(struct kunit *test)
{
	static const unsigned long expect[] = { 0, 9, 20, ULONG_MAX };

	hole_reserve(test, 10, 19);
	hole_expect(test, expect, 2);
}

/* Reserved: [0, 9] and [ULONG_MAX - 9, ULONG_MAX] (both edges). */
static void hole_edges(struct kunit *test)
{
	static const unsigned long expect[] = { 10, ULONG_MAX - 10 };

	hole_reserve(test, ULONG_MAX - 9, ULONG_MAX);
	hole_reserve(test, 0, 9);
	hole_expect(test, expect, 1);
}

/* Reserved: [10,50] [20,30] [40,60] [61,70] [100,100]: overlap, nest, touch */
static void hole_overlapping(struct kunit *test)
{
	static const unsigned long expect[] = {
		0, 9, 71, 99, 101, ULONG_MAX,
	};

	hole_reserve(test, 20, 30);
	hole_reserve(test, 10, 50);
	hole_reserve(test, 61, 70);
	hole_reserve(test, 40, 60);
	hole_reserve(test, 100, 100);
	hole_expect(test, expect, 3);
}

static void hole_everything_reserved(struct kunit *test)
{
	hole_reserve(test, 0, ULONG_MAX / 2);
	hole_reserve(test, ULONG_MAX / 2 + 1, ULONG_MAX);
	hole_expect(test, NULL, 0);
}

static struct kunit_case hole_cases[] = {
	KUNIT_CASE(hole_empty),
	KUNIT_CASE(hole_middle),
	KUNIT_CASE(hole_edges),
	KUNIT_CASE(hole_overlapping),
	KUNIT_CASE(hole_everything_reserved),
	{}
};

static struct kunit_suite hole_suite = {
	.name = "iommufd_iova_holes",
	.init = hole_test_init,
	.test_cases = hole_cases,
};

kunit_test_suites(&objtable_suite, &hole_suite);
