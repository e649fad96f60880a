/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What this module needs from the kernel and 6.1 provides differently from
 * the kernels upstream iommufd was written for. Each difference is hidden
 * here, once, so that the rest of the code reads as it would upstream.
 */
#ifndef __IOMMUFD_COMPAT_H
#define __IOMMUFD_COMPAT_H

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>

/**
 * iommufd_pin_file_pages() - long-term pin pages of a shmem or hugetlbfs file
 * @file: the file
 * @map_align: the granule the file can be mapped at (its huge page size
 *	on hugetlbfs, else PAGE_SIZE)
 * @off: byte offset of the first page, page aligned
 * @npages: pages wanted
 * @gup_flags: FOLL_LONGTERM, FOLL_WRITE as needed
 * @writable: map the file writable (needed for FOLL_WRITE)
 * @pages: receives the pages
 * @kthread_mm: the mm to borrow when called from a kthread, which has none
 *
 * Upstream has memfd_pin_folios() (6.11) for this; 6.1 has no way for a
 * module to take FOLL_PIN references on page-cache pages without a
 * mapping. So map the range into an mm for a moment and pin through that:
 * the pins are then ordinary FOLL_PIN pins, and GUP does what long-term
 * pins need (it faults in missing pages and moves pages out of movable
 * zones). Any mm will do, as the file names the pages.
 *
 * Return: the number of pages pinned from the first, which may be fewer
 * than @npages, or a negative errno.
 */
static inline long iommufd_pin_file_pages(struct file *file,
					  unsigned long map_align,
					  unsigned long off,
					  unsigned long npages,
					  unsigned int gup_flags,
					  bool writable, struct page **pages,
					  struct mm_struct *kthread_mm)
{
	unsigned long map_off = ALIGN_DOWN(off, map_align);
	unsigned long len = ALIGN(off + npages * PAGE_SIZE, map_align) -
			    map_off;
	bool borrowed = false;
	struct vm_area_struct *vma;
	unsigned long addr;
	long rc;

	if (!current->mm) {
		if (!(current->flags & PF_KTHREAD) || !kthread_mm ||
		    !mmget_not_zero(kthread_mm))
			return -EFAULT;
		kthread_use_mm(kthread_mm);
		borrowed = true;
	}

	addr = vm_mmap(file, 0, len,
		       PROT_READ | (writable ? PROT_WRITE : 0),
		       MAP_SHARED, map_off);
	if (IS_ERR_VALUE(addr)) {
		rc = (long)addr;
		goto out;
	}

	/*
	 * Another thread of the process may have replaced the mapping
	 * already. Pin only through a shared mapping (VM_MAYSHARE: a
	 * read-only open clears VM_SHARED) of the right part of the file,
	 * and never unmap what is not that.
	 */
	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (!vma || vma->vm_file != file || !(vma->vm_flags & VM_MAYSHARE) ||
	    vma->vm_end - addr < len ||
	    vma->vm_pgoff + PHYS_PFN(addr - vma->vm_start) !=
		    PHYS_PFN(map_off)) {
		mmap_read_unlock(current->mm);
		rc = -EFAULT;
		goto out;
	}
	rc = pin_user_pages(addr + (off - map_off),
			    min_t(unsigned long, npages, INT_MAX), gup_flags,
			    pages, NULL);
	mmap_read_unlock(current->mm);
	/*
	 * The mapping must not outlive this call: it would keep the file
	 * mapped in the process. Unmapping part of a VMA can need memory;
	 * a shortage of it is transient, so try again.
	 */
	while (vm_munmap(addr, len) == -ENOMEM)
		cond_resched();
out:
	if (borrowed) {
		kthread_unuse_mm(kthread_mm);
		mmput(kthread_mm);
	}
	return rc;
}

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

#endif
