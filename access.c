// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACCESS objects: the in-kernel access kAPI (include/linux/iommufd.h).
 *
 * An access lets a driver (a mediated device, say) reach an IOAS through
 * the CPU: pin the pages behind an IOVA range, or copy to and from it. In
 * return the driver must drop its pins when told that a range is going
 * away (&iommufd_access_ops.unmap).
 *
 * Those callbacks run with no lock of the IOAS held, under the access's
 * unmap_rwsem held for reading. Detach, replace and destroy make a
 * callback themselves and then take unmap_rwsem for writing, which waits
 * for the callbacks UNMAPs started; they take it once at the start as
 * well. So a driver that holds a lock across them which its callback also
 * takes shows up in lockdep as a cycle through unmap_rwsem, before it can
 * deadlock.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "iommufd_private.h"
#include "iommufd_trace.h"

/* The driver's unmap callback, timed for the tracepoint. */
static void iommufd_access_unmap_cb(struct iommufd_access *access,
				    unsigned long iova, unsigned long length)
{
	u64 start = ktime_get_ns();

	access->ops->unmap(access->data, iova, length);
	trace_iommufd_access_unmap(access->obj.id, iova, length,
				   ktime_get_ns() - start);
}

static void iommufd_access_call_unmap(struct iommufd_access *access,
				      unsigned long iova, unsigned long length)
{
	if (!access->ops->unmap)
		return;
	down_read(&access->unmap_rwsem);
	iommufd_access_unmap_cb(access, iova, length);
	up_read(&access->unmap_rwsem);
}

/* Wait for the unmap callbacks running now. */
static void iommufd_access_wait_unmap(struct iommufd_access *access)
{
	down_write(&access->unmap_rwsem);
	up_write(&access->unmap_rwsem);
}

/*
 * Call an access back for an UNMAP of @iopt. Between finding the access in
 * @iopt's list and getting here, a detach or replace may have left @iopt
 * and returned, promising no more callbacks for it: check again under
 * unmap_rwsem, which such a detach takes for writing only after it has
 * moved the access on, so that it waits for this callback if it runs.
 */
static void iommufd_access_notify_one(struct iommufd_access *access,
				      struct io_pagetable *iopt,
				      unsigned long iova, unsigned long length)
{
	bool attached;

	if (!access->ops->unmap)
		return;
	down_read(&access->unmap_rwsem);
	mutex_lock(&access->ioas_lock);
	attached = access->ioas_unpin && &access->ioas_unpin->iopt == iopt;
	mutex_unlock(&access->ioas_lock);
	if (attached)
		iommufd_access_unmap_cb(access, iova, length);
	up_read(&access->unmap_rwsem);
}

/**
 * iommufd_access_notify_unmap() - tell every access of an IOAS that a range
 *	is going away
 * @iopt: the IOAS's table; no lock of it is held
 * @iova: first IOVA of the range
 * @length: its length
 *
 * Each access is kept alive by a short-term reference while its callback
 * runs, which iommufd_access_destroy() waits for.
 */
void iommufd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length)
{
	struct iommufd_access *access;
	unsigned long index;

	xa_lock(&iopt->access_list);
	xa_for_each(&iopt->access_list, index, access) {
		if (!iommufd_lock_obj(&access->obj))
			continue;
		xa_unlock(&iopt->access_list);
		iommufd_access_notify_one(access, iopt, iova, length);
		iommufd_put_object(access->ictx, &access->obj);
		xa_lock(&iopt->access_list);
	}
	xa_unlock(&iopt->access_list);
}

void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	WARN_ON(access->ioas || access->ioas_unpin);
	mutex_destroy(&access->ioas_lock);
	/* unmap_rwsem needs no teardown. */
	mutex_destroy(&access->change_lock);
	iommufd_ctx_put(access->ictx);
}

/**
 * iommufd_access_create() - create an in-kernel access
 * @ictx: the context it belongs to
 * @ops: the driver's callbacks; @ops->unmap is required with
 *	@ops->needs_pin_pages
 * @data: passed back to @ops
 * @id: out: the ACCESS object's ID (VFIO reports it as the device's ID)
 *
 * The access is not attached to any IOAS yet. It holds a reference on the
 * context, and the driver holds the object until iommufd_access_destroy(),
 * so userspace cannot DESTROY it.
 *
 * Context: process context; may sleep.
 * Return: the access, ERR_PTR(-EINVAL) for bad @ops, or ERR_PTR(-ENOMEM).
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id)
{
	struct iommufd_access *access;

	if (WARN_ON(ops->needs_pin_pages && !ops->unmap))
		return ERR_PTR(-EINVAL);

	access = iommufd_object_alloc(ictx, access, IOMMUFD_OBJ_ACCESS);
	if (IS_ERR(access))
		return access;
	access->ops = ops;
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? PAGE_SIZE : 1;
	mutex_init(&access->change_lock);
	init_rwsem(&access->unmap_rwsem);
	mutex_init(&access->ioas_lock);
	access->ictx = ictx;
	iommufd_ctx_get(ictx);

	/* The driver's reference: DESTROY of an access is EBUSY. */
	refcount_inc(&access->obj.users);
	iommufd_object_finalize(ictx, &access->obj);
	*id = access->obj.id;
	return access;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_create, IOMMUFD);

/* Join @ioas_id's IOAS; the caller holds change_lock. */
static int iommufd_access_join(struct iommufd_access *access, u32 ioas_id,
			       struct iommufd_ioas **out_ioas, u32 *list_id)
{
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_add_access(&ioas->iopt, access, list_id);
	if (rc) {
		iommufd_put_object(access->ictx, &ioas->obj);
		return rc;
	}
	/* Turn the lookup into the long-term reference the access keeps. */
	refcount_inc(&ioas->obj.users);
	iommufd_put_object(access->ictx, &ioas->obj);
	*out_ioas = ioas;
	return 0;
}

/*
 * Leave @ioas, whose pins the driver is told to drop first, and take up
 * @new (or nothing). The caller has already stopped new pins and rw
 * (access->ioas is NULL), so nothing can be pinned on @new while the
 * callback runs and then be unpinned from @ioas.
 */
static void iommufd_access_leave(struct iommufd_access *access,
				 struct iommufd_ioas *ioas, u32 list_id,
				 struct iommufd_ioas *new, u32 new_list_id)
{
	lockdep_assert_held(&access->change_lock);

	iommufd_access_call_unmap(access, 0, ULONG_MAX);

	mutex_lock(&access->ioas_lock);
	access->ioas = new;
	access->ioas_unpin = new;
	access->iopt_access_list_id = new_list_id;
	mutex_unlock(&access->ioas_lock);

	/* No new callback can come from @ioas; wait for those running. */
	iopt_remove_access(&ioas->iopt, access, list_id);
	iommufd_access_wait_unmap(access);
	refcount_dec(&ioas->obj.users);
}

/**
 * iommufd_access_attach() - attach an access to an IOAS
 * @access: an unattached access
 * @ioas_id: the IOAS
 *
 * Context: process context; may sleep; like detach, replace and destroy,
 * must not be called with a lock the unmap callback takes (they serialise
 * on one lock, which the callback runs under).
 * Return: 0; EINVAL if already attached; ENOENT if @ioas_id is not an IOAS;
 * EADDRINUSE if the IOAS has areas a pinning access cannot align with;
 * ENOMEM.
 */
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *ioas;
	u32 list_id;
	int rc;

	mutex_lock(&access->change_lock);
	if (WARN_ON(access->ioas || access->ioas_unpin)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iommufd_access_join(access, ioas_id, &ioas, &list_id);
	if (rc)
		goto out_unlock;
	mutex_lock(&access->ioas_lock);
	access->ioas = ioas;
	access->ioas_unpin = ioas;
	access->iopt_access_list_id = list_id;
	mutex_unlock(&access->ioas_lock);
out_unlock:
	mutex_unlock(&access->change_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_attach, IOMMUFD);

/**
 * iommufd_access_replace() - move an attached access to another IOAS
 * @access: an attached access
 * @ioas_id: the new IOAS
 *
 * The new IOAS is joined first; then the driver's unmap callback is called
 * for (0, ULONG_MAX), with no lock held, while unpins still go to the old
 * IOAS and new pins and rw fail with ENOENT; then the access moves to the
 * new IOAS and leaves the old one. Replacing with the current IOAS is a
 * successful no-op. On failure the access stays attached as it was.
 *
 * Context: process context; may sleep; must not be called with a lock the
 * unmap callback takes.
 * Waits for another attach or replace of the same access; when it runs
 * into a detach or destroy, fails with EBUSY instead. Returns only once no
 * callback for the old IOAS is running.
 *
 * Return: 0; ENOENT if not attached or @ioas_id is not an IOAS; EBUSY
 * when racing a detach or destroy; EADDRINUSE; ENOMEM.
 */
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *old, *ioas;
	u32 old_id, list_id;
	int rc;

	iommufd_access_wait_unmap(access);
	mutex_lock(&access->change_lock);
	if (READ_ONCE(access->detaching)) {
		/* Racing a detach or destroy. */
		rc = -EBUSY;
		goto out_unlock;
	}
	old = access->ioas;
	if (!old) {
		rc = -ENOENT;
		goto out_unlock;
	}
	if (old->obj.id == ioas_id) {
		rc = 0;
		goto out_unlock;
	}
	rc = iommufd_access_join(access, ioas_id, &ioas, &list_id);
	if (rc)
		goto out_unlock;

	/* Pins fail until the new IOAS is in; unpins go to the old one. */
	mutex_lock(&access->ioas_lock);
	old_id = access->iopt_access_list_id;
	access->ioas = NULL;
	mutex_unlock(&access->ioas_lock);

	iommufd_access_leave(access, old, old_id, ioas, list_id);
out_unlock:
	mutex_unlock(&access->change_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_replace, IOMMUFD);

/*
 * Mark a detach or destroy as under way, so that a replace racing it
 * fails with EBUSY instead of waiting, then take the change lock.
 */
static void iommufd_access_begin_detach(struct iommufd_access *access)
{
	iommufd_access_wait_unmap(access);
	mutex_lock(&access->ioas_lock);
	WRITE_ONCE(access->detaching, true);
	mutex_unlock(&access->ioas_lock);
	mutex_lock(&access->change_lock);
}

static void iommufd_access_end_detach(struct iommufd_access *access)
{
	mutex_lock(&access->ioas_lock);
	WRITE_ONCE(access->detaching, false);
	mutex_unlock(&access->ioas_lock);
	mutex_unlock(&access->change_lock);
}

static void __iommufd_access_detach(struct iommufd_access *access)
{
	struct iommufd_ioas *ioas;
	u32 list_id;

	lockdep_assert_held(&access->change_lock);

	mutex_lock(&access->ioas_lock);
	ioas = access->ioas;
	list_id = access->iopt_access_list_id;
	/* New pins and rw fail from here on; unpins still work. */
	access->ioas = NULL;
	mutex_unlock(&access->ioas_lock);
	iommufd_access_leave(access, ioas, list_id, NULL, 0);
}

/**
 * iommufd_access_detach() - detach an access from its IOAS
 * @access: an attached access
 *
 * Calls the driver's unmap callback for (0, ULONG_MAX) first, and returns
 * only once no callback for the old IOAS is running.
 *
 * Context: process context; may sleep; must not be called with a lock the
 * unmap callback takes.
 */
void iommufd_access_detach(struct iommufd_access *access)
{
	iommufd_access_begin_detach(access);
	if (!WARN_ON(!access->ioas))
		__iommufd_access_detach(access);
	iommufd_access_end_detach(access);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_detach, IOMMUFD);

/**
 * iommufd_access_destroy() - destroy an access
 * @access: the access; invalid afterwards
 *
 * Detaches it if needed (which calls the unmap callback), then waits for
 * unmap callbacks that UNMAPs started before. After this returns no
 * callback is running or will run. Never fails.
 *
 * Context: process context; may sleep; must not be called with a lock the
 * unmap callback takes.
 */
void iommufd_access_destroy(struct iommufd_access *access)
{
	iommufd_access_begin_detach(access);
	if (access->ioas)
		__iommufd_access_detach(access);
	iommufd_access_end_detach(access);
	iommufd_object_remove(access->ictx, &access->obj, access->obj.id,
			      IOMMUFD_REMOVE_PUT | IOMMUFD_REMOVE_WAIT);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_destroy, IOMMUFD);

/*
 * Undo the pins of [iova, last] in @iopt, which were all made: one
 * iopt_area_remove_access() per area piece, as they were added.
 */
static void iommufd_access_unpin_range(struct io_pagetable *iopt,
				       unsigned long iova, unsigned long last)
{
	struct iopt_area *area;

	lockdep_assert_held(&iopt->iova_rwsem);

	for_each_iopt_area(area, &iopt->area_itree, iova, last) {
		unsigned long piece = max(iova, iopt_area_iova(area));
		unsigned long piece_last = min(last, iopt_area_last_iova(area));

		unsigned long first_index, last_index;

		if (WARN_ON(!area->pages))
			continue;
		first_index = iopt_area_start_byte(area, piece) / PAGE_SIZE;
		last_index = iopt_area_start_byte(area, piece_last) / PAGE_SIZE;
		iopt_area_remove_access(area, first_index, last_index);
	}
}

/**
 * iommufd_access_pin_pages() - pin the pages behind an IOVA range
 * @access: an attached access made with &iommufd_access_ops.needs_pin_pages
 * @iova: first IOVA; must fall on a page boundary of its area's memory
 * @length: bytes
 * @out_pages: one entry per page the range touches
 * @flags: IOMMUFD_ACCESS_RW_WRITE for a writable pin
 *
 * Pins may overlap and nest; each must be undone by
 * iommufd_access_unpin_pages() with the same @iova and @length.
 *
 * Context: process context; may sleep.
 * Return: 0; EINVAL for a zero length, a range not page aligned within its
 * areas or an area being unmapped; EOVERFLOW; ENOENT if not attached or
 * the range is not completely mapped; EPERM if the mapping does not allow
 * the access; EFAULT or ENOMEM from pinning. On error nothing is pinned.
 */
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	struct iopt_area_contig_iter iter;
	unsigned long last, npages = 0;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	int rc = -ENOENT;

	if (WARN_ON(!access->ops->needs_pin_pages))
		return -EINVAL;
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	mutex_lock(&access->ioas_lock);
	if (!access->ioas)
		goto out_unlock;
	iopt = &access->ioas->iopt;
	down_read(&iopt->iova_rwsem);
	iopt_for_each_contig_area(&iter, area, iopt, iova, last) {
		unsigned long start_byte =
			iopt_area_start_byte(area, iter.cur_iova);
		unsigned long last_index, piece_last;

		if (start_byte % PAGE_SIZE) {
			rc = -EINVAL;
			goto out_undo;
		}
		piece_last = iopt_area_contig_last(&iter);
		/*
		 * @out_pages has one entry per PAGE_SIZE of IOVA, so a piece
		 * that ends inside a page, other than the last, would make
		 * the next one fill the same entry again and the array
		 * overrun. Areas are made so that this cannot happen; check
		 * anyway, this is the driver's memory.
		 */
		if (piece_last != last &&
		    (iopt_area_start_byte(area, piece_last) + 1) % PAGE_SIZE) {
			rc = -EINVAL;
			goto out_undo;
		}
		last_index = iopt_area_start_byte(area, piece_last) /
			     PAGE_SIZE;
		rc = iopt_area_add_access(area, start_byte / PAGE_SIZE,
					  last_index, out_pages + npages,
					  flags & IOMMUFD_ACCESS_RW_WRITE);
		if (rc)
			goto out_undo;
		npages += last_index - start_byte / PAGE_SIZE + 1;
	}
	if (iter.done) {
		atomic_long_add(npages, &access->npinned);
		rc = 0;
		goto out_up;
	}
	rc = -ENOENT;
out_undo:
	/* Everything before the current piece was pinned. */
	if (iter.cur_iova != iova)
		iommufd_access_unpin_range(iopt, iova, iter.cur_iova - 1);
out_up:
	up_read(&iopt->iova_rwsem);
out_unlock:
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_pin_pages, IOMMUFD);

/**
 * iommufd_access_unpin_pages() - undo iommufd_access_pin_pages()
 * @access: the access
 * @iova: as passed to iommufd_access_pin_pages()
 * @length: as passed to iommufd_access_pin_pages()
 *
 * The caller must have stopped using the pages. Works during a replace,
 * against the IOAS the pages were pinned from.
 *
 * Context: process context; may sleep.
 */
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length)
{
	unsigned long last;

	if (WARN_ON(!length))
		return;
	if (WARN_ON(check_add_overflow(iova, length - 1, &last)))
		return;

	mutex_lock(&access->ioas_lock);
	if (!WARN_ON(!access->ioas_unpin)) {
		struct io_pagetable *iopt = &access->ioas_unpin->iopt;

		down_read(&iopt->iova_rwsem);
		iommufd_access_unpin_range(iopt, iova, last);
		up_read(&iopt->iova_rwsem);
		/*
		 * As many as pin_pages() counted: its pieces start on page
		 * boundaries of their areas, and all but the last end on
		 * one, whatever the IOVA's own alignment.
		 */
		atomic_long_sub(DIV_ROUND_UP(length, PAGE_SIZE),
				&access->npinned);
	}
	mutex_unlock(&access->ioas_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_unpin_pages, IOMMUFD);

/*
 * Copy through the owner's user mapping, which the caller can reach: it is
 * the owner, or a kthread that borrows the owner's mm, if that still
 * exists. Return: -ESRCH, having done nothing, if the owner's mm is gone.
 */
static int iommufd_access_rw_direct(struct iopt_pages *pages,
				    unsigned long uptr, void *data, size_t len,
				    bool write, bool use_mm)
{
	struct mm_struct *mm = pages->source_mm;
	unsigned long left;

	if (use_mm) {
		if (!mmget_not_zero(mm))
			return -ESRCH;
		kthread_use_mm(mm);
	}
	if (write)
		left = copy_to_user((void __user *)uptr, data, len);
	else
		left = copy_from_user(data, (void __user *)uptr, len);
	if (use_mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	return left ? -EFAULT : 0;
}

/**
 * iommufd_access_rw() - copy to or from an IOVA range with the CPU
 * @access: an attached access
 * @iova: first IOVA; any alignment
 * @data: kernel buffer
 * @len: bytes
 * @flags: IOMMUFD_ACCESS_RW_WRITE copies @data into the IOAS;
 *	IOMMUFD_ACCESS_RW_KTHREAD lets a kthread borrow the owner's mm
 *
 * For user memory, from the process that mapped it or a kthread with
 * IOMMUFD_ACCESS_RW_KTHREAD, this copies through the user mapping;
 * otherwise (and always for memory mapped from a file, or once the owner's
 * mm is gone) it copies through the pages pinned for devices and accesses,
 * pinning any other page briefly, which fails with EFAULT if the memory
 * is gone.
 *
 * Context: process context; may sleep.
 * Return: 0; EINVAL for a zero length or an area being unmapped;
 * EOVERFLOW; ENOENT if not attached or the range is not completely mapped;
 * EPERM if the mapping does not allow the access; EFAULT.
 */
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	struct iopt_area_contig_iter iter;
	struct io_pagetable *iopt;
	struct iopt_area *area;
	unsigned long last;
	int rc = -ENOENT;

	if (!len)
		return -EINVAL;
	if (check_add_overflow(iova, len - 1, &last))
		return -EOVERFLOW;

	mutex_lock(&access->ioas_lock);
	if (!access->ioas)
		goto out_unlock;
	iopt = &access->ioas->iopt;
	down_read(&iopt->iova_rwsem);
	iopt_for_each_contig_area(&iter, area, iopt, iova, last) {
		unsigned long piece = iter.cur_iova;
		size_t n = iopt_area_contig_last(&iter) - piece + 1;
		struct iopt_pages *pages = area->pages;
		unsigned long byte;
		bool use_mm, direct;

		if (area->prevent_access) {
			rc = -EINVAL;
			goto out_up;
		}
		if (write ? !(area->iommu_prot & IOMMU_WRITE) :
			    !(area->iommu_prot & IOMMU_READ)) {
			rc = -EPERM;
			goto out_up;
		}
		byte = iopt_area_start_byte(area, piece);
		use_mm = (flags & IOMMUFD_ACCESS_RW_KTHREAD) &&
			 (current->flags & PF_KTHREAD) && !current->mm;
		/* File memory has no user address to copy through. */
		direct = !(flags & __IOMMUFD_ACCESS_RW_SLOW_PATH) &&
			 !pages->file &&
			 (current->mm == pages->source_mm || use_mm);
		rc = direct ? iommufd_access_rw_direct(pages,
						       pages->start + byte,
						       data + (piece - iova),
						       n, write, use_mm) :
			      -ESRCH;
		/* Also when the owner's mm is gone: pinned pages outlive it. */
		if (rc == -ESRCH) {
			if (iommufd_should_fail())
				rc = -EINVAL;
			else
				rc = iopt_pages_rw(pages, byte,
						   data + (piece - iova), n,
						   write);
		}
		if (rc)
			goto out_up;
	}
	rc = iter.done ? 0 : -ENOENT;
out_up:
	up_read(&iopt->iova_rwsem);
out_unlock:
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_rw, IOMMUFD);
