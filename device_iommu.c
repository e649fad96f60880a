// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real devices: a provider (&struct iommufd_dev_ops) over the 6.1 IOMMU
 * core, for whole IOMMU groups.
 *
 * One DEVICE object stands for one IOMMU group. Its binder (VFIO) has
 * already claimed the group's DMA ownership, so the group sits in its
 * blocking domain whenever it is not attached here; this file never
 * claims or releases ownership itself. Domains come from
 * iommu_domain_alloc() on the bus of the group's first device and are
 * attached with iommu_attach_group(), as VFIO's type1 backend does.
 *
 * Order. Intel's 6.1 driver fits a domain to the IOMMU (address width,
 * hence aperture, and superpage sizes) only when a device first attaches,
 * and its enforce_cache_coherency only affects IOPTEs written afterwards;
 * type1 therefore attaches a new, empty domain, then enforces coherency,
 * then maps. A new automatic HWPT is made the same way for a detached
 * group (hw_pagetable.c). A replace cannot attach the empty domain
 * without interrupting the group's DMA, so its new domain is filled
 * first, does not enforce coherency, and has its aperture narrowed to
 * that of the domain the group uses now, which already fits the group's
 * IOMMU.
 *
 * Mapping. Every mapping carries IOMMU_CACHE (ioas.c), whatever the
 * domain enforces, as type1 always asks for it.
 *
 * Interrupts. Without MSI isolation a device could write an interrupt
 * message anywhere in the MSI window; as type1 does, a group is bound only
 * if every device has interrupt remapping or the platform isolates MSIs,
 * unless the allow_unsafe_interrupts module parameter says otherwise.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>

#include "iommufd_compat.h"
#include "iommufd_private.h"

static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Bind IOMMU groups whose MSIs are not isolated (no interrupt remapping); unsafe");

/*
 * Keep a new domain's aperture within that of @cur, a domain of the same
 * driver that the group uses now: it has been fitted to the group's IOMMU
 * by an attach, the new one has not, and is about to be filled.
 */
static void iommu_dev_narrow_aperture(struct iommu_domain *domain,
				      const struct iommu_domain *cur)
{
	struct iommu_domain_geometry *geo = &domain->geometry;

	if (!cur->geometry.force_aperture)
		return;
	if (!geo->force_aperture) {
		*geo = cur->geometry;
		return;
	}
	geo->aperture_start = max(geo->aperture_start,
				  cur->geometry.aperture_start);
	geo->aperture_end = min(geo->aperture_end, cur->geometry.aperture_end);
}

/* Make a domain the group of @idev can use; see the top of the file. */
static struct iommu_domain *iommu_dev_domain_alloc(struct iommufd_device *idev,
						   u32 flags)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommu_resv_region *region;
	struct iommu_domain *domain;
	LIST_HEAD(regions);
	int rc;

	if (flags)
		return ERR_PTR(-EOPNOTSUPP);

	domain = iommu_domain_alloc(idev->dev->bus);
	if (!domain)
		return ERR_PTR(-EIO);

	/* A software-managed MSI window needs an IOVA cookie on the domain. */
	rc = iommu_get_group_resv_regions(idev->group, &regions);
	if (rc)
		goto out_free;
	list_for_each_entry(region, &regions, list) {
		if (region->type != IOMMU_RESV_SW_MSI)
			continue;
		rc = iommu_get_msi_cookie(domain, region->start);
		if (rc == -ENODEV)
			rc = 0;
		break;
	}
	iommu_put_resv_regions(idev->dev, &regions);
	if (rc)
		goto out_free;

	mutex_lock(&igroup->lock);
	if (igroup->hwpt)
		iommu_dev_narrow_aperture(domain, igroup->hwpt->domain);
	mutex_unlock(&igroup->lock);
	return domain;

out_free:
	iommu_domain_free(domain);
	return ERR_PTR(rc);
}

/*
 * 6.1's drivers say "this domain does not suit that device" with more than
 * EINVAL: Intel refuses a device without snoop control on a domain that
 * enforces coherency with EOPNOTSUPP. Automatic attach takes EINVAL as
 * "try another domain", so that is what the provider answers.
 */
static int iommu_dev_attach_errno(int rc)
{
	return rc == -EOPNOTSUPP ? -EINVAL : rc;
}

static int iommu_dev_attach(struct iommufd_device *idev,
			    struct iommu_domain *domain)
{
	lockdep_assert_held(&idev->igroup->lock);

	return iommu_dev_attach_errno(iommu_attach_group(domain, idev->group));
}

static int iommu_dev_replace(struct iommufd_device *idev,
			     struct iommu_domain *old, struct iommu_domain *new)
{
	int rc;

	lockdep_assert_held(&idev->igroup->lock);

	rc = iommufd_iommu_group_replace_domain(idev->group, old, new);
	return iommu_dev_attach_errno(rc);
}

static void iommu_dev_detach(struct iommufd_device *idev,
			     struct iommu_domain *domain)
{
	lockdep_assert_held(&idev->igroup->lock);

	iommu_detach_group(domain, idev->group);
}

static int iommu_dev_get_resv_regions(struct iommufd_device *idev,
				      struct list_head *list)
{
	lockdep_assert_held(&idev->igroup->lock);

	return iommu_get_group_resv_regions(idev->group, list);
}

static const struct iommufd_dev_ops iommu_dev_ops = {
	.domain_alloc = iommu_dev_domain_alloc,
	.attach = iommu_dev_attach,
	.replace = iommu_dev_replace,
	.detach = iommu_dev_detach,
	.get_resv_regions = iommu_dev_get_resv_regions,
};

static int iommu_dev_first(struct device *dev, void *data)
{
	struct device **first = data;

	*first = get_device(dev);
	return 1;
}

static int iommu_dev_msi_unisolated(struct device *dev, void *data)
{
	return !device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP);
}

static int iommu_dev_incoherent(struct device *dev, void *data)
{
	return !device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY);
}

/**
 * iommufd_device_bind_group() - bind an IOMMU group to a context
 * @ictx: the context
 * @group: the group; its DMA ownership must already be claimed by the
 *	caller (VFIO does so when the group joins a container), so that it
 *	sits in its blocking domain
 * @id: out: the DEVICE object's ID
 *
 * The DEVICE object stands for every device of @group and holds a
 * reference on the group and on its first device. Interrupts must be
 * isolated: every device of the group needs interrupt remapping
 * (IOMMU_CAP_INTR_REMAP), or the platform must isolate MSIs
 * (irq_domain_check_msi_remap()), unless the module parameter
 * allow_unsafe_interrupts is set. Every mapping is made with IOMMU_CACHE,
 * so every device's IOMMU must be able to honour it
 * (IOMMU_CAP_CACHE_COHERENCY), as VFIO and upstream's bind require. Undo
 * with iommufd_device_unbind().
 *
 * Context: process context; may sleep.
 *
 * Return: the device; ERR_PTR(-EINVAL) for a group without devices or
 * with one whose IOMMU cannot do coherent mappings, ERR_PTR(-EPERM) for
 * one whose MSIs are not isolated, ERR_PTR(-ENOMEM).
 */
struct iommufd_device *iommufd_device_bind_group(struct iommufd_ctx *ictx,
						 struct iommu_group *group,
						 u32 *id)
{
	struct iommufd_device *idev;
	struct device *dev = NULL;

	iommu_group_for_each_dev(group, &dev, iommu_dev_first);
	if (!dev)
		return ERR_PTR(-EINVAL);

	if (iommu_group_for_each_dev(group, NULL, iommu_dev_incoherent)) {
		idev = ERR_PTR(-EINVAL);
		goto out_put;
	}
	if (!irq_domain_check_msi_remap() &&
	    iommu_group_for_each_dev(group, NULL, iommu_dev_msi_unisolated)) {
		if (!READ_ONCE(allow_unsafe_interrupts)) {
			dev_warn_ratelimited(dev,
					     "iommufd: no interrupt remapping; set the module parameter allow_unsafe_interrupts to bind anyway\n");
			idev = ERR_PTR(-EPERM);
			goto out_put;
		}
		pr_warn_once("iommufd: binding IOMMU groups without interrupt isolation (allow_unsafe_interrupts); a device can forge interrupts\n");
	}

	idev = iommufd_device_bind_ops(ictx, dev, group, &iommu_dev_ops, id);
out_put:
	put_device(dev);
	return idev;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_bind_group, IOMMUFD);
