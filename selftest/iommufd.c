// SPDX-License-Identifier: GPL-2.0
/*
 * Functional tests of the /dev/iommu user ABI.
 *
 * Covered here: opening the device, the size and request number rules of
 * every command, the object ID allocator, IOMMU_DESTROY, IOMMU_IOAS_ALLOC
 * and IOMMU_IOAS_IOVA_RANGES. The IOAS data path is tested in
 * iommufd_ioas.c; domains, pinning and HWPT_ALLOC in iommufd_domain.c.
 * IOMMU_VFIO_IOAS and the VFIO requests on this file are tested in
 * iommufd_vfio_compat.c. ids_before_eopnotsupp and early_errors check that the commands whose
 * objects cannot be made yet still look at their fields and IDs first.
 */
#include "iommufd_utils.h"

#include <stdlib.h>
#include <sys/stat.h>

/* Number of IOAS objects the stress test creates. */
#define MANY_IOAS 10000

FIXTURE(iommufd) {
	int fd;
};

FIXTURE_SETUP(iommufd)
{
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(iommufd)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST(open_close)
{
	int fds[32];
	struct stat st;
	unsigned int i;
	int fd;

	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0, close(fd));

	/* Many independent contexts at the same time */
	for (i = 0; i != ARRAY_SIZE(fds); i++) {
		fds[i] = open(IOMMUFD_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i != ARRAY_SIZE(fds); i++)
		ASSERT_EQ(0, close(fds[i]));
}

/* Size rules, one test per command */
LENGTH_TEST(iommufd, destroy, IOMMU_DESTROY, struct iommu_destroy, id)
LENGTH_TEST(iommufd, ioas_alloc, IOMMU_IOAS_ALLOC, struct iommu_ioas_alloc,
	    out_ioas_id)
LENGTH_TEST(iommufd, ioas_allow_iovas, IOMMU_IOAS_ALLOW_IOVAS,
	    struct iommu_ioas_allow_iovas, allowed_iovas)
LENGTH_TEST(iommufd, ioas_copy, IOMMU_IOAS_COPY, struct iommu_ioas_copy,
	    src_iova)
LENGTH_TEST(iommufd, ioas_iova_ranges, IOMMU_IOAS_IOVA_RANGES,
	    struct iommu_ioas_iova_ranges, out_iova_alignment)
LENGTH_TEST(iommufd, ioas_map, IOMMU_IOAS_MAP, struct iommu_ioas_map, iova)
LENGTH_TEST(iommufd, ioas_unmap, IOMMU_IOAS_UNMAP, struct iommu_ioas_unmap,
	    length)
LENGTH_TEST(iommufd, option, IOMMU_OPTION, struct iommu_option, val64)
LENGTH_TEST(iommufd, vfio_ioas, IOMMU_VFIO_IOAS, struct iommu_vfio_ioas,
	    __reserved)
LENGTH_TEST(iommufd, hwpt_alloc, IOMMU_HWPT_ALLOC, struct iommu_hwpt_alloc,
	    __reserved)
LENGTH_TEST(iommufd, get_hw_info, IOMMU_GET_HW_INFO, struct iommu_hw_info,
	    __reserved)
LENGTH_TEST(iommufd, hwpt_set_dirty_tracking, IOMMU_HWPT_SET_DIRTY_TRACKING,
	    struct iommu_hwpt_set_dirty_tracking, __reserved)
LENGTH_TEST(iommufd, hwpt_get_dirty_bitmap, IOMMU_HWPT_GET_DIRTY_BITMAP,
	    struct iommu_hwpt_get_dirty_bitmap, data)
LENGTH_TEST(iommufd, hwpt_invalidate, IOMMU_HWPT_INVALIDATE,
	    struct iommu_hwpt_invalidate, __reserved)
LENGTH_TEST(iommufd, fault_queue_alloc, IOMMU_FAULT_QUEUE_ALLOC,
	    struct iommu_fault_alloc, out_fault_fd)
LENGTH_TEST(iommufd, ioas_map_file, IOMMU_IOAS_MAP_FILE,
	    struct iommu_ioas_map_file, iova)
LENGTH_TEST(iommufd, viommu_alloc, IOMMU_VIOMMU_ALLOC,
	    struct iommu_viommu_alloc, out_viommu_id)
LENGTH_TEST(iommufd, vdevice_alloc, IOMMU_VDEVICE_ALLOC,
	    struct iommu_vdevice_alloc, virt_id)
LENGTH_TEST(iommufd, ioas_change_process, IOMMU_IOAS_CHANGE_PROCESS,
	    struct iommu_ioas_change_process, __reserved)
LENGTH_TEST(iommufd, veventq_alloc, IOMMU_VEVENTQ_ALLOC,
	    struct iommu_veventq_alloc, out_veventq_fd)
LENGTH_TEST(iommufd, hw_queue_alloc, IOMMU_HW_QUEUE_ALLOC,
	    struct iommu_hw_queue_alloc, length)
LENGTH_TEST(iommufd, test_cmd, IOMMU_TEST_CMD, struct iommu_test_cmd, last)

/* Request numbers that are not commands answer ENOTTY */
TEST_F(iommufd, unknown_cmds)
{
	struct iommu_destroy destroy = {
		.size = sizeof(destroy),
	};
	/* Large and zeroed, so that no command can find fault with it */
	__u64 buf[64] = { sizeof(buf) };
	unsigned int nr;

	/* Gaps and the end of the command table */
	for (nr = IOMMUFD_CMD_HW_QUEUE_ALLOC + 1; nr < 0xa0; nr++) {
		EXPECT_EQ(-ENOTTY,
			  iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, nr), buf)) {
			TH_LOG("nr 0x%x", nr);
		}
	}
	EXPECT_EQ(-ENOTTY, iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0xa1),
					 buf));
	EXPECT_EQ(-ENOTTY, iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0xff),
					 buf));

	/* Below the table: not a VFIO container request either */
	EXPECT_EQ(-ENOTTY, iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x10),
					 buf));
	EXPECT_EQ(-ENOTTY, iommufd_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0), buf));

	/* A valid number with direction and size bits, or another type */
	EXPECT_EQ(-ENOTTY,
		  iommufd_ioctl(self->fd,
				_IOWR(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY,
				      struct iommu_destroy),
				&destroy));
	EXPECT_EQ(-ENOTTY,
		  iommufd_ioctl(self->fd,
				_IOW(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
				     struct iommu_ioas_alloc),
				buf));
	EXPECT_EQ(-ENOTTY,
		  iommufd_ioctl(self->fd, _IO('x', IOMMUFD_CMD_DESTROY),
				&destroy));

	/* Nothing above created an object */
	EXPECT_FALSE(ioas_exists(self->fd, 1));
}

TEST_F(iommufd, ioas_alloc_destroy)
{
	__u32 id;

	/* IDs start at 1 and go up */
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(1U, id);
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(2U, id);
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(3U, id);

	/* The lowest free ID is taken */
	ASSERT_EQ(0, obj_destroy(self->fd, 2));
	EXPECT_FALSE(ioas_exists(self->fd, 2));
	EXPECT_TRUE(ioas_exists(self->fd, 1));
	EXPECT_TRUE(ioas_exists(self->fd, 3));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(2U, id);

	ASSERT_EQ(0, obj_destroy(self->fd, 1));
	ASSERT_EQ(0, obj_destroy(self->fd, 3));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(1U, id);
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(3U, id);
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(4U, id);

	/* Destroying twice */
	ASSERT_EQ(0, obj_destroy(self->fd, 4));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, 4));
}

TEST_F(iommufd, ioas_alloc_flags)
{
	static const __u32 bad_flags[] = { 1, 1U << 31, ~0U };
	__u32 id = 0;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(bad_flags); i++) {
		EXPECT_EQ(-EOPNOTSUPP,
			  ioas_alloc_flags(self->fd, bad_flags[i], &id)) {
			TH_LOG("flags 0x%x", bad_flags[i]);
		}
	}

	/* The refused calls used up no ID */
	EXPECT_FALSE(ioas_exists(self->fd, 1));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(1U, id);
}

TEST_F(iommufd, ioas_alloc_copy_out_fault)
{
	struct iommu_ioas_alloc *cmd;
	size_t page = sysconf(_SC_PAGESIZE);
	__u32 id;

	/* The struct can be read but the result cannot be written back */
	cmd = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	cmd->size = sizeof(*cmd);
	ASSERT_EQ(0, mprotect(cmd, page, PROT_READ));

	EXPECT_EQ(-EFAULT, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(-EFAULT, iommufd_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));

	/* The IOAS made for the failed calls is gone again */
	EXPECT_FALSE(ioas_exists(self->fd, 1));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(1U, id);
	EXPECT_FALSE(ioas_exists(self->fd, 2));

	munmap(cmd, page);
}

TEST_F(iommufd, destroy_bad_id)
{
	__u32 id;

	/* Nothing exists yet; 0 is never an ID */
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, 0));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, 1));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, UINT32_MAX));

	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, 0));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, id + 1));
	EXPECT_EQ(-ENOENT, obj_destroy(self->fd, UINT32_MAX));

	/* The failed calls did not touch the real object */
	EXPECT_TRUE(ioas_exists(self->fd, id));
	EXPECT_EQ(0, obj_destroy(self->fd, id));
}

TEST_F(iommufd, iova_ranges_reserved)
{
	struct iommu_iova_range range;
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)&range,
	};

	ASSERT_EQ(0, ioas_alloc(self->fd, &cmd.ioas_id));
	cmd.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	cmd.__reserved = 1U << 31;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	cmd.__reserved = 0;
	EXPECT_EQ(0, iommufd_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
}

TEST_F(iommufd, iova_ranges_bad_id)
{
	__u32 num = 0;
	__u32 id;

	EXPECT_EQ(-ENOENT, ioas_iova_ranges(self->fd, 0, NULL, &num, NULL));
	EXPECT_EQ(-ENOENT, ioas_iova_ranges(self->fd, 1, NULL, &num, NULL));

	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(-ENOENT,
		  ioas_iova_ranges(self->fd, id + 1, NULL, &num, NULL));
	EXPECT_EQ(-ENOENT,
		  ioas_iova_ranges(self->fd, UINT32_MAX, NULL, &num, NULL));
	ASSERT_EQ(0, obj_destroy(self->fd, id));
	EXPECT_EQ(-ENOENT, ioas_iova_ranges(self->fd, id, NULL, &num, NULL));
}

TEST_F(iommufd, iova_ranges_two_pass)
{
	struct iommu_iova_range *ranges;
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.num_iovas = 0,
		.out_iova_alignment = 0xdead,
	};

	ASSERT_EQ(0, ioas_alloc(self->fd, &cmd.ioas_id));

	/* Pass 1: no room. The count and alignment come back anyway. */
	EXPECT_EQ(-EMSGSIZE,
		  iommufd_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	EXPECT_EQ(1U, cmd.num_iovas);
	EXPECT_EQ(1U, cmd.out_iova_alignment);

	/* Pass 2: an array of the size just reported */
	ranges = calloc(cmd.num_iovas, sizeof(*ranges));
	ASSERT_NE(NULL, ranges);
	cmd.allowed_iovas = (uintptr_t)ranges;
	cmd.out_iova_alignment = 0xdead;
	ASSERT_EQ(0, iommufd_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	EXPECT_EQ(1U, cmd.num_iovas);
	EXPECT_EQ(1U, cmd.out_iova_alignment);
	EXPECT_EQ(0U, ranges[0].start);
	EXPECT_EQ(UINT64_MAX, ranges[0].last);
	free(ranges);
}

TEST_F(iommufd, iova_ranges_large_array)
{
	struct iommu_iova_range ranges[4];
	__u64 alignment = 0;
	__u32 num = ARRAY_SIZE(ranges);
	unsigned int i;
	__u32 id;

	memset(ranges, 0x5a, sizeof(ranges));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, id, ranges, &num, &alignment));
	EXPECT_EQ(1U, num);
	EXPECT_EQ(1U, alignment);
	EXPECT_EQ(0U, ranges[0].start);
	EXPECT_EQ(UINT64_MAX, ranges[0].last);

	/* Entries past the reported count are left alone */
	for (i = 1; i != ARRAY_SIZE(ranges); i++) {
		EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, ranges[i].start);
		EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, ranges[i].last);
	}
}

TEST_F(iommufd, iova_ranges_fault)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *none;
	__u32 num;
	__u32 id;

	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));

	/* With no room the array is never touched */
	num = 0;
	EXPECT_EQ(-EMSGSIZE, ioas_iova_ranges(self->fd, id, none, &num, NULL));
	EXPECT_EQ(1U, num);

	/* With room, an array that cannot be written is a fault */
	num = 1;
	EXPECT_EQ(-EFAULT, ioas_iova_ranges(self->fd, id, none, &num, NULL));
	num = 1;
	EXPECT_EQ(-EFAULT, ioas_iova_ranges(self->fd, id, NULL, &num, NULL));

	/* The IOAS is unharmed */
	EXPECT_TRUE(ioas_exists(self->fd, id));
	munmap(none, page);
}

/*
 * IOVA_RANGES refuses objects that are not an IOAS. The mock device is the
 * only way to get another kind of object, so this waits for
 * IOMMU_TEST_OP_MOCK_DOMAIN.
 */
TEST_F(iommufd, iova_ranges_wrong_type)
{
	__u32 ioas_id, stdev_id, hwpt_id, idev_id;
	__u32 num = 0;
	int ret;

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas_id));
	ret = mock_domain(self->fd, ioas_id, &stdev_id, &hwpt_id, &idev_id);
	if (ret == -ENOTTY || ret == -EOPNOTSUPP)
		SKIP(return, "no object type other than IOAS is available");
	ASSERT_EQ(0, ret);

	EXPECT_EQ(-ENOENT,
		  ioas_iova_ranges(self->fd, stdev_id, NULL, &num, NULL));
	EXPECT_EQ(-ENOENT,
		  ioas_iova_ranges(self->fd, hwpt_id, NULL, &num, NULL));
	EXPECT_EQ(-ENOENT,
		  ioas_iova_ranges(self->fd, idev_id, NULL, &num, NULL));
	EXPECT_TRUE(ioas_exists(self->fd, ioas_id));
}

TEST_F_TIMEOUT(iommufd, many_ioas, 300)
{
	unsigned int i;
	__u32 id;

	for (i = 1; i <= MANY_IOAS; i++) {
		ASSERT_EQ(0, ioas_alloc(self->fd, &id));
		ASSERT_EQ(i, id);
	}
	for (i = 1; i <= MANY_IOAS; i++)
		ASSERT_EQ(0, obj_destroy(self->fd, i));

	EXPECT_FALSE(ioas_exists(self->fd, 1));
	EXPECT_FALSE(ioas_exists(self->fd, MANY_IOAS));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(1U, id);
}

TEST_F(iommufd, close_with_objects)
{
	unsigned int i;
	__u32 id;

	for (i = 1; i <= 8; i++) {
		ASSERT_EQ(0, ioas_alloc(self->fd, &id));
		ASSERT_EQ(i, id);
	}
	ASSERT_EQ(0, obj_destroy(self->fd, 3));

	/* Closing destroys everything; a new context starts from scratch */
	ASSERT_EQ(0, close(self->fd));
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_FALSE(ioas_exists(self->fd, 1));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(1U, id);
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(2U, id);
}

TEST_F(iommufd, two_contexts)
{
	__u32 num = 0;
	unsigned int i;
	__u32 id;
	int fd2;

	fd2 = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd2);

	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(0, ioas_alloc(self->fd, &id));
		ASSERT_EQ(i, id);
	}

	/* The second context sees none of the first one's objects */
	EXPECT_EQ(-ENOENT, ioas_iova_ranges(fd2, 2, NULL, &num, NULL));
	EXPECT_EQ(-ENOENT, obj_destroy(fd2, 2));
	EXPECT_EQ(-ENOENT, obj_destroy(fd2, 3));

	/* It has its own ID space, starting at 1 */
	ASSERT_EQ(0, ioas_alloc(fd2, &id));
	EXPECT_EQ(1U, id);
	ASSERT_EQ(0, obj_destroy(fd2, 1));

	/* Destroying its own 1 left the first context's 1 alone */
	for (i = 1; i <= 3; i++)
		EXPECT_TRUE(ioas_exists(self->fd, i));

	/* And closing it does not affect the first context either */
	ASSERT_EQ(0, ioas_alloc(fd2, &id));
	ASSERT_EQ(0, close(fd2));
	for (i = 1; i <= 3; i++)
		EXPECT_TRUE(ioas_exists(self->fd, i));
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	EXPECT_EQ(4U, id);
}

/*
 * A nonzero reserved field is refused with EOPNOTSUPP before anything
 * else is looked at. The rest of each struct is valid, or at least names
 * objects that exist.
 */
static void check_reserved(struct __test_metadata *_metadata, int fd,
			   __u32 ioas_id, void *buf)
{
	struct iommu_iova_range range = { .start = 0x100000, .last = 0x1fffff };
	struct iommu_ioas_allow_iovas allow_iovas = {
		.size = sizeof(allow_iovas),
		.ioas_id = ioas_id,
		.num_iovas = 1,
		.__reserved = 1,
		.allowed_iovas = (uintptr_t)&range,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.__reserved = 1,
		.user_va = (uintptr_t)buf,
		.length = 4096,
		.iova = 0x100000,
	};
	struct iommu_option option = {
		.size = sizeof(option),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET,
		.__reserved = 1,
		.object_id = ioas_id,
	};
	struct iommu_vfio_ioas vfio_ioas = {
		.size = sizeof(vfio_ioas),
		.ioas_id = ioas_id,
		.op = IOMMU_VFIO_IOAS_SET,
		.__reserved = 1,
	};
	struct iommu_hwpt_alloc hwpt_alloc = {
		.size = sizeof(hwpt_alloc),
		.pt_id = ioas_id,
		.__reserved = 1,
	};
	struct iommu_ioas_change_process change_process = {
		.size = sizeof(change_process),
		.__reserved = 1,
	};
	struct iommu_hw_info hw_info;
	unsigned int i;

	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &allow_iovas));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_MAP, &map));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_OPTION, &option));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_VFIO_IOAS, &vfio_ioas));
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt_alloc));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS,
					     &change_process));
	for (i = 0; i != ARRAY_SIZE(hw_info.__reserved); i++) {
		memset(&hw_info, 0, sizeof(hw_info));
		hw_info.size = sizeof(hw_info);
		hw_info.__reserved[i] = 1;
		EXPECT_EQ(-EOPNOTSUPP,
			  iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &hw_info)) {
			TH_LOG("__reserved[%u]", i);
		}
	}
}

TEST_F(iommufd, reserved_fields)
{
	__u32 ioas_id;
	char *buf;

	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas_id));

	check_reserved(_metadata, self->fd, ioas_id, buf);

	munmap(buf, 4096);
}

/* Run @check on a new IOAS, a page of memory and a one page memfd */
static void with_ioas_and_memfd(struct __test_metadata *_metadata, int fd,
				void (*check)(struct __test_metadata *_metadata,
					      int fd, __u32 ioas_id, int mfd,
					      void *buf))
{
	__u32 ioas_id;
	char *buf;
	int mfd;

	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	mfd = memfd_create("iommufd-test", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 4096));
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_id));

	check(_metadata, fd, ioas_id, mfd, buf);

	close(mfd);
	munmap(buf, 4096);
}

/*
 * Unknown flag bits are refused with EOPNOTSUPP. Apart from the flag,
 * each struct asks for something sensible.
 */
static void check_unknown_flags(struct __test_metadata *_metadata, int fd,
				__u32 ioas_id, int mfd, void *buf)
{
	const __u32 rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	const __u32 unknown = 1U << 3;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = rw | unknown,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = 4096,
	};
	struct iommu_ioas_map_file map_file = {
		.size = sizeof(map_file),
		.flags = rw | unknown,
		.ioas_id = ioas_id,
		.fd = mfd,
		.length = 4096,
	};
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = rw | unknown,
		.dst_ioas_id = ioas_id,
		.src_ioas_id = ioas_id,
		.length = 4096,
		.src_iova = 0x100000,
	};
	struct iommu_hw_info hw_info = {
		.size = sizeof(hw_info),
		.flags = 1U << 1,
	};

	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_MAP, &map));
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_IOAS_MAP_FILE, &map_file));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_IOAS_COPY, &copy));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &hw_info));
}

TEST_F(iommufd, unknown_flags)
{
	with_ioas_and_memfd(_metadata, self->fd, check_unknown_flags);
}

/*
 * Commands whose objects (devices, HWPTs, vIOMMUs, ...) cannot exist in a
 * context that holds only an IOAS: each ID field is resolved before the
 * command can say "not supported", so a missing ID, or the IOAS ID where
 * another kind is wanted, gets upstream's errno. iommufd_domain.c repeats
 * this with every kind of object the mock can make.
 */
static void check_ids_before_eopnotsupp(struct __test_metadata *_metadata,
					int fd, __u32 ioas_id, int mfd,
					void *buf)
{
	const __u32 ids[] = { ioas_id, ioas_id + 1, 0, UINT32_MAX };
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(ids); i++) {
		struct iommu_hw_info hw_info = {
			.size = sizeof(hw_info),
			.dev_id = ids[i],
			.data_len = 64,
			.data_uptr = (uintptr_t)buf,
		};
		struct iommu_hwpt_set_dirty_tracking set_dirty = {
			.size = sizeof(set_dirty),
			.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
			.hwpt_id = ids[i],
		};
		struct iommu_hwpt_get_dirty_bitmap get_dirty = {
			.size = sizeof(get_dirty),
			.hwpt_id = ids[i],
			.iova = 0x100000,
			.length = 0x10000,
			.page_size = 4096,
			.data = (uintptr_t)buf,
		};
		struct iommu_hwpt_invalidate invalidate = {
			.size = sizeof(invalidate),
			.hwpt_id = ids[i],
			.data_uptr = (uintptr_t)buf,
			.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
			.entry_len =
				sizeof(struct iommu_hwpt_invalidate_selftest),
			.entry_num = 1,
		};
		struct iommu_viommu_alloc viommu_alloc = {
			.size = sizeof(viommu_alloc),
			.type = IOMMU_VIOMMU_TYPE_SELFTEST,
			.dev_id = ids[i],
			.hwpt_id = ioas_id,
		};
		struct iommu_vdevice_alloc vdevice_alloc = {
			.size = sizeof(vdevice_alloc),
			.viommu_id = ids[i],
			.dev_id = ioas_id,
			.virt_id = 0x10,
		};
		struct iommu_veventq_alloc veventq_alloc = {
			.size = sizeof(veventq_alloc),
			.viommu_id = ids[i],
			.type = IOMMU_VEVENTQ_TYPE_SELFTEST,
			.veventq_depth = 16,
		};
		struct iommu_hw_queue_alloc hw_queue_alloc = {
			.size = sizeof(hw_queue_alloc),
			.viommu_id = ids[i],
			.type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
			.nesting_parent_iova = 0x100000,
			.length = 4096,
		};
		struct iommu_hwpt_alloc hwpt_alloc = {
			.size = sizeof(hwpt_alloc),
			.flags = IOMMU_HWPT_FAULT_ID_VALID,
			.dev_id = ids[i],
			.pt_id = ioas_id,
			.fault_id = ids[i],
		};

		EXPECT_EQ(-ENOENT,
			  iommufd_ioctl(fd, IOMMU_GET_HW_INFO, &hw_info));
		EXPECT_EQ(-ENOENT, iommufd_ioctl(fd,
						 IOMMU_HWPT_SET_DIRTY_TRACKING,
						 &set_dirty));
		EXPECT_EQ(-ENOENT, iommufd_ioctl(fd,
						 IOMMU_HWPT_GET_DIRTY_BITMAP,
						 &get_dirty));
		/* An object of the wrong kind is EINVAL here, as upstream */
		EXPECT_EQ(ids[i] == ioas_id ? -EINVAL : -ENOENT,
			  iommufd_ioctl(fd, IOMMU_HWPT_INVALIDATE,
					&invalidate));
		/* and entry_num comes back as 0 entries done either way */
		EXPECT_EQ(0U, invalidate.entry_num);
		EXPECT_EQ(-ENOENT, iommufd_ioctl(fd, IOMMU_VIOMMU_ALLOC,
						 &viommu_alloc));
		EXPECT_EQ(-ENOENT, iommufd_ioctl(fd, IOMMU_VDEVICE_ALLOC,
						 &vdevice_alloc));
		EXPECT_EQ(-ENOENT, iommufd_ioctl(fd, IOMMU_VEVENTQ_ALLOC,
						 &veventq_alloc));
		EXPECT_EQ(-ENOENT, iommufd_ioctl(fd, IOMMU_HW_QUEUE_ALLOC,
						 &hw_queue_alloc));
		/* Unknown flags are checked after the lookups */
		hwpt_alloc.flags = 1U << 30;
		EXPECT_EQ(-ENOENT,
			  iommufd_ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt_alloc));
	}
	/* Nothing was made */
	EXPECT_FALSE(ioas_exists(fd, ioas_id + 1));
	EXPECT_EQ(0, obj_destroy(fd, ioas_id));
}

TEST_F(iommufd, ids_before_eopnotsupp)
{
	with_ioas_and_memfd(_metadata, self->fd, check_ids_before_eopnotsupp);
}

/* The checks that come before any lookup, in upstream's order */
static void check_early_errors(struct __test_metadata *_metadata, int fd,
			       __u32 ioas_id, int mfd, void *buf)
{
	struct iommu_hwpt_set_dirty_tracking set_dirty = {
		.size = sizeof(set_dirty),
		.flags = 1U << 1,
	};
	struct iommu_hwpt_get_dirty_bitmap get_dirty = {
		.size = sizeof(get_dirty),
		.flags = 1U << 1,
	};
	struct iommu_hwpt_invalidate invalidate = {
		.size = sizeof(invalidate),
		.__reserved = 1,
		.entry_num = 5,
	};
	struct iommu_fault_alloc fault_alloc = {
		.size = sizeof(fault_alloc),
	};
	struct iommu_viommu_alloc viommu_alloc = {
		.size = sizeof(viommu_alloc),
	};
	struct iommu_vdevice_alloc vdevice_alloc = {
		.size = sizeof(vdevice_alloc),
	};
	struct iommu_veventq_alloc veventq_alloc = {
		.size = sizeof(veventq_alloc),
		.type = IOMMU_VEVENTQ_TYPE_SELFTEST,
	};
	struct iommu_hw_queue_alloc hw_queue_alloc = {
		.size = sizeof(hw_queue_alloc),
		.type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
	};

	/* Flags and reserved fields: EOPNOTSUPP */
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
					     &set_dirty));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
					     &get_dirty));
	get_dirty.flags = 0;
	get_dirty.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP, iommufd_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
					     &get_dirty));
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_HWPT_INVALIDATE, &invalidate));
	EXPECT_EQ(0U, invalidate.entry_num);
	/* Entries need a pointer and a length */
	invalidate.__reserved = 0;
	invalidate.entry_num = 1;
	EXPECT_EQ(-EINVAL,
		  iommufd_ioctl(fd, IOMMU_HWPT_INVALIDATE, &invalidate));
	EXPECT_EQ(0U, invalidate.entry_num);

	/* FAULT_QUEUE_ALLOC takes no ID: its flags, then not supported */
	fault_alloc.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fault_alloc));
	fault_alloc.flags = 0;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fault_alloc));

	/* Type 0 is a placeholder, refused before the lookups */
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_VIOMMU_ALLOC, &viommu_alloc));
	viommu_alloc.type = IOMMU_VIOMMU_TYPE_SELFTEST;
	viommu_alloc.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_VIOMMU_ALLOC, &viommu_alloc));

	/* VDEVICE_ALLOC has nothing to refuse before its lookup */
	vdevice_alloc.virt_id = UINT64_MAX;
	EXPECT_EQ(-ENOENT,
		  iommufd_ioctl(fd, IOMMU_VDEVICE_ALLOC, &vdevice_alloc));

	/* VEVENTQ_ALLOC: flags, __reserved and type, then the depth */
	EXPECT_EQ(-EINVAL,
		  iommufd_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &veventq_alloc));
	veventq_alloc.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &veventq_alloc));
	veventq_alloc.__reserved = 0;
	veventq_alloc.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &veventq_alloc));
	veventq_alloc.flags = 0;
	veventq_alloc.type = 0;
	veventq_alloc.veventq_depth = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &veventq_alloc));

	/* HW_QUEUE_ALLOC: flags and type, then the range */
	EXPECT_EQ(-EINVAL,
		  iommufd_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &hw_queue_alloc));
	hw_queue_alloc.length = 2;
	hw_queue_alloc.nesting_parent_iova = UINT64_MAX;
	EXPECT_EQ(-EOVERFLOW,
		  iommufd_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &hw_queue_alloc));
	hw_queue_alloc.type = 0;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &hw_queue_alloc));
	hw_queue_alloc.type = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	hw_queue_alloc.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP,
		  iommufd_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &hw_queue_alloc));

	EXPECT_FALSE(ioas_exists(fd, ioas_id + 1));
}

TEST_F(iommufd, early_errors)
{
	with_ioas_and_memfd(_metadata, self->fd, check_early_errors);
}

/* IOMMU_TEST_CMD answers EOPNOTSUPP for an op it does not know */
TEST_F(iommufd, test_cmd_unknown_op)
{
	static const __u32 ops[] = {
		0, IOMMU_TEST_OP_PRIVATE_BASE - 1, 0x7fffffff, UINT32_MAX,
	};
	struct iommu_test_cmd cmd = {};
	unsigned int i;
	int ret;

	ret = test_cmd(self->fd, &cmd);
	if (ret == -ENOTTY)
		SKIP(return, "IOMMU_TEST_CMD is not built in");

	for (i = 0; i != ARRAY_SIZE(ops); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.op = ops[i];
		EXPECT_EQ(-EOPNOTSUPP, test_cmd(self->fd, &cmd)) {
			TH_LOG("op 0x%x", ops[i]);
		}
	}
}

TEST_HARNESS_MAIN
