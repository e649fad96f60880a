/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What this module needs from the kernel and 6.1 provides differently from
 * the kernels upstream iommufd was written for. Each difference is hidden
 * here, once, so that the rest of the code reads as it would upstream.
 */
#ifndef __IOMMUFD_COMPAT_H
#define __IOMMUFD_COMPAT_H

#include <linux/iommu.h>

/**
 * iommufd_iommu_sva_enable() - let the IOMMU core do SVA for a device
 * @dev: the device
 *
 * 6.1 wants the SVA device feature enabled before any bind, and disabled
 * once no bond is left; later kernels do without.
 *
 * Return: 0 or the driver's errno.
 */
static inline int iommufd_iommu_sva_enable(struct device *dev)
{
	if (!IS_ENABLED(CONFIG_IOMMU_SVA))
		return -EOPNOTSUPP;
	return iommu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA);
}

static inline void iommufd_iommu_sva_disable(struct device *dev)
{
	iommu_dev_disable_feature(dev, IOMMU_DEV_FEAT_SVA);
}

/* 6.1's bind takes a driver data pointer that later kernels dropped. */
static inline struct iommu_sva *iommufd_iommu_sva_bind(struct device *dev,
						       struct mm_struct *mm)
{
	return iommu_sva_bind_device(dev, mm, NULL);
}

/* How many PASIDs @dev's IOMMU supports: 0 for none. */
static inline u32 iommufd_iommu_max_pasids(struct device *dev)
{
	if (!dev->iommu || !dev->iommu->iommu_dev)
		return 0;
	return dev->iommu->iommu_dev->max_pasids;
}

/**
 * iommufd_iommu_group_replace_domain() - move a group from @old to @new
 * @group: a group attached to @old, its DMA ownership claimed
 * @old: the domain the group uses now
 * @new: the domain it should use
 *
 * 6.1 has no iommu_group_replace_domain(), and iommu_attach_group() is
 * refused while the group sits in any domain but its default or blocking
 * one. So detach first, which leaves the group blocking DMA for the time
 * between, then attach @new; if that fails, attach @old again, so that
 * the group ends where it was.
 *
 * Return: 0, or the errno of attaching @new.
 */
static inline int iommufd_iommu_group_replace_domain(struct iommu_group *group,
						     struct iommu_domain *old,
						     struct iommu_domain *new)
{
	int rc;

	iommu_detach_group(old, group);
	rc = iommu_attach_group(new, group);
	if (rc)
		WARN_ON(iommu_attach_group(old, group));
	return rc;
}

#ifdef IOMMUFD_COMPAT_VFIO
/*
 * 6.1's VFIO IOMMU driver interface lives in drivers/vfio/vfio.h, which
 * the kernel headers package does not ship. What iommufd_vfio.ko needs of
 * it is repeated here, member for member; vfio_abi_check.c compares it
 * with the real header wherever a full kernel tree is at hand. Later
 * kernels have iommufd in VFIO itself and no such interface.
 */
#include <linux/vfio.h>

enum vfio_group_type {
	VFIO_IOMMU,
	VFIO_EMULATED_IOMMU,
	VFIO_NO_IOMMU,
};

enum vfio_iommu_notify_type {
	VFIO_IOMMU_CONTAINER_CLOSE = 0,
};

struct vfio_iommu_driver_ops {
	char *name;
	struct module *owner;
	void *(*open)(unsigned long arg);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group,
			    enum vfio_group_type type);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	int (*pin_pages)(void *iommu_data, struct iommu_group *group,
			 dma_addr_t user_iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *iommu_data, dma_addr_t user_iova, int npage);
	void (*register_device)(void *iommu_data, struct vfio_device *vdev);
	void (*unregister_device)(void *iommu_data, struct vfio_device *vdev);
	int (*dma_rw)(void *iommu_data, dma_addr_t user_iova, void *data,
		      size_t count, bool write);
	struct iommu_domain *(*group_iommu_domain)(void *iommu_data,
						   struct iommu_group *group);
	void (*notify)(void *iommu_data, enum vfio_iommu_notify_type event);
};

int vfio_register_iommu_driver(const struct vfio_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vfio_iommu_driver_ops *ops);
#endif

#endif
