// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS objects: the ioctls that create and inspect I/O address spaces.
 * The address space itself is an &struct io_pagetable (io_pagetable.c).
 */
#include <linux/slab.h>
#include <linux/iommufd.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iopt_destroy_table(&ioas->iopt);
}

/**
 * iommufd_ioas_alloc() - allocate an unpublished, empty IOAS
 * @ictx: the owning context
 *
 * Return: the IOAS, to be finalized or aborted by the caller, or an ERR_PTR.
 */
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_object_alloc(ictx, ioas, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(ioas))
		return ioas;
	iopt_init_table(&ioas->iopt);
	return ioas;
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	cmd->out_ioas_id = ioas->obj.id;
	ret = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		/* The user never learnt the ID, so it must not stay taken. */
		iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		return ret;
	}
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}

int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range __user *uranges;
	struct iommu_iova_range range;
	struct iommufd_ioas *ioas;
	struct iopt_hole_iter iter;
	u32 max_iovas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	uranges = u64_to_user_ptr(cmd->allowed_iovas);
	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 0;

	/* One snapshot: the reserved set cannot change while we count. */
	down_read(&ioas->iopt.iova_rwsem);
	for (iopt_hole_iter_first(&iter, &ioas->iopt); !iter.done;
	     iopt_hole_iter_next(&iter)) {
		if (cmd->num_iovas < max_iovas) {
			range.start = iter.start;
			range.last = iter.last;
			if (copy_to_user(&uranges[cmd->num_iovas], &range,
					 sizeof(range))) {
				ret = -EFAULT;
				goto out_unlock;
			}
		}
		cmd->num_iovas++;
	}
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	ret = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	/* The counts are reported even when the array was too small. */
	if (!ret && cmd->num_iovas > max_iovas)
		ret = -EMSGSIZE;
out_unlock:
	up_read(&ioas->iopt.iova_rwsem);
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return ret;
}
