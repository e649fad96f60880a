/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel interface to iommufd, for drivers that hand /dev/iommu
 * contexts around (VFIO) and for mediated-device style drivers that reach
 * an IOAS through the CPU instead of an IOMMU. Symbols are exported in the
 * IOMMUFD namespace: use MODULE_IMPORT_NS(IOMMUFD).
 */
#ifndef __LINUX_IOMMUFD_H
#define __LINUX_IOMMUFD_H

#include <linux/err.h>
#include <linux/types.h>
#include <uapi/linux/iommufd.h>

struct device;
struct file;
struct iommu_group;
struct iommufd_access;
struct iommufd_ctx;
struct iommufd_device;
struct iommufd_sva;
struct page;

void iommufd_ctx_get(struct iommufd_ctx *ictx);
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file);
struct iommufd_ctx *iommufd_ctx_from_fd(int fd);
void iommufd_ctx_put(struct iommufd_ctx *ictx);

/* Devices: a whole IOMMU group, its DMA ownership already claimed */
struct iommufd_device *iommufd_device_bind_group(struct iommufd_ctx *ictx,
						 struct iommu_group *group,
						 u32 *id);
void iommufd_device_unbind(struct iommufd_device *idev);
int iommufd_device_attach(struct iommufd_device *idev, u32 *pt_id);
int iommufd_device_replace(struct iommufd_device *idev, u32 *pt_id);
void iommufd_device_detach(struct iommufd_device *idev);
bool iommufd_device_enforced_coherent(struct iommufd_device *idev);

/**
 * struct iommufd_access_ops - what a driver tells iommufd about an access
 * @needs_pin_pages: the driver will call iommufd_access_pin_pages(); the
 *	IOAS then keeps its IOVA aligned to PAGE_SIZE
 * @unmap: required with @needs_pin_pages. Called when [@iova, @iova +
 *	@length - 1] is about to stop being mapped, or with (0, ULONG_MAX)
 *	when the access is detached, replaced or destroyed. Before it
 *	returns, the driver must have called iommufd_access_unpin_pages()
 *	for every pin that intersects the range. It runs in process context
 *	with no iommufd lock held, and must not take any lock the driver
 *	holds while calling iommufd_access_attach(), _detach(), _replace()
 *	or _destroy(): those wait for callbacks or make callbacks
 *	themselves.
 */
struct iommufd_access_ops {
	u8 needs_pin_pages : 1;
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

enum {
	IOMMUFD_ACCESS_RW_READ = 0,
	IOMMUFD_ACCESS_RW_WRITE = 1 << 0,
	/* The caller is a kthread: rw may borrow the owner's mm. */
	IOMMUFD_ACCESS_RW_KTHREAD = 1 << 1,
	/* Test builds only: always take the pinning path. */
	__IOMMUFD_ACCESS_RW_SLOW_PATH = 1 << 2,
};

struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id);
void iommufd_access_destroy(struct iommufd_access *access);
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id);
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id);
void iommufd_access_detach(struct iommufd_access *access);
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags);
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length);
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags);

/*
 * VFIO type1 containers served by iommufd (vfio_compat.c), for
 * iommufd_vfio.ko, which registers them with VFIO.
 */
struct iommufd_vfio_container;

/**
 * struct iommufd_vfio_ops - what a container calls back
 * @dma_unmap: [@iova, @iova + @length - 1], a whole mapping, is about to
 *	be unmapped: every device that pinned pages in it through
 *	iommufd_vfio_container_pin_pages() must unpin them before this
 *	returns. Called with no iommufd lock but the container's own held;
 *	it must not call into the container other than to unpin.
 */
struct iommufd_vfio_ops {
	void (*dma_unmap)(void *data, u64 iova, u64 length);
};

int iommufd_vfio_check_extension(struct iommufd_vfio_container *ctr,
				 unsigned long ext);
struct iommufd_vfio_container *
iommufd_vfio_container_alloc(unsigned long type, unsigned int dma_entry_limit,
			     const struct iommufd_vfio_ops *ops, void *data);
void iommufd_vfio_container_destroy(struct iommufd_vfio_container *ctr);
long iommufd_vfio_container_ioctl(struct iommufd_vfio_container *ctr,
				  unsigned int cmd, unsigned long arg);
int iommufd_vfio_container_attach_group(struct iommufd_vfio_container *ctr,
					struct iommu_group *group,
					bool emulated);
void iommufd_vfio_container_detach_group(struct iommufd_vfio_container *ctr,
					 struct iommu_group *group);
int iommufd_vfio_container_pin_pages(struct iommufd_vfio_container *ctr,
				     struct iommu_group *group,
				     dma_addr_t iova, int npage, int prot,
				     struct page **pages);
void iommufd_vfio_container_unpin_pages(struct iommufd_vfio_container *ctr,
					dma_addr_t iova, int npage);
int iommufd_vfio_container_dma_rw(struct iommufd_vfio_container *ctr,
				  dma_addr_t iova, void *data, size_t count,
				  bool write);

/* Shared virtual addressing: a device uses the calling process's mm */
struct iommufd_sva *iommufd_sva_bind_device(struct device *dev);
u32 iommufd_sva_get_pasid(struct iommufd_sva *handle);
void iommufd_sva_unbind_device(struct iommufd_sva *handle);

#endif
