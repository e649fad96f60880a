// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for iommufd's pure logic: the object table, span walks over
 * interval trees, IOVA allocation and the reservation of a device's
 * reserved regions. They run when the module is loaded, before its
 * init function, so they build their own contexts instead of opening
 * /dev/iommu.
 */
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/slab.h>

#include "iommufd_private.h"
#include "iova_span.h"

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
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, 2, 0), 0);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, 1, 0), 0);
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
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, 1, 0), -ENOENT);
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
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, id, 0), -EBUSY);
	/* The failed removal changed nothing. */
	KUNIT_EXPECT_EQ(test, refcount_read(&obj->users), 2);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&ictx->objects, id), (void *)obj);
	iommufd_put_object(ictx, obj);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, id, 0), 0);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, id, 0), -ENOENT);
	objtable_release(ictx);
}

/*
 * REMOVE_PUT alone is "put, and destroy if only the table is left": a
 * lookup in flight keeps the object, and the put still happens.
 */
static void objtable_remove_put(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);
	struct iommufd_object *obj, *lookup;
	u32 id = objtable_new_ioas(test, ictx);

	obj = xa_load(&ictx->objects, id);
	refcount_inc(&obj->users);
	lookup = iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
	KUNIT_ASSERT_PTR_EQ(test, lookup, obj);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, obj, id,
						    IOMMUFD_REMOVE_PUT),
			-EBUSY);
	/* The table's and the lookup's are left. */
	KUNIT_EXPECT_EQ(test, refcount_read(&obj->users), 2);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&ictx->objects, id), (void *)obj);
	refcount_inc(&obj->users);
	iommufd_put_object(ictx, lookup);
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, obj, id,
						    IOMMUFD_REMOVE_PUT),
			0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ictx->objects));
	objtable_release(ictx);
}

/* An owner's removal cannot be refused, and nothing finds the object after. */
static void objtable_remove_owned(struct kunit *test)
{
	struct iommufd_ctx *ictx = objtable_ctx(test);
	struct iommufd_object *obj;
	u32 id = objtable_new_ioas(test, ictx);

	obj = xa_load(&ictx->objects, id);
	refcount_inc(&obj->users);
	/* The owner's reference makes IOMMU_DESTROY fail. */
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, id, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test,
			iommufd_object_remove(ictx, obj, id,
					      IOMMUFD_REMOVE_PUT |
					      IOMMUFD_REMOVE_WAIT),
			0);
	KUNIT_EXPECT_PTR_EQ(test, iommufd_get_object(ictx, id, IOMMUFD_OBJ_ANY),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_EQ(test, iommufd_object_remove(ictx, NULL, id, 0),
			-ENOENT);
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
	KUNIT_CASE(objtable_remove_put),
	KUNIT_CASE(objtable_remove_owned),
	KUNIT_CASE(objtable_lookup),
	KUNIT_CASE(objtable_release_all),
	{}
};

static struct kunit_suite objtable_suite = {
	.name = "iommufd_objtable",
	.test_cases = objtable_cases,
};

/* A test-owned set of nodes in up to two trees, for span walks. */
struct span_test {
	struct rb_root_cached roots[2];
	struct interval_tree_node nodes[8];
	unsigned int nr_nodes;
};

static int span_test_init(struct kunit *test)
{
	struct span_test *st;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->roots[0] = RB_ROOT_CACHED;
	st->roots[1] = RB_ROOT_CACHED;
	test->priv = st;
	return 0;
}

static void span_add(struct kunit *test, unsigned int tree,
		     unsigned long start, unsigned long last)
{
	struct span_test *st = test->priv;
	struct interval_tree_node *node;

	KUNIT_ASSERT_LT(test, st->nr_nodes, ARRAY_SIZE(st->nodes));
	node = &st->nodes[st->nr_nodes++];
	node->start = start;
	node->last = last;
	interval_tree_insert(node, &st->roots[tree]);
}

/*
 * Walk [first, last] over both trees and compare with @expect: triples of
 * {is_hole, start, last}.
 */
static void span_expect(struct kunit *test, unsigned long first,
			unsigned long last, const unsigned long *expect,
			unsigned int nr)
{
	struct span_test *st = test->priv;
	struct rb_root_cached *const roots[] = { &st->roots[0],
						 &st->roots[1] };
	struct iova_span_iter span;
	unsigned int i = 0;

	for_each_iova_span(&span, roots, 2, first, last) {
		KUNIT_ASSERT_LT(test, i, nr);
		KUNIT_EXPECT_EQ(test, (unsigned long)span.is_hole,
				expect[3 * i]);
		KUNIT_EXPECT_EQ(test, span.start, expect[3 * i + 1]);
		KUNIT_EXPECT_EQ(test, span.last, expect[3 * i + 2]);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, nr);
}

#define HOLE 1UL
#define USED 0UL

static void span_empty(struct kunit *test)
{
	static const unsigned long expect[] = { HOLE, 0, ULONG_MAX };

	span_expect(test, 0, ULONG_MAX, expect, 1);
}

static void span_middle(struct kunit *test)
{
	static const unsigned long expect[] = {
		HOLE, 0, 9, USED, 10, 19, HOLE, 20, ULONG_MAX,
	};

	span_add(test, 0, 10, 19);
	span_expect(test, 0, ULONG_MAX, expect, 3);
}

/* Nodes at both ends of the space. */
static void span_edges(struct kunit *test)
{
	static const unsigned long expect[] = {
		USED, 0, 9, HOLE, 10, ULONG_MAX - 10,
		USED, ULONG_MAX - 9, ULONG_MAX,
	};

	span_add(test, 0, ULONG_MAX - 9, ULONG_MAX);
	span_add(test, 1, 0, 9);
	span_expect(test, 0, ULONG_MAX, expect, 3);
}

/* Overlapping, nested and touching nodes, spread over both trees. */
static void span_merge(struct kunit *test)
{
	static const unsigned long expect[] = {
		HOLE, 0, 9, USED, 10, 70, HOLE, 71, 99, USED, 100, 100,
		HOLE, 101, ULONG_MAX,
	};

	span_add(test, 0, 20, 30);
	span_add(test, 1, 10, 50);
	span_add(test, 0, 61, 70);
	span_add(test, 1, 40, 60);
	span_add(test, 0, 100, 100);
	span_expect(test, 0, ULONG_MAX, expect, 5);
}

/* The window clips spans, and nodes outside it are ignored. */
static void span_window(struct kunit *test)
{
	static const unsigned long expect[] = {
		USED, 15, 19, HOLE, 20, 29, USED, 30, 35,
	};

	span_add(test, 0, 0, 5);
	span_add(test, 0, 10, 19);
	span_add(test, 1, 30, 40);
	span_add(test, 1, 90, 99);
	span_expect(test, 15, 35, expect, 3);
}

static void span_all_used(struct kunit *test)
{
	static const unsigned long expect[] = { USED, 0, ULONG_MAX };

	span_add(test, 0, 0, ULONG_MAX / 2);
	span_add(test, 1, ULONG_MAX / 2 + 1, ULONG_MAX);
	span_expect(test, 0, ULONG_MAX, expect, 1);
}

static struct kunit_case span_cases[] = {
	KUNIT_CASE(span_empty),
	KUNIT_CASE(span_middle),
	KUNIT_CASE(span_edges),
	KUNIT_CASE(span_merge),
	KUNIT_CASE(span_window),
	KUNIT_CASE(span_all_used),
	{}
};

static struct kunit_suite span_suite = {
	.name = "iommufd_iova_span",
	.init = span_test_init,
	.test_cases = span_cases,
};

/* IOVA allocation, on a bare table the test fills in directly. */
struct alloc_test {
	struct io_pagetable iopt;
	struct iopt_reserved reserved[4];
	struct iopt_allowed allowed[4];
	unsigned int nr_reserved;
	unsigned int nr_allowed;
};

static int alloc_test_init(struct kunit *test)
{
	struct alloc_test *at;

	at = kunit_kzalloc(test, sizeof(*at), GFP_KERNEL);
	if (!at)
		return -ENOMEM;
	iopt_init_table(&at->iopt);
	test->priv = at;
	return 0;
}

static void alloc_reserve(struct kunit *test, unsigned long start,
			  unsigned long last)
{
	struct alloc_test *at = test->priv;
	struct iopt_reserved *r;

	KUNIT_ASSERT_LT(test, at->nr_reserved, ARRAY_SIZE(at->reserved));
	r = &at->reserved[at->nr_reserved++];
	r->node.start = start;
	r->node.last = last;
	interval_tree_insert(&r->node, &at->iopt.reserved_itree);
}

static void alloc_allow(struct kunit *test, unsigned long start,
			unsigned long last)
{
	struct alloc_test *at = test->priv;
	struct iopt_allowed *a;

	KUNIT_ASSERT_LT(test, at->nr_allowed, ARRAY_SIZE(at->allowed));
	a = &at->allowed[at->nr_allowed++];
	a->node.start = start;
	a->node.last = last;
	interval_tree_insert(&a->node, &at->iopt.allowed_itree);
}

static int alloc_one(struct kunit *test, unsigned long addr,
		     unsigned long length, unsigned long *iova)
{
	struct alloc_test *at = test->priv;
	int rc;

	down_write(&at->iopt.iova_rwsem);
	rc = iopt_alloc_iova(&at->iopt, iova, addr, length);
	up_write(&at->iopt.iova_rwsem);
	return rc;
}

/* IOVA 0 is never used, and the page offset of the memory is kept. */
static void alloc_basic(struct kunit *test)
{
	unsigned long iova;

	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x7f0000001000, 4096, &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x7f0000001800, 2048, &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE + 2048);
}

/* Huge-page aligned memory gets huge-page aligned IOVA. */
static void alloc_huge_aligned(struct kunit *test)
{
	unsigned long iova;

	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x7f0000200000, 0x400000, &iova),
			0);
	if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		KUNIT_EXPECT_EQ(test, iova, 0x200000);
	else
		KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE);
}

static void alloc_skips_reserved(struct kunit *test)
{
	unsigned long iova;

	alloc_reserve(test, PAGE_SIZE, 0x10000 - 1);
	alloc_reserve(test, 0x11000, 0x11fff);
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, 0x1000, &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, 0x10000);
	/* Two pages do not fit in the one-page hole at 0x10000. */
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, 0x2000, &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, 0x12000);
}

static void alloc_in_allowed(struct kunit *test)
{
	unsigned long iova;

	alloc_allow(test, 0x100000, 0x100fff);
	alloc_allow(test, 0x200000, 0x20ffff);
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, 0x1000, &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, 0x100000);
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, 0x4000, &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, 0x200000);
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, 0x20000, &iova), -ENOSPC);
}

static void alloc_errors(struct kunit *test)
{
	struct alloc_test *at = test->priv;
	unsigned long iova;

	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, ULONG_MAX / 2, &iova),
			-EOVERFLOW);
	/* Memory at a 2 KiB offset cannot map into a page-aligned IOAS. */
	at->iopt.iova_alignment = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1800, 0x800, &iova), -EINVAL);
	alloc_reserve(test, 0, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, alloc_one(test, 0x1000, 0x1000, &iova), -ENOSPC);
}

static struct kunit_case alloc_cases[] = {
	KUNIT_CASE(alloc_basic),
	KUNIT_CASE(alloc_huge_aligned),
	KUNIT_CASE(alloc_skips_reserved),
	KUNIT_CASE(alloc_in_allowed),
	KUNIT_CASE(alloc_errors),
	{}
};

static struct kunit_suite alloc_suite = {
	.name = "iommufd_iova_alloc",
	.init = alloc_test_init,
	.test_cases = alloc_cases,
};

/* Reserved regions of a device, on a bare table. */
struct resv_test {
	struct io_pagetable iopt;
	struct iopt_allowed allowed;
	struct iommu_resv_region regions[4];
	struct list_head list;
	unsigned int nr;
};

static int resv_test_init(struct kunit *test)
{
	struct resv_test *rt;

	rt = kunit_kzalloc(test, sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	iopt_init_table(&rt->iopt);
	INIT_LIST_HEAD(&rt->list);
	test->priv = rt;
	return 0;
}

static void resv_test_exit(struct kunit *test)
{
	struct resv_test *rt = test->priv;

	/* Every case leaves only reservations owned by rt or by test. */
	iopt_remove_reserved_iova(&rt->iopt, rt);
	iopt_remove_reserved_iova(&rt->iopt, test);
	KUNIT_EXPECT_TRUE(test,
			  RB_EMPTY_ROOT(&rt->iopt.reserved_itree.rb_root));
}

static void resv_add(struct kunit *test, phys_addr_t start, size_t length,
		     enum iommu_resv_type type)
{
	struct resv_test *rt = test->priv;
	struct iommu_resv_region *region;

	KUNIT_ASSERT_LT(test, rt->nr, ARRAY_SIZE(rt->regions));
	region = &rt->regions[rt->nr++];
	region->start = start;
	region->length = length;
	region->type = type;
	list_add_tail(&region->list, &rt->list);
}

/* The reservations of @owner, in order, must be exactly @want (pairs). */
static void resv_expect(struct kunit *test, void *owner,
			const unsigned long *want, unsigned int nr)
{
	struct resv_test *rt = test->priv;
	struct iopt_reserved *reserved;
	unsigned int i = 0;

	for (reserved = iopt_reserved_first(&rt->iopt.reserved_itree, 0,
					    ULONG_MAX);
	     reserved;
	     reserved = iopt_reserved_next(reserved, 0, ULONG_MAX)) {
		if (reserved->owner != owner)
			continue;
		KUNIT_ASSERT_LT(test, i, nr);
		KUNIT_EXPECT_EQ(test, reserved->node.start, want[2 * i]);
		KUNIT_EXPECT_EQ(test, reserved->node.last, want[2 * i + 1]);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, nr);
}

/* Every kind but DIRECT_RELAXABLE is reserved; empty regions are not. */
static void resv_types(struct kunit *test)
{
	static const unsigned long want[] = {
		0x1000, 0x1fff, 0x3000, 0x4fff, 0xfee00000, 0xfeefffff,
	};
	struct resv_test *rt = test->priv;

	resv_add(test, 0x1000, 0x1000, IOMMU_RESV_DIRECT);
	resv_add(test, 0x2000, 0x1000, IOMMU_RESV_DIRECT_RELAXABLE);
	resv_add(test, 0x3000, 0x2000, IOMMU_RESV_SW_MSI);
	resv_add(test, 0xfee00000, 0x100000, IOMMU_RESV_MSI);
	KUNIT_EXPECT_EQ(test, iopt_reserve_resv_regions(&rt->iopt, &rt->list,
							rt),
			0);
	resv_expect(test, rt, want, ARRAY_SIZE(want) / 2);
}

/* A region running past the end of the IOVA space stops at its end. */
static void resv_clamped(struct kunit *test)
{
	static const unsigned long want[] = { ULONG_MAX - 0xfff, ULONG_MAX };
	struct resv_test *rt = test->priv;

	resv_add(test, ULONG_MAX - 0xfff, 0x2000, IOMMU_RESV_RESERVED);
	resv_add(test, 0x5000, 0, IOMMU_RESV_RESERVED);
	KUNIT_EXPECT_EQ(test, iopt_reserve_resv_regions(&rt->iopt, &rt->list,
							rt),
			0);
	resv_expect(test, rt, want, 1);
}

/*
 * A conflict with an allowed range fails the whole list: the regions
 * before it are gone again, other owners' reservations stay.
 */
static void resv_conflict_all_or_nothing(struct kunit *test)
{
	static const unsigned long other[] = { 0x1000, 0x1fff };
	struct resv_test *rt = test->priv;

	KUNIT_ASSERT_EQ(test, iopt_reserve_iova(&rt->iopt, 0x1000, 0x1fff,
						test),
			0);
	rt->allowed.node.start = 0x8000;
	rt->allowed.node.last = 0x8fff;
	interval_tree_insert(&rt->allowed.node, &rt->iopt.allowed_itree);

	resv_add(test, 0x1000, 0x1000, IOMMU_RESV_MSI);
	resv_add(test, 0x4000, 0x1000, IOMMU_RESV_MSI);
	resv_add(test, 0x8800, 0x1000, IOMMU_RESV_MSI);
	KUNIT_EXPECT_EQ(test, iopt_reserve_resv_regions(&rt->iopt, &rt->list,
							rt),
			-EADDRINUSE);
	resv_expect(test, rt, NULL, 0);
	resv_expect(test, test, other, 1);

	interval_tree_remove(&rt->allowed.node, &rt->iopt.allowed_itree);
	KUNIT_EXPECT_EQ(test, iopt_reserve_resv_regions(&rt->iopt, &rt->list,
							rt),
			0);
	iopt_remove_reserved_iova(&rt->iopt, rt);
	resv_expect(test, rt, NULL, 0);
	resv_expect(test, test, other, 1);
}

static struct kunit_case resv_cases[] = {
	KUNIT_CASE(resv_types),
	KUNIT_CASE(resv_clamped),
	KUNIT_CASE(resv_conflict_all_or_nothing),
	{}
};

static struct kunit_suite resv_suite = {
	.name = "iommufd_resv_regions",
	.init = resv_test_init,
	.exit = resv_test_exit,
	.test_cases = resv_cases,
};

kunit_test_suites(&objtable_suite, &span_suite, &alloc_suite, &resv_suite);
