/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of the sample VFIO device (selftest/iommufd_vfio_sample.c), an
 * mdev-style driver on an emulated IOMMU group: it has no DMA of its own
 * and reaches guest memory only through vfio_pin_pages() and
 * vfio_dma_rw(), like kvmgt, vfio_ccw or vfio_ap. Test builds only.
 *
 * The module registers IOMMUFD_VFIO_SAMPLE_NDEVS platform devices named
 * "iommufd_vfio_sample.<n>", each a VFIO device in a fake group of its
 * own: /sys/bus/platform/devices/<name>/iommu_group names it, and
 * VFIO_GROUP_GET_DEVICE_FD takes <name>. The commands below are ioctls
 * on the device fd; VFIO passes every command it does not know itself to
 * the driver. They return 0 or -1 with errno:
 *
 *   EINVAL	a reserved field or unknown flag is set, an IOVA is not page
 *		aligned, prot is empty or unknown; or VFIO or the container's
 *		backend refused the request (see each command)
 *   E2BIG	more than the driver takes in one call
 *   EFAULT	a user pointer of the command itself is bad
 *   ENOENT	UNPIN names no pin the device holds
 *   ENOMEM	out of memory
 *
 * Whatever VFIO or the backend return is passed through unchanged.
 *
 * Pins stay until UNPIN, until the container unmaps their IOVA (the
 * device's dma_unmap callback drops every pin it holds in the range, as
 * VFIO requires of drivers) or until the device's last fd is closed.
 */
#ifndef _IOMMUFD_VFIO_SAMPLE_H
#define _IOMMUFD_VFIO_SAMPLE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_VFIO_SAMPLE_NAME "iommufd_vfio_sample"
#define IOMMUFD_VFIO_SAMPLE_NDEVS 2

/* Device ioctl type; VFIO's own are ';' (0x3b). */
#define IOMMUFD_VFIO_SAMPLE_TYPE 'v'

/* prot of a pin: the values of IOMMU_READ and IOMMU_WRITE */
#define IOMMUFD_VFIO_SAMPLE_READ 1
#define IOMMUFD_VFIO_SAMPLE_WRITE 2

/* Most pages PIN passes to vfio_pin_pages(), which itself takes 512. */
#define IOMMUFD_VFIO_SAMPLE_MAX_PAGES 4096

/**
 * struct iommufd_vfio_sample_pin - IOMMUFD_VFIO_SAMPLE_PIN and _UNPIN
 * @iova: first IOVA, page aligned
 * @npage: number of pages
 * @prot: PIN: IOMMUFD_VFIO_SAMPLE_READ and/or _WRITE; UNPIN: must be 0
 * @pfns: PIN: 0, or a user array of @npage __u64 that receives the page
 *	frame number of each pinned page; UNPIN: must be 0
 * @__reserved: must be 0
 *
 * PIN calls vfio_pin_pages(@iova, @npage, @prot) and, if it pins them all,
 * keeps the pin. @npage is handed over unchecked up to
 * IOMMUFD_VFIO_SAMPLE_MAX_PAGES (so 0 or more than VFIO's limit show
 * VFIO's EINVAL or E2BIG); the backend's errors come back as they are.
 * A backend that reports a count other than @npage makes the driver undo
 * what it got and fail with EPROTO.
 *
 * UNPIN drops one earlier pin of exactly @iova and @npage (ENOENT if the
 * device has none) with vfio_unpin_pages().
 */
struct iommufd_vfio_sample_pin {
	__aligned_u64 iova;
	__u32 npage;
	__u32 prot;
	__aligned_u64 pfns;
	__aligned_u64 __reserved;
};

/* Copy to the IOVA (else from it) */
#define IOMMUFD_VFIO_SAMPLE_RW_WRITE 0x1
/* Make the vfio_dma_rw() call from a kernel thread, which has no mm */
#define IOMMUFD_VFIO_SAMPLE_RW_KTHREAD 0x2
/* Make it from a work item on an unbound workqueue */
#define IOMMUFD_VFIO_SAMPLE_RW_WORKQUEUE 0x4

/* Most bytes one RW copies */
#define IOMMUFD_VFIO_SAMPLE_MAX_RW 0x100000U

/**
 * struct iommufd_vfio_sample_rw - IOMMUFD_VFIO_SAMPLE_RW
 * @iova: first IOVA, any alignment
 * @uptr: user buffer of @length bytes
 * @length: bytes, 1 to IOMMUFD_VFIO_SAMPLE_MAX_RW
 * @flags: IOMMUFD_VFIO_SAMPLE_RW_*; at most one of _KTHREAD and
 *	_WORKQUEUE
 * @__reserved: must be 0
 *
 * One vfio_dma_rw() of @length bytes between a kernel buffer and the
 * IOVA; for a write the buffer is filled from @uptr first, for a read it
 * is copied to @uptr only if vfio_dma_rw() succeeded.
 */
struct iommufd_vfio_sample_rw {
	__aligned_u64 iova;
	__aligned_u64 uptr;
	__u32 length;
	__u32 flags;
	__aligned_u64 __reserved;
};

/**
 * struct iommufd_vfio_sample_info - IOMMUFD_VFIO_SAMPLE_INFO
 * @nr_pins: pins (PIN calls) the device holds
 * @nr_pages: pages those pins cover
 * @nr_unmaps: dma_unmap callbacks since the device was opened
 * @unmap_unpinned: pages the callbacks unpinned
 * @last_unmap_iova: range of the last callback
 * @last_unmap_length: its length
 *
 * Counters start at 0 on each first open of the device.
 */
struct iommufd_vfio_sample_info {
	__u32 nr_pins;
	__u32 nr_pages;
	__aligned_u64 nr_unmaps;
	__aligned_u64 unmap_unpinned;
	__aligned_u64 last_unmap_iova;
	__aligned_u64 last_unmap_length;
};

#define IOMMUFD_VFIO_SAMPLE_PIN \
	_IOW(IOMMUFD_VFIO_SAMPLE_TYPE, 0x40, struct iommufd_vfio_sample_pin)
#define IOMMUFD_VFIO_SAMPLE_UNPIN \
	_IOW(IOMMUFD_VFIO_SAMPLE_TYPE, 0x41, struct iommufd_vfio_sample_pin)
#define IOMMUFD_VFIO_SAMPLE_RW \
	_IOW(IOMMUFD_VFIO_SAMPLE_TYPE, 0x42, struct iommufd_vfio_sample_rw)
#define IOMMUFD_VFIO_SAMPLE_INFO \
	_IOR(IOMMUFD_VFIO_SAMPLE_TYPE, 0x43, struct iommufd_vfio_sample_info)

/*
 * Pages pinned by all devices together, readable (never writable) as
 * /sys/module/iommufd_vfio_sample/parameters/pinned_pages: 0 once every
 * device is closed, whatever happened.
 */
#define IOMMUFD_VFIO_SAMPLE_PINNED \
	"/sys/module/" IOMMUFD_VFIO_SAMPLE_NAME "/parameters/pinned_pages"

#endif
