// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page sets: the memory behind IOAS mappings.
 *
 * A page set (&struct iopt_pages) stands for a range of user memory of the
 * process that mapped it. It records which mm the pages come from, which
 * task and user the pins are charged to, and whether the memory may be
 * written. Areas reference page sets; COPY makes more areas on the same
 * set, so however many IOVAs map a page, the set is the one place where
 * that page is pinned and charged.
 *
 * Nothing is pinned while no domain or in-kernel access needs the pages:
 * a MAP into an IOAS with nothing attached only records the range.
 */
#include <linux/kref.h>
#include <linux/cred.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "io_pagetable.h"
#include "iommufd_private.h"

/**
 * iopt_alloc_pages() - describe user memory of the calling process
 * @uptr: first byte
 * @length: bytes
 * @writable: later pins may be for writing
 * @account_mode: &enum iopt_account_mode for the pins
 *
 * Return: the page set with one reference, ERR_PTR(-EINVAL) for an empty
 * or absurdly long range, ERR_PTR(-EOVERFLOW) if the range wraps, or
 * ERR_PTR(-ENOMEM).
 */
struct iopt_pages *iopt_alloc_pages(void __user *uptr, unsigned long length,
				    bool writable, u8 account_mode)
{
	unsigned long start = (unsigned long)uptr, end;
	struct iopt_pages *pages;

	if (!length || length > SIZE_MAX - PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(start, length, &end))
		return ERR_PTR(-EOVERFLOW);

	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	pages->uptr = (void __user *)ALIGN_DOWN(start, PAGE_SIZE);
	pages->npages = DIV_ROUND_UP(end - ALIGN_DOWN(start, PAGE_SIZE),
				     PAGE_SIZE);
	pages->writable = writable;
	pages->account_mode = account_mode;

	/* The group leader outlives any thread that may have mapped this. */
	pages->source_task = current->group_leader;
	get_task_struct(pages->source_task);
	pages->source_mm = current->mm;
	mmgrab(pages->source_mm);
	pages->source_user = get_uid(current_user());
	return pages;
}

void iopt_release_pages(struct kref *kref)
{
	struct iopt_pages *pages = container_of(kref, struct iopt_pages, kref);

	WARN_ON(pages->npinned);
	put_task_struct(pages->source_task);
	mmdrop(pages->source_mm);
	free_uid(pages->source_user);
	mutex_destroy(&pages->mutex);
	kfree(pages);
}
