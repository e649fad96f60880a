// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOVA space of an IOAS: which ranges are mapped, which are reserved
 * and which the user allowed for automatic allocation.
 *
 * Ranges are closed intervals: @last is the final byte, so a range that
 * ends at the top of the address space is representable.
 */
#include <linux/interval_tree.h>
#include <linux/kernel.h>

#include "iommufd_private.h"

void iopt_init_table(struct io_pagetable *iopt)
{
	init_rwsem(&iopt->iova_rwsem);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	/* Byte granular until a domain or an access asks for more. */
	iopt->iova_alignment = 1;
}

void iopt_destroy_table(struct io_pagetable *iopt)
{
	/* Nothing can be mapped, allowed or reserved yet. */
	WARN_ON(!RB_EMPTY_ROOT(&iopt->area_itree.rb_root));
	WARN_ON(!RB_EMPTY_ROOT(&iopt->allowed_itree.rb_root));
	WARN_ON(!RB_EMPTY_ROOT(&iopt->reserved_itree.rb_root));
}

/*
 * Step to the next hole: start just after everything reserved so far and
 * run to the next reserved node that begins beyond that point. Reserved
 * nodes may overlap and nest; the tree hands them out by ascending start.
 */
static void iopt_hole_iter_advance(struct iopt_hole_iter *iter)
{
	struct interval_tree_node *node = iter->node;

	while (node && node->start <= iter->next) {
		if (node->last == ULONG_MAX) {
			iter->done = true;
			return;
		}
		iter->next = max(iter->next, node->last + 1);
		node = interval_tree_iter_next(node, 0, ULONG_MAX);
	}
	iter->node = node;
	iter->start = iter->next;
	iter->last = node ? node->start - 1 : ULONG_MAX;
}

/**
 * iopt_hole_iter_first() - begin walking the unreserved IOVA ranges
 * @iter: iterator to initialise
 * @iopt: the table; iova_rwsem held by the caller for the whole walk
 *
 * Each step presents [@iter->start, @iter->last]; the walk is over when
 * @iter->done is set.
 */
void iopt_hole_iter_first(struct iopt_hole_iter *iter, struct io_pagetable *iopt)
{
	lockdep_assert_held(&iopt->iova_rwsem);

	iter->done = false;
	iter->next = 0;
	iter->node = interval_tree_iter_first(&iopt->reserved_itree, 0,
					      ULONG_MAX);
	iopt_hole_iter_advance(iter);
}

void iopt_hole_iter_next(struct iopt_hole_iter *iter)
{
	if (iter->last == ULONG_MAX) {
		iter->done = true;
		return;
	}
	iter->next = iter->last + 1;
	iopt_hole_iter_advance(iter);
}
