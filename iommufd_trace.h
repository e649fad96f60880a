/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of iommufd: what the ioctls did to an IOAS, what the page
 * sets pinned and unpinned, domain attachments, how long drivers took in
 * their unmap callbacks, live-update hand-overs and VFIO type1 requests.
 *
 * Enable them all with
 *	echo 1 > /sys/kernel/tracing/events/iommufd/enable
 * Every event that ends a request records its result, rc (0 or -errno).
 * Page sets are named by a hashed pointer (%p), which stays the same for
 * the set's lifetime; IOASes, HWPTs, devices and accesses by object ID.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iommufd

#if !defined(_IOMMUFD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IOMMUFD_TRACE_H

#include <linux/tracepoint.h>

/* IOMMU_IOAS_MAP and IOMMU_IOAS_MAP_FILE; @iova is the one used. */
TRACE_EVENT(iommufd_ioas_map,
	TP_PROTO(u32 ioas_id, u64 iova, u64 length, u32 flags, bool file,
		 int rc),
	TP_ARGS(ioas_id, iova, length, flags, file, rc),
	TP_STRUCT__entry(
		__field(u32, ioas_id)
		__field(u64, iova)
		__field(u64, length)
		__field(u32, flags)
		__field(bool, file)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->ioas_id = ioas_id;
		__entry->iova = iova;
		__entry->length = length;
		__entry->flags = flags;
		__entry->file = file;
		__entry->rc = rc;
	),
	TP_printk("ioas=%u iova=%#llx length=%#llx flags=%#x source=%s rc=%d",
		  __entry->ioas_id, __entry->iova, __entry->length,
		  __entry->flags, __entry->file ? "file" : "user",
		  __entry->rc)
);

/* IOMMU_IOAS_UNMAP: the range asked for, and how much went. */
TRACE_EVENT(iommufd_ioas_unmap,
	TP_PROTO(u32 ioas_id, u64 iova, u64 length, u64 unmapped, int rc),
	TP_ARGS(ioas_id, iova, length, unmapped, rc),
	TP_STRUCT__entry(
		__field(u32, ioas_id)
		__field(u64, iova)
		__field(u64, length)
		__field(u64, unmapped)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->ioas_id = ioas_id;
		__entry->iova = iova;
		__entry->length = length;
		__entry->unmapped = unmapped;
		__entry->rc = rc;
	),
	TP_printk("ioas=%u iova=%#llx length=%#llx unmapped=%#llx rc=%d",
		  __entry->ioas_id, __entry->iova, __entry->length,
		  __entry->unmapped, __entry->rc)
);

/* IOMMU_IOAS_COPY; @dst_iova is the one used. */
TRACE_EVENT(iommufd_ioas_copy,
	TP_PROTO(u32 dst_ioas_id, u32 src_ioas_id, u64 dst_iova, u64 src_iova,
		 u64 length, int rc),
	TP_ARGS(dst_ioas_id, src_ioas_id, dst_iova, src_iova, length, rc),
	TP_STRUCT__entry(
		__field(u32, dst_ioas_id)
		__field(u32, src_ioas_id)
		__field(u64, dst_iova)
		__field(u64, src_iova)
		__field(u64, length)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->dst_ioas_id = dst_ioas_id;
		__entry->src_ioas_id = src_ioas_id;
		__entry->dst_iova = dst_iova;
		__entry->src_iova = src_iova;
		__entry->length = length;
		__entry->rc = rc;
	),
	TP_printk("dst_ioas=%u dst_iova=%#llx src_ioas=%u src_iova=%#llx length=%#llx rc=%d",
		  __entry->dst_ioas_id, __entry->dst_iova,
		  __entry->src_ioas_id, __entry->src_iova, __entry->length,
		  __entry->rc)
);

/* Pages of a page set pinned (and charged) in one batch. */
TRACE_EVENT(iommufd_pages_pin,
	TP_PROTO(const void *pages, unsigned long index, unsigned long npages,
		 unsigned long npinned),
	TP_ARGS(pages, index, npages, npinned),
	TP_STRUCT__entry(
		__field(const void *, pages)
		__field(unsigned long, index)
		__field(unsigned long, npages)
		__field(unsigned long, npinned)
	),
	TP_fast_assign(
		__entry->pages = pages;
		__entry->index = index;
		__entry->npages = npages;
		__entry->npinned = npinned;
	),
	TP_printk("pages=%p index=%lu npages=%lu npinned=%lu",
		  __entry->pages, __entry->index, __entry->npages,
		  __entry->npinned)
);

/* Pages of a page set unpinned (and uncharged) at once. */
TRACE_EVENT(iommufd_pages_unpin,
	TP_PROTO(const void *pages, unsigned long npages,
		 unsigned long npinned),
	TP_ARGS(pages, npages, npinned),
	TP_STRUCT__entry(
		__field(const void *, pages)
		__field(unsigned long, npages)
		__field(unsigned long, npinned)
	),
	TP_fast_assign(
		__entry->pages = pages;
		__entry->npages = npages;
		__entry->npinned = npinned;
	),
	TP_printk("pages=%p npages=%lu npinned=%lu", __entry->pages,
		  __entry->npages, __entry->npinned)
);

/*
 * A device attached to (or, with a nonzero @old_hwpt_id, moved to) an
 * HWPT, or detached from one.
 */
DECLARE_EVENT_CLASS(iommufd_device_hwpt,
	TP_PROTO(u32 dev_id, u32 hwpt_id, u32 old_hwpt_id, u32 ioas_id,
		 int rc),
	TP_ARGS(dev_id, hwpt_id, old_hwpt_id, ioas_id, rc),
	TP_STRUCT__entry(
		__field(u32, dev_id)
		__field(u32, hwpt_id)
		__field(u32, old_hwpt_id)
		__field(u32, ioas_id)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->dev_id = dev_id;
		__entry->hwpt_id = hwpt_id;
		__entry->old_hwpt_id = old_hwpt_id;
		__entry->ioas_id = ioas_id;
		__entry->rc = rc;
	),
	TP_printk("dev=%u hwpt=%u old_hwpt=%u ioas=%u rc=%d",
		  __entry->dev_id, __entry->hwpt_id, __entry->old_hwpt_id,
		  __entry->ioas_id, __entry->rc)
);

DEFINE_EVENT(iommufd_device_hwpt, iommufd_device_attach,
	TP_PROTO(u32 dev_id, u32 hwpt_id, u32 old_hwpt_id, u32 ioas_id,
		 int rc),
	TP_ARGS(dev_id, hwpt_id, old_hwpt_id, ioas_id, rc)
);

DEFINE_EVENT(iommufd_device_hwpt, iommufd_device_detach,
	TP_PROTO(u32 dev_id, u32 hwpt_id, u32 old_hwpt_id, u32 ioas_id,
		 int rc),
	TP_ARGS(dev_id, hwpt_id, old_hwpt_id, ioas_id, rc)
);

/* A driver's unmap callback of an access, and how long it took. */
TRACE_EVENT(iommufd_access_unmap,
	TP_PROTO(u32 access_id, u64 iova, u64 length, u64 duration_ns),
	TP_ARGS(access_id, iova, length, duration_ns),
	TP_STRUCT__entry(
		__field(u32, access_id)
		__field(u64, iova)
		__field(u64, length)
		__field(u64, duration_ns)
	),
	TP_fast_assign(
		__entry->access_id = access_id;
		__entry->iova = iova;
		__entry->length = length;
		__entry->duration_ns = duration_ns;
	),
	TP_printk("access=%u iova=%#llx length=%#llx duration_ns=%llu",
		  __entry->access_id, __entry->iova, __entry->length,
		  __entry->duration_ns)
);

/*
 * IOMMU_IOAS_CHANGE_PROCESS: the page sets moved to the caller, and the
 * pages newly charged to its user and to its mm.
 */
TRACE_EVENT(iommufd_change_process,
	TP_PROTO(unsigned int nioas, unsigned int nsets,
		 unsigned long user_pages, unsigned long mm_pages, int rc),
	TP_ARGS(nioas, nsets, user_pages, mm_pages, rc),
	TP_STRUCT__entry(
		__field(unsigned int, nioas)
		__field(unsigned int, nsets)
		__field(unsigned long, user_pages)
		__field(unsigned long, mm_pages)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->nioas = nioas;
		__entry->nsets = nsets;
		__entry->user_pages = user_pages;
		__entry->mm_pages = mm_pages;
		__entry->rc = rc;
	),
	TP_printk("ioases=%u sets=%u user_pages=%lu mm_pages=%lu rc=%d",
		  __entry->nioas, __entry->nsets, __entry->user_pages,
		  __entry->mm_pages, __entry->rc)
);

/* VFIO_IOMMU_MAP_DMA, on a VFIO container or on /dev/iommu. */
TRACE_EVENT(iommufd_vfio_map_dma,
	TP_PROTO(bool container, u32 ioas_id, u64 vaddr, u64 iova, u64 size,
		 u32 flags, int rc),
	TP_ARGS(container, ioas_id, vaddr, iova, size, flags, rc),
	TP_STRUCT__entry(
		__field(bool, container)
		__field(u32, ioas_id)
		__field(u64, vaddr)
		__field(u64, iova)
		__field(u64, size)
		__field(u32, flags)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->container = container;
		__entry->ioas_id = ioas_id;
		__entry->vaddr = vaddr;
		__entry->iova = iova;
		__entry->size = size;
		__entry->flags = flags;
		__entry->rc = rc;
	),
	TP_printk("door=%s ioas=%u vaddr=%#llx iova=%#llx size=%#llx flags=%#x rc=%d",
		  __entry->container ? "container" : "iommufd",
		  __entry->ioas_id, __entry->vaddr, __entry->iova,
		  __entry->size, __entry->flags, __entry->rc)
);

/* VFIO_IOMMU_UNMAP_DMA: the range asked for, and how much went. */
TRACE_EVENT(iommufd_vfio_unmap_dma,
	TP_PROTO(bool container, u32 ioas_id, u64 iova, u64 size, u32 flags,
		 u64 unmapped, int rc),
	TP_ARGS(container, ioas_id, iova, size, flags, unmapped, rc),
	TP_STRUCT__entry(
		__field(bool, container)
		__field(u32, ioas_id)
		__field(u64, iova)
		__field(u64, size)
		__field(u32, flags)
		__field(u64, unmapped)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->container = container;
		__entry->ioas_id = ioas_id;
		__entry->iova = iova;
		__entry->size = size;
		__entry->flags = flags;
		__entry->unmapped = unmapped;
		__entry->rc = rc;
	),
	TP_printk("door=%s ioas=%u iova=%#llx size=%#llx flags=%#x unmapped=%#llx rc=%d",
		  __entry->container ? "container" : "iommufd",
		  __entry->ioas_id, __entry->iova, __entry->size,
		  __entry->flags, __entry->unmapped, __entry->rc)
);

#endif /* _IOMMUFD_TRACE_H */

/* Out of the include/trace/events directory: found through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE iommufd_trace
#include <trace/define_trace.h>
