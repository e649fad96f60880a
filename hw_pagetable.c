// SPDX-License-Identifier: GPL-2.0-only
/*
 * HW pagetables (HWPT): IOMMU domains that mirror an IOAS.
 *
 * A paging HWPT owns one IOMMU domain and holds a reference on its IOAS,
 * whose every mapping it carries (io_pagetable.c fills it). Devices attach
 * to HWPTs. An HWPT made by attaching a device straight to an IOAS is
 * "automatic": other devices attaching to that IOAS reuse it, and it goes
 * away with its last device. One made by IOMMU_HWPT_ALLOC is "manual":
 * only explicit attach uses it and only DESTROY frees it.
 */
#include <linux/iommu.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt =
		container_of(obj, struct iommufd_hwpt_paging, obj);

	/* An aborted HWPT was never listed; its creator holds ioas->mutex. */
	if (!list_empty(&hwpt->hwpt_item)) {
		mutex_lock(&hwpt->ioas->mutex);
		list_del(&hwpt->hwpt_item);
		mutex_unlock(&hwpt->ioas->mutex);
	}
	if (hwpt->domain_added)
		iopt_table_remove_domain(&hwpt->ioas->iopt, hwpt->domain);
	if (hwpt->domain)
		iommu_domain_free(hwpt->domain);
	refcount_dec(&hwpt->ioas->obj.users);
}

/**
 * iommufd_hwpt_paging_alloc() - make an unpublished paging HWPT
 * @ictx: the context
 * @ioas: the IOAS it mirrors
 * @idev: the device whose IOMMU makes the domain
 * @flags: IOMMU_HWPT_ALLOC_* flags
 * @auto_domain: reusable by attaches to @ioas, freed with its last device
 * @attach: attach @idev, which must be detached, before the fill
 *
 * The domain is filled with every mapping of @ioas before this returns.
 * With @attach the empty domain is attached to @idev's group first, as
 * type1 does it: some IOMMU drivers (Intel's in 6.1) fit a domain to the
 * IOMMU, its address width and page sizes, only when a device first
 * attaches, and enforcing cache coherency only affects IOPTEs written
 * afterwards. The device cannot have DMA in flight, as it was detached.
 *
 * Return: the HWPT, to be finalized or aborted, or an ERR_PTR: the
 * provider's allocation error, the attach's, or those of
 * iopt_table_add_domain(). On failure @idev is detached again.
 */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain, bool attach)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	hwpt = iommufd_object_alloc(ictx, hwpt, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(hwpt))
		return hwpt;
	INIT_LIST_HEAD(&hwpt->hwpt_item);
	refcount_inc(&ioas->obj.users);
	hwpt->ioas = ioas;
	hwpt->auto_domain = auto_domain;

	hwpt->domain = idev->ops->domain_alloc(idev, flags);
	if (IS_ERR(hwpt->domain)) {
		rc = PTR_ERR(hwpt->domain);
		hwpt->domain = NULL;
		goto out_abort;
	}
	hwpt->ops = idev->ops;

	if (attach) {
		const struct iommu_domain_ops *ops = hwpt->domain->ops;

		rc = iommufd_device_attach_new(idev, hwpt);
		if (rc)
			goto out_abort;
		if (ops->enforce_cache_coherency)
			hwpt->enforce_cache_coherency =
				ops->enforce_cache_coherency(hwpt->domain);
	}

	rc = iopt_table_add_domain(&ioas->iopt, hwpt->domain);
	if (rc)
		goto out_detach;
	hwpt->domain_added = true;
	return hwpt;

out_detach:
	if (attach)
		iommufd_device_detach_new(idev, hwpt);
out_abort:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
	return ERR_PTR(rc);
}

/*
 * Drop a device's reference; an automatic HWPT dies with its last one.
 * -EBUSY from the removal just means that it still has users. Its destroy
 * op takes ioas->mutex, so the caller must not hold it.
 */
void iommufd_hwpt_paging_put(struct iommufd_ctx *ictx,
			     struct iommufd_hwpt_paging *hwpt)
{
	lockdep_assert_not_held(&hwpt->ioas->mutex);

	if (hwpt->auto_domain)
		iommufd_object_remove(ictx, &hwpt->obj, hwpt->obj.id,
				      IOMMUFD_REMOVE_PUT);
	else
		refcount_dec(&hwpt->obj.users);
}

#define IOMMUFD_HWPT_ALLOC_FLAGS                                             \
	(IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING |    \
	 IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)

/*
 * A nested HWPT on @parent. This module cannot build one yet, but every
 * check upstream makes first is made here in its order, fault_id included,
 * so that only a request that would otherwise succeed hears EOPNOTSUPP.
 */
static int iommufd_hwpt_nested_check(struct iommufd_ctx *ictx,
				     struct iommu_hwpt_alloc *cmd,
				     struct iommufd_device *idev,
				     struct iommufd_hwpt_paging *parent)
{
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID) || !cmd->data_len ||
	    !idev->ops->nested_data_type)
		return -EOPNOTSUPP;
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->ops != idev->ops)
		return -EINVAL;
	if (cmd->data_type != idev->ops->nested_data_type)
		return -EOPNOTSUPP;
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		rc = iommufd_get_absent_object(ictx, cmd->fault_id);
		if (rc)
			return rc;
	}
	return -EOPNOTSUPP;
}

/**
 * iommufd_hwpt_alloc() - IOMMU_HWPT_ALLOC
 * @ucmd: the command
 *
 * The order of the checks is upstream's: __reserved and the
 * data_type/data_len pair, then dev_id (ENOENT) and pt_id (EINVAL for
 * anything that is not an IOAS or a paging HWPT), then the flags and data
 * the kind of HWPT allows, then the allocation, and only then fault_id.
 *
 * Return: 0 with the new paging HWPT's ID copied out, or an errno.
 */
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *pt_obj;
	struct iommufd_device *idev;
	struct iommufd_ioas *ioas;
	u32 flags;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	/* A bad pt_id is EINVAL here, not ENOENT: upstream's quirk. */
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_idev;
	}
	if (pt_obj->type == IOMMUFD_OBJ_HWPT_PAGING) {
		hwpt = container_of(pt_obj, struct iommufd_hwpt_paging, obj);
		rc = iommufd_hwpt_nested_check(ucmd->ictx, cmd, idev, hwpt);
		goto out_put_pt;
	}
	if (pt_obj->type != IOMMUFD_OBJ_IOAS) {
		rc = -EINVAL;
		goto out_put_pt;
	}
	ioas = container_of(pt_obj, struct iommufd_ioas, obj);

	if (cmd->flags & ~IOMMUFD_HWPT_ALLOC_FLAGS) {
		rc = -EOPNOTSUPP;
		goto out_put_pt;
	}
	/* Driver-specific data belongs to nested HWPTs only. */
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE) {
		rc = -EOPNOTSUPP;
		goto out_put_pt;
	}

	/* FAULT_ID_VALID is iommufd's business, not the provider's. */
	flags = cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID;
	mutex_lock(&ioas->mutex);
	hwpt = iommufd_hwpt_paging_alloc(ucmd->ictx, ioas, idev, flags, false,
					 false);
	mutex_unlock(&ioas->mutex);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_pt;
	}
	hwpt->nest_parent = cmd->flags & IOMMU_HWPT_ALLOC_NEST_PARENT;

	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		rc = iommufd_get_absent_object(ucmd->ictx, cmd->fault_id);
		if (rc)
			goto out_abort;
	}

	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
	goto out_put_pt;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
out_put_pt:
	iommufd_put_object(ucmd->ictx, pt_obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/**
 * iommufd_hwpt_set_dirty_tracking() - IOMMU_HWPT_SET_DIRTY_TRACKING
 * @ucmd: the command
 *
 * The 6.1 IOMMU core has no dirty-tracking interface, so no domain here
 * can track dirty pages; upstream answers EOPNOTSUPP for such a domain,
 * after the same flag check and the HWPT lookup.
 *
 * Return: EOPNOTSUPP, or ENOENT if hwpt_id is not a paging HWPT.
 */
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;

	/* Upstream does not check __reserved here. */
	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;

	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return -EOPNOTSUPP;
}

/* The range checks upstream makes before it asks the domain for bits. */
static int iommufd_dirty_check_range(struct io_pagetable *iopt,
				     struct iommu_hwpt_get_dirty_bitmap *cmd)
{
	unsigned long align = READ_ONCE(iopt->iova_alignment);
	u64 last;

	if (check_add_overflow(cmd->iova, cmd->length - 1, &last))
		return -EOVERFLOW;
	if (cmd->iova > ULONG_MAX || last > ULONG_MAX)
		return -EOVERFLOW;
	if ((cmd->iova & (align - 1)) || ((last + 1) & (align - 1)))
		return -EINVAL;
	if (!cmd->page_size)
		return -EINVAL;
	if ((cmd->iova & (cmd->page_size - 1)) ||
	    ((last + 1) & (cmd->page_size - 1)))
		return -EINVAL;
	return 0;
}

/**
 * iommufd_hwpt_get_dirty_bitmap() - IOMMU_HWPT_GET_DIRTY_BITMAP
 * @ucmd: the command
 *
 * As for SET_DIRTY_TRACKING; upstream checks the range before it finds
 * out that the domain cannot track, and so does this.
 *
 * Return: EOPNOTSUPP, or ENOENT, EOVERFLOW or EINVAL for a bad request.
 */
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;

	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	rc = iommufd_dirty_check_range(&hwpt->ioas->iopt, cmd);
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return rc ?: -EOPNOTSUPP;
}

/**
 * iommufd_hwpt_invalidate() - IOMMU_HWPT_INVALIDATE
 * @ucmd: the command
 *
 * Cache invalidation is for nested HWPTs and vIOMMUs, which this module
 * does not make: any object that exists is the wrong kind, EINVAL, as
 * upstream answers for a paging HWPT. Like upstream, entry_num is written
 * back, as 0 entries done, whatever the outcome.
 *
 * Return: EINVAL, ENOENT or EOPNOTSUPP; EFAULT if entry_num cannot be
 * written back.
 */
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommufd_object *pt_obj;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len)) {
		rc = -EINVAL;
		goto out;
	}

	pt_obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = PTR_ERR(pt_obj);
		goto out;
	}
	rc = -EINVAL;
	iommufd_put_object(ucmd->ictx, pt_obj);
out:
	cmd->entry_num = 0;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}
