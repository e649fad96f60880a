// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOVA space of an IOAS: which ranges are mapped (areas), which are
 * reserved, and which the user allowed for automatic allocation.
 *
 * Ranges are closed intervals: "last" is the final byte, so a range that
 * ends at the top of the address space is representable; "end" would be
 * one past it and is avoided.
 *
 * MAP and COPY first insert their areas with no page set, which reserves
 * the IOVA: an overlapping MAP then gets EEXIST and an UNMAP of the half-
 * built area EBUSY. Only when everything has succeeded do the areas get
 * their page sets and become real mappings; on failure they are removed
 * again and nothing has changed. UNMAP runs the same steps backwards: it
 * takes the page set away first, unmaps and unpins with the area still
 * holding its IOVA, and removes the area last. So an area without a page
 * set is one that is being built or torn down; everything but its IOVA
 * range is off limits, and only the MAP or UNMAP that owns it touches it.
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"
#include "iova_span.h"

void iopt_init_table(struct io_pagetable *iopt)
{
	init_rwsem(&iopt->domains_rwsem);
	xa_init(&iopt->domains);
	init_rwsem(&iopt->iova_rwsem);
	xa_init_flags(&iopt->access_list, XA_FLAGS_ALLOC);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	/* Byte granular until something attached to the IOAS asks for more. */
	iopt->iova_alignment = 1;
	iopt->pgsize_bitmap = ULONG_MAX;
}

/**
 * iopt_free_allowed_tree() - free every node of a tree of allowed ranges
 * @root: the tree; empty afterwards
 */
void iopt_free_allowed_tree(struct rb_root_cached *root)
{
	struct iopt_allowed *allowed;

	while ((allowed = iopt_allowed_first(root, 0, ULONG_MAX))) {
		interval_tree_remove(&allowed->node, root);
		kfree(allowed);
	}
}

static void __iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	struct iopt_reserved *reserved, *next;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	for (reserved = iopt_reserved_first(&iopt->reserved_itree, 0,
					    ULONG_MAX);
	     reserved; reserved = next) {
		next = iopt_reserved_next(reserved, 0, ULONG_MAX);
		if (reserved->owner != owner)
			continue;
		interval_tree_remove(&reserved->node, &iopt->reserved_itree);
		kfree(reserved);
	}
}

/**
 * iopt_destroy_table() - free what is left of a table being destroyed
 * @iopt: the table; everything must already be unmapped
 */
void iopt_destroy_table(struct io_pagetable *iopt)
{
	down_write(&iopt->iova_rwsem);
	__iopt_remove_reserved_iova(iopt, NULL);
	iopt_free_allowed_tree(&iopt->allowed_itree);
	up_write(&iopt->iova_rwsem);

	WARN_ON(!RB_EMPTY_ROOT(&iopt->area_itree.rb_root));
	WARN_ON(!RB_EMPTY_ROOT(&iopt->reserved_itree.rb_root));
	WARN_ON(iopt->num_domains);
	xa_destroy(&iopt->domains);
	WARN_ON(!xa_empty(&iopt->access_list));
	xa_destroy(&iopt->access_list);
}

/*
 * Unmap @area from the first @limit domains of the table. The other
 * domains go first, so that the one left for last, where pages are
 * unpinned, is index 0, which by then is the area's storage domain.
 */
static void iopt_unfill_domains(struct io_pagetable *iopt,
				struct iopt_area *area,
				struct iopt_pages *pages, unsigned long limit)
{
	struct iommu_domain *first, *domain;
	unsigned long index;

	lockdep_assert_held(&iopt->domains_rwsem);

	if (!limit)
		return;
	first = xa_load(&iopt->domains, 0);
	for (index = 1; index < limit; index++) {
		domain = xa_load(&iopt->domains, index);
		iopt_area_unfill_domain(area, pages, domain, first);
	}
	iopt_area_unfill_domain(area, pages, first, NULL);
}

/*
 * Map a new area, not yet published, into every domain of the table; all
 * or nothing.
 */
static int iopt_fill_domains(struct io_pagetable *iopt, struct iopt_area *area,
			     struct iopt_pages *pages, bool page_by_page)
{
	struct iommu_domain *domain;
	unsigned long index;
	int rc;

	lockdep_assert_held(&iopt->domains_rwsem);

	for (index = 0; index != iopt->num_domains; index++) {
		domain = xa_load(&iopt->domains, index);
		rc = iopt_area_fill_domain(area, pages, domain, page_by_page);
		if (rc) {
			iopt_unfill_domains(iopt, area, pages, index);
			return rc;
		}
	}
	return 0;
}

/*
 * Can [start, last] hold @length bytes at an IOVA that is aligned to
 * @align and, within its page, at @page_offset? Below PAGE_SIZE the IOVA
 * is given the same offset in its page as the memory has in its own, so
 * that the pages line up with IOMMU pages; @page_offset is a multiple of
 * @align in that case because @align came from the address's low bits.
 */
static bool iopt_hole_fits(unsigned long start, unsigned long last,
			   unsigned long align, unsigned long page_offset,
			   unsigned long length, unsigned long *iova)
{
	unsigned long cand;

	if (align >= PAGE_SIZE) {
		if (start > ULONG_MAX - (align - 1))
			return false;
		cand = ALIGN(start, align);
	} else {
		cand = ALIGN_DOWN(start, PAGE_SIZE) + page_offset;
		if (cand < start) {
			if (cand > ULONG_MAX - PAGE_SIZE)
				return false;
			cand += PAGE_SIZE;
		}
	}
	if (cand > last || last - cand < length - 1)
		return false;
	*iova = cand;
	return true;
}

/* Lowest free IOVA in the window [first, last] that fits, or false. */
static bool iopt_find_hole(struct io_pagetable *iopt, unsigned long first,
			   unsigned long last, unsigned long align,
			   unsigned long page_offset, unsigned long length,
			   unsigned long *iova)
{
	struct rb_root_cached *const used[] = {
		&iopt->reserved_itree,
		&iopt->area_itree,
	};
	struct iova_span_iter span;

	for_each_iova_span(&span, used, ARRAY_SIZE(used), first, last) {
		if (span.is_hole && iopt_hole_fits(span.start, span.last, align,
						   page_offset, length, iova))
			return true;
	}
	return false;
}

/**
 * iopt_alloc_iova() - choose an IOVA for new memory
 * @iopt: the table, iova_rwsem held
 * @iova: the result
 * @addr: where the memory is (a user VA, or the position in a file)
 * @length: bytes
 *
 * The alignment follows the memory's, up to a huge page, so that memory
 * backed by huge pages can be mapped with huge IOPTEs. The lowest hole that
 * fits wins; with an allowed list only allowed IOVA is used. IOVA 0 and the
 * top page are never handed out.
 *
 * Return: 0; ENOSPC if nothing fits; EINVAL if the memory's alignment is
 * below the table's; EOVERFLOW for a length of half the space or more.
 */
int iopt_alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
		    unsigned long addr, unsigned long length)
{
	unsigned long first = PAGE_SIZE, last = ULONG_MAX - PAGE_SIZE;
	unsigned long page_offset = addr % PAGE_SIZE;
	struct rb_root_cached *const allowed[] = { &iopt->allowed_itree };
	unsigned long align, max_align;
	struct iova_span_iter span;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (length >= ULONG_MAX / 2)
		return -EOVERFLOW;

	align = roundup_pow_of_two(length);
	if (addr)
		align = min(align, 1UL << __ffs(addr));
	max_align = IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) ? HPAGE_PMD_SIZE :
							      PAGE_SIZE;
	align = min(align, max_align);
	if (align < iopt->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&iopt->allowed_itree.rb_root)) {
		if (iopt_find_hole(iopt, first, last, align, page_offset,
				   length, iova))
			return 0;
		return -ENOSPC;
	}

	for_each_iova_span(&span, allowed, ARRAY_SIZE(allowed), first, last) {
		if (span.is_hole)
			continue;
		if (iopt_find_hole(iopt, span.start, span.last, align,
				   page_offset, length, iova))
			return 0;
	}
	return -ENOSPC;
}

/* Is a caller-chosen IOVA range usable? */
static int iopt_check_iova(struct io_pagetable *iopt, unsigned long iova,
			   unsigned long length)
{
	unsigned long last;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (iopt_reserved_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (iopt_area_first(&iopt->area_itree, iova, last))
		return -EEXIST;
	return 0;
}

/**
 * iopt_free_pages_list() - drop a list made by iopt_get_pages()
 * @pages_list: the list; empty afterwards
 */
void iopt_free_pages_list(struct list_head *pages_list)
{
	struct iopt_pages_list *elm, *tmp;

	list_for_each_entry_safe(elm, tmp, pages_list, next) {
		WARN_ON(elm->area);
		if (elm->pages)
			iopt_put_pages(elm->pages);
		list_del(&elm->next);
		kfree(elm);
	}
}

/*
 * Can @elm become an area at the next IOVA of a list mapped with
 * @iommu_prot? Every area must start on the IOAS's granule, not just the
 * first: a COPY of several small areas could otherwise put a seam inside a
 * CPU page of an IOAS that pinning accesses use, and such an access expects
 * one page per PAGE_SIZE of IOVA. So the memory must sit at an offset the
 * IOAS can map, and every length but the last is a whole granule.
 */
static int iopt_check_pages_elm(struct io_pagetable *iopt,
				struct iopt_pages_list *elm, bool last,
				int iommu_prot)
{
	lockdep_assert_held(&iopt->iova_rwsem);

	if ((iommu_prot & IOMMU_WRITE) && !elm->pages->writable)
		return -EPERM;
	if ((elm->start_byte % PAGE_SIZE) & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (!last && (elm->length & (iopt->iova_alignment - 1)))
		return -EINVAL;
	if (WARN_ON((elm->start_byte + elm->length - 1) / PAGE_SIZE >=
		    elm->pages->npages))
		return -EOVERFLOW;
	return 0;
}

/* Insert an area with no page set yet: this reserves its IOVA. */
static int iopt_insert_area(struct io_pagetable *iopt,
			    struct iopt_pages_list *elm, unsigned long iova,
			    int iommu_prot)
{
	struct iopt_area *area;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return -ENOMEM;
	area->iopt = iopt;
	area->iommu_prot = iommu_prot;
	area->page_offset = elm->start_byte % PAGE_SIZE;
	area->pages_node.start = elm->start_byte / PAGE_SIZE;
	area->pages_node.last = (elm->start_byte + elm->length - 1) / PAGE_SIZE;
	area->node.start = iova;
	area->node.last = iova + elm->length - 1;
	interval_tree_insert(&area->node, &iopt->area_itree);
	elm->area = area;
	return 0;
}

static void iopt_abort_area(struct iopt_area *area)
{
	lockdep_assert_held_write(&area->iopt->iova_rwsem);

	WARN_ON(area->pages);
	interval_tree_remove(&area->node, &area->iopt->area_itree);
	kfree(area);
}

/* Remove the areas of a list that iopt_insert_areas() inserted. */
static void iopt_abort_areas(struct list_head *pages_list)
{
	struct iopt_pages_list *elm;

	list_for_each_entry(elm, pages_list, next) {
		if (!elm->area)
			break;
		iopt_abort_area(elm->area);
		elm->area = NULL;
	}
}

/* Step 1 of a map: the IOVA, chosen or checked. */
static int iopt_choose_iova(struct io_pagetable *iopt,
			    struct list_head *pages_list, unsigned long length,
			    unsigned long *iova, unsigned int flags)
{
	struct iopt_pages_list *first =
		list_first_entry(pages_list, struct iopt_pages_list, next);

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (length & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (flags & IOPT_ALLOC_IOVA)
		return iopt_alloc_iova(iopt, iova,
				       first->pages->start + first->start_byte,
				       length);
	return iopt_check_iova(iopt, *iova, length);
}

/*
 * Step 2: check every entry, then insert an area for each from @iova on.
 * The areas have no page set yet, which keeps them from being used, but
 * they reserve their IOVA. All or nothing.
 */
static int iopt_insert_areas(struct io_pagetable *iopt,
			     struct list_head *pages_list, unsigned long iova,
			     int iommu_prot)
{
	struct iopt_pages_list *elm;
	int rc;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	list_for_each_entry(elm, pages_list, next) {
		rc = iopt_check_pages_elm(iopt, elm,
					  list_is_last(&elm->next, pages_list),
					  iommu_prot);
		if (rc)
			return rc;
	}
	list_for_each_entry(elm, pages_list, next) {
		rc = iopt_insert_area(iopt, elm, iova, iommu_prot);
		if (rc) {
			iopt_abort_areas(pages_list);
			return rc;
		}
		iova += elm->length;
	}
	return 0;
}

/*
 * Step 3: pin and map every area into every domain. This is the slow part,
 * so it runs without the IOVA lock: other users of the IOAS carry on
 * meanwhile, and an UNMAP of these areas sees no page set and fails with
 * EBUSY. The caller's domains_rwsem keeps the set of domains fixed. All or
 * nothing; the IOVA lock is held again on return.
 */
static int iopt_fill_areas(struct io_pagetable *iopt,
			   struct list_head *pages_list)
{
	bool page_by_page = iopt->disable_large_pages;
	struct iopt_pages_list *elm, *failed;
	int rc = 0;

	lockdep_assert_held(&iopt->domains_rwsem);
	lockdep_assert_held_write(&iopt->iova_rwsem);

	up_write(&iopt->iova_rwsem);
	list_for_each_entry(elm, pages_list, next) {
		rc = iopt_fill_domains(iopt, elm->area, elm->pages,
				       page_by_page);
		if (rc)
			break;
	}
	if (rc) {
		failed = elm;
		list_for_each_entry(elm, pages_list, next) {
			if (elm == failed)
				break;
			iopt_unfill_domains(iopt, elm->area, elm->pages,
					    iopt->num_domains);
		}
	}
	down_write(&iopt->iova_rwsem);
	return rc;
}

/* Step 4: make the areas usable; each takes a reference on its set. */
static void iopt_publish_areas(struct io_pagetable *iopt,
			       struct list_head *pages_list)
{
	struct iopt_pages_list *elm;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	list_for_each_entry(elm, pages_list, next) {
		kref_get(&elm->pages->kref);
		elm->area->pages = elm->pages;
		elm->area = NULL;
	}
}

/**
 * iopt_map_pages_list() - map pieces of page sets at consecutive IOVA
 * @iopt: the table
 * @pages_list: &struct iopt_pages_list entries, in IOVA order
 * @length: total bytes of the entries
 * @iova: in: the first IOVA (unless @flags has IOPT_ALLOC_IOVA); out: the
 *	first IOVA used
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE, plus IOMMU_CACHE
 * @flags: IOPT_ALLOC_IOVA: choose the IOVA, aligned as the first entry's
 *	memory is
 *
 * Each entry becomes one area, in four steps: choose the IOVA, insert the
 * areas (which reserves it), fill the domains, publish. Holding
 * domains_rwsem throughout keeps the domains fixed and keeps a move of the
 * context's page sets (IOMMU_IOAS_CHANGE_PROCESS) from seeing half-built
 * areas. All or nothing.
 *
 * Return: 0 or the errno of the first check that failed.
 */
int iopt_map_pages_list(struct io_pagetable *iopt,
			struct list_head *pages_list, unsigned long length,
			unsigned long *iova, int iommu_prot, unsigned int flags)
{
	int rc;

	if (!length)
		return -EINVAL;

	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	rc = iopt_choose_iova(iopt, pages_list, length, iova, flags);
	if (rc)
		goto out_unlock;
	rc = iopt_insert_areas(iopt, pages_list, *iova, iommu_prot);
	if (rc)
		goto out_unlock;
	rc = iopt_fill_areas(iopt, pages_list);
	if (rc)
		iopt_abort_areas(pages_list);
	else
		iopt_publish_areas(iopt, pages_list);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_map_user_pages() - map user memory into an IOAS
 * @ictx: the context, whose accounting mode charges the pins
 * @iopt: the IOAS's table
 * @iova: in: the IOVA to use (unless @flags has IOPT_ALLOC_IOVA); out: the
 *	IOVA used
 * @uptr: user address of the memory, in the calling process
 * @length: bytes
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE, plus IOMMU_CACHE
 * @flags: IOPT_ALLOC_IOVA
 *
 * Return: 0, or the errno of the first check that failed; on failure
 * nothing is mapped.
 */
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void __user *uptr,
			unsigned long length, int iommu_prot,
			unsigned int flags)
{
	struct iopt_pages_list elm = {};
	LIST_HEAD(pages_list);
	int rc;

	elm.pages = iopt_alloc_pages(uptr, length, iommu_prot & IOMMU_WRITE,
				     iommufd_ctx_account_mode(ictx));
	if (IS_ERR(elm.pages))
		return PTR_ERR(elm.pages);
	elm.start_byte = (unsigned long)uptr % PAGE_SIZE;
	elm.length = length;
	list_add(&elm.next, &pages_list);

	rc = iopt_map_pages_list(iopt, &pages_list, length, iova, iommu_prot,
				 flags);
	iopt_put_pages(elm.pages);
	return rc;
}

/**
 * iopt_map_file_pages() - map a range of a memfd into an IOAS
 * @ictx: the context, whose accounting mode charges the pins
 * @iopt: the IOAS's table
 * @iova: in: the IOVA to use (unless @flags has IOPT_ALLOC_IOVA); out: the
 *	IOVA used
 * @file: a shmem or hugetlbfs file
 * @start: byte offset of the memory in @file; the automatic IOVA is
 *	aligned as this is
 * @length: bytes
 * @iommu_prot: IOMMU_READ / IOMMU_WRITE, plus IOMMU_CACHE
 * @flags: IOPT_ALLOC_IOVA
 *
 * Return: 0, or the errno of the first check that failed (see
 * iopt_alloc_file_pages() for the file checks); on failure nothing is
 * mapped.
 */
int iopt_map_file_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, struct file *file,
			unsigned long start, unsigned long length,
			int iommu_prot, unsigned int flags)
{
	struct iopt_pages_list elm = {};
	LIST_HEAD(pages_list);
	int rc;

	elm.pages = iopt_alloc_file_pages(file, start, length,
					  iommu_prot & IOMMU_WRITE,
					  iommufd_ctx_account_mode(ictx));
	if (IS_ERR(elm.pages))
		return PTR_ERR(elm.pages);
	elm.start_byte = start % PAGE_SIZE;
	elm.length = length;
	list_add(&elm.next, &pages_list);

	rc = iopt_map_pages_list(iopt, &pages_list, length, iova, iommu_prot,
				 flags);
	iopt_put_pages(elm.pages);
	return rc;
}

/**
 * iopt_collect_owner_change() - list the page sets of an IOAS for a move
 * @iopt: the table, domains_rwsem and iova_rwsem held for writing
 * @pages_list: receives each page set not on it yet, referenced, through
 *	&iopt_pages.change_node
 *
 * Return: 0; EINVAL if any area maps user memory rather than a file.
 */
int iopt_collect_owner_change(struct io_pagetable *iopt,
			      struct list_head *pages_list)
{
	struct interval_tree_node *node;
	struct iopt_pages *pages;

	lockdep_assert_held_write(&iopt->domains_rwsem);
	lockdep_assert_held_write(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		pages = container_of(node, struct iopt_area, node)->pages;
		/*
		 * An area being built or unmapped has no page set. Both
		 * hold domains_rwsem from start to end, so none is seen
		 * here; were one seen, its owner could not be moved.
		 */
		if (!pages)
			return -EBUSY;
		if (!pages->file)
			return -EINVAL;
		if (list_empty(&pages->change_node)) {
			kref_get(&pages->kref);
			list_add_tail(&pages->change_node, pages_list);
		}
	}
	return 0;
}

/*
 * The area at iter->cur_iova, if it has its page set (it is neither being
 * built nor being unmapped); else end the walk.
 */
static struct iopt_area *iopt_area_contig_check(struct iopt_area_contig_iter *iter,
						struct iopt_area *area)
{
	if (!area || iopt_area_iova(area) > iter->cur_iova || !area->pages)
		area = NULL;
	iter->area = area;
	return area;
}

/**
 * iopt_area_contig_init() - start walking the areas that cover a range
 * @iter: the iterator
 * @iopt: the table, iova_rwsem held
 * @iova: first IOVA
 * @last_iova: last IOVA (inclusive), >= @iova
 *
 * Return: the first area, or NULL if none covers @iova.
 */
struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt,
					unsigned long iova,
					unsigned long last_iova)
{
	lockdep_assert_held(&iopt->iova_rwsem);

	iter->cur_iova = iova;
	iter->last_iova = last_iova;
	iter->done = false;
	return iopt_area_contig_check(iter, iopt_area_first(&iopt->area_itree,
							    iova, last_iova));
}

/**
 * iopt_area_contig_next() - the area right after the current one
 * @iter: the iterator
 *
 * Return: the next area, or NULL at the end of the range (@iter->done set)
 * or at a gap (@iter->cur_iova is where the gap begins).
 */
struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter)
{
	unsigned long last = iopt_area_last_iova(iter->area);

	if (last >= iter->last_iova) {
		iter->done = true;
		iter->area = NULL;
		return NULL;
	}
	iter->cur_iova = last + 1;
	return iopt_area_contig_check(iter,
				      iopt_area_next(iter->area, iter->cur_iova,
						     iter->last_iova));
}

/**
 * iopt_get_pages() - collect the page sets behind an IOVA range
 * @iopt: the table
 * @iova: first IOVA
 * @length: bytes
 * @pages_list: list to append one &struct iopt_pages_list per area touched
 *
 * The range must be covered by complete areas with no gap between them,
 * though it need not match how they were mapped. The entries keep their
 * page sets referenced after the lock is dropped, for COPY.
 *
 * Return: 0; EINVAL or EOVERFLOW for a bad range; ENOENT for a gap or an
 * area still being built or being unmapped; ENOMEM. On failure the list
 * is left empty.
 */
int iopt_get_pages(struct io_pagetable *iopt, unsigned long iova,
		   unsigned long length, struct list_head *pages_list)
{
	struct iopt_area_contig_iter iter;
	struct iopt_pages_list *elm;
	struct iopt_area *area;
	unsigned long last;
	int rc = 0;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	down_read(&iopt->iova_rwsem);
	iopt_for_each_contig_area(&iter, area, iopt, iova, last) {
		unsigned long piece_last = iopt_area_contig_last(&iter);

		elm = kzalloc(sizeof(*elm), GFP_KERNEL_ACCOUNT);
		if (!elm) {
			rc = -ENOMEM;
			goto out_unlock;
		}
		elm->start_byte = iopt_area_start_byte(area, iter.cur_iova);
		elm->length = piece_last - iter.cur_iova + 1;
		elm->pages = area->pages;
		kref_get(&elm->pages->kref);
		list_add_tail(&elm->next, pages_list);
	}
	/* A gap, or an area being built or unmapped. */
	if (!iter.done)
		rc = -ENOENT;
out_unlock:
	up_read(&iopt->iova_rwsem);
	if (rc)
		iopt_free_pages_list(pages_list);
	return rc;
}

/*
 * Remove every area within [start, last]; what was removed before a
 * failure stays removed. Each area found is judged in this order: one
 * still being built, or being unmapped by another UNMAP, fails with EBUSY;
 * one that sticks out of the range with ENOENT; one that in-kernel
 * accesses still pin is handed to them to let go of first.
 *
 * The slow part, unmapping the domains and unpinning, runs without the
 * IOVA lock, so that accesses, COPY and MAP elsewhere in the IOAS go on
 * meanwhile. Under iova_rwsem held for writing the area's page set is
 * taken away: from then on every other user sees the area as busy (it
 * has no pages), while it still holds its IOVA in the tree, so nothing
 * can be mapped there. domains_rwsem stays held for reading throughout,
 * so the domains the area is in cannot change. Only once the domains no
 * longer map the area is it removed from the tree.
 */
/*
 * How often UNMAP asks in-kernel accesses to let go of one area before it
 * gives up with EDEADLOCK: a driver that honours its unmap callback lets go
 * on the first.
 */
#define IOPT_UNMAP_ACCESS_TRIES 100

static int iopt_unmap_iova_range(struct io_pagetable *iopt, unsigned long start,
				 unsigned long last, unsigned long *unmapped)
{
	unsigned long unmapped_bytes = 0, area_iova, area_length;
	unsigned long busy_iova = 0;
	unsigned int tries = 0;
	struct iopt_pages *pages;
	struct iopt_area *area;
	int rc = 0;

again:
	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	while ((area = iopt_area_first(&iopt->area_itree, start, last))) {
		if (!area->pages) {
			rc = -EBUSY;
			break;
		}
		if (iopt_area_iova(area) < start ||
		    iopt_area_last_iova(area) > last) {
			rc = -ENOENT;
			break;
		}
		if (area->num_accesses) {
			area_iova = iopt_area_iova(area);
			area_length = iopt_area_length(area);
			if (area_iova != busy_iova)
				tries = 0;
			busy_iova = area_iova;
			if (++tries > IOPT_UNMAP_ACCESS_TRIES) {
				/*
				 * A driver is not honouring its unmap callback.
				 * Its bug, not ours: say so, but no splat.
				 */
				pr_warn_ratelimited("iommufd: an in-kernel access keeps IOVA %#lx pinned; UNMAP gives up\n",
						    area_iova);
				rc = -EDEADLOCK;
				break;
			}
			/*
			 * Stop new pins, then ask every access, with no lock
			 * held, to drop its pins, and look again.
			 */
			area->prevent_access = true;
			up_write(&iopt->iova_rwsem);
			up_read(&iopt->domains_rwsem);
			iommufd_access_notify_unmap(iopt, area_iova, area_length);
			goto again;
		}
		/*
		 * No access pins the area, and none can start to: pins need
		 * the area's page set, which goes now.
		 */
		pages = area->pages;
		area->pages = NULL;
		up_write(&iopt->iova_rwsem);

		iopt_unfill_domains(iopt, area, pages, iopt->num_domains);
		iopt_put_pages(pages);

		down_write(&iopt->iova_rwsem);
		unmapped_bytes += iopt_area_length(area);
		interval_tree_remove(&area->node, &iopt->area_itree);
		kfree(area);
	}
	/*
	 * Giving up, whether on the busy area itself or on another one found
	 * on the next pass, must not leave the busy area closed to accesses.
	 */
	if (rc && tries) {
		area = iopt_area_first(&iopt->area_itree, busy_iova, busy_iova);
		if (area && iopt_area_iova(area) == busy_iova)
			area->prevent_access = false;
	}
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	if (unmapped)
		*unmapped = unmapped_bytes;
	return rc;
}

/**
 * iopt_unmap_iova() - unmap whole areas within a range
 * @iopt: the table
 * @iova: first IOVA
 * @length: bytes, not zero
 * @unmapped: if not NULL, the bytes unmapped
 *
 * Return: 0, also when nothing is mapped in the range (*@unmapped is then
 * 0; IOMMU_IOAS_UNMAP makes that ENOENT itself, VFIO's UNMAP_DMA does
 * not); EBUSY for an area in the range that is still being built or that
 * another UNMAP is removing (checked before the next); ENOENT when an
 * area is only partly inside the range; EDEADLOCK if an in-kernel access
 * does not let go of its pins; EINVAL, EOVERFLOW for a bad range.
 */
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped)
{
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

/**
 * iopt_unmap_all() - unmap everything
 * @iopt: the table
 * @unmapped: if not NULL, the bytes unmapped
 *
 * Return: 0 (also when nothing was mapped); EBUSY if an area is being
 * built or unmapped by someone else; EDEADLOCK as for iopt_unmap_iova().
 */
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped)
{
	/* No area can stick out of everything: ENOENT cannot happen. */
	return iopt_unmap_iova_range(iopt, 0, ULONG_MAX, unmapped);
}

/*
 * Split @area into [start, @iova] and [@iova + 1, last]. The two halves
 * share the page set and stand exactly where the area stood: in the IOVA
 * tree and, if it is in a domain, in the page set's domains_itree, with
 * the same storage domain. Nothing is mapped, unmapped or pinned, so this
 * is only allowed where every domain holds the area as PAGE_SIZE IOPTEs
 * (large pages disabled), which an unmap of either half may then cut
 * between, and where no access pin is counted on the area (those counts
 * could not be divided between the halves).
 */
static int iopt_area_split(struct iopt_area *area, unsigned long iova)
{
	struct io_pagetable *iopt = area->iopt;
	struct iopt_pages *pages = area->pages;
	unsigned long last = iopt_area_last_iova(area);
	unsigned long byte = iopt_area_start_byte(area, iova + 1);
	struct iopt_area *rhs;
	int rc = 0;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (iova == last)
		return 0;
	if (!pages || area->prevent_access)
		return -EBUSY;
	if (!iopt->disable_large_pages ||
	    ((iova + 1) & (iopt->iova_alignment - 1)) || byte % PAGE_SIZE)
		return -EINVAL;

	rhs = kzalloc(sizeof(*rhs), GFP_KERNEL_ACCOUNT);
	if (!rhs)
		return -ENOMEM;

	mutex_lock(&pages->mutex);
	if (area->num_accesses) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rhs->iopt = iopt;
	rhs->pages = pages;
	rhs->iommu_prot = area->iommu_prot;
	rhs->page_offset = 0;
	rhs->storage_domain = area->storage_domain;
	/*
	 * Blocks aligned to the old start may straddle the new one; the list
	 * stays the left half's, which ignores what lies past its end.
	 */
	rhs->pfn_breaks.mask = area->pfn_breaks.mask |
			       (byte / PAGE_SIZE - area->pages_node.start);
	rhs->pfn_breaks.overflow = true;
	rhs->node.start = iova + 1;
	rhs->node.last = last;
	rhs->pages_node.start = byte / PAGE_SIZE;
	rhs->pages_node.last = area->pages_node.last;
	kref_get(&pages->kref);

	interval_tree_remove(&area->node, &iopt->area_itree);
	if (area->storage_domain)
		interval_tree_remove(&area->pages_node, &pages->domains_itree);
	area->node.last = iova;
	area->pages_node.last = byte / PAGE_SIZE - 1;
	interval_tree_insert(&area->node, &iopt->area_itree);
	interval_tree_insert(&rhs->node, &iopt->area_itree);
	if (area->storage_domain) {
		interval_tree_insert(&area->pages_node, &pages->domains_itree);
		interval_tree_insert(&rhs->pages_node, &pages->domains_itree);
	}
	rhs = NULL;
out_unlock:
	mutex_unlock(&pages->mutex);
	kfree(rhs);
	return rc;
}

/**
 * iopt_cut_iova() - make area boundaries after some IOVAs
 * @iopt: the table
 * @iovas: IOVAs that are to be the last byte of an area if an area
 *	covers them
 * @num: how many
 *
 * What VFIO's TYPE1 (v1) UNMAP_DMA needs to unmap part of a mapping: the
 * areas covering each IOVA are split after it, so that the range between
 * two cuts is whole areas. Only with large pages disabled. A split that
 * fails leaves the cuts already made, which change nothing a user can
 * see but what IOMMU_IOAS_UNMAP of an exact area covers.
 *
 * Return: 0; EINVAL with large pages enabled, for an IOVA not on the
 * IOAS's granule, or for an area in-kernel accesses pin; EBUSY for an
 * area being built or unmapped; ENOMEM.
 */
int iopt_cut_iova(struct io_pagetable *iopt, const unsigned long *iovas,
		  unsigned int num)
{
	struct iopt_area *area;
	unsigned int i;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	for (i = 0; i != num && !rc; i++) {
		area = iopt_area_first(&iopt->area_itree, iovas[i], iovas[i]);
		if (area)
			rc = iopt_area_split(area, iovas[i]);
	}
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_set_allow_iova() - replace the allowed ranges
 * @iopt: the table
 * @allowed_iova: in: the new ranges, non-overlapping; out: the ranges to
 *	free (the old list on success, the new one on failure)
 *
 * Return: 0, or EADDRINUSE if a new range intersects a reserved one, in
 * which case the old list stays in force.
 */
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct rb_root_cached *allowed_iova)
{
	struct iopt_allowed *allowed;

	down_write(&iopt->iova_rwsem);
	swap(*allowed_iova, iopt->allowed_itree);
	for (allowed = iopt_allowed_first(&iopt->allowed_itree, 0, ULONG_MAX);
	     allowed; allowed = iopt_allowed_next(allowed, 0, ULONG_MAX)) {
		if (iopt_reserved_first(&iopt->reserved_itree,
					allowed->node.start,
					allowed->node.last)) {
			swap(*allowed_iova, iopt->allowed_itree);
			up_write(&iopt->iova_rwsem);
			return -EADDRINUSE;
		}
	}
	up_write(&iopt->iova_rwsem);
	return 0;
}

static int __iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
			       unsigned long last, void *owner)
{
	struct iopt_reserved *reserved;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (iopt_area_first(&iopt->area_itree, start, last) ||
	    iopt_allowed_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;

	reserved = kzalloc(sizeof(*reserved), GFP_KERNEL_ACCOUNT);
	if (!reserved)
		return -ENOMEM;
	reserved->node.start = start;
	reserved->node.last = last;
	reserved->owner = owner;
	interval_tree_insert(&reserved->node, &iopt->reserved_itree);
	return 0;
}

/**
 * iopt_reserve_iova() - forbid mapping a range
 * @iopt: the table
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @owner: what the reservation belongs to (a domain); reservations without
 *	an owner stay until the IOAS is destroyed
 *
 * Return: 0; EADDRINUSE if the range is mapped or allowed; ENOMEM.
 */
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner)
{
	int rc;

	if (start > last)
		return -EINVAL;
	down_write(&iopt->iova_rwsem);
	rc = __iopt_reserve_iova(iopt, start, last, owner);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_reserve_resv_regions() - reserve a device's reserved regions
 * @iopt: the table
 * @regions: &struct iommu_resv_region entries, as the IOMMU core lists
 *	them; IOMMU_RESV_DIRECT_RELAXABLE ones are skipped, as VFIO's type1
 *	skips them
 * @owner: what the reservations belong to; must own none in @iopt yet
 *
 * All or nothing, under one hold of the IOVA lock, so that no MAP can
 * slip in between two regions.
 *
 * Return: 0; EADDRINUSE if a region is mapped or allowed; ENOMEM. On
 * failure no reservation of @owner is left.
 */
int iopt_reserve_resv_regions(struct io_pagetable *iopt,
			      struct list_head *regions, void *owner)
{
	struct iommu_resv_region *region;
	unsigned long last;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	list_for_each_entry(region, regions, list) {
		if (region->type == IOMMU_RESV_DIRECT_RELAXABLE ||
		    !region->length)
			continue;
		/* Anything beyond the IOVA space cannot be mapped anyway. */
		if (region->start > ULONG_MAX)
			continue;
		if (check_add_overflow((unsigned long)region->start,
				       (unsigned long)region->length - 1,
				       &last))
			last = ULONG_MAX;
		rc = __iopt_reserve_iova(iopt, region->start, last, owner);
		if (rc)
			break;
	}
	if (rc)
		__iopt_remove_reserved_iova(iopt, owner);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_remove_reserved_iova() - drop every reservation of an owner
 * @iopt: the table
 * @owner: as passed to iopt_reserve_iova() or iopt_reserve_resv_regions()
 */
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	down_write(&iopt->iova_rwsem);
	__iopt_remove_reserved_iova(iopt, owner);
	up_write(&iopt->iova_rwsem);
}

/* Would every existing area still be mappable at @align? */
static int iopt_check_alignment(struct io_pagetable *iopt, unsigned long align)
{
	struct iopt_area *area;

	lockdep_assert_held(&iopt->iova_rwsem);

	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		if ((iopt_area_iova(area) | iopt_area_length(area) |
		     area->page_offset) & (align - 1))
			return -EADDRINUSE;
	}
	return 0;
}

/* The alignment every user of the table needs, see IOMMU_IOAS_IOVA_RANGES. */
static unsigned long iopt_needed_alignment(struct io_pagetable *iopt)
{
	struct iommufd_access *access;
	struct iommu_domain *domain;
	unsigned long align = 1;
	unsigned long index;

	lockdep_assert_held(&iopt->domains_rwsem);
	lockdep_assert_held(&iopt->iova_rwsem);

	if (iopt->disable_large_pages)
		align = max_t(unsigned long, align, PAGE_SIZE);
	xa_for_each(&iopt->domains, index, domain)
		align = max(align, 1UL << __ffs(domain->pgsize_bitmap));
	xa_for_each(&iopt->access_list, index, access)
		align = max(align, access->iova_alignment);
	return align;
}

/**
 * iopt_add_access() - let an in-kernel access use the table
 * @iopt: the table
 * @access: the access; its alignment becomes a bound of the IOVA alignment
 * @id: out: where the access sits in the access list
 *
 * Return: 0; EADDRINUSE if existing areas do not fit the access's
 * alignment; ENOMEM.
 */
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access,
		    u32 *id)
{
	int rc;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	rc = iopt_check_alignment(iopt, max(iopt->iova_alignment,
					    access->iova_alignment));
	if (rc)
		goto out_unlock;
	rc = xa_alloc(&iopt->access_list, id, access, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_unlock;
	iopt->iova_alignment = iopt_needed_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_remove_access() - undo iopt_add_access()
 * @iopt: the table
 * @access: the access
 * @id: as returned by iopt_add_access()
 */
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access, u32 id)
{
	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	WARN_ON(xa_erase(&iopt->access_list, id) != access);
	iopt->iova_alignment = iopt_needed_alignment(iopt);
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
}

/* Reserve what lies outside the domain's aperture, owned by the domain. */
static int iopt_reserve_aperture(struct io_pagetable *iopt,
				 struct iommu_domain *domain)
{
	dma_addr_t start = domain->geometry.aperture_start;
	dma_addr_t end = domain->geometry.aperture_end;
	int rc;

	if (!domain->geometry.force_aperture)
		return 0;
	if (start) {
		rc = __iopt_reserve_iova(iopt, 0, start - 1, domain);
		if (rc)
			return rc;
	}
	if (end < ULONG_MAX) {
		rc = __iopt_reserve_iova(iopt, end + 1, ULONG_MAX, domain);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * iopt_table_add_domain() - make a domain mirror the IOAS
 * @iopt: the table
 * @domain: an empty paging domain
 *
 * The domain gets every existing area, and from now on every new one. Its
 * aperture becomes reserved IOVA and its smallest page size a lower bound
 * of the IOVA alignment.
 *
 * Return: 0; EINVAL if its smallest page is larger than PAGE_SIZE;
 * EADDRINUSE if an existing area does not fit the new alignment or lies
 * outside the aperture (or an allowed range does); errors of pinning
 * (EFAULT, ENOMEM over RLIMIT_MEMLOCK). On failure nothing changed.
 */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain)
{
	unsigned long min_pgsize = 1UL << __ffs(domain->pgsize_bitmap);
	struct iopt_area *area, *failed;
	int rc;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);

	if (min_pgsize > PAGE_SIZE) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iopt_check_alignment(iopt, max(iopt->iova_alignment, min_pgsize));
	if (rc)
		goto out_unlock;
	rc = iopt_reserve_aperture(iopt, domain);
	if (rc)
		goto out_reserved;
	/* Take the slot now, so that nothing can fail after filling. */
	rc = xa_reserve(&iopt->domains, iopt->num_domains, GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_reserved;

	/*
	 * Filling may pin and fault in a lot of memory, with pin workers
	 * (pin_workers.c) that the fill waits for. Held for reading, the
	 * IOVA lock still keeps out everything that edits areas (splitting
	 * one takes it for writing; MAP, UNMAP and COPY need domains_rwsem
	 * too), while accesses and lookups carry on.
	 */
	downgrade_write(&iopt->iova_rwsem);
	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		rc = iopt_area_fill_domain(area, area->pages, domain,
					   iopt->disable_large_pages);
		if (rc)
			goto out_unfill;
	}
	up_read(&iopt->iova_rwsem);
	down_write(&iopt->iova_rwsem);

	xa_store(&iopt->domains, iopt->num_domains, domain, GFP_KERNEL);
	iopt->num_domains++;
	WRITE_ONCE(iopt->pgsize_bitmap,
		   iopt->pgsize_bitmap & domain->pgsize_bitmap);
	iopt->iova_alignment = iopt_needed_alignment(iopt);
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return 0;

out_unfill:
	failed = area;
	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX) {
		if (area == failed)
			break;
		iopt_area_unfill_domain(area, area->pages, domain,
					iopt->num_domains ?
						xa_load(&iopt->domains, 0) :
						NULL);
	}
	up_read(&iopt->iova_rwsem);
	down_write(&iopt->iova_rwsem);
	xa_release(&iopt->domains, iopt->num_domains);
out_reserved:
	__iopt_remove_reserved_iova(iopt, domain);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_table_remove_domain() - stop a domain mirroring the IOAS
 * @iopt: the table
 * @domain: a domain added with iopt_table_add_domain()
 *
 * Every area is unmapped from the domain; pages that only this domain kept
 * in use are unpinned. The aperture reservation goes away.
 */
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain)
{
	struct iommu_domain *other = NULL, *iter;
	unsigned long index, found = ULONG_MAX;
	unsigned long pgsize_bitmap;
	struct iopt_area *area;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);

	xa_for_each(&iopt->domains, index, iter) {
		if (iter == domain)
			found = index;
		else if (!other)
			other = iter;
	}
	if (WARN_ON(found == ULONG_MAX))
		goto out_unlock;

	for_each_iopt_area(area, &iopt->area_itree, 0, ULONG_MAX)
		iopt_area_unfill_domain(area, area->pages, domain, other);

	/* Keep the indices dense: the last domain takes the freed slot. */
	iopt->num_domains--;
	if (found != iopt->num_domains)
		xa_store(&iopt->domains, found,
			 xa_load(&iopt->domains, iopt->num_domains),
			 GFP_KERNEL);
	xa_erase(&iopt->domains, iopt->num_domains);
	pgsize_bitmap = ULONG_MAX;
	xa_for_each(&iopt->domains, index, iter)
		pgsize_bitmap &= iter->pgsize_bitmap;
	WRITE_ONCE(iopt->pgsize_bitmap, pgsize_bitmap);

	__iopt_remove_reserved_iova(iopt, domain);
	iopt->iova_alignment = iopt_needed_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
}

/**
 * iopt_disable_large_pages() - map only PAGE_SIZE IOPTEs from now on
 * @iopt: the table
 *
 * The IOVA alignment becomes at least PAGE_SIZE.
 *
 * Return: 0, or EADDRINUSE if an existing area is not page aligned.
 */
int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int rc = 0;

	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (iopt->disable_large_pages)
		goto out_unlock;
	/* Mapped domains already hold large IOPTEs that would stay. */
	if (iopt->num_domains &&
	    !RB_EMPTY_ROOT(&iopt->area_itree.rb_root)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iopt_check_alignment(iopt, PAGE_SIZE);
	if (rc)
		goto out_unlock;
	iopt->disable_large_pages = true;
	iopt->iova_alignment = iopt_needed_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_enable_large_pages() - allow large IOPTEs again
 * @iopt: the table
 */
void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	iopt->disable_large_pages = false;
	iopt->iova_alignment = iopt_needed_alignment(iopt);
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
}
