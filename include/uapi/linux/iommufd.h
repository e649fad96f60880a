/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * User ABI of /dev/iommu (iommufd).
 *
 * The numbers, names and layouts below are binary compatible with the
 * upstream Linux iommufd interface, so existing userspace can drive this
 * module unchanged.
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

/**
 * DOC: General ioctl format
 *
 * All commands are ioctls on a file descriptor obtained by opening
 * /dev/iommu. The request number is made with _IO(IOMMUFD_TYPE, nr), so it
 * encodes neither a transfer direction nor a length: the only argument is a
 * pointer to the command's struct, and the first field of every struct is a
 * __u32 ``size`` in which the caller states how many bytes it is passing.
 *
 * The size is what lets a command struct gain fields without breaking old
 * binaries or new binaries on old kernels. The kernel compares the caller's
 * size with its own idea of the struct:
 *
 * - A size smaller than the command's minimum fails with EINVAL. The
 *   minimum is the end of the last field the command cannot work without;
 *   for most commands that is the end of the struct.
 * - A size between the minimum and the kernel's struct size is fine. The
 *   bytes the caller did not pass are taken as zero, which is always the
 *   "feature not used" value of a newer field.
 * - A size larger than the kernel's struct size is fine as long as every
 *   byte beyond the kernel's struct is zero. A nonzero byte there means the
 *   caller asks for something this kernel does not understand, and the
 *   command fails with E2BIG before doing anything.
 *
 * Commands that return data do so by writing the kernel's copy of the whole
 * struct back over the caller's buffer, limited to the smaller of the two
 * sizes. Input fields therefore read back with the value they went in with.
 * A command whose documentation says otherwise (IOMMU_OPTION) writes back
 * only the fields it names.
 *
 * The request numbers form a contiguous range starting at IOMMUFD_CMD_BASE.
 * Numbers below that range belong to the VFIO type1 container emulation on
 * the same file descriptor.
 *
 * The error codes carry the same meaning in every command:
 *
 * ==========  ==========================================================
 * ENOTTY      The request number is not a command of this kernel.
 * E2BIG       Bytes beyond the kernel's struct are not zero.
 * EOPNOTSUPP  The struct is understood but a field holds a value this
 *             kernel does not support: an unknown flag bit, a nonzero
 *             reserved field, an unknown operation or type.
 * EINVAL      The fields are understood but their values are invalid or
 *             do not fit together. Also returned when size is below the
 *             command's minimum.
 * ENOENT      An object ID does not exist, names an object of the wrong
 *             type, or an IOVA range is not mapped.
 * ENOMEM      Out of memory, or pinning would exceed RLIMIT_MEMLOCK.
 * EOVERFLOW   An address or length computation overflowed, or a value is
 *             at least ULONG_MAX.
 * EFAULT      A user pointer could not be read or written.
 * EBUSY       The object is still in use, or a concurrent operation on
 *             the same range is in progress.
 * EMSGSIZE    An output array was too small; the required count has
 *             been written back.
 * EEXIST      The requested IOVA range is already mapped.
 * EADDRINUSE  A reserved range would overlap a mapping, an allowed range
 *             or another reservation.
 * ENOSPC      No free IOVA range big enough was found.
 * EPERM       A capability is missing, or write access was asked for
 *             memory that cannot be written.
 * EDEADLOCK   An in-kernel user kept pages pinned while they were being
 *             unmapped.
 * ==========  ==========================================================
 */

/**
 * enum iommufd_cmd_nr - Command numbers of the iommufd ioctls
 * @IOMMUFD_CMD_BASE: First command number
 * @IOMMUFD_CMD_DESTROY: see &struct iommu_destroy
 * @IOMMUFD_CMD_IOAS_ALLOC: see &struct iommu_ioas_alloc
 * @IOMMUFD_CMD_IOAS_ALLOW_IOVAS: see &struct iommu_ioas_allow_iovas
 * @IOMMUFD_CMD_IOAS_COPY: see &struct iommu_ioas_copy
 * @IOMMUFD_CMD_IOAS_IOVA_RANGES: see &struct iommu_ioas_iova_ranges
 * @IOMMUFD_CMD_IOAS_MAP: see &struct iommu_ioas_map
 * @IOMMUFD_CMD_IOAS_UNMAP: see &struct iommu_ioas_unmap
 * @IOMMUFD_CMD_OPTION: see &struct iommu_option
 * @IOMMUFD_CMD_VFIO_IOAS: see &struct iommu_vfio_ioas
 * @IOMMUFD_CMD_HWPT_ALLOC: see &struct iommu_hwpt_alloc
 * @IOMMUFD_CMD_GET_HW_INFO: see &struct iommu_hw_info
 * @IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING: see
 *	&struct iommu_hwpt_set_dirty_tracking
 * @IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP: see &struct iommu_hwpt_get_dirty_bitmap
 * @IOMMUFD_CMD_HWPT_INVALIDATE: see &struct iommu_hwpt_invalidate
 * @IOMMUFD_CMD_FAULT_QUEUE_ALLOC: see &struct iommu_fault_alloc
 * @IOMMUFD_CMD_IOAS_MAP_FILE: see &struct iommu_ioas_map_file
 * @IOMMUFD_CMD_VIOMMU_ALLOC: see &struct iommu_viommu_alloc
 * @IOMMUFD_CMD_VDEVICE_ALLOC: see &struct iommu_vdevice_alloc
 * @IOMMUFD_CMD_IOAS_CHANGE_PROCESS: see &struct iommu_ioas_change_process
 * @IOMMUFD_CMD_VEVENTQ_ALLOC: see &struct iommu_veventq_alloc
 * @IOMMUFD_CMD_HW_QUEUE_ALLOC: see &struct iommu_hw_queue_alloc
 *
 * The values are fixed ABI. New commands are only ever appended.
 */
enum iommufd_cmd_nr {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = 0x80,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/**
 * struct iommu_destroy - ioctl(IOMMU_DESTROY)
 * @size: sizeof(struct iommu_destroy)
 * @id: ID of the object to destroy
 *
 * Destroys any object that userspace is allowed to destroy, whatever its
 * type. The object goes away only if nothing else holds it: an IOAS used by
 * a HW pagetable or by an in-kernel access, or a HW pagetable with a device
 * attached, fails with EBUSY and is left as it was. DEVICE and ACCESS
 * objects belong to the kernel driver that created them and always give
 * EBUSY. An ID that does not exist, or whose object is still being created,
 * gives ENOENT. Closing the file descriptor destroys every remaining object.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/**
 * struct iommu_ioas_alloc - ioctl(IOMMU_IOAS_ALLOC)
 * @size: sizeof(struct iommu_ioas_alloc)
 * @flags: Must be 0
 * @out_ioas_id: ID of the new IOAS
 *
 * Creates an I/O address space (IOAS): a table of IOVA to memory mappings
 * that HW pagetables and in-kernel users are built from. A new IOAS maps
 * nothing, reserves nothing, has no allowed list, an IOVA alignment of 1
 * and huge pages enabled.
 *
 * Object IDs are allocated per file descriptor, starting at 1, always
 * taking the lowest free number; 0 is never a valid ID.
 *
 * Errors: EOPNOTSUPP for nonzero @flags, ENOMEM. If the result cannot be
 * written back (EFAULT) the new IOAS is destroyed again.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/**
 * struct iommu_iova_range - A range of IOVA
 * @start: First IOVA in the range
 * @last: Last IOVA in the range, inclusive
 */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_allow_iovas - ioctl(IOMMU_IOAS_ALLOW_IOVAS)
 * @size: sizeof(struct iommu_ioas_allow_iovas)
 * @ioas_id: IOAS to change
 * @num_iovas: Number of entries in @allowed_iovas; 0 empties the list
 * @__reserved: Must be 0
 * @allowed_iovas: Pointer to an array of &struct iommu_iova_range
 *
 * Replaces the IOAS's list of allowed IOVA ranges. The new list is built
 * completely and then swapped in, so a failed call leaves the old list in
 * place.
 *
 * A non-empty allowed list restricts where the kernel places mappings when
 * it chooses the IOVA itself, and it is protected: a later reservation
 * that would overlap an allowed range, such as the reserved regions of a
 * device being attached, fails with EADDRINUSE. The list does not restrict
 * IOMMU_IOAS_MAP_FIXED_IOVA mappings and does not change what
 * IOMMU_IOAS_IOVA_RANGES reports.
 *
 * Errors: EOPNOTSUPP for a nonzero @__reserved; ENOENT if @ioas_id is not
 * an IOAS; EINVAL if an entry has start >= last (so one-byte ranges are
 * refused) or if entries overlap; EADDRINUSE if an entry overlaps a
 * reserved range; EFAULT; ENOMEM.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum iommufd_ioas_map_flags - Flags for mapping memory into an IOAS
 * @IOMMU_IOAS_MAP_FIXED_IOVA: Map at the IOVA given by the caller. Without
 *	it the kernel picks the IOVA and returns it.
 * @IOMMU_IOAS_MAP_WRITEABLE: Devices may write to the memory
 * @IOMMU_IOAS_MAP_READABLE: Devices may read from the memory
 *
 * Used by IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_COPY. At least
 * one of READABLE and WRITEABLE must be given (EINVAL otherwise); any other
 * bit gives EOPNOTSUPP.
 */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)
 * @size: sizeof(struct iommu_ioas_map)
 * @flags: Combination of &enum iommufd_ioas_map_flags
 * @ioas_id: IOAS to map into
 * @__reserved: Must be 0
 * @user_va: Start of the memory in the caller's address space
 * @length: Number of bytes to map
 * @iova: With IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at; on return the
 *	IOVA that was used
 *
 * Makes the memory at @user_va visible at @iova, with the permissions of
 * @flags, in the IOAS and in every HW pagetable built from it. The call is
 * all or nothing.
 *
 * When the kernel picks the IOVA it never returns 0, avoids reserved and
 * mapped ranges, stays inside the allowed ranges if there are any, takes
 * the lowest hole that fits, and gives the IOVA the same offset within a
 * page as @user_va.
 *
 * While no HW pagetable uses the IOAS the memory is only recorded; it is
 * pinned, and @user_va checked, when a pagetable or an in-kernel user first
 * needs the pages. Pinned memory is charged to RLIMIT_MEMLOCK once per
 * page, however many times it is mapped.
 *
 * Errors: EOPNOTSUPP for unknown flags or a nonzero @__reserved; EOVERFLOW
 * if @iova or @length is ULONG_MAX or more, or the range wraps; EINVAL if
 * neither READABLE nor WRITEABLE is set, if @length is 0, or if @length,
 * @iova or the page offset of @user_va is not a multiple of the IOAS
 * alignment, or if a fixed range hits a reserved range; ENOENT if @ioas_id
 * is not an IOAS; EEXIST if a fixed range overlaps an existing mapping;
 * ENOSPC if no hole fits; EFAULT or ENOMEM if pinning fails.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/**
 * struct iommu_ioas_map_file - ioctl(IOMMU_IOAS_MAP_FILE)
 * @size: sizeof(struct iommu_ioas_map_file)
 * @flags: Combination of &enum iommufd_ioas_map_flags
 * @ioas_id: IOAS to map into
 * @fd: File whose pages are mapped (a memfd on shmem or hugetlbfs)
 * @start: Byte offset into the file
 * @length: Number of bytes to map
 * @iova: With IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at; on return the
 *	IOVA that was used
 *
 * Like IOMMU_IOAS_MAP, but the memory is the page cache of a file rather
 * than a range of the caller's address space, and the alignment of a
 * kernel-chosen IOVA follows @start. Only mappings made this way can be
 * handed over to another process with IOMMU_IOAS_CHANGE_PROCESS.
 *
 * Errors: those of IOMMU_IOAS_MAP, plus EBADF for a bad @fd, EOVERFLOW if
 * @start + @length wraps, and EPERM when write access is asked for a file
 * that was not opened for writing.
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/**
 * struct iommu_ioas_copy - ioctl(IOMMU_IOAS_COPY)
 * @size: sizeof(struct iommu_ioas_copy)
 * @flags: Combination of &enum iommufd_ioas_map_flags for the new mapping
 * @dst_ioas_id: IOAS to map into
 * @src_ioas_id: IOAS the memory is taken from; may equal @dst_ioas_id
 * @length: Number of bytes to copy
 * @dst_iova: With IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at; on return
 *	the IOVA that was used
 * @src_iova: Start of the range in the source IOAS
 *
 * Maps the memory behind [@src_iova, @src_iova + @length) of the source
 * IOAS into the destination IOAS. The pages already pinned for the source
 * are shared; nothing is pinned or charged a second time. The source range
 * must be fully covered by mappings without holes; it may be part of one
 * mapping or span several adjacent ones.
 *
 * Errors: EOPNOTSUPP for unknown flags; EOVERFLOW if an address or length
 * is ULONG_MAX or more; EINVAL if neither READABLE nor WRITEABLE is set or
 * @length is 0; ENOENT for a bad ID or an uncovered source range; EPERM
 * when asking for write access to pages pinned read-only; otherwise the
 * destination errors of IOMMU_IOAS_MAP.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};

#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/**
 * struct iommu_ioas_iova_ranges - ioctl(IOMMU_IOAS_IOVA_RANGES)
 * @size: sizeof(struct iommu_ioas_iova_ranges)
 * @ioas_id: IOAS to query
 * @num_iovas: On input the number of entries @allowed_iovas can hold; on
 *	output the number of ranges the IOAS has
 * @__reserved: Must be 0
 * @allowed_iovas: Pointer to an array of &struct iommu_iova_range to fill
 * @out_iova_alignment: Alignment that MAP and COPY require of an IOVA and a
 *	length in this IOAS
 *
 * Reports the IOVA ranges that can be mapped: the gaps between the reserved
 * ranges of the IOAS over the whole 64-bit space, in ascending order. The
 * answer is a consistent snapshot. It can change when devices are attached
 * or detached, since their reserved regions and apertures become reserved
 * ranges of the IOAS.
 *
 * The array is filled up to its capacity and the total is always written
 * to @num_iovas, together with @out_iova_alignment. If the total exceeds
 * the capacity the call then fails with EMSGSIZE, so callers can pass 0
 * first to learn the count and call again with an array that big.
 *
 * Errors: EOPNOTSUPP for a nonzero @__reserved; ENOENT if @ioas_id is not
 * an IOAS; EMSGSIZE as above; EFAULT.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};

#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/**
 * struct iommu_ioas_unmap - ioctl(IOMMU_IOAS_UNMAP)
 * @size: sizeof(struct iommu_ioas_unmap)
 * @ioas_id: IOAS to unmap from
 * @iova: Start of the range
 * @length: On input the length of the range; on return the number of bytes
 *	that were unmapped
 *
 * Removes every mapping that lies inside [@iova, @iova + @length). A
 * mapping that only partly overlaps the range is never split; it makes the
 * call fail with ENOENT. @iova 0 with @length U64_MAX removes everything,
 * and succeeds even if nothing is mapped.
 *
 * Mappings are removed one by one in IOVA order, so a failure can leave
 * the earlier ones already removed; @length is not written back then.
 *
 * Errors: ENOENT if @ioas_id is not an IOAS, if nothing is mapped in the
 * range, or if a mapping sticks out of it; EOVERFLOW if @iova or @length is
 * ULONG_MAX or more, or the range wraps; EINVAL if @length is 0; EBUSY if a
 * mapping in the range is still being created; EDEADLOCK if an in-kernel
 * user does not release its pins.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/**
 * enum iommufd_option - Options of IOMMU_OPTION
 * @IOMMU_OPTION_RLIMIT_MODE: How pinned memory is charged, for the whole
 *	file descriptor (object_id must be 0). 0 charges the user's
 *	locked_vm, the default for /dev/iommu; 1 charges the process's
 *	locked_vm, as VFIO does. Setting it needs CAP_SYS_RESOURCE (EPERM)
 *	and a file descriptor without any object (EBUSY).
 * @IOMMU_OPTION_HUGE_PAGES: For the IOAS named by object_id. 1, the
 *	default, lets contiguous pages be mapped with large IOPTEs; 0 maps
 *	every page on its own and raises the IOAS alignment to PAGE_SIZE.
 *	Setting 0 fails with EINVAL while the IOAS has both a HW pagetable and
 *	a mapping.
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - Operations of IOMMU_OPTION
 * @IOMMU_OPTION_OP_SET: Set the option to val64
 * @IOMMU_OPTION_OP_GET: Return the option's value in val64
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - ioctl(IOMMU_OPTION)
 * @size: sizeof(struct iommu_option)
 * @option_id: One of &enum iommufd_option
 * @op: One of &enum iommufd_option_ops
 * @__reserved: Must be 0
 * @object_id: Object the option applies to, or 0 for a global option
 * @val64: Value to set, or the value read
 *
 * Reads or changes a setting of the file descriptor or of one of its
 * objects. Both options take only the values 0 and 1 (EINVAL otherwise).
 * On success only @val64 is written back, for SET as well as GET.
 *
 * Errors: EOPNOTSUPP for an unknown @option_id or @op, a nonzero
 * @__reserved, or a nonzero @object_id for a global option; ENOENT for a bad
 * @object_id; the option specific errors of &enum iommufd_option.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};

#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/**
 * enum iommufd_vfio_ioas_op - Operations of IOMMU_VFIO_IOAS
 * @IOMMU_VFIO_IOAS_GET: Return the ID of the compatibility IOAS
 * @IOMMU_VFIO_IOAS_SET: Make ioas_id the compatibility IOAS
 * @IOMMU_VFIO_IOAS_CLEAR: Forget the compatibility IOAS (it is not
 *	destroyed)
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/**
 * struct iommu_vfio_ioas - ioctl(IOMMU_VFIO_IOAS)
 * @size: sizeof(struct iommu_vfio_ioas)
 * @ioas_id: For SET the IOAS to use; for GET the IOAS returned
 * @op: One of &enum iommufd_vfio_ioas_op
 * @__reserved: Must be 0
 *
 * Chooses the IOAS that the VFIO type1 container ioctls on this file
 * descriptor act on. If a VFIO group is attached while none is chosen, a
 * new IOAS is created and chosen; it is an ordinary object, visible through
 * GET and destroyed when the file descriptor is closed.
 *
 * Errors: EOPNOTSUPP for an unknown @op or a nonzero @__reserved; ENODEV
 * for GET when no IOAS is chosen; ENOENT for SET with an ID that is not an
 * IOAS.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};

#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/**
 * enum iommufd_hwpt_alloc_flags - Flags for IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_ALLOC_NEST_PARENT: The new paging HW pagetable may later be
 *	used as the parent of nested HW pagetables or of a vIOMMU
 * @IOMMU_HWPT_ALLOC_DIRTY_TRACKING: The HW pagetable must support dirty
 *	tracking; the device must report IOMMU_HW_CAP_DIRTY_TRACKING
 *	(EOPNOTSUPP otherwise)
 * @IOMMU_HWPT_FAULT_ID_VALID: fault_id is valid; I/O page faults of
 *	devices attached to the HW pagetable are delivered to that FAULT
 *	object
 * @IOMMU_HWPT_ALLOC_PASID: The HW pagetable must be attachable to PASIDs
 *	of a device
 */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

/**
 * enum iommu_hwpt_data_type - Types of driver data passed to IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_DATA_NONE: No data; a paging HW pagetable is allocated
 * @IOMMU_HWPT_DATA_VTD_S1: Intel VT-d stage-1 pagetable
 * @IOMMU_HWPT_DATA_ARM_SMMUV3: ARM SMMUv3 stream table entry
 */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
};

/**
 * struct iommu_hwpt_alloc - ioctl(IOMMU_HWPT_ALLOC)
 * @size: sizeof(struct iommu_hwpt_alloc)
 * @flags: Combination of &enum iommufd_hwpt_alloc_flags
 * @dev_id: The device the HW pagetable is made for
 * @pt_id: An IOAS, to get a paging HW pagetable, or a nesting parent paging
 *	HW pagetable or vIOMMU, to get a nested one
 * @out_hwpt_id: ID of the new HW pagetable
 * @__reserved: Must be 0
 * @data_type: One of &enum iommu_hwpt_data_type
 * @data_len: Length of the data at @data_uptr
 * @data_uptr: Pointer to the driver data describing a nested HW pagetable
 * @fault_id: FAULT object to report I/O page faults to, when
 *	IOMMU_HWPT_FAULT_ID_VALID is set
 * @__reserved2: Padding, should be 0
 *
 * Creates a HW pagetable (an IOMMU domain) for the device, without
 * attaching it. A paging HW pagetable made from an IOAS starts out holding
 * every mapping of that IOAS and follows its later changes; its aperture
 * and page size are applied to the IOAS. The IOAS cannot be destroyed
 * while the HW pagetable exists. Such a HW pagetable is only used when a
 * device is attached to it by ID, never picked automatically.
 *
 * The struct may be passed without @data_type and the fields after it
 * (the minimum size ends at @__reserved); they then read as zero.
 *
 * Errors: EOPNOTSUPP for a nonzero @__reserved, unknown flags, or flags or
 * data the driver cannot honour; EINVAL if @data_len is 0 for a data type
 * other than NONE or nonzero for NONE, if @pt_id does not name a suitable
 * object (EINVAL, not ENOENT), or if the domain's page size exceeds
 * PAGE_SIZE; ENOENT if @dev_id is not a device; EADDRINUSE if the aperture
 * collides with a mapping or an allowed range; EFAULT or ENOMEM from
 * pinning. The call is all or nothing.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/**
 * enum iommu_hw_info_type - Types of IOMMU hardware information
 * @IOMMU_HW_INFO_TYPE_NONE: No driver specific information
 * @IOMMU_HW_INFO_TYPE_DEFAULT: As input, let the driver return its default
 *	type; the same value as NONE
 * @IOMMU_HW_INFO_TYPE_INTEL_VTD: Intel VT-d register information
 * @IOMMU_HW_INFO_TYPE_ARM_SMMUV3: ARM SMMUv3 ID registers
 * @IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV: NVIDIA Tegra241 CMDQV information
 */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
};

/**
 * enum iommufd_hw_capabilities - Generic capabilities of an IOMMU
 * @IOMMU_HW_CAP_DIRTY_TRACKING: The IOMMU can track which IOVAs devices
 *	wrote to
 * @IOMMU_HW_CAP_PCI_PASID_EXEC: The device may issue PASID requests with
 *	execute permission
 * @IOMMU_HW_CAP_PCI_PASID_PRIV: The device may issue PASID requests in
 *	privileged mode
 * @IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED: ATS cannot be used for the device
 */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

/**
 * enum iommufd_hw_info_flags - Flags for IOMMU_GET_HW_INFO
 * @IOMMU_HW_INFO_FLAG_INPUT_TYPE: in_data_type names the type of
 *	information wanted; without it the driver's default type is returned
 */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/**
 * struct iommu_hw_info - ioctl(IOMMU_GET_HW_INFO)
 * @size: sizeof(struct iommu_hw_info)
 * @flags: Combination of &enum iommufd_hw_info_flags
 * @dev_id: The device to query
 * @data_len: On input the length of the buffer at @data_uptr, which may be
 *	0; on return the length of the information the driver has, which can
 *	be larger than the buffer
 * @data_uptr: Buffer for the driver specific information
 * @in_data_type: With IOMMU_HW_INFO_FLAG_INPUT_TYPE, the type of information
 *	wanted (&enum iommu_hw_info_type)
 * @out_data_type: On return, the type of the information in the buffer
 * @out_max_pasid_log2: Number of PASID bits the device supports; 0 if it
 *	has no PASID support
 * @__reserved: Must be 0
 * @out_capabilities: Combination of &enum iommufd_hw_capabilities
 *
 * Describes the IOMMU behind a device so that userspace can build HW
 * pagetables that match it. The buffer receives as much of the driver's
 * information as fits, and any remaining bytes of the buffer are zeroed.
 * Without driver information the type is NONE and the length 0.
 *
 * The struct may be passed without @out_capabilities (the minimum size ends
 * at @__reserved).
 *
 * Errors: EOPNOTSUPP for unknown flags, a nonzero @__reserved byte, or a
 * type the driver does not provide; ENOENT if @dev_id is not a device;
 * EFAULT.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};

#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/**
 * enum iommufd_hwpt_set_dirty_tracking_flags - Flags for
 *	IOMMU_HWPT_SET_DIRTY_TRACKING
 * @IOMMU_HWPT_DIRTY_TRACKING_ENABLE: Turn tracking on; without it tracking
 *	is turned off
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1 << 0,
};

/**
 * struct iommu_hwpt_set_dirty_tracking - ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING)
 * @size: sizeof(struct iommu_hwpt_set_dirty_tracking)
 * @flags: Combination of &enum iommufd_hwpt_set_dirty_tracking_flags
 * @hwpt_id: Paging HW pagetable to change
 * @__reserved: Must be 0
 *
 * Starts or stops recording which IOVAs devices write to in a paging HW
 * pagetable that was allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING.
 *
 * Errors: EOPNOTSUPP for unknown flags or a nonzero @__reserved; ENOENT if
 * @hwpt_id is not a paging HW pagetable; errors from the IOMMU driver.
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/**
 * enum iommufd_hwpt_get_dirty_bitmap_flags - Flags for
 *	IOMMU_HWPT_GET_DIRTY_BITMAP
 * @IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: Report the dirty state but leave it
 *	set in the HW pagetable
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1 << 0,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP)
 * @size: sizeof(struct iommu_hwpt_get_dirty_bitmap)
 * @hwpt_id: Paging HW pagetable to read
 * @flags: Combination of &enum iommufd_hwpt_get_dirty_bitmap_flags
 * @__reserved: Must be 0
 * @iova: Start of the IOVA range to report
 * @length: Length of the IOVA range
 * @page_size: Number of bytes of IOVA that one bit stands for
 * @data: Pointer to the bitmap, an array of __u64
 *
 * Sets bit n of the bitmap when the IOVA page @iova + n * @page_size was
 * written since its dirty state was last cleared. Unless NO_CLEAR is given,
 * the dirty state of the reported pages is cleared, so the next call only
 * reports new writes. @iova and @length are expected to be multiples of
 * @page_size.
 *
 * Errors: EOPNOTSUPP for unknown flags or a nonzero @__reserved; ENOENT if
 * @hwpt_id is not a paging HW pagetable; EINVAL for an unusable range or
 * page size; EFAULT.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/**
 * struct iommu_hwpt_invalidate - ioctl(IOMMU_HWPT_INVALIDATE)
 * @size: sizeof(struct iommu_hwpt_invalidate)
 * @hwpt_id: Nested HW pagetable or vIOMMU whose caches are invalidated
 * @data_uptr: Pointer to an array of driver specific invalidation entries
 * @data_type: Driver specific type of the entries
 * @entry_len: Length of one entry in bytes
 * @entry_num: On input the number of entries; on return the number of
 *	entries that were handled
 * @__reserved: Must be 0
 *
 * Passes cache invalidation requests, as a guest issued them to its
 * virtual IOMMU, down to the IOMMU driver. Entries are handled in order and
 * handling stops at the first one that fails; @entry_num then tells how
 * many went through. An empty array is valid.
 *
 * Errors: ENOENT for a bad @hwpt_id; EINVAL for a @data_type the driver
 * does not take or for an invalid entry; EOPNOTSUPP for unknown flags
 * inside an entry; EFAULT.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};

#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/**
 * struct iommu_fault_alloc - ioctl(IOMMU_FAULT_QUEUE_ALLOC)
 * @size: sizeof(struct iommu_fault_alloc)
 * @flags: Must be 0
 * @out_fault_id: ID of the new FAULT object
 * @out_fault_fd: New file descriptor of the fault queue
 *
 * Creates a FAULT object and a file descriptor for it. HW pagetables
 * allocated with IOMMU_HWPT_FAULT_ID_VALID and this object's ID report the
 * I/O page faults of their devices to it. Userspace reads the faults from
 * the file descriptor and writes its responses back to it.
 *
 * Errors: EOPNOTSUPP for nonzero @flags; ENOMEM.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};

#define IOMMU_FAULT_QUEUE_ALLOC \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/**
 * struct iommu_viommu_alloc - ioctl(IOMMU_VIOMMU_ALLOC)
 * @size: sizeof(struct iommu_viommu_alloc)
 * @flags: Must be 0
 * @type: Driver specific type of virtual IOMMU
 * @dev_id: A device behind the physical IOMMU instance to virtualize
 * @hwpt_id: Nesting parent paging HW pagetable that translates the guest
 *	physical addresses
 * @out_viommu_id: ID of the new vIOMMU
 * @data_len: Length of the data at @data_uptr
 * @__reserved: Must be 0
 * @data_uptr: Pointer to driver specific data, read and written by the
 *	driver
 *
 * Creates a vIOMMU object: the part of a physical IOMMU instance that is
 * handed to one VM. Nested HW pagetables, virtual devices, event queues and
 * HW queues are created under it.
 *
 * The struct may be passed without @data_len and the fields after it (the
 * minimum size ends at @out_viommu_id).
 *
 * Errors: EOPNOTSUPP for nonzero @flags, a nonzero @__reserved or a @type
 * the driver does not support; ENOENT for a bad @dev_id; errors from the
 * IOMMU driver.
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};

#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/**
 * struct iommu_vdevice_alloc - ioctl(IOMMU_VDEVICE_ALLOC)
 * @size: sizeof(struct iommu_vdevice_alloc)
 * @viommu_id: vIOMMU the device is placed under
 * @dev_id: The physical device
 * @out_vdevice_id: ID of the new vDEVICE
 * @virt_id: ID of the device on the virtual IOMMU, as the guest sees it
 *	(for example a virtual stream ID or requester ID)
 *
 * Records which virtual ID a device has under a vIOMMU, so that requests
 * and events naming the virtual ID can be matched to the physical device.
 *
 * Errors: ENOENT for a bad @viommu_id or @dev_id; errors from the IOMMU
 * driver.
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};

#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/**
 * struct iommu_ioas_change_process - ioctl(IOMMU_IOAS_CHANGE_PROCESS)
 * @size: sizeof(struct iommu_ioas_change_process)
 * @__reserved: Must be 0
 *
 * Moves the ownership and the pinned memory charge of every mapping in
 * every IOAS of the file descriptor to the calling process. It is meant for
 * handing a live context to a new process. Only mappings made with
 * IOMMU_IOAS_MAP_FILE can be moved. The new owner is charged before the
 * old owners are released, and the call is all or nothing.
 *
 * Errors: EOPNOTSUPP for a nonzero @__reserved; EINVAL if a mapping was not
 * made with IOMMU_IOAS_MAP_FILE; ENOMEM if the charge exceeds
 * RLIMIT_MEMLOCK.
 */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};

#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/**
 * struct iommu_veventq_alloc - ioctl(IOMMU_VEVENTQ_ALLOC)
 * @size: sizeof(struct iommu_veventq_alloc)
 * @flags: Must be 0
 * @viommu_id: vIOMMU whose events are queued
 * @type: Driver specific type of the events
 * @veventq_depth: Largest number of events the queue holds; when it is
 *	full further events are dropped and the loss is reported
 * @out_veventq_id: ID of the new vEVENTQ
 * @out_veventq_fd: New file descriptor to read the events from
 * @__reserved: Must be 0
 *
 * Creates a queue through which a vIOMMU reports events of one type, such
 * as faults to forward into the guest.
 *
 * The struct may be passed without @__reserved (the minimum size ends at
 * @out_veventq_fd).
 *
 * Errors: EOPNOTSUPP for nonzero @flags or @__reserved; ENOENT for a bad
 * @viommu_id; EINVAL for an unusable @veventq_depth.
 */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};

#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/**
 * struct iommu_hw_queue_alloc - ioctl(IOMMU_HW_QUEUE_ALLOC)
 * @size: sizeof(struct iommu_hw_queue_alloc)
 * @flags: Must be 0
 * @viommu_id: vIOMMU the queue belongs to
 * @type: Driver specific type of queue
 * @index: Index of the queue among the queues of this @type
 * @out_hw_queue_id: ID of the new HW queue
 * @nesting_parent_iova: Start of the queue memory, as an IOVA of the
 *	vIOMMU's nesting parent (that is, a guest physical address)
 * @length: Length of the queue memory in bytes
 *
 * Lets the hardware read a guest's command queue directly, without the VMM
 * in the path. The mappings that back the queue memory stay locked while
 * the queue exists: unmapping them fails with EBUSY.
 *
 * Errors: EOPNOTSUPP for nonzero @flags or an unsupported @type; ENOENT for
 * a bad @viommu_id; errors from the IOMMU driver.
 */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};

#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

#endif
