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
 *
 * The domain is filled with every mapping of @ioas before this returns.
 *
 * Return: the HWPT, to be finalized or aborted, or an ERR_PTR: the
 * provider's allocation error, or those of iopt_table_add_domain().
 */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain)
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

	rc = iopt_table_add_domain(&ioas->iopt, hwpt->domain);
	if (rc)
		goto out_abort;
	hwpt->domain_added = true;
	return hwpt;

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

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *pt_obj;
	struct iommufd_device *idev;
	struct iommufd_ioas *ioas;
	int rc;

	if ((cmd->flags & ~IOMMUFD_HWPT_ALLOC_FLAGS) || cmd->__reserved)
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
	if (pt_obj->type != IOMMUFD_OBJ_IOAS) {
		/* Nested HWPTs need a nesting-capable IOMMU: not on 6.1. */
		rc = -EINVAL;
		goto out_put_pt;
	}
	ioas = container_of(pt_obj, struct iommufd_ioas, obj);

	/* Driver-specific data belongs to nested HWPTs only. */
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE) {
		rc = -EOPNOTSUPP;
		goto out_put_pt;
	}

	mutex_lock(&ioas->mutex);
	hwpt = iommufd_hwpt_paging_alloc(ucmd->ictx, ioas, idev, cmd->flags,
					 false);
	mutex_unlock(&ioas->mutex);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_pt;
	}

	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
		goto out_put_pt;
	}
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
out_put_pt:
	iommufd_put_object(ucmd->ictx, pt_obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}
