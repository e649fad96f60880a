// SPDX-License-Identifier: GPL-2.0-only
/*
 * Span walks over interval trees; see iova_span.h.
 *
 * Each tree hands out the nodes that overlap the window in ascending order
 * of start. Per tree the iterator keeps the first node it has not moved
 * past; a node is moved past once the walk is beyond its last byte.
 */
#include <linux/minmax.h>

#include "iova_span.h"

static struct interval_tree_node *span_node_next(struct iova_span_iter *iter,
						 struct interval_tree_node *n)
{
	return interval_tree_iter_next(n, 0, iter->window_last);
}

/* Work out the span that begins at iter->next. */
static void iova_span_step(struct iova_span_iter *iter)
{
	unsigned long pos = iter->next;
	bool covered = false, have_next = false, changed;
	unsigned long min_start = 0;
	unsigned long end;
	unsigned int i;

	for (i = 0; i != iter->nr_trees; i++) {
		struct interval_tree_node **n = &iter->nodes[i];

		while (*n && (*n)->last < pos)
			*n = span_node_next(iter, *n);
		if (!*n)
			continue;
		if ((*n)->start <= pos)
			covered = true;
		else if (!have_next || (*n)->start < min_start)
			min_start = (*n)->start;
		have_next |= (*n)->start > pos;
	}

	iter->start = pos;
	if (!covered) {
		iter->is_hole = true;
		/* min_start > pos, so min_start - 1 cannot underflow. */
		iter->last = have_next ? min(min_start - 1, iter->window_last) :
					 iter->window_last;
	} else {
		/*
		 * Grow the used span over every node that starts inside it or
		 * right after it, until a pass over all trees adds nothing.
		 */
		end = pos;
		do {
			changed = false;
			for (i = 0; i != iter->nr_trees; i++) {
				struct interval_tree_node **n = &iter->nodes[i];

				while (*n && (end == ULONG_MAX ||
					      (*n)->start <= end + 1)) {
					end = max(end, (*n)->last);
					*n = span_node_next(iter, *n);
					changed = true;
				}
			}
		} while (changed);
		iter->is_hole = false;
		iter->last = min(end, iter->window_last);
	}

	iter->at_end = iter->last == iter->window_last;
	iter->next = iter->last + 1;
}

/**
 * iova_span_iter_first() - start a span walk
 * @iter: the iterator
 * @trees: the interval trees whose nodes make "used" spans
 * @nr_trees: how many, at most IOVA_SPAN_MAX_TREES
 * @first: first IOVA of the window
 * @last: last IOVA of the window (inclusive), >= @first
 */
void iova_span_iter_first(struct iova_span_iter *iter,
			  struct rb_root_cached *const *trees,
			  unsigned int nr_trees, unsigned long first,
			  unsigned long last)
{
	unsigned int i;

	if (WARN_ON_ONCE(nr_trees > IOVA_SPAN_MAX_TREES || first > last)) {
		iter->done = true;
		return;
	}
	iter->done = false;
	iter->nr_trees = nr_trees;
	iter->window_last = last;
	iter->next = first;
	for (i = 0; i != nr_trees; i++)
		iter->nodes[i] = interval_tree_iter_first(trees[i], first, last);
	iova_span_step(iter);
}

/**
 * iova_span_iter_next() - move to the next span
 * @iter: the iterator; sets @iter->done after the last span
 */
void iova_span_iter_next(struct iova_span_iter *iter)
{
	if (iter->at_end) {
		iter->done = true;
		return;
	}
	iova_span_step(iter);
}
