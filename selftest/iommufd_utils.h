/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the iommufd userspace tests.
 *
 * The ioctl wrappers return 0 on success and -errno on failure (errno is
 * left set as well), so a test reads as ASSERT_EQ(-ENOENT, obj_destroy(...)).
 * Besides them: readers of /proc/self/status and of the taint flags, test
 * buffers, and checks that several tests make.
 */
#ifndef _IOMMUFD_UTILS_H
#define _IOMMUFD_UTILS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "setup_skip.h"

#define IOMMUFD_DEV "/dev/iommu"

#define SZ_4K 0x1000UL
#define SZ_1M 0x100000UL
#define SZ_2M 0x200000UL
#define SZ_4M 0x400000UL
#define SZ_8M 0x800000UL

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_FIXED_RW (IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW)

#ifndef offsetofend
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
#endif

static inline int iommufd_ioctl(int fd, unsigned long request, void *arg)
{
	if (ioctl(fd, request, arg))
		return -errno;
	return 0;
}

static inline int ioas_alloc_flags(int fd, __u32 flags, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!ret && ioas_id)
		*ioas_id = cmd.out_ioas_id;
	return ret;
}

static inline int ioas_alloc(int fd, __u32 *ioas_id)
{
	return ioas_alloc_flags(fd, 0, ioas_id);
}

static inline int obj_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return iommufd_ioctl(fd, IOMMU_DESTROY, &cmd);
}

/*
 * IOMMU_IOAS_IOVA_RANGES with an array of *num entries. *num and *alignment
 * receive what the kernel wrote back, which it also does on EMSGSIZE.
 * Either output pointer may be NULL.
 */
static inline int ioas_iova_ranges(int fd, __u32 ioas_id,
				   struct iommu_iova_range *ranges,
				   __u32 *num, __u64 *alignment)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num ? *num : 0,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	if (!ret || ret == -EMSGSIZE) {
		if (num)
			*num = cmd.num_iovas;
		if (alignment)
			*alignment = cmd.out_iova_alignment;
	}
	return ret;
}

/*
 * Whether @id names an IOAS in this context, without changing anything:
 * IOVA_RANGES with no array succeeds or says EMSGSIZE for any IOAS, and
 * says ENOENT for anything else.
 */
static inline bool ioas_exists(int fd, __u32 id)
{
	int ret = ioas_iova_ranges(fd, id, NULL, NULL, NULL);

	return !ret || ret == -EMSGSIZE;
}

/* IOMMU_VFIO_IOAS; *ioas_id in, and what the kernel wrote back out */
static inline int vfio_ioas_cmd(int fd, __u16 op, __u32 *ioas_id,
				__u16 reserved)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.ioas_id = *ioas_id,
		.op = op,
		.__reserved = reserved,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_VFIO_IOAS, &cmd);
	*ioas_id = cmd.ioas_id;
	return ret;
}

static inline int compat_set(int fd, __u32 ioas_id)
{
	return vfio_ioas_cmd(fd, IOMMU_VFIO_IOAS_SET, &ioas_id, 0);
}

/* The compat IOAS's ID, or 0xdead with -errno */
static inline int compat_get(int fd, __u32 *ioas_id)
{
	*ioas_id = 0xdead;
	return vfio_ioas_cmd(fd, IOMMU_VFIO_IOAS_GET, ioas_id, 0);
}

/* At most this many descriptors go in one fds_send() */
#define FDS_MAX 4

/*
 * Send @len bytes of @buf and @nfds file descriptors over the UNIX
 * socket @sock in one message; 0 or -errno.
 */
static inline int fds_send(int sock, const void *buf, size_t len,
			   const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = CMSG_SPACE(nfds * sizeof(int)),
	};
	struct cmsghdr *cmsg;

	if (!nfds || nfds > FDS_MAX)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Receive what fds_send() sent: exactly @len bytes into @buf and exactly
 * @nfds descriptors (close-on-exec) into @fds; 0, -EPROTO if the message
 * was not that, or -errno.
 */
static inline int fds_recv(int sock, void *buf, size_t len, int *fds,
			   unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	if (!nfds || nfds > FDS_MAX)
		return -EINVAL;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if ((size_t)n != len || msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC) ||
	    !cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(nfds * sizeof(int)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(cmsg), nfds * sizeof(int));
	return 0;
}

static inline int test_cmd(int fd, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return iommufd_ioctl(fd, IOMMU_TEST_CMD, cmd);
}

/* IOMMU_IOAS_MAP with @flags; *iova (NULL for 0) in, the IOVA used out */
static inline int ioas_map(int fd, __u32 ioas_id, __u32 flags, __u64 user_va,
			   __u64 length, __u64 *iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = user_va,
		.length = length,
		.iova = iova ? *iova : 0,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_MAP, &cmd);
	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

/* Read/write map of @va at the fixed IOVA @iova */
static inline int ioas_map_fixed(int fd, __u32 ioas_id, const void *va,
				 __u64 length, __u64 iova)
{
	return ioas_map(fd, ioas_id, MAP_FIXED_RW, (uintptr_t)va, length,
			&iova);
}

/* Read/write map of @va at an IOVA the kernel picks, returned in *iova */
static inline int ioas_map_auto(int fd, __u32 ioas_id, const void *va,
				__u64 length, __u64 *iova)
{
	*iova = 0;
	return ioas_map(fd, ioas_id, MAP_RW, (uintptr_t)va, length, iova);
}

/*
 * IOMMU_IOAS_MAP_FILE of [start, start + length) of the file @mfd, with
 * @flags. *iova is read only with IOMMU_IOAS_MAP_FIXED_IOVA and receives
 * the IOVA used; @iova may be NULL.
 */
static inline int ioas_map_file(int fd, __u32 ioas_id, __u32 flags, int mfd,
				__u64 start, __u64 length, __u64 *iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = mfd,
		.start = start,
		.length = length,
	};
	int ret;

	if (iova && (flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		cmd.iova = *iova;
	ret = iommufd_ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

/* IOMMU_IOAS_CHANGE_PROCESS: make the caller the owner of every mapping */
static inline int ioas_change_process(int fd)
{
	struct iommu_ioas_change_process cmd = {
		.size = sizeof(cmd),
	};

	return iommufd_ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd);
}

/* IOMMU_IOAS_UNMAP; *unmapped (may be NULL) receives the bytes unmapped */
static inline int ioas_unmap(int fd, __u32 ioas_id, __u64 iova, __u64 length,
			     __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
	if (!ret && unmapped)
		*unmapped = cmd.length;
	return ret;
}

/* IOMMU_IOAS_COPY; *dst_iova (NULL for 0) in, the IOVA used out */
static inline int ioas_copy(int fd, __u32 flags, __u32 dst_id, __u32 src_id,
			    __u64 length, __u64 src_iova, __u64 *dst_iova)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst_id,
		.src_ioas_id = src_id,
		.length = length,
		.dst_iova = dst_iova ? *dst_iova : 0,
		.src_iova = src_iova,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_IOAS_COPY, &cmd);
	if (!ret && dst_iova)
		*dst_iova = cmd.dst_iova;
	return ret;
}

/* Read/write copy of @src_id's [src_iova, +length) to fixed @dst_iova */
static inline int ioas_copy_fixed(int fd, __u32 dst_id, __u64 dst_iova,
				  __u32 src_id, __u64 src_iova, __u64 length)
{
	return ioas_copy(fd, MAP_FIXED_RW, dst_id, src_id, length, src_iova,
			 &dst_iova);
}

/* IOMMU_IOAS_ALLOW_IOVAS with the @num entries of @ranges */
static inline int ioas_allow_iovas(int fd, __u32 ioas_id,
				   const struct iommu_iova_range *ranges,
				   __u32 num)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = (uintptr_t)ranges,
	};

	return iommufd_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

/* IOMMU_IOAS_ALLOW_IOVAS with the one range [start, last] */
static inline int ioas_allow_range(int fd, __u32 ioas_id, __u64 start,
				   __u64 last)
{
	struct iommu_iova_range range = { .start = start, .last = last };

	return ioas_allow_iovas(fd, ioas_id, &range, 1);
}

/* IOMMU_OPTION @op; *val64 is sent and receives the value written back */
static inline int option_cmd(int fd, __u32 option_id, __u16 op,
			     __u32 object_id, __u64 *val64)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option_id,
		.op = op,
		.object_id = object_id,
		.val64 = *val64,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_OPTION, &cmd);
	if (!ret)
		*val64 = cmd.val64;
	return ret;
}

/* IOMMU_OPTION_OP_SET of @val */
static inline int option_set(int fd, __u32 option_id, __u32 object_id,
			     __u64 val)
{
	return option_cmd(fd, option_id, IOMMU_OPTION_OP_SET, object_id, &val);
}

/* IOMMU_OPTION_OP_GET into *val, which is poisoned if nothing comes back */
static inline int option_get(int fd, __u32 option_id, __u32 object_id,
			     __u64 *val)
{
	*val = 0xdeadbeef;
	return option_cmd(fd, option_id, IOMMU_OPTION_OP_GET, object_id, val);
}

/* IOMMU_HWPT_ALLOC of a paging HWPT on @pt_id; @hwpt_id may be NULL */
static inline int hwpt_alloc(int fd, __u32 flags, __u32 dev_id, __u32 pt_id,
			     __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};
	int ret;

	ret = iommufd_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);
	if (!ret && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return ret;
}

/* MOCK_DOMAIN_FLAGS only adds dev_flags after the results of MOCK_DOMAIN */
_Static_assert(offsetof(struct iommu_test_cmd, mock_domain.out_idev_id) ==
	       offsetof(struct iommu_test_cmd, mock_domain_flags.out_idev_id),
	       "MOCK_DOMAIN and MOCK_DOMAIN_FLAGS results differ");

/* MOCK_DOMAIN or MOCK_DOMAIN_FLAGS @op; any output pointer may be NULL */
static inline int mock_domain_op(int fd, __u32 op, __u32 pt_id,
				 __u32 dev_flags, __u32 *stdev_id,
				 __u32 *hwpt_id, __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.op = op,
		.id = pt_id,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain_flags.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}

/*
 * IOMMU_TEST_OP_MOCK_DOMAIN: a mock device attached to @pt_id. Any of the
 * output pointers may be NULL.
 */
static inline int mock_domain(int fd, __u32 pt_id, __u32 *stdev_id,
			      __u32 *hwpt_id, __u32 *idev_id)
{
	return mock_domain_op(fd, IOMMU_TEST_OP_MOCK_DOMAIN, pt_id, 0,
			      stdev_id, hwpt_id, idev_id);
}

/* As mock_domain(), for a device with @dev_flags (MOCK_FLAGS_DEVICE_*) */
static inline int mock_domain_flags(int fd, __u32 pt_id, __u32 dev_flags,
				    __u32 *stdev_id, __u32 *hwpt_id,
				    __u32 *idev_id)
{
	return mock_domain_op(fd, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, pt_id,
			      dev_flags, stdev_id, hwpt_id, idev_id);
}

/* MOCK_DOMAIN_REPLACE of @stdev_id to *pt_id, which receives the HWPT used */
static inline int mock_domain_replace(int fd, __u32 stdev_id, __u32 *pt_id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
		.mock_domain_replace = { .pt_id = *pt_id },
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (!ret)
		*pt_id = cmd.mock_domain_replace.pt_id;
	return ret;
}

/* MD_CHECK_MAP: does @hwpt_id map [iova, iova + length) onto @uptr? */
static inline int md_check_map(int fd, __u32 hwpt_id, __u64 iova,
			       __u64 length, const void *uptr)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = {
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)uptr,
		},
	};

	return test_cmd(fd, &cmd);
}

/* MD_CHECK_REFS: is every page of @uptr pinned exactly @refs times? */
static inline int md_check_refs(int fd, const void *uptr, __u64 length,
				__u32 refs)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = {
			.length = length,
			.uptr = (uintptr_t)uptr,
			.refs = refs,
		},
	};

	return test_cmd(fd, &cmd);
}

/* SET_TEMP_MEMORY_LIMIT: the global limit of temporary allocations */
static inline int set_temp_memory_limit(int fd, __u32 limit)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit = { .limit = limit },
	};

	return test_cmd(fd, &cmd);
}

/* CREATE_ACCESS on @ioas_id; *access_fd (may be NULL) gets the new fd */
static inline int access_create(int fd, __u32 ioas_id, __u32 flags,
				int *access_fd)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas_id,
		.create_access = { .flags = flags },
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (!ret && access_fd)
		*access_fd = cmd.create_access.out_access_fd;
	return ret;
}

/* ACCESS_PAGES pin of [iova, iova + length); *item (may be NULL) gets its ID */
static inline int access_pin(int fd, int access_fd, __u32 flags, __u64 iova,
			     __u64 length, const void *uptr, __u32 *item)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
		.id = access_fd,
		.access_pages = {
			.flags = flags,
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)uptr,
		},
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (!ret && item)
		*item = cmd.access_pages.out_access_pages_id;
	return ret;
}

/* DESTROY_ACCESS_PAGES: unpin the ACCESS_PAGES item @item of @access_fd */
static inline int access_unpin(int fd, int access_fd, __u32 item)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
		.id = access_fd,
		.destroy_access_pages = { .access_pages_id = item },
	};

	return test_cmd(fd, &cmd);
}

/* ACCESS_RW of @length bytes between @uptr and @iova (MOCK_ACCESS_RW_*) */
static inline int access_rw(int fd, int access_fd, __u64 iova, void *uptr,
			    __u64 length, __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access_fd,
		.access_rw = {
			.iova = iova,
			.length = length,
			.uptr = (uintptr_t)uptr,
			.flags = flags,
		},
	};

	return test_cmd(fd, &cmd);
}

/* ACCESS_REPLACE_IOAS: move @access_fd onto @ioas_id */
static inline int access_replace(int fd, int access_fd, __u32 ioas_id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
		.id = access_fd,
		.access_replace_ioas = { .ioas_id = ioas_id },
	};

	return test_cmd(fd, &cmd);
}

/* SVA_DEV_CREATE: a mock SVA device for PASIDs [1, max_pasid], as an fd */
static inline int sva_dev_create(int fd, __u32 max_pasid, int *dev_fd)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_DEV_CREATE,
		.sva_dev_create = { .max_pasid = max_pasid },
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (!ret && dev_fd)
		*dev_fd = cmd.sva_dev_create.out_fd;
	return ret;
}

/* SVA_BIND of the caller's mm to @dev_fd; either output may be NULL */
static inline int sva_bind(int fd, int dev_fd, __u32 *handle, __u32 *pasid)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_BIND,
		.id = dev_fd,
	};
	int ret;

	ret = test_cmd(fd, &cmd);
	if (ret)
		return ret;
	if (handle)
		*handle = cmd.sva_bind.out_handle;
	if (pasid)
		*pasid = cmd.sva_bind.out_pasid;
	return 0;
}

/* SVA_UNBIND of @handle of @dev_fd, from where @mode says */
static inline int sva_unbind(int fd, int dev_fd, __u32 handle, __u32 mode)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_UNBIND,
		.id = dev_fd,
		.sva_unbind = { .handle = handle, .mode = mode },
	};

	return test_cmd(fd, &cmd);
}

/* SVA_DMA of @length bytes between @buf and @va of the mm bound to @pasid */
static inline int sva_dma(int fd, int dev_fd, __u32 pasid, __u32 flags,
			  __u64 va, void *buf, __u64 length)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_DMA,
		.id = dev_fd,
		.sva_dma = {
			.pasid = pasid,
			.flags = flags,
			.va = va,
			.uptr = (uintptr_t)buf,
			.length = length,
		},
	};

	return test_cmd(fd, &cmd);
}

/* SVA_RELEASE: run the mmu_notifier release() of @handle's mm again */
static inline int sva_release(int fd, int dev_fd, __u32 handle)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_RELEASE,
		.id = dev_fd,
		.sva_unbind = { .handle = handle },
	};

	return test_cmd(fd, &cmd);
}

/* SVA_FLUSH: wait for every unbind asked for so far and what it frees */
static inline int sva_flush(int fd)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_FLUSH,
	};

	return test_cmd(fd, &cmd);
}

/* SVA_CORE_BIND of a PCI device: segment << 16 | bus << 8 | devfn */
static inline int sva_core_bind(int fd, __u32 pci_id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SVA_CORE_BIND,
		.sva_core_bind = { .pci_id = pci_id },
	};

	return test_cmd(fd, &cmd);
}

/* Read a one-line sysfs or debugfs setting, without its newline */
static inline bool knob_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

/* Write a sysfs or debugfs setting; false if refused */
static inline bool knob_write(const char *path, const char *value)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return false;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value);
}

/* The mock IOMMU's page: half a CPU page (2048 bytes with 4 KiB pages) */
static inline size_t mock_page_size(void)
{
	return sysconf(_SC_PAGESIZE) / 2;
}

/* The number after "@key:" in /proc/self/status, in @base, into *val */
static inline bool proc_status_field(const char *key, int base,
				     unsigned long long *val)
{
	size_t len = strlen(key);
	bool found = false;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			*val = strtoull(line + len + 1, NULL, base);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

/* A "@key:   N kB" field of /proc/self/status (VmPin, VmLck ...), or -1 */
static inline long proc_status_kb(const char *key)
{
	unsigned long long val;

	return proc_status_field(key, 10, &val) ? (long)val : -1;
}

/* The effective capability set of this process, all ones if unknown */
static inline unsigned long long proc_status_cap_eff(void)
{
	unsigned long long val;

	return proc_status_field("CapEff", 16, &val) ? val : ~0ULL;
}

/* Whether the kernel has WARNed since boot (taint flag W), or -1 */
static inline int taint_warn(void)
{
	unsigned long taint;
	FILE *f;
	int ret;

	f = fopen("/proc/sys/kernel/tainted", "r");
	if (!f)
		return -1;
	ret = fscanf(f, "%lu", &taint);
	fclose(f);
	if (ret != 1)
		return -1;
	return !!(taint & (1UL << 9));
}

/*
 * Become user and group "nobody" (65534), with no capabilities (so no
 * CAP_IPC_LOCK: pins are charged) and RLIMIT_MEMLOCK @memlock. Open files
 * and mappings stay usable, and /proc/self stays readable.
 */
static inline bool become_nobody_memlock(rlim_t memlock)
{
	struct rlimit rl = { .rlim_cur = memlock, .rlim_max = memlock };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return false;
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return proc_status_cap_eff() == 0;
}

/* @size bytes of anonymous memory aligned to @align; munmap *raw, *raw_size */
static inline void *mmap_aligned(size_t size, size_t align, void **raw,
				 size_t *raw_size)
{
	*raw_size = size + align;
	*raw = mmap(NULL, *raw_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		return NULL;
	return (void *)(((uintptr_t)*raw + align - 1) &
			~(uintptr_t)(align - 1));
}

/* As mmap_aligned(), written all over, in small pages unless @thp */
static inline char *alloc_touched(size_t size, size_t align, bool thp,
				  void **raw, size_t *raw_size)
{
	char *p = mmap_aligned(size, align, raw, raw_size);

	if (!p)
		return NULL;
	madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	return p;
}

/* Unmap exactly [iova, iova + length - 1] and check the byte count */
#define EXPECT_UNMAP_EXACT(fd, id, iova, length)			\
	do {								\
		__u64 __unmapped = 0;					\
									\
		EXPECT_EQ(0, ioas_unmap(fd, id, iova, length,		\
					&__unmapped));			\
		EXPECT_EQ((__u64)(length), __unmapped);			\
	} while (0)

/* Unmap everything and check the total */
#define EXPECT_UNMAP_ALL(fd, id, total)					\
	do {								\
		__u64 __unmapped = 1;					\
									\
		EXPECT_EQ(0, ioas_unmap(fd, id, 0, UINT64_MAX,		\
					&__unmapped));			\
		EXPECT_EQ((__u64)(total), __unmapped);			\
	} while (0)

/* IOVA_RANGES of @ioas_id must be exactly [start, last] with @align */
static inline void expect_one_range(struct __test_metadata *_metadata,
				    int fd, __u32 ioas_id, __u64 start,
				    __u64 last, __u64 align)
{
	struct iommu_iova_range r[4];
	__u64 alignment = 0;
	__u32 num = 4;

	memset(r, 0xff, sizeof(r));
	ASSERT_EQ(0, ioas_iova_ranges(fd, ioas_id, r, &num, &alignment));
	EXPECT_EQ(1U, num);
	EXPECT_EQ(start, r[0].start);
	EXPECT_EQ(last, r[0].last);
	EXPECT_EQ(align, alignment);
}

/* The IOVA_RANGES of an IOAS with no domain: everything, alignment 1 */
static inline void expect_no_domain_ranges(struct __test_metadata *_metadata,
					   int fd, __u32 ioas_id)
{
	expect_one_range(_metadata, fd, ioas_id, 0, UINT64_MAX, 1);
}

/* The IOVA_RANGES of an IOAS with mock domains: the mock aperture */
static inline void expect_mock_ranges(struct __test_metadata *_metadata,
				      int fd, __u32 ioas_id)
{
	expect_one_range(_metadata, fd, ioas_id, MOCK_APERTURE_START,
			 MOCK_APERTURE_LAST, mock_page_size());
}

/*
 * Size rule checks
 *
 * Every command goes through the same size handling (see the "General
 * ioctl format" documentation in linux/iommufd.h), so it is checked the
 * same way for each of them, with otherwise zeroed structs:
 *
 *   size 0 and min_size - 1                      EINVAL
 *   size == sizeof                               some result R (recorded)
 *   min_size, when below sizeof                  R (tail read as zero)
 *   sizeof + 8 and a whole page, zero tail       R (zero tail accepted)
 *   sizeof + 8, a nonzero byte right after the
 *   struct, or at the end of the tail            E2BIG
 *   a whole page, nonzero last byte              E2BIG
 *   NULL, or a pointer to unreadable memory      EFAULT
 *   size readable, rest of the struct not        EFAULT
 *
 * R is whatever the command answers for a zeroed struct (ENOENT for a zero
 * object ID, EOPNOTSUPP for a command without an implementation, success
 * for a command that needs no input). Comparing against R rather than a
 * fixed errno keeps the check valid as commands gain implementations. R
 * must not be E2BIG or ENOTTY: a zeroed struct of the kernel's own size is
 * never "too big", and every listed command exists.
 */
struct length_area {
	unsigned char *buf;	/* two zeroed, writable pages */
	unsigned char *guard;	/* one inaccessible page right after them */
	size_t page;
};

static inline bool length_area_init(struct length_area *a)
{
	void *p;

	a->page = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, 3 * a->page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	a->buf = p;
	a->guard = a->buf + 2 * a->page;
	if (mprotect(a->guard, a->page, PROT_NONE)) {
		munmap(p, 3 * a->page);
		return false;
	}
	return true;
}

static inline void length_area_fini(struct length_area *a)
{
	munmap(a->buf, 3 * a->page);
}

/* Issue @request with a zeroed struct of @size bytes and tail byte @mark. */
static inline int length_try(int fd, unsigned long request,
			     struct length_area *a, __u32 size, long mark)
{
	memset(a->buf, 0, 2 * a->page);
	if (mark >= 0)
		a->buf[mark] = 0xa5;
	*(__u32 *)a->buf = size;
	return iommufd_ioctl(fd, request, a->buf);
}

static inline void check_cmd_length(struct __test_metadata *_metadata,
				    int fd, unsigned long request,
				    __u32 size, __u32 min_size)
{
	struct length_area a;
	__u32 *edge;
	int base;

	ASSERT_TRUE(length_area_init(&a));
	ASSERT_LE(min_size, size);
	ASSERT_LT(size + 8, a.page);

	base = length_try(fd, request, &a, size, -1);
	if (base == -ENOTTY && request == IOMMU_TEST_CMD) {
		length_area_fini(&a);
		SKIP(return, "IOMMU_TEST_CMD is not built in");
	}
	ASSERT_NE(-ENOTTY, base);
	ASSERT_NE(-E2BIG, base);

	/* Too short */
	EXPECT_EQ(-EINVAL, length_try(fd, request, &a, 0, -1));
	EXPECT_EQ(-EINVAL, length_try(fd, request, &a, min_size - 1, -1));

	/* Longer, with a zero tail: the same answer as the exact size */
	EXPECT_EQ(base, length_try(fd, request, &a, size, -1));
	EXPECT_EQ(base, length_try(fd, request, &a, size + 8, -1));
	EXPECT_EQ(base, length_try(fd, request, &a, a.page, -1));

	/* Longer, with something the kernel does not know in the tail */
	EXPECT_EQ(-E2BIG, length_try(fd, request, &a, size + 8, size));
	EXPECT_EQ(-E2BIG, length_try(fd, request, &a, size + 8, size + 7));
	EXPECT_EQ(-E2BIG, length_try(fd, request, &a, a.page, a.page - 1));

	/*
	 * Shorter than the struct but long enough: the missing tail reads as
	 * zero. A nonzero byte just past the caller's size is not part of
	 * the struct, so it is neither read nor overwritten by the copy back.
	 */
	if (min_size < size) {
		EXPECT_EQ(base, length_try(fd, request, &a, min_size, -1));
		EXPECT_EQ(base,
			  length_try(fd, request, &a, min_size, min_size));
		EXPECT_EQ(0xa5, a.buf[min_size]);
	}

	/* Unreadable memory */
	EXPECT_EQ(-EFAULT, iommufd_ioctl(fd, request, NULL));
	EXPECT_EQ(-EFAULT, iommufd_ioctl(fd, request, a.guard));
	edge = (__u32 *)(a.guard - sizeof(__u32));
	*edge = size;
	EXPECT_EQ(-EFAULT, iommufd_ioctl(fd, request, edge));

	length_area_fini(&a);
}

/*
 * LENGTH_TEST() - Define a test of the size rules of one command
 * @fixture: fixture whose data has an open iommufd in ->fd
 * @name: test name suffix; the test is called length_<name>
 * @request: the ioctl request
 * @type: the command's struct type
 * @last_needed: the last field the command requires; the minimum size is
 *	the end of this field
 */
#define LENGTH_TEST(fixture, name, request, type, last_needed)		\
	TEST_F(fixture, length_##name)					\
	{								\
		check_cmd_length(_metadata, self->fd, request,		\
				 sizeof(type),				\
				 offsetofend(type, last_needed));	\
	}

#endif
