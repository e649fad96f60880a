// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd_vfio.ko: a VFIO IOMMU driver named "iommufd" that serves
 * /dev/vfio/vfio containers on iommufd (vfio_compat.c) in place of
 * vfio_iommu_type1.
 *
 * VFIO offers a new container to its registered IOMMU drivers newest
 * first, so this module, loaded after vfio_iommu_type1, takes the TYPE1
 * and TYPE1v2 containers. With the "enable" parameter off it declines
 * them and VFIO hands them to type1 instead; containers it already
 * serves keep it until they go.
 *
 * This file only adapts VFIO's interface. It keeps the list of the
 * container's open devices that have a dma_unmap callback (mdev-style
 * drivers that pin pages) and fans the container's unmap requests out to
 * them, as type1 does: under @devices_lock, which is taken inside the
 * container's lock and outside the drivers' own locks. Pinning must not
 * take it (a driver may pin while holding a lock its dma_unmap callback
 * takes), hence the separate counter.
 */
#define pr_fmt(fmt) "iommufd_vfio: " fmt

#include <linux/atomic.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/iommufd.h>

#define IOMMUFD_COMPAT_VFIO
#include "iommufd_compat.h"

static bool enable = true;
module_param(enable, bool, 0644);
MODULE_PARM_DESC(enable,
		 "Serve new VFIO containers; N leaves them to the next VFIO IOMMU driver, normally vfio_iommu_type1 (default: Y)");

static unsigned int dma_entry_limit = U16_MAX;
module_param(dma_entry_limit, uint, 0644);
MODULE_PARM_DESC(dma_entry_limit,
		 "Maximum number of mappings of a container, read when it is set up (default: 65535)");

/**
 * struct iommufd_vfio - one container served by this driver
 * @ctr: the container proper
 * @v2: set up as VFIO_TYPE1v2_IOMMU
 * @devices_lock: guards @devices
 * @devices: open devices with a dma_unmap callback, linked through
 *	&vfio_device.iommu_entry, which VFIO leaves to its IOMMU driver
 * @num_devices: how many are on @devices; read without the lock
 */
struct iommufd_vfio {
	struct iommufd_vfio_container *ctr;
	bool v2;
	struct mutex devices_lock;	/* guards devices */
	struct list_head devices;
	atomic_t num_devices;
};

static void iommufd_vfio_dma_unmap(void *data, u64 iova, u64 length)
{
	struct iommufd_vfio *ivfio = data;
	struct vfio_device *vdev;

	mutex_lock(&ivfio->devices_lock);
	list_for_each_entry(vdev, &ivfio->devices, iommu_entry)
		vdev->ops->dma_unmap(vdev, iova, length);
	mutex_unlock(&ivfio->devices_lock);
}

static const struct iommufd_vfio_ops iommufd_vfio_ops = {
	.dma_unmap = iommufd_vfio_dma_unmap,
};

static void *iommufd_vfio_open(unsigned long type)
{
	struct iommufd_vfio *ivfio;

	ivfio = kzalloc(sizeof(*ivfio), GFP_KERNEL_ACCOUNT);
	if (!ivfio)
		return ERR_PTR(-ENOMEM);
	ivfio->ctr = iommufd_vfio_container_alloc(type,
						  READ_ONCE(dma_entry_limit),
						  &iommufd_vfio_ops, ivfio);
	if (IS_ERR(ivfio->ctr)) {
		void *err = ivfio->ctr;

		kfree(ivfio);
		return err;
	}
	ivfio->v2 = type == VFIO_TYPE1v2_IOMMU;
	mutex_init(&ivfio->devices_lock);
	INIT_LIST_HEAD(&ivfio->devices);
	return ivfio;
}

static void iommufd_vfio_release(void *iommu_data)
{
	struct iommufd_vfio *ivfio = iommu_data;

	WARN_ON(!list_empty(&ivfio->devices));
	iommufd_vfio_container_destroy(ivfio->ctr);
	mutex_destroy(&ivfio->devices_lock);
	kfree(ivfio);
}

static long iommufd_vfio_ioctl(void *iommu_data, unsigned int cmd,
			       unsigned long arg)
{
	struct iommufd_vfio *ivfio = iommu_data;

	/* VFIO probes drivers for a container that has none yet. */
	if (!ivfio) {
		if (cmd != VFIO_CHECK_EXTENSION || !READ_ONCE(enable))
			return 0;
		return iommufd_vfio_check_extension(NULL, arg);
	}
	return iommufd_vfio_container_ioctl(ivfio->ctr, cmd, arg);
}

static int iommufd_vfio_attach_group(void *iommu_data,
				     struct iommu_group *group,
				     enum vfio_group_type type)
{
	struct iommufd_vfio *ivfio = iommu_data;

	switch (type) {
	case VFIO_IOMMU:
		return iommufd_vfio_container_attach_group(ivfio->ctr, group,
							   false);
	case VFIO_EMULATED_IOMMU:
		return iommufd_vfio_container_attach_group(ivfio->ctr, group,
							   true);
	default:
		/* noiommu groups belong to VFIO's own noiommu driver. */
		return -EINVAL;
	}
}

static void iommufd_vfio_detach_group(void *iommu_data,
				      struct iommu_group *group)
{
	struct iommufd_vfio *ivfio = iommu_data;

	iommufd_vfio_container_detach_group(ivfio->ctr, group);
}

static int iommufd_vfio_pin_pages(void *iommu_data, struct iommu_group *group,
				  dma_addr_t user_iova, int npage, int prot,
				  struct page **pages)
{
	struct iommufd_vfio *ivfio = iommu_data;

	/* type1's order: v1 first, then a device that can be asked back. */
	if (!ivfio->v2)
		return -EACCES;
	if (!atomic_read(&ivfio->num_devices))
		return -EINVAL;
	return iommufd_vfio_container_pin_pages(ivfio->ctr, group, user_iova,
						npage, prot, pages);
}

static void iommufd_vfio_unpin_pages(void *iommu_data, dma_addr_t user_iova,
				     int npage)
{
	struct iommufd_vfio *ivfio = iommu_data;

	iommufd_vfio_container_unpin_pages(ivfio->ctr, user_iova, npage);
}

static void iommufd_vfio_register_device(void *iommu_data,
					 struct vfio_device *vdev)
{
	struct iommufd_vfio *ivfio = iommu_data;

	/* Only a device that pins pages needs to hear about unmaps. */
	if (!vdev->ops->dma_unmap)
		return;
	mutex_lock(&ivfio->devices_lock);
	list_add(&vdev->iommu_entry, &ivfio->devices);
	atomic_inc(&ivfio->num_devices);
	mutex_unlock(&ivfio->devices_lock);
}

static void iommufd_vfio_unregister_device(void *iommu_data,
					   struct vfio_device *vdev)
{
	struct iommufd_vfio *ivfio = iommu_data;

	if (!vdev->ops->dma_unmap)
		return;
	mutex_lock(&ivfio->devices_lock);
	list_del(&vdev->iommu_entry);
	atomic_dec(&ivfio->num_devices);
	mutex_unlock(&ivfio->devices_lock);
}

static int iommufd_vfio_dma_rw(void *iommu_data, dma_addr_t user_iova,
			       void *data, size_t count, bool write)
{
	struct iommufd_vfio *ivfio = iommu_data;

	return iommufd_vfio_container_dma_rw(ivfio->ctr, user_iova, data,
					     count, write);
}

static const struct vfio_iommu_driver_ops iommufd_vfio_driver_ops = {
	.name = "iommufd",
	.owner = THIS_MODULE,
	.open = iommufd_vfio_open,
	.release = iommufd_vfio_release,
	.ioctl = iommufd_vfio_ioctl,
	.attach_group = iommufd_vfio_attach_group,
	.detach_group = iommufd_vfio_detach_group,
	.pin_pages = iommufd_vfio_pin_pages,
	.unpin_pages = iommufd_vfio_unpin_pages,
	.register_device = iommufd_vfio_register_device,
	.unregister_device = iommufd_vfio_unregister_device,
	.dma_rw = iommufd_vfio_dma_rw,
};

static int __init iommufd_vfio_init(void)
{
	return vfio_register_iommu_driver(&iommufd_vfio_driver_ops);
}

static void __exit iommufd_vfio_exit(void)
{
	vfio_unregister_iommu_driver(&iommufd_vfio_driver_ops);
}

module_init(iommufd_vfio_init);
module_exit(iommufd_vfio_exit);

MODULE_DESCRIPTION("VFIO containers on iommufd, in place of vfio_iommu_type1");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IOMMUFD);
/* Registered after type1, so that VFIO tries this driver first. */
MODULE_SOFTDEP("pre: vfio_iommu_type1");
