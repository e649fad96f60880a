/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * IOMMU_TEST_CMD: the test-only ioctl that drives the mock IOMMU.
 *
 * This header is shared by the kernel module (when built with its test
 * support) and by the userspace tests, so it only uses the fixed size types
 * of <linux/types.h>. The layout is binary compatible with upstream's test
 * command, so upstream's kselftest can run against this module.
 */
#ifndef _IOMMUFD_TEST_H
#define _IOMMUFD_TEST_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <uapi/linux/iommufd.h>
#else
#include <linux/iommufd.h>
#endif

/* Request number 0x3ba0: slot 32 of the table, clear of the real commands */
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/**
 * enum iommu_test_op - Operations of IOMMU_TEST_CMD
 * @IOMMU_TEST_OP_ADD_RESERVED: Reserve an IOVA range in IOAS @id
 *	(&iommu_test_cmd.add_reserved)
 * @IOMMU_TEST_OP_MOCK_DOMAIN: Create a mock device and attach it to the IOAS
 *	or HW pagetable @id (&iommu_test_cmd.mock_domain)
 * @IOMMU_TEST_OP_MD_CHECK_MAP: Check that the mock domain of HW pagetable @id
 *	maps a range to the memory behind a user pointer
 *	(&iommu_test_cmd.check_map)
 * @IOMMU_TEST_OP_MD_CHECK_REFS: Check the pin count of the pages behind a
 *	user pointer (&iommu_test_cmd.check_refs)
 * @IOMMU_TEST_OP_CREATE_ACCESS: Create an in-kernel access on IOAS @id and
 *	return a file descriptor for it (&iommu_test_cmd.create_access)
 * @IOMMU_TEST_OP_DESTROY_ACCESS_PAGES: Unpin pages pinned through the access
 *	whose file descriptor is @id (&iommu_test_cmd.destroy_access_pages)
 * @IOMMU_TEST_OP_ACCESS_PAGES: Pin pages through the access whose file
 *	descriptor is @id (&iommu_test_cmd.access_pages)
 * @IOMMU_TEST_OP_ACCESS_RW: Read or write IOVA through the access whose file
 *	descriptor is @id (&iommu_test_cmd.access_rw)
 * @IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT: Set the module-wide limit on
 *	temporary allocations (&iommu_test_cmd.memory_limit)
 * @IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: Move the mock device @id to another
 *	IOAS or HW pagetable (&iommu_test_cmd.mock_domain_replace)
 * @IOMMU_TEST_OP_ACCESS_REPLACE_IOAS: Move the access whose file descriptor
 *	is @id to another IOAS (&iommu_test_cmd.access_replace_ioas)
 * @IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: As MOCK_DOMAIN, with device flags
 *	(&iommu_test_cmd.mock_domain_flags)
 * @IOMMU_TEST_OP_DIRTY: Mark IOVA pages of mock HW pagetable @id dirty
 *	(&iommu_test_cmd.dirty)
 * @IOMMU_TEST_OP_MD_CHECK_IOTLB: Check an IOTLB slot of the mock nested
 *	HW pagetable @id (&iommu_test_cmd.check_iotlb)
 * @IOMMU_TEST_OP_TRIGGER_IOPF: Report an I/O page fault for a mock device
 *	(&iommu_test_cmd.trigger_iopf)
 * @IOMMU_TEST_OP_DEV_CHECK_CACHE: Check a cache slot of the mock device
 *	@id (&iommu_test_cmd.check_dev_cache)
 * @IOMMU_TEST_OP_TRIGGER_VEVENT: Report a vIOMMU event for a mock device
 *	(&iommu_test_cmd.trigger_vevent)
 * @IOMMU_TEST_OP_PASID_ATTACH: Attach a PASID of the mock device @id
 *	(&iommu_test_cmd.pasid_attach)
 * @IOMMU_TEST_OP_PASID_REPLACE: Replace the domain of a PASID of the mock
 *	device @id (&iommu_test_cmd.pasid_replace)
 * @IOMMU_TEST_OP_PASID_DETACH: Detach a PASID of the mock device @id
 *	(&iommu_test_cmd.pasid_detach)
 * @IOMMU_TEST_OP_PASID_CHECK_HWPT: Check which HW pagetable a PASID of the
 *	mock device @id uses (&iommu_test_cmd.pasid_check)
 * @IOMMU_TEST_OP_DMABUF_GET: Create a mock dma-buf and return its file
 *	descriptor as the ioctl result (&iommu_test_cmd.dmabuf_get)
 * @IOMMU_TEST_OP_DMABUF_REVOKE: Revoke or restore a mock dma-buf
 *	(&iommu_test_cmd.dmabuf_revoke)
 * @IOMMU_TEST_OP_PRIVATE_BASE: First number of the operations that exist
 *	only in this project. Numbers below it follow upstream's list and
 *	grow with it; numbers from here up are kept for this project, far
 *	above anything upstream's list will reach.
 * @IOMMU_TEST_OP_PIN_FLOOR: Pin the user memory of &iommu_test_cmd.pin_floor
 *	long term, as MAP would, then unpin it: the floor that make bench
 *	measures MAP against
 * @IOMMU_TEST_OP_SVA_DEV_CREATE: Create a mock SVA device that can use
 *	PASIDs [1, &iommu_test_cmd.sva_dev_create.max_pasid], as a file
 *	descriptor. Closing it unbinds what is still bound through it. @id
 *	is unused.
 * @IOMMU_TEST_OP_SVA_BIND: Bind the calling process's mm to the mock SVA
 *	device whose fd is @id (&iommu_test_cmd.sva_bind)
 * @IOMMU_TEST_OP_SVA_UNBIND: Unbind a handle of the mock SVA device @id,
 *	directly, from a work item or from an RCU callback
 *	(&iommu_test_cmd.sva_unbind)
 * @IOMMU_TEST_OP_SVA_DMA: DMA by the mock SVA device @id, tagged with a
 *	PASID, to or from a process virtual address (&iommu_test_cmd.sva_dma)
 * @IOMMU_TEST_OP_SVA_RELEASE: Run the mmu_notifier release() of a handle's
 *	mm once more, as the core may (&iommu_test_cmd.sva_unbind.handle)
 * @IOMMU_TEST_OP_SVA_FLUSH: Wait until unbinds asked for so far, and the
 *	frees they lead to, are complete; @id is unused
 * @IOMMU_TEST_OP_SVA_CORE_BIND: Bind the calling process's mm to a real
 *	PCI device through the IOMMU core, and unbind at once
 *	(&iommu_test_cmd.sva_core_bind); the result is what the core says
 * @IOMMU_TEST_OP_MD_SHORT_UNMAP: Make the mock domain of HW pagetable @id
 *	stop an unmap short, as a buggy IOMMU driver might, and read how
 *	many short unmaps iommufd has reported for it
 *	(&iommu_test_cmd.short_unmap). With MOCK_SHORT_UNMAP_ARM the domain
 *	unmaps &iommu_test_cmd.short_unmap.length more bytes (in whole IOMMU
 *	pages), then refuses the rest of the unmap that reaches that limit
 *	and is back to normal. What it refused stays mapped for good, as the
 *	pages behind it stay pinned: iommufd never unpins what a domain may
 *	still reach. The report is a pr_info, not a WARN, for a short unmap
 *	the mock made. EINVAL if @id is not a mock domain's HW pagetable,
 *	EOPNOTSUPP for an unknown flag.
 * @IOMMU_TEST_OP_MD_HOLD: Hold the next map or unmap call of the mock
 *	domain of HW pagetable @id until released (&iommu_test_cmd.md_hold),
 *	so that a test can act while a MAP or UNMAP is stopped inside the
 *	domain, with the locks it holds there. MOCK_HOLD_RELEASE lets every
 *	held call of the domain go on and disarms it; MOCK_HOLD_MAP and
 *	MOCK_HOLD_UNMAP then arm a one-shot hold of the next map_pages
 *	(that may sleep) or unmap_pages call. No flag only reads
 *	&iommu_test_cmd.md_hold.out_waiting, the calls held now, with which
 *	a test waits, bounded, for the hold to be reached. A held call goes
 *	on by itself after 180 s or when its task is killed. EINVAL if @id
 *	is not a mock domain's HW pagetable, EOPNOTSUPP for an unknown flag.
 * @IOMMU_TEST_OP_MAP_FLOOR: Do in the kernel only the work no MAP+UNMAP
 *	can skip, and time each part (&iommu_test_cmd.map_floor): pin the
 *	user memory long term for writing, 512 pages per GUP call as MAP
 *	does; iommu_map() each physically contiguous run of it into a new,
 *	empty mock domain with the page sizes of the mock domain of HW
 *	pagetable @id, at MOCK_APERTURE_START; iommu_unmap() it all; unpin
 *	it, dirty, a run at a time. EINVAL if @id is not a mock domain's HW
 *	pagetable, if the range is not page aligned, empty, wraps or is
 *	longer than the mock aperture; pinning errors (EFAULT, ENOMEM).
 *	Nothing is charged to RLIMIT_MEMLOCK and nothing stays pinned or
 *	mapped when it returns.
 * @IOMMU_TEST_OP_MAP_STATS: Read and reset the counters of where the
 *	time of MAP, UNMAP and MAP_FLOOR goes, and switch counting on or off
 *	(&iommu_test_cmd.map_stats). The counters are module wide; they
 *	count only while switched on, as reading the clock costs time.
 *
 * An op number the kernel does not know gives EOPNOTSUPP.
 */
enum iommu_test_op {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,
	IOMMU_TEST_OP_CREATE_ACCESS = 5,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6,
	IOMMU_TEST_OP_ACCESS_PAGES = 7,
	IOMMU_TEST_OP_ACCESS_RW = 8,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12,
	IOMMU_TEST_OP_DIRTY = 13,
	IOMMU_TEST_OP_MD_CHECK_IOTLB = 14,
	IOMMU_TEST_OP_TRIGGER_IOPF = 15,
	IOMMU_TEST_OP_DEV_CHECK_CACHE = 16,
	IOMMU_TEST_OP_TRIGGER_VEVENT = 17,
	IOMMU_TEST_OP_PASID_ATTACH = 18,
	IOMMU_TEST_OP_PASID_REPLACE = 19,
	IOMMU_TEST_OP_PASID_DETACH = 20,
	IOMMU_TEST_OP_PASID_CHECK_HWPT = 21,
	IOMMU_TEST_OP_DMABUF_GET = 22,
	IOMMU_TEST_OP_DMABUF_REVOKE = 23,

	IOMMU_TEST_OP_PRIVATE_BASE = 0x1000,
	IOMMU_TEST_OP_PIN_FLOOR = IOMMU_TEST_OP_PRIVATE_BASE,
	IOMMU_TEST_OP_SVA_DEV_CREATE = 0x1001,
	IOMMU_TEST_OP_SVA_BIND = 0x1002,
	IOMMU_TEST_OP_SVA_UNBIND = 0x1003,
	IOMMU_TEST_OP_SVA_DMA = 0x1004,
	IOMMU_TEST_OP_SVA_RELEASE = 0x1005,
	IOMMU_TEST_OP_SVA_FLUSH = 0x1006,
	IOMMU_TEST_OP_SVA_CORE_BIND = 0x1007,
	IOMMU_TEST_OP_MD_SHORT_UNMAP = 0x1010,
	IOMMU_TEST_OP_MD_HOLD = 0x1020,
	IOMMU_TEST_OP_MAP_FLOOR = 0x1030,
	IOMMU_TEST_OP_MAP_STATS = 0x1031,
};

/* MAP_STATS flags: count from now on; stop counting. */
#define MOCK_MAP_STATS_ON (1 << 0)
#define MOCK_MAP_STATS_OFF (1 << 1)

/**
 * enum iommu_test_map_stat_id - The counters of MAP_STATS, in array order
 * @MOCK_STAT_FILL: Filling an area into a domain, whole: calls are areas
 * @MOCK_STAT_PIN: Pinning for a fill: calls are GUP calls
 * @MOCK_STAT_CHARGE: Charging and uncharging RLIMIT_MEMLOCK and VmPin:
 *	calls are charges plus uncharges
 * @MOCK_STAT_MAP: iommu_map() of a fill: calls are iommu_map() calls
 * @MOCK_STAT_UNFILL: Taking an area out of a domain, whole: calls are
 *	areas
 * @MOCK_STAT_READ_PFN: Reading PFNs back from a domain at unfill: calls
 *	are iommu_iova_to_phys() calls
 * @MOCK_STAT_UNMAP: iommu_unmap() of an unfill: calls are iommu_unmap()
 *	calls
 * @MOCK_STAT_UNPIN: Unpinning at unfill: calls are unpin calls, each of
 *	a run of consecutive pages
 * @MOCK_STAT_FLOOR_MAP: iommu_map() of MAP_FLOOR: calls are iommu_map()
 *	calls, one per physically contiguous run
 * @MOCK_STAT_NR: Number of counters
 */
enum iommu_test_map_stat_id {
	MOCK_STAT_FILL,
	MOCK_STAT_PIN,
	MOCK_STAT_CHARGE,
	MOCK_STAT_MAP,
	MOCK_STAT_UNFILL,
	MOCK_STAT_READ_PFN,
	MOCK_STAT_UNMAP,
	MOCK_STAT_UNPIN,
	MOCK_STAT_FLOOR_MAP,
	MOCK_STAT_NR,
};

/**
 * struct iommu_test_map_stat - One counter of MAP_STATS
 * @calls: How many calls, see &enum iommu_test_map_stat_id
 * @ns: Time spent in them (CLOCK_MONOTONIC nanoseconds)
 */
struct iommu_test_map_stat {
	__aligned_u64 calls;
	__aligned_u64 ns;
};

/* MD_SHORT_UNMAP flags: arm the domain (else only read the count). */
#define MOCK_SHORT_UNMAP_ARM (1 << 0)

/* MD_HOLD flags: hold the next map, the next unmap; release what is held. */
#define MOCK_HOLD_MAP (1 << 0)
#define MOCK_HOLD_UNMAP (1 << 1)
#define MOCK_HOLD_RELEASE (1 << 2)

/**
 * enum mock_sva_unbind_mode - where SVA_UNBIND unbinds from
 * @MOCK_SVA_UNBIND_DIRECT: in the ioctl
 * @MOCK_SVA_UNBIND_WORK: from a work item, after the ioctl returned
 * @MOCK_SVA_UNBIND_RCU: from an RCU callback, after the ioctl returned
 */
enum mock_sva_unbind_mode {
	MOCK_SVA_UNBIND_DIRECT,
	MOCK_SVA_UNBIND_WORK,
	MOCK_SVA_UNBIND_RCU,
};

/* SVA_DMA flags: write to the process's memory (else read from it). */
#define MOCK_SVA_DMA_WRITE (1 << 0)
/* The most one SVA_DMA moves. */
#define MOCK_SVA_DMA_MAX 65536

/* The IOVA window of a mock paging domain, [16 MiB, 2 GiB - 1]. */
#define MOCK_APERTURE_START 0x01000000ULL
#define MOCK_APERTURE_LAST 0x7fffffffULL

/**
 * enum iommu_test_access_flags - Flags of ACCESS_PAGES, ACCESS_RW and, in
 *	test builds, IOMMU_IOAS_COPY
 * @MOCK_FLAGS_ACCESS_WRITE: ACCESS_PAGES pins the pages for writing
 * @MOCK_FLAGS_ACCESS_SYZ: The 64-bit IOVA field holds two __u32 values: the
 *	index of a mapping in IOVA order (low word) and an offset into it
 *	(high word). The IOVA used is the start of that mapping plus the
 *	offset, or 0 when there is no such mapping.
 * @MOCK_FLAGS_ACCESS_KTHREAD: This project's own, ACCESS_PAGES only: pin
 *	from a kthread (a workqueue worker), as a driver's worker would
 */
enum iommu_test_access_flags {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
	MOCK_FLAGS_ACCESS_KTHREAD = 1 << 25,
};

/**
 * enum iommu_test_access_rw_flags - Flags of ACCESS_RW
 * @MOCK_ACCESS_RW_WRITE: Copy from the user buffer to the IOVA; without it
 *	the copy goes from the IOVA to the user buffer
 * @MOCK_ACCESS_RW_SLOW_PATH: Use the pinning path even where a direct copy
 *	would be possible
 * @MOCK_ACCESS_RW_KTHREAD: This project's own: copy from a kthread (a
 *	workqueue worker), with IOMMUFD_ACCESS_RW_KTHREAD, as a driver's
 *	worker would
 *
 * MOCK_FLAGS_ACCESS_SYZ is accepted as well.
 */
enum iommu_test_access_rw_flags {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
	MOCK_ACCESS_RW_KTHREAD = 1 << 24,
};

/**
 * enum iommu_test_create_access_flags - Flags of CREATE_ACCESS
 * @MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES: The access may pin pages, not
 *	only read and write through them
 */
enum iommu_test_create_access_flags {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/**
 * enum iommu_test_device_flags - Flags of MOCK_DOMAIN_FLAGS
 * @MOCK_FLAGS_DEVICE_NO_DIRTY: The mock device has no dirty tracking
 * @MOCK_FLAGS_DEVICE_HUGE_IOVA: Mock domains of the device also map 1 MiB
 *	pages
 * @MOCK_FLAGS_DEVICE_PASID: The mock device supports PASIDs
 *	(MOCK_PASID_WIDTH bits)
 * @MOCK_FLAGS_DEVICE_RESV_REGIONS: This project's own: the mock device
 *	reports two reserved regions, an MSI window [MOCK_RESV_MSI_START,
 *	MOCK_RESV_MSI_LAST], which becomes reserved IOVA of the IOAS it
 *	attaches to, and a relaxable direct-mapped region
 *	[MOCK_RESV_RELAXABLE_START, MOCK_RESV_RELAXABLE_LAST], which does not
 *
 * Any other bit gives EINVAL.
 */
enum iommu_test_device_flags {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
	MOCK_FLAGS_DEVICE_RESV_REGIONS = 1 << 26,
};

/* The reserved regions of a MOCK_FLAGS_DEVICE_RESV_REGIONS device */
#define MOCK_RESV_MSI_START 0x70000000ULL
#define MOCK_RESV_MSI_LAST 0x700fffffULL
#define MOCK_RESV_RELAXABLE_START 0x71000000ULL
#define MOCK_RESV_RELAXABLE_LAST 0x710fffffULL

/* IOTLB slots of a mock nested domain. */
#define MOCK_NESTED_DOMAIN_IOTLB_ID_MAX 3
#define MOCK_NESTED_DOMAIN_IOTLB_NUM 4

/* Cache slots of a mock device. */
#define MOCK_DEV_CACHE_ID_MAX 3
#define MOCK_DEV_CACHE_NUM 4

/* PASID whose attach fails on every second try, to exercise rollback. */
#define IOMMU_TEST_PASID_RESERVED 1024
#define MOCK_PASID_WIDTH 20

/* GET_HW_INFO of a mock device: type and the value of test_reg. */
#define IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL 0xdeadbeef

/* HWPT_ALLOC data type of a mock nested domain. */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef
#define IOMMU_TEST_DEV_CACHE_DEFAULT 0xbaddad

/* HWPT_INVALIDATE data types for a mock nested domain. */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/**
 * enum iommu_test_invalidate_flags - Flags of the mock invalidation entries
 * @IOMMU_TEST_INVALIDATE_FLAG_ALL: Clear every slot, not just one
 */
enum iommu_test_invalidate_flags {
	IOMMU_TEST_INVALIDATE_FLAG_ALL = 1 << 0,
};

/* vIOMMU, its invalidation data, vEVENTQ and HW queue types of the mock. */
#define IOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef
#define IOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeef
#define IOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX 2

/**
 * struct iommu_test_cmd - ioctl(IOMMU_TEST_CMD)
 * @size: sizeof(struct iommu_test_cmd)
 * @op: One of &enum iommu_test_op
 * @id: The object the op works on; its meaning depends on the op (an IOAS,
 *	a HW pagetable, a mock device, or the file descriptor of an access)
 * @__reserved: Not checked by the kernel; pass 0
 * @add_reserved: ADD_RESERVED: reserve [@start, @start + @length - 1]
 * @add_reserved.start: First IOVA to reserve
 * @add_reserved.length: Number of bytes to reserve
 * @mock_domain: MOCK_DOMAIN results
 * @mock_domain.out_stdev_id: ID of the selftest object owning the device
 * @mock_domain.out_hwpt_id: ID of the HW pagetable the device attached to
 * @mock_domain.out_idev_id: ID of the DEVICE object
 * @mock_domain_flags: MOCK_DOMAIN_FLAGS arguments and results
 * @mock_domain_flags.out_stdev_id: As for MOCK_DOMAIN
 * @mock_domain_flags.out_hwpt_id: As for MOCK_DOMAIN
 * @mock_domain_flags.out_idev_id: As for MOCK_DOMAIN
 * @mock_domain_flags.dev_flags: Combination of &enum iommu_test_device_flags
 * @mock_domain_replace: MOCK_DOMAIN_REPLACE arguments
 * @mock_domain_replace.pt_id: IOAS or HW pagetable to move to; on return
 *	the HW pagetable used
 * @check_map: MD_CHECK_MAP arguments
 * @check_map.iova: First IOVA to check
 * @check_map.length: Number of bytes to check
 * @check_map.uptr: User memory the range must map to
 * @check_refs: MD_CHECK_REFS arguments
 * @check_refs.length: Number of bytes to check
 * @check_refs.uptr: Start of the user memory
 * @check_refs.refs: Expected pin count of every page
 * @create_access: CREATE_ACCESS arguments and result
 * @create_access.out_access_fd: File descriptor of the new access
 * @create_access.flags: Combination of &enum iommu_test_create_access_flags
 * @destroy_access_pages: DESTROY_ACCESS_PAGES arguments
 * @destroy_access_pages.access_pages_id: Pin to undo, as returned by
 *	ACCESS_PAGES
 * @access_pages: ACCESS_PAGES arguments and result
 * @access_pages.flags: Combination of &enum iommu_test_access_flags
 * @access_pages.out_access_pages_id: ID of the new pin within the access
 * @access_pages.iova: First IOVA to pin
 * @access_pages.length: Number of bytes to pin
 * @access_pages.uptr: If nonzero, the user memory the pinned pages must be
 * @access_rw: ACCESS_RW arguments
 * @access_rw.iova: First IOVA to access
 * @access_rw.length: Number of bytes to copy
 * @access_rw.uptr: User buffer
 * @access_rw.flags: Combination of &enum iommu_test_access_rw_flags and
 *	MOCK_FLAGS_ACCESS_SYZ
 * @memory_limit: SET_TEMP_MEMORY_LIMIT arguments
 * @memory_limit.limit: New limit in bytes, at least 12
 * @access_replace_ioas: ACCESS_REPLACE_IOAS arguments
 * @access_replace_ioas.ioas_id: IOAS to move the access to
 * @dirty: DIRTY arguments and result
 * @dirty.flags: Not used, pass 0
 * @dirty.iova: First IOVA of the range
 * @dirty.length: Length of the range
 * @dirty.page_size: Bytes of IOVA one bitmap bit stands for
 * @dirty.uptr: Bitmap of the pages to mark dirty
 * @dirty.out_nr_dirty: Number of mapped pages that were marked
 * @check_iotlb: MD_CHECK_IOTLB arguments
 * @check_iotlb.id: IOTLB slot
 * @check_iotlb.iotlb: Expected value of the slot
 * @trigger_iopf: TRIGGER_IOPF arguments
 * @trigger_iopf.dev_id: DEVICE object that faults
 * @trigger_iopf.pasid: PASID of the fault; 0 for none
 * @trigger_iopf.grpid: Page request group
 * @trigger_iopf.perm: Permissions the access asked for
 * @trigger_iopf.addr: Faulting address
 * @check_dev_cache: DEV_CHECK_CACHE arguments
 * @check_dev_cache.id: Cache slot
 * @check_dev_cache.cache: Expected value of the slot
 * @trigger_vevent: TRIGGER_VEVENT arguments
 * @trigger_vevent.dev_id: DEVICE object the event is about
 * @pasid_attach: PASID_ATTACH arguments
 * @pasid_attach.pasid: PASID to attach
 * @pasid_attach.pt_id: IOAS or HW pagetable; on return the HW pagetable used
 * @pasid_replace: PASID_REPLACE arguments
 * @pasid_replace.pasid: PASID to change
 * @pasid_replace.pt_id: IOAS or HW pagetable; on return the HW pagetable
 *	used
 * @pasid_detach: PASID_DETACH arguments
 * @pasid_detach.pasid: PASID to detach
 * @pasid_check: PASID_CHECK_HWPT arguments
 * @pasid_check.pasid: PASID to check
 * @pasid_check.hwpt_id: Expected HW pagetable; 0 expects none
 * @dmabuf_get: DMABUF_GET arguments
 * @dmabuf_get.length: Size of the dma-buf
 * @dmabuf_get.open_flags: Flags of the new file descriptor
 * @dmabuf_revoke: DMABUF_REVOKE arguments
 * @dmabuf_revoke.dmabuf_fd: A dma-buf made by DMABUF_GET
 * @dmabuf_revoke.revoked: Nonzero to revoke, 0 to restore
 * @pin_floor: PIN_FLOOR arguments
 * @pin_floor.uptr: First byte, page aligned
 * @pin_floor.length: Bytes, page aligned
 * @sva_dev_create: SVA_DEV_CREATE arguments
 * @sva_dev_create.max_pasid: In: the highest PASID the device can use;
 *	0 means none
 * @sva_dev_create.out_fd: Out: the device's file descriptor
 * @sva_bind: SVA_BIND arguments
 * @sva_bind.out_handle: Out: the handle's number on the device
 * @sva_bind.out_pasid: Out: the mm's PASID
 * @sva_unbind: SVA_UNBIND and SVA_RELEASE arguments
 * @sva_unbind.handle: A handle number from SVA_BIND
 * @sva_unbind.mode: &enum mock_sva_unbind_mode
 * @sva_dma: SVA_DMA arguments
 * @sva_dma.pasid: The PASID the DMA is tagged with
 * @sva_dma.flags: MOCK_SVA_DMA_WRITE
 * @sva_dma.va: Address in the bound process, any alignment
 * @sva_dma.uptr: Buffer of the caller: the data to write, or where the
 *	data read goes
 * @sva_dma.length: Bytes, at most MOCK_SVA_DMA_MAX
 * @sva_core_bind: SVA_CORE_BIND arguments
 * @sva_core_bind.pci_id: The device: PCI segment << 16 | bus << 8 | devfn
 * @short_unmap: MD_SHORT_UNMAP arguments and result
 * @short_unmap.length: With MOCK_SHORT_UNMAP_ARM: bytes still unmapped
 *	before the domain refuses
 * @short_unmap.flags: 0 or MOCK_SHORT_UNMAP_ARM
 * @short_unmap.out_reported: Short unmaps of the domain iommufd reported
 * @md_hold: MD_HOLD arguments and result
 * @md_hold.flags: MOCK_HOLD_* flags
 * @md_hold.out_waiting: Map and unmap calls of the domain held now
 * @map_floor: MAP_FLOOR arguments and results
 * @map_floor.uptr: First byte, page aligned
 * @map_floor.length: Bytes, page aligned
 * @map_floor.out_pin_ns: Time pinning took
 * @map_floor.out_map_ns: Time the iommu_map() calls took
 * @map_floor.out_unmap_ns: Time the iommu_unmap() took
 * @map_floor.out_unpin_ns: Time unpinning took
 * @map_stats: MAP_STATS arguments and results
 * @map_stats.flags: MOCK_MAP_STATS_ON or MOCK_MAP_STATS_OFF, or 0 to
 *	leave counting as it is; both give EINVAL, any other bit EOPNOTSUPP
 * @map_stats.nr: In: room, in counters, at @map_stats.uptr; out: how
 *	many counters the kernel has (MOCK_STAT_NR), of which the first
 *	min(in, out) were written
 * @map_stats.uptr: Array of &struct iommu_test_map_stat, in the order of
 *	&enum iommu_test_map_stat_id; may be 0 with @map_stats.nr 0
 * @last: Marks the end of the struct; pass 0
 *
 * The minimum size ends at @last. Ops of this project's own, from
 * IOMMU_TEST_OP_PRIVATE_BASE up, fit their arguments into the union so
 * that the size and the position of @last never change.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__aligned_u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;
		} pasid_check;
		struct {
			__u32 length;
			__u32 open_flags;
		} dmabuf_get;
		struct {
			__s32 dmabuf_fd;
			__u32 revoked;
		} dmabuf_revoke;
		struct {
			__aligned_u64 uptr;
			__aligned_u64 length;
		} pin_floor;
		struct {
			__u32 max_pasid;
			__u32 out_fd;
		} sva_dev_create;
		struct {
			__u32 out_handle;
			__u32 out_pasid;
		} sva_bind;
		struct {
			__u32 handle;
			__u32 mode;
		} sva_unbind;
		struct {
			__u32 pasid;
			__u32 flags;
			__aligned_u64 va;
			__aligned_u64 uptr;
			__aligned_u64 length;
		} sva_dma;
		struct {
			__u32 pci_id;
		} sva_core_bind;
		struct {
			__aligned_u64 length;
			__u32 flags;
			__u32 out_reported;
		} short_unmap;
		struct {
			__u32 flags;
			__u32 out_waiting;
		} md_hold;
		struct {
			__aligned_u64 uptr;
			__aligned_u64 length;
			__aligned_u64 out_pin_ns;
			__aligned_u64 out_map_ns;
			__aligned_u64 out_unmap_ns;
			__aligned_u64 out_unpin_ns;
		} map_floor;
		struct {
			__u32 flags;
			__u32 nr;
			__aligned_u64 uptr;
		} map_stats;
	};
	__u32 last;
};

/**
 * struct iommu_test_hw_info - GET_HW_INFO data of a mock device
 * @flags: Always 0
 * @test_reg: IOMMU_HW_INFO_SELFTEST_REGVAL
 */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/**
 * struct iommu_hwpt_selftest - HWPT_ALLOC data of a mock nested domain
 *	(IOMMU_HWPT_DATA_SELFTEST)
 * @iotlb: Initial value of every IOTLB slot
 */
struct iommu_hwpt_selftest {
	__u32 iotlb;
};

/**
 * struct iommu_hwpt_invalidate_selftest - HWPT_INVALIDATE entry for a mock
 *	nested domain (IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)
 * @flags: 0 or IOMMU_TEST_INVALIDATE_FLAG_ALL
 * @iotlb_id: Slot to clear, at most MOCK_NESTED_DOMAIN_IOTLB_ID_MAX;
 *	ignored with IOMMU_TEST_INVALIDATE_FLAG_ALL
 */
struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/**
 * struct iommu_viommu_selftest - VIOMMU_ALLOC data of a mock vIOMMU
 * @in_data: Value passed in
 * @out_data: Value returned by the mock
 * @out_mmap_offset: mmap offset of a page the mock vIOMMU exposes
 * @out_mmap_length: Length of that mapping
 */
struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/**
 * struct iommu_viommu_invalidate_selftest - HWPT_INVALIDATE entry for a mock
 *	vIOMMU (IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST)
 * @flags: 0 or IOMMU_TEST_INVALIDATE_FLAG_ALL
 * @vdev_id: Virtual ID of the device whose cache is cleared
 * @cache_id: Slot to clear, at most MOCK_DEV_CACHE_ID_MAX; ignored with
 *	IOMMU_TEST_INVALIDATE_FLAG_ALL
 */
struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

/**
 * struct iommu_viommu_event_selftest - vEVENT reported by a mock vIOMMU
 *	(IOMMU_VEVENTQ_TYPE_SELFTEST)
 * @virt_id: Virtual ID of the device the event is about
 */
struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

#endif
