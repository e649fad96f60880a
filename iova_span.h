/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walk an IOVA window as alternating "used" and "hole" spans, where used
 * means covered by at least one node of any of up to IOVA_SPAN_MAX_TREES
 * interval trees. 6.1's lib/interval_tree has no span iterator, and ours
 * can merge several trees (reserved ranges and areas, say) in one walk.
 *
 * Nodes may overlap, nest and touch, within a tree and across trees;
 * touching or overlapping nodes make one used span. All bounds are
 * inclusive, so a window may end at ULONG_MAX.
 */
#ifndef __IOMMUFD_IOVA_SPAN_H
#define __IOMMUFD_IOVA_SPAN_H

#include <linux/interval_tree.h>
#include <linux/types.h>

#define IOVA_SPAN_MAX_TREES 2

/**
 * struct iova_span_iter - position of a span walk
 * @start: first IOVA of the current span
 * @last: last IOVA of the current span (inclusive)
 * @is_hole: the current span is covered by no node
 * @done: the walk is over; the other fields mean nothing
 * @next: first IOVA after the current span
 * @window_last: last IOVA of the window
 * @at_end: the current span reaches @window_last
 * @nr_trees: number of entries used in @nodes
 * @nodes: per tree, the first node that may still matter, or NULL
 */
struct iova_span_iter {
	unsigned long start;
	unsigned long last;
	bool is_hole;
	bool done;

	unsigned long next;
	unsigned long window_last;
	bool at_end;
	unsigned int nr_trees;
	struct interval_tree_node *nodes[IOVA_SPAN_MAX_TREES];
};

void iova_span_iter_first(struct iova_span_iter *iter,
			  struct rb_root_cached *const *trees,
			  unsigned int nr_trees, unsigned long first,
			  unsigned long last);
void iova_span_iter_next(struct iova_span_iter *iter);

/*
 * The trees must not change during the walk: hold whatever lock guards
 * them across the whole loop.
 */
#define for_each_iova_span(iter, trees, nr_trees, first, last)           \
	for (iova_span_iter_first(iter, trees, nr_trees, first, last);    \
	     !(iter)->done; iova_span_iter_next(iter))

#endif
