// SPDX-License-Identifier: GPL-2.0-only
/*
 * The commands of upstream's virtual-IOMMU layer: FAULT_QUEUE_ALLOC,
 * VIOMMU_ALLOC, VDEVICE_ALLOC, VEVENTQ_ALLOC and HW_QUEUE_ALLOC.
 *
 * None of the objects they make (FAULT, vIOMMU, vDEVICE, vEVENTQ, HW
 * queue) exists in this module yet. Each command still makes upstream's
 * checks in upstream's order: its flag, reserved-field and value checks,
 * then every object ID it takes, with the errno upstream gives for a
 * missing ID or one of the wrong type. It answers EOPNOTSUPP only where
 * upstream would go on to make the object, so userspace sees the same
 * error for a bad request as on upstream, and EOPNOTSUPP only for a good
 * one. An ID that has to name one of the missing kinds can name nothing,
 * so it is always ENOENT (iommufd_get_absent_object()).
 */
#include <linux/overflow.h>
#include <linux/iommufd.h>

#include "iommufd_private.h"

/*
 * Type 0 of vIOMMUs, vEVENTQs and HW queues is upstream's DEFAULT
 * placeholder, which no driver implements; the uAPI header here does not
 * list those types yet.
 */
#define IOMMUFD_VIRT_TYPE_DEFAULT 0

/**
 * iommufd_fault_alloc() - IOMMU_FAULT_QUEUE_ALLOC
 * @ucmd: the command
 *
 * It takes no ID; only its flags are checked first.
 *
 * Return: EOPNOTSUPP.
 */
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	return -EOPNOTSUPP;
}

/**
 * iommufd_viommu_alloc() - IOMMU_VIOMMU_ALLOC
 * @ucmd: the command
 *
 * Checked in order: flags and the type; dev_id; whether the device's
 * IOMMU knows the type (upstream asks the driver before it looks at
 * hwpt_id); hwpt_id, which must be a paging HWPT made with NEST_PARENT.
 *
 * Return: EOPNOTSUPP, ENOENT or EINVAL.
 */
int iommufd_viommu_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_device *idev;
	int rc;

	/* Upstream does not check __reserved here. */
	if (cmd->flags || cmd->type == IOMMUFD_VIRT_TYPE_DEFAULT)
		return -EOPNOTSUPP;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	if (!idev->ops->viommu_type || idev->ops->viommu_type != cmd->type) {
		rc = -EOPNOTSUPP;
		goto out_put_idev;
	}

	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_idev;
	}
	rc = hwpt->nest_parent ? -EOPNOTSUPP : -EINVAL;
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/**
 * iommufd_vdevice_alloc() - IOMMU_VDEVICE_ALLOC
 * @ucmd: the command
 *
 * Checked in order: virt_id, then viommu_id, then (never reached, as no
 * vIOMMU exists) dev_id.
 *
 * Return: EINVAL or ENOENT.
 */
int iommufd_vdevice_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;

	/* virt_id indexes an xarray upstream */
	if (cmd->virt_id > ULONG_MAX)
		return -EINVAL;
	/* No vIOMMU exists, so dev_id is never reached. */
	return iommufd_get_absent_object(ucmd->ictx, cmd->viommu_id);
}

/**
 * iommufd_veventq_alloc() - IOMMU_VEVENTQ_ALLOC
 * @ucmd: the command
 *
 * Checked in order: flags, __reserved and type; the depth; viommu_id.
 *
 * Return: EOPNOTSUPP, EINVAL or ENOENT.
 */
int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMUFD_VIRT_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth)
		return -EINVAL;
	return iommufd_get_absent_object(ucmd->ictx, cmd->viommu_id);
}

/**
 * iommufd_hw_queue_alloc() - IOMMU_HW_QUEUE_ALLOC
 * @ucmd: the command
 *
 * Checked in order: flags and type; the IOVA range; viommu_id.
 *
 * Return: EOPNOTSUPP, EINVAL, EOVERFLOW or ENOENT.
 */
int iommufd_hw_queue_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	u64 last;

	if (cmd->flags || cmd->type == IOMMUFD_VIRT_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (check_add_overflow(cmd->nesting_parent_iova, cmd->length - 1,
			       &last))
		return -EOVERFLOW;
	return iommufd_get_absent_object(ucmd->ictx, cmd->viommu_id);
}
