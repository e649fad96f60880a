// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build-time check that iommufd_compat.h's copy of 6.1's private VFIO
 * IOMMU driver interface matches drivers/vfio/vfio.h of the tree this
 * module is built against. Kbuild compiles it only when that header is
 * there (a full kernel tree, not a headers package); it emits no code.
 *
 * The real header is included first with its names changed, so that both
 * definitions can be compared member by member.
 */
#define vfio_group_type			kernel_vfio_group_type
#define VFIO_IOMMU			KERNEL_VFIO_IOMMU
#define VFIO_EMULATED_IOMMU		KERNEL_VFIO_EMULATED_IOMMU
#define VFIO_NO_IOMMU			KERNEL_VFIO_NO_IOMMU
#define vfio_iommu_notify_type		kernel_vfio_iommu_notify_type
#define VFIO_IOMMU_CONTAINER_CLOSE	KERNEL_VFIO_IOMMU_CONTAINER_CLOSE
#define vfio_iommu_driver_ops		kernel_vfio_iommu_driver_ops
#define vfio_register_iommu_driver	kernel_vfio_register_iommu_driver
#define vfio_unregister_iommu_driver	kernel_vfio_unregister_iommu_driver
#include <vfio.h>
#undef vfio_group_type
#undef VFIO_IOMMU
#undef VFIO_EMULATED_IOMMU
#undef VFIO_NO_IOMMU
#undef vfio_iommu_notify_type
#undef VFIO_IOMMU_CONTAINER_CLOSE
#undef vfio_iommu_driver_ops
#undef vfio_register_iommu_driver
#undef vfio_unregister_iommu_driver

#define IOMMUFD_COMPAT_VFIO
#include "iommufd_compat.h"

#define SAME_VALUE(name) static_assert((int)(name) == (int)(KERNEL_##name))

SAME_VALUE(VFIO_IOMMU);
SAME_VALUE(VFIO_EMULATED_IOMMU);
SAME_VALUE(VFIO_NO_IOMMU);
SAME_VALUE(VFIO_IOMMU_CONTAINER_CLOSE);
static_assert(sizeof(enum vfio_group_type) ==
	      sizeof(enum kernel_vfio_group_type));
static_assert(sizeof(enum vfio_iommu_notify_type) ==
	      sizeof(enum kernel_vfio_iommu_notify_type));

static_assert(sizeof(struct vfio_iommu_driver_ops) ==
	      sizeof(struct kernel_vfio_iommu_driver_ops));

#define OPS_MEMBER(m) \
	static_assert(offsetof(struct vfio_iommu_driver_ops, m) == \
		      offsetof(struct kernel_vfio_iommu_driver_ops, m))
/* The same type too, for the members that name no renamed enum. */
#define OPS_TYPE(m)							\
	static_assert(__builtin_types_compatible_p(			\
		typeof(((struct vfio_iommu_driver_ops *)0)->m),		\
		typeof(((struct kernel_vfio_iommu_driver_ops *)0)->m)))

OPS_MEMBER(name);
OPS_TYPE(name);
OPS_MEMBER(owner);
OPS_TYPE(owner);
OPS_MEMBER(open);
OPS_TYPE(open);
OPS_MEMBER(release);
OPS_TYPE(release);
OPS_MEMBER(ioctl);
OPS_TYPE(ioctl);
OPS_MEMBER(attach_group);
OPS_MEMBER(detach_group);
OPS_TYPE(detach_group);
OPS_MEMBER(pin_pages);
OPS_TYPE(pin_pages);
OPS_MEMBER(unpin_pages);
OPS_TYPE(unpin_pages);
OPS_MEMBER(register_device);
OPS_TYPE(register_device);
OPS_MEMBER(unregister_device);
OPS_TYPE(unregister_device);
OPS_MEMBER(dma_rw);
OPS_TYPE(dma_rw);
OPS_MEMBER(group_iommu_domain);
OPS_TYPE(group_iommu_domain);
OPS_MEMBER(notify);
