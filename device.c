// SPDX-License-Identifier: GPL-2.0-only
/*
 * DEVICE objects: devices bound to an iommufd context, and their
 * attachment to HW pagetables.
 *
 * How a device's IOMMU is driven is behind &struct iommufd_dev_ops: the
 * IOMMU core's provider (device_iommu.c) and the test build's mock devices
 * each provide one, so the attach, replace and detach logic here is the
 * same code whatever the IOMMU is.
 *
 * A provider may list reserved regions (&iommufd_dev_ops.get_resv_regions):
 * IOVA the device's group must never see mapped, such as the MSI window.
 * They become reserved IOVA of the IOAS the device attaches to, owned by
 * the device, before the group is attached, and go away once it is
 * detached; a replace reserves them in the new IOAS before the switch and
 * drops them from the old one after it.
 *
 * Devices of one IOMMU group share one attachment (&struct iommufd_group):
 * the group is attached when its first device attaches and detached when
 * its last one detaches, and every device must name the same HWPT.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/iommufd.h>

#include "iommufd_private.h"
#include "iommufd_trace.h"

void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev =
		container_of(obj, struct iommufd_device, obj);

	WARN_ON(idev->hwpt);
	mutex_destroy(&idev->igroup->lock);
	kfree(idev->igroup);
	put_device(idev->dev);
	if (idev->group)
		iommu_group_put(idev->group);
}

/**
 * iommufd_device_bind_ops() - bind a device whose IOMMU @ops drive
 * @ictx: the context
 * @dev: the device (for a whole group, its first device)
 * @group: the IOMMU group the object stands for, or NULL; referenced
 *	until the object is destroyed
 * @ops: how to allocate domains for and attach @dev
 * @id: out: the DEVICE object's ID
 *
 * The caller owns the device object until iommufd_device_unbind(), so
 * userspace cannot DESTROY it. Each object has its own attachment
 * (&struct iommufd_group): it is a whole IOMMU group, or a mock device
 * that is its own group. The device holds no reference on @ictx: the
 * caller must unbind before the context goes away, as the test build's
 * mock devices do by living in the context's own object table.
 *
 * Return: the device, or ERR_PTR(-ENOMEM).
 */
struct iommufd_device *
iommufd_device_bind_ops(struct iommufd_ctx *ictx, struct device *dev,
			struct iommu_group *group,
			const struct iommufd_dev_ops *ops, u32 *id)
{
	struct iommufd_device *idev;

	idev = iommufd_object_alloc(ictx, idev, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(idev))
		return idev;
	idev->igroup = kzalloc(sizeof(*idev->igroup), GFP_KERNEL_ACCOUNT);
	if (!idev->igroup) {
		iommufd_object_abort(ictx, &idev->obj);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&idev->igroup->lock);
	idev->ictx = ictx;
	idev->dev = get_device(dev);
	if (group)
		idev->group = iommu_group_ref_get(group);
	idev->ops = ops;

	/* The binder's reference: DESTROY of a bound device is EBUSY. */
	refcount_inc(&idev->obj.users);
	iommufd_object_finalize(ictx, &idev->obj);
	*id = idev->obj.id;
	return idev;
}

/**
 * iommufd_device_unbind() - undo iommufd_device_bind_group()
 * @idev: a detached device
 *
 * Waits for ioctls that are looking at the device object to finish, then
 * drops the references on the device and its group. DMA ownership stays
 * with whoever claimed it.
 *
 * Context: process context; may sleep. The caller serialises all calls on
 * @idev.
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_object_remove(idev->ictx, &idev->obj, idev->obj.id,
			      IOMMUFD_REMOVE_PUT | IOMMUFD_REMOVE_WAIT);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_unbind, IOMMUFD);

/*
 * Reserve @idev's reserved regions in @iopt. A provider without them, or
 * a device that has none, leaves @iopt alone.
 */
static int iommufd_device_reserve(struct iommufd_device *idev,
				  struct io_pagetable *iopt, bool *reserved)
{
	LIST_HEAD(regions);
	int rc;

	lockdep_assert_held(&idev->igroup->lock);

	*reserved = false;
	if (!idev->ops->get_resv_regions)
		return 0;
	rc = idev->ops->get_resv_regions(idev, &regions);
	if (!rc && !list_empty(&regions)) {
		rc = iopt_reserve_resv_regions(iopt, &regions, idev);
		*reserved = !rc;
	}
	iommu_put_resv_regions(idev->dev, &regions);
	return rc;
}

static void iommufd_device_unreserve(struct iommufd_device *idev,
				     struct io_pagetable *iopt, bool reserved)
{
	lockdep_assert_held(&idev->igroup->lock);

	if (reserved)
		iopt_remove_reserved_iova(iopt, idev);
}

/*
 * Attach, or with @replace switch, @idev's group to @hwpt. The group is
 * only touched in the IOMMU when this changes its HWPT.
 */
static int iommufd_device_do_attach(struct iommufd_device *idev,
				    struct iommufd_hwpt_paging *hwpt,
				    bool replace,
				    struct iommufd_hwpt_paging **old_hwpt)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hwpt_paging *old;
	bool move_resv, reserved = false;
	int rc;

	mutex_lock(&igroup->lock);
	old = idev->hwpt;
	if (replace ? !old : !!old) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (old == hwpt) {
		/* Replacing with the HWPT already attached changes nothing. */
		*old_hwpt = NULL;
		rc = 0;
		goto out_unlock;
	}
	if (hwpt->ops != idev->ops) {
		rc = -EINVAL;
		goto out_unlock;
	}
	/* Within one IOAS the reservations already in place stay. */
	move_resv = !old || old->ioas != hwpt->ioas;
	if (move_resv) {
		rc = iommufd_device_reserve(idev, &hwpt->ioas->iopt, &reserved);
		if (rc)
			goto out_unlock;
	}
	if (old)
		rc = idev->ops->replace(idev, old->domain, hwpt->domain);
	else
		rc = idev->ops->attach(idev, hwpt->domain);
	if (rc) {
		iommufd_device_unreserve(idev, &hwpt->ioas->iopt, reserved);
		goto out_unlock;
	}
	if (move_resv) {
		if (old)
			iommufd_device_unreserve(idev, &old->ioas->iopt,
						 idev->resv_owned);
		idev->resv_owned = reserved;
	}

	refcount_inc(&hwpt->obj.users);
	idev->hwpt = hwpt;
	igroup->hwpt = hwpt;
	*old_hwpt = old;
out_unlock:
	mutex_unlock(&igroup->lock);
	trace_iommufd_device_attach(idev->obj.id, hwpt->obj.id,
				    old ? old->obj.id : 0, hwpt->ioas->obj.id,
				    rc);
	return rc;
}

/**
 * iommufd_device_attach_new() - attach a detached device to a new HWPT
 * @idev: a detached device
 * @hwpt: an HWPT being made, whose domain is still empty
 *
 * Return: 0, or the errors of an attach (see iommufd_device_attach()).
 */
int iommufd_device_attach_new(struct iommufd_device *idev,
			      struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_hwpt_paging *old;
	int rc;

	rc = iommufd_device_do_attach(idev, hwpt, false, &old);
	WARN_ON(!rc && old);
	return rc;
}

/**
 * iommufd_device_detach_new() - undo iommufd_device_attach_new()
 * @idev: the device
 * @hwpt: the HWPT, which is being aborted
 */
void iommufd_device_detach_new(struct iommufd_device *idev,
			       struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_group *igroup = idev->igroup;

	mutex_lock(&igroup->lock);
	if (!WARN_ON(idev->hwpt != hwpt)) {
		idev->ops->detach(idev, hwpt->domain);
		iommufd_device_unreserve(idev, &hwpt->ioas->iopt,
					 idev->resv_owned);
		idev->resv_owned = false;
		idev->hwpt = NULL;
		igroup->hwpt = NULL;
		refcount_dec(&hwpt->obj.users);
		trace_iommufd_device_detach(idev->obj.id, hwpt->obj.id, 0,
					    hwpt->ioas->obj.id, 0);
	}
	mutex_unlock(&igroup->lock);
}

/*
 * Attach to an IOAS: reuse one of its automatic HWPTs that suits the
 * device (EINVAL from a candidate means "incompatible, try the next"),
 * else make a new one.
 *
 * A candidate may be losing its last device right now. Its removal decides
 * with refcount_dec_if_one(), which is atomic against the
 * refcount_inc_not_zero() of iommufd_lock_obj(): either our reference
 * comes first and the HWPT stays, or we see it dying and skip it. Its
 * memory stays valid while we hold ioas->mutex, which its destroy op
 * takes to leave the list.
 */
static int iommufd_device_auto_attach(struct iommufd_device *idev,
				      struct iommufd_ioas *ioas, bool replace,
				      struct iommufd_hwpt_paging **out_hwpt,
				      struct iommufd_hwpt_paging **old_hwpt)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	mutex_lock(&ioas->mutex);
	list_for_each_entry(hwpt, &ioas->hwpt_list, hwpt_item) {
		/* Skip one whose last reference is being dropped. */
		if (!iommufd_lock_obj(&hwpt->obj))
			continue;
		rc = iommufd_device_do_attach(idev, hwpt, replace, old_hwpt);
		iommufd_put_object(idev->ictx, &hwpt->obj);
		if (rc == -EINVAL)
			continue;
		if (!rc)
			*out_hwpt = hwpt;
		goto out_unlock;
	}

	/*
	 * A new HWPT: a detached group is attached to its empty domain before
	 * the fill (see iommufd_hwpt_paging_alloc()); one that is attached
	 * keeps its DMA going until the filled domain replaces the old.
	 */
	hwpt = iommufd_hwpt_paging_alloc(idev->ictx, ioas, idev, 0, true,
					 !replace);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	if (replace) {
		rc = iommufd_device_do_attach(idev, hwpt, true, old_hwpt);
		if (rc) {
			iommufd_object_abort_and_destroy(idev->ictx,
							 &hwpt->obj);
			goto out_unlock;
		}
	} else {
		*old_hwpt = NULL;
		rc = 0;
	}
	list_add_tail(&hwpt->hwpt_item, &ioas->hwpt_list);
	iommufd_object_finalize(idev->ictx, &hwpt->obj);
	*out_hwpt = hwpt;
out_unlock:
	mutex_unlock(&ioas->mutex);
	return rc;
}

static int iommufd_device_change_pt(struct iommufd_device *idev, u32 *pt_id,
				    bool replace)
{
	struct iommufd_hwpt_paging *hwpt = NULL, *old = NULL;
	struct iommufd_object *pt_obj;
	struct iommufd_ioas *ioas;
	int rc;

	pt_obj = iommufd_get_object(idev->ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj))
		return PTR_ERR(pt_obj);

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
		hwpt = container_of(pt_obj, struct iommufd_hwpt_paging, obj);
		rc = iommufd_device_do_attach(idev, hwpt, replace, &old);
		break;
	case IOMMUFD_OBJ_IOAS:
		ioas = container_of(pt_obj, struct iommufd_ioas, obj);
		rc = iommufd_device_auto_attach(idev, ioas, replace, &hwpt,
						&old);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (!rc) {
		*pt_id = hwpt->obj.id;
		/* The old HWPT is dropped only once the new one is in place. */
		if (old)
			iommufd_hwpt_paging_put(idev->ictx, old);
	}
	iommufd_put_object(idev->ictx, pt_obj);
	return rc;
}

/**
 * iommufd_device_attach() - connect a device to an IOAS or HWPT
 * @idev: a bound, detached device
 * @pt_id: in: an IOAS (an automatic HWPT is found or made) or a paging
 *	HWPT; out: the HWPT used
 *
 * The group's reserved regions become reserved IOVA of the IOAS first;
 * a new domain is filled with every mapping of the IOAS, then the group
 * is attached to it.
 *
 * Context: process context; may sleep. The caller serialises all calls on
 * @idev.
 *
 * Return: 0; ENOENT for no such object; EINVAL for the wrong type of
 * object, an already attached device or a domain the group cannot use;
 * EADDRINUSE if a reserved region or the domain's aperture meets a
 * mapping or an allowed range; the errors of filling a new domain
 * (EINVAL, EFAULT, ENOMEM) and of the IOMMU driver's attach.
 */
int iommufd_device_attach(struct iommufd_device *idev, u32 *pt_id)
{
	return iommufd_device_change_pt(idev, pt_id, false);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_attach, IOMMUFD);

/**
 * iommufd_device_replace() - move an attached device to another IOAS/HWPT
 * @idev: an attached device
 * @pt_id: as for iommufd_device_attach()
 *
 * On failure the old attachment stays as it was. Replacing with the HWPT
 * already attached succeeds and changes nothing. The reserved regions are
 * reserved in the new IOAS before the switch and removed from the old one
 * after it.
 *
 * Context: process context; may sleep. The caller serialises all calls on
 * @idev.
 *
 * Return: 0, EINVAL if @idev is not attached, or an attach error.
 */
int iommufd_device_replace(struct iommufd_device *idev, u32 *pt_id)
{
	return iommufd_device_change_pt(idev, pt_id, true);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_replace, IOMMUFD);

/**
 * iommufd_device_detach() - disconnect a device from its HWPT
 * @idev: an attached device
 *
 * The group is left blocking DMA, its reserved IOVA goes from the IOAS,
 * and an automatic HWPT that loses its last device is destroyed.
 *
 * Context: process context; may sleep. The caller serialises all calls on
 * @idev.
 */
void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hwpt_paging *hwpt;

	mutex_lock(&igroup->lock);
	hwpt = idev->hwpt;
	if (WARN_ON(!hwpt)) {
		mutex_unlock(&igroup->lock);
		return;
	}
	idev->ops->detach(idev, hwpt->domain);
	iommufd_device_unreserve(idev, &hwpt->ioas->iopt, idev->resv_owned);
	idev->resv_owned = false;
	idev->hwpt = NULL;
	igroup->hwpt = NULL;
	mutex_unlock(&igroup->lock);
	trace_iommufd_device_detach(idev->obj.id, hwpt->obj.id, 0,
				    hwpt->ioas->obj.id, 0);
	iommufd_hwpt_paging_put(idev->ictx, hwpt);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_detach, IOMMUFD);

/**
 * iommufd_device_enforced_coherent() - does the device's DMA always snoop?
 * @idev: a bound device
 *
 * The answer is the HWPT's the device is attached to: whether its IOMMU
 * domain ignores no-snoop requests, so that no DMA of the device can
 * bypass the CPU caches (KVM need not emulate WBINVD for it).
 *
 * Context: process context; may sleep.
 *
 * Return: true if attached to a domain that enforces cache coherency;
 * false if not, or if the device is not attached.
 */
bool iommufd_device_enforced_coherent(struct iommufd_device *idev)
{
	bool enforced;

	mutex_lock(&idev->igroup->lock);
	enforced = idev->hwpt && idev->hwpt->enforce_cache_coherency;
	mutex_unlock(&idev->igroup->lock);
	return enforced;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_enforced_coherent, IOMMUFD);

/**
 * iommufd_get_hw_info() - IOMMU_GET_HW_INFO
 * @ucmd: the command
 *
 * Upstream's order: unknown flags and __reserved bytes, then dev_id, then
 * the type asked for (the provider's answer). The caller's buffer gets as
 * much of the information as fits and the rest of it is zeroed; data_len
 * returns the full length, which may be more than the buffer.
 *
 * Return: 0; EOPNOTSUPP, ENOENT, ENOMEM or EFAULT.
 */
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void __user *uptr = u64_to_user_ptr(cmd->data_uptr);
	struct iommufd_hw_info info = {};
	struct iommufd_device *idev;
	u32 copy_len;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	/* Without INPUT_TYPE the field is output only: ignore what it holds. */
	if (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		info.type = cmd->in_data_type;
	else
		info.type = IOMMU_HW_INFO_TYPE_DEFAULT;

	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	if (idev->ops->hw_info) {
		rc = idev->ops->hw_info(idev, &info);
		if (rc)
			goto out_put;
		if (WARN_ON_ONCE(info.type == IOMMU_HW_INFO_TYPE_NONE)) {
			rc = -EOPNOTSUPP;
			goto out_free;
		}
	} else {
		/* Nothing is known: no driver data, and no ATS promised. */
		info.type = IOMMU_HW_INFO_TYPE_NONE;
		info.len = 0;
		info.capabilities = IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	}

	copy_len = min(cmd->data_len, info.len);
	if (copy_to_user(uptr, info.data, copy_len)) {
		rc = -EFAULT;
		goto out_free;
	}
	if (copy_len < cmd->data_len &&
	    clear_user(uptr + copy_len, cmd->data_len - copy_len)) {
		rc = -EFAULT;
		goto out_free;
	}

	cmd->data_len = info.len;
	cmd->out_data_type = info.type;
	cmd->out_capabilities = info.capabilities;
	cmd->out_max_pasid_log2 = info.max_pasid_log2;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kfree(info.data);
out_put:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}
