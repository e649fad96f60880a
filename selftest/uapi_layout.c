// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time check of the iommufd user ABI.
 *
 * Every request number, struct size, minimum size, field offset and field
 * width below is the value the ABI reference gives for x86-64. The file
 * does nothing at run time: if include/uapi/linux/iommufd.h or
 * iommufd_test.h drift from the ABI, it stops compiling and names the
 * field that moved.
 */
#include <stddef.h>
#include <linux/iommufd.h>
#include "iommufd_test.h"

#define MEMBER_SIZE(type, member) sizeof(((struct type *)0)->member)

/* Field @member of struct @type sits at @off and is @width bytes wide. */
#define FIELD(type, member, off, width)					\
	_Static_assert(offsetof(struct type, member) == (off) &&	\
		       MEMBER_SIZE(type, member) == (width),		\
		       #type "." #member ": not " #width " bytes at " #off)

/* Struct @type is @size bytes and aligned to @align. */
#define SIZE(type, size, align)						\
	_Static_assert(sizeof(struct type) == (size) &&			\
		       _Alignof(struct type) == (align),		\
		       "struct " #type ": not " #size " bytes aligned to " \
		       #align)

/*
 * The command is @request, its struct is @size bytes and its minimum size
 * (the end of @last_needed) is @min.
 */
#define CMD(req, request, type, size, last_needed, min)			\
	_Static_assert((req) == (request) &&				\
		       sizeof(struct type) == (size) &&			\
		       offsetof(struct type, last_needed) +		\
		       MEMBER_SIZE(type, last_needed) == (min),		\
		       #req ": not " #request ", size " #size		\
		       ", minimum " #min)

/* Request numbers, struct sizes and minimum sizes */
_Static_assert(IOMMUFD_TYPE == 0x3b, "IOMMUFD_TYPE is not ';'");
_Static_assert(IOMMUFD_CMD_BASE == 0x80, "IOMMUFD_CMD_BASE is not 0x80");
CMD(IOMMU_DESTROY, 0x3b80, iommu_destroy, 8, id, 8);
CMD(IOMMU_IOAS_ALLOC, 0x3b81, iommu_ioas_alloc, 12, out_ioas_id, 12);
CMD(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82, iommu_ioas_allow_iovas, 24, allowed_iovas, 24);
CMD(IOMMU_IOAS_COPY, 0x3b83, iommu_ioas_copy, 40, src_iova, 40);
CMD(IOMMU_IOAS_IOVA_RANGES, 0x3b84, iommu_ioas_iova_ranges, 32, out_iova_alignment, 32);
CMD(IOMMU_IOAS_MAP, 0x3b85, iommu_ioas_map, 40, iova, 40);
CMD(IOMMU_IOAS_UNMAP, 0x3b86, iommu_ioas_unmap, 24, length, 24);
CMD(IOMMU_OPTION, 0x3b87, iommu_option, 24, val64, 24);
CMD(IOMMU_VFIO_IOAS, 0x3b88, iommu_vfio_ioas, 12, __reserved, 12);
CMD(IOMMU_HWPT_ALLOC, 0x3b89, iommu_hwpt_alloc, 48, __reserved, 24);
CMD(IOMMU_GET_HW_INFO, 0x3b8a, iommu_hw_info, 40, __reserved, 32);
CMD(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b, iommu_hwpt_set_dirty_tracking, 16, __reserved, 16);
CMD(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c, iommu_hwpt_get_dirty_bitmap, 48, data, 48);
CMD(IOMMU_HWPT_INVALIDATE, 0x3b8d, iommu_hwpt_invalidate, 32, __reserved, 32);
CMD(IOMMU_FAULT_QUEUE_ALLOC, 0x3b8e, iommu_fault_alloc, 16, out_fault_fd, 16);
CMD(IOMMU_IOAS_MAP_FILE, 0x3b8f, iommu_ioas_map_file, 40, iova, 40);
CMD(IOMMU_VIOMMU_ALLOC, 0x3b90, iommu_viommu_alloc, 40, out_viommu_id, 24);
CMD(IOMMU_VDEVICE_ALLOC, 0x3b91, iommu_vdevice_alloc, 24, virt_id, 24);
CMD(IOMMU_IOAS_CHANGE_PROCESS, 0x3b92, iommu_ioas_change_process, 8, __reserved, 8);
CMD(IOMMU_VEVENTQ_ALLOC, 0x3b93, iommu_veventq_alloc, 32, out_veventq_fd, 28);
CMD(IOMMU_HW_QUEUE_ALLOC, 0x3b94, iommu_hw_queue_alloc, 40, length, 40);
CMD(IOMMU_TEST_CMD, 0x3ba0, iommu_test_cmd, 72, last, 68);

/* IOMMU_DESTROY */
SIZE(iommu_destroy, 8, 4);
FIELD(iommu_destroy, size, 0, 4);
FIELD(iommu_destroy, id, 4, 4);

/* IOMMU_IOAS_ALLOC */
SIZE(iommu_ioas_alloc, 12, 4);
FIELD(iommu_ioas_alloc, size, 0, 4);
FIELD(iommu_ioas_alloc, flags, 4, 4);
FIELD(iommu_ioas_alloc, out_ioas_id, 8, 4);

/* struct iommu_iova_range */
SIZE(iommu_iova_range, 16, 8);
FIELD(iommu_iova_range, start, 0, 8);
FIELD(iommu_iova_range, last, 8, 8);

/* IOMMU_IOAS_IOVA_RANGES */
SIZE(iommu_ioas_iova_ranges, 32, 8);
FIELD(iommu_ioas_iova_ranges, size, 0, 4);
FIELD(iommu_ioas_iova_ranges, ioas_id, 4, 4);
FIELD(iommu_ioas_iova_ranges, num_iovas, 8, 4);
FIELD(iommu_ioas_iova_ranges, __reserved, 12, 4);
FIELD(iommu_ioas_iova_ranges, allowed_iovas, 16, 8);
FIELD(iommu_ioas_iova_ranges, out_iova_alignment, 24, 8);

/* IOMMU_IOAS_ALLOW_IOVAS */
SIZE(iommu_ioas_allow_iovas, 24, 8);
FIELD(iommu_ioas_allow_iovas, size, 0, 4);
FIELD(iommu_ioas_allow_iovas, ioas_id, 4, 4);
FIELD(iommu_ioas_allow_iovas, num_iovas, 8, 4);
FIELD(iommu_ioas_allow_iovas, __reserved, 12, 4);
FIELD(iommu_ioas_allow_iovas, allowed_iovas, 16, 8);

/* Map flags */
_Static_assert(IOMMU_IOAS_MAP_FIXED_IOVA == 1, "FIXED_IOVA");
_Static_assert(IOMMU_IOAS_MAP_WRITEABLE == 2, "WRITEABLE");
_Static_assert(IOMMU_IOAS_MAP_READABLE == 4, "READABLE");

/* IOMMU_IOAS_MAP */
SIZE(iommu_ioas_map, 40, 8);
FIELD(iommu_ioas_map, size, 0, 4);
FIELD(iommu_ioas_map, flags, 4, 4);
FIELD(iommu_ioas_map, ioas_id, 8, 4);
FIELD(iommu_ioas_map, __reserved, 12, 4);
FIELD(iommu_ioas_map, user_va, 16, 8);
FIELD(iommu_ioas_map, length, 24, 8);
FIELD(iommu_ioas_map, iova, 32, 8);

/* IOMMU_IOAS_MAP_FILE */
SIZE(iommu_ioas_map_file, 40, 8);
FIELD(iommu_ioas_map_file, size, 0, 4);
FIELD(iommu_ioas_map_file, flags, 4, 4);
FIELD(iommu_ioas_map_file, ioas_id, 8, 4);
FIELD(iommu_ioas_map_file, fd, 12, 4);
FIELD(iommu_ioas_map_file, start, 16, 8);
FIELD(iommu_ioas_map_file, length, 24, 8);
FIELD(iommu_ioas_map_file, iova, 32, 8);
#define MAP_FILE_FD_TYPE __typeof__(((struct iommu_ioas_map_file *)0)->fd)
_Static_assert(__builtin_types_compatible_p(MAP_FILE_FD_TYPE, __s32),
	       "iommu_ioas_map_file.fd is not a __s32");

/* IOMMU_IOAS_COPY */
SIZE(iommu_ioas_copy, 40, 8);
FIELD(iommu_ioas_copy, size, 0, 4);
FIELD(iommu_ioas_copy, flags, 4, 4);
FIELD(iommu_ioas_copy, dst_ioas_id, 8, 4);
FIELD(iommu_ioas_copy, src_ioas_id, 12, 4);
FIELD(iommu_ioas_copy, length, 16, 8);
FIELD(iommu_ioas_copy, dst_iova, 24, 8);
FIELD(iommu_ioas_copy, src_iova, 32, 8);

/* IOMMU_IOAS_UNMAP */
SIZE(iommu_ioas_unmap, 24, 8);
FIELD(iommu_ioas_unmap, size, 0, 4);
FIELD(iommu_ioas_unmap, ioas_id, 4, 4);
FIELD(iommu_ioas_unmap, iova, 8, 8);
FIELD(iommu_ioas_unmap, length, 16, 8);

/* IOMMU_OPTION */
SIZE(iommu_option, 24, 8);
FIELD(iommu_option, size, 0, 4);
FIELD(iommu_option, option_id, 4, 4);
FIELD(iommu_option, op, 8, 2);
FIELD(iommu_option, __reserved, 10, 2);
FIELD(iommu_option, object_id, 12, 4);
FIELD(iommu_option, val64, 16, 8);
_Static_assert(IOMMU_OPTION_RLIMIT_MODE == 0, "RLIMIT_MODE");
_Static_assert(IOMMU_OPTION_HUGE_PAGES == 1, "HUGE_PAGES");
_Static_assert(IOMMU_OPTION_OP_SET == 0, "OP_SET");
_Static_assert(IOMMU_OPTION_OP_GET == 1, "OP_GET");

/* IOMMU_VFIO_IOAS */
SIZE(iommu_vfio_ioas, 12, 4);
FIELD(iommu_vfio_ioas, size, 0, 4);
FIELD(iommu_vfio_ioas, ioas_id, 4, 4);
FIELD(iommu_vfio_ioas, op, 8, 2);
FIELD(iommu_vfio_ioas, __reserved, 10, 2);
_Static_assert(IOMMU_VFIO_IOAS_GET == 0, "VFIO_IOAS_GET");
_Static_assert(IOMMU_VFIO_IOAS_SET == 1, "VFIO_IOAS_SET");
_Static_assert(IOMMU_VFIO_IOAS_CLEAR == 2, "VFIO_IOAS_CLEAR");

/* IOMMU_HWPT_ALLOC */
SIZE(iommu_hwpt_alloc, 48, 8);
FIELD(iommu_hwpt_alloc, size, 0, 4);
FIELD(iommu_hwpt_alloc, flags, 4, 4);
FIELD(iommu_hwpt_alloc, dev_id, 8, 4);
FIELD(iommu_hwpt_alloc, pt_id, 12, 4);
FIELD(iommu_hwpt_alloc, out_hwpt_id, 16, 4);
FIELD(iommu_hwpt_alloc, __reserved, 20, 4);
FIELD(iommu_hwpt_alloc, data_type, 24, 4);
FIELD(iommu_hwpt_alloc, data_len, 28, 4);
FIELD(iommu_hwpt_alloc, data_uptr, 32, 8);
FIELD(iommu_hwpt_alloc, fault_id, 40, 4);
FIELD(iommu_hwpt_alloc, __reserved2, 44, 4);
_Static_assert(IOMMU_HWPT_ALLOC_NEST_PARENT == 1, "NEST_PARENT");
_Static_assert(IOMMU_HWPT_ALLOC_DIRTY_TRACKING == 2, "DIRTY_TRACKING");
_Static_assert(IOMMU_HWPT_FAULT_ID_VALID == 4, "FAULT_ID_VALID");
_Static_assert(IOMMU_HWPT_ALLOC_PASID == 8, "ALLOC_PASID");
_Static_assert(IOMMU_HWPT_DATA_NONE == 0, "DATA_NONE");
_Static_assert(IOMMU_HWPT_DATA_VTD_S1 == 1, "DATA_VTD_S1");
_Static_assert(IOMMU_HWPT_DATA_ARM_SMMUV3 == 2, "DATA_ARM_SMMUV3");

/* IOMMU_GET_HW_INFO */
SIZE(iommu_hw_info, 40, 8);
FIELD(iommu_hw_info, size, 0, 4);
FIELD(iommu_hw_info, flags, 4, 4);
FIELD(iommu_hw_info, dev_id, 8, 4);
FIELD(iommu_hw_info, data_len, 12, 4);
FIELD(iommu_hw_info, data_uptr, 16, 8);
FIELD(iommu_hw_info, in_data_type, 24, 4);
FIELD(iommu_hw_info, out_data_type, 24, 4);
FIELD(iommu_hw_info, out_max_pasid_log2, 28, 1);
FIELD(iommu_hw_info, __reserved, 29, 3);
FIELD(iommu_hw_info, out_capabilities, 32, 8);
_Static_assert(IOMMU_HW_INFO_FLAG_INPUT_TYPE == 1, "INPUT_TYPE");
_Static_assert(IOMMU_HW_INFO_TYPE_NONE == 0, "TYPE_NONE");
_Static_assert(IOMMU_HW_INFO_TYPE_DEFAULT == 0, "TYPE_DEFAULT");
_Static_assert(IOMMU_HW_INFO_TYPE_INTEL_VTD == 1, "TYPE_INTEL_VTD");
_Static_assert(IOMMU_HW_INFO_TYPE_ARM_SMMUV3 == 2, "TYPE_ARM_SMMUV3");
_Static_assert(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV == 3, "TYPE_TEGRA241");
_Static_assert(IOMMU_HW_CAP_DIRTY_TRACKING == 1, "CAP_DIRTY_TRACKING");
_Static_assert(IOMMU_HW_CAP_PCI_PASID_EXEC == 2, "CAP_PCI_PASID_EXEC");
_Static_assert(IOMMU_HW_CAP_PCI_PASID_PRIV == 4, "CAP_PCI_PASID_PRIV");
_Static_assert(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED == 8, "CAP_ATS");

/* IOMMU_HWPT_SET_DIRTY_TRACKING */
SIZE(iommu_hwpt_set_dirty_tracking, 16, 4);
FIELD(iommu_hwpt_set_dirty_tracking, size, 0, 4);
FIELD(iommu_hwpt_set_dirty_tracking, flags, 4, 4);
FIELD(iommu_hwpt_set_dirty_tracking, hwpt_id, 8, 4);
FIELD(iommu_hwpt_set_dirty_tracking, __reserved, 12, 4);
_Static_assert(IOMMU_HWPT_DIRTY_TRACKING_ENABLE == 1, "TRACKING_ENABLE");

/* IOMMU_HWPT_GET_DIRTY_BITMAP */
SIZE(iommu_hwpt_get_dirty_bitmap, 48, 8);
FIELD(iommu_hwpt_get_dirty_bitmap, size, 0, 4);
FIELD(iommu_hwpt_get_dirty_bitmap, hwpt_id, 4, 4);
FIELD(iommu_hwpt_get_dirty_bitmap, flags, 8, 4);
FIELD(iommu_hwpt_get_dirty_bitmap, __reserved, 12, 4);
FIELD(iommu_hwpt_get_dirty_bitmap, iova, 16, 8);
FIELD(iommu_hwpt_get_dirty_bitmap, length, 24, 8);
FIELD(iommu_hwpt_get_dirty_bitmap, page_size, 32, 8);
FIELD(iommu_hwpt_get_dirty_bitmap, data, 40, 8);
_Static_assert(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR == 1, "NO_CLEAR");

/* IOMMU_HWPT_INVALIDATE */
SIZE(iommu_hwpt_invalidate, 32, 8);
FIELD(iommu_hwpt_invalidate, size, 0, 4);
FIELD(iommu_hwpt_invalidate, hwpt_id, 4, 4);
FIELD(iommu_hwpt_invalidate, data_uptr, 8, 8);
FIELD(iommu_hwpt_invalidate, data_type, 16, 4);
FIELD(iommu_hwpt_invalidate, entry_len, 20, 4);
FIELD(iommu_hwpt_invalidate, entry_num, 24, 4);
FIELD(iommu_hwpt_invalidate, __reserved, 28, 4);

/* IOMMU_FAULT_QUEUE_ALLOC */
SIZE(iommu_fault_alloc, 16, 4);
FIELD(iommu_fault_alloc, size, 0, 4);
FIELD(iommu_fault_alloc, flags, 4, 4);
FIELD(iommu_fault_alloc, out_fault_id, 8, 4);
FIELD(iommu_fault_alloc, out_fault_fd, 12, 4);

/* IOMMU_VIOMMU_ALLOC */
SIZE(iommu_viommu_alloc, 40, 8);
FIELD(iommu_viommu_alloc, size, 0, 4);
FIELD(iommu_viommu_alloc, flags, 4, 4);
FIELD(iommu_viommu_alloc, type, 8, 4);
FIELD(iommu_viommu_alloc, dev_id, 12, 4);
FIELD(iommu_viommu_alloc, hwpt_id, 16, 4);
FIELD(iommu_viommu_alloc, out_viommu_id, 20, 4);
FIELD(iommu_viommu_alloc, data_len, 24, 4);
FIELD(iommu_viommu_alloc, __reserved, 28, 4);
FIELD(iommu_viommu_alloc, data_uptr, 32, 8);

/* IOMMU_VDEVICE_ALLOC */
SIZE(iommu_vdevice_alloc, 24, 8);
FIELD(iommu_vdevice_alloc, size, 0, 4);
FIELD(iommu_vdevice_alloc, viommu_id, 4, 4);
FIELD(iommu_vdevice_alloc, dev_id, 8, 4);
FIELD(iommu_vdevice_alloc, out_vdevice_id, 12, 4);
FIELD(iommu_vdevice_alloc, virt_id, 16, 8);

/* IOMMU_IOAS_CHANGE_PROCESS */
SIZE(iommu_ioas_change_process, 8, 4);
FIELD(iommu_ioas_change_process, size, 0, 4);
FIELD(iommu_ioas_change_process, __reserved, 4, 4);

/* IOMMU_VEVENTQ_ALLOC */
SIZE(iommu_veventq_alloc, 32, 4);
FIELD(iommu_veventq_alloc, size, 0, 4);
FIELD(iommu_veventq_alloc, flags, 4, 4);
FIELD(iommu_veventq_alloc, viommu_id, 8, 4);
FIELD(iommu_veventq_alloc, type, 12, 4);
FIELD(iommu_veventq_alloc, veventq_depth, 16, 4);
FIELD(iommu_veventq_alloc, out_veventq_id, 20, 4);
FIELD(iommu_veventq_alloc, out_veventq_fd, 24, 4);
FIELD(iommu_veventq_alloc, __reserved, 28, 4);

/* IOMMU_HW_QUEUE_ALLOC */
SIZE(iommu_hw_queue_alloc, 40, 8);
FIELD(iommu_hw_queue_alloc, size, 0, 4);
FIELD(iommu_hw_queue_alloc, flags, 4, 4);
FIELD(iommu_hw_queue_alloc, viommu_id, 8, 4);
FIELD(iommu_hw_queue_alloc, type, 12, 4);
FIELD(iommu_hw_queue_alloc, index, 16, 4);
FIELD(iommu_hw_queue_alloc, out_hw_queue_id, 20, 4);
FIELD(iommu_hw_queue_alloc, nesting_parent_iova, 24, 8);
FIELD(iommu_hw_queue_alloc, length, 32, 8);

/* IOMMU_TEST_CMD header */
SIZE(iommu_test_cmd, 72, 8);
FIELD(iommu_test_cmd, size, 0, 4);
FIELD(iommu_test_cmd, op, 4, 4);
FIELD(iommu_test_cmd, id, 8, 4);
FIELD(iommu_test_cmd, __reserved, 12, 4);
FIELD(iommu_test_cmd, last, 64, 4);
FIELD(iommu_test_cmd, dirty, 16, 48);
FIELD(iommu_test_cmd, map_floor, 16, 48);
FIELD(iommu_test_cmd, map_stats, 16, 16);

/* IOMMU_TEST_CMD op numbers */
_Static_assert(IOMMU_TEST_OP_ADD_RESERVED == 1, "op 1");
_Static_assert(IOMMU_TEST_OP_MOCK_DOMAIN == 2, "op 2");
_Static_assert(IOMMU_TEST_OP_MD_CHECK_MAP == 3, "op 3");
_Static_assert(IOMMU_TEST_OP_MD_CHECK_REFS == 4, "op 4");
_Static_assert(IOMMU_TEST_OP_CREATE_ACCESS == 5, "op 5");
_Static_assert(IOMMU_TEST_OP_DESTROY_ACCESS_PAGES == 6, "op 6");
_Static_assert(IOMMU_TEST_OP_ACCESS_PAGES == 7, "op 7");
_Static_assert(IOMMU_TEST_OP_ACCESS_RW == 8, "op 8");
_Static_assert(IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT == 9, "op 9");
_Static_assert(IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE == 10, "op 10");
_Static_assert(IOMMU_TEST_OP_ACCESS_REPLACE_IOAS == 11, "op 11");
_Static_assert(IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS == 12, "op 12");
_Static_assert(IOMMU_TEST_OP_DIRTY == 13, "op 13");
_Static_assert(IOMMU_TEST_OP_MD_CHECK_IOTLB == 14, "op 14");
_Static_assert(IOMMU_TEST_OP_TRIGGER_IOPF == 15, "op 15");
_Static_assert(IOMMU_TEST_OP_DEV_CHECK_CACHE == 16, "op 16");
_Static_assert(IOMMU_TEST_OP_TRIGGER_VEVENT == 17, "op 17");
_Static_assert(IOMMU_TEST_OP_PASID_ATTACH == 18, "op 18");
_Static_assert(IOMMU_TEST_OP_PASID_REPLACE == 19, "op 19");
_Static_assert(IOMMU_TEST_OP_PASID_DETACH == 20, "op 20");
_Static_assert(IOMMU_TEST_OP_PASID_CHECK_HWPT == 21, "op 21");
_Static_assert(IOMMU_TEST_OP_DMABUF_GET == 22, "op 22");
_Static_assert(IOMMU_TEST_OP_DMABUF_REVOKE == 23, "op 23");
_Static_assert(IOMMU_TEST_OP_PRIVATE_BASE == 0x1000, "private base");
_Static_assert(IOMMU_TEST_OP_MAP_FLOOR == 0x1030, "map floor");
_Static_assert(IOMMU_TEST_OP_MAP_STATS == 0x1031, "map stats");

/* IOMMU_TEST_CMD union members, offsets from the start of the command */
FIELD(iommu_test_cmd, add_reserved.start, 16, 8);
FIELD(iommu_test_cmd, add_reserved.length, 24, 8);
FIELD(iommu_test_cmd, mock_domain.out_stdev_id, 16, 4);
FIELD(iommu_test_cmd, mock_domain.out_hwpt_id, 20, 4);
FIELD(iommu_test_cmd, mock_domain.out_idev_id, 24, 4);
FIELD(iommu_test_cmd, mock_domain_flags.out_stdev_id, 16, 4);
FIELD(iommu_test_cmd, mock_domain_flags.out_hwpt_id, 20, 4);
FIELD(iommu_test_cmd, mock_domain_flags.out_idev_id, 24, 4);
FIELD(iommu_test_cmd, mock_domain_flags.dev_flags, 28, 4);
FIELD(iommu_test_cmd, mock_domain_replace.pt_id, 16, 4);
FIELD(iommu_test_cmd, check_map.iova, 16, 8);
FIELD(iommu_test_cmd, check_map.length, 24, 8);
FIELD(iommu_test_cmd, check_map.uptr, 32, 8);
FIELD(iommu_test_cmd, check_refs.length, 16, 8);
FIELD(iommu_test_cmd, check_refs.uptr, 24, 8);
FIELD(iommu_test_cmd, check_refs.refs, 32, 4);
FIELD(iommu_test_cmd, create_access.out_access_fd, 16, 4);
FIELD(iommu_test_cmd, create_access.flags, 20, 4);
FIELD(iommu_test_cmd, destroy_access_pages.access_pages_id, 16, 4);
FIELD(iommu_test_cmd, access_pages.flags, 16, 4);
FIELD(iommu_test_cmd, access_pages.out_access_pages_id, 20, 4);
FIELD(iommu_test_cmd, access_pages.iova, 24, 8);
FIELD(iommu_test_cmd, access_pages.length, 32, 8);
FIELD(iommu_test_cmd, access_pages.uptr, 40, 8);
FIELD(iommu_test_cmd, access_rw.iova, 16, 8);
FIELD(iommu_test_cmd, access_rw.length, 24, 8);
FIELD(iommu_test_cmd, access_rw.uptr, 32, 8);
FIELD(iommu_test_cmd, access_rw.flags, 40, 4);
FIELD(iommu_test_cmd, memory_limit.limit, 16, 4);
FIELD(iommu_test_cmd, access_replace_ioas.ioas_id, 16, 4);
FIELD(iommu_test_cmd, dirty.flags, 16, 4);
FIELD(iommu_test_cmd, dirty.iova, 24, 8);
FIELD(iommu_test_cmd, dirty.length, 32, 8);
FIELD(iommu_test_cmd, dirty.page_size, 40, 8);
FIELD(iommu_test_cmd, dirty.uptr, 48, 8);
FIELD(iommu_test_cmd, dirty.out_nr_dirty, 56, 8);
FIELD(iommu_test_cmd, check_iotlb.id, 16, 4);
FIELD(iommu_test_cmd, check_iotlb.iotlb, 20, 4);
FIELD(iommu_test_cmd, trigger_iopf.dev_id, 16, 4);
FIELD(iommu_test_cmd, trigger_iopf.pasid, 20, 4);
FIELD(iommu_test_cmd, trigger_iopf.grpid, 24, 4);
FIELD(iommu_test_cmd, trigger_iopf.perm, 28, 4);
FIELD(iommu_test_cmd, trigger_iopf.addr, 32, 8);
FIELD(iommu_test_cmd, check_dev_cache.id, 16, 4);
FIELD(iommu_test_cmd, check_dev_cache.cache, 20, 4);
FIELD(iommu_test_cmd, trigger_vevent.dev_id, 16, 4);
FIELD(iommu_test_cmd, pasid_attach.pasid, 16, 4);
FIELD(iommu_test_cmd, pasid_attach.pt_id, 20, 4);
FIELD(iommu_test_cmd, pasid_replace.pasid, 16, 4);
FIELD(iommu_test_cmd, pasid_replace.pt_id, 20, 4);
FIELD(iommu_test_cmd, pasid_detach.pasid, 16, 4);
FIELD(iommu_test_cmd, pasid_check.pasid, 16, 4);
FIELD(iommu_test_cmd, pasid_check.hwpt_id, 20, 4);
FIELD(iommu_test_cmd, dmabuf_get.length, 16, 4);
FIELD(iommu_test_cmd, dmabuf_get.open_flags, 20, 4);
FIELD(iommu_test_cmd, dmabuf_revoke.dmabuf_fd, 16, 4);
FIELD(iommu_test_cmd, dmabuf_revoke.revoked, 20, 4);
FIELD(iommu_test_cmd, pin_floor.uptr, 16, 8);
FIELD(iommu_test_cmd, pin_floor.length, 24, 8);

/* IOMMU_TEST_CMD constants */
_Static_assert(MOCK_APERTURE_START == 1ULL << 24, "aperture start");
_Static_assert(MOCK_APERTURE_LAST == (1ULL << 31) - 1, "aperture last");
_Static_assert(MOCK_FLAGS_ACCESS_WRITE == 1 << 0, "ACCESS_WRITE");
_Static_assert(MOCK_FLAGS_ACCESS_SYZ == 1 << 16, "ACCESS_SYZ");
_Static_assert(MOCK_ACCESS_RW_WRITE == 1 << 0, "RW_WRITE");
_Static_assert(MOCK_ACCESS_RW_SLOW_PATH == 1 << 2, "RW_SLOW_PATH");
_Static_assert(MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES == 1 << 0,
	       "NEEDS_PIN_PAGES");
_Static_assert(MOCK_FLAGS_DEVICE_NO_DIRTY == 1 << 0, "DEVICE_NO_DIRTY");
_Static_assert(MOCK_FLAGS_DEVICE_HUGE_IOVA == 1 << 1, "DEVICE_HUGE_IOVA");
_Static_assert(MOCK_FLAGS_DEVICE_PASID == 1 << 2, "DEVICE_PASID");
_Static_assert(MOCK_NESTED_DOMAIN_IOTLB_ID_MAX == 3, "IOTLB_ID_MAX");
_Static_assert(MOCK_NESTED_DOMAIN_IOTLB_NUM == 4, "IOTLB_NUM");
_Static_assert(MOCK_DEV_CACHE_ID_MAX == 3, "DEV_CACHE_ID_MAX");
_Static_assert(MOCK_DEV_CACHE_NUM == 4, "DEV_CACHE_NUM");
_Static_assert(IOMMU_TEST_PASID_RESERVED == 1024, "PASID_RESERVED");
_Static_assert(MOCK_PASID_WIDTH == 20, "PASID_WIDTH");
_Static_assert(IOMMU_HW_INFO_TYPE_SELFTEST == 0xfeedbeef, "HW_INFO type");
_Static_assert(IOMMU_HW_INFO_SELFTEST_REGVAL == 0xdeadbeef, "REGVAL");
_Static_assert(IOMMU_HWPT_DATA_SELFTEST == 0xdead, "HWPT data type");
_Static_assert(IOMMU_TEST_IOTLB_DEFAULT == 0xbadbeef, "IOTLB default");
_Static_assert(IOMMU_TEST_DEV_CACHE_DEFAULT == 0xbaddad, "cache default");
_Static_assert(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST == 0xdeadbeef,
	       "HWPT invalidate type");
_Static_assert(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID == 0xdadbeef,
	       "HWPT invalidate invalid type");
_Static_assert(IOMMU_TEST_INVALIDATE_FLAG_ALL == 1 << 0, "FLAG_ALL");
_Static_assert(IOMMU_VIOMMU_TYPE_SELFTEST == 0xdeadbeef, "vIOMMU type");
_Static_assert(IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST == 0xdeadbeef,
	       "vIOMMU invalidate type");
_Static_assert(IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID == 0xdadbeef,
	       "vIOMMU invalidate invalid type");
_Static_assert(IOMMU_VEVENTQ_TYPE_SELFTEST == 0xbeefbeef, "vEVENTQ type");
_Static_assert(IOMMU_HW_QUEUE_TYPE_SELFTEST == 0xdeadbeef, "HW queue type");
_Static_assert(IOMMU_TEST_HW_QUEUE_MAX == 2, "HW queue max");

/* Data structs of the mock */
SIZE(iommu_test_hw_info, 8, 4);
FIELD(iommu_test_hw_info, flags, 0, 4);
FIELD(iommu_test_hw_info, test_reg, 4, 4);
SIZE(iommu_hwpt_selftest, 4, 4);
FIELD(iommu_hwpt_selftest, iotlb, 0, 4);
SIZE(iommu_hwpt_invalidate_selftest, 8, 4);
FIELD(iommu_hwpt_invalidate_selftest, flags, 0, 4);
FIELD(iommu_hwpt_invalidate_selftest, iotlb_id, 4, 4);
SIZE(iommu_viommu_selftest, 24, 8);
FIELD(iommu_viommu_selftest, in_data, 0, 4);
FIELD(iommu_viommu_selftest, out_data, 4, 4);
FIELD(iommu_viommu_selftest, out_mmap_offset, 8, 8);
FIELD(iommu_viommu_selftest, out_mmap_length, 16, 8);
SIZE(iommu_viommu_invalidate_selftest, 12, 4);
FIELD(iommu_viommu_invalidate_selftest, flags, 0, 4);
FIELD(iommu_viommu_invalidate_selftest, vdev_id, 4, 4);
FIELD(iommu_viommu_invalidate_selftest, cache_id, 8, 4);
SIZE(iommu_viommu_event_selftest, 4, 4);
FIELD(iommu_viommu_event_selftest, virt_id, 0, 4);

int main(void)
{
	return 0;
}
